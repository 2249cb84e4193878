package ui

import (
	"context"
	"fmt"
	"image/color"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/demo"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// source status from probes and tests.
const (
	statusUnknown = iota
	statusUp
	statusDown
)

// sourcesScreen lists message sources and edits them. The form asks for what the chosen open
// layer and event link need, with a hint under each field saying where the value comes from.
type sourcesScreen struct {
	e *env

	sources  []core.Source
	status   map[string]int
	list     *widget.List
	empty    *widget.Label
	selected string // id being edited; "" = a new source

	formTitle  *widget.Label
	formBox    *fyne.Container // the form, rebuilt when the via or the event link changes
	id         *widget.Entry
	via        *widget.Select
	viaHint    *widget.Label
	url        *widget.Entry
	urlHint    *widget.Label
	token      *widget.Entry
	tokenHint  *widget.Label
	clearToken *widget.Check
	flavor     *widget.Select
	platform   *widget.Entry
	selfID     *widget.Entry
	events     *widget.Select
	linkHint   *widget.Label
	wsURL      *widget.Entry
	secret     *widget.Entry
	clearSec   *widget.Check
	heartbeat  *widget.Entry
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
				src := s.sources[id]
				o.(*sourceRow).set(src, s.e.mon.state(src.ID))
			}
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.sources) {
			s.edit(s.sources[id])
		}
	}
	s.empty = emptyListHint(L("No sources yet: add the open layer you run — a OneBot 11 backend (NapCat, go-cqhttp, Lagrange, LLOneBot), a OneBot 12 implementation or Mojo-Weixin's Openwx."))

	s.formTitle = heading("")
	s.id = widget.NewEntry()
	s.id.SetPlaceHolder(exampleHint("napcat"))
	vias := []string{onebot.Via}
	if e.deps.Dispatcher != nil && len(e.deps.Dispatcher.Vias()) > 0 {
		vias = e.deps.Dispatcher.Vias()
	}
	s.via = widget.NewSelect(vias, nil)
	s.viaHint = hintLabel()
	s.url = widget.NewEntry()
	s.url.SetPlaceHolder(exampleHint("http://127.0.0.1:3000"))
	s.urlHint = hintLabel()
	s.token = secretEntry()
	s.tokenHint = hintLabel()
	s.clearToken = widget.NewCheck(L("Remove token"), nil)
	s.flavor = widget.NewSelect(onebot.Flavors, nil)
	s.platform = widget.NewEntry()
	s.platform.SetPlaceHolder(exampleHint("qq"))
	s.selfID = widget.NewEntry()
	s.selfID.SetPlaceHolder(exampleHint("10001"))
	s.events = widget.NewSelect(nil, nil)
	s.linkHint = hintLabel()
	s.wsURL = widget.NewEntry()
	s.wsURL.SetPlaceHolder(exampleHint("ws://127.0.0.1:3001"))
	s.secret = secretEntry()
	s.clearSec = widget.NewCheck(L("Remove secret"), nil)
	s.heartbeat = widget.NewEntry()
	s.heartbeat.SetPlaceHolder(fmt.Sprintf(L("Default: %d"), 30))
	s.isDefault = widget.NewCheck(L("Default source"), nil)
	s.timeout = widget.NewEntry()
	s.timeout.SetPlaceHolder(fmt.Sprintf(L("Default: %d"), int(core.DefaultTimeout/time.Second)))
	s.problems = problemsLabel()
	s.result = wrapLabel("")
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.saveBtn = widget.NewButtonWithIcon(L("Save"), theme.DocumentSaveIcon(), s.onSave)
	s.saveBtn.Importance = widget.HighImportance
	s.testBtn = widget.NewButtonWithIcon(L("Test"), theme.LoginIcon(), s.onTest)
	s.removeBtn = widget.NewButtonWithIcon(L("Remove"), theme.DeleteIcon(), s.onRemove)
	s.probeBtn = widget.NewButtonWithIcon(L("Check status"), theme.ViewRefreshIcon(), s.probe)
	s.formBox = container.NewStack()

	s.newForm()
	s.via.OnChanged = func(string) { s.viaChanged() }
	s.events.OnChanged = func(string) { s.relayoutForm() }
	s.id.OnChanged = func(string) { s.updateHints() }
	e.listen(topicSources, s.load)
	e.listen(topicSourceStatus, s.statusChanged)
	s.load()
	return s
}

