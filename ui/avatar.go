package ui

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	_ "image/gif" // avatars may be GIF
	_ "image/jpeg"
	_ "image/png"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
	"github.com/go-resty/resty/v2"
)

// runFunc runs work off the UI goroutine and applies the function it returns on the UI goroutine
// (env.run); what names the work for tests.
type runFunc func(what string, work func() func())

// ---------------------------------------------------------------------------------------------
// Avatar loading: resty in a goroutine, decoded off the UI goroutine, cached in memory by URL.

const (
	avatarTimeout  = 8 * time.Second
	avatarMaxBytes = 4 << 20
)

var (
	avatarClientOnce sync.Once
	avatarClient     *resty.Client
)

func avatarHTTP() *resty.Client {
	avatarClientOnce.Do(func() {
		avatarClient = resty.New().
			SetTimeout(avatarTimeout).
			SetRetryCount(0).
			SetHeader("User-Agent", "Mozilla/5.0 (UCBI Console)").
			SetResponseBodyLimit(avatarMaxBytes)
	})
	return avatarClient
}

// avatarFetch downloads an avatar. Tests replace it to work offline.
var avatarFetch = func(u string) ([]byte, error) {
	resp, err := avatarHTTP().R().Get(u)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() != 200 {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode())
	}
	return resp.Body(), nil
}

type avatarEntry struct {
	done    bool
	img     image.Image // nil when the avatar could not be loaded
	waiters []func(image.Image)
}

var avatarCache = struct {
	sync.Mutex
	m map[string]*avatarEntry
}{m: map[string]*avatarEntry{}}

// loadAvatar delivers the image at u to done on the UI goroutine (nil when it cannot be loaded:
// offline, not an image, not http(s)). A cached avatar is delivered at once; otherwise the
// download runs through run (off the UI goroutine) and concurrent requests for one URL share it.
// Call it on the UI goroutine.
func loadAvatar(run runFunc, u string, done func(image.Image)) {
	if !avatarIsHTTP(u) {
		done(nil)
		return
	}
	avatarCache.Lock()
	e, ok := avatarCache.m[u]
	if ok && e.done {
		img := e.img
		avatarCache.Unlock()
		done(img)
		return
	}
	if ok {
		e.waiters = append(e.waiters, done)
		avatarCache.Unlock()
		return
	}
	e = &avatarEntry{waiters: []func(image.Image){done}}
	avatarCache.m[u] = e
	avatarCache.Unlock()

	run("avatar", func() func() {
		img, err := fetchAvatar(u)
		if err != nil {
			fyne.LogError("avatar "+u, err)
		}
		return func() {
			avatarCache.Lock()
			e.done, e.img = true, img
			if img == nil {
				// a failed download is retried the next time a card asks for it
				delete(avatarCache.m, u)
			}
			waiters := e.waiters
			e.waiters = nil
			avatarCache.Unlock()
			for _, w := range waiters {
				w(img)
			}
		}
	})
}

func fetchAvatar(u string) (image.Image, error) {
	body, err := avatarFetch(u)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, errors.New("empty response")
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("not an image: %v", err)
	}
	return img, nil
}

func avatarIsHTTP(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ---------------------------------------------------------------------------------------------
// avatarView: a round avatar. While the image loads, or when it cannot be loaded, it shows the
// name's first letter in a coloured circle.

type avatarView struct {
	widget.BaseWidget

	run  runFunc
	name string
	url  string
	img  image.Image
}

func newAvatarView(run runFunc) *avatarView {
	v := &avatarView{run: run}
	v.ExtendBaseWidget(v)
	return v
}

// setAvatar shows name's placeholder, then the image at u once it has loaded. UI goroutine only.
func (v *avatarView) setAvatar(u, name string) {
	if v.url == u && v.name == name {
		return
	}
	v.url, v.name, v.img = u, name, nil
	v.Refresh()
	if u == "" {
		return
	}
	loadAvatar(v.run, u, func(img image.Image) {
		if v.url != u || img == nil {
			return
		}
		v.img = img
		v.Refresh()
	})
}

// placeholderColors are the circle colours of the letter placeholder, picked by name.
var placeholderColors = []color.NRGBA{
	{0x4A, 0x90, 0xE2, 0xFF}, {0x50, 0xB8, 0x7E, 0xFF}, {0xF5, 0xA6, 0x23, 0xFF},
	{0xE5, 0x5D, 0x5D, 0xFF}, {0x9B, 0x6B, 0xD6, 0xFF}, {0x2F, 0xB5, 0xC4, 0xFF},
}

func placeholderColor(name string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(name))
	return placeholderColors[h.Sum32()%uint32(len(placeholderColors))]
}

// avatarInitial is the first letter or CJK character of a name, upper-cased ("?" for none).
func avatarInitial(name string) string {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return strings.ToUpper(string(r))
		}
	}
	if r, _ := utf8.DecodeRuneInString(name); r != utf8.RuneError && !unicode.IsSpace(r) && unicode.IsPrint(r) {
		return string(r)
	}
	return "?"
}

func (v *avatarView) MinSize() fyne.Size {
	v.ExtendBaseWidget(v)
	return fyne.NewSize(24, 24)
}

func (v *avatarView) CreateRenderer() fyne.WidgetRenderer {
	r := &avatarRenderer{
		v:      v,
		circle: canvas.NewCircle(color.Black),
		letter: canvas.NewText("", color.White),
		image:  &canvas.Image{FillMode: canvas.ImageFillCover, ScaleMode: canvas.ImageScaleSmooth},
	}
	r.letter.TextStyle = fyne.TextStyle{Bold: true}
	r.letter.Alignment = fyne.TextAlignCenter
	r.update()
	return r
}

type avatarRenderer struct {
	v      *avatarView
	circle *canvas.Circle
	letter *canvas.Text
	image  *canvas.Image
}

func (r *avatarRenderer) update() {
	r.circle.FillColor = placeholderColor(r.v.name)
	r.letter.Text = avatarInitial(r.v.name)
	r.image.Image = r.v.img
	if r.v.img != nil {
		r.image.Show()
		r.circle.Hide()
		r.letter.Hide()
	} else {
		r.image.Hide()
		r.circle.Show()
		r.letter.Show()
	}
}

func (r *avatarRenderer) Layout(size fyne.Size) {
	d := fyne.Min(size.Width, size.Height)
	pos := fyne.NewPos((size.Width-d)/2, (size.Height-d)/2)
	r.circle.Move(pos)
	r.circle.Resize(fyne.NewSquareSize(d))
	r.image.Move(pos)
	r.image.Resize(fyne.NewSquareSize(d))
	r.image.CornerRadius = d / 2
	r.letter.TextSize = d * 0.45
	th := fyne.MeasureText(r.letter.Text, r.letter.TextSize, r.letter.TextStyle)
	r.letter.Move(fyne.NewPos(pos.X, pos.Y+(d-th.Height)/2))
	r.letter.Resize(fyne.NewSize(d, th.Height))
}

func (r *avatarRenderer) MinSize() fyne.Size { return fyne.NewSize(24, 24) }

func (r *avatarRenderer) Refresh() {
	r.update()
	r.Layout(r.v.Size())
	r.circle.Refresh()
	r.letter.Refresh()
	r.image.Refresh()
}

func (r *avatarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.circle, r.letter, r.image}
}

func (r *avatarRenderer) Destroy() {}
