package ui

import (
	"encoding/json"
	"fmt"
	"image"
	"net/url"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/ark"
)

func init() {
}

// segEnv is what rendering a message needs from around it: where images are cached, how to run
// work off the UI goroutine, a window for the viewers, and (optionally) names for @-mentions and
// the quoted messages of the conversation.
type segEnv struct {
	run    runFunc
	win    fyne.Window
	images *imageCache
	// name returns the display name of a user id ("" when unknown).
	name func(userID string) string
	// quote returns who wrote the message with this id and its text (ok false when unknown).
	quote func(messageID string) (who, text string, ok bool)
}

func (e *env) segEnv() segEnv {
	return segEnv{run: e.run, win: e.win, images: imageCacheOf(e.deps.DataDir)}
}

// renderMessage lays a UCBI message out as a chat client shows it: runs of text, faces and
// @-mentions flow as one wrapped paragraph; images, cards, quotes, forwards and file chips stand
// on their own lines. Call it on the UI goroutine.
func renderMessage(se segEnv, m core.Message) fyne.CanvasObject {
	box := container.NewVBox()
	var run []widget.RichTextSegment
	flush := func() {
		if len(run) > 0 {
			rt := widget.NewRichText(run...)
			rt.Wrapping = fyne.TextWrapWord
			box.Add(rt)
			run = nil
		}
	}
	inline := func(text string, style widget.RichTextStyle) {
		if text != "" {
			run = append(run, &widget.TextSegment{Text: text, Style: style})
		}
	}
	plain := widget.RichTextStyleInline
	accent := widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePrimary, TextStyle: fyne.TextStyle{Bold: true}}
	subtle := widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePlaceHolder}
	for _, s := range m {
		switch s.Type {
		case "text":
			text := s.Text
			if text == "" {
				text, _ = s.Str("text")
			}
			inline(text, plain)
		case "at":
			inline(atText(se, s), accent)
		case "*face", "face":
			inline("["+faceName(s)+"]", accent)
		case "*reply", "reply":
			flush()
			box.Add(quoteBlock(se, s))
		case "image", "*image", "*mface", "*cardimage":
			flush()
			box.Add(newThumbView(se, s))
		case "audio", "video", "file", "*record", "*file", "*video":
			flush()
			box.Add(mediaChip(s))
		case "*json":
			flush()
			box.Add(arkBlock(se, s))
		case "*forward", "*node":
			flush()
			box.Add(forwardBlock(se, s))
		case "link":
			flush()
			title, _ := s.Str("title")
			u, _ := s.Str("url")
			if title == "" {
				title = u
			}
			if pu, err := url.Parse(u); err == nil && u != "" {
				box.Add(widget.NewHyperlink(title, pu))
			} else {
				box.Add(chip(theme.FileIcon(), title))
			}
		case "location":
			flush()
			lat, _ := s.Str("latitude")
			lon, _ := s.Str("longitude")
			desc, _ := s.Str("description")
			box.Add(chip(theme.NavigateNextIcon(), strings.TrimSpace(L("Location")+" "+lat+", "+lon+" "+desc)))
		case "contact":
			flush()
			id, _ := s.Str("user_id")
			name, _ := s.Str("user_name")
			box.Add(chip(theme.AccountIcon(), strings.TrimSpace(L("Shared contact")+" "+name+" "+id)))
		case "group":
			flush()
			id, _ := s.Str("group_id")
			name, _ := s.Str("group_name")
			box.Add(chip(theme.AccountIcon(), strings.TrimSpace(L("Shared group")+" "+name+" "+id)))
		default:
			// rich, *xml, *poke, *dice…: the stand-in text UCBI gives every segment
			text := s.Text
			if text == "" {
				text = "[" + strings.TrimPrefix(s.Type, "*") + "]"
			}
			inline(text, subtle)
		}
	}
	flush()
	if len(box.Objects) == 0 {
		l := widget.NewLabel(L("(empty message)"))
		l.Importance = widget.LowImportance
		box.Add(l)
	}
	return box
}

