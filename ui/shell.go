package ui

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// Create builds the main window. main.go shows it: w := ui.Create(a, deps); w.ShowAndRun().
func Create(a fyne.App, deps Deps) fyne.Window {
	startUIProbe() // off unless UCBI_CONSOLE_UI_PROBE names a file (the bench's stall probe)
	return create(a, deps, nil).win
}

// create builds the window; configure (tests) adjusts the env before any screen is built.
func create(a fyne.App, deps Deps, configure func(*env)) *env {
	e := &env{deps: deps, app: a}
	if configure != nil {
		configure(e)
	}
	// Background work started while building applies its results after this returns.
	e.uiMu.Lock()
	defer e.uiMu.Unlock()
	setting := func(key string) string {
		v, _, err := deps.Store.Setting(key)
		if err != nil {
			fyne.LogError("read setting "+key, err)
		}
		return v
	}

	// Language: the saved choice, else the system locale.
	code := setting(keyLang)
	if code == "" || code == "system" {
		code = systemLanguage()
	}
	SetLanguage(code)

	// Theme and fonts (see fonts.go for why the theme may carry a CJK font).
	th := &appTheme{mode: setting(keyTheme)}
	fonts := setupFonts(a, th)
	a.Settings().SetTheme(th.copy())

	e.win = a.NewWindow("UCBI Console")
	w, _ := strconv.Atoi(setting(keyWidth))
	h, _ := strconv.Atoi(setting(keyHeight))
	if w < 640 || h < 420 {
		// The first window is the smallest size every screen is laid out for: it fits a
		// 1024×640 screen (a larger default was cut off there), and the size the operator
		// gives it is remembered.
		w, h = 1024, 640
	}
	e.win.Resize(fyne.NewSize(float32(w), float32(h)))

	e.ep = newEndpointRunner(e)
	e.mon = newSourceMonitor(e, e.pollInterval)
	e.demo = &demoRunner{e: e}
	sh := &shell{e: e, theme: th, fonts: fonts, built: map[string]screen{}, views: map[string]fyne.CanvasObject{}}
	e.sh = sh
	e.openScreen = sh.open
	e.useContext = sh.useContext
	sh.current = setting(keyScreen)
	sh.lang = setting(keyLang)
	sources, err := deps.Store.Sources()
	if err != nil {
		fyne.LogError("read sources", err)
	}
	// First start (no source, no screen opened yet): the first screen says what the console is
	// and how to start, in place of an Inbox that would be empty.
	sh.welcome = err == nil && len(sources) == 0 && sh.current == ""
	sh.rebuild()
	sh.addShortcuts()
	e.mon.start()
	if deps.Runtime != nil {
		go botsTicker(e, 2*time.Second, e.mon.stop)
	}
	for _, src := range sources {
		if isDemoSource(src) {
			e.demo.resume(src) // the demo's source is stored: the demo runs again
		}
	}
	e.ep.autoStart()

	e.win.SetOnClosed(func() {
		// The app is exiting: save synchronously, then stop the endpoint.
		sz := e.win.Canvas().Size()
		if sz.Width > 0 && sz.Height > 0 {
			_ = deps.Store.PutSetting(keyWidth, strconv.Itoa(int(sz.Width)))
			_ = deps.Store.PutSetting(keyHeight, strconv.Itoa(int(sz.Height)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		e.ep.stopNow(ctx)
		e.mon.close()
		e.demo.stopNow()
	})
	return e
}

// shell is the window's frame: navigation, current screen, status bar.
type shell struct {
	e     *env
	theme *appTheme
	fonts fontReport

	defs    []screenDef
	built   map[string]screen
	views   map[string]fyne.CanvasObject
	current string

	lang string // the saved language choice: "", "system", "en" or "zh"
	// welcome: the welcome view is shown (no source yet, or none left) until a screen is opened.
	welcome bool

	note string // an event-link problem for the status bar ("" = none)

	nav       *widget.List
	body      *fyne.Container
	sourcesLb *widget.Label
	endpoint  *widget.Label
	status    *fyne.Container
	selecting bool
	sources   int    // how many sources are stored (-1: unreadable)
	lastMeta  uint64 // the last event onEvents looked at
}

// langChoice is the language choice for Settings: "system", "en" or "zh".
func (sh *shell) langChoice() string {
	switch sh.lang {
	case "en", "zh":
		return sh.lang
	}
	return "system"
}

// rebuild (re)creates the whole window content: at start and after a language switch.
func (sh *shell) rebuild() {
	e := sh.e
	e.listenMu.Lock()
	e.listeners = nil
	e.listenMu.Unlock()
	sh.defs = registeredScreens()
	sh.built = map[string]screen{}
	sh.views = map[string]fyne.CanvasObject{}

	sh.nav = widget.NewList(
		func() int { return len(sh.defs) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel("Ark cards and more"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(sh.defs[id].icon)
			row.Objects[1].(*widget.Label).SetText(L(sh.defs[id].title))
		},
	)
	sh.nav.OnSelected = func(id widget.ListItemID) {
		if sh.selecting || id < 0 || id >= len(sh.defs) {
			return
		}
		sh.open(sh.defs[id].id)
	}
	sh.body = container.NewStack()

	sh.sourcesLb = widget.NewLabel("")
	sh.endpoint = widget.NewLabel("")
	version := widget.NewLabel(e.deps.Version)
	version.Importance = widget.LowImportance
	// The sources part may grow long (which are down): it is cut with an ellipsis rather than
	// widening the window.
	sh.sourcesLb.Truncation = fyne.TextTruncateEllipsis
	sh.status = container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewSeparator(), sh.endpoint, layout.NewSpacer(), version), sh.sourcesLb)

	var top fyne.CanvasObject
	if sh.fonts.warning != "" {
		top = fontBanner(sh.fonts.warning)
	}
	navBox := container.New(&fixedWidth{width: navWidth()}, sh.nav)
	left := container.NewBorder(nil, nil, nil, widget.NewSeparator(), navBox)
	bottom := container.NewVBox(widget.NewSeparator(), sh.status)
	// The title stays "UCBI Console" in every language: scripts find the window by it.
	e.win.SetTitle("UCBI Console")
	e.win.SetContent(container.NewBorder(top, bottom, left, nil, sh.body))
	e.win.SetMainMenu(sh.mainMenu())

	e.listen(topicSources, sh.refreshSources)
	e.listen(topicSourceStatus, sh.showSources)
	e.listen(topicEndpoint, sh.refreshEndpoint)
	e.listen(topicEvents, sh.onEvents)
	sh.refreshSources()
	sh.refreshEndpoint()

	id := sh.current
	if sh.index(id) < 0 && len(sh.defs) > 0 {
		id = sh.defs[0].id
	}
	sh.current = ""
	if sh.welcome {
		sh.current = id // where Ctrl+n and the navigation start from
		sh.showWelcome()
		return
	}
	if id != "" {
		sh.open(id)
	}
}

// onEvents checks the sources again when a link's up/down meta event arrived (topicEvents).
func (sh *shell) onEvents() {
	h := hubOf(sh.e)
	if h == nil {
		return
	}
	evs, _ := h.since(sh.lastMeta)
	changed := false
	for _, ev := range evs {
		sh.lastMeta = ev.ID
		if ev.Kind == core.EventMeta+"."+core.MetaSourceUp || ev.Kind == core.EventMeta+"."+core.MetaSourceDown {
			changed = true
		}
	}
	if changed {
		sh.e.mon.check()
	}
}

// navWidth fits the longest screen title.
func navWidth() float32 {
	w := float32(150)
	for _, d := range registeredScreens() {
		tw := fyne.MeasureText(L(d.title), theme.TextSize(), fyne.TextStyle{}).Width
		if tw+theme.IconInlineSize()+6*theme.Padding() > w {
			w = tw + theme.IconInlineSize() + 6*theme.Padding()
		}
	}
	return w
}

func (sh *shell) index(id string) int {
	for i, d := range sh.defs {
		if d.id == id {
			return i
		}
	}
	return -1
}

// screen returns the built screen id, building it on first use.
func (sh *shell) screen(id string) screen {
	if s, ok := sh.built[id]; ok {
		return s
	}
	i := sh.index(id)
	if i < 0 {
		return nil
	}
	s := sh.defs[i].build(sh.e)
	if s == nil {
		return nil
	}
	sh.built[id] = s
	sh.views[id] = s.content()
	return s
}

// open shows the screen id (env.openScreen).
func (sh *shell) open(id string) {
	i := sh.index(id)
	if i < 0 {
		sh.e.showError(fmt.Errorf("%s", L("This screen is not available.")))
		return
	}
	s := sh.screen(id)
	if s == nil {
		return
	}
	if sh.current != id || sh.welcome {
		sh.welcome = false
		sh.current = id
		sh.body.Objects = []fyne.CanvasObject{sh.views[id]}
		sh.body.Refresh()
		sh.e.putSetting(keyScreen, id)
	}
	sh.selecting = true
	sh.nav.Select(i)
	sh.selecting = false
	if v, ok := s.(screenShower); ok {
		v.shown()
	}
}

// useContext switches to Compose with this context (env.useContext).
func (sh *shell) useContext(c core.Context) {
	if sh.index("compose") < 0 {
		sh.e.showError(fmt.Errorf("%s", L("The Compose screen is not available in this build.")))
		return
	}
	sh.open("compose")
	if t, ok := sh.built["compose"].(contextTaker); ok {
		t.takeContext(c)
	}
}

// screenShortcut is Ctrl+n (Cmd+n on macOS) for the n-th screen (0-based i).
func screenShortcut(i int) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: fyne.KeyName(strconv.Itoa(i + 1)), Modifier: fyne.KeyModifierShortcutDefault}
}

