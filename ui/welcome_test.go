package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/demo"
	"ucbi-console/core/onebot"
	"ucbi-console/core/server"
	"ucbi-console/store"
)

// With no source, the first screen says what the console is and offers to add a source or try
// the demo; "Try the demo" starts core/demo in the process, stores it as the source "demo" and
// opens the Inbox; removing that source stops the demo.
func TestWelcomeTryTheDemo(t *testing.T) {
	var demoURL string
	started := make(chan struct{}, 1)
	r := newRig(t, rigOptions{deps: func(d *Deps) {
		d.StartDemo = func(ctx context.Context) (core.Source, func() error, error) {
			src, stop, err := StartDemo(ctx)
			demoURL = src.URL
			started <- struct{}{}
			return src, stop, err
		}
	}})
	r.idle()
	for _, want := range []string{"Welcome to UCBI Console", "Add a source", "Try the demo", "OneBot 12: its HTTP or WebSocket URL"} {
		if !r.hasText(want) {
			t.Errorf("the welcome screen lacks %q; texts %q", want, r.windowTexts())
		}
	}
	var try *widget.Button
	r.ui(func() { try = findButton(r.w.Canvas().Content(), "Try the demo") })
	if try == nil {
		t.Fatal("no Try the demo button")
	}
	r.tap(try)
	r.wait("demo.started")
	<-started
	r.wait("sources.reloaded")
	src, err := r.db.Source(demo.SourceID)
	if err != nil {
		t.Fatal(err)
	}
	if src.Via != onebot.Via || src.Events != core.LinkWS || !src.Default || src.URL != demoURL {
		t.Errorf("stored demo source %+v", src)
	}
	r.ui(func() {
		if r.e.sh.current != "inbox" || r.e.sh.welcome {
			t.Errorf("after the demo started the window shows %q (welcome %v)", r.e.sh.current, r.e.sh.welcome)
		}
	})
	if !r.e.demo.isRunning() {
		t.Fatal("the demo is not running")
	}
	if resp, err := http.Get(demoURL + "/get_login_info"); err != nil {
		t.Fatalf("the demo does not answer: %v", err)
	} else {
		resp.Body.Close()
	}

	// Removing the source removes the demo.
	s := r.open("sources").(*sourcesScreen)
	r.wait("sources.loaded")
	r.ui(func() { s.list.Select(0) })
	r.tap(s.removeBtn)
	r.tapDialogButton("Remove")
	r.wait("sources.removed")
	r.wait("demo.stopped")
	if r.e.demo.isRunning() {
		t.Error("the demo still runs after its source was removed")
	}
	c := http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(demoURL + "/get_login_info"); err == nil {
		resp.Body.Close()
		t.Error("the demo still answers after its source was removed")
	}
}

// The welcome screen fits the smallest window, in both languages, and is not shown once a
// source exists.
func TestWelcomeFitsAndOnlyWithoutSources(t *testing.T) {
	size := fyne.NewSize(1024, 640)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t, rigOptions{lang: lang, size: size})
			r.idle()
			r.ui(func() {
				if !r.e.sh.welcome {
					t.Fatal("no welcome without sources")
				}
				content := r.w.Canvas().Content()
				if min := content.MinSize(); min.Width > size.Width || min.Height > size.Height {
					t.Errorf("the welcome screen needs %v", min)
				}
				relayout(content)
				checkInside(t, content, fyne.NewPos(0, 0), size)
			})
		})
	}
	r := newRig(t, rigOptions{bot: true, sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat"}}})
	r.idle()
	r.ui(func() {
		if r.e.sh.welcome || r.e.sh.current != "inbox" {
			t.Errorf("with a source the first screen is %q (welcome %v)", r.e.sh.current, r.e.sh.welcome)
		}
	})
	if r.hasText("Welcome to UCBI Console") {
		t.Error("the welcome shows although a source exists")
	}
}

// A stored demo source starts the demo again with the app (its port changes every start).
func TestDemoStartsAgainWithTheApp(t *testing.T) {
	starts := make(chan string, 2)
	r := newRig(t, rigOptions{
		sources: []core.Source{{ID: demo.SourceID, Via: onebot.Via, URL: "http://127.0.0.1:1", Flavor: "napcat", Events: core.LinkWS, WSURL: "ws://127.0.0.1:1/"}},
		deps: func(d *Deps) {
			d.StartDemo = func(ctx context.Context) (core.Source, func() error, error) {
				src, stop, err := StartDemo(ctx)
				starts <- src.URL
				return src, stop, err
			}
		}})
	r.wait("demo.started")
	url := <-starts
	if got, _ := r.db.Source(demo.SourceID); got.URL != url || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("the demo source after a restart: %+v (demo at %s)", got, url)
	}
}