// hintLabel is the small wrapped text under a field saying where its value comes from.
func hintLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// showSavedSecret empties a secret's entry and says in its placeholder whether one is saved
// (masked: it is never put in the entry); clear, when given, is the "remove it" check, shown only
// when there is something to remove.
func showSavedSecret(en *widget.Entry, clear *widget.Check, saved, none string) {
	en.SetText("")
	if saved == "" {
		en.SetPlaceHolder(none)
		if clear != nil {
			clear.SetChecked(false)
			clear.Hide()
		}
		return
	}
	en.SetPlaceHolder(fmt.Sprintf(L("Unchanged (%s): type to replace"), core.MaskedToken(saved)))
	if clear != nil {
		clear.SetChecked(false)
		clear.Show()
	}
}

// secretEntry is a password entry without the "reveal" eye: a secret is never shown in full.
// (nil would bring the eye back: the entry adds one to any password entry without an action
// item.)
func secretEntry() *widget.Entry {
	en := widget.NewPasswordEntry()
	en.ActionItem = canvas.NewRectangle(color.Transparent)
	return en
}

func (s *sourcesScreen) content() fyne.CanvasObject {
	add := widget.NewButtonWithIcon(L("Add"), theme.ContentAddIcon(), s.onAdd)
	bar := container.NewHBox(heading(L("Message sources")), add, s.probeBtn)
	buttons := container.NewHBox(s.saveBtn, s.testBtn, s.removeBtn, s.activity)
	right := container.NewVBox(s.formTitle, s.formBox, buttons, s.problems, s.result)
	return container.NewPadded(listFormSplit(bar, s.list, s.empty, right, 0.5))
}

// withHint stacks a field and its hint.
func withHint(field fyne.CanvasObject, hint *widget.Label) fyne.CanvasObject {
	if hint.Text == "" {
		return field
	}
	return container.NewVBox(field, hint)
}

// viaChanged offers the chosen layer's event links and fields.
func (s *sourcesScreen) viaChanged() {
	links := linksOf(s.via.Selected)
	titles := make([]string, len(links))
	for i, l := range links {
		titles[i] = L(linkTitles[l])
	}
	cur := s.linkCode()
	s.events.Options = titles
	if i := indexOf(links, cur); links[i] == cur {
		s.events.SetSelectedIndex(i)
	} else {
		s.events.SetSelectedIndex(0)
	}
	s.relayoutForm()
}

// linkCode is the chosen event link (core.LinkNone … core.LinkPoll).
func (s *sourcesScreen) linkCode() string {
	for code, title := range linkTitles {
		if L(title) == s.events.Selected {
			return code
		}
	}
	return core.LinkNone
}

// relayoutForm rebuilds the form with the fields the via and the event link need, and their
// hints.
func (s *sourcesScreen) relayoutForm() {
	via, link := s.via.Selected, s.linkCode()
	s.updateHints()
	items := []*widget.FormItem{
		widget.NewFormItem(L("ID"), s.id),
		widget.NewFormItem(L("Via"), withHint(s.via, s.viaHint)),
		widget.NewFormItem(L("URL"), withHint(s.url, s.urlHint)),
		widget.NewFormItem(L("Token"), container.NewVBox(s.token, s.clearToken, s.tokenHint)),
	}
	if via == onebot.Via {
		items = append(items, widget.NewFormItem(L("Flavor"), s.flavor))
	}
	if via == onebot12.Via {
		items = append(items, widget.NewFormItem(L("Platform"), s.platform))
	}
	items = append(items, widget.NewFormItem(L("Event link"), withHint(s.events, s.linkHint)))
	if link == core.LinkWS {
		items = append(items, widget.NewFormItem(L("WebSocket URL"), s.wsURL))
	}
	if link == core.LinkHTTPPost {
		items = append(items, widget.NewFormItem(L("Secret"), container.NewVBox(s.secret, s.clearSec)))
	}
	if via == onebot12.Via || link == core.LinkWSReverse {
		items = append(items, widget.NewFormItem(L("Self ID"), s.selfID))
	}
	if link == core.LinkWS || link == core.LinkWSReverse {
		items = append(items, widget.NewFormItem(L("Heartbeat (seconds)"), s.heartbeat))
	}
	items = append(items,
		widget.NewFormItem(L("Timeout (seconds)"), s.timeout),
		widget.NewFormItem("", s.isDefault))
	s.formBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
	s.formBox.Refresh()
}

// updateHints says where each value comes from for the chosen via and link (and the id, which
// the backend's report URL names).
func (s *sourcesScreen) updateHints() {
	h := sourceHintsFor(s.via.Selected, s.linkCode(), s.e.ep.set.Listen, strings.TrimSpace(s.id.Text))
	s.viaHint.SetText(h.via)
	s.urlHint.SetText(h.url)
	s.tokenHint.SetText(h.token)
	s.linkHint.SetText(h.link)
}