// atText is an @-mention as the member's name: the name the segment carries, else the one the
// conversation knows, else the id.
func atText(se segEnv, s core.Segment) string {
	id, _ := s.Str("user_id")
	if id == "" {
		id, _ = s.Str("user_tid")
	}
	if id == "all" {
		return "@" + L("Everyone") + " "
	}
	for _, k := range []string{"user", "user_markname", "user_name"} {
		if v, ok := s.Str(k); ok && v != "" {
			return "@" + v + " "
		}
	}
	if se.name != nil {
		if n := se.name(id); n != "" {
			return "@" + n + " "
		}
	}
	if t := strings.TrimSpace(s.Text); strings.HasPrefix(t, "@") && t != "@"+id {
		return t + " "
	}
	return "@" + id + " "
}

// faceName is a face's name: the one the open layer sent ("[表情:微笑]"), else QQ's classic
// name for its id, else its id.
func faceName(s core.Segment) string {
	if t := s.Text; strings.HasPrefix(t, "[表情:") && strings.HasSuffix(t, "]") {
		return strings.TrimSuffix(strings.TrimPrefix(t, "[表情:"), "]")
	}
	id, ok := s.Str("id")
	if !ok {
		id, _ = s.Str("*id")
	}
	if n, err := strconv.Atoi(id); err == nil {
		if name, ok := qqFaces[n]; ok {
			return name
		}
	}
	if id == "" {
		return L("Face")
	}
	return L("Face") + " " + id
}

// qqFaces are QQ's classic face names by id (the ones most messages use).
var qqFaces = map[int]string{
	0: "惊讶", 1: "撇嘴", 2: "色", 3: "发呆", 4: "得意", 5: "流泪", 6: "害羞", 7: "闭嘴", 8: "睡",
	9: "大哭", 10: "尴尬", 11: "发怒", 12: "调皮", 13: "呲牙", 14: "微笑", 15: "难过", 16: "酷",
	18: "抓狂", 19: "吐", 20: "偷笑", 21: "可爱", 22: "白眼", 23: "傲慢", 24: "饥饿", 25: "困",
	26: "惊恐", 27: "流汗", 28: "憨笑", 29: "悠闲", 30: "奋斗", 31: "咒骂", 32: "疑问", 33: "嘘",
	34: "晕", 35: "折磨", 36: "衰", 37: "骷髅", 38: "敲打", 39: "再见", 41: "发抖", 42: "爱情",
	43: "跳跳", 46: "猪头", 49: "拥抱", 53: "蛋糕", 54: "闪电", 55: "炸弹", 56: "刀", 57: "足球",
	59: "便便", 60: "咖啡", 61: "饭", 63: "玫瑰", 64: "凋谢", 66: "爱心", 67: "心碎", 69: "礼物",
	74: "太阳", 75: "月亮", 76: "赞", 77: "踩", 78: "握手", 79: "胜利", 85: "飞吻", 86: "怄火",
	89: "西瓜", 96: "冷汗", 97: "擦汗", 98: "抠鼻", 99: "鼓掌", 100: "糗大了", 101: "坏笑",
	102: "左哼哼", 103: "右哼哼", 104: "哈欠", 105: "鄙视", 106: "委屈", 107: "快哭了", 108: "阴险",
	109: "亲亲", 110: "吓", 111: "可怜", 112: "菜刀", 113: "啤酒", 114: "篮球", 115: "乒乓",
	116: "示爱", 117: "瓢虫", 118: "抱拳", 119: "勾引", 120: "拳头", 121: "差劲", 122: "爱你",
	123: "NO", 124: "OK", 125: "转圈", 126: "磕头", 127: "回头", 128: "跳绳", 129: "挥手",
}

