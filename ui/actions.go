package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/catalog"
	"ucbi-console/store"
)

// RequestStore keeps saved requests (the Actions screen's saved cases); *store.DB implements it.
// Until Store embeds it, the screen asks Deps.Store for it with a type assertion.
type RequestStore interface {
	PutRequest(r *store.SavedRequest) error
	Requests() ([]store.SavedRequest, error)
	DeleteRequest(id uint64) error
}

// actionsScreen calls any OneBot action through UCBI as *name: a searchable catalog, a form made
// from the chosen action's parameters (or raw JSON for anything else), the formatted response
// with its time, and saved requests to run again in one click.
type actionsScreen struct {
	e *env

	// catalog
	search   *widget.Entry
	rows     []actionsRow // what the catalog list shows: origin headings and actions
	list     *widget.List
	selected *catalog.Action // nil: none, or raw mode with a name the catalog lacks

	// request
	title     *widget.Label
	desc      *widget.Label
	source    *sourceChooser
	raw       *widget.Check
	rawName   *widget.Entry
	rawParams *widget.Entry
	fields    []*actionsField
	formBox   *fyne.Container
	formArea  *fyne.Container
	exampleB  *widget.Button
	sendBtn   *widget.Button
	saveBtn   *widget.Button
	sending   bool

	// response (the pane Compose shows too); status and response are its widgets
	pane     *responsePane
	status   *widget.Label
	response *widget.Entry

	// saved requests
	requests  RequestStore // nil when the store cannot keep them
	saved     []store.SavedRequest
	savedRows []actionsSavedRow
	savedList *widget.List
	savedNote *widget.Label
	tabs      *container.AppTabs

	root fyne.CanvasObject
}

// actionsRow is one line of the catalog list: a heading (origin != "") or an action.
type actionsRow struct {
	heading catalog.Origin
	action  catalog.Action
}

// actionsSavedRow is one line of the saved list: a group heading or a request.
type actionsSavedRow struct {
	group   string
	heading bool
	req     store.SavedRequest
}

// actionsField is the form field of one parameter.
type actionsField struct {
	p       catalog.Param
	entry   *widget.Entry  // id, int, string, message, json, array
	check   *widget.Check  // bool
	sel     *widget.Select // enum
	touched bool           // a bool the operator (or an example) set: sent even when default
}

