package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// composeScreen builds a UCBI message segment by segment, shows the exact request it makes (and
// the OneBot request that becomes), and sends it through the dispatcher.
type composeScreen struct {
	e *env

	// target
	sources    []core.Source
	sourceSel  *widget.Select
	wantSource string // the source to select once the list is loaded
	typeRadio  *widget.RadioGroup
	idEntry    *composeEntry
	targetName string // the picked contact's name, shown in targetLb
	targetLb   *widget.Label
	pickBtn    *widget.Button
	recentBtn  *widget.Button
	saveBtn    *widget.Button

	// message
	plain      *widget.Check
	plainEntry *composeEntry
	rows       []*segmentRow
	rowsBox    *fyne.Container
	addBtn     *widget.Button
	segArea    *fyne.Container
	leftScroll *container.Scroll

	// preview
	ucbiView   *widget.Label
	onebotView *widget.Label
	problems   *widget.Label

	// send
	sendBtn  *widget.Button
	progress *widget.ProgressBarInfinite
	result   *widget.Label
	sending  bool

	// request is what Send sends; nil while the message or target has a problem.
	request *core.Request

	// ready is set once the screen is built: changes before it are not the user's.
	ready bool
	// touched is set once the user edited the message or the target, or tried to send. Until
	// then problems are a neutral hint (grey), not an error (red): a fresh screen has not gone
	// wrong yet.
	touched bool

	members map[string][]store.Contact // member lists by source+group, in memory only

	bottom *fyne.Container
	root   *fyne.Container
}

func newComposeScreen(e *env) *composeScreen {
	s := &composeScreen{e: e, members: map[string][]store.Contact{}}

	s.sourceSel = widget.NewSelect(nil, func(string) { s.refresh() })
	s.sourceSel.PlaceHolder = L("Choose a message source.")
	s.typeRadio = widget.NewRadioGroup([]string{L("Private chat"), L("Group chat")}, func(string) {
		s.targetName = ""
		s.edited()
	})
	s.typeRadio.Horizontal = true
	s.typeRadio.Required = true
	s.typeRadio.SetSelected(L("Group chat"))
	s.idEntry = newComposeEntry(false, L("QQ number or group number"), s.onSend)
	s.idEntry.OnChanged = func(string) {
		s.targetName = ""
		s.edited()
	}
	s.targetLb = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.targetLb.Truncation = fyne.TextTruncateEllipsis
	s.pickBtn = widget.NewButtonWithIcon(L("Friends & groups…"), theme.AccountIcon(), s.onPickTarget)
	s.recentBtn = widget.NewButtonWithIcon(L("Saved & recent…"), theme.HistoryIcon(), s.onSavedAndRecent)
	s.saveBtn = widget.NewButtonWithIcon(L("Save as context…"), theme.DocumentSaveIcon(), s.onSaveContext)

	s.plain = widget.NewCheck(L("Plain text"), func(bool) { s.onPlainToggled() })
	s.plainEntry = newComposeEntry(true, L("Type your message…"), s.onSend)
	s.plainEntry.SetMinRowsVisible(6)
	s.plainEntry.OnChanged = func(string) { s.edited() }
	s.rowsBox = container.NewVBox()
	s.addBtn = widget.NewButtonWithIcon(L("Add segment"), theme.ContentAddIcon(), nil)
	s.addBtn.OnTapped = s.onAddMenu
	s.segArea = container.NewVBox(s.rowsBox)

	s.ucbiView = reqMonoLabel()
	s.onebotView = reqMonoLabel()
	s.problems = widget.NewLabel("")
	s.problems.Importance = widget.DangerImportance
	s.problems.Wrapping = fyne.TextWrapWord

	s.sendBtn = widget.NewButtonWithIcon(L("Send"), navIcon(theme.IconNameMailSend), s.onSend)
	s.sendBtn.Importance = widget.HighImportance
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Stop()
	s.progress.Hide()
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel(L("Ctrl+Enter sends"))
	hint.Importance = widget.LowImportance

	target := container.NewVBox(
		heading(L("Target")),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(L("Source")), s.sourceSel,
			widget.NewLabel(L("Chat type")), s.typeRadio,
			widget.NewLabel(L("Target id")), s.idEntry,
		),
		container.NewHBox(s.pickBtn, s.recentBtn, s.saveBtn),
		s.targetLb,
	)
	// Add segment sits in the message's header, where it stays in reach however long the
	// message grows (a new row is scrolled into view).
	message := container.NewVBox(
		container.NewBorder(nil, nil, heading(L("Message")), container.NewHBox(s.addBtn, s.plain)),
		container.NewStack(s.plainEntry, s.segArea),
	)
	// Room on the right: the inputs do not run into the split's divider or under the scroll bar.
	left := container.New(layout.NewCustomPaddedLayout(0, 0, 0, 2*theme.Padding()),
		container.NewVBox(target, widget.NewSeparator(), message))
	s.leftScroll = container.NewVScroll(left)
	preview := container.NewVSplit(
		container.NewBorder(heading(L("UCBI request")), nil, nil, nil, container.NewScroll(s.ucbiView)),
		container.NewBorder(heading(L("OneBot request")), nil, nil, nil, container.NewScroll(s.onebotView)),
	)
	preview.Offset = 0.55
	split := container.NewHSplit(s.leftScroll, preview)
	split.Offset = 0.5
	s.result.Hide()
	bottom := container.NewVBox(
		widget.NewSeparator(),
		s.problems,
		s.result,
		container.NewBorder(nil, nil, container.NewHBox(s.sendBtn, s.progress), hint),
	)
	s.bottom = bottom
	s.root = container.NewBorder(nil, bottom, nil, nil, split)

	s.addRow("text")
	s.onPlainToggled()
	s.ready = true

	// Ctrl+Enter (Cmd+Enter) sends from anywhere on the screen; composeEntry covers focused entries.
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		e.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, s.onCanvasShortcut)
	}
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	return s
}

