package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/store"
)

// maxCallLog bounds the live log of endpoint calls.
const maxCallLog = 500

// endpointRunner owns the local endpoint, its settings and its call log. It outlives the
// screens (a language switch rebuilds them); its fields are touched on the UI goroutine only.
type endpointRunner struct {
	e    *env
	srv  Endpoint
	addr string // where it listens; "" when stopped
	busy bool   // starting or stopping
	// set is the stored settings (listen, root, token, rate, origins, metrics, post URLs…),
	// saved whole on every change.
	set core.EndpointSettings
	// started is the settings the running runtime was started with (metrics, post URLs):
	// the screen says when the stored ones differ.
	started core.EndpointSettings
	log     []endpoint.CallLog // oldest first, at most maxCallLog

	pendMu   sync.Mutex
	pending  []endpoint.CallLog // calls not yet handed to the UI goroutine
	flushing bool
	lastErr  string
}

func newEndpointRunner(e *env) *endpointRunner {
	r := &endpointRunner{e: e}
	// Read once at start-up, before the window shows.
	set, err := e.deps.Store.EndpointSettings()
	if err != nil {
		fyne.LogError("read endpoint settings", err)
		r.lastErr = errorText(err)
	}
	if set.Listen == "" {
		set.Listen = e.deps.EndpointDefaults.Listen
	}
	if set.Listen == "" {
		set.Listen = endpoint.DefaultListen
	}
	if set.Root == "" {
		set.Root = e.deps.EndpointDefaults.Root
	}
	if set.Root == "" {
		set.Root = "/"
	}
	r.set, r.started = set, set
	return r
}

// autoStarts tells whether the endpoint starts with the app when it was running (on by default).
func (r *endpointRunner) autoStarts() bool { return r.set.AutoStart == nil || *r.set.AutoStart }

// autoStart starts the endpoint when it was running when the app closed and the setting says so.
func (r *endpointRunner) autoStart() {
	if r.set.Running && r.autoStarts() {
		r.start()
	}
}

// save stores the settings (in the background; errors are shown).
func (r *endpointRunner) save() {
	set := r.set
	set.AllowOrigins = append([]string(nil), set.AllowOrigins...)
	set.PostURLs = append([]string(nil), set.PostURLs...)
	r.e.run("endpoint.saved", func() func() {
		if err := r.e.deps.Store.PutEndpointSettings(set); err != nil {
			return func() { r.e.showError(fmt.Errorf(L("Cannot save the endpoint settings: %v"), errorText(err))) }
		}
		return nil
	})
}

// address is where the endpoint listens ("" when stopped).
func (r *endpointRunner) address() string { return r.addr }

func (r *endpointRunner) options() endpoint.Options {
	return endpoint.Options{Listen: r.set.Listen, Root: r.set.Root, Token: r.set.Token, RateLimit: r.set.Rate,
		AllowOrigins: append([]string(nil), r.set.AllowOrigins...), OnCall: r.onCall}
}

// start starts the endpoint with the current options (from the UI goroutine).
func (r *endpointRunner) start() {
	if r.busy || r.srv != nil {
		return
	}
	r.busy, r.lastErr = true, ""
	r.e.notify(topicEndpoint)
	opts := r.options()
	r.e.run("endpoint.start", func() func() {
		srv, err := r.e.deps.newEndpoint(opts)
		if err == nil {
			err = srv.Start()
		}
		return func() {
			r.busy = false
			if err != nil {
				r.lastErr = errorText(err)
			} else {
				r.srv, r.addr = srv, srv.Addr()
				if !r.set.Running {
					r.set.Running = true // starts again with the app
					r.save()
				}
			}
			r.e.notify(topicEndpoint)
		}
	})
}