// The app's runtime (core/server, as main.go starts it) links the demo as soon as "Try the
// demo" stored it, and its events reach the Inbox live; the status dot follows the link.
func TestDemoEventsReachTheInboxThroughTheRuntime(t *testing.T) {
	var rt *server.Runtime
	// The test drives the demo's script one event a tick: a steady stream would keep the
	// window's background work busy, and rig.wait settles between steps.
	ticks := make(chan time.Time)
	r := newRig(t, rigOptions{deps: func(d *Deps) {
		db := d.Store.(*store.DB)
		var err error
		rt, err = server.Start(context.Background(), server.Config{
			Dispatcher: d.Dispatcher, Sources: db, Events: db, Bots: db, Watch: -1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		d.Runtime = ServerRuntime(rt)
		d.Events = NewEventFeed(db, d.Runtime)
		d.StartDemo = func(ctx context.Context) (core.Source, func() error, error) {
			dm, err := demo.Start(ctx, demo.Options{Ticks: ticks})
			if err != nil {
				return core.Source{}, nil, err
			}
			return dm.Source(), dm.Close, nil
		}
	}})
	t.Cleanup(func() { stopHub(r.e); rt.Close() })
	r.idle()
	var try *widget.Button
	r.ui(func() { try = findButton(r.w.Canvas().Content(), "Try the demo") })
	r.tap(try)
	r.wait("demo.started")
	deadline := time.Now().Add(30 * time.Second)
	for !r.hasText("message.group") {
		if time.Now().After(deadline) {
			t.Fatalf("no demo message reached the Inbox; texts %q", r.windowTexts())
		}
		ticks <- time.Now()
		r.wait("inbox.flush")
	}
	r.ui(func() {
		if r.e.sh.current != "inbox" {
			t.Errorf("the window shows %q", r.e.sh.current)
		}
	})
	dot := func() (st int) {
		r.ui(func() { st = r.e.mon.state(demo.SourceID).status })
		return st
	}
	for dot() != statusUp {
		if time.Now().After(deadline) {
			t.Fatalf("the demo's dot is %d", dot())
		}
		r.wait("sources.probed")
	}
}

// Removing the last source leads the operator back the way the first start does: the welcome,
// with Add a source and Try the demo, in place of the screen (and at the next start); Add a
// source opens the Sources form again.
func TestWelcomeWhenEverySourceIsRemoved(t *testing.T) {
	r := newRig(t, rigOptions{bot: true, screen: "sources", sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}}})
	r.idle()
	r.ui(func() {
		if r.e.sh.welcome {
			t.Fatal("the welcome shows although a source exists")
		}
	})
	s := r.e.screen("sources").(*sourcesScreen)
	r.ui(func() { s.list.Select(0) })
	r.tap(s.removeBtn)
	r.tapDialogButton("Remove")
	r.wait("sources.removed")
	r.wait("status.sources")
	r.ui(func() {
		if !r.e.sh.welcome {
			t.Fatalf("no welcome after the last source was removed (showing %q)", r.e.sh.current)
		}
	})
	for _, want := range []string{"Welcome to UCBI Console", "Add a source", "Try the demo"} {
		if !r.hasText(want) {
			t.Errorf("after the last source went, the window lacks %q; texts %q", want, r.windowTexts())
		}
	}
	r.wait("setting." + keyScreen)
	if v, _, _ := r.db.Setting(keyScreen); v != "" {
		t.Errorf("the next start would open %q, not the welcome", v)
	}

	var add *widget.Button
	r.ui(func() { add = findButton(r.w.Canvas().Content(), "Add a source") })
	if add == nil {
		t.Fatal("no Add a source button")
	}
	r.tap(add)
	r.ui(func() {
		if r.e.sh.welcome || r.e.sh.current != "sources" || s.selected != "" || s.id.Disabled() {
			t.Errorf("Add a source shows %q (welcome %v), form for %q", r.e.sh.current, r.e.sh.welcome, s.selected)
		}
	})
	if r.hasText("Welcome to UCBI Console") {
		t.Error("the welcome still shows after Add a source")
	}
}
