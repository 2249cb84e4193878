package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// segmentKind is one entry of the "Add segment" menu.
type segmentKind struct {
	typ   string // UCBI segment type; "raw" for a free *x row
	label string // English menu label (translated with L)
}

// segmentKinds is the order of the "Add segment" menu.
var segmentKinds = []segmentKind{
	{"text", "Text"},
	{"image", "Image"},
	{"at", "At (mention)"},
	{"*face", "Face (*face)"},
	{"*reply", "Reply (*reply)"},
	{"link", "Link"},
	{"location", "Location"},
	{"contact", "Contact card (contact)"},
	{"group", "Group card (group)"},
	{"audio", "Audio"},
	{"video", "Video"},
	{"file", "File"},
	{"raw", "Raw *x (open-layer specific)"},
}

func segmentLabel(typ string) string {
	for _, k := range segmentKinds {
		if k.typ == typ {
			if typ == "raw" {
				return L("Raw")
			}
			return L(k.label)
		}
	}
	return typ
}

// segmentHost is what a segment row needs from the screen that holds it.
type segmentHost interface {
	segmentsChanged()
	// segmentsResized lays the rows out again after one changed height.
	segmentsResized()
	moveSegment(r *segmentRow, delta int)
	removeSegment(r *segmentRow)
	// pickUser offers the friends (or, for a group target, the members) and calls done with one.
	pickUser(done func(id, name string))
	// pickGroup offers the source's groups.
	pickGroup(done func(id, name string))
	// pickFile offers a file open dialog and calls done with the chosen file's path.
	pickFile(done func(path string))
	clipboardText() string
	sendShortcut()
}

// ---------------------------------------------------------------------------------------------
// composeEntry is an Entry that sends on Ctrl+Enter: a focused entry receives shortcuts before
// the window canvas does, so the canvas shortcut alone would not fire while typing.

type composeEntry struct {
	widget.Entry
	onSend func()
}

func newComposeEntry(multiLine bool, placeholder string, onSend func()) *composeEntry {
	e := &composeEntry{onSend: onSend}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.PlaceHolder = placeholder
	e.ExtendBaseWidget(e)
	return e
}

// isSendShortcut tells whether s is Ctrl+Enter (Cmd+Enter on macOS).
func isSendShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	return (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) &&
		(cs.Modifier == fyne.KeyModifierShortcutDefault || cs.Modifier == fyne.KeyModifierControl)
}

func (e *composeEntry) TypedShortcut(s fyne.Shortcut) {
	if isSendShortcut(s) {
		if e.onSend != nil {
			e.onSend()
		}
		return
	}
	e.Entry.TypedShortcut(s)
}

// ---------------------------------------------------------------------------------------------
// segmentRow edits one segment of the message.

type segmentRow struct {
	host segmentHost
	typ  string // UCBI type, "raw" for a free *x row

	fields   map[string]*composeEntry
	all      *widget.Check // at: @everyone
	userName string        // at/contact: the name of the picked user (data.user_name)

	title   *widget.Label
	errText *widget.Label
	up      *widget.Button
	down    *widget.Button
	remove  *widget.Button
	box     *fyne.Container
}

// segmentField describes one input of a row.
type segmentField struct {
	key, label, placeholder string
	multiLine               bool
}

func fieldsOf(typ string) []segmentField {
	switch typ {
	case "text":
		return []segmentField{{key: "text", label: "Text", placeholder: "Type your message…", multiLine: true}}
	case "image":
		return []segmentField{
			{key: "url", label: "URL", placeholder: "https://…"},
			{key: "path", label: "File path", placeholder: "/absolute/path/picture.png"},
			{key: "data", label: "Base64 data", placeholder: "iVBORw0KGgo…"},
		}
	case "audio", "video", "file":
		return []segmentField{
			{key: "url", label: "URL", placeholder: "https://…"},
			{key: "path", label: "File path", placeholder: "/absolute/path/…"},
		}
	case "at", "contact":
		return []segmentField{{key: "user_id", label: "User id", placeholder: "10001"}}
	case "group":
		return []segmentField{{key: "group_id", label: "Group id", placeholder: "123456"}}
	case "*face":
		return []segmentField{{key: "id", label: "Face id", placeholder: "14"}}
	case "*reply":
		return []segmentField{{key: "id", label: "Message id", placeholder: "123456789"}}
	case "link":
		return []segmentField{
			{key: "url", label: "URL", placeholder: "https://…"},
			{key: "title", label: "Title"},
			{key: "content", label: "Content"},
			{key: "image", label: "Image URL", placeholder: "https://…"},
		}
	case "location":
		return []segmentField{
			{key: "latitude", label: "Latitude", placeholder: "39.9087"},
			{key: "longitude", label: "Longitude", placeholder: "116.3975"},
			{key: "description", label: "Description"},
		}
	case "raw":
		return []segmentField{
			{key: "type", label: "Type name", placeholder: "*json"},
			{key: "data", label: "Data (JSON object)", placeholder: `{"data": "…"}`, multiLine: true},
		}
	}
	return nil
}

