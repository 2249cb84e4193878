package ui

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

var contextTypes = []string{core.TypePrivate, core.TypeGroup, core.TypeDiscuss}

var contextTypeTitles = map[string]string{core.TypePrivate: "Private", core.TypeGroup: "Group", core.TypeDiscuss: "Discussion"}

// targetSummary renders a context's target: "Group 123456".
func targetSummary(c core.Context) string {
	t := c.Target()
	if t.Type == "" {
		return "—"
	}
	return L(contextTypeTitles[t.Type]) + " " + t.ID
}

// contextSource is the source id a context routes to ("" for none).
func contextSource(c core.Context) string {
	id, _ := c.ConfigID()
	return id
}

// contextsScreen lists saved contexts (named send targets) and edits them.
type contextsScreen struct {
	e *env

	items    []store.NamedContext
	sources  []core.Source
	list     *widget.List
	empty    *widget.Label
	selected string // name being edited; "" = new

	formTitle *widget.Label
	name      *widget.Entry
	source    *widget.Select
	typ       *widget.Select
	id        *widget.Entry
	problems  *widget.Label
	note      *widget.Label
	saveBtn   *widget.Button
	renameBtn *widget.Button
	deleteBtn *widget.Button
	useBtn    *widget.Button
}

func newContextsScreen(e *env) *contextsScreen {
	s := &contextsScreen{e: e}
	s.list = widget.NewList(
		func() int { return len(s.items) },
		func() fyne.CanvasObject { return newContextColumns().bold(0) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.items) {
				return
			}
			nc := s.items[id]
			used := L("never used")
			if !nc.Used.IsZero() {
				used = fmt.Sprintf(L("used %s"), nc.Used.Local().Format("01-02 15:04"))
			}
			c := o.(*columns)
			c.set(nc.Name, targetSummary(nc.Context), contextSource(nc.Context), used).importance(3, widget.LowImportance).show()
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.items) {
			s.edit(s.items[id])
		}
	}
	s.empty = emptyListHint(L("No saved contexts yet: create one, or save one from a History call."))

	s.formTitle = heading("")
	s.name = widget.NewEntry()
	s.name.SetPlaceHolder(L("e.g. Test group"))
	s.source = widget.NewSelect(nil, func(string) { s.updateIDLabel() })
	s.typ = widget.NewSelect(translate([]string{"Private", "Group", "Discussion"}), func(string) { s.updateIDLabel() })
	s.id = widget.NewEntry()
	s.problems = problemsLabel()
	s.note = wrapLabel("")
	s.saveBtn = widget.NewButtonWithIcon(L("Save"), theme.DocumentSaveIcon(), s.onSave)
	s.saveBtn.Importance = widget.HighImportance
	s.renameBtn = widget.NewButtonWithIcon(L("Rename…"), theme.DocumentCreateIcon(), s.onRename)
	s.deleteBtn = widget.NewButtonWithIcon(L("Delete"), theme.DeleteIcon(), s.onDelete)
	s.useBtn = widget.NewButtonWithIcon(L("Use in Compose"), theme.MailComposeIcon(), s.onUse)

	s.newForm()
	e.listen(topicContexts, s.load)
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	s.load()
	return s
}

func (s *contextsScreen) content() fyne.CanvasObject {
	add := widget.NewButtonWithIcon(L("New"), theme.ContentAddIcon(), func() {
		s.list.UnselectAll()
		s.newForm()
		s.e.win.Canvas().Focus(s.name)
	})
	bar := container.NewHBox(heading(L("Saved contexts")), add)
	header := newContextColumns()
	header.set(contextTitles()...).bold(-1).show()
	form := widget.NewForm(
		widget.NewFormItem(L("Name"), s.name),
		widget.NewFormItem(L("Source"), s.source),
		widget.NewFormItem(L("Type"), s.typ),
		widget.NewFormItem("ID", s.id),
	)
	buttons := container.NewHBox(s.saveBtn, s.useBtn, s.renameBtn, s.deleteBtn)
	right := container.NewVBox(s.formTitle, form, buttons, s.problems, s.note)
	return container.NewPadded(listFormSplit(container.NewVBox(bar, header), s.list, s.empty, right, 0.58))
}

func (s *contextsScreen) load() {
	s.e.run("contexts.loaded", func() func() {
		list, err := s.e.deps.Store.Contexts()
		return func() {
			if err != nil {
				s.note.SetText(errorText(err))
				return
			}
			s.items = list
			at := slices.IndexFunc(list, func(nc store.NamedContext) bool { return nc.Name == s.selected })
			showRows(s.list, s.empty, len(list), at, false)
		}
	})
}