// load reads the sources (off the UI goroutine), then has their status checked.
func (s *sourcesScreen) load() {
	s.e.run("sources.loaded", func() func() {
		list, err := s.e.deps.Store.Sources()
		return func() {
			if err != nil {
				s.result.SetText(errorText(err))
				return
			}
			s.sources = list
			// Selecting the saved source fills the form again: after a save it shows the
			// token and secret masked, as stored.
			showRows(s.list, s.empty, len(list), slices.IndexFunc(list, func(src core.Source) bool { return src.ID == s.selected }), true)
			s.statusChanged()
			s.probe()
		}
	})
}

// probe has every source's status checked now (the monitor also does it every interval).
func (s *sourcesScreen) probe() {
	s.e.mon.check()
}

// statusChanged copies the monitor's states into the dots.
func (s *sourcesScreen) statusChanged() {
	for _, src := range s.sources {
		s.status[src.ID] = s.e.mon.state(src.ID).status
	}
	s.list.Refresh()
}

// newForm clears the form for a new source.
func (s *sourcesScreen) newForm() {
	s.selected = ""
	s.formTitle.SetText(L("New source"))
	s.id.SetText("")
	s.id.Enable()
	if len(s.via.Options) > 0 {
		s.via.SetSelectedIndex(indexOf(s.via.Options, onebot.Via))
	}
	s.url.SetText("")
	showSavedSecret(s.token, s.clearToken, "", L("Backend access token (optional)"))
	showSavedSecret(s.secret, s.clearSec, "", L("Signing secret (optional)"))
	s.flavor.SetSelected("napcat")
	s.platform.SetText("")
	s.selfID.SetText("")
	s.wsURL.SetText("")
	s.heartbeat.SetText("")
	s.isDefault.SetChecked(len(s.sources) == 0)
	s.timeout.SetText("")
	s.problems.Hide()
	s.result.SetText("")
	s.testBtn.Disable()
	s.removeBtn.Disable()
	s.viaChanged()
	s.events.SetSelectedIndex(0)
}

func (s *sourcesScreen) onAdd() {
	s.list.UnselectAll()
	s.newForm()
	s.e.win.Canvas().Focus(s.id)
}

// edit fills the form with a saved source. The token and the secret are never put in entries.
func (s *sourcesScreen) edit(src core.Source) {
	s.selected = src.ID
	s.formTitle.SetText(fmt.Sprintf(L("Edit source %s"), src.ID))
	s.id.SetText(src.ID)
	s.id.Disable()
	s.via.SetSelected(src.Via)
	s.url.SetText(maskURLSecrets(src.URL))
	showSavedSecret(s.token, s.clearToken, src.Token, L("Backend access token (optional)"))
	showSavedSecret(s.secret, s.clearSec, src.Secret, L("Signing secret (optional)"))
	s.flavor.SetSelected(src.Flavor)
	s.platform.SetText(src.Platform)
	s.selfID.SetText(src.SelfID)
	s.wsURL.SetText(maskURLSecrets(src.WSURL))
	if src.HeartbeatMS > 0 {
		s.heartbeat.SetText(strconv.FormatFloat(float64(src.HeartbeatMS)/1000, 'f', -1, 64))
	} else {
		s.heartbeat.SetText("")
	}
	link := src.Events
	if link == "" {
		link = core.LinkNone
	}
	links := linksOf(src.Via)
	if i := indexOf(links, link); links[i] == link {
		s.events.SetSelectedIndex(i)
	}
	s.relayoutForm()
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
	return findByID(s.sources, id, func(src core.Source) string { return src.ID })
}