func newActionsScreen(e *env) *actionsScreen {
	s := &actionsScreen{e: e}
	s.requests, _ = e.deps.Store.(RequestStore)

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(L("Search actions (name or words)…"))
	s.search.OnChanged = func(string) { s.filter() }
	s.list = widget.NewList(
		func() int { return len(s.rows) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("get_group_member_list")
			name.Truncation = fyne.TextTruncateEllipsis
			desc := widget.NewLabel("")
			desc.Importance = widget.LowImportance
			desc.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(name, desc)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.rows) {
				return
			}
			box := o.(*fyne.Container)
			name, desc := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
			r := s.rows[id]
			if r.heading != "" {
				name.TextStyle = fyne.TextStyle{Bold: true}
				name.SetText(actionsOriginTitle(r.heading))
				desc.Hide()
				return
			}
			name.TextStyle = fyne.TextStyle{Monospace: true}
			name.SetText(r.action.Name)
			desc.SetText(r.action.Desc.In(Language()))
			desc.Show()
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < 0 || id >= len(s.rows) {
			return
		}
		if s.rows[id].heading != "" {
			s.list.Unselect(id)
			return
		}
		s.choose(s.rows[id].action)
	}

	s.title = heading(L("Actions"))
	s.desc = wrapLabel(L("Choose an action on the left, or type any action name in raw JSON mode."))
	s.source = newSourceChooser(L("Default source"))
	s.raw = widget.NewCheck(L("Raw JSON"), func(on bool) { s.setRaw(on) })
	s.rawName = widget.NewEntry()
	s.rawName.SetPlaceHolder(L("Action name, e.g. get_status"))
	s.rawName.TextStyle = fyne.TextStyle{Monospace: true}
	s.rawName.OnChanged = func(string) { s.refreshButtons() }
	s.rawParams = widget.NewMultiLineEntry()
	s.rawParams.TextStyle = fyne.TextStyle{Monospace: true}
	s.rawParams.SetPlaceHolder("{}")
	s.rawParams.SetMinRowsVisible(8)
	s.formBox = container.NewVBox()
	s.formArea = container.NewStack(s.formBox)
	s.exampleB = widget.NewButtonWithIcon(L("Fill an example"), theme.DocumentCreateIcon(), s.fillExample)
	s.sendBtn = widget.NewButtonWithIcon(L("Send"), navIcon(theme.IconNameMailSend), s.send)
	s.sendBtn.Importance = widget.HighImportance
	s.saveBtn = widget.NewButtonWithIcon(L("Save…"), theme.DocumentSaveIcon(), s.onSave)

	s.pane = newResponsePane(func(text string) { s.e.app.Clipboard().SetContent(text) })
	s.status, s.response = s.pane.status, s.pane.body

	// Saved requests.
	s.savedNote = wrapLabel("")
	s.savedNote.Importance = widget.LowImportance
	s.savedList = widget.NewList(
		func() int { return len(s.savedRows) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("a saved request")
			name.Truncation = fyne.TextTruncateEllipsis
			run := widget.NewButtonWithIcon("", theme.MediaPlayIcon(), nil)
			del := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
			return container.NewBorder(nil, nil, nil, container.NewHBox(run, del), name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.savedRows) {
				return
			}
			row := s.savedRows[id]
			box := o.(*fyne.Container)
			name := box.Objects[0].(*widget.Label)
			btns := box.Objects[1].(*fyne.Container)
			if row.heading {
				name.TextStyle = fyne.TextStyle{Bold: true}
				name.SetText(actionsGroupTitle(row.group))
				btns.Hide()
				return
			}
			name.TextStyle = fyne.TextStyle{}
			name.SetText(row.req.Name + " · " + row.req.Action)
			btns.Show()
			req := row.req
			btns.Objects[0].(*widget.Button).OnTapped = func() { s.runSaved(req) }
			btns.Objects[1].(*widget.Button).OnTapped = func() { s.onDeleteSaved(req) }
		},
	)
	s.savedList.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.savedRows) && !s.savedRows[id].heading {
			s.loadSaved(s.savedRows[id].req)
		}
		s.savedList.UnselectAll()
	}

	catalogTab := container.NewBorder(s.search, nil, nil, nil, s.list)
	savedTab := container.NewBorder(s.savedNote, nil, nil, nil, s.savedList)
	s.tabs = container.NewAppTabs(
		container.NewTabItem(L("Catalog"), catalogTab),
		container.NewTabItem(L("Saved"), savedTab),
	)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == savedTab {
			s.refreshSaved()
		}
	}

	head := container.NewVBox(
		s.title, s.desc,
		container.New(layout.NewFormLayout(), widget.NewLabel(L("Source")), s.source.sel),
		container.NewHBox(s.raw, s.exampleB, layout.NewSpacer(), s.saveBtn, s.sendBtn),
		widget.NewSeparator(),
	)
	form := container.NewBorder(head, nil, nil, nil,
		container.NewVScroll(container.New(layout.NewCustomPaddedLayout(0, 0, 0, 2*theme.Padding()), s.formArea)))
	right := container.NewVSplit(form, s.pane.content())
	right.Offset = 0.6
	split := container.NewHSplit(s.tabs, right)
	split.Offset = 0.32
	s.root = split

	s.filter()
	s.showForm()
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	s.refreshSaved()
	return s
}

func (s *actionsScreen) content() fyne.CanvasObject { return s.root }

func actionsOriginTitle(o catalog.Origin) string {
	switch o {
	case catalog.OneBot11:
		return L("OneBot 11")
	case catalog.GoCQHTTP:
		return L("go-cqhttp extensions")
	case catalog.NapCat:
		return L("NapCat extensions")
	}
	return string(o)
}

func actionsGroupTitle(g string) string {
	if g == "" {
		return L("(no group)")
	}
	return g
}

// ---------------------------------------------------------------------------------------------
// Catalog

// filter rebuilds the catalog list from the search text, an origin heading above each group.
func (s *actionsScreen) filter() {
	s.rows = s.rows[:0]
	var last catalog.Origin
	for _, a := range catalog.Search(s.search.Text) {
		if a.Origin != last {
			s.rows = append(s.rows, actionsRow{heading: a.Origin})
			last = a.Origin
		}
		s.rows = append(s.rows, actionsRow{action: a})
	}
	// Headings are one line, actions two (name and description). Every row's height is set:
	// the list keeps heights by index, and a new search moves headings to other indexes.
	headH := widget.NewLabel("OneBot 11").MinSize().Height
	rowH := s.list.CreateItem().MinSize().Height
	for i, r := range s.rows {
		if r.heading != "" {
			s.list.SetItemHeight(i, headH)
		} else {
			s.list.SetItemHeight(i, rowH)
		}
	}
	s.list.UnselectAll()
	s.list.Refresh()
}

