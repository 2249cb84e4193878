package ui

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// topicSourceStatus tells that a source's status dot changed (the monitor's states).
const topicSourceStatus = "sources.status"

// defaultPollInterval is how often the source monitor looks again: a backend that goes away
// turns its dot red within it. (A variable: tests shorten it.)
var defaultPollInterval = 10 * time.Second

// sourceState is what a status dot shows.
type sourceState struct {
	status int       // statusUnknown, statusUp, statusDown
	since  time.Time // when it became so (zero: not known)
	live   bool      // from the source's event link (else from a probe)
}

// sourceMonitor keeps every source's status for the Sources screen and the status bar, for as
// long as the window lives: a source with an event link reports through the runtime (its link
// state, the message_source_up/down meta events), the others are probed (get_login_info) in
// the background every interval. states is touched on the UI goroutine only.
type sourceMonitor struct {
	e        *env
	interval time.Duration
	states   map[string]sourceState
	checking bool
	again    bool // a check was asked for while one ran

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{} // closed when the ticker's goroutine has returned
	started  atomic.Bool
}

func newSourceMonitor(e *env, interval time.Duration) *sourceMonitor {
	if interval <= 0 {
		interval = defaultPollInterval
	}
	return &sourceMonitor{e: e, interval: interval, states: map[string]sourceState{}, stop: make(chan struct{}), stopped: make(chan struct{})}
}

// start polls every interval until close.
func (m *sourceMonitor) start() {
	m.check()
	m.started.Store(true)
	go func() {
		defer close(m.stopped)
		t := time.NewTicker(m.interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.e.do(m.check)
			}
		}
	}()
}

// close stops the polling and returns once no check can start any more: a check handed to
// e.do before the stop has started its background work (e.run) by then, so a caller that then
// waits for that work waits for it too. fyne.Do only queues, so the ticker never waits for
// the UI goroutine that may be calling close.
func (m *sourceMonitor) close() {
	m.stopOnce.Do(func() { close(m.stop) })
	if m.started.Load() {
		<-m.stopped
	}
}

// state is a source's current state.
func (m *sourceMonitor) state(id string) sourceState { return m.states[id] }

// check reads the sources and finds out how each is (on the UI goroutine; the work runs in
// the background). A check asked for while one runs runs after it.
func (m *sourceMonitor) check() {
	if m.checking {
		m.again = true
		return
	}
	m.checking = true
	rt, d := m.e.deps.Runtime, m.e.deps.Dispatcher
	m.e.run("sources.probed", func() func() {
		list, err := m.e.deps.Store.Sources()
		found := make(map[string]sourceState, len(list))
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, src := range list {
			if rt != nil {
				if up, since, known := rt.Live(src.ID); known {
					st := sourceState{status: statusDown, since: since, live: true}
					if up {
						st.status = statusUp
					}
					found[src.ID] = st
					continue
				}
				if src.Events != "" && src.Events != core.LinkNone && src.URL == "" {
					// Its link has not reported yet and there is nothing else to ask.
					found[src.ID] = sourceState{}
					continue
				}
			}
			if d == nil {
				continue
			}
			wg.Add(1)
			go func(src core.Source) {
				defer wg.Done()
				st := sourceState{status: statusDown}
				if _, a, err := d.SourceAdapter(src.ID); err == nil {
					// Asked directly, not through the dispatcher's probe cache: the dot must
					// turn red within one interval.
					ctx, cancel := context.WithTimeout(context.Background(), d.ProbeTimeout)
					if _, err := a.GetLoginInfo(ctx); err == nil {
						st.status = statusUp
					}
					cancel()
				}
				mu.Lock()
				found[src.ID] = st
				mu.Unlock()
			}(src)
		}
		wg.Wait()
		now := time.Now()
		return func() {
			m.checking = false
			if err == nil {
				next := make(map[string]sourceState, len(found))
				for id, st := range found {
					if prev, ok := m.states[id]; ok && !st.live && prev.status == st.status {
						st.since = prev.since
					} else if !st.live && st.status != statusUnknown {
						st.since = now
					}
					next[id] = st
				}
				m.states = next
				m.e.notify(topicSourceStatus)
			}
			if m.again {
				m.again = false
				m.check()
			}
		}
	})
}

// set records a state found elsewhere (a source's Test button).
func (m *sourceMonitor) set(id string, status int) {
	prev := m.states[id]
	if prev.status == status {
		return
	}
	m.states[id] = sourceState{status: status, since: time.Now()}
	m.e.notify(topicSourceStatus)
}

// forget drops a removed source.
func (m *sourceMonitor) forget(id string) {
	delete(m.states, id)
	m.e.notify(topicSourceStatus)
}

// downList is the sources that are down, and since when the first went down.
func (m *sourceMonitor) downList() (ids []string, since time.Time) {
	for id, st := range m.states {
		if st.status == statusDown {
			ids = append(ids, id)
			if since.IsZero() || (!st.since.IsZero() && st.since.Before(since)) {
				since = st.since
			}
		}
	}
	return ids, since
}
