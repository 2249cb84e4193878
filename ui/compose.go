package ui

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

// composeScreen builds a UCBI message segment by segment, shows the exact request it makes (and
// the OneBot request that becomes), and sends it through the dispatcher.
type composeScreen struct {
	e *env

	// target
	sources    []core.Source
	support    map[string]map[string]string // by source id: segment kind → why it cannot be sent ("" = it can)
	sourceSel  *widget.Select
	wantSource string // the source to select once the list is loaded
	typeRadio  *widget.RadioGroup
	shownType  string // the chat type the id entry holds an id of (onTypeChanged converts it)
	// handed is a whole context given to Compose (from an event, a saved context): sent as it
	// is — extra, platform, self ids and all — while the target fields still say the same.
	handed *core.Context
	// quiet counts programmatic changes of the target fields under way: they are not the
	// user's edits.
	quiet      int
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
	pane       *responsePane // the last send's answer, as Actions shows it

	// send
	sendBtn  *widget.Button
	progress *widget.ProgressBarInfinite
	result   *widget.Label
	sending  bool

	// request is what Send sends; nil while the message or target has a problem.
	request *core.Request

	// ready is set once the screen is built: changes before it are not the user's.
	ready bool
	// changes counts changes of the target or message since the screen was built; the saved
	// draft is restored only onto an untouched screen. restoring is set while it is.
	changes   int
	restoring bool
	draftSave *debouncer
	draftMu   sync.Mutex // draftJSON is read by the debounced save
	draftJSON string
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

	s.draftSave = e.newDebouncer(s.saveDraft)
	s.sourceSel = widget.NewSelect(nil, func(string) {
		if s.quiet > 0 {
			s.refresh()
			return
		}
		s.targetName = ""
		s.edited()
	})
	s.sourceSel.PlaceHolder = L("Choose a message source.")
	s.typeRadio = widget.NewRadioGroup([]string{L("Private chat"), L("Group chat")}, func(string) { s.onTypeChanged() })
	s.typeRadio.Horizontal = true
	s.typeRadio.Required = true
	s.typeRadio.SetSelected(L("Group chat"))
	s.idEntry = newComposeEntry(false, L("QQ number or group number"), s.onSend)
	s.idEntry.OnChanged = func(string) {
		if s.quiet > 0 {
			return
		}
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
	s.pane = newResponsePane(func(text string) { e.app.Clipboard().SetContent(text) })

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
	requests := container.NewVSplit(
		container.NewBorder(heading(L("UCBI request")), nil, nil, nil, container.NewScroll(s.ucbiView)),
		container.NewBorder(heading(L("OneBot request")), nil, nil, nil, container.NewScroll(s.onebotView)),
	)
	requests.Offset = 0.55
	preview := container.NewVSplit(requests, s.pane.content())
	preview.Offset = 0.65
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
	s.loadDraft()
	return s
}

func (s *composeScreen) content() fyne.CanvasObject { return s.root }

// onCanvasShortcut is the window's Ctrl+Enter: it sends when this screen is the one shown.
func (s *composeScreen) onCanvasShortcut(fyne.Shortcut) {
	if composeShown(s.e.win, s.root) {
		s.onSend()
	}
}

// takeContext is env.useContext's way in (contextTaker): c is sent as it is.
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
	st, d := s.e.deps.Store, s.e.deps.Dispatcher
	s.e.run("compose.sources", func() func() {
		list, err := st.Sources()
		support := map[string]map[string]string{}
		for _, src := range list {
			if m, serr := d.SupportedSegments(src.ID); serr == nil {
				support[src.ID] = m
			}
		}
		return func() {
			if err != nil {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot read the message sources: %s"), errorText(err)))
				return
			}
			s.support = support
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
	s.quiet++
	defer func() { s.quiet-- }()
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

// setContext makes c the target: its source (extra.config_id), type and id. c itself is kept
// and sent unchanged — its extra, platform and ids the fields do not show — until the operator
// changes the target.
func (s *composeScreen) setContext(c core.Context) {
	kept := c
	s.setTarget(c)
	s.handed = &kept
	s.refresh()
}

// setTarget puts c's source, type and id in the target fields (and forgets any context handed
// in before).
func (s *composeScreen) setTarget(c core.Context) {
	s.quiet++
	defer func() { s.quiet-- }()
	s.handed = nil
	s.selectSource(c)
	t := c.Target()
	s.setType(t.Type)
	s.shownType = s.selectedType()
	s.idEntry.SetText(t.ID)
	s.targetName = ""
	s.changed()
	s.refresh()
}

// selectSource selects the source c routes to (extra.config_id), or remembers it until the
// list is loaded.
func (s *composeScreen) selectSource(c core.Context) {
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
}

// onTypeChanged is a switch between private and group chat. The id entered belongs to the
// other kind of chat (a group number is no QQ number), so it is converted — to the sender or
// the group of the context handed in — or cleared, never carried into the wrong field.
func (s *composeScreen) onTypeChanged() {
	typ := s.selectedType()
	prev := s.shownType
	s.shownType = typ
	if s.quiet > 0 || s.idEntry == nil {
		return
	}
	s.targetName = ""
	if prev != "" && typ != prev {
		id := ""
		if h := s.handed; h != nil {
			switch typ {
			case core.TypePrivate:
				id = string(h.UserID)
			case core.TypeGroup:
				id = string(h.GroupID)
			}
		}
		s.quiet++
		s.idEntry.SetText(id)
		s.quiet--
	}
	s.edited()
}

// handedTarget is the context handed in when the target fields still name it.
func (s *composeScreen) handedTarget(src core.Source, typ, id string) (core.Context, bool) {
	h := s.handed
	if h == nil {
		return core.Context{}, false
	}
	if cid, _ := h.ConfigID(); cid != "" && cid != src.ID {
		return core.Context{}, false
	}
	if t := h.Target(); t.Type != typ || t.ID != id {
		return core.Context{}, false
	}
	return *h, true
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
	id := strings.TrimSpace(s.idEntry.Text)
	if h, ok := s.handedTarget(src, s.selectedType(), id); ok && id != "" && core.IsDigits(id) {
		return h, nil
	}
	c := src.ContextOf()
	c.Type = s.selectedType()
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
	case !core.IsDigits(id):
		return c, errors.New(L("The target id must be digits only."))
	}
	return c, nil
}
