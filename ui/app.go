// Package ui is UCBI Console's desktop window: a shell (navigation on the left, the current
// screen on the right, a status bar at the bottom) and one file per screen.
//
// The package never imports fyne.io/fyne/v2/app: main.go makes the app and calls Create, so
// every screen can be driven headless with fyne.io/fyne/v2/test.
//
// # Threading
//
// Widget callbacks run on the UI goroutine. Anything that blocks (HTTP, bbolt) runs through
// env.run: the work happens in a goroutine, the function it returns is applied on the UI
// goroutine (fyne.Do). Screens never touch a widget from the work half.
//
// # Screens
//
// Screens register themselves from an init func in their own file:
//
//	func init() {
//		registerScreen(30, "history", "History", navIcon(theme.IconNameHistory), func(e *env) screen {
//			return newHistoryScreen(e)
//		})
//	}
//
// Use navIcon(theme.IconNameX), not theme.XIcon(): the latter asks the current app for its
// theme, and at init time there is none (Fyne logs an error for each call).
//
// order sorts the navigation (and Ctrl+1…9 follow it), id is stable (it is saved as the last
// screen and used by env.openScreen), title is English and goes through L when shown. build is
// called once, the first time the screen is opened, and again after a language switch.
// Optional interfaces a screen may implement: screenShower (told each time it is shown) and
// contextTaker (receives env.useContext; the Compose screen implements it).
package ui

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

func init() {
	addZH(map[string]string{
		"Cannot save the setting %s: %v": "无法保存设置 %s：%v",
		"Compose":                        "发送消息",
		"Ark cards":                      "Ark 卡片",
		"History":                        "历史记录",
		"Contexts":                       "上下文",
		"Sources":                        "消息源",
		"Endpoint":                       "本地接口",
		"Settings":                       "设置",
		"File":                           "文件",
		"View":                           "视图",
		"Quit":                           "退出",
		"%d sources":                     "%d 个消息源",
		"1 source":                       "1 个消息源",
		"No sources yet":                 "尚未添加消息源",
		"Endpoint: stopped":              "本地接口：未启动",
		"Endpoint: listening on %s":      "本地接口：正在监听 %s",
		"Error":                          "错误",
		"OK":                             "确定",
		"Cancel":                         "取消",
		"This screen is not available.":  "该页面不可用。",
		"The Compose screen is not available in this build.": "此版本中没有发送消息页面。",
	})
}

// screen is one page of the window.
type screen interface {
	content() fyne.CanvasObject
}

// screenShower is implemented by screens that want to know when they are shown (to refresh).
type screenShower interface {
	shown()
}

// contextTaker is implemented by the screen that env.useContext hands a context to (Compose).
type contextTaker interface {
	takeContext(c core.Context)
}

// screenDef is one registered screen.
type screenDef struct {
	order int
	id    string
	title string // English; shown through L
	icon  fyne.Resource
	build func(*env) screen
}

var (
	registryMu sync.Mutex
	registry   []screenDef
)

// registerScreen adds a screen to the navigation. Call it from an init func. order sorts the
// navigation; ids must be unique (a duplicate panics at start-up, loudly).
func registerScreen(order int, id, title string, icon fyne.Resource, build func(*env) screen) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, d := range registry {
		if d.id == id {
			panic("ui: screen " + id + " registered twice")
		}
	}
	registry = append(registry, screenDef{order: order, id: id, title: title, icon: icon, build: build})
}

// navIcon is a theme icon usable from an init func (before the app exists); it follows the
// current theme's colours when drawn.
func navIcon(n fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(n)
}

// registeredScreens returns the screens in navigation order.
func registeredScreens() []screenDef {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := append([]screenDef(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].id < out[j].id
	})
	return out
}

// Setting keys of the shell.
const (
	keyWidth  = "ui.width"
	keyHeight = "ui.height"
	keyScreen = "ui.screen"
	keyLang   = "ui.lang"
	keyTheme  = "ui.theme"
)

