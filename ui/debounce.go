package ui

import (
	"sync"
	"time"
)

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
