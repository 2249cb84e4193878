package ui

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// fakeImages serves images from a map instead of the network, counting fetches.
func fakeImages(t *testing.T, imgs map[string][]byte) *atomic.Int32 {
	var n atomic.Int32
	prev := imageFetch
	imageFetch = func(u string) ([]byte, error) {
		n.Add(1)
		if b, ok := imgs[u]; ok {
			return b, nil
		}
		return nil, errors.New("HTTP 404")
	}
	t.Cleanup(func() { imageFetch = prev })
	return &n
}

func findAll[T any](o fyne.CanvasObject) []T {
	var out []T
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.Accordion:
			for _, it := range w.Items {
				walk(it.Detail)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func TestSegviewRendersEverySegmentKind(t *testing.T) {
	fetches := fakeImages(t, map[string][]byte{"https://img.example/cat.png": testPNG(t, 800, 600)})
	card, err := os.ReadFile(filepath.Join("..", "core", "ark", "testdata", "friend-contact-lua.json"))
	must(t, err)
	r := newRig(t, rigOptions{})
	msg := core.Message{
		{Type: "*reply", Text: "[回复]", Data: map[string]any{"id": "9"}},
		{Type: "at", Text: "@10002", Data: map[string]any{"user_id": "10002"}},
		{Type: "text", Text: " look "},
		{Type: "*face", Text: "[表情]", Data: map[string]any{"id": "14"}},
		{Type: "*face", Text: "[表情:doge]", Data: map[string]any{"id": "179"}},
		{Type: "image", Text: "[图片]", Data: map[string]any{"url": "https://img.example/cat.png"}},
		{Type: "image", Text: "[图片]", Data: map[string]any{"url": "https://img.example/missing.png"}},
		{Type: "*json", Text: "[卡片]", Data: map[string]any{"data": string(card)}},
		{Type: "*forward", Text: "[合并转发]", Data: map[string]any{"id": "f1", "content": []any{
			map[string]any{"sender": map[string]any{"nickname": "王五"}, "message": []any{map[string]any{"type": "text", "data": map[string]any{"text": "inside"}}}},
		}}},
		{Type: "file", Text: "[文件]", Data: map[string]any{"url": "https://f.example/d/report.pdf?x=1", "*file_size": "1572864"}},
		{Type: "audio", Text: "[语音]", Data: map[string]any{"path": "/tmp/voice.amr"}},
		{Type: "*poke", Text: "[戳一戳]"},
	}
	var view fyne.CanvasObject
	r.ui(func() {
		se := r.e.segEnv()
		se.name = func(id string) string { return map[string]string{"10002": "张三"}[id] }
		se.quote = func(id string) (string, string, bool) { return "李四", "the question\nsecond line", id == "9" }
		view = renderMessage(se, msg)
	})
	r.idle() // the images load
	var all string
	r.ui(func() { all = strings.Join(segTexts(view), "\n") })
	for _, w := range []string{
		"Reply to 李四: the question ⏎ second line",
		"@张三 ",
		" look ",
		"[微笑]",   // by id
		"[doge]", // by the name the open layer sent
		"Image (cannot load: HTTP 404)",
		"Card JSON",
		"Forwarded messages (1)", "王五", "inside",
		"File · report.pdf · 1.5 MB",
		"Voice · voice.amr",
		"[戳一戳]",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("the message does not show %q:\n%s", w, all)
		}
	}
	r.ui(func() {
		thumbs := findAll[*thumbView](view)
		if len(thumbs) != 2 || thumbs[0].img.Image == nil || !thumbs[0].img.Visible() {
			t.Fatalf("thumbnails %d, first loaded %v", len(thumbs), len(thumbs) > 0 && thumbs[0].img.Image != nil)
		}
		if b := thumbs[0].img.Image.Bounds(); b.Dx() > thumbMaxSide || b.Dy() > thumbMaxSide {
			t.Errorf("the thumbnail kept in memory is %v", b)
		}
		if len(findAll[*cardView](view)) != 1 {
			t.Error("the Ark card is not drawn with the card widget")
		}
		// Click: the full image in a dialog.
		thumbs[0].Tapped(nil)
	})
	r.idle()
	r.ui(func() {
		top := r.w.Canvas().Overlays().Top()
		if top == nil || len(findAll[*canvas.Image](top)) == 0 {
			t.Error("tapping a thumbnail shows no image")
		}
	})
	// The image is on disk now: a second view does not fetch it again.
	before := fetches.Load()
	r.ui(func() {
		c := imageCacheOf(r.e.deps.DataDir)
		c.thumbs.Clear()
		view = renderMessage(r.e.segEnv(), msg[5:6])
	})
	r.idle()
	if fetches.Load() != before {
		t.Errorf("fetched again: %d → %d", before, fetches.Load())
	}
}

func TestSegviewImageCacheStaysUnderItsCap(t *testing.T) {
	imgs := map[string][]byte{}
	for _, u := range []string{"https://a/1", "https://a/2", "https://a/3", "https://a/4"} {
		imgs[u] = bytes.Repeat([]byte{1}, 400)
	}
	fakeImages(t, imgs)
	c := &imageCache{dir: filepath.Join(t.TempDir(), "imagecache"), cap: 1000}
	for _, u := range []string{"https://a/1", "https://a/2", "https://a/3", "https://a/4"} {
		if _, err := c.bytesOf(u); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.size(); n > 1000 {
		t.Errorf("cache holds %d bytes, cap 1000", n)
	}
	// the newest is kept
	if _, err := os.Stat(c.fileOf("https://a/4")); err != nil {
		t.Errorf("the newest image was evicted: %v", err)
	}
	// local files and inline data are read, not cached
	p := filepath.Join(t.TempDir(), "x.png")
	must(t, os.WriteFile(p, testPNG(t, 2, 2), 0o644))
	for _, src := range []string{p, "file://" + p} {
		if b, err := c.bytesOf(src); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", src, err)
		}
	}
	if got := imageSource(core.Segment{Type: "image", Data: map[string]any{"data": "QUJD"}}); got != "base64://QUJD" {
		t.Errorf("inline source %q", got)
	}
}

func TestSegviewAtAndFaceNames(t *testing.T) {
	cases := []struct {
		seg  core.Segment
		want string
	}{
		{core.Segment{Type: "at", Data: map[string]any{"user_id": "all"}}, "@Everyone "},
		{core.Segment{Type: "at", Data: map[string]any{"user_id": "1", "user_name": "Ann"}}, "@Ann "},
		{core.Segment{Type: "at", Text: "@Bea", Data: map[string]any{"user_id": "2"}}, "@Bea "},
		{core.Segment{Type: "at", Text: "@3", Data: map[string]any{"user_id": "3"}}, "@3 "},
	}
	for _, c := range cases {
		if got := atText(segEnv{}, c.seg); got != c.want {
			t.Errorf("%v: %q, want %q", c.seg.Data, got, c.want)
		}
	}
	if got := faceName(core.Segment{Type: "*face", Data: map[string]any{"id": "999"}}); got != "Face 999" {
		t.Errorf("unknown face %q", got)
	}
}
