package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/hub"
)

// botsPane is the Endpoint screen's Bots tab (issue 12): the bots the console serves as a
// OneBot 11 hub, with their state from the running hub, and a form to add, change, remove and
// disconnect them. Tokens and secrets are masked once saved.
type botsPane struct {
	e *env

	bots     []core.Bot
	states   map[string]hub.BotState
	list     *widget.List
	empty    *widget.Label
	selected string // id being edited; "" = a new bot

	formTitle *widget.Label
	formBox   *fyne.Container
	id        *widget.Entry
	source    *widget.Select
	mode      *widget.Select
	modeHint  *widget.Label
	url       *widget.Entry
	token     *widget.Entry
	secret    *widget.Entry
	problems  *widget.Label
	result    *widget.Label

	saveBtn       *widget.Button
	removeBtn     *widget.Button
	disconnectBtn *widget.Button
}

// defaultSourceChoice stands in the source select for "the default source".
const defaultSourceChoice = "(default)"

func newBotsPane(e *env) *botsPane {
	p := &botsPane{e: e, states: map[string]hub.BotState{}}
	p.list = widget.NewList(
		func() int { return len(p.bots) },
		func() fyne.CanvasObject { return newColumns(100, 80, 0).bold(0) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= 0 && id < len(p.bots) {
				b := p.bots[id]
				text, imp := botStateText(b, p.states[b.ID], e.deps.Runtime != nil)
				o.(*columns).set(b.ID, b.Mode, text).importance(2, imp).show()
			}
		},
	)
	p.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(p.bots) {
			p.edit(p.bots[id])
		}
	}
	p.empty = emptyListHint(L("No bots yet. A bot can connect to the endpoint's WebSocket (ws), be dialled by the console (ws-reverse), or get events as HTTP POSTs (http-post)."))
	p.formTitle = heading("")
	p.id = widget.NewEntry()
	p.id.SetPlaceHolder(exampleHint("koishi"))
	p.source = widget.NewSelect(nil, nil)
	p.mode = widget.NewSelect([]string{core.BotWS, core.BotWSReverse, core.BotHTTPPost}, func(string) { p.relayout() })
	p.modeHint = hintLabel()
	p.url = widget.NewEntry()
	p.token = secretEntry()
	p.secret = secretEntry()
	p.problems = problemsLabel()
	p.result = wrapLabel("")
	p.saveBtn = widget.NewButtonWithIcon(L("Save"), theme.DocumentSaveIcon(), p.onSave)
	p.saveBtn.Importance = widget.HighImportance
	p.removeBtn = widget.NewButtonWithIcon(L("Remove"), theme.DeleteIcon(), p.onRemove)
	p.disconnectBtn = widget.NewButtonWithIcon(L("Disconnect"), theme.CancelIcon(), p.onDisconnect)
	p.formBox = container.NewStack()
	p.newForm()
	e.listen(topicSources, p.load)
	e.listen(topicBotsTick, p.refresh)
	p.load()
	return p
}

// topicBotsTick asks the bots' states to be read again (every few seconds while shown).
const topicBotsTick = "bots.tick"

func (p *botsPane) content() fyne.CanvasObject {
	add := widget.NewButtonWithIcon(L("Add a bot"), theme.ContentAddIcon(), p.onAdd)
	right := container.NewVBox(p.formTitle, p.formBox,
		container.NewHBox(p.saveBtn, p.removeBtn, p.disconnectBtn), p.problems, p.result)
	return listFormSplit(container.NewHBox(add), p.list, p.empty, right, 0.5)
}

// botStateText says how a bot is: connected since, last event, calls; or its last error.
func botStateText(b core.Bot, st hub.BotState, running bool) (string, widget.Importance) {
	if !running {
		return L("not served (no runtime)"), widget.LowImportance
	}
	var parts []string
	imp := widget.MediumImportance
	switch {
	case st.Connections > 0:
		parts = append(parts, fmt.Sprintf(L("connected since %s"), sinceText(st.ConnectedSince)))
		imp = widget.SuccessImportance
	case b.Mode == core.BotHTTPPost:
		parts = append(parts, L("posting events"))
	default:
		parts = append(parts, L("not connected"))
		imp = widget.LowImportance
	}
	if !st.LastEvent.IsZero() {
		parts = append(parts, fmt.Sprintf(L("last event %s"), sinceText(st.LastEvent)))
	}
	parts = append(parts, fmt.Sprintf(L("%d calls"), st.Calls))
	if st.LastError != "" && st.LastErrorAt.After(st.ConnectedSince) {
		parts = append(parts, oneLine(st.LastError))
		if st.Connections == 0 {
			imp = widget.DangerImportance
		}
	}
	return strings.Join(parts, " · "), imp
}

