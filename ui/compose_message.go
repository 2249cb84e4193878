package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

// ---------------------------------------------------------------------------------------------
// Message rows (segmentHost)

func (s *composeScreen) onAddMenu() {
	c := s.e.win.Canvas()
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", s.addMenuItems()...), c, fyne.NewPos(0, s.addBtn.Size().Height), s.addBtn)
}

// addMenuItems is the Add segment menu for the chosen source: a kind its open layer cannot send
// is shown disabled, with the reason.
func (s *composeScreen) addMenuItems() []*fyne.MenuItem {
	items := make([]*fyne.MenuItem, 0, len(segmentKinds))
	for _, k := range segmentKinds {
		typ := k.typ
		why := s.unsupported(typ)
		if why == "" && typ == "at" && s.selectedType() == core.TypePrivate {
			why = L("an @ mentions someone in a group: a private chat has no one to mention (remove it, or switch to group chat)")
		}
		if why != "" {
			it := fyne.NewMenuItem(L(k.label)+" — "+why, nil)
			it.Disabled = true
			items = append(items, it)
			continue
		}
		items = append(items, fyne.NewMenuItem(L(k.label), func() {
			s.addRow(typ)
			s.leftScroll.ScrollToBottom()
		}))
	}
	return items
}

// unsupported is why the chosen source cannot send a row kind, in the UI's language ("" when
// it can, or when no source is chosen).
func (s *composeScreen) unsupported(typ string) string {
	src, ok := s.selectedSource()
	if !ok {
		return ""
	}
	kind := typ
	if typ == "raw" || strings.HasPrefix(typ, "*") {
		kind = "*" // every open-layer specific segment
	}
	why := s.support[src.ID][kind]
	if why == "" {
		return ""
	}
	return core.LocalizeSupport(why, Language())
}

// addRow appends a segment row of typ and returns it.
func (s *composeScreen) addRow(typ string) *segmentRow {
	r := newSegmentRow(s, typ)
	s.rows = append(s.rows, r)
	s.layoutRows()
	s.edited()
	return r
}

func (s *composeScreen) layoutRows() {
	objs := make([]fyne.CanvasObject, len(s.rows))
	for i, r := range s.rows {
		objs[i] = r.box
		if i == 0 {
			r.up.Disable()
		} else {
			r.up.Enable()
		}
		if i == len(s.rows)-1 {
			r.down.Disable()
		} else {
			r.down.Enable()
		}
	}
	s.rowsBox.Objects = objs
	s.rowsBox.Refresh()
	s.relayout()
}

// relayout lets the scroll take the message's new height (a container refresh does not
// propagate a change of minimum size to its parents).
func (s *composeScreen) relayout() {
	if s.leftScroll != nil {
		s.leftScroll.Content.Refresh()
		s.leftScroll.Refresh()
	}
}

func (s *composeScreen) rowIndex(r *segmentRow) int {
	for i, x := range s.rows {
		if x == r {
			return i
		}
	}
	return -1
}

func (s *composeScreen) segmentsChanged() { s.edited() }

// edited is every change the user makes to the message or the target: from now on problems are
// shown as errors.
func (s *composeScreen) edited() {
	if s.ready && !s.restoring {
		s.touched = true
	}
	s.changed()
	s.refresh()
}

// changed is any change of the target or the message: the line about the last send no longer
// describes what the form holds, so it goes (the answer stays in the response pane, marked as
// the previous send's), and the draft is saved.
func (s *composeScreen) changed() {
	if !s.ready || s.restoring {
		return
	}
	s.changes++
	if !s.sending && s.result.Visible() {
		s.setResult(widget.MediumImportance, "")
	}
	s.pane.stale()
	s.noteDraft()
}

// problemImportance is how problems are shown: a grey hint until the user did something.
func (s *composeScreen) problemImportance() widget.Importance {
	if s.touched {
		return widget.DangerImportance
	}
	return widget.LowImportance
}

func (s *composeScreen) segmentsResized() { s.relayout() }

func (s *composeScreen) moveSegment(r *segmentRow, delta int) {
	i := s.rowIndex(r)
	j := i + delta
	if i < 0 || j < 0 || j >= len(s.rows) {
		return
	}
	s.rows[i], s.rows[j] = s.rows[j], s.rows[i]
	s.layoutRows()
	s.edited()
}