func (s *contextsScreen) loadSources() {
	s.e.run("contexts.sources", func() func() {
		list, err := s.e.deps.Store.Sources()
		return func() {
			if err != nil {
				s.note.SetText(fmt.Sprintf(L("Cannot read the message sources: %s"), errorText(err)))
				return
			}
			s.sources = list
			sel := s.source.Selected
			opts := make([]string, len(list))
			def := ""
			for i, src := range list {
				opts[i] = src.ID
				if i == 0 || src.Default {
					def = src.ID
				}
			}
			s.source.Options = opts
			if sel == "" || !slices.Contains(opts, sel) {
				sel = def
			}
			s.source.Selected = sel
			s.source.Refresh()
			s.updateIDLabel()
		}
	})
}

// selectSource picks the source id in the form, offering it even when it is no longer stored
// (the context still names it); "" leaves the choice as it is.
func (s *contextsScreen) selectSource(id string) {
	if id == "" {
		return
	}
	if !slices.Contains(s.source.Options, id) {
		s.source.Options = append(s.source.Options, id)
	}
	s.source.SetSelected(id)
}

func (s *contextsScreen) typeValue() string {
	if i := s.typ.SelectedIndex(); i >= 0 && i < len(contextTypes) {
		return contextTypes[i]
	}
	return ""
}

func (s *contextsScreen) setType(t string) {
	for i, v := range contextTypes {
		if v == t {
			s.typ.SetSelectedIndex(i)
			return
		}
	}
	s.typ.ClearSelected()
}

// updateIDLabel names the id the type needs.
func (s *contextsScreen) updateIDLabel() {
	switch s.typeValue() {
	case core.TypePrivate:
		s.id.SetPlaceHolder(L("User ID"))
	case core.TypeDiscuss:
		s.id.SetPlaceHolder(L("Discussion ID"))
	default:
		s.id.SetPlaceHolder(L("Group ID"))
	}
}

func (s *contextsScreen) newForm() {
	s.selected = ""
	s.formTitle.SetText(L("New context"))
	s.name.SetText("")
	s.setType(core.TypeGroup)
	s.id.SetText("")
	s.problems.Hide()
	s.note.SetText("")
	s.renameBtn.Disable()
	s.deleteBtn.Disable()
	s.useBtn.Disable()
}

func (s *contextsScreen) edit(nc store.NamedContext) {
	s.selected = nc.Name
	s.formTitle.SetText(fmt.Sprintf(L("Edit context %s"), nc.Name))
	s.name.SetText(nc.Name)
	s.selectSource(contextSource(nc.Context))
	t := nc.Context.Target()
	s.setType(t.Type)
	s.id.SetText(t.ID)
	s.problems.Hide()
	s.note.SetText("")
	s.editing(nc.Name, t.Type)
}

// editing titles the form for the saved context name and enables its buttons. Compose cannot
// use a discussion context (OneBot 11 has no discussion groups to send to).
func (s *contextsScreen) editing(name, typ string) {
	s.formTitle.SetText(fmt.Sprintf(L("Edit context %s"), name))
	s.renameBtn.Enable()
	s.deleteBtn.Enable()
	if typ == core.TypeDiscuss {
		s.useBtn.Disable()
		s.note.SetText(L("Compose sends to private or group chats."))
	} else {
		s.useBtn.Enable()
	}
}

// prefillFromHistory starts a new context from a history call's source and target.
func (s *contextsScreen) prefillFromHistory(rec core.HistoryRecord) {
	s.list.UnselectAll()
	s.newForm()
	c, ok := contextFromTarget(rec.Target)
	if ok {
		t := c.Target()
		s.setType(t.Type)
		s.id.SetText(t.ID)
		s.name.SetText(targetSummary(c))
	}
	s.selectSource(rec.Source)
	s.note.SetText(fmt.Sprintf(L("From history call #%d: name it and save."), rec.Seq))
	s.e.win.Canvas().Focus(s.name)
}