// choose makes a the current action and builds its form.
func (s *actionsScreen) choose(a catalog.Action) {
	s.selected = &a
	s.rawName.SetText(a.Name)
	if s.raw.Checked {
		s.rawParams.SetText(s.paramsText())
	}
	s.showForm()
}

// showForm shows the selected action's title and form (or the raw entries).
func (s *actionsScreen) showForm() {
	s.fields = nil
	s.formBox.Objects = nil
	switch {
	case s.raw.Checked:
		s.title.SetText(L("Raw JSON"))
		if a, ok := catalog.Lookup(strings.TrimSpace(s.rawName.Text)); ok {
			s.desc.SetText(a.Desc.In(Language()))
		} else {
			s.desc.SetText(L("Not in the catalog: sent as typed."))
		}
		s.formBox.Add(container.New(layout.NewFormLayout(),
			widget.NewLabel(L("Action name")), s.rawName,
			widget.NewLabel(L("Params (JSON object)")), s.rawParams))
	case s.selected == nil:
		s.title.SetText(L("Actions"))
		s.desc.SetText(L("Choose an action on the left, or type any action name in raw JSON mode."))
	default:
		a := *s.selected
		s.title.SetText(a.Name + "  ·  " + actionsOriginTitle(a.Origin))
		s.desc.SetText(a.Desc.In(Language()))
		if len(a.Params) == 0 {
			note := widget.NewLabel(L("This action takes no parameters."))
			note.Importance = widget.LowImportance
			s.formBox.Add(note)
		}
		grid := container.New(layout.NewFormLayout())
		for _, p := range a.Params {
			f := newActionsField(p)
			s.fields = append(s.fields, f)
			label := widget.NewLabelWithStyle(p.Name, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true, Bold: p.Required})
			grid.Add(label)
			grid.Add(container.NewVBox(f.widget(), f.hint()))
		}
		if len(a.Params) > 0 {
			s.formBox.Add(grid)
		}
	}
	s.formBox.Refresh()
	s.refreshButtons()
}

func (s *actionsScreen) refreshButtons() {
	name := s.actionName()
	if name == "" || s.sending {
		s.sendBtn.Disable()
		s.saveBtn.Disable()
	} else {
		s.sendBtn.Enable()
		if s.requests != nil {
			s.saveBtn.Enable()
		}
	}
	if s.selected != nil || s.raw.Checked {
		s.exampleB.Enable()
	} else {
		s.exampleB.Disable()
	}
	if s.requests == nil {
		s.saveBtn.Disable()
	}
}

// setRaw switches between the generated form and raw JSON, carrying the params across.
func (s *actionsScreen) setRaw(on bool) {
	if on {
		if s.selected != nil {
			s.rawName.SetText(s.selected.Name)
		}
		s.rawParams.SetText(s.paramsTextFromForm())
	} else {
		name := strings.TrimSpace(s.rawName.Text)
		if a, ok := catalog.Lookup(name); ok {
			s.selected = &a
			s.showForm()
			s.setParams(json.RawMessage(s.rawParams.Text))
			return
		}
		s.selected = nil
	}
	s.showForm()
}

// actionName is the action that Send calls (without UCBI's *).
func (s *actionsScreen) actionName() string {
	if s.raw.Checked {
		return strings.TrimPrefix(strings.TrimSpace(s.rawName.Text), "*")
	}
	if s.selected != nil {
		return s.selected.Name
	}
	return ""
}

// fillExample fills the form (or the raw params) with the catalog's example.
func (s *actionsScreen) fillExample() {
	name := s.actionName()
	a, ok := catalog.Lookup(name)
	if !ok {
		if s.raw.Checked && strings.TrimSpace(s.rawParams.Text) == "" {
			s.rawParams.SetText("{}")
		}
		return
	}
	ex := json.RawMessage(a.ExampleJSON())
	if s.raw.Checked {
		s.rawParams.SetText(string(ex))
		return
	}
	s.setParams(ex)
}

