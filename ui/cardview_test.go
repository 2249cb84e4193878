package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"ucbi-console/core/ark"
)

// cardSampleDir holds the real card captures of the reference.
const cardSampleDir = "../core/ark/testdata"

func cardRendererOf(t *testing.T, v *cardView) *cardRenderer {
	t.Helper()
	r, ok := test.WidgetRenderer(v).(*cardRenderer)
	if !ok {
		t.Fatal("cardView's renderer is not a cardRenderer")
	}
	return r
}

// writeCardPNG saves a capture in dir (t.TempDir(), or $UCBI_CARD_PNG_DIR to look at them).
func writeCardPNG(t *testing.T, img image.Image, name string) string {
	t.Helper()
	dir := os.Getenv("UCBI_CARD_PNG_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCardViewRendersSamples(t *testing.T) {
	f := newScreenFixture(t)
	cases := []struct {
		file, title, subtitle, tag, link string
		kind                             ark.Kind
		tagIcon                          bool
	}{
		{"friend-contact-lua.json", "暗世现", "账号：1049509241", "推荐好友", "Opens in QQ", ark.KindFriend, false},
		{"group-namecard-contact-lua.json", "学府超市特惠版ʳ", "商品1折起，每天抢免单！", "群名片", "Opens in QQ", ark.KindGroupNameCard, false},
		{"group-troopsharecard.json", "LR26710测试", "111", "推荐群聊", "Opens in browser", ark.KindGroup, true},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(cardSampleDir, c.file))
			if err != nil {
				t.Skipf("sample not found: %v", err)
			}
			card, err := ark.Parse(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			if card.Kind != c.kind {
				t.Fatalf("kind = %s, want %s", card.Kind, c.kind)
			}
			var v *cardView
			var w fyne.Window
			f.ui(func() {
				v = newCardView(f.e.run)
				bg := canvas.NewRectangle(color.NRGBA{0xF2, 0xF2, 0xF2, 0xFF}) // QQ's chat background
				w = test.NewWindow(container.NewStack(bg, container.NewPadded(v)))
				w.Resize(fyne.NewSize(520, 260))
				v.setCard(card)
			})
			f.wait() // the avatar and tag icon
			defer w.Close()

			r := cardRendererOf(t, v)
			if r.title.Text != c.title || r.sub[0].Text != c.subtitle || r.tagText.Text != c.tag || r.link.Text != c.link {
				t.Errorf("drawn: title %q, subtitle %q, tag %q, link %q", r.title.Text, r.sub[0].Text, r.tagText.Text, r.link.Text)
			}
			if !r.title.TextStyle.Bold {
				t.Error("the title should be bold")
			}
			if !strings.Contains(r.caption.Text, cardKindLabel(c.kind)) {
				t.Errorf("caption %q does not name the kind", r.caption.Text)
			}
			if v.avatar.img == nil {
				t.Error("the avatar did not load")
			}
			if (v.tagIcon != nil) != c.tagIcon || r.tagImg.Visible() != c.tagIcon {
				t.Errorf("tag icon loaded=%v visible=%v, want %v", v.tagIcon != nil, r.tagImg.Visible(), c.tagIcon)
			}
			// the card keeps config's 526:225 ratio
			bs := r.bg.Size()
			if ratio := bs.Width / bs.Height; ratio < 2.3 || ratio > 2.37 {
				t.Errorf("card %v has ratio %.3f, want 526/225", bs, ratio)
			}
			// texts stay inside the card
			for _, o := range []fyne.CanvasObject{r.title, r.sub[0], r.tagText, r.link, v.avatar} {
				if o.Visible() && (o.Position().X+o.Size().Width > bs.Width+0.5 || o.Position().Y+o.Size().Height > bs.Height+0.5) {
					t.Errorf("%T at %v size %v leaves the card %v", o, o.Position(), o.Size(), bs)
				}
			}

			img := w.Canvas().Capture()
			if got := img.Bounds().Size(); got.X < 520 || got.Y < 260 {
				t.Fatalf("capture is %v, want at least 520×260", got)
			}
			// the card is white and its inside is not the chat background
			at := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.bg)
			p := img.At(int(at.X+bs.Width)-20, int(at.Y+bs.Height/2))
			if rr, g, b, _ := p.RGBA(); rr>>8 < 0xF8 || g>>8 < 0xF8 || b>>8 < 0xF8 {
				t.Errorf("card background pixel = %v, want white", p)
			}
			writeCardPNG(t, img, strings.TrimSuffix(c.file, ".json"))
		})
	}
}