func (s *composeScreen) content() fyne.CanvasObject { return s.root }

// onCanvasShortcut is the window's Ctrl+Enter: it sends when this screen is the one shown.
func (s *composeScreen) onCanvasShortcut(fyne.Shortcut) {
	if composeShown(s.e.win, s.root) {
		s.onSend()
	}
}

// takeContext is env.useContext's way in (contextTaker).
func (s *composeScreen) takeContext(c core.Context) { s.setContext(c) }

// reqMonoLabel is a read-only, selectable, wrapping monospace text.
func reqMonoLabel() *widget.Label {
	l := widget.NewLabel("")
	l.TextStyle = fyne.TextStyle{Monospace: true}
	l.Wrapping = fyne.TextWrapBreak
	l.Selectable = true
	return l
}

// composeShown tells whether obj is in the window's content, reached through containers (the
// shell swaps screens in a container), with it and all its parents visible.
func composeShown(w fyne.Window, obj fyne.CanvasObject) bool {
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		if o == nil || !o.Visible() {
			return false
		}
		if o == obj {
			return true
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				if walk(child) {
					return true
				}
			}
		}
		return false
	}
	return walk(w.Content())
}

// ---------------------------------------------------------------------------------------------
// Target

func composeSourceLabel(s core.Source) string {
	l := s.ID + " · " + s.Via
	if s.Flavor != "" {
		l += " · " + s.Flavor
	}
	if s.Default {
		l += " (" + L("Default") + ")"
	}
	return l
}

// loadSources reads the sources off the UI goroutine and fills the source select.
func (s *composeScreen) loadSources() {
	st := s.e.deps.Store
	s.e.run("compose.sources", func() func() {
		list, err := st.Sources()
		return func() {
			if err != nil {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot read the message sources: %s"), err))
				return
			}
			s.setSources(list)
		}
	})
}

func (s *composeScreen) setSources(list []core.Source) {
	s.sources = list
	want := s.wantSource
	if want == "" {
		if cur, ok := s.selectedSource(); ok {
			want = cur.ID
		}
	}
	s.wantSource = ""
	if !fillSourceSelect(s.sourceSel, list, want) {
		s.refresh() // SetSelected refreshes; ClearSelected does not
	}
}

