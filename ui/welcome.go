package ui

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/demo"
)

// welcomeView is the first screen while there are no sources: what the console is, and the two
// ways to start — add a source (with what each open layer needs), or try the built-in demo.
type welcomeView struct {
	e        *env
	addBtn   *widget.Button
	demoBtn  *widget.Button
	activity *widget.Activity
	problem  *widget.Label
}

func newWelcomeView(e *env) *welcomeView {
	v := &welcomeView{e: e}
	v.addBtn = widget.NewButtonWithIcon(L("Add a source"), theme.ContentAddIcon(), v.onAdd)
	v.addBtn.Importance = widget.HighImportance
	v.demoBtn = widget.NewButtonWithIcon(L("Try the demo"), theme.MediaPlayIcon(), v.onDemo)
	v.activity = widget.NewActivity()
	v.activity.Hide()
	v.problem = wrapLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Hide()
	return v
}

func (v *welcomeView) content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(L("Welcome to UCBI Console"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	what := wrapLabel(L("UCBI Console sits between the chat backends you run (open layers: OneBot 11 such as NapCat, OneBot 12, Mojo-Weixin's Openwx) and your bots. It shows every message and event as it comes in, lets you reply and send by hand, serves the UCBI API and OneBot 11 to your bots, and keeps every call in its history."))
	needs := wrapLabel(L("Connect the open layer you run. You will need:") + "\n" +
		"• " + L("OneBot 11 (NapCat, go-cqhttp, Lagrange, LLOneBot): its HTTP server's URL (NapCat: port 3000) or its WebSocket server's (port 3001), and its token.") + "\n" +
		"• " + L("OneBot 12: its HTTP or WebSocket URL, its platform and its access token.") + "\n" +
		"• " + L("Openwx (WeChat): its HTTP server's URL (port 3000)."))
	add := widget.NewCard(L("Add a source"), "", container.NewVBox(needs, container.NewHBox(v.addBtn)))
	try := widget.NewCard(L("Try the demo"), "", container.NewVBox(
		wrapLabel(L("Starts a built-in OneBot 11 backend inside the app — friends, groups, cards, and messages arriving every few seconds — and adds it as the source \"demo\". Nothing else to install. Remove that source to stop it.")),
		container.NewHBox(v.demoBtn, v.activity), v.problem))
	box := container.NewVBox(title, what, container.NewGridWithColumns(2, add, try))
	return container.NewVScroll(container.NewPadded(box))
}

// showWelcome puts the welcome view where the screen was: no source is stored (yet, or any
// more), so the operator is led to add one or try the demo. The next start shows it too, until
// a screen is opened (open saves it again).
func (sh *shell) showWelcome() {
	sh.welcome = true
	sh.body.Objects = []fyne.CanvasObject{newWelcomeView(sh.e).content()}
	sh.body.Refresh()
	sh.selecting = true
	sh.nav.UnselectAll()
	sh.selecting = false
	sh.e.putSetting(keyScreen, "")
}

// sourcesCounted notes how many sources are stored now; when the last one was removed, the
// welcome comes back, as on the first start.
func (sh *shell) sourcesCounted(n int) {
	had := sh.sources
	sh.sources = n
	if had > 0 && n == 0 && !sh.welcome {
		sh.showWelcome()
	}
}

func (v *welcomeView) onAdd() {
	v.e.openScreen("sources")
	if s, ok := v.e.screen("sources").(*sourcesScreen); ok {
		s.onAdd()
	}
}

func (v *welcomeView) onDemo() {
	v.demoBtn.Disable()
	v.problem.Hide()
	v.activity.Show()
	v.activity.Start()
	v.e.demo.start(func(err error) {
		v.activity.Stop()
		v.activity.Hide()
		v.demoBtn.Enable()
		if err != nil {
			v.problem.SetText(fmt.Sprintf(L("The demo did not start: %s"), errorText(err)))
			v.problem.Show()
			return
		}
		v.e.openScreen("inbox")
	})
}

// demoRunner runs the built-in demo open layer in this process while the app is open: started
// by "Try the demo", started again with the app while its source is stored, stopped when that
// source is removed or the window closes.
type demoRunner struct {
	e *env

	mu      sync.Mutex
	stopFn  func() error
	running bool
	busy    bool
}

// start starts the demo, stores its source (as "demo") and has the runtime link it; done runs
// on the UI goroutine with the outcome (from the UI goroutine).
func (d *demoRunner) start(done func(error)) {
	d.mu.Lock()
	if d.busy || d.running {
		d.mu.Unlock()
		if done != nil {
			done(nil)
		}
		return
	}
	d.busy = true
	d.mu.Unlock()
	starter := d.e.deps.StartDemo
	if starter == nil {
		starter = StartDemo
	}
	disp, st := d.e.deps.Dispatcher, d.e.deps.Store
	d.e.run("demo.started", func() func() {
		src, stop, err := starter(context.Background())
		if err == nil {
			src.ID = demo.SourceID
			src.Default = !hasDefault(st)
			if disp != nil {
				err = disp.ValidateSource(src)
			}
			if err == nil {
				err = st.PutSource(src)
			}
			if err != nil {
				_ = stop()
			}
		}
		d.mu.Lock()
		d.busy = false
		if err == nil {
			d.stopFn, d.running = stop, true
		}
		d.mu.Unlock()
		return func() {
			if err == nil {
				d.e.sourcesChanged()
			}
			if done != nil {
				done(err)
			}
		}
	})
}

// resume starts the demo again for its stored source, unless something answers at its address
// already (`ucbi-console demo` started one for this window).
func (d *demoRunner) resume(src core.Source) {
	d.e.run("demo.resume", func() func() {
		u, _ := url.Parse(src.URL)
		if c, err := net.DialTimeout("tcp", u.Host, 500*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		return func() { d.start(nil) }
	})
}

// hasDefault tells whether some stored source other than the demo's is the default.
func hasDefault(st SourceStore) bool {
	list, _ := st.Sources()
	for _, s := range list {
		if s.Default && s.ID != demo.SourceID {
			return true
		}
	}
	return false
}

// stop stops the demo (its source is the caller's to remove).
func (d *demoRunner) stop() {
	d.mu.Lock()
	stop := d.stopFn
	d.stopFn, d.running = nil, false
	d.mu.Unlock()
	if stop != nil {
		d.e.run("demo.stopped", func() func() {
			_ = stop()
			return nil
		})
	}
}

// stopNow stops the demo synchronously (the window is closing).
func (d *demoRunner) stopNow() {
	d.mu.Lock()
	stop := d.stopFn
	d.stopFn, d.running = nil, false
	d.mu.Unlock()
	if stop != nil {
		_ = stop()
	}
}

// isRunning tells whether the demo runs in this process.
func (d *demoRunner) isRunning() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running
}

// isDemoSource tells a stored demo source (on loopback, as "Try the demo" stores it): the app
// starts the demo again when it finds one (the demo's port changes with every start).
func isDemoSource(src core.Source) bool {
	if src.ID != demo.SourceID {
		return false
	}
	u, err := url.Parse(src.URL)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