// load reads the bots and the sources (for the select), then the states.
func (p *botsPane) load() {
	st := p.e.deps.Store
	p.e.run("bots.loaded", func() func() {
		bots, err := st.Bots()
		sources, _ := st.Sources()
		return func() {
			if err != nil {
				p.result.SetText(errorText(err))
				return
			}
			p.bots = bots
			opts := []string{L(defaultSourceChoice)}
			for _, s := range sources {
				opts = append(opts, s.ID)
			}
			sel := p.source.Selected
			p.source.Options = opts
			if sel == "" {
				sel = opts[0]
			}
			p.source.SetSelected(sel)
			showRows(p.list, p.empty, len(bots), slices.IndexFunc(bots, func(b core.Bot) bool { return b.ID == p.selected }), false)
			p.refresh()
		}
	})
}

// refresh reads the bots' states from the running hub (in memory: no need to leave the UI
// goroutine).
func (p *botsPane) refresh() {
	if rt := p.e.deps.Runtime; rt != nil {
		states := map[string]hub.BotState{}
		for _, st := range rt.Bots() {
			states[st.ID] = st
		}
		p.states = states
	}
	p.list.Refresh()
	if p.selected != "" {
		_, connected := p.states[p.selected]
		setEnabled(connected && p.states[p.selected].Connections > 0, p.disconnectBtn)
	}
}

func (p *botsPane) relayout() {
	mode := p.mode.Selected
	items := []*widget.FormItem{
		widget.NewFormItem(L("ID"), p.id),
		widget.NewFormItem(L("Source"), p.source),
		widget.NewFormItem(L("Mode"), withHint(p.mode, p.modeHint)),
	}
	listen := p.e.ep.set.Listen
	switch mode {
	case core.BotWS:
		p.modeHint.SetText(fmt.Sprintf(L("The bot connects to ws://%s/ (or /api and /event; /s/<source>/ for a named source) with its own token."), listen))
	case core.BotWSReverse:
		p.modeHint.SetText(L("The console dials the bot's WebSocket, e.g. NoneBot's ws://127.0.0.1:8080/onebot/v11/ws, sending X-Self-ID and the token as Authorization: Bearer."))
		p.url.SetPlaceHolder(exampleHint("ws://127.0.0.1:8080/onebot/v11/ws"))
		items = append(items, widget.NewFormItem(L("URL"), p.url))
	case core.BotHTTPPost:
		p.modeHint.SetText(L("The console POSTs every event to the bot's URL, signed with the secret (X-Signature); its quick replies are carried out."))
		p.url.SetPlaceHolder(exampleHint("http://127.0.0.1:5700/"))
		items = append(items, widget.NewFormItem(L("URL"), p.url))
	}
	items = append(items, widget.NewFormItem(L("Token"), p.token))
	if mode == core.BotHTTPPost {
		items = append(items, widget.NewFormItem(L("Secret"), p.secret))
	}
	p.formBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
	p.formBox.Refresh()
}

func (p *botsPane) newForm() {
	p.selected = ""
	p.formTitle.SetText(L("New bot"))
	p.id.SetText("")
	p.id.Enable()
	if len(p.source.Options) > 0 {
		p.source.SetSelectedIndex(0)
	}
	p.mode.SetSelected(core.BotWS)
	p.url.SetText("")
	showSavedSecret(p.token, nil, "", L("The bot's own token (optional)"))
	showSavedSecret(p.secret, nil, "", L("Signing secret (optional)"))
	p.problems.Hide()
	p.removeBtn.Disable()
	p.disconnectBtn.Disable()
	p.relayout()
}

func (p *botsPane) onAdd() {
	p.list.UnselectAll()
	p.newForm()
	p.result.SetText("")
	p.e.win.Canvas().Focus(p.id)
}

func (p *botsPane) find(id string) (core.Bot, bool) {
	return findByID(p.bots, id, func(b core.Bot) string { return b.ID })
}