// formContext validates the form and builds the context it describes.
func (s *contextsScreen) formContext() (string, core.Context, []string) {
	var problems []string
	name := strings.TrimSpace(s.name.Text)
	if name == "" {
		problems = append(problems, L("A name is required."))
	} else if s.selected == "" || name != s.selected {
		for _, nc := range s.items {
			if nc.Name == name {
				problems = append(problems, fmt.Sprintf(L("A context named %q already exists."), name))
				break
			}
		}
	}
	var src core.Source
	found := false
	for _, x := range s.sources {
		if x.ID == s.source.Selected {
			src, found = x, true
		}
	}
	if !found {
		problems = append(problems, L("Choose a message source (add one on the Sources screen first)."))
	}
	typ := s.typeValue()
	if typ == "" {
		problems = append(problems, L("Choose a type."))
	}
	id := strings.TrimSpace(s.id.Text)
	switch {
	case id == "":
		problems = append(problems, L("An id is required."))
	case strings.IndexFunc(id, unicode.IsSpace) >= 0:
		problems = append(problems, L("The id must not contain spaces."))
	case numericIDs(src.Via) && !core.IsDigits(id):
		problems = append(problems, L("The id must be a number for this source."))
	}
	if len(problems) > 0 {
		return name, core.Context{}, problems
	}
	c := src.ContextOf()
	c.Type = typ
	switch typ {
	case core.TypePrivate:
		c.UserID = core.ID(id)
	case core.TypeGroup:
		c.GroupID = core.ID(id)
	case core.TypeDiscuss:
		c.DiscussID = core.ID(id)
	}
	return name, c, nil
}

// onSave creates a context, or updates the selected one (a changed name renames it).
func (s *contextsScreen) onSave() {
	name, c, problems := s.formContext()
	if len(problems) > 0 {
		showProblems(s.problems, strings.Join(problems, "\n"))
		return
	}
	s.problems.Hide()
	old := s.selected
	s.saveBtn.Disable()
	s.e.run("contexts.saved", func() func() {
		var err error
		if old != "" && old != name {
			err = s.e.deps.Store.RenameContext(old, name)
		}
		if err == nil {
			err = s.e.deps.Store.PutContext(name, c)
		}
		return func() {
			s.saveBtn.Enable()
			if err != nil {
				showProblems(s.problems, errorText(err))
				return
			}
			s.selected = name
			s.note.SetText(fmt.Sprintf(L("Saved %s."), name))
			s.editing(name, c.Target().Type)
			s.e.notify(topicContexts)
		}
	})
}

func (s *contextsScreen) onRename() {
	old := s.selected
	if old == "" {
		return
	}
	entry := widget.NewEntry()
	entry.SetText(old)
	s.e.showForm(L("Rename"), L("Rename"), []*widget.FormItem{widget.NewFormItem(L("New name"), entry)}, 420, func(ok bool) {
		if ok {
			s.rename(old, strings.TrimSpace(entry.Text))
		}
	})
}

func (s *contextsScreen) rename(old, name string) {
	if name == "" {
		showProblems(s.problems, L("A name is required."))
		return
	}
	s.e.run("contexts.renamed", func() func() {
		err := s.e.deps.Store.RenameContext(old, name)
		return func() {
			if err != nil {
				showProblems(s.problems, errorText(err))
				return
			}
			s.problems.Hide()
			s.selected = name
			s.formTitle.SetText(fmt.Sprintf(L("Edit context %s"), name))
			s.name.SetText(name)
			s.note.SetText(fmt.Sprintf(L("Renamed to %s."), name))
			s.e.notify(topicContexts)
		}
	})
}

func (s *contextsScreen) onDelete() {
	name := s.selected
	if name == "" {
		return
	}
	s.e.confirm(L("Delete"), fmt.Sprintf(L("Delete the context %s?"), name), L("Delete"), func() {
		s.e.run("contexts.deleted", func() func() {
			err := s.e.deps.Store.DeleteContext(name)
			return func() {
				if err != nil {
					s.e.showError(err)
					return
				}
				s.list.UnselectAll()
				s.newForm()
				s.note.SetText(fmt.Sprintf(L("Deleted %s."), name))
				s.e.notify(topicContexts)
			}
		})
	})
}

// onUse hands the selected context to Compose and marks it used.
func (s *contextsScreen) onUse() {
	var nc *store.NamedContext
	for i := range s.items {
		if s.items[i].Name == s.selected {
			nc = &s.items[i]
		}
	}
	if nc == nil || nc.Context.Target().Type == core.TypeDiscuss {
		return
	}
	name, c := nc.Name, nc.Context
	s.e.run("contexts.touched", func() func() {
		if err := s.e.deps.Store.TouchContext(name); err != nil {
			return func() {
				s.note.SetText(fmt.Sprintf(L("Cannot mark %s as used: %s"), name, errorText(err)))
			}
		}
		return func() { s.e.notify(topicContexts) }
	})
	s.e.useContext(c)
}

func newContextColumns() *columns {
	return newColumns(0, 150, 130, 170).titled(contextTitles()...)
}

// contextTitles are the list's headers (the last column, when it was used, has none).
func contextTitles() []string { return append(translate([]string{"Name", "Target", "Source"}), "") }
