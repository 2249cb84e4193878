package ui

import (
	"context"
	"fmt"
	"image/color"
	"net/url"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// source status from probes and tests.
const (
	statusUnknown = iota
	statusUp
	statusDown
)

// sourcesScreen lists message sources and edits them.
type sourcesScreen struct {
	e *env

	sources  []core.Source
	status   map[string]int
	list     *widget.List
	empty    *widget.Label
	selected string // id being edited; "" = a new source

	formTitle  *widget.Label
	id         *widget.Entry
	via        *widget.Select
	url        *widget.Entry
	token      *widget.Entry
	clearToken *widget.Check
	flavor     *widget.Select
	isDefault  *widget.Check
	timeout    *widget.Entry
	problems   *widget.Label
	result     *widget.Label
	activity   *widget.Activity
	saveBtn    *widget.Button
	testBtn    *widget.Button
	removeBtn  *widget.Button
	probeBtn   *widget.Button
}

func newSourcesScreen(e *env) *sourcesScreen {
	s := &sourcesScreen{e: e, status: map[string]int{}}
	s.list = widget.NewList(
		func() int { return len(s.sources) },
		func() fyne.CanvasObject { return newSourceRow() },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= 0 && id < len(s.sources) {
				o.(*sourceRow).set(s.sources[id], s.status[s.sources[id].ID])
			}
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.sources) {
			s.edit(s.sources[id])
		}
	}
	s.empty = wrapLabel(L("No sources yet: add the OneBot 11 backend (NapCat, go-cqhttp, Lagrange, LLOneBot) you run."))
	s.empty.Alignment = fyne.TextAlignCenter
	s.empty.Hide()

	s.formTitle = heading("")
	s.id = widget.NewEntry()
	s.id.SetPlaceHolder(exampleHint("napcat"))
	vias := []string{onebot.Via}
	if e.deps.Dispatcher != nil && len(e.deps.Dispatcher.Vias()) > 0 {
		vias = e.deps.Dispatcher.Vias()
	}
	s.via = widget.NewSelect(vias, nil)
	s.url = widget.NewEntry()
	s.url.SetPlaceHolder(exampleHint("http://127.0.0.1:3000"))
	s.token = widget.NewPasswordEntry()
	// No "reveal" eye: a token is never shown in full. (nil would bring the eye back: the entry
	// adds one to any password entry without an action item.)
	s.token.ActionItem = canvas.NewRectangle(color.Transparent)
	s.clearToken = widget.NewCheck(L("Remove token"), nil)
	s.flavor = widget.NewSelect(onebot.Flavors, nil)
	s.isDefault = widget.NewCheck(L("Default source"), nil)
	s.timeout = widget.NewEntry()
	s.timeout.SetPlaceHolder(fmt.Sprintf(L("Default: %d"), int(core.DefaultTimeout/time.Second)))
	s.problems = widget.NewLabel("")
	s.problems.Wrapping = fyne.TextWrapWord
	s.problems.Importance = widget.DangerImportance
	s.problems.Hide()
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.saveBtn = widget.NewButtonWithIcon(L("Save"), theme.DocumentSaveIcon(), s.onSave)
	s.saveBtn.Importance = widget.HighImportance
	s.testBtn = widget.NewButtonWithIcon(L("Test"), theme.LoginIcon(), s.onTest)
	s.removeBtn = widget.NewButtonWithIcon(L("Remove"), theme.DeleteIcon(), s.onRemove)
	s.probeBtn = widget.NewButtonWithIcon(L("Check status"), theme.ViewRefreshIcon(), s.probe)

	s.newForm()
	e.listen(topicSources, s.load)
	s.load()
	return s
}