// stop shuts the endpoint down, letting calls in flight finish (from the UI goroutine).
func (r *endpointRunner) stop() {
	if r.busy || r.srv == nil {
		return
	}
	srv := r.srv
	r.busy, r.lastErr = true, ""
	r.set.Running = false // the operator stopped it: it stays stopped next time
	r.save()
	r.e.notify(topicEndpoint)
	r.e.run("endpoint.stop", func() func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := srv.Shutdown(ctx)
		cancel()
		return func() {
			r.busy = false
			r.srv, r.addr = nil, ""
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				r.lastErr = errorText(err)
			}
			r.e.notify(topicEndpoint)
		}
	})
}

// stopNow shuts the endpoint down synchronously (the window is closing).
func (r *endpointRunner) stopNow(ctx context.Context) {
	if r.srv != nil {
		_ = r.srv.Shutdown(ctx)
		r.srv, r.addr = nil, ""
	}
}

// onCall is the endpoint's OnCall: it runs on a handler goroutine. Calls are queued and
// handed to the UI goroutine in batches, so a burst of calls costs one repaint.
func (r *endpointRunner) onCall(c endpoint.CallLog) {
	r.pendMu.Lock()
	r.pending = append(r.pending, c)
	if len(r.pending) > maxCallLog {
		r.pending = r.pending[len(r.pending)-maxCallLog:]
	}
	schedule := !r.flushing
	r.flushing = true
	r.pendMu.Unlock()
	if schedule {
		r.e.do(r.flush)
	}
}

// flush moves queued calls into the log (on the UI goroutine).
func (r *endpointRunner) flush() {
	r.pendMu.Lock()
	batch := r.pending
	r.pending, r.flushing = nil, false
	r.pendMu.Unlock()
	r.appendLog(batch...)
	r.e.notify("endpoint.log")
	r.e.notify(topicHistory)
	r.e.event("endpoint.call")
}

// appendLog adds calls to the log, keeping the last maxCallLog.
func (r *endpointRunner) appendLog(calls ...endpoint.CallLog) {
	r.log = append(r.log, calls...)
	if over := len(r.log) - maxCallLog; over > 0 {
		n := copy(r.log, r.log[over:])
		clear(r.log[n:])
		r.log = r.log[:n]
	}
}

// routes lists the routes with curl examples for where the endpoint listens (or would); err
// says why there are none when an endpoint cannot be built with the current options.
func (r *endpointRunner) routes() ([]endpoint.Route, error) {
	var routes []endpoint.Route
	var err error
	if r.srv != nil {
		routes = r.srv.Routes()
	} else {
		var srv Endpoint
		if srv, err = r.e.deps.newEndpoint(r.options()); err == nil {
			routes = srv.Routes()
		}
	}
	out := make([]endpoint.Route, len(routes))
	for i, rt := range routes {
		if r.addr != "" && r.addr != r.set.Listen {
			rt.Curl = strings.ReplaceAll(rt.Curl, "http://"+r.set.Listen, "http://"+r.addr)
		}
		if r.set.Token != "" {
			rt.Curl = strings.ReplaceAll(rt.Curl, r.set.Token, "$TOKEN") // never show it
		}
		out[i] = rt
	}
	return out, err
}

// endpointScreen shows and controls the local endpoint: its state and Start/Stop on top, then
// tabs for its settings, its routes, the calls it took and the bots it serves.
type endpointScreen struct {
	e *env
	r *endpointRunner

	listen     *widget.Entry
	root       *widget.Entry
	token      *widget.Label
	tokenTip   *widget.Label
	genBtn     *widget.Button
	copyBtn    *widget.Button
	clearBtn   *widget.Button
	rate       *widget.Entry
	origins    *widget.Entry
	metrics    *widget.Check
	postURLs   *widget.Entry
	postSecret *widget.Entry
	autoStart  *widget.Check
	restartTip *widget.Label
	saveBtn    *widget.Button
	startBtn   *widget.Button
	stopBtn    *widget.Button
	status     *widget.Label
	errLabel   *widget.Label
	activity   *widget.Activity
	notice     *widget.Label

	routes   []endpoint.Route
	routeBox *fyne.Container
	logList  *widget.List
	logEmpty *widget.Label
	bots     *botsPane
	tabs     *container.AppTabs
}