// fillSourceSelect lists the sources in sel and selects the one with id want, else the
// default source, else the first. It reports whether a source is selected.
func fillSourceSelect(sel *widget.Select, list []core.Source, want string) bool {
	opts := make([]string, len(list))
	chosen := ""
	for i, src := range list {
		opts[i] = composeSourceLabel(src)
		if src.ID == want || (want == "" && src.Default) {
			chosen = opts[i]
		}
	}
	if chosen == "" && len(opts) > 0 {
		chosen = opts[0]
	}
	sel.Options = opts
	if chosen == "" {
		sel.ClearSelected()
		return false
	}
	sel.SetSelected(chosen)
	return true
}

func (s *composeScreen) selectedSource() (core.Source, bool) {
	i := s.sourceSel.SelectedIndex()
	if i < 0 || i >= len(s.sources) {
		return core.Source{}, false
	}
	return s.sources[i], true
}

func (s *composeScreen) selectedType() string {
	switch s.typeRadio.Selected {
	case L("Private chat"):
		return core.TypePrivate
	case L("Group chat"):
		return core.TypeGroup
	}
	return ""
}

func (s *composeScreen) setType(typ string) {
	switch typ {
	case core.TypePrivate:
		s.typeRadio.SetSelected(L("Private chat"))
	case core.TypeGroup:
		s.typeRadio.SetSelected(L("Group chat"))
	default:
		s.typeRadio.SetSelected("")
	}
}

// setContext makes c the target: its source (extra.config_id), type and id.
func (s *composeScreen) setContext(c core.Context) {
	id, _ := c.ConfigID()
	found := false
	for i, src := range s.sources {
		if src.ID == id {
			s.sourceSel.SetSelectedIndex(i)
			found = true
		}
	}
	if !found && id != "" {
		s.wantSource = id // the list is still loading
	}
	t := c.Target()
	s.setType(t.Type)
	s.idEntry.SetText(t.ID)
	s.targetName = ""
	s.refresh()
}

// target builds the context of the send from the target fields.
func (s *composeScreen) target() (core.Context, error) {
	src, ok := s.selectedSource()
	if !ok {
		if len(s.sources) == 0 {
			return core.Context{}, errors.New(L("No message source is configured: add one on the Sources screen."))
		}
		return core.Context{}, errors.New(L("Choose a message source."))
	}
	c := src.ContextOf()
	c.Type = s.selectedType()
	id := strings.TrimSpace(s.idEntry.Text)
	switch c.Type {
	case core.TypePrivate:
		c.UserID = core.ID(id)
	case core.TypeGroup:
		c.GroupID = core.ID(id)
	default:
		return c, errors.New(L("Choose private or group chat."))
	}
	switch {
	case id == "":
		return c, errors.New(L("Enter the target id (a QQ number or a group number)."))
	case !segIsDigits(id):
		return c, errors.New(L("The target id must be digits only."))
	}
	return c, nil
}

// ---------------------------------------------------------------------------------------------
// Message rows (segmentHost)