func (s *sourcesScreen) content() fyne.CanvasObject {
	add := widget.NewButtonWithIcon(L("Add"), theme.ContentAddIcon(), s.onAdd)
	bar := container.NewHBox(heading(L("Message sources")), add, s.probeBtn)
	left := container.NewBorder(bar, nil, nil, nil, container.NewStack(s.list, container.NewVBox(container.NewPadded(s.empty))))

	form := widget.NewForm(
		widget.NewFormItem(L("ID"), s.id),
		widget.NewFormItem(L("Via"), s.via),
		widget.NewFormItem(L("URL"), s.url),
		widget.NewFormItem(L("Token"), container.NewVBox(s.token, s.clearToken)),
		widget.NewFormItem(L("Flavor"), s.flavor),
		widget.NewFormItem(L("Timeout (seconds)"), s.timeout),
		widget.NewFormItem("", s.isDefault),
	)
	buttons := container.NewHBox(s.saveBtn, s.testBtn, s.removeBtn, s.activity)
	right := container.NewVBox(s.formTitle, form, buttons, s.problems, s.result)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.6
	return container.NewPadded(split)
}

// load reads the sources (off the UI goroutine), then probes them.
func (s *sourcesScreen) load() {
	s.e.run("sources.loaded", func() func() {
		list, err := s.e.deps.Store.Sources()
		return func() {
			if err != nil {
				s.result.SetText(errorText(err))
				return
			}
			s.sources = list
			if len(list) == 0 {
				s.empty.Show()
			} else {
				s.empty.Hide()
			}
			s.list.UnselectAll()
			for i, src := range list {
				if src.ID == s.selected {
					s.list.Select(i)
				}
			}
			s.list.Refresh()
			s.probe()
		}
	})
}

// probe checks every source (get_login_info, cached briefly by the dispatcher) in the background.
func (s *sourcesScreen) probe() {
	d := s.e.deps.Dispatcher
	if d == nil || len(s.sources) == 0 {
		return
	}
	list := append([]core.Source(nil), s.sources...)
	s.probeBtn.Disable()
	s.e.run("sources.probed", func() func() {
		ok := d.Probe(context.Background(), list)
		return func() {
			s.probeBtn.Enable()
			for i, src := range list {
				if ok[i] {
					s.status[src.ID] = statusUp
				} else {
					s.status[src.ID] = statusDown
				}
			}
			s.list.Refresh()
		}
	})
}

// newForm clears the form for a new source.
func (s *sourcesScreen) newForm() {
	s.selected = ""
	s.formTitle.SetText(L("New source"))
	s.id.SetText("")
	s.id.Enable()
	if len(s.via.Options) > 0 {
		s.via.SetSelected(s.via.Options[0])
	}
	s.url.SetText("")
	s.token.SetText("")
	s.token.SetPlaceHolder(L("Backend access token (optional)"))
	s.clearToken.SetChecked(false)
	s.clearToken.Hide()
	s.flavor.SetSelected("napcat")
	s.isDefault.SetChecked(len(s.sources) == 0)
	s.timeout.SetText("")
	s.problems.Hide()
	s.result.SetText("")
	s.testBtn.Disable()
	s.removeBtn.Disable()
}

func (s *sourcesScreen) onAdd() {
	s.list.UnselectAll()
	s.newForm()
	s.e.win.Canvas().Focus(s.id)
}

// edit fills the form with a saved source. The token is never put in the entry.
func (s *sourcesScreen) edit(src core.Source) {
	s.selected = src.ID
	s.formTitle.SetText(fmt.Sprintf(L("Edit source %s"), src.ID))
	s.id.SetText(src.ID)
	s.id.Disable()
	s.via.SetSelected(src.Via)
	s.url.SetText(maskURLSecrets(src.URL))
	s.token.SetText("")
	if src.Token != "" {
		s.token.SetPlaceHolder(fmt.Sprintf(L("Unchanged (%s): type to replace"), core.MaskedToken(src.Token)))
		s.clearToken.SetChecked(false)
		s.clearToken.Show()
	} else {
		s.token.SetPlaceHolder(L("Backend access token (optional)"))
		s.clearToken.Hide()
	}
	s.flavor.SetSelected(src.Flavor)
	s.isDefault.SetChecked(src.Default)
	if src.TimeoutMS > 0 {
		s.timeout.SetText(strconv.FormatFloat(float64(src.TimeoutMS)/1000, 'f', -1, 64))
	} else {
		s.timeout.SetText("")
	}
	s.problems.Hide()
	s.result.SetText("")
	s.testBtn.Enable()
	s.removeBtn.Enable()
}