func newEndpointScreen(e *env) *endpointScreen {
	s := &endpointScreen{e: e, r: e.ep}
	set := s.r.set
	s.listen = widget.NewEntry()
	s.listen.SetText(set.Listen)
	s.listen.SetPlaceHolder(fmt.Sprintf(L("Default: %s"), endpoint.DefaultListen))
	s.root = widget.NewEntry()
	s.root.SetText(set.Root)
	s.root.SetPlaceHolder(fmt.Sprintf(L("Default: %s"), "/"))
	s.token = widget.NewLabel("")
	s.token.TextStyle = fyne.TextStyle{Monospace: true}
	s.tokenTip = hintLabel()
	s.genBtn = widget.NewButtonWithIcon(L("Generate"), theme.ViewRefreshIcon(), s.onGenerate)
	s.copyBtn = widget.NewButtonWithIcon(L("Copy"), theme.ContentCopyIcon(), s.onCopyToken)
	s.clearBtn = widget.NewButtonWithIcon(L("Clear"), theme.ContentClearIcon(), s.onClearToken)
	s.rate = widget.NewEntry()
	s.rate.SetPlaceHolder(L("Unlimited"))
	if set.Rate > 0 {
		s.rate.SetText(strconv.FormatFloat(set.Rate, 'f', -1, 64))
	}
	s.origins = widget.NewMultiLineEntry()
	s.origins.SetMinRowsVisible(2)
	s.origins.SetPlaceHolder(L("One origin a line, e.g. http://localhost:8080 (none: no CORS)"))
	s.origins.SetText(strings.Join(set.AllowOrigins, "\n"))
	s.metrics = widget.NewCheck(L("Serve GET /metrics (Prometheus, behind the token)"), nil)
	s.metrics.SetChecked(set.Metrics)
	s.postURLs = widget.NewMultiLineEntry()
	s.postURLs.SetMinRowsVisible(2)
	s.postURLs.SetPlaceHolder(L("One URL a line: every event is POSTed to each, in order"))
	s.postURLs.SetText(strings.Join(set.PostURLs, "\n"))
	s.postSecret = secretEntry()
	s.autoStart = widget.NewCheck(L("Start with the app when it was running"), nil)
	s.autoStart.SetChecked(s.r.autoStarts())
	s.restartTip = hintLabel()
	s.saveBtn = widget.NewButtonWithIcon(L("Save settings"), theme.DocumentSaveIcon(), s.onSave)
	s.startBtn = widget.NewButtonWithIcon(L("Start"), theme.MediaPlayIcon(), s.onStart)
	s.startBtn.Importance = widget.HighImportance
	s.stopBtn = widget.NewButtonWithIcon(L("Stop"), theme.MediaStopIcon(), s.onStop)
	s.status = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.errLabel = widget.NewLabel("")
	s.errLabel.Wrapping = fyne.TextWrapWord
	s.errLabel.Importance = widget.DangerImportance
	s.activity = widget.NewActivity()
	s.notice = widget.NewLabel("")
	s.notice.Importance = widget.LowImportance
	s.notice.Hide()

	s.routeBox = container.NewVBox()
	s.logEmpty = widget.NewLabel(L("No calls yet."))
	s.logEmpty.Importance = widget.LowImportance
	s.logList = widget.NewList(
		func() int { return len(s.r.log) },
		func() fyne.CanvasObject {
			return newEndpointLogColumns()
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			n := len(s.r.log)
			if id < 0 || id >= n {
				return
			}
			c := s.r.log[n-1-id]
			cols := o.(*columns)
			target := c.Target
			// c.Error is a code, or the backend's words on the Ark route
			outcome, imp := outcomeLabel(c.Outcome, c.Error)
			if c.Status >= 400 && imp == widget.SuccessImportance {
				imp = widget.DangerImportance
			}
			cols.set(c.Time.Format("15:04:05"), fmt.Sprint(c.Status), c.Method+" "+c.Path, c.Action, c.Source, target,
				fmt.Sprintf(L("%d ms"), c.Latency.Milliseconds()), outcome)
			cols.importance(1, imp)
			if imp != widget.SuccessImportance {
				cols.importance(7, imp)
			}
			cols.show()
		},
	)
	s.logList.OnSelected = func(id widget.ListItemID) {
		s.logList.Unselect(id)
		n := len(s.r.log)
		if id >= 0 && id < n {
			s.openCall(s.r.log[n-1-id])
		}
	}
	s.bots = newBotsPane(e)
	e.listen(topicEndpoint, s.refresh)
	e.listen("endpoint.log", s.refreshLog)
	s.refresh()
	s.refreshLog()
	return s
}

