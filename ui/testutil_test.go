package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// rig is one headless window over a real store, a real dispatcher and (optionally) a fake
// OneBot server. Everything that touches widgets goes through rig.ui, which holds the same lock
// as the UI half of background work (in the test driver fyne.Do runs on the calling goroutine).
type rig struct {
	t      *testing.T
	app    fyne.App
	db     *store.DB
	d      *core.Dispatcher
	e      *env
	w      fyne.Window
	bot    *onebottest.Server
	dir    string
	events chan string
	mu     sync.Mutex
	seen   []string
}

type rigOptions struct {
	screen  string             // the screen shown first (saved as ui.screen)
	lang    string             // "en" (default) or "zh"
	bot     bool               // start a fake NapCat
	sources []core.Source      // added before the window is built
	seed    func(db *store.DB) // more data before the window is built
	deps    func(d *Deps)      // adjust the dependencies
	size    fyne.Size          // window size (default 1200×800)
	theme   string             // ui.theme
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, events: make(chan string, 100000)}
	r.app = test.NewApp()
	r.dir = t.TempDir()
	db, err := store.Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	r.d = core.NewDispatcher(db, db, db)
	r.d.Register(onebot.Via, onebot.Factory)
	r.d.ProbeTimeout = 2 * time.Second
	if o.bot {
		r.bot = onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
		t.Cleanup(r.bot.Close)
	}
	for _, s := range o.sources {
		if s.URL == "" && r.bot != nil {
			s.URL = r.bot.URL()
		}
		if err := db.PutSource(s); err != nil {
			t.Fatal(err)
		}
	}
	if o.seed != nil {
		o.seed(db)
	}
	if o.lang == "" {
		o.lang = "en"
	}
	must(t, db.PutSetting(keyLang, o.lang))
	if o.screen != "" {
		must(t, db.PutSetting(keyScreen, o.screen))
	}
	if o.theme != "" {
		must(t, db.PutSetting(keyTheme, o.theme))
	}
	deps := Deps{Store: db, Dispatcher: r.d, DataDir: r.dir, Version: "v0.0.0-test"}
	if o.deps != nil {
		o.deps(&deps)
	}
	r.e = create(r.app, deps, func(e *env) {
		e.debounce = 40 * time.Millisecond
		e.events = func(what string) {
			select {
			case r.events <- what:
			default:
			}
		}
	})
	r.w = r.e.win
	if o.size.IsZero() {
		o.size = fyne.NewSize(1200, 800)
	}
	r.ui(func() { r.w.Resize(o.size) })
	t.Cleanup(func() {
		// The source monitor's ticker must not start background work while idle waits for it
		// (a long test outlives its interval: a race and "WaitGroup is reused" otherwise).
		r.e.mon.close()
		r.idle()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r.e.ep.stopNow(ctx)
		cancel()
		r.idle()
		_ = db.Close()
		SetLanguage("en")
	})
	return r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ui runs fn holding the UI lock.
func (r *rig) ui(fn func()) { r.e.ui(fn) }

// idle waits until no background work of the env is pending.
func (r *rig) idle() { r.e.wg.Wait() }

// wait waits for the named background work to finish (its UI half has run), then for the
// rest to settle.
func (r *rig) wait(what string) {
	r.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-r.events:
			r.mu.Lock()
			r.seen = append(r.seen, ev)
			r.mu.Unlock()
			if ev == what {
				r.idle()
				return
			}
		case <-timeout:
			r.t.Fatalf("timed out waiting for %q (saw %v)", what, r.seen)
		}
	}
}

// drain forgets the events seen so far (after settling).
func (r *rig) drain() {
	r.idle()
	for {
		select {
		case <-r.events:
		default:
			return
		}
	}
}

// screen returns the built screen id (building it and showing it).
func (r *rig) open(id string) screen {
	var s screen
	r.ui(func() {
		r.e.openScreen(id)
		s = r.e.screen(id)
	})
	return s
}

// typeIn replaces an entry's text as a user would: select all is not available, so clear it,
// then type.
func (r *rig) typeIn(en *widget.Entry, text string) {
	r.ui(func() {
		en.SetText("")
		test.Type(en, text)
	})
}

func (r *rig) tap(b *widget.Button) {
	r.t.Helper()
	r.ui(func() {
		if b.Disabled() {
			r.t.Fatalf("button %q is disabled", b.Text)
		}
		test.Tap(b)
	})
}