// urlSecretMask stands in the URL entry for a password or an access_token the URL holds.
const urlSecretMask = "****"

// maskURLSecrets shows a saved URL for editing without its secrets: a password in the user
// info and an access_token in the query become ****. restoreURLSecrets puts them back on save
// unless the user typed new ones.
func maskURLSecrets(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return core.Source{URL: raw}.ShownURL()
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), urlSecretMask)
			changed = true
		}
	}
	if q := u.Query(); q.Has("access_token") {
		q.Set("access_token", urlSecretMask)
		u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(urlSecretMask), urlSecretMask)
		changed = true
	}
	if !changed {
		return raw
	}
	return u.String()
}

// restoreURLSecrets undoes maskURLSecrets for the parts still showing the mask.
func restoreURLSecrets(edited, saved string) string {
	e, err1 := url.Parse(edited)
	o, err2 := url.Parse(saved)
	if err1 != nil || err2 != nil {
		return edited
	}
	if e.User != nil && o.User != nil {
		if p, _ := e.User.Password(); p == urlSecretMask {
			if op, has := o.User.Password(); has {
				e.User = url.UserPassword(e.User.Username(), op)
			}
		}
	}
	if q := e.Query(); q.Get("access_token") == urlSecretMask {
		q.Set("access_token", o.Query().Get("access_token"))
		e.RawQuery = q.Encode()
	}
	return e.String()
}

func (s *sourcesScreen) find(id string) (core.Source, bool) {
	for _, src := range s.sources {
		if src.ID == id {
			return src, true
		}
	}
	return core.Source{}, false
}

// formSource validates the form and builds the source it describes.
func (s *sourcesScreen) formSource() (core.Source, []string) {
	var problems []string
	src := core.Source{
		ID:      strings.TrimSpace(s.id.Text),
		Via:     s.via.Selected,
		URL:     strings.TrimSpace(s.url.Text),
		Flavor:  s.flavor.Selected,
		Default: s.isDefault.Checked,
	}
	old, editing := s.find(s.selected)
	if editing {
		src.URL = restoreURLSecrets(src.URL, old.URL)
	}
	if !editing && src.ID != "" {
		if _, exists := s.find(src.ID); exists {
			problems = append(problems, fmt.Sprintf(L("A source with the id %q already exists."), src.ID))
		}
	}
	if t := strings.TrimSpace(s.timeout.Text); t != "" {
		sec, err := strconv.ParseFloat(t, 64)
		if err != nil || sec < 1 || sec > 600 {
			problems = append(problems, L("The timeout must be a number of seconds from 1 to 600."))
		} else {
			src.TimeoutMS = int(sec * 1000)
		}
	}
	switch {
	case s.token.Text != "":
		src.Token = strings.TrimSpace(s.token.Text)
	case editing && !s.clearToken.Checked:
		src.Token = old.Token
	}
	if editing {
		src.Platform = old.Platform
	}
	return src, append(sourceProblems(src), problems...)
}

func (s *sourcesScreen) onSave() {
	src, problems := s.formSource()
	if len(problems) > 0 {
		s.problems.SetText(strings.Join(problems, "\n"))
		s.problems.Show()
		return
	}
	s.problems.Hide()
	s.saveBtn.Disable()
	s.e.run("sources.saved", func() func() {
		err := s.e.deps.Store.PutSource(src)
		return func() {
			s.saveBtn.Enable()
			if err != nil {
				s.problems.SetText(errorText(err))
				s.problems.Show()
				return
			}
			s.selected = src.ID
			s.status[src.ID] = statusUnknown
			s.token.SetText("")
			s.result.SetText(fmt.Sprintf(L("Saved %s."), src.ID))
			s.e.notify(topicSources) // reloads this list and the status bar
		}
	})
}