func (s *endpointScreen) content() fyne.CanvasObject {
	tokenRow := container.NewBorder(nil, nil, nil, container.NewHBox(s.genBtn, s.copyBtn, s.clearBtn), s.token)
	form := widget.NewForm(
		widget.NewFormItem(L("Listen address"), s.listen),
		widget.NewFormItem(L("API root"), s.root),
		widget.NewFormItem(L("Token"), container.NewVBox(tokenRow, s.tokenTip)),
		widget.NewFormItem(L("Calls per second"), s.rate),
		widget.NewFormItem(L("Allowed origins"), s.origins),
		widget.NewFormItem(L("Event POST URLs"), s.postURLs),
		widget.NewFormItem(L("POST secret"), s.postSecret),
		widget.NewFormItem("", container.NewVBox(s.metrics, s.restartTip)),
		widget.NewFormItem("", s.autoStart),
	)
	settings := container.NewVScroll(container.NewPadded(container.NewVBox(form, container.NewHBox(s.saveBtn))))

	routes := container.NewVScroll(container.NewPadded(s.routeBox))
	logHeader := newEndpointLogColumns()
	logHeader.set(endpointLogTitles()...).bold(-1).show()
	logPane := container.NewBorder(container.NewVBox(hintLabelText(L("The last 500 calls; click one for its history detail.")), logHeader), nil, nil, nil,
		container.NewStack(s.logList, container.NewCenter(s.logEmpty)))

	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(L("Settings"), theme.SettingsIcon(), settings),
		container.NewTabItemWithIcon(L("Routes"), theme.ListIcon(), routes),
		container.NewTabItemWithIcon(L("Calls"), theme.HistoryIcon(), logPane),
		container.NewTabItemWithIcon(L("Bots"), theme.AccountIcon(), s.bots.content()),
	)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == s.tabs.Items[3].Content {
			s.bots.refresh()
		}
	}
	controls := container.NewHBox(heading(L("Local endpoint")), s.startBtn, s.stopBtn, s.activity, s.status)
	top := container.NewVBox(controls, s.errLabel, s.notice)
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, s.tabs))
}

// shown refreshes the bots' states.
func (s *endpointScreen) shown() { s.bots.refresh() }

// hintLabelText is a hint label with a text.
func hintLabelText(text string) *widget.Label {
	l := hintLabel()
	l.SetText(text)
	return l
}

