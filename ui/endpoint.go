package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
)

// maxCallLog bounds the live log of endpoint calls.
const maxCallLog = 500

// Setting keys of the endpoint.
const (
	keyEndpointListen = "endpoint.listen"
	keyEndpointRoot   = "endpoint.root"
	keyEndpointToken  = "endpoint.token"
)

// endpointRunner owns the local endpoint and its call log. It outlives the screens (a language
// switch rebuilds them); its fields are touched on the UI goroutine only.
type endpointRunner struct {
	e      *env
	srv    Endpoint
	addr   string // where it listens; "" when stopped
	busy   bool   // starting or stopping
	listen string
	root   string
	token  string
	log    []endpoint.CallLog // oldest first, at most maxCallLog

	pendMu   sync.Mutex
	pending  []endpoint.CallLog // calls not yet handed to the UI goroutine
	flushing bool
	lastErr  string
}

func newEndpointRunner(e *env) *endpointRunner {
	r := &endpointRunner{e: e, listen: e.deps.EndpointDefaults.Listen, root: e.deps.EndpointDefaults.Root}
	if r.listen == "" {
		r.listen = endpoint.DefaultListen
	}
	if r.root == "" {
		r.root = "/"
	}
	// Read once at start-up, before the window shows.
	for key, dst := range map[string]*string{keyEndpointListen: &r.listen, keyEndpointRoot: &r.root, keyEndpointToken: &r.token} {
		if v, ok, err := e.deps.Store.Setting(key); err == nil && ok && v != "" {
			*dst = v
		}
	}
	return r
}

// address is where the endpoint listens ("" when stopped).
func (r *endpointRunner) address() string { return r.addr }

func (r *endpointRunner) options() endpoint.Options {
	return endpoint.Options{Listen: r.listen, Root: r.root, Token: r.token, OnCall: r.onCall}
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
		if r.addr != "" && r.addr != r.listen {
			rt.Curl = strings.ReplaceAll(rt.Curl, "http://"+r.listen, "http://"+r.addr)
		}
		if r.token != "" {
			rt.Curl = strings.ReplaceAll(rt.Curl, r.token, "$TOKEN") // never show it
		}
		out[i] = rt
	}
	return out, err
}

// endpointScreen shows and controls the local endpoint.
type endpointScreen struct {
	e *env
	r *endpointRunner

	listen   *widget.Entry
	root     *widget.Entry
	token    *widget.Label
	tokenTip *widget.Label
	genBtn   *widget.Button
	copyBtn  *widget.Button
	clearBtn *widget.Button
	startBtn *widget.Button
	stopBtn  *widget.Button
	status   *widget.Label
	errLabel *widget.Label
	activity *widget.Activity
	notice   *widget.Label

	routes   []endpoint.Route
	routeBox *fyne.Container
	logList  *widget.List
	logEmpty *widget.Label
}

func newEndpointScreen(e *env) *endpointScreen {
	s := &endpointScreen{e: e, r: e.ep}
	s.listen = widget.NewEntry()
	s.listen.SetText(s.r.listen)
	s.listen.SetPlaceHolder(fmt.Sprintf(L("Default: %s"), endpoint.DefaultListen))
	s.root = widget.NewEntry()
	s.root.SetText(s.r.root)
	s.root.SetPlaceHolder(fmt.Sprintf(L("Default: %s"), "/"))
	s.token = widget.NewLabel("")
	s.token.TextStyle = fyne.TextStyle{Monospace: true}
	s.tokenTip = widget.NewLabel("")
	s.tokenTip.Wrapping = fyne.TextWrapWord
	s.tokenTip.Importance = widget.LowImportance
	s.genBtn = widget.NewButtonWithIcon(L("Generate"), theme.ViewRefreshIcon(), s.onGenerate)
	s.copyBtn = widget.NewButtonWithIcon(L("Copy"), theme.ContentCopyIcon(), s.onCopyToken)
	s.clearBtn = widget.NewButtonWithIcon(L("Clear"), theme.ContentClearIcon(), s.onClearToken)
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
	)
	controls := container.NewHBox(s.startBtn, s.stopBtn, s.activity, s.status)
	top := container.NewVBox(heading(L("Local endpoint")), form, controls, s.errLabel, s.notice, widget.NewSeparator())

	routes := container.NewVBox(heading(L("Routes")), s.routeBox)
	logHeader := newEndpointLogColumns()
	logHeader.set(endpointLogTitles()...).bold(-1).show()
	logPane := container.NewBorder(container.NewVBox(heading(L("Calls (last 500)")), logHeader), nil, nil, nil,
		container.NewStack(s.logList, container.NewCenter(s.logEmpty)))
	split := container.NewVSplit(container.NewVScroll(routes), logPane)
	split.Offset = 0.45
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
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
	setEnabled(!running && !r.busy, s.listen, s.root, s.genBtn, s.clearBtn, s.startBtn)
	setEnabled(running && !r.busy, s.stopBtn)
	setEnabled(r.token != "", s.copyBtn, s.clearBtn)
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
	if r.token == "" {
		s.token.SetText("—")
		s.tokenTip.SetText(L("No token: only programs on this computer should reach a loopback address."))
	} else {
		s.token.SetText(core.MaskedToken(r.token))
		s.tokenTip.SetText(L("Bots send it as: Authorization: Bearer <token>"))
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
	if s.r.token != "" {
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

// applyFields copies the edited listen address and root into the runner and saves them.
func (s *endpointScreen) applyFields() error {
	listen := strings.TrimSpace(s.listen.Text)
	root := strings.TrimSpace(s.root.Text)
	if listen == "" {
		return errors.New(L("The listen address is empty."))
	}
	if root == "" {
		root = "/"
	}
	if listen != s.r.listen {
		s.r.listen = listen
		s.e.putSetting(keyEndpointListen, listen)
	}
	if root != s.r.root {
		s.r.root = root
		s.e.putSetting(keyEndpointRoot, root)
	}
	return nil
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
		s.r.token = endpoint.GenerateToken()
		s.e.putSetting(keyEndpointToken, s.r.token)
		s.refresh()
	}
	if s.r.token == "" {
		set()
		return
	}
	s.e.confirm(L("New token"), L("Save the new token? Bots using the old one will be refused."), L("Generate"), set)
}

func (s *endpointScreen) onCopyToken() {
	if s.r.token == "" {
		return
	}
	s.e.app.Clipboard().SetContent(s.r.token)
	s.setNotice(L("Token copied to the clipboard"))
}

func (s *endpointScreen) onClearToken() {
	s.e.confirm(L("Token"), L("Remove the token? Anyone who can reach the endpoint can then send messages."), L("Remove token"), func() {
		s.r.token = ""
		s.e.putSetting(keyEndpointToken, "")
		s.refresh()
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
