package events

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"ucbi-console/core"
)

// DefaultTapBuffer is how many events a tap holds for its reader before it is dropped.
const DefaultTapBuffer = 4096

// Tap is a live, pre-commit view of one source's events (or every source's): each event is
// handed out the moment it is queued for the log, in the order it is queued, without waiting
// for its commit. It is for consumers that pass events on as they arrive and need no id (the
// bot hub: bots get events "as the open layer sent them, in order", and must not wait for the
// disk). An event a tap handed out is normally stored a moment later; if that commit fails, the
// tap's reader has seen an event the log does not have.
//
// Events come with ID 0 (ids are assigned at the commit). The channel is bounded: a reader that
// lets it fill up is dropped — the channel is closed and Err says why — rather than slowing the
// intake. It is also closed by Close and when the intake stops.
//
// A tap made by TapFunc has no channel: its events are handed to a function instead, on the
// goroutine that queued them, which saves a consumer that only queues them again (the hub, onto
// each bot's connection) a goroutine hand-off per event.
type Tap struct {
	in      *Intake
	name    string
	source  string
	ch      chan core.StoredEvent          // nil for a TapFunc
	deliver func(ev core.StoredEvent) bool // TapFunc's function; nil for a channel tap
	ended   chan struct{}                  // closed together with ch
	stats   *consumerCounter

	mu   sync.Mutex // guards deliveries (sends on ch, calls of deliver) and the end
	over bool
	err  error
}

// Tap starts a tap named name (its counters and log lines go under it) on sourceID's events ("" = every source's), holding
// up to buffer events (0 = DefaultTapBuffer). It sees the events queued from now on.
func (in *Intake) Tap(name, sourceID string, buffer int) *Tap {
	if buffer <= 0 {
		buffer = DefaultTapBuffer
	}
	return in.addTap(&Tap{in: in, name: name, source: sourceID, ch: make(chan core.StoredEvent, buffer)})
}

// TapFunc starts a tap that calls deliver with each event instead of filling a channel
// (C is nil). deliver runs on the goroutine that queued the event, holding the source's order
// lock, so it must not block and must not call the tap's methods: it queues the event and
// returns true, or returns false to give up — the tap then ends as dropped, like a channel tap
// whose reader fell behind. After Close (or the end of the tap) deliver is not called again.
func (in *Intake) TapFunc(name, sourceID string, deliver func(ev core.StoredEvent) bool) *Tap {
	return in.addTap(&Tap{in: in, name: name, source: sourceID, deliver: deliver})
}

// addTap registers a new tap.
func (in *Intake) addTap(t *Tap) *Tap {
	t.ended = make(chan struct{})
	t.stats = in.stats.consumer(t.name)
	// A tap is never behind the log: its counters show it at the newest committed event.
	t.stats.advance(in.LastID())
	in.tapsMu.Lock()
	defer in.tapsMu.Unlock()
	if in.tapsEnded {
		t.end(ErrClosed)
		return t
	}
	if in.taps == nil {
		in.taps = map[string]map[*Tap]struct{}{}
	}
	set := in.taps[t.source]
	if set == nil {
		set = map[*Tap]struct{}{}
		in.taps[t.source] = set
	}
	set[t] = struct{}{}
	in.tapCount.Add(1)
	return t
}

// C is the tap's events, oldest first; it is closed when the tap ends (see Err). It is nil for
// a TapFunc.
func (t *Tap) C() <-chan core.StoredEvent { return t.ch }

// Err is why the tap ended: a *DroppedError (its reader fell behind; Cursor is 0, a tap has no
// ids), ErrClosed (closed, or the intake stopped), or nil while it runs.
func (t *Tap) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Close ends the tap; its channel is closed (events still in it can be read).
func (t *Tap) Close() {
	t.in.forgetTap(t)
	t.end(ErrClosed)
}

// end closes the channel with a reason, once.
func (t *Tap) end(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return
	}
	t.over, t.err = true, err
	t.close()
}

