package ui

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core/ark"
)

// cardView previews an Ark recommend card the way QQ shows it in a chat: a white rounded card
// (config width × height, 526 × 225 by default, scaled to fit) with the avatar in a circle at the
// left, the nickname in bold, the contact line in grey below it, and a bottom strip with the tag
// (推荐好友 / 推荐群聊 / 群名片) and where the card's link opens. A caption under the card names its
// kind. Instead of a card it can show an error in words, or a hint when there is nothing yet.
type cardView struct {
	widget.BaseWidget

	run     runFunc
	card    *ark.Card
	errText string

	avatar     *avatarView
	tagIconURL string
	tagIcon    image.Image
}

func newCardView(run runFunc) *cardView {
	v := &cardView{run: run, avatar: newAvatarView(run)}
	v.ExtendBaseWidget(v)
	return v
}

// setCard shows a card; its avatar and tag icon load in the background. UI goroutine only.
func (v *cardView) setCard(c ark.Card) {
	v.card, v.errText = &c, ""
	v.avatar.setAvatar(c.AvatarURL, c.Title)
	v.setTagIcon(c.TagIcon)
	v.Refresh()
}

// setError shows why there is no card, in place of the card.
func (v *cardView) setError(msg string) {
	v.card, v.errText = nil, msg
	v.setTagIcon("")
	v.Refresh()
}

func (v *cardView) setTagIcon(u string) {
	if u == v.tagIconURL {
		return
	}
	v.tagIconURL, v.tagIcon = u, nil
	if u == "" {
		return
	}
	loadAvatar(v.run, u, func(img image.Image) {
		if v.tagIconURL != u || img == nil {
			return
		}
		v.tagIcon = img
		v.Refresh()
	})
}

// Card units: the card is laid out at QQ's 526 × 225 and scaled.
const (
	cardRadius    = 18
	cardPad       = 32
	cardAvatar    = 100
	cardGap       = 24
	cardTitleSize = 32
	cardSubSize   = 25
	cardStrip     = 58
	cardTagSize   = 23
	cardIconSize  = 28
	cardLinkSize  = 21

	cardMinScale = 0.55
	cardMaxScale = 0.9
	captionSize  = 12
	captionGap   = 6
)

// QQ's card colours (light, whatever the console's theme).
var (
	cardWhite    = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	cardBorder   = color.NRGBA{0xE6, 0xE6, 0xE6, 0xFF}
	cardTitleCol = color.NRGBA{0x03, 0x03, 0x03, 0xFF}
	cardSubCol   = color.NRGBA{0x87, 0x87, 0x87, 0xFF}
	cardLineCol  = color.NRGBA{0xEB, 0xEB, 0xEB, 0xFF}
	cardTagCol   = color.NRGBA{0x99, 0x99, 0x99, 0xFF}
	cardLinkCol  = color.NRGBA{0xB4, 0xB4, 0xB4, 0xFF}
	cardErrBg    = color.NRGBA{0xFF, 0xF1, 0xF0, 0xFF}
	cardErrLine  = color.NRGBA{0xFF, 0xCC, 0xC7, 0xFF}
	cardErrText  = color.NRGBA{0xA8, 0x07, 0x1A, 0xFF}
	cardShadow   = color.NRGBA{0, 0, 0, 0x1A}
)

// cardKindLabel names a card's kind for the caption.
func cardKindLabel(k ark.Kind) string {
	switch k {
	case ark.KindFriend:
		return L("Friend card")
	case ark.KindGroup:
		return L("Group card")
	case ark.KindGroupNameCard:
		return L("Group name card")
	case ark.KindBot:
		return L("Bot card")
	}
	return L("Other Ark card")
}

// cardTag is the badge text: the card's tag, else what QQ shows for its kind.
func cardTag(c ark.Card) string {
	if t := cardCleanText(c.Tag); t != "" {
		return t
	}
	switch c.Kind {
	case ark.KindFriend:
		return "推荐好友"
	case ark.KindGroup:
		return "推荐群聊"
	case ark.KindGroupNameCard:
		return "群名片"
	case ark.KindBot:
		return "机器人"
	}
	return ""
}