func (s *sourcesScreen) onRemove() {
	id := s.selected
	if id == "" {
		return
	}
	s.e.confirm(L("Remove"), fmt.Sprintf(L("Remove the source %s?"), id)+"\n"+L("Its saved friend and group lists are removed too."), L("Remove"), func() {
		s.remove(id)
	})
}

func (s *sourcesScreen) remove(id string) {
	s.e.run("sources.removed", func() func() {
		err := s.e.deps.Store.DeleteSource(id)
		return func() {
			if err != nil {
				s.e.showError(err)
				return
			}
			delete(s.status, id)
			s.list.UnselectAll()
			s.newForm()
			s.result.SetText(fmt.Sprintf(L("Removed %s."), id))
			s.e.notify(topicSources)
		}
	})
}

// onTest asks the saved source who is logged in, off the UI goroutine.
func (s *sourcesScreen) onTest() {
	id := s.selected
	if id == "" {
		s.result.SetText(L("Save the source before testing it."))
		return
	}
	d := s.e.deps.Dispatcher
	if d == nil {
		s.result.Importance = widget.DangerImportance
		s.result.SetText(L("No dispatcher: sources cannot be tested."))
		return
	}
	s.testBtn.Disable()
	s.activity.Show()
	s.activity.Start()
	s.result.Importance = widget.MediumImportance
	s.result.SetText(L("Testing…"))
	s.e.run("sources.tested", func() func() {
		start := time.Now()
		var info core.LoginInfo
		_, a, err := d.SourceAdapter(id)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			info, err = a.GetLoginInfo(ctx)
			cancel()
		}
		took := time.Since(start)
		return func() {
			s.activity.Stop()
			s.activity.Hide()
			s.testBtn.Enable()
			if err != nil {
				s.status[id] = statusDown
				s.result.Importance = widget.DangerImportance
				s.result.SetText(errorText(err))
			} else {
				s.status[id] = statusUp
				s.result.Importance = widget.SuccessImportance
				userID := info.UserID
				if userID == "" {
					userID = info.UserTID
				}
				s.result.SetText(fmt.Sprintf(L("Logged in as %s (%s) in %d ms"), info.UserName, userID, took.Milliseconds()))
			}
			s.list.Refresh()
		}
	})
}

// sourceRow is one line of the sources list.
type sourceRow struct {
	widget.BaseWidget
	dot  *canvas.Circle
	cols *columns
	box  *fyne.Container
}

func newSourceRow() *sourceRow {
	r := &sourceRow{dot: canvas.NewCircle(theme.Color(theme.ColorNameDisabled))}
	r.cols = newColumns(160, 115, 0, 85, 85).bold(0)
	dotBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), r.dot))
	r.box = container.NewBorder(nil, nil, container.NewPadded(dotBox), nil, r.cols)
	r.ExtendBaseWidget(r)
	return r
}

func (r *sourceRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (r *sourceRow) set(src core.Source, status int) {
	id := src.ID
	if src.Default {
		id += " ★"
	}
	tok := core.MaskedToken(src.Token)
	if tok == "" {
		tok = L("no token")
	}
	r.cols.set(id, src.Via, src.ShownURL(), src.Flavor, tok).importance(4, widget.LowImportance).show()
	name := theme.ColorNameDisabled
	switch status {
	case statusUp:
		name = theme.ColorNameSuccess
	case statusDown:
		name = theme.ColorNameError
	}
	r.dot.FillColor = theme.Color(name)
	r.dot.Refresh()
}