// setParams fills the form from a params object; parameters it lacks are cleared.
func (s *actionsScreen) setParams(raw json.RawMessage) {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m) // a bad object clears the form
	for _, f := range s.fields {
		f.set(m[f.p.Name])
	}
}

// params builds the params object of the current request.
func (s *actionsScreen) params() (map[string]json.RawMessage, error) {
	if s.raw.Checked {
		text := strings.TrimSpace(s.rawParams.Text)
		if text == "" {
			return map[string]json.RawMessage{}, nil
		}
		var m map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			if err == nil {
				err = errors.New("null")
			}
			return nil, fmt.Errorf(L("The params must be a JSON object: %v"), err)
		}
		return m, nil
	}
	if s.selected == nil {
		return nil, errors.New(L("Choose an action on the left, or type any action name in raw JSON mode."))
	}
	texts := map[string]string{}
	for _, f := range s.fields {
		if t, ok := f.text(); ok {
			texts[f.p.Name] = t
		}
	}
	return s.selected.BuildParams(texts)
}

// paramsText is the current params as indented JSON ("{}" when they do not build).
func (s *actionsScreen) paramsText() string {
	m, err := s.params()
	if err != nil || len(m) == 0 {
		return "{}"
	}
	return actionsIndent(m)
}

// paramsTextFromForm is the form's params as JSON, for switching to raw mode.
func (s *actionsScreen) paramsTextFromForm() string {
	if s.selected == nil {
		return "{}"
	}
	texts := map[string]string{}
	for _, f := range s.fields {
		if t, ok := f.text(); ok {
			texts[f.p.Name] = t
		}
	}
	m := map[string]json.RawMessage{}
	for _, p := range s.selected.Params {
		if raw, err := p.ParseValue(texts[p.Name]); err == nil {
			m[p.Name] = raw
		}
	}
	if len(m) == 0 {
		return "{}"
	}
	return actionsIndent(m)
}