// cardLinkHint says where tapping the card goes (the mobile link first).
func cardLinkHint(c ark.Card) string {
	if len(c.Links) == 0 {
		return ""
	}
	if c.Links[0].OpensOutsideQQ {
		return L("Opens in browser")
	}
	return L("Opens in QQ")
}

// cardCaption is the line under the card: kind, app, creation time.
func cardCaption(c ark.Card) string {
	parts := []string{cardKindLabel(c.Kind)}
	if c.App != "" {
		parts = append(parts, cardCleanText(c.App))
	}
	if !c.Created.IsZero() {
		parts = append(parts, L("created")+" "+c.Created.Local().Format("2006-01-02 15:04"))
	}
	if c.UIN != "" {
		parts = append(parts, "QQ "+c.UIN)
	} else if c.GroupCode != "" {
		parts = append(parts, fmt.Sprintf(L("Group %s"), c.GroupCode))
	}
	return strings.Join(parts, " · ")
}

// cardCleanText makes card text safe to draw on one line: control and bidi-override characters
// become U+FFFD, line breaks and tabs become spaces.
func cardCleanText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u2028', r == '\u2029':
			return '\uFFFD'
		}
		return r
	}, s))
}

// cardFitText cuts s to fit maxW at the given size, ending it with "…" when cut.
func cardFitText(s string, size float32, style fyne.TextStyle, maxW float32) string {
	if maxW <= 0 {
		return ""
	}
	if fyne.MeasureText(s, size, style).Width <= maxW {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi { // longest prefix that fits with the ellipsis
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(runes[:mid])+"…", size, style).Width <= maxW {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRightFunc(string(runes[:lo]), unicode.IsSpace) + "…"
}

// cardWrapText breaks s into at most maxLines lines that fit maxW; the last one ends in "…" when
// text is left over. Latin text breaks at spaces when it can, CJK anywhere.
func cardWrapText(s string, size float32, style fyne.TextStyle, maxW float32, maxLines int) []string {
	var lines []string
	rest := []rune(s)
	for len(rest) > 0 && len(lines) < maxLines {
		if len(lines) == maxLines-1 || fyne.MeasureText(string(rest), size, style).Width <= maxW {
			lines = append(lines, cardFitText(string(rest), size, style, maxW))
			break
		}
		lo, hi := 1, len(rest)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if fyne.MeasureText(string(rest[:mid]), size, style).Width <= maxW {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		cut := lo
		if cut < len(rest) && rest[cut] != ' ' {
			for i := cut - 1; i > cut/2; i-- {
				if rest[i] == ' ' {
					cut = i + 1
					break
				}
			}
		}
		lines = append(lines, strings.TrimRightFunc(string(rest[:cut]), unicode.IsSpace))
		rest = []rune(strings.TrimLeftFunc(string(rest[cut:]), unicode.IsSpace))
	}
	return lines
}

func (v *cardView) ratio() (float32, float32) {
	w, h := float32(ark.DefaultWidth), float32(ark.DefaultHeight)
	if v.card != nil && v.card.Width > 0 && v.card.Height > 0 {
		w, h = float32(v.card.Width), float32(v.card.Height)
		// a card wider than 3:1 or taller than 1:1 is drawn in the default frame
		if w/h > 3 || w/h < 1 {
			w, h = ark.DefaultWidth, ark.DefaultHeight
		}
	}
	return w, h
}

func (v *cardView) CreateRenderer() fyne.WidgetRenderer {
	r := &cardRenderer{
		v:       v,
		bg:      &canvas.Rectangle{},
		title:   canvas.NewText("", cardTitleCol),
		divider: canvas.NewRectangle(cardLineCol),
		tagImg:  &canvas.Image{FillMode: canvas.ImageFillCover, ScaleMode: canvas.ImageScaleSmooth},
		tagText: canvas.NewText("", cardTagCol),
		link:    canvas.NewText("", cardLinkCol),
		caption: canvas.NewText("", color.Black),
	}
	r.title.TextStyle = fyne.TextStyle{Bold: true}
	r.link.Alignment = fyne.TextAlignTrailing
	for i := range r.sub {
		r.sub[i] = canvas.NewText("", cardSubCol)
	}
	for i := range r.msg {
		r.msg[i] = canvas.NewText("", cardErrText)
	}
	r.objects = []fyne.CanvasObject{r.bg, v.avatar, r.title, r.sub[0], r.sub[1], r.divider, r.tagImg, r.tagText, r.link, r.caption}
	for _, t := range r.msg {
		r.objects = append(r.objects, t)
	}
	return r
}

type cardRenderer struct {
	v       *cardView
	bg      *canvas.Rectangle
	title   *canvas.Text
	sub     [2]*canvas.Text
	divider *canvas.Rectangle
	tagImg  *canvas.Image
	tagText *canvas.Text
	link    *canvas.Text
	caption *canvas.Text
	msg     [6]*canvas.Text
	objects []fyne.CanvasObject
}

func (r *cardRenderer) MinSize() fyne.Size {
	w, h := r.v.ratio()
	return fyne.NewSize(w*cardMinScale, h*cardMinScale+captionGap+captionSize*1.4)
}

func (r *cardRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *cardRenderer) Destroy()                     {}

func (r *cardRenderer) Refresh() {
	r.Layout(r.v.Size())
	for _, o := range r.objects {
		if o != r.v.avatar {
			o.Refresh()
		}
	}
}

// Layout places (and fills) everything: the texts depend on the room they have.
func (r *cardRenderer) Layout(size fyne.Size) {
	v := r.v
	cw, ch := v.ratio()
	capH := float32(captionSize * 1.4)
	s := fyne.Min(size.Width/cw, (size.Height-captionGap-capH)/ch)
	s = fyne.Max(fyne.Min(s, cardMaxScale), 0.1)
	W, H := cw*s, ch*s

	th := v.Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()

	for _, o := range r.objects[1:] {
		o.Hide()
	}
	r.bg.Move(fyne.NewPos(0, 0))
	r.bg.Resize(fyne.NewSize(W, H))
	r.bg.CornerRadius = cardRadius * s
	r.bg.StrokeWidth = 1
	r.bg.Shadow = canvas.Shadow{}

	if v.card == nil {
		// the error or the empty hint, in the card's place
		text, col := v.errText, cardErrText
		if text == "" {
			text = L("No card yet: enter an id and press Generate.")
			col = cardNRGBA(th.Color(theme.ColorNamePlaceHolder, variant))
			r.bg.FillColor = th.Color(theme.ColorNameInputBackground, variant)
			r.bg.StrokeColor = th.Color(theme.ColorNameSeparator, variant)
		} else {
			r.bg.FillColor, r.bg.StrokeColor = cardErrBg, cardErrLine
		}
		r.layoutMessage(text, col, W, H)
		return
	}

	c := *v.card
	r.bg.FillColor, r.bg.StrokeColor = cardWhite, cardBorder
	r.bg.Shadow = canvas.Shadow{Color: cardShadow, BlurRadius: 6 * s, Offset: fyne.NewPos(0, 1), Variant: canvas.DropShadow}

	pad := cardPad * s
	topH := H - cardStrip*s

	// avatar, vertically centred in the top area
	d := cardAvatar * s
	v.avatar.Move(fyne.NewPos(pad, (topH-d)/2))
	v.avatar.Resize(fyne.NewSquareSize(d))
	v.avatar.Show()

	// title and subtitle, as one block centred beside the avatar
	tx := pad + d + cardGap*s
	tw := W - tx - pad
	r.title.TextSize = cardTitleSize * s
	r.title.Text = cardFitText(cardCleanText(c.Title), r.title.TextSize, r.title.TextStyle, tw)
	titleH := fyne.MeasureText("国Ag", r.title.TextSize, r.title.TextStyle).Height
	subSize := cardSubSize * s
	subH := fyne.MeasureText("国Ag", subSize, fyne.TextStyle{}).Height
	lines := cardWrapText(cardCleanText(c.Subtitle), subSize, fyne.TextStyle{}, tw, len(r.sub))
	blockH := titleH
	if len(lines) > 0 {
		blockH += 6*s + subH*float32(len(lines))
	}
	y := (topH - blockH) / 2
	r.title.Move(fyne.NewPos(tx, y))
	r.title.Resize(fyne.NewSize(tw, titleH))
	r.title.Show()
	y += titleH + 6*s
	for i, t := range r.sub {
		if i >= len(lines) {
			continue
		}
		t.TextSize, t.Text = subSize, lines[i]
		t.Move(fyne.NewPos(tx, y))
		t.Resize(fyne.NewSize(tw, subH))
		t.Show()
		y += subH
	}

	// the bottom strip: a hairline, the tag (with its icon) and where the link opens
	r.divider.Move(fyne.NewPos(pad, topH))
	r.divider.Resize(fyne.NewSize(W-2*pad, fyne.Max(1, s)))
	r.divider.Show()
	stripMid := topH + cardStrip*s/2
	x := pad
	if v.tagIcon != nil {
		is := cardIconSize * s
		r.tagImg.Image = v.tagIcon
		r.tagImg.CornerRadius = 4 * s
		r.tagImg.Move(fyne.NewPos(x, stripMid-is/2))
		r.tagImg.Resize(fyne.NewSquareSize(is))
		r.tagImg.Show()
		x += is + 10*s
	}
	r.link.TextSize = cardLinkSize * s
	r.link.Text = cardLinkHint(c)
	linkW := fyne.MeasureText(r.link.Text, r.link.TextSize, r.link.TextStyle).Width
	r.tagText.TextSize = cardTagSize * s
	r.tagText.Text = cardFitText(cardTag(c), r.tagText.TextSize, r.tagText.TextStyle, W-pad-x-linkW-16*s)
	tagH := fyne.MeasureText("国Ag", r.tagText.TextSize, r.tagText.TextStyle).Height
	r.tagText.Move(fyne.NewPos(x, stripMid-tagH/2))
	r.tagText.Resize(fyne.NewSize(W-pad-x, tagH))
	r.tagText.Show()
	if r.link.Text != "" {
		linkH := fyne.MeasureText("国Ag", r.link.TextSize, r.link.TextStyle).Height
		r.link.Move(fyne.NewPos(W-pad-linkW, stripMid-linkH/2))
		r.link.Resize(fyne.NewSize(linkW, linkH))
		r.link.Show()
	}

	// the caption under the card, in the console's own colours
	r.caption.TextSize = captionSize
	r.caption.Color = th.Color(theme.ColorNamePlaceHolder, variant)
	r.caption.Text = cardFitText(cardCaption(c), captionSize, fyne.TextStyle{}, fyne.Max(W, size.Width))
	r.caption.Move(fyne.NewPos(2, H+captionGap))
	r.caption.Resize(fyne.NewSize(size.Width, capH))
	r.caption.Show()
}

func (r *cardRenderer) layoutMessage(text string, col color.Color, W, H float32) {
	size := float32(theme.TextSize())
	pad := float32(16)
	lines := cardWrapText(cardCleanText(text), size, fyne.TextStyle{}, W-2*pad, len(r.msg))
	lh := fyne.MeasureText("国Ag", size, fyne.TextStyle{}).Height
	y := (H - lh*float32(len(lines))) / 2
	if y < pad/2 {
		y = pad / 2
	}
	for i, t := range r.msg {
		if i >= len(lines) {
			continue
		}
		t.Text, t.TextSize, t.Color = lines[i], size, col
		t.Alignment = fyne.TextAlignCenter
		t.Move(fyne.NewPos(pad, y))
		t.Resize(fyne.NewSize(W-2*pad, lh))
		t.Show()
		y += lh
	}
}

func cardNRGBA(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}