// refresh shows the runner's state.
func (s *endpointScreen) refresh() {
	r := s.r
	running := r.srv != nil
	switch {
	case r.busy && running:
		s.status.SetText(L("Stopping…"))
	case r.busy:
		s.status.SetText(L("Starting…"))
	case running:
		s.status.SetText(fmt.Sprintf(L("Listening on %s"), "http://"+r.addr))
	default:
		s.status.SetText(L("Stopped"))
	}
	if r.busy {
		s.activity.Show()
		s.activity.Start()
	} else {
		s.activity.Stop()
		s.activity.Hide()
	}
	setEnabled(!running && !r.busy, s.listen, s.root, s.genBtn, s.clearBtn, s.startBtn, s.rate, s.origins)
	setEnabled(running && !r.busy, s.stopBtn)
	setEnabled(r.set.Token != "", s.copyBtn, s.clearBtn)
	if running || r.busy {
		s.clearBtn.Disable()
	}
	if r.lastErr != "" {
		s.errLabel.SetText(r.lastErr)
		s.errLabel.Show()
	} else {
		s.errLabel.SetText("")
		s.errLabel.Hide()
	}
	if r.set.Token == "" {
		s.token.SetText("—")
		s.tokenTip.SetText(L("No token: only programs on this computer should reach a loopback address."))
	} else {
		s.token.SetText(core.MaskedToken(r.set.Token))
		s.tokenTip.SetText(L("Bots send it as: Authorization: Bearer <token>"))
	}
	showSavedSecret(s.postSecret, nil, r.set.PostSecret, L("Signing secret (optional)"))
	if r.set.Metrics != r.started.Metrics || !slices.Equal(r.set.PostURLs, r.started.PostURLs) || r.set.PostSecret != r.started.PostSecret {
		s.restartTip.SetText(L("/metrics and the event POST URLs change when the app starts again."))
	} else {
		s.restartTip.SetText(L("/metrics is off by default; the event POST URLs get every event, signed with the secret (X-Signature)."))
	}
	s.refreshRoutes()
}

func (s *endpointScreen) refreshRoutes() {
	routes, err := s.r.routes()
	s.routes = routes
	objs := []fyne.CanvasObject{}
	if err != nil {
		msg := wrapLabel(fmt.Sprintf(L("Cannot list the routes: %s"), errorText(err)))
		msg.Importance = widget.DangerImportance
		objs = append(objs, msg)
	}
	if s.r.set.Token != "" {
		tip := widget.NewLabel(L("Examples use $TOKEN: export TOKEN=<your token>"))
		tip.Importance = widget.LowImportance
		objs = append(objs, tip)
	}
	for _, rt := range s.routes {
		rt := rt
		title := widget.NewLabelWithStyle(rt.Method+" "+rt.Path, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		desc := widget.NewLabel(L(rt.Description))
		desc.Truncation = fyne.TextTruncateEllipsis
		curl := widget.NewLabelWithStyle(rt.Curl, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		curl.Wrapping = fyne.TextWrapBreak
		cp := widget.NewButtonWithIcon(L("Copy"), theme.ContentCopyIcon(), func() {
			s.e.app.Clipboard().SetContent(rt.Curl)
			s.setNotice(L("Copied to the clipboard"))
		})
		objs = append(objs, container.NewBorder(nil, nil, title, nil, desc),
			container.NewBorder(nil, nil, nil, container.NewVBox(cp), curl), widget.NewSeparator())
	}
	s.routeBox.Objects = objs
	s.routeBox.Refresh()
}

func (s *endpointScreen) refreshLog() {
	if len(s.r.log) == 0 {
		s.logEmpty.Show()
	} else {
		s.logEmpty.Hide()
	}
	s.logList.Refresh()
}

// setNotice shows a short note under the controls ("" hides it).
func (s *endpointScreen) setNotice(msg string) {
	s.notice.SetText(msg)
	if msg == "" {
		s.notice.Hide()
	} else {
		s.notice.Show()
	}
}

// lines splits a multi-line entry into its non-empty trimmed lines.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// applyFields checks the edited settings, copies them into the runner and saves them.
func (s *endpointScreen) applyFields() error {
	set := s.r.set
	set.Listen = strings.TrimSpace(s.listen.Text)
	set.Root = strings.TrimSpace(s.root.Text)
	if set.Listen == "" {
		return errors.New(L("The listen address is empty."))
	}
	if set.Root == "" {
		set.Root = "/"
	}
	set.Rate = 0
	if t := strings.TrimSpace(s.rate.Text); t != "" {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v < 0 || v > 100000 {
			return errors.New(L("Calls per second must be a number from 0 (unlimited) to 100000."))
		}
		set.Rate = v
	}
	set.AllowOrigins = lines(s.origins.Text)
	for _, o := range set.AllowOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			return fmt.Errorf(L("%q is not an origin (scheme://host[:port], or *)."), o)
		}
	}
	set.PostURLs = lines(s.postURLs.Text)
	for _, p := range set.PostURLs {
		if u, err := url.Parse(p); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf(L("%q is not an http:// or https:// URL."), core.Source{URL: p}.ShownURL())
		}
	}
	if t := strings.TrimSpace(s.postSecret.Text); t != "" {
		set.PostSecret = t
	}
	set.Metrics = s.metrics.Checked
	auto := s.autoStart.Checked
	set.AutoStart = &auto
	s.r.set = set
	s.r.save()
	return nil
}

