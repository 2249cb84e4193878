package ui

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"ucbi-console/core"
)

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

	sh   *shell
	ep   *endpointRunner
	mon  *sourceMonitor // every source's status, for the dots and the status bar
	demo *demoRunner    // the built-in demo open layer, when the operator tried it
	// pollInterval is how often sources without an event link are checked (0 = the default).
	pollInterval time.Duration

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

// putSetting saves a setting in the background (errors are shown).
func (e *env) putSetting(key, value string) {
	e.run("setting."+key, func() func() {
		if err := e.deps.Store.PutSetting(key, value); err != nil {
			return func() { e.showError(fmt.Errorf(L("Cannot save the setting %s: %v"), key, errorText(err))) }
		}
		return nil
	})
}

// sourcesChanged is called (on the UI goroutine) after a source was added, edited or removed:
// the runtime starts, restarts or stops its event link, then the lists, the status bar and
// the dots follow.
func (e *env) sourcesChanged() {
	e.notify(topicSources)
	rt := e.deps.Runtime
	e.run("sources.reloaded", func() func() {
		var err error
		if rt != nil {
			err = rt.ReloadSources()
		}
		return func() {
			if err != nil {
				e.sh.setStatusNote(fmt.Sprintf(L("An event link did not start: %s"), errorText(err)))
			} else if e.sh.note != "" {
				e.sh.setStatusNote("")
			}
			e.mon.check()
		}
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