// mainMenu lists the screens with their shortcuts. Shortcuts of the main menu work even while
// an entry has the focus (the canvas' own shortcuts would go to the entry then).
func (sh *shell) mainMenu() *fyne.MainMenu {
	items := make([]*fyne.MenuItem, 0, len(sh.defs))
	for i, d := range sh.defs {
		id := d.id
		it := fyne.NewMenuItem(L(d.title), func() { sh.open(id) })
		it.Icon = d.icon
		if i < 9 {
			it.Shortcut = screenShortcut(i)
		}
		items = append(items, it)
	}
	quit := fyne.NewMenuItem(L("Quit"), nil) // the driver makes it quit; named in our language
	quit.IsQuit = true
	return fyne.NewMainMenu(fyne.NewMenu(L("File"), quit), fyne.NewMenu(L("View"), items...))
}

// addShortcuts binds Ctrl+1…9 (Cmd on macOS) to the screens in navigation order on the canvas
// too (drivers without a main menu).
func (sh *shell) addShortcuts() {
	for i := 0; i < 9; i++ {
		n := i
		sh.e.win.Canvas().AddShortcut(screenShortcut(i), func(fyne.Shortcut) {
			if n < len(sh.defs) {
				sh.open(sh.defs[n].id)
			}
		})
	}
}