// env is what every screen gets: the dependencies, the window, and the shell's services.
type env struct {
	deps       Deps
	win        fyne.Window
	app        fyne.App
	openScreen func(id string)
	// useContext switches to Compose with this context as the target.
	useContext func(core.Context)

	sh *shell
	ep *endpointRunner

	// uiMu serialises the UI half of background work with whoever else is driving the widgets.
	// In the real driver every UI half runs on the UI goroutine and the lock is never contended;
	// in the test driver fyne.Do runs the function at once on the calling goroutine, and tests
	// drive widgets through env.ui, so the lock keeps the two apart (and -race quiet).
	uiMu sync.Mutex
	// wg counts background work whose UI half has not run yet (tests wait on it).
	wg sync.WaitGroup
	// events, when set (tests), is told the name of each finished piece of background work.
	events func(what string)
	// debounce is how long filter entries wait after the last keystroke.
	debounce time.Duration

	listenMu  sync.Mutex
	listeners map[string][]func()
}

// Topics of env.notify.
const (
	topicSources  = "sources"  // sources were added, edited or removed
	topicHistory  = "history"  // a call was recorded in history
	topicContexts = "contexts" // saved contexts changed
	topicEndpoint = "endpoint" // the endpoint started or stopped
)

// run does work off the UI goroutine; the function it returns (may be nil) is applied on the UI
// goroutine. what names the work for tests (env.events).
func (e *env) run(what string, work func() func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		apply := work()
		e.do(func() {
			if apply != nil {
				apply()
			}
			e.event(what)
		})
	}()
}

// do runs fn on the UI goroutine (from any other goroutine). Never call it from the UI half of
// run or from a widget callback: call the function directly there.
func (e *env) do(fn func()) {
	fyne.Do(func() {
		e.uiMu.Lock()
		defer e.uiMu.Unlock()
		fn()
	})
}

// ui runs fn holding the UI lock; tests drive widgets through it while background work may
// finish.
func (e *env) ui(fn func()) {
	e.uiMu.Lock()
	defer e.uiMu.Unlock()
	fn()
}

func (e *env) event(what string) {
	if e.events != nil {
		e.events(what)
	}
}

// listen subscribes fn (run on the UI goroutine) to a topic until the window content is rebuilt.
func (e *env) listen(topic string, fn func()) {
	e.listenMu.Lock()
	defer e.listenMu.Unlock()
	if e.listeners == nil {
		e.listeners = map[string][]func(){}
	}
	e.listeners[topic] = append(e.listeners[topic], fn)
}