func (s *composeScreen) removeSegment(r *segmentRow) {
	i := s.rowIndex(r)
	if i < 0 {
		return
	}
	s.rows = append(s.rows[:i], s.rows[i+1:]...)
	s.layoutRows()
	s.edited()
}

func (s *composeScreen) pickUser(done func(id, name string)) {
	kinds := []string{"friend"}
	if t := s.selectedType(); t == core.TypeGroup {
		if gid := strings.TrimSpace(s.idEntry.Text); core.IsDigits(gid) {
			kinds = []string{"member:" + gid}
		}
	}
	s.showContactPicker(L("Pick a user"), kinds, func(c store.Contact) { done(c.ID, c.Name) })
}

func (s *composeScreen) pickGroup(done func(id, name string)) {
	s.showContactPicker(L("Pick a group"), []string{"group"}, func(c store.Contact) { done(c.ID, c.Name) })
}

func (s *composeScreen) pickFile(done func(path string)) {
	s.e.openFile(done)
}

func (s *composeScreen) clipboardText() string { return s.e.app.Clipboard().Content() }

func (s *composeScreen) sendShortcut() { s.onSend() }

func (s *composeScreen) onPlainToggled() {
	if s.plain.Checked {
		if s.plainEntry.Text == "" {
			// carry the text over when the message is only text
			var sb strings.Builder
			for _, r := range s.rows {
				if r.typ != "text" {
					sb.Reset()
					break
				}
				sb.WriteString(r.fields["text"].Text)
			}
			s.plainEntry.SetText(sb.String())
		}
		s.segArea.Hide()
		s.addBtn.Hide()
		s.plainEntry.Show()
	} else {
		s.plainEntry.Hide()
		s.segArea.Show()
		s.addBtn.Show()
	}
	s.relayout()
	s.refresh()
}

// message builds the message and the params.message JSON, with the problems of each row.
func (s *composeScreen) message() (core.Message, json.RawMessage, []string) {
	var problems []string
	if s.plain.Checked {
		text := s.plainEntry.Text
		raw, _ := segCompactJSON(text)
		if text == "" {
			return core.Message{}, raw, []string{L("The message is empty: type some text.")}
		}
		return core.Message{{Type: "text", Text: text}}, raw, nil
	}
	m := make(core.Message, 0, len(s.rows))
	src, _ := s.selectedSource()
	resized := false
	imp := s.problemImportance()
	defer func() {
		if resized {
			s.relayout()
		}
	}()
	private := s.selectedType() == core.TypePrivate
	for i, r := range s.rows {
		seg, err := r.segment()
		msg := ""
		switch why := s.unsupported(r.typ); {
		case why != "":
			msg = why
		case private && r.typ == "at":
			msg = L("an @ mentions someone in a group: a private chat has no one to mention (remove it, or switch to group chat)")
		case err != nil:
			msg = err.Error() // the row's own words (already in the UI's language)
		default:
			err = core.ValidateMessage(core.Message{seg})
			if layer, ok := openLayerOf(src.Via); ok && err == nil {
				err = layer.checkSegment(seg)
			}
			if err != nil {
				msg = stripSegmentPrefix(engineMessage(err))
			}
		}
		if msg != "" {
			problems = append(problems, fmt.Sprintf(L("Segment %d (%s): %s"), i+1, segmentLabel(r.typ), msg))
		}
		if r.showProblem(msg, imp) {
			resized = true
		}
		m = append(m, seg)
	}
	if len(m) == 0 {
		problems = append(problems, L("The message is empty: add a segment."))
	}
	raw, err := segCompactJSON(m)
	if err != nil {
		problems = append(problems, errorText(err))
	}
	return m, raw, problems
}

// previewMax bounds what a preview pane draws: inline base64 media can run to megabytes, and a
// label that size makes every keystroke slow. What is sent is never cut.
const previewMax = 64 << 10

func composePreviewText(s string) string {
	if len(s) <= previewMax {
		return s
	}
	cut := previewMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(L("… (%d more bytes not shown)"), len(s)-cut)
}