func TestCardViewErrorAndEmpty(t *testing.T) {
	f := newScreenFixture(t)
	var v *cardView
	var w fyne.Window
	f.ui(func() {
		v = newCardView(f.e.run)
		w = test.NewWindow(v)
		w.Resize(fyne.NewSize(480, 240))
	})
	defer w.Close()
	r := cardRendererOf(t, v)
	if !r.msg[0].Visible() || !strings.Contains(r.msg[0].Text, "No card yet") {
		t.Fatalf("empty view shows %q", r.msg[0].Text)
	}
	f.ui(func() { v.setError("The card could not be made: group_id or user_id is required") })
	var lines []string
	for _, m := range r.msg {
		if m.Visible() {
			lines = append(lines, m.Text)
		}
	}
	if got := strings.Join(lines, " "); !strings.Contains(got, "group_id or user_id is required") {
		t.Fatalf("error view shows %q", got)
	}
	if r.title.Visible() || v.avatar.Visible() {
		t.Error("no card parts should show with an error")
	}
	writeCardPNG(t, w.Canvas().Capture(), "error")

	// a hostile card cannot draw control or bidi characters, and a long name is cut
	card, err := ark.Parse(`{"app":"com.tencent.contact.lua","view":"contact","meta":{"contact":{"nickname":"a\u202eb` +
		strings.Repeat("很长的名字", 20) + `","contact":"账号：10001","tag":"推荐好友"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	f.ui(func() { v.setCard(card) })
	f.wait()
	if strings.ContainsRune(r.title.Text, '\u202e') || !strings.HasSuffix(r.title.Text, "…") {
		t.Fatalf("title = %q", r.title.Text)
	}
	if v.avatar.img != nil || avatarInitial(card.Title) != "A" {
		t.Errorf("a card without avatar shows the letter placeholder (%q)", avatarInitial(card.Title))
	}
}

func TestCardAvatarPlaceholderOffline(t *testing.T) {
	f := newScreenFixture(t)
	avatarFetch = func(string) ([]byte, error) { return nil, os.ErrDeadlineExceeded }
	// the cache lives as long as the process: a URL of its own for each run
	u := fmt.Sprintf("https://offline.invalid/%d.png", time.Now().UnixNano())
	var v *avatarView
	f.ui(func() {
		v = newAvatarView(f.e.run)
		w := test.NewWindow(v)
		w.Resize(fyne.NewSize(64, 64))
		v.setAvatar(u, "暗世现")
	})
	f.wait()
	r := test.WidgetRenderer(v).(*avatarRenderer)
	if v.img != nil || !r.circle.Visible() || r.letter.Text != "暗" || r.image.Visible() {
		t.Fatalf("offline avatar: img=%v circle=%v letter=%q", v.img != nil, r.circle.Visible(), r.letter.Text)
	}
	// a failed download is not cached: it is tried again once back online
	avatarFetch = func(string) ([]byte, error) { return cardTestAvatarPNG(), nil }
	f.ui(func() { v.setAvatar("", ""); v.setAvatar(u, "暗世现") })
	f.wait()
	if v.img == nil || !r.image.Visible() || r.circle.Visible() {
		t.Fatal("the avatar should show once it loads")
	}
	// cached by URL: the next view gets it at once, without a download
	avatarFetch = func(string) ([]byte, error) { t.Error("fetched a cached avatar"); return nil, os.ErrNotExist }
	var v2 *avatarView
	f.ui(func() {
		v2 = newAvatarView(f.e.run)
		v2.setAvatar(u, "x")
	})
	if v2.img == nil {
		t.Fatal("a cached avatar should be shown at once")
	}
}