// formSource validates the form and builds the source it describes: only the fields the
// chosen via and event link use are kept.
func (s *sourcesScreen) formSource() (core.Source, []string) {
	var problems []string
	via, link := s.via.Selected, s.linkCode()
	src := core.Source{
		ID:      strings.TrimSpace(s.id.Text),
		Via:     via,
		URL:     strings.TrimSpace(s.url.Text),
		Default: s.isDefault.Checked,
	}
	if link != core.LinkNone {
		src.Events = link
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
	switch via {
	case onebot.Via:
		src.Flavor = s.flavor.Selected
	case onebot12.Via:
		src.Platform = strings.TrimSpace(s.platform.Text)
	case openwx.Via:
		src.Platform = openwx.Platform
	}
	if via == onebot12.Via || link == core.LinkWSReverse {
		src.SelfID = strings.TrimSpace(s.selfID.Text)
	}
	if link == core.LinkWS {
		src.WSURL = strings.TrimSpace(s.wsURL.Text)
		if editing {
			src.WSURL = restoreURLSecrets(src.WSURL, old.WSURL)
		}
		if u, err := url.Parse(src.WSURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			problems = append(problems, L("The WebSocket URL must start with ws:// or wss:// and name a host."))
		}
	}
	if link == core.LinkHTTPPost {
		switch {
		case s.secret.Text != "":
			src.Secret = strings.TrimSpace(s.secret.Text)
		case editing && !s.clearSec.Checked:
			src.Secret = old.Secret
		}
	}
	if link == core.LinkWS || link == core.LinkWSReverse {
		if t := strings.TrimSpace(s.heartbeat.Text); t != "" {
			sec, err := strconv.ParseFloat(t, 64)
			if err != nil || sec < 1 || sec > 3600 {
				problems = append(problems, L("The heartbeat must be a number of seconds from 1 to 3600."))
			} else {
				src.HeartbeatMS = int(sec * 1000)
			}
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
	if editing && via == onebot.Via {
		src.Platform = old.Platform
	}
	return src, append(sourceProblems(src, s.e.deps.Dispatcher), problems...)
}

func (s *sourcesScreen) onSave() {
	src, problems := s.formSource()
	if len(problems) > 0 {
		showProblems(s.problems, strings.Join(problems, "\n"))
		return
	}
	s.problems.Hide()
	s.saveBtn.Disable()
	s.e.run("sources.saved", func() func() {
		err := s.e.deps.Store.PutSource(src)
		return func() {
			s.saveBtn.Enable()
			if err != nil {
				showProblems(s.problems, errorText(err))
				return
			}
			s.selected = src.ID
			s.status[src.ID] = statusUnknown
			s.token.SetText("")
			s.secret.SetText("")
			s.result.SetText(fmt.Sprintf(L("Saved %s."), src.ID))
			s.e.sourcesChanged() // its event link starts (or restarts); the lists reload
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
			s.e.mon.forget(id)
			s.list.UnselectAll()
			s.newForm()
			s.result.SetText(fmt.Sprintf(L("Removed %s."), id))
			if id == demo.SourceID {
				s.e.demo.stop() // removing the demo's source removes the demo
			}
			s.e.sourcesChanged()
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
				s.e.mon.set(id, statusDown)
				s.result.Importance = widget.DangerImportance
				s.result.SetText(errorText(err))
			} else {
				s.status[id] = statusUp
				s.e.mon.set(id, statusUp)
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

// sourceRow is one entry of the sources list, on two lines: the status dot, the id and how
// it is (event link, up or down since when); below, where its actions go and its token (masked).
type sourceRow struct {
	widget.BaseWidget
	dot   *canvas.Circle
	top   *columns
	below *columns
	box   *fyne.Container
}

func newSourceRow() *sourceRow {
	r := &sourceRow{dot: canvas.NewCircle(theme.Color(theme.ColorNameDisabled))}
	r.top = newColumns(130, 0).bold(0)
	r.below = newColumns(0, 90)
	dotBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), r.dot))
	r.box = container.NewBorder(nil, nil, container.NewPadded(dotBox), nil, container.NewVBox(r.top, r.below))
	r.ExtendBaseWidget(r)
	return r
}

func (r *sourceRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (r *sourceRow) set(src core.Source, st sourceState) {
	id := src.ID
	if src.Default {
		id += " ★"
	}
	tok := core.MaskedToken(src.Token)
	if tok == "" {
		tok = L("no token")
	}
	where := src.Via + " · " + src.ShownURL()
	if strings.TrimSpace(src.URL) == "" {
		where = src.Via + " · " + L("actions over the WebSocket")
	}
	r.top.set(id, statusText(src, st)).show()
	r.below.set(where, tok).importance(0, widget.LowImportance).importance(1, widget.LowImportance).show()
	name := theme.ColorNameDisabled
	switch st.status {
	case statusUp:
		name = theme.ColorNameSuccess
		r.top.importance(1, widget.MediumImportance)
	case statusDown:
		name = theme.ColorNameError
		r.top.importance(1, widget.DangerImportance)
	default:
		r.top.importance(1, widget.LowImportance)
	}
	r.dot.FillColor = theme.Color(name)
	r.dot.Refresh()
}

// statusText says how a source is: its event link, up or down, since when.
func statusText(src core.Source, st sourceState) string {
	link := src.Events
	if link == "" {
		link = core.LinkNone
	}
	what := L(linkShort[link])
	switch st.status {
	case statusUp:
		if st.since.IsZero() {
			return fmt.Sprintf(L("%s · up"), what)
		}
		return fmt.Sprintf(L("%s · up since %s"), what, sinceText(st.since))
	case statusDown:
		if st.since.IsZero() {
			return fmt.Sprintf(L("%s · down"), what)
		}
		return fmt.Sprintf(L("%s · down since %s"), what, sinceText(st.since))
	}
	return fmt.Sprintf(L("%s · checking…"), what)
}

// sinceText is a time of today as 15:04:05, of another day with its date.
func sinceText(t time.Time) string {
	now := time.Now()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("01-02 15:04")
}