func newSegmentRow(host segmentHost, typ string) *segmentRow {
	r := &segmentRow{host: host, typ: typ, fields: map[string]*composeEntry{}}
	r.title = widget.NewLabelWithStyle(segmentLabel(typ), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.errText = widget.NewLabel("")
	r.errText.Importance = widget.DangerImportance
	r.errText.Wrapping = fyne.TextWrapWord
	r.errText.Hide()
	r.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { host.moveSegment(r, -1) })
	r.down = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { host.moveSegment(r, 1) })
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { host.removeSegment(r) })
	for _, b := range []*widget.Button{r.up, r.down, r.remove} {
		b.Importance = widget.LowImportance
	}

	form := container.New(layout.NewFormLayout())
	for _, f := range fieldsOf(typ) {
		hint := L(f.placeholder)
		if !strings.HasSuffix(f.placeholder, "…") {
			hint = exampleHint(f.placeholder) // a value, shown as an example
		}
		e := newComposeEntry(f.multiLine, hint, host.sendShortcut)
		if f.placeholder == "" {
			e.PlaceHolder = ""
		}
		if f.multiLine {
			e.SetMinRowsVisible(3)
		}
		e.OnChanged = func(string) { host.segmentsChanged() }
		r.fields[f.key] = e
		var input fyne.CanvasObject = e
		switch {
		case f.key == "path":
			input = container.NewBorder(nil, nil, nil, widget.NewButton(L("Browse…"), func() {
				host.pickFile(func(p string) { r.setField("path", p) })
			}), e)
		case typ == "image" && f.key == "data":
			input = container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(L("Paste"), theme.ContentPasteIcon(), r.onPasteData), e)
		case f.key == "user_id":
			input = container.NewBorder(nil, nil, nil, widget.NewButton(L("Pick…"), func() {
				host.pickUser(func(id, name string) {
					r.userName = name
					if r.all != nil {
						r.all.SetChecked(false)
					}
					r.setField("user_id", id)
				})
			}), e)
		case f.key == "group_id":
			input = container.NewBorder(nil, nil, nil, widget.NewButton(L("Pick…"), func() {
				host.pickGroup(func(id, name string) {
					r.userName = name
					r.setField("group_id", id)
				})
			}), e)
		}
		form.Add(widget.NewLabel(L(f.label)))
		form.Add(input)
	}
	if typ == "at" {
		r.all = widget.NewCheck(L("Everyone (@all)"), func(on bool) {
			if on {
				r.fields["user_id"].Disable()
			} else {
				r.fields["user_id"].Enable()
			}
			host.segmentsChanged()
		})
		form.Add(layout.NewSpacer())
		form.Add(r.all)
	}
	if typ == "raw" {
		r.fields["type"].SetText("*json")
	}
	header := container.NewBorder(nil, nil, r.title, container.NewHBox(r.up, r.down, r.remove))
	r.box = container.NewVBox(header, form, r.errText, widget.NewSeparator())
	return r
}

func (r *segmentRow) setField(key, value string) {
	if e, ok := r.fields[key]; ok {
		e.SetText(value) // OnChanged tells the host
	}
}

// onPasteData fills the image's base64 field from the clipboard (Fyne's clipboard carries text
// only: a base64 string or a data: URI).
func (r *segmentRow) onPasteData() {
	clip := strings.TrimSpace(r.host.clipboardText())
	if i := strings.Index(clip, ";base64,"); strings.HasPrefix(clip, "data:") && i > 0 {
		clip = clip[i+len(";base64,"):]
	}
	clip = strings.Join(strings.Fields(clip), "")
	if clip == "" || !segValidBase64(clip) {
		if r.showError(L("the clipboard holds no base64 data")) {
			r.host.segmentsResized()
		}
		return
	}
	r.setField("data", clip)
}