// close closes the channels and releases the counters; t.mu is held and t.over just set.
func (t *Tap) close() {
	if t.ch != nil {
		close(t.ch)
	}
	close(t.ended)
	t.in.stats.release(t.name)
}

// offer hands ev to the reader without blocking; false when the tap is over (dropped now).
func (t *Tap) offer(ev core.StoredEvent) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return false
	}
	reason := ""
	if t.deliver != nil {
		if t.deliver(ev) {
			t.delivered()
			return true
		}
		reason = "its reader gave up (too slow)"
	} else {
		select {
		case t.ch <- ev:
			t.delivered()
			return true
		default:
		}
		reason = fmt.Sprintf("more than %d events waiting", cap(t.ch))
	}
	t.over = true
	t.err = &DroppedError{Name: t.name, Reason: reason}
	t.close()
	return false
}

func (t *Tap) delivered() {
	t.stats.delivered.Add(1)
	t.stats.advance(t.in.LastID())
}

func (in *Intake) forgetTap(t *Tap) {
	in.tapsMu.Lock()
	defer in.tapsMu.Unlock()
	if set := in.taps[t.source]; set != nil {
		if _, ok := set[t]; ok {
			delete(set, t)
			in.tapCount.Add(-1)
			if len(set) == 0 {
				delete(in.taps, t.source)
			}
		}
	}
}

// sourceOrder is the lock that keeps one source's events in the same order in the queue and in
// its taps.
func (in *Intake) sourceOrder(sourceID string) *sync.Mutex {
	if m, ok := in.orders.Load(sourceID); ok {
		return m.(*sync.Mutex)
	}
	m, _ := in.orders.LoadOrStore(sourceID, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// tapOut offers a just-queued event (a copy taken before the committer could touch it) to the
// taps on its source and on every source, and forgets the taps that are dropped.
func (in *Intake) tapOut(ev core.StoredEvent) {
	var over []*Tap
	in.tapsMu.RLock()
	for _, key := range [2]string{ev.Source, ""} {
		for t := range in.taps[key] {
			if !t.offer(ev) {
				over = append(over, t)
			}
		}
		if ev.Source == "" {
			break
		}
	}
	in.tapsMu.RUnlock()
	for _, t := range over {
		in.forgetTap(t)
		if err := t.Err(); err != nil && err != ErrClosed {
			in.logger.Warn("slow event tap dropped", "name", t.name, "source", t.source, "reason", err.Error())
		}
	}
}

// endTaps ends every tap: the intake has stopped.
func (in *Intake) endTaps() {
	in.tapsMu.Lock()
	in.tapsEnded = true
	taps := in.taps
	in.taps = nil
	in.tapCount.Store(0)
	in.tapsMu.Unlock()
	for _, set := range taps {
		for t := range set {
			t.end(ErrClosed)
		}
	}
}

// HubFeed is the bot hub's event feed (it satisfies hub.Feed): every follower gets its own
// TapFunc on the source ("hub <source> #<n>" in the stats), so bots get each event as soon as it
// is queued, in the order the open layer sent it, without waiting for its commit, and without a
// goroutine hand-off between the link that read the event and the bot's connection queue.
type HubFeed struct {
	Intake *Intake
	seq    atomic.Uint64
}

// Follow hands deliver each of sourceID's events from now on until ctx ends, deliver returns
// false (the tap is dropped), or the intake stops; the returned channel is closed then.
// deliver runs on the goroutine that queued the event (see TapFunc): it must not block.
func (f *HubFeed) Follow(ctx context.Context, sourceID string, deliver func(ev core.StoredEvent) bool) (<-chan struct{}, error) {
	t := f.Intake.TapFunc(fmt.Sprintf("hub %s #%d", sourceID, f.seq.Add(1)), sourceID, deliver)
	go func() {
		select {
		case <-ctx.Done():
			t.Close()
		case <-t.ended:
		}
	}()
	return t.ended, nil
}