// tapDialogButton taps the button labelled label in the top overlay (a dialog).
func (r *rig) tapDialogButton(label string) {
	r.t.Helper()
	var b *widget.Button
	r.ui(func() {
		top := r.w.Canvas().Overlays().Top()
		if top == nil {
			r.t.Fatalf("no dialog is showing")
		}
		b = findButton(top, label)
	})
	if b == nil {
		r.t.Fatalf("no %q button in the dialog; texts: %q", label, r.overlayTexts())
	}
	r.tap(b)
}

func (r *rig) overlayTexts() []string {
	var out []string
	r.ui(func() {
		if top := r.w.Canvas().Overlays().Top(); top != nil {
			out = texts(top)
		}
	})
	return out
}

// windowTexts is every text shown in the window's content and overlays.
func (r *rig) windowTexts() []string {
	var out []string
	r.ui(func() {
		out = texts(r.w.Canvas().Content())
		for _, o := range r.w.Canvas().Overlays().List() {
			out = append(out, texts(o)...)
		}
	})
	return out
}

// hasText reports whether some visible text contains sub.
func (r *rig) hasText(sub string) bool {
	for _, t := range r.windowTexts() {
		if strings.Contains(t, sub) {
			return true
		}
	}
	return false
}

// shortcut presses Ctrl+(i+1) the way the GL driver does with a main menu: the menu item
// whose shortcut it is runs (the test canvas does not expose its own shortcut table).
func (r *rig) shortcut(i int) {
	r.t.Helper()
	want := screenShortcut(i).ShortcutName()
	var action func()
	r.ui(func() {
		for _, m := range r.w.MainMenu().Items {
			for _, it := range m.Items {
				if it.Shortcut != nil && it.Shortcut.ShortcutName() == want {
					action = it.Action
				}
			}
		}
	})
	if action == nil {
		r.t.Fatalf("no menu item has the shortcut %s", want)
	}
	r.ui(action)
}

// arkCard opens Ark and makes the card of QQ number id (the backend must answer).
func (r *rig) arkCard(id string) *arkScreen {
	r.t.Helper()
	s := r.open("ark").(*arkScreen)
	r.ui(func() {
		s.kind.SetSelected(L("QQ number"))
		s.idEntry.SetText("")
		test.Type(s.idEntry, id)
	})
	r.tap(s.genBtn)
	r.wait("ark.generate")
	return s
}

// walk visits every visible object under o (widgets through their renderers).
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, fn)
		}
	}
}

func findButton(o fyne.CanvasObject, label string) *widget.Button {
	var found *widget.Button
	walk(o, func(c fyne.CanvasObject) {
		if b, ok := c.(*widget.Button); ok && found == nil && b.Text == label {
			found = b
		}
	})
	return found
}

func texts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(c fyne.CanvasObject) {
		switch x := c.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *widget.Entry:
			if !x.Password {
				out = append(out, x.Text)
			}
			out = append(out, x.PlaceHolder)
		case *widget.Select:
			out = append(out, x.Selected)
		case *widget.Check:
			out = append(out, x.Text)
		case *widget.RichText:
			out = append(out, x.String())
		}
	})
	return out
}

// appendHistory writes n rows concurrently (the store batches concurrent appends).
func appendHistory(t *testing.T, db *store.DB, n int, row func(i int) core.HistoryRecord) {
	t.Helper()
	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				rec := row(i)
				if err := db.AppendHistory(&rec); err != nil {
					errs <- fmt.Errorf("row %d: %v", i, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// relayout lays out every container and widget again, top down. The GL driver does this before
// each frame (Canvas.EnsureMinSize) when a min size changed; the test canvas does not, so a
// label whose text grew after the last layout would be captured at its old size.
func relayout(o fyne.CanvasObject) {
	if o == nil || !o.Visible() {
		return
	}
	switch x := o.(type) {
	case *fyne.Container:
		if x.Layout != nil {
			x.Layout.Layout(x.Objects, x.Size())
		}
		for _, c := range x.Objects {
			relayout(c)
		}
	case fyne.Widget:
		rd := test.WidgetRenderer(x)
		rd.Layout(x.Size())
		for _, c := range rd.Objects() {
			relayout(c)
		}
	}
}

// TestMain keeps every ui test off the network: avatars (qlogo.cn in real cards) come from a
// local stand-in unless a test installs its own fetcher.
func TestMain(m *testing.M) {
	avatarFetch = func(string) ([]byte, error) { return cardTestAvatarPNG(), nil }
	os.Exit(m.Run())
}