func (s *composeScreen) onAddMenu() {
	items := make([]*fyne.MenuItem, 0, len(segmentKinds))
	for _, k := range segmentKinds {
		typ := k.typ
		items = append(items, fyne.NewMenuItem(L(k.label), func() {
			s.addRow(typ)
			s.leftScroll.ScrollToBottom()
		}))
	}
	c := s.e.win.Canvas()
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), c, fyne.NewPos(0, s.addBtn.Size().Height), s.addBtn)
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
	if s.ready {
		s.touched = true
	}
	s.refresh()
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
		if gid := strings.TrimSpace(s.idEntry.Text); segIsDigits(gid) {
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
	for i, r := range s.rows {
		seg, err := r.segment()
		if err == nil {
			err = core.ValidateMessage(core.Message{seg})
		}
		if err == nil && src.Via == onebot.Via {
			_, err = onebot.ToOneBot(core.Message{seg})
		}
		msg := ""
		if err != nil {
			msg = stripSegmentPrefix(err.Error())
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

// cutSegmentPrefix splits core's "segment 2 (at): data needs user_id" into 2, "at" and the rest.
func cutSegmentPrefix(s string) (index int, typ, rest string, ok bool) {
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
	msg := strings.TrimSpace(core.AsError(err).Message)
	if msg == "" {
		msg = err.Error()
	}
	i, typ, rest, ok := cutSegmentPrefix(msg)
	if !ok {
		return msg
	}
	label := segmentLabel(typ)
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

	switch {
	case src.ID == "":
		s.onebotView.SetText("")
	case src.Via != onebot.Via:
		s.onebotView.SetText(L("(this source does not speak OneBot 11)"))
	default:
		action, params, err := onebot.BuildSend(ctx.Target(), m)
		if err != nil {
			msg := s.segmentErrorText(err)
			s.onebotView.SetText(fmt.Sprintf(L("(no request: %s)"), msg))
			if terr == nil && len(mproblems) == 0 {
				problems = append(problems, errorText(errors.New(msg)))
			}
		} else {
			s.onebotView.SetText(composePreviewText("POST /" + action + "\n" + segPrettyJSON(params)))
		}
	}

	text := strings.Join(problems, "\n")
	imp := s.problemImportance()
	if text != s.problems.Text || (text == "") == s.problems.Visible() || imp != s.problems.Importance {
		s.problems.Importance = imp
		s.problems.SetText(text)
		if text == "" {
			s.problems.Hide()
		} else {
			s.problems.Show()
		}
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

// ---------------------------------------------------------------------------------------------
// Send

func (s *composeScreen) onSend() {
	if !s.touched {
		// Ctrl+Enter on a fresh screen: what is missing is now an error, not a hint.
		s.touched = true
		s.refresh()
	}
	if s.sending || s.request == nil {
		return
	}
	req := *s.request
	s.sending = true
	s.sendBtn.Disable()
	s.progress.Show()
	s.progress.Start()
	s.setResult(widget.MediumImportance, L("Sending…"))
	d := s.e.deps.Dispatcher
	s.e.run("compose.send", func() func() {
		start := time.Now()
		res, err := d.Call(context.Background(), core.OriginGUI, req)
		elapsed := time.Since(start)
		return func() {
			s.sending = false
			s.progress.Stop()
			s.progress.Hide()
			s.showSendResult(res, err, elapsed)
			s.refresh()
			s.e.notify(topicHistory)
		}
	})
}

func (s *composeScreen) showSendResult(res any, err error, elapsed time.Duration) {
	s.setResult(sendResultText(res, err, elapsed))
}

// setResult shows the outcome line under the message (hidden while empty).
func (s *composeScreen) setResult(imp widget.Importance, text string) {
	s.result.Importance, s.result.Text = imp, text
	if text == "" {
		s.result.Hide()
	} else {
		s.result.Show()
	}
	s.result.Refresh()
	composeLayoutNow(s.root, s.bottom)
}

// composeLayoutNow lays containers out again, outermost first: a label that starts wrapping onto
// more lines does not make its parents make room by itself.
func composeLayoutNow(cs ...*fyne.Container) {
	for _, c := range cs {
		if c != nil && c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
	}
}

// sendResultText is "Sent — message id 123 (45 ms)" or the failure in words.
func sendResultText(res any, err error, elapsed time.Duration) (widget.Importance, string) {
	if err != nil {
		return sendFailureText("Not sent: %s", err)
	}
	ms := elapsed.Milliseconds()
	if id := sendMessageID(res); id != "" {
		return widget.SuccessImportance, fmt.Sprintf(L("Sent — message id %s (%d ms)"), id, ms)
	}
	return widget.SuccessImportance, fmt.Sprintf(L("Sent (%d ms)"), ms)
}

func sendMessageID(res any) string {
	switch r := res.(type) {
	case core.SendResult:
		return r.MessageID
	case *core.SendResult:
		if r != nil {
			return r.MessageID
		}
		return ""
	}
	b, err := json.Marshal(res)
	if err != nil {
		return ""
	}
	var v struct {
		MessageID core.ID `json:"message_id"`
	}
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	return string(v.MessageID)
}

// ---------------------------------------------------------------------------------------------
// Saved contexts and recent targets

type composeRecent struct {
	source string
	target core.Target
}

func (s *composeScreen) onSavedAndRecent() {
	st := s.e.deps.Store
	s.e.run("compose.targets", func() func() {
		saved, serr := st.Contexts()
		recs, rerr := st.HistoryPage(0, 200, store.HistoryFilter{})
		recent := composeRecentTargets(recs, 10)
		return func() {
			if serr != nil {
				s.e.showError(fmt.Errorf(L("Cannot read the saved contexts: %s"), serr))
				return
			}
			if rerr != nil {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot read the recent sends: %s"), errorText(rerr)))
			}
			s.showTargetsMenu(saved, recent)
		}
	})
}

// composeRecentTargets are the distinct targets of recent sends, newest first.
func composeRecentTargets(recs []core.HistoryRecord, max int) []composeRecent {
	seen := map[string]bool{}
	var out []composeRecent
	for _, r := range recs {
		if !strings.HasPrefix(r.Action, "send_") || r.Target == "" || r.Source == "" {
			continue
		}
		typ, id, ok := strings.Cut(r.Target, ":")
		if !ok || (typ != core.TypePrivate && typ != core.TypeGroup) || id == "" {
			continue
		}
		key := r.Source + "\x00" + r.Target
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, composeRecent{source: r.Source, target: core.Target{Type: typ, ID: id}})
		if len(out) == max {
			break
		}
	}
	return out
}

func (s *composeScreen) showTargetsMenu(saved []store.NamedContext, recent []composeRecent) {
	var items []*fyne.MenuItem
	header := func(t string) {
		it := fyne.NewMenuItem(t, nil)
		it.Disabled = true
		items = append(items, it)
	}
	header(L("Saved contexts"))
	if len(saved) == 0 {
		header("  " + L("Nothing saved yet"))
	}
	for _, nc := range saved {
		nc := nc
		label := nc.Name
		if t := nc.Context.Target(); t.Type != "" {
			label += " — " + t.String()
		}
		if id, _ := nc.Context.ConfigID(); id != "" {
			label += " · " + id
		}
		items = append(items, fyne.NewMenuItem(label, func() { s.useSavedContext(nc) }))
	}
	items = append(items, fyne.NewMenuItemSeparator())
	header(L("Recent targets"))
	if len(recent) == 0 {
		header("  " + L("No recent sends"))
	}
	for _, rt := range recent {
		rt := rt
		items = append(items, fyne.NewMenuItem(rt.target.String()+" · "+rt.source, func() { s.useRecent(rt) }))
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), s.e.win.Canvas(),
		fyne.NewPos(0, s.recentBtn.Size().Height), s.recentBtn)
}

func (s *composeScreen) useSavedContext(nc store.NamedContext) {
	s.setContext(nc.Context)
	s.targetName = nc.Name
	s.refresh()
	st := s.e.deps.Store
	s.e.run("compose.touch", func() func() {
		if err := st.TouchContext(nc.Name); err != nil {
			fyne.LogError("touch context", err)
		}
		return nil
	})
}

func (s *composeScreen) useRecent(rt composeRecent) {
	c := core.Context{Type: rt.target.Type}.WithSource(rt.source)
	if rt.target.Type == core.TypeGroup {
		c.GroupID = core.ID(rt.target.ID)
	} else {
		c.UserID = core.ID(rt.target.ID)
	}
	s.setContext(c)
}

func (s *composeScreen) onSaveContext() {
	ctx, err := s.target()
	if err != nil {
		s.e.showError(err)
		return
	}
	name := widget.NewEntry()
	name.SetText(s.targetName)
	if name.Text == "" {
		name.SetText(ctx.Target().String())
	}
	s.e.showForm(L("Save context"), L("Save"), []*widget.FormItem{widget.NewFormItem(L("Name"), name)}, 420, func(ok bool) {
		if ok {
			s.saveContext(strings.TrimSpace(name.Text), ctx)
		}
	})
}

// saveContext stores ctx under name in the background.
func (s *composeScreen) saveContext(name string, ctx core.Context) {
	if name == "" {
		s.e.showError(errors.New(L("The name is empty.")))
		return
	}
	st := s.e.deps.Store
	s.e.run("compose.save", func() func() {
		list, err := st.Contexts()
		exists := false
		for _, nc := range list {
			if nc.Name == name {
				exists = true
			}
		}
		if err == nil && !exists {
			err = st.PutContext(name, ctx)
		}
		return func() {
			if err != nil {
				s.e.showError(err)
				return
			}
			if exists {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("A context named %q already exists."), name))
				return
			}
			s.setResult(widget.SuccessImportance, fmt.Sprintf(L("Saved as context “%s”."), name))
			s.e.notify(topicContexts)
		}
	})
}

// ---------------------------------------------------------------------------------------------
// Friends, groups and members

func (s *composeScreen) onPickTarget() {
	s.showContactPicker(L("Pick a friend or group"), []string{"friend", "group"}, func(c store.Contact) {
		if c.Kind == "group" {
			s.setType(core.TypeGroup)
		} else {
			s.setType(core.TypePrivate)
		}
		s.idEntry.SetText(c.ID)
		s.targetName = c.Name
		s.refresh()
	})
}

// composeContactAction is the extension action that lists a kind ("member:<group>" for members).
func composeContactAction(kind string) (string, map[string]json.RawMessage) {
	switch {
	case kind == "friend":
		return "*get_friend_list", nil
	case kind == "group":
		return "*get_group_list", nil
	case strings.HasPrefix(kind, "member:"):
		gid, _ := json.Marshal(strings.TrimPrefix(kind, "member:"))
		return "*get_group_member_list", map[string]json.RawMessage{"group_id": gid}
	}
	return "", nil
}

// composeFetchContacts asks the backend for a list (off the UI goroutine).
func composeFetchContacts(d *core.Dispatcher, ctx core.Context, kind string) ([]store.Contact, error) {
	action, params := composeContactAction(kind)
	res, err := d.Call(context.Background(), core.OriginGUI, core.Request{Action: action, Context: &ctx, Params: params})
	if err != nil {
		return nil, errors.New(errorText(err))
	}
	return composeParseContacts(res, kind)
}

// composeParseContacts reads get_friend_list / get_group_list / get_group_member_list data.
func composeParseContacts(res any, kind string) ([]store.Contact, error) {
	var raw []byte
	switch r := res.(type) {
	case json.RawMessage:
		raw = r
	case []byte:
		raw = r
	default:
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf(L("the backend's list is not an array of objects: %v"), err)
	}
	str := func(m map[string]json.RawMessage, keys ...string) string {
		for _, k := range keys {
			v, ok := m[k]
			if !ok {
				continue
			}
			var id core.ID
			if json.Unmarshal(v, &id) == nil && id != "" {
				return string(id)
			}
			var s string
			if json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	out := make([]store.Contact, 0, len(items))
	for _, it := range items {
		c := store.Contact{Kind: kind}
		switch {
		case kind == "group":
			c.ID, c.Name = str(it, "group_id"), str(it, "group_name")
			var n int
			if v, ok := it["member_count"]; ok {
				_ = json.Unmarshal(v, &n)
			}
			c.MemberCount = n
		case kind == "friend":
			c.ID, c.Name, c.Remark = str(it, "user_id"), str(it, "nickname"), str(it, "remark")
		default: // members: the group card is what the group shows
			c.Kind = "member"
			c.ID, c.Name, c.Remark = str(it, "user_id"), str(it, "nickname"), str(it, "card")
		}
		if c.ID != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

func composeContactLine(c store.Contact) string {
	name := c.Name
	if c.Remark != "" && c.Remark != c.Name {
		name += " (" + c.Remark + ")"
	}
	kind := L(c.Kind)
	if c.Kind == "group" && c.MemberCount > 0 {
		kind += fmt.Sprintf(" · %d", c.MemberCount)
	}
	return name + " — " + c.ID + " · " + kind
}

// contactPicker is the search-and-pick dialog of friends, groups or members.
type contactPicker struct {
	s      *composeScreen
	src    core.Source
	kinds  []string
	all    []store.Contact
	shown  []store.Contact
	search *widget.Entry
	list   *widget.List
	status *widget.Label
	dlg    dialog.Dialog
	onPick func(store.Contact)
}

func (s *composeScreen) showContactPicker(title string, kinds []string, onPick func(store.Contact)) {
	src, ok := s.selectedSource()
	if !ok {
		s.e.showError(errors.New(L("Choose a source first.")))
		return
	}
	p := s.newContactPicker(src, kinds, onPick)
	refresh := widget.NewButtonWithIcon(L("Refresh from the backend"), theme.ViewRefreshIcon(), func() { p.load(true) })
	content := container.NewBorder(
		container.NewVBox(p.search, p.status), refresh, nil, nil, p.list)
	p.dlg = dialog.NewCustom(title, L("Close"), content, s.e.win)
	s.e.showDialog(p.dlg, 520, 560)
	p.load(false)
	s.e.win.Canvas().Focus(p.search)
}

func (s *composeScreen) newContactPicker(src core.Source, kinds []string, onPick func(store.Contact)) *contactPicker {
	p := &contactPicker{s: s, src: src, kinds: kinds, onPick: onPick}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder(L("Search by name or id"))
	p.search.OnChanged = func(string) { p.filter() }
	p.status = widget.NewLabel(L("Loading…"))
	p.status.Wrapping = fyne.TextWrapWord
	p.list = widget.NewList(
		func() int { return len(p.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.shown) {
				o.(*widget.Label).SetText(composeContactLine(p.shown[i]))
			}
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(p.shown) {
			return
		}
		c := p.shown[i]
		if p.dlg != nil {
			p.dlg.Hide()
		}
		p.onPick(c)
	}
	return p
}

// load fills the picker: the store's cached lists (members: this screen's memory), fetching
// from the backend when forced or when nothing is cached.
func (p *contactPicker) load(force bool) {
	s := p.s
	st, d, src, kinds := s.e.deps.Store, s.e.deps.Dispatcher, p.src, p.kinds
	cachedMembers := map[string][]store.Contact{}
	for _, k := range kinds {
		if m, ok := s.members[src.ID+"\x00"+k]; ok {
			cachedMembers[k] = m
		}
	}
	p.status.SetText(L("Loading…"))
	s.e.run("compose.contacts", func() func() {
		var all []store.Contact
		var problems []string
		var fetched time.Time
		fresh := map[string][]store.Contact{}
		for _, k := range kinds {
			var list []store.Contact
			var at time.Time
			var err error
			member := strings.HasPrefix(k, "member:")
			if !force {
				if member {
					list, at = cachedMembers[k], time.Time{}
				} else {
					list, at, err = st.ContactsOf(src.ID, k)
				}
			}
			if force || err != nil || len(list) == 0 {
				list, err = composeFetchContacts(d, src.ContextOf(), k)
				at = time.Now()
				if err == nil {
					if member {
						fresh[k] = list
					} else if perr := st.PutContacts(src.ID, k, list); perr != nil {
						problems = append(problems, perr.Error())
					}
				}
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf(L("Cannot load the list: %s"), err.Error()))
				continue
			}
			all = append(all, list...)
			if !at.IsZero() && (fetched.IsZero() || at.Before(fetched)) {
				fetched = at
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Kind < all[j].Kind })
		return func() {
			for k, v := range fresh {
				s.members[src.ID+"\x00"+k] = v
			}
			p.all = all
			p.filter()
			status := fmt.Sprintf(L("%d found"), len(all))
			if !fetched.IsZero() {
				status = fmt.Sprintf(L("%d found · fetched %s"), len(all), fetched.Local().Format("2006-01-02 15:04"))
			}
			if len(problems) > 0 {
				status += "\n" + strings.Join(problems, "\n")
			}
			p.status.SetText(status)
		}
	})
}

func (p *contactPicker) filter() {
	p.shown = store.SearchContacts(p.all, p.search.Text)
	p.list.UnselectAll()
	p.list.Refresh()
}