// refreshSources updates the status bar's source count (read off the UI goroutine).
func (sh *shell) refreshSources() {
	sh.e.run("status.sources", func() func() {
		list, err := sh.e.deps.Store.Sources()
		return func() {
			if err != nil {
				sh.sources = -1
				sh.sourcesLb.SetText(errorText(err))
				sh.status.Refresh()
				return
			}
			sh.sourcesCounted(len(list))
			sh.showSources()
		}
	})
}

// showSources writes the status bar's sources part: how many, and which are down since when.
func (sh *shell) showSources() {
	if sh.sources < 0 {
		return
	}
	lb := sh.sourcesLb
	var text string
	switch sh.sources {
	case 0:
		text = L("No sources yet")
	case 1:
		text = L("1 source")
	default:
		text = fmt.Sprintf(L("%d sources"), sh.sources)
	}
	lb.Importance = widget.MediumImportance
	if down, since := sh.e.mon.downList(); len(down) > 0 {
		sort.Strings(down)
		lb.Importance = widget.DangerImportance
		who := strings.Join(down, ", ")
		if len(down) > 3 {
			who = fmt.Sprintf(L("%s and %d more"), strings.Join(down[:3], ", "), len(down)-3)
		}
		if since.IsZero() {
			text += " · " + fmt.Sprintf(L("down: %s"), who)
		} else {
			text += " · " + fmt.Sprintf(L("down since %s: %s"), sinceText(since), who)
		}
	}
	if sh.note != "" {
		text += " · " + sh.note
		lb.Importance = widget.DangerImportance
	}
	lb.SetText(text)
	sh.status.Refresh() // the label's width changed
}

// setStatusNote shows a problem in the status bar's sources part until the next change.
func (sh *shell) setStatusNote(note string) {
	sh.note = oneLine(note)
	if len([]rune(sh.note)) > 80 {
		sh.note = string([]rune(sh.note)[:79]) + "…"
	}
	sh.showSources()
}

// refreshEndpoint updates the status bar's endpoint state.
func (sh *shell) refreshEndpoint() {
	if addr := sh.e.ep.address(); addr != "" {
		sh.endpoint.SetText(fmt.Sprintf(L("Endpoint: listening on %s"), "http://"+addr))
		sh.endpoint.Importance = widget.SuccessImportance
	} else {
		sh.endpoint.SetText(L("Endpoint: stopped"))
		sh.endpoint.Importance = widget.MediumImportance
	}
	sh.status.Refresh()
}

// systemLanguage is "zh" when the system locale is Chinese, else "en". The POSIX variables are
// read first (LANGUAGE, LC_ALL, LC_MESSAGES, LANG; "C"/"POSIX" say nothing), then Fyne's
// idea of the locale (the OS setting on Windows and macOS).
func systemLanguage() string {
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if k == "LANGUAGE" {
			v, _, _ = strings.Cut(v, ":")
		}
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" || v == "c" || v == "posix" || strings.HasPrefix(v, "c.") {
			continue
		}
		if strings.HasPrefix(v, "zh") {
			return "zh"
		}
		return "en"
	}
	if strings.HasPrefix(strings.ToLower(lang.SystemLocale().String()), "zh") {
		return "zh"
	}
	return "en"
}