// notify tells a topic's listeners; call it on the UI goroutine.
func (e *env) notify(topic string) {
	e.listenMu.Lock()
	fns := append([]func(){}, e.listeners[topic]...)
	e.listenMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// debouncer calls f on the UI goroutine once its triggers have paused for delay (or, as a
// throttle, delay after the first trigger however many follow). The timer runs off the UI
// goroutine.
type debouncer struct {
	e        *env
	delay    time.Duration
	f        func()
	throttle bool
	mu       sync.Mutex
	seq      int
	pending  bool
}

func (e *env) newDebouncer(f func()) *debouncer {
	d := e.debounce
	if d <= 0 {
		d = 350 * time.Millisecond
	}
	return &debouncer{e: e, delay: d, f: f}
}

// newThrottle calls f at most once per debounce delay, after the first trigger: a steady
// stream of triggers (calls arriving at the endpoint) still refreshes.
func (e *env) newThrottle(f func()) *debouncer {
	d := e.newDebouncer(f)
	d.throttle = true
	return d
}

// trigger (re)starts the wait.
func (d *debouncer) trigger() {
	d.mu.Lock()
	if d.throttle && d.pending {
		d.mu.Unlock()
		return
	}
	d.pending = true
	d.seq++
	n := d.seq
	d.mu.Unlock()
	d.e.wg.Add(1)
	time.AfterFunc(d.delay, func() {
		defer d.e.wg.Done()
		d.mu.Lock()
		latest := n == d.seq
		if latest {
			d.pending = false
		}
		d.mu.Unlock()
		if latest {
			d.e.do(d.f)
		}
	})
}

// cancel drops a pending trigger (the filter was applied at once, e.g. on Enter).
func (d *debouncer) cancel() {
	d.mu.Lock()
	d.seq++
	d.pending = false
	d.mu.Unlock()
}

// showError shows an error in words.
func (e *env) showError(err error) {
	if err == nil {
		return
	}
	d := dialog.NewCustom(L("Error"), L("OK"), wrapLabel(errorText(err)), e.win)
	d.Show()
}

// errorText is an error's message, first letter up, no Go decoration.
func errorText(err error) string {
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return L("Error")
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// putSetting saves a setting in the background (errors are shown).
func (e *env) putSetting(key, value string) {
	e.run("setting."+key, func() func() {
		if err := e.deps.Store.PutSetting(key, value); err != nil {
			return func() { e.showError(fmt.Errorf(L("Cannot save the setting %s: %v"), key, err)) }
		}
		return nil
	})
}

// screen returns the built screen with this id (building it if needed), or nil.
func (e *env) screen(id string) screen {
	return e.sh.screen(id)
}

// saveContextFrom opens Contexts with a new context prefilled from a history row.
func (e *env) saveContextFrom(rec core.HistoryRecord) {
	e.openScreen("contexts")
	if cs, ok := e.screen("contexts").(*contextsScreen); ok {
		cs.prefillFromHistory(rec)
	}
}

// setLanguage switches the UI language and rebuilds the window content.
func (e *env) setLanguage(code string) {
	e.putSetting(keyLang, code)
	e.sh.lang = code
	if code == "" || code == "system" {
		code = systemLanguage()
	}
	SetLanguage(code)
	e.sh.rebuild()
}

// setTheme applies "light", "dark" or "system" and saves it.
func (e *env) setTheme(mode string) {
	e.putSetting(keyTheme, mode)
	e.sh.theme.mode = mode
	e.app.Settings().SetTheme(e.sh.theme.copy())
}

// Create builds the main window. main.go shows it: w := ui.Create(a, deps); w.ShowAndRun().
func Create(a fyne.App, deps Deps) fyne.Window {
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
		w, h = 1180, 760
	}
	e.win.Resize(fyne.NewSize(float32(w), float32(h)))

	e.ep = newEndpointRunner(e)
	sh := &shell{e: e, theme: th, fonts: fonts, built: map[string]screen{}, views: map[string]fyne.CanvasObject{}}
	e.sh = sh
	e.openScreen = sh.open
	e.useContext = sh.useContext
	sh.current = setting(keyScreen)
	sh.lang = setting(keyLang)
	sh.rebuild()
	sh.addShortcuts()

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

	nav       *widget.List
	body      *fyne.Container
	sourcesLb *widget.Label
	endpoint  *widget.Label
	status    *fyne.Container
	selecting bool
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
	sh.status = container.NewHBox(sh.sourcesLb, widget.NewSeparator(), sh.endpoint, layout.NewSpacer(), version)

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
	e.listen(topicEndpoint, sh.refreshEndpoint)
	sh.refreshSources()
	sh.refreshEndpoint()

	id := sh.current
	if sh.index(id) < 0 && len(sh.defs) > 0 {
		id = sh.defs[0].id
	}
	sh.current = ""
	if id != "" {
		sh.open(id)
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
	if sh.current != id {
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
	lb := sh.sourcesLb
	sh.e.run("status.sources", func() func() {
		list, err := sh.e.deps.Store.Sources()
		return func() {
			switch {
			case err != nil:
				lb.SetText(errorText(err))
			case len(list) == 0:
				lb.SetText(L("No sources yet"))
			case len(list) == 1:
				lb.SetText(L("1 source"))
			default:
				lb.SetText(fmt.Sprintf(L("%d sources"), len(list)))
			}
			sh.status.Refresh() // the label's width changed
		}
	})
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

// fixedWidth lays out one object at a fixed width and full height.
type fixedWidth struct{ width float32 }

func (f *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.width, h)
}

func (f *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// wrapLabel is a word-wrapped label for messages.
func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// heading is a bold title label.
func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// confirm asks a yes/no question with translated buttons.
func (e *env) confirm(title, message, yes string, onYes func()) {
	d := dialog.NewCustomConfirm(title, yes, L("Cancel"), wrapLabel(message), func(ok bool) {
		if ok {
			onYes()
		}
	}, e.win)
	d.Show()
}