func (s *endpointScreen) onSave() {
	if err := s.applyFields(); err != nil {
		s.r.lastErr = errorText(err)
		s.refresh()
		return
	}
	s.r.lastErr = ""
	s.setNotice(L("Saved."))
	s.refresh()
}

func (s *endpointScreen) onStart() {
	if err := s.applyFields(); err != nil {
		s.r.lastErr = errorText(err)
		s.refresh()
		return
	}
	s.setNotice("")
	s.r.start()
}

func (s *endpointScreen) onStop() {
	s.r.stop()
}

func (s *endpointScreen) onGenerate() {
	set := func() {
		s.r.set.Token = endpoint.GenerateToken()
		s.r.save()
		s.refresh()
	}
	if s.r.set.Token == "" {
		set()
		return
	}
	s.e.confirm(L("New token"), L("Save the new token? Bots using the old one will be refused."), L("Generate"), set)
}

func (s *endpointScreen) onCopyToken() {
	if s.r.set.Token == "" {
		return
	}
	s.e.app.Clipboard().SetContent(s.r.set.Token)
	s.setNotice(L("Token copied to the clipboard"))
}

func (s *endpointScreen) onClearToken() {
	s.e.confirm(L("Token"), L("Remove the token? Anyone who can reach the endpoint can then send messages."), L("Remove token"), func() {
		s.r.set.Token = ""
		s.r.save()
		s.refresh()
	})
}

// openCall opens the history row of a logged call: the newest row of its source and action
// written during the call, in History's detail.
func (s *endpointScreen) openCall(c endpoint.CallLog) {
	if c.Action == "" {
		s.setNotice(L("This call was refused before it reached an action: it has no history row."))
		return
	}
	st := s.e.deps.Store
	s.e.run("endpoint.opencall", func() func() {
		rows, err := st.HistoryPage(0, 200, store.HistoryFilter{Source: c.Source, Action: c.Action})
		var found *core.HistoryRecord
		// The row is written during the call; the log's time may be its start or its end.
		from, to := c.Time.Add(-c.Latency-2*time.Second), c.Time.Add(c.Latency+2*time.Second)
		for i := range rows {
			if !rows[i].Time.After(to) && !rows[i].Time.Before(from) {
				found = &rows[i]
				break
			}
		}
		return func() {
			switch {
			case err != nil:
				s.setNotice(errorText(err))
			case found == nil:
				s.setNotice(L("No history row matches this call (it may have been refused before it ran)."))
			default:
				s.showCallDetail(*found)
			}
		}
	})
}

// setEnabled enables or disables widgets together.
func setEnabled(on bool, ws ...fyne.Disableable) {
	for _, w := range ws {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

func newEndpointLogColumns() *columns {
	return newColumns(80, 52, 150, 190, 130, 140, 70, 0).titled(endpointLogTitles()...)
}

func endpointLogTitles() []string {
	return translate([]string{"Time", "Status", "Request", "Action", "Source", "Target", "Latency", "Outcome"})
}