// edit fills the form with a saved bot; its token and secret show masked, never in the entries.
func (p *botsPane) edit(b core.Bot) {
	p.selected = b.ID
	p.formTitle.SetText(fmt.Sprintf(L("Edit bot %s"), b.ID))
	p.id.SetText(b.ID)
	p.id.Disable()
	if b.Source == "" {
		p.source.SetSelectedIndex(0)
	} else {
		p.source.SetSelected(b.Source)
	}
	p.mode.SetSelected(b.Mode)
	p.url.SetText(b.URL)
	showSavedSecret(p.token, nil, b.Token, L("The bot's own token (optional)"))
	showSavedSecret(p.secret, nil, b.Secret, L("Signing secret (optional)"))
	p.problems.Hide()
	p.result.SetText("")
	p.removeBtn.Enable()
	p.relayout()
	p.refresh()
}

// formBot builds the bot the form describes and checks it with the hub's rules against the
// other bots.
func (p *botsPane) formBot() (core.Bot, error) {
	b := core.Bot{ID: strings.TrimSpace(p.id.Text), Mode: p.mode.Selected, Token: strings.TrimSpace(p.token.Text)}
	if p.source.SelectedIndex() > 0 {
		b.Source = p.source.Selected
	}
	if b.Mode != core.BotWS {
		b.URL = strings.TrimSpace(p.url.Text)
	}
	if b.Mode == core.BotHTTPPost {
		b.Secret = strings.TrimSpace(p.secret.Text)
	}
	old, editing := p.find(p.selected)
	if editing {
		if b.Token == "" {
			b.Token = old.Token
		}
		if b.Secret == "" && b.Mode == core.BotHTTPPost {
			b.Secret = old.Secret
		}
	} else if _, exists := p.find(b.ID); exists && b.ID != "" {
		return b, fmt.Errorf(L("A bot with the id %q already exists."), b.ID)
	}
	all := []core.Bot{b}
	for _, o := range p.bots {
		if o.ID != b.ID {
			all = append(all, o)
		}
	}
	if err := hub.CheckBots(all); err != nil {
		return b, err
	}
	return b, nil
}

func (p *botsPane) onSave() {
	b, err := p.formBot()
	if err != nil {
		showProblems(p.problems, errorText(err))
		return
	}
	p.problems.Hide()
	p.saveBtn.Disable()
	rt, st := p.e.deps.Runtime, p.e.deps.Store
	p.e.run("bots.saved", func() func() {
		err := st.PutBot(b)
		var reloadErr error
		if err == nil && rt != nil {
			reloadErr = rt.ReloadBots()
		}
		return func() {
			p.saveBtn.Enable()
			if err != nil {
				showProblems(p.problems, errorText(err))
				return
			}
			p.selected = b.ID
			p.token.SetText("")
			p.secret.SetText("")
			p.result.SetText(fmt.Sprintf(L("Saved %s."), b.ID))
			if reloadErr != nil {
				p.result.SetText(fmt.Sprintf(L("Saved %s, but the hub did not take it: %s"), b.ID, errorText(reloadErr)))
			}
			p.load()
			p.edit(b)
		}
	})
}

func (p *botsPane) onRemove() {
	id := p.selected
	if id == "" {
		return
	}
	p.e.confirm(L("Remove"), fmt.Sprintf(L("Remove the bot %s? Its connections are closed."), id), L("Remove"), func() {
		rt, st := p.e.deps.Runtime, p.e.deps.Store
		p.e.run("bots.removed", func() func() {
			err := st.DeleteBot(id)
			if err == nil && rt != nil {
				err = rt.ReloadBots()
			}
			return func() {
				if err != nil {
					p.e.showError(err)
					return
				}
				p.list.UnselectAll()
				p.newForm()
				p.result.SetText(fmt.Sprintf(L("Removed %s."), id))
				p.load()
			}
		})
	})
}

func (p *botsPane) onDisconnect() {
	id, rt := p.selected, p.e.deps.Runtime
	if id == "" || rt == nil {
		return
	}
	if err := rt.DisconnectBot(id); err != nil {
		p.result.SetText(errorText(err))
		return
	}
	p.result.SetText(fmt.Sprintf(L("Disconnected %s: a ws bot may connect again; remove it to keep it out."), id))
	p.refresh()
}

// botsTicker asks for the bots' states every interval while the window lives.
func botsTicker(e *env, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			e.do(func() { e.notify(topicBotsTick) })
		}
	}
}