// quoteBlock is a quoted message: who wrote it and its first line, when the conversation has it.
func quoteBlock(se segEnv, s core.Segment) fyne.CanvasObject {
	id, _ := s.Str("id")
	text := fmt.Sprintf(L("Reply to message %s"), id)
	if se.quote != nil {
		if who, body, ok := se.quote(id); ok {
			text = fmt.Sprintf(L("Reply to %s"), who) + ": " + oneLine(body)
		}
	}
	l := widget.NewLabel(text)
	l.Truncation = fyne.TextTruncateEllipsis
	l.Importance = widget.LowImportance
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(3, 0))
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	return container.NewStack(bg, container.NewBorder(nil, nil, bar, nil, l))
}

// chip is a one-line box with an icon: files, voice, video, locations.
func chip(icon fyne.Resource, text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Truncation = fyne.TextTruncateEllipsis
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	return container.NewHBox(container.NewStack(bg, container.NewHBox(widget.NewIcon(icon), l)))
}

// mediaChip names a file, voice or video segment with its size.
func mediaChip(s core.Segment) fyne.CanvasObject {
	kind := strings.TrimPrefix(s.Type, "*")
	label, icon := L("File"), theme.FileIcon()
	switch kind {
	case "audio", "record":
		label, icon = L("Voice"), theme.MediaMusicIcon()
	case "video":
		label, icon = L("Video"), theme.MediaVideoIcon()
	}
	name := ""
	for _, k := range []string{"name", "file_name", "*name", "file", "*file", "path", "url"} {
		if v, ok := s.Str(k); ok && v != "" && !strings.HasPrefix(v, "base64://") {
			name = v
			break
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	if j := strings.IndexByte(name, '?'); j > 0 {
		name = name[:j]
	}
	text := label
	if name != "" {
		text += " · " + name
	}
	for _, k := range []string{"file_size", "size", "*file_size", "*size"} {
		if v, ok := s.Str(k); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				text += " · " + humanSize(n)
				break
			}
		}
	}
	return chip(icon, text)
}

// humanSize is a byte count in B, KB, MB or GB.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// arkBlock shows a *json Ark card with the card widget (the JSON behind a button), or the card's
// prompt when it is not a card the widget draws.
func arkBlock(se segEnv, s core.Segment) fyne.CanvasObject {
	raw, _ := s.Str("data")
	if raw == "" {
		if b, err := json.Marshal(s.Data["data"]); err == nil {
			raw = string(b)
		}
	}
	showJSON := widget.NewButtonWithIcon(L("Card JSON"), theme.InfoIcon(), func() {
		l := monoLabel()
		l.Wrapping = fyne.TextWrapBreak
		l.SetText(clip(prettyJSON(json.RawMessage(raw))))
		sc := container.NewVScroll(l)
		d := dialog.NewCustom(L("Card JSON"), L("Close"), sc, se.win)
		d.Resize(fyne.NewSize(640, 480))
		d.Show()
	})
	showJSON.Importance = widget.LowImportance
	c, err := ark.Parse(raw)
	if err != nil || c.Kind == ark.KindOther {
		text := L("Card")
		if err == nil && c.Prompt != "" {
			text += " · " + c.Prompt
		} else if s.Text != "" {
			text = s.Text
		}
		return container.NewHBox(chip(theme.DocumentIcon(), text), showJSON)
	}
	v := newCardView(se.run)
	v.setCard(c)
	// a chat-sized card: about half of the widget's default frame
	sized := container.New(&fixedSize{size: fyne.NewSize(ark.DefaultWidth*0.55, ark.DefaultHeight*0.55+28)}, v)
	return container.NewVBox(container.NewHBox(sized), container.NewHBox(showJSON))
}

