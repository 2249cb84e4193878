package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // message images come as GIF, JPEG and PNG
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
)

// Message images are fetched off the UI goroutine and kept on disk under the data dir
// (imagecache/, one file per source URL named by its SHA-256), with a size cap: when a write
// takes the folder over the cap, the least recently used files go until it is under 90% of it.
// Decoded thumbnails are kept in memory, a bounded number of them.

const (
	imageCacheCap   = 128 << 20 // bytes on disk
	imageMaxBytes   = 16 << 20  // one image, fetched or read
	imageTimeout    = 15 * time.Second
	thumbMaxSide    = 240 // pixels of a decoded thumbnail kept in memory
	thumbMemEntries = 256
)

var (
	imageClientOnce sync.Once
	imageClient     *resty.Client
)

// imageFetch downloads an image. Tests replace it to work offline.
var imageFetch = func(u string) ([]byte, error) {
	imageClientOnce.Do(func() {
		imageClient = resty.New().
			SetTimeout(imageTimeout).
			SetRetryCount(0).
			SetHeader("User-Agent", "Mozilla/5.0 (UCBI Console)").
			SetResponseBodyLimit(imageMaxBytes)
	})
	resp, err := imageClient.R().Get(u)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() != 200 {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode())
	}
	return resp.Body(), nil
}

// imageCache is the on-disk cache of one data dir.
type imageCache struct {
	dir string
	cap int64

	mu      sync.Mutex
	scanned bool
	total   int64

	thumbs sync.Map // source → image.Image (bounded by thumbCount)
	nThumb int
}

var (
	imageCachesMu sync.Mutex
	imageCaches   = map[string]*imageCache{}
)

// imageCacheOf returns the cache under dataDir (the system cache dir when the app has none).
func imageCacheOf(dataDir string) *imageCache {
	dir := dataDir
	if dir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(d, "ucbi-console")
		} else {
			dir = os.TempDir()
		}
	}
	dir = filepath.Join(dir, "imagecache")
	imageCachesMu.Lock()
	defer imageCachesMu.Unlock()
	c, ok := imageCaches[dir]
	if !ok {
		c = &imageCache{dir: dir, cap: imageCacheCap}
		imageCaches[dir] = c
	}
	return c
}

// imageSource is where a media segment's bytes are: an http(s) URL, a local path (path, or a
// file:// URL) or inline base64 (data); "" when the segment names none.
func imageSource(s core.Segment) string {
	if u, ok := s.Str("url"); ok && strings.TrimSpace(u) != "" {
		return strings.TrimSpace(u)
	}
	if p, ok := s.Str("path"); ok && strings.TrimSpace(p) != "" {
		return strings.TrimSpace(p)
	}
	if d, ok := s.Str("data"); ok && d != "" {
		return "base64://" + d
	}
	if f, ok := s.Str("file"); ok && (isHTTPURL(f) || strings.HasPrefix(f, "base64://")) {
		return f
	}
	return ""
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// bytesOf returns an image's bytes: inline data decoded, a local file read, a URL from the disk
// cache or fetched (and then cached). Never call it on the UI goroutine.
func (c *imageCache) bytesOf(src string) ([]byte, error) {
	switch {
	case strings.HasPrefix(src, "base64://"):
		return base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "base64://"))
	case isHTTPURL(src):
	default:
		p := src
		if strings.HasPrefix(strings.ToLower(p), "file://") {
			u, err := url.Parse(p)
			if err != nil {
				return nil, err
			}
			p = u.Path
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, imageMaxBytes+1))
		if err == nil && len(b) > imageMaxBytes {
			err = fmt.Errorf("the image is larger than %d MB", imageMaxBytes>>20)
		}
		return b, err
	}
	name := c.fileOf(src)
	if b, err := os.ReadFile(name); err == nil {
		now := time.Now()
		_ = os.Chtimes(name, now, now) // recently used: evicted last
		return b, nil
	}
	b, err := imageFetch(src)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty response")
	}
	c.put(name, b)
	return b, nil
}

func (c *imageCache) fileOf(src string) string {
	sum := sha256.Sum256([]byte(src))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:]))
}

// put writes a fetched image and keeps the folder under its cap. A failed write only costs a
// fetch next time.
func (c *imageCache) put(name string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	if !c.scanned {
		c.total, _ = c.scan()
		c.scanned = true
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = os.Remove(tmp)
		return
	}
	c.total += int64(len(b))
	if c.total > c.cap {
		c.evict()
	}
}

type cachedFile struct {
	path string
	size int64
	used time.Time
}

func (c *imageCache) files() []cachedFile {
	ents, _ := os.ReadDir(c.dir)
	out := make([]cachedFile, 0, len(ents))
	for _, de := range ents {
		if de.IsDir() {
			continue
		}
		if info, err := de.Info(); err == nil {
			out = append(out, cachedFile{filepath.Join(c.dir, de.Name()), info.Size(), info.ModTime()})
		}
	}
	return out
}

func (c *imageCache) scan() (int64, error) {
	var total int64
	for _, f := range c.files() {
		total += f.size
	}
	return total, nil
}

// evict removes the least recently used files until the folder is under 90% of the cap.
func (c *imageCache) evict() {
	files := c.files()
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	var total int64
	for _, f := range files {
		total += f.size
	}
	for _, f := range files {
		if total <= c.cap*9/10 {
			break
		}
		if os.Remove(f.path) == nil {
			total -= f.size
		}
	}
	c.total = total
}

// size is the bytes on disk (tests).
func (c *imageCache) size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, _ := c.scan()
	return t
}

// decodeImage decodes image bytes.
func decodeImage(b []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not an image: %v", err)
	}
	return img, nil
}

// thumbnail scales img down (nearest neighbour, cheap) so its longer side is at most max.
func thumbnail(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= maxSide && h <= maxSide || w == 0 || h == 0 {
		return img
	}
	tw, th := maxSide, h*maxSide/w
	if h > w {
		tw, th = w*maxSide/h, maxSide
	}
	tw, th = max(tw, 1), max(th, 1)
	out := image.NewNRGBA(image.Rect(0, 0, tw, th))
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			out.Set(x, y, color.NRGBAModel.Convert(img.At(b.Min.X+x*w/tw, b.Min.Y+y*h/th)))
		}
	}
	return out
}

// loadThumb delivers the thumbnail of src to done on the UI goroutine (err when it cannot be
// had). Call it on the UI goroutine; the work runs through run.
func (c *imageCache) loadThumb(run runFunc, src string, done func(image.Image, error)) {
	if v, ok := c.thumbs.Load(src); ok {
		done(v.(image.Image), nil)
		return
	}
	run("image", func() func() {
		b, err := c.bytesOf(src)
		var img image.Image
		if err == nil {
			img, err = decodeImage(b)
		}
		if err == nil {
			img = thumbnail(img, thumbMaxSide)
			c.mu.Lock()
			if c.nThumb >= thumbMemEntries { // bounded: start over rather than track use
				c.thumbs.Clear()
				c.nThumb = 0
			}
			c.nThumb++
			c.mu.Unlock()
			c.thumbs.Store(src, img)
		}
		return func() { done(img, err) }
	})
}

// loadFull delivers the full-size image of src (for the viewer).
func (c *imageCache) loadFull(run runFunc, src string, done func(image.Image, error)) {
	run("image.full", func() func() {
		b, err := c.bytesOf(src)
		var img image.Image
		if err == nil {
			img, err = decodeImage(b)
		}
		return func() { done(img, err) }
	})
}