func segValidBase64(s string) bool {
	s = strings.TrimRight(s, "=")
	if _, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// showError shows (or with "" hides) the row's problem as an error; it reports whether the
// row's height changed, so the screen can lay the rows out again.
func (r *segmentRow) showError(msg string) (resized bool) {
	return r.showProblem(msg, widget.DangerImportance)
}

// showProblem is showError with the importance to show it in: a grey hint (LowImportance) while
// the user has not touched the screen yet, red (DangerImportance) after.
func (r *segmentRow) showProblem(msg string, imp widget.Importance) (resized bool) {
	was := r.errText.Visible()
	if r.errText.Text != msg || r.errText.Importance != imp {
		r.errText.Importance = imp
		r.errText.Text = msg
		r.errText.Refresh()
	}
	if msg == "" {
		r.errText.Hide()
	} else {
		r.errText.Show()
	}
	return was != r.errText.Visible()
}

func (r *segmentRow) val(key string) string {
	if e, ok := r.fields[key]; ok {
		return strings.TrimSpace(e.Text)
	}
	return ""
}

// segment builds the row's UCBI segment. The error is the row's own problem in words (invalid
// JSON of a raw row…); rules that core.ValidateMessage knows are left to it.
func (r *segmentRow) segment() (core.Segment, error) {
	data := map[string]any{}
	put := func(keys ...string) {
		for _, k := range keys {
			if v := r.val(k); v != "" {
				data[k] = v
			}
		}
	}
	digits := func(key string) error {
		if v := r.val(key); v != "" && !core.IsDigits(v) {
			return errors.New(L("ids are digits only"))
		}
		return nil
	}
	seg := core.Segment{Type: r.typ}
	switch r.typ {
	case "text":
		seg.Text = r.fields["text"].Text
		return seg, nil
	case "image", "audio", "video", "file":
		put("url", "path", "data")
		seg.Text = map[string]string{"image": "[图片]", "audio": "[语音]", "video": "[视频]", "file": "[文件]"}[r.typ]
		if d := r.val("data"); d != "" && !segValidBase64(strings.Join(strings.Fields(d), "")) {
			return seg, errors.New(L("the base64 data is not valid base64"))
		}
	case "at":
		if r.all != nil && r.all.Checked {
			data["user_id"] = "all"
			seg.Text = "@全体成员"
			break
		}
		put("user_id")
		if r.userName != "" {
			data["user_name"] = r.userName
			seg.Text = "@" + r.userName
		} else {
			seg.Text = "@" + r.val("user_id")
		}
		if err := digits("user_id"); err != nil {
			return seg, err
		}
	case "contact":
		put("user_id")
		if r.userName != "" {
			data["user_name"] = r.userName
		}
		seg.Text = "[推荐联系人]"
		if err := digits("user_id"); err != nil {
			return seg, err
		}
	case "group":
		put("group_id")
		if r.userName != "" {
			data["group_name"] = r.userName
		}
		seg.Text = "[推荐群聊]"
		if err := digits("group_id"); err != nil {
			return seg, err
		}
	case "*face":
		put("id")
		seg.Text = "[表情]"
		if r.val("id") == "" {
			return seg, errors.New(L("the face id is empty"))
		}
		if err := digits("id"); err != nil {
			return seg, err
		}
	case "*reply":
		put("id")
		seg.Text = "[回复]"
		if r.val("id") == "" {
			return seg, errors.New(L("the message id is empty"))
		}
	case "link":
		put("url", "title", "content", "image")
		seg.Text = "[分享]" + r.val("title")
	case "location":
		for _, k := range []string{"latitude", "longitude"} {
			v := r.val(k)
			if v == "" {
				continue
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				data[k] = v // ValidateMessage names it
				continue
			}
			data[k] = json.Number(v)
		}
		put("description")
		seg.Text = "[位置]" + r.val("description")
	case "raw":
		name := r.val("type")
		seg.Type = name
		seg.Text = "[" + strings.TrimPrefix(name, "*") + "]"
		switch {
		case name == "" || name == "*":
			return seg, errors.New(L("the type name is empty"))
		case !strings.HasPrefix(name, "*"):
			return seg, errors.New(L("the type name must start with * (e.g. *json)"))
		}
		raw := strings.TrimSpace(r.fields["data"].Text)
		if raw == "" {
			return seg, nil
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return seg, fmt.Errorf(L("data is not valid JSON: %v"), err)
		}
		if dec.More() {
			return seg, fmt.Errorf(L("data is not valid JSON: %v"), L("more than one value"))
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return seg, fmt.Errorf(L("data must be a JSON object, not %s"), segJSONKind(v))
		}
		seg.Data = obj
		return seg, nil
	}
	if len(data) > 0 {
		seg.Data = data
	}
	return seg, nil
}

func segJSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return L("a string")
	case bool:
		return L("a boolean")
	case []any:
		return L("an array")
	case map[string]any:
		return L("an object")
	}
	return L("a number")
}

// segPrettyJSON renders v as indented JSON without HTML escaping (so "<" stays readable).
func segPrettyJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimRight(buf.String(), "\n")
}

// segCompactJSON is v as JSON without HTML escaping.
func segCompactJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}