// stripSegmentPrefix drops core's "segment 0 (type): " (the row is named by the caller).
func stripSegmentPrefix(s string) string {
	if _, _, rest, ok := cutSegmentPrefix(s); ok {
		return rest
	}
	return s
}

// cutSegmentPrefix splits core's "segment 2 (at): data needs user_id" into 2, "at" and the rest
// — or, as core words it in other languages, "params.message[2].data 需要 user_id" into 2, ""
// and "data 需要 user_id".
func cutSegmentPrefix(s string) (index int, typ, rest string, ok bool) {
	if after, found := strings.CutPrefix(s, "params.message["); found {
		num, rest, found := strings.Cut(after, "].")
		n, err := strconv.Atoi(num)
		if !found || err != nil || n < 0 {
			return 0, "", s, false
		}
		return n, "", rest, true
	}
	after, found := strings.CutPrefix(s, "segment ")
	if !found {
		return 0, "", s, false
	}
	num, after, found := strings.Cut(after, " (")
	if !found {
		return 0, "", s, false
	}
	typ, rest, found = strings.Cut(after, "): ")
	if !found {
		return 0, "", s, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, "", s, false
	}
	return n, typ, rest, true
}

// segmentErrorText is a core or OneBot error about the whole message in words, with core's
// "segment 2 (at): " (counted from 0, English) turned into the screen's own row prefix (counted
// from 1 and translated, as the rows show it). The rest of core's message stays as core said it.
func (s *composeScreen) segmentErrorText(err error) string {
	msg := strings.TrimSpace(engineMessage(err))
	i, typ, rest, ok := cutSegmentPrefix(msg)
	if !ok {
		return msg
	}
	label := segmentLabel(typ)
	if typ == "" {
		label = L("Text")
	}
	if !s.plain.Checked && i < len(s.rows) {
		label = segmentLabel(s.rows[i].typ)
	}
	return fmt.Sprintf(L("Segment %d (%s): %s"), i+1, label, rest)
}

// refresh rebuilds the request and both previews, lists the problems and enables Send. It runs
// on every edit.
func (s *composeScreen) refresh() {
	if s.ucbiView == nil { // still building
		return
	}
	var problems []string
	ctx, terr := s.target()
	if terr != nil {
		problems = append(problems, terr.Error())
	}
	src, _ := s.selectedSource()
	label := ""
	if src.ID != "" {
		label = src.ID
		if t := ctx.Target(); t.Type != "" {
			label += " · " + map[string]string{core.TypePrivate: L("Private chat"), core.TypeGroup: L("Group chat")}[t.Type]
			if t.ID != "" {
				label += " · " + t.ID
			}
		}
		if s.targetName != "" {
			label += " (" + s.targetName + ")"
		}
	}
	s.targetLb.SetText(label)

	m, raw, mproblems := s.message()
	problems = append(problems, mproblems...)
	req := core.Request{Action: "send_message", Context: &ctx, Params: map[string]json.RawMessage{"message": raw}}
	s.ucbiView.SetText(composePreviewText(segPrettyJSON(req)))

	layer, _ := openLayerOf(src.Via)
	switch {
	case src.ID == "":
		s.onebotView.SetText("")
	case layer == nil:
		s.onebotView.SetText(L("(this source does not speak OneBot 11)"))
	default:
		preview, err := layer.previewSend(ctx.Target(), m)
		if err != nil {
			msg := s.segmentErrorText(err)
			s.onebotView.SetText(fmt.Sprintf(L("(no request: %s)"), msg))
			if terr == nil && len(mproblems) == 0 {
				problems = append(problems, errorText(errors.New(msg)))
			}
		} else {
			s.onebotView.SetText(composePreviewText(preview))
		}
	}

	text := strings.Join(problems, "\n")
	imp := s.problemImportance()
	if text != s.problems.Text || (text == "") == s.problems.Visible() || imp != s.problems.Importance {
		setLine(s.problems, imp, text)
		composeLayoutNow(s.root, s.bottom)
	}
	if len(problems) == 0 {
		s.request = &req
	} else {
		s.request = nil
	}
	if s.request != nil && !s.sending {
		s.sendBtn.Enable()
	} else {
		s.sendBtn.Disable()
	}
	if terr == nil {
		s.saveBtn.Enable()
	} else {
		s.saveBtn.Disable()
	}
}