// actionsIndent formats JSON (any value) with two-space indentation, numbers exactly as sent.
func actionsIndent(v any) string {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		raw = b
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// ---------------------------------------------------------------------------------------------
// Form fields

func newActionsField(p catalog.Param) *actionsField {
	f := &actionsField{p: p}
	switch p.Type {
	case catalog.Bool:
		f.check = widget.NewCheck("", func(bool) { f.touched = true })
		if d, ok := p.Default.(bool); ok {
			f.check.Checked = d
		}
	case catalog.Enum:
		opts := slices.Clone(p.Enum)
		if !p.Required {
			opts = append([]string{L("(not set)")}, opts...)
		}
		f.sel = widget.NewSelect(opts, nil)
		if d, ok := p.Default.(string); ok {
			f.sel.SetSelected(d)
		}
	default:
		if p.Type == catalog.Message || p.Type == catalog.JSON || p.Type == catalog.Array {
			f.entry = widget.NewMultiLineEntry()
			f.entry.SetMinRowsVisible(3)
			f.entry.Wrapping = fyne.TextWrapBreak
		} else {
			f.entry = widget.NewEntry()
		}
		f.entry.TextStyle = fyne.TextStyle{Monospace: true}
		if p.Type == catalog.ID || p.Type == catalog.Int {
			f.entry.Validator = func(s string) error {
				if strings.TrimSpace(s) == "" {
					return nil
				}
				_, err := p.ParseValue(s)
				return err
			}
		}
		if p.Default != nil {
			raw, _ := json.Marshal(p.Default)
			f.entry.SetPlaceHolder(fmt.Sprintf(L("default %s"), p.FormatValue(raw)))
		} else if p.Required {
			f.entry.SetPlaceHolder(L("required"))
		}
	}
	return f
}

func (f *actionsField) widget() fyne.CanvasObject {
	switch {
	case f.check != nil:
		return f.check
	case f.sel != nil:
		return f.sel
	}
	return f.entry
}

// hint is the parameter's type and description, small and grey under the field.
func (f *actionsField) hint() fyne.CanvasObject {
	text := string(f.p.Type) + " · " + f.p.Desc.In(Language())
	if f.p.Required {
		text = L("required") + " · " + text
	}
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// text is the field's value as form text; ok is false when the parameter is to be left out.
func (f *actionsField) text() (string, bool) {
	switch {
	case f.check != nil:
		d, _ := f.p.Default.(bool)
		if !f.touched && !f.p.Required && f.check.Checked == d {
			return "", false
		}
		return fmt.Sprint(f.check.Checked), true
	case f.sel != nil:
		if f.sel.SelectedIndex() < 0 || f.sel.Selected == L("(not set)") {
			return "", false
		}
		return f.sel.Selected, true
	}
	return f.entry.Text, true
}

// set shows a JSON value (nil clears the field back to its default).
func (f *actionsField) set(raw json.RawMessage) {
	switch {
	case f.check != nil:
		if raw == nil {
			d, _ := f.p.Default.(bool)
			f.check.SetChecked(d)
			f.touched = false
			return
		}
		f.check.SetChecked(strings.TrimSpace(string(raw)) == "true")
		f.touched = true
	case f.sel != nil:
		v := f.p.FormatValue(raw)
		if raw == nil || !slices.Contains(f.sel.Options, v) {
			f.sel.ClearSelected()
			return
		}
		f.sel.SetSelected(v)
	default:
		if raw == nil {
			f.entry.SetText("")
			return
		}
		f.entry.SetText(f.p.FormatValue(raw))
	}
}

// ---------------------------------------------------------------------------------------------
// Sources

func (s *actionsScreen) loadSources() {
	st := s.e.deps.Store
	s.e.run("actions.sources", func() func() {
		list, err := st.Sources()
		return func() {
			if err != nil {
				s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Cannot read the message sources: %s"), err))
				return
			}
			s.source.set(list, "")
		}
	})
}

// ---------------------------------------------------------------------------------------------
// Send

func (s *actionsScreen) setStatus(imp widget.Importance, text string) {
	s.pane.setStatus(imp, text)
}

// send calls the current action through the dispatcher as *name.
func (s *actionsScreen) send() {
	if s.sending {
		return
	}
	name := s.actionName()
	if name == "" {
		s.setStatus(widget.DangerImportance, L("Type an action name."))
		return
	}
	params, err := s.params()
	if err != nil {
		// Not errorText: the message starts with a parameter name, which must keep its case.
		s.setStatus(widget.DangerImportance, err.Error())
		return
	}
	src, ok := s.source.selected()
	if !ok {
		s.setStatus(widget.DangerImportance, L("No message source: add one on the Sources screen."))
		return
	}
	ctx := src.ContextOf()
	req := core.Request{Action: "*" + name, Context: &ctx, Params: params}
	s.sending = true
	s.refreshButtons()
	s.setStatus(widget.MediumImportance, fmt.Sprintf(L("Sending %s…"), name))
	d := s.e.deps.Dispatcher
	s.e.run("actions.send", func() func() {
		start := time.Now()
		res, err := d.Call(context.Background(), core.OriginGUI, req)
		elapsed := time.Since(start)
		return func() {
			s.sending = false
			s.refreshButtons()
			s.showResult(name, res, err, elapsed)
			s.e.notify(topicHistory)
		}
	})
}

// showResult shows a call's outcome with its time and the response (or error body) as JSON.
func (s *actionsScreen) showResult(name string, res any, err error, elapsed time.Duration) {
	s.pane.showCall(fmt.Sprintf(L("OK — %s answered in %d ms"), name, elapsed.Milliseconds()), res, err, elapsed)
}

// ---------------------------------------------------------------------------------------------
// Saved requests

// refreshSaved reloads the saved requests off the UI goroutine.
func (s *actionsScreen) refreshSaved() {
	if s.requests == nil {
		s.savedNote.SetText(L("Saved requests are not available with this store."))
		return
	}
	rs := s.requests
	s.e.run("actions.saved", func() func() {
		list, err := rs.Requests()
		return func() {
			if err != nil {
				s.savedNote.SetText(fmt.Sprintf(L("Cannot read the saved requests: %s"), err))
				return
			}
			s.saved = list
			s.savedRows = s.savedRows[:0]
			for _, g := range store.GroupRequests(list) {
				s.savedRows = append(s.savedRows, actionsSavedRow{group: g.Name, heading: true})
				for _, r := range g.Requests {
					s.savedRows = append(s.savedRows, actionsSavedRow{group: g.Name, req: r})
				}
			}
			if len(list) == 0 {
				s.savedNote.SetText(L("No saved requests yet: fill a form and press Save…."))
				s.savedNote.Show()
			} else {
				s.savedNote.Hide()
			}
			s.savedList.Refresh()
		}
	})
}

// loadSaved puts a saved request into the form (raw mode when the catalog lacks its action) and
// selects its source. It reports false, saying why, when that source no longer exists: running
// it through another source instead would call the wrong account.
func (s *actionsScreen) loadSaved(r store.SavedRequest) bool {
	if r.Source != "" {
		if !slices.ContainsFunc(s.source.sources, func(src core.Source) bool { return src.ID == r.Source }) {
			s.setStatus(widget.DangerImportance, fmt.Sprintf(L("The message source %q of %q no longer exists: choose another and save again."), r.Source, r.Name))
			return false
		}
		s.source.set(s.source.sources, r.Source)
	}
	if a, ok := catalog.Lookup(r.Action); ok && !s.raw.Checked {
		s.selected = &a
		s.rawName.SetText(a.Name)
		s.showForm()
		s.setParams(r.Params)
		return true
	}
	if !s.raw.Checked {
		s.raw.SetChecked(true) // runs setRaw
	}
	s.rawName.SetText(r.Action)
	s.rawParams.SetText(actionsIndent(r.Params))
	s.showForm()
	return true
}

// runSaved loads a saved request and sends it at once.
func (s *actionsScreen) runSaved(r store.SavedRequest) {
	if s.loadSaved(r) {
		s.send()
	}
}

// onSave asks for a name and group and saves the current request.
func (s *actionsScreen) onSave() {
	name := s.actionName()
	if name == "" || s.requests == nil {
		return
	}
	params, err := s.params()
	if err != nil {
		// Not errorText: the message starts with a parameter name, which must keep its case.
		s.setStatus(widget.DangerImportance, err.Error())
		return
	}
	raw, _ := json.Marshal(params)
	src := ""
	if cur, ok := s.source.selected(); ok {
		src = cur.ID
	}
	nameEntry := widget.NewEntry()
	nameEntry.SetPlaceHolder(name)
	var groups []string
	for _, r := range s.saved {
		if r.Group != "" && !slices.Contains(groups, r.Group) {
			groups = append(groups, r.Group)
		}
	}
	groupEntry := widget.NewSelectEntry(groups)
	items := []*widget.FormItem{
		widget.NewFormItem(L("Name"), nameEntry),
		widget.NewFormItem(L("Request group"), groupEntry),
	}
	dlg := dialog.NewForm(L("Save request"), L("Save"), L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		n := strings.TrimSpace(nameEntry.Text)
		if n == "" {
			n = name
		}
		req := store.SavedRequest{Name: n, Group: strings.TrimSpace(groupEntry.Text), Action: name, Params: raw, Source: src}
		s.saveRequest(req)
	}, s.e.win)
	dlg.Show()
	dlg.Resize(fyne.NewSize(420, dlg.MinSize().Height))
	s.e.win.Canvas().Focus(nameEntry)
}

// saveRequest stores r, asking before it replaces a request of the same group and name.
func (s *actionsScreen) saveRequest(r store.SavedRequest) {
	rs := s.requests
	s.e.run("actions.save", func() func() {
		err := rs.PutRequest(&r)
		return func() {
			switch {
			case errors.Is(err, store.ErrRequestExists):
				for _, old := range s.saved {
					if old.Group == strings.TrimSpace(r.Group) && old.Name == strings.TrimSpace(r.Name) {
						id := old.ID
						s.e.confirm(L("Replace saved request?"),
							fmt.Sprintf(L("A request named %q already exists in group %q. Replace it?"), r.Name, r.Group),
							L("Replace"), func() {
								r.ID = id
								s.saveRequest(r)
							})
						return
					}
				}
				s.e.showError(err)
			case err != nil:
				s.e.showError(err)
			default:
				s.setStatus(widget.SuccessImportance, fmt.Sprintf(L("Saved %q."), r.Name))
				s.refreshSaved()
			}
		}
	})
}

// onDeleteSaved asks, then deletes a saved request.
func (s *actionsScreen) onDeleteSaved(r store.SavedRequest) {
	s.e.confirm(L("Delete saved request?"), fmt.Sprintf(L("Delete %q? This cannot be undone."), r.Name), L("Delete"), func() {
		rs := s.requests
		s.e.run("actions.delete", func() func() {
			err := rs.DeleteRequest(r.ID)
			return func() {
				if err != nil {
					s.e.showError(err)
				}
				s.refreshSaved()
			}
		})
	})
}