// forwardBlock is a forwarded bundle: a one-line summary that opens to the messages the event
// carries (NapCat puts them in data.content), or says they are not included.
func forwardBlock(se segEnv, s core.Segment) fyne.CanvasObject {
	id, _ := s.Str("id")
	var nodes []core.Message
	var who []string
	if list, ok := s.Data["content"].([]any); ok {
		for _, n := range list {
			nm, ok := n.(map[string]any)
			if !ok {
				continue
			}
			var msg core.Message
			if b, err := json.Marshal(nm["message"]); err == nil {
				_ = json.Unmarshal(b, &msg)
			}
			name := ""
			if snd, ok := nm["sender"].(map[string]any); ok {
				name, _ = snd["nickname"].(string)
				if c, _ := snd["card"].(string); c != "" {
					name = c
				}
			}
			nodes = append(nodes, msg)
			who = append(who, name)
		}
	}
	title := L("Forwarded messages")
	if len(nodes) > 0 {
		title = fmt.Sprintf(L("Forwarded messages (%d)"), len(nodes))
	}
	var body fyne.CanvasObject
	if len(nodes) == 0 {
		body = wrapLabel(fmt.Sprintf(L("The messages are not included in the event (id %s)."), id))
	} else {
		box := container.NewVBox()
		for i, n := range nodes {
			if who[i] != "" {
				box.Add(heading(who[i]))
			}
			box.Add(renderMessage(se, onebotToUCBI(n)))
		}
		body = box
	}
	return widget.NewAccordion(widget.NewAccordionItem(title, body))
}

// onebotToUCBI turns segments of a forwarded node (OneBot 11 types: face, reply…) into the
// UCBI names renderMessage knows.
func onebotToUCBI(m core.Message) core.Message {
	out := make(core.Message, len(m))
	for i, s := range m {
		switch s.Type {
		case "text", "image", "at", "video", "file", "location", "link", "contact", "group":
		case "record":
			s.Type = "audio"
		default:
			if !strings.HasPrefix(s.Type, "*") {
				s.Type = "*" + s.Type
			}
		}
		if s.Type == "text" && s.Text == "" {
			s.Text, _ = s.Str("text")
		}
		if s.Type == "at" {
			if q, ok := s.Str("qq"); ok {
				s.Data["user_id"] = q
			}
		}
		out[i] = s
	}
	return out
}

// fixedSize gives its objects one size.
type fixedSize struct{ size fyne.Size }

func (f *fixedSize) MinSize([]fyne.CanvasObject) fyne.Size { return f.size }
func (f *fixedSize) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// ---------------------------------------------------------------------------------------------
// thumbView: an image segment as a thumbnail, loaded in the background; tap to see it full size.

type thumbView struct {
	widget.BaseWidget
	se    segEnv
	src   string
	img   *canvas.Image
	label *widget.Label
	box   *fyne.Container
}

const thumbW, thumbH = 160, 120

func newThumbView(se segEnv, s core.Segment) *thumbView {
	v := &thumbView{se: se, src: imageSource(s)}
	v.img = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	v.img.SetMinSize(fyne.NewSize(thumbW, thumbH))
	v.img.Hide()
	v.label = widget.NewLabel(L("Loading image…"))
	v.label.Importance = widget.LowImportance
	v.box = container.NewHBox(container.NewStack(v.img, v.label))
	v.ExtendBaseWidget(v)
	if v.src == "" || se.images == nil {
		v.label.SetText("[" + L("Image") + "]")
		return v
	}
	se.images.loadThumb(se.run, v.src, v.loaded)
	return v
}

func (v *thumbView) loaded(img image.Image, err error) {
	if err != nil {
		v.label.SetText(fmt.Sprintf(L("Image (cannot load: %s)"), errorText(err)))
		return
	}
	v.img.Image = img
	v.img.Show()
	v.img.Refresh()
	v.label.Hide()
}

func (v *thumbView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.box) }

// Tapped opens the image full size.
func (v *thumbView) Tapped(*fyne.PointEvent) {
	if v.img.Image == nil || v.se.win == nil {
		return
	}
	full := &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth, Image: v.img.Image}
	d := dialog.NewCustom(L("Image"), L("Close"), full, v.se.win)
	sz := v.se.win.Canvas().Size()
	d.Resize(fyne.NewSize(sz.Width*0.85, sz.Height*0.85))
	d.Show()
	v.se.images.loadFull(v.se.run, v.src, func(img image.Image, err error) {
		if err == nil {
			full.Image = img
			full.Refresh()
		}
	})
}
