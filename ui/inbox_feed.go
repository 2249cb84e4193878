package ui

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"ucbi-console/core"
)

// EventFeed is what the Inbox and Conversations screens need from the event path: pages of the
// stored events and a live subscription. The coordinator satisfies it from the store's event log
// and core/events' in-process subscriptions; memEventFeed is an in-memory one (tests, demos).
type EventFeed interface {
	// EventsBefore returns stored events with ID < before (before 0 = from the newest), newest
	// first, at most limit.
	EventsBefore(before uint64, limit int) ([]core.StoredEvent, error)
	// EventsAfter returns stored events with ID > after, oldest first, at most limit.
	EventsAfter(after uint64, limit int) ([]core.StoredEvent, error)
	// Subscribe delivers every event with ID > after, in ID order: those already stored first,
	// then live ones as they are stored. The channel is closed when ctx ends, or when the
	// subscriber fell too far behind (the hub then subscribes again from its last ID).
	Subscribe(ctx context.Context, after uint64) (<-chan core.StoredEvent, error)
}

// ---------------------------------------------------------------------------------------------
// memEventFeed: an EventFeed over a slice, for tests and the demo.

type memEventFeed struct {
	mu      sync.Mutex
	events  []core.StoredEvent // ID order
	changed chan struct{}      // closed (and replaced) on every append
}

func newMemEventFeed() *memEventFeed { return &memEventFeed{changed: make(chan struct{})} }

// Append stores events, giving each the next ID (and a receive time when it has none), and
// wakes the subscribers. It returns the events as stored.
func (f *memEventFeed) Append(evs ...core.StoredEvent) []core.StoredEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]core.StoredEvent, 0, len(evs))
	for _, ev := range evs {
		ev.ID = uint64(len(f.events)) + 1
		ev.Event.ID = ev.ID
		if ev.Received.IsZero() {
			ev.Received = time.Now()
		}
		f.events = append(f.events, ev)
		out = append(out, ev)
	}
	close(f.changed)
	f.changed = make(chan struct{})
	return out
}

func (f *memEventFeed) EventsBefore(before uint64, limit int) ([]core.StoredEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	end := len(f.events) // events[i].ID == i+1
	if before > 0 && int(before-1) < end {
		end = int(before - 1)
	}
	var out []core.StoredEvent
	for i := end - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, f.events[i])
	}
	return out, nil
}

func (f *memEventFeed) EventsAfter(after uint64, limit int) ([]core.StoredEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []core.StoredEvent
	for i := int(after); i < len(f.events) && len(out) < limit; i++ {
		out = append(out, f.events[i])
	}
	return out, nil
}

func (f *memEventFeed) Subscribe(ctx context.Context, after uint64) (<-chan core.StoredEvent, error) {
	ch := make(chan core.StoredEvent, 256)
	go func() {
		defer close(ch)
		last := after
		for {
			f.mu.Lock()
			pending := append([]core.StoredEvent(nil), f.events[min(int(last), len(f.events)):]...)
			wake := f.changed
			f.mu.Unlock()
			for _, ev := range pending {
				select {
				case ch <- ev:
					last = ev.ID
				case <-ctx.Done():
					return
				}
			}
			if len(pending) > 0 {
				continue
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// ---------------------------------------------------------------------------------------------
// eventHub: one subscription per window, fanned out to the screens in batches.

// Setting key of the desktop notifications ("off" disables them; on by default).
const keyInboxNotify = "inbox.notify"

// topicEvents is told (on the UI goroutine, at most hubFlushEvery apart) that events arrived:
// listeners read them with hub.since.
const topicEvents = "events"

const (
	hubKeep       = 2000                   // events kept for the screens to pick up (2 s at 1,000/s)
	hubInitial    = 500                    // newest stored events read at start
	hubFlushEvery = 100 * time.Millisecond // ≤ 10 refreshes a second however fast events come
	// While events come faster than hubBusyRate, every batch replaces the rows in view anyway:
	// the screens are told at most every hubFlushBusy, which spares the UI goroutine (and the
	// renderer's caches, which keep each text drawn for a minute) most of the redrawing.
	hubFlushBusy = 400 * time.Millisecond
	hubBusyRate  = 250 // events a second
)

// eventHub reads the feed once for the whole window: the newest stored events at start, then a
// live subscription. It keeps the last hubKeep events; screens pull what is newer than their
// own cursor when topicEvents fires. It also sends the desktop notifications.
type eventHub struct {
	e    *env
	feed EventFeed

	mu      sync.Mutex
	ring    []inboxItem // ID order, at most hubKeep (+ hubKeep/4 before it is cut)
	ready   bool        // the initial read is done
	err     error       // the last error of the feed (shown by the Inbox)
	initial bool        // the initial read found hubInitial events: older ones may exist

	flushPending atomic.Bool
	arrived      atomic.Int64 // events since the last flush
	busy         atomic.Bool  // the last flush found events coming faster than hubBusyRate
	lastFlush    time.Time    // the flush timer's own (one at a time)
	notifyFrom   uint64       // events up to this ID were considered for notifications (UI goroutine)

	notifyOn atomic.Bool
	focused  atomic.Bool
	selfIDs  atomic.Value // map[string]string: source id → the bot's own user id
	// notify sends a desktop notification (tests replace it).
	notify func(n *fyne.Notification)

	cancel context.CancelFunc
}

var (
	hubsMu sync.Mutex
	hubs   = map[*env]*eventHub{}
)

// hubOf returns the window's event hub, starting it on first use; nil when the app has no feed.
func hubOf(e *env) *eventHub {
	if e.deps.Events == nil {
		return nil
	}
	hubsMu.Lock()
	defer hubsMu.Unlock()
	if h, ok := hubs[e]; ok {
		return h
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &eventHub{e: e, feed: e.deps.Events, cancel: cancel, notify: e.app.SendNotification}
	h.notifyOn.Store(true)
	h.focused.Store(true)
	h.selfIDs.Store(map[string]string{})
	// Window focus: the desktop driver reports it as the app entering/leaving the foreground.
	lc := e.app.Lifecycle()
	lc.SetOnEnteredForeground(func() { h.focused.Store(true) })
	lc.SetOnExitedForeground(func() { h.focused.Store(false) })
	hubs[e] = h
	go h.loop(ctx)
	e.run("inbox.settings", func() func() {
		v, _, _ := e.deps.Store.Setting(keyInboxNotify)
		h.notifyOn.Store(v != "off")
		ids := map[string]string{}
		if list, err := e.deps.Store.Sources(); err == nil {
			for _, s := range list {
				if s.SelfID != "" {
					ids[s.ID] = s.SelfID
				}
			}
		}
		h.selfIDs.Store(ids)
		return nil
	})
	return h
}

// stopHub ends the window's subscription (tests; the app's single window lives as long as the app).
func stopHub(e *env) {
	hubsMu.Lock()
	h := hubs[e]
	delete(hubs, e)
	hubsMu.Unlock()
	if h != nil {
		h.cancel()
	}
}

func (h *eventHub) loop(ctx context.Context) {
	page, err := h.feed.EventsBefore(0, hubInitial)
	var last uint64
	initial := make([]inboxItem, 0, len(page))
	for i := len(page) - 1; i >= 0; i-- {
		initial = append(initial, newInboxItem(page[i]))
	}
	h.mu.Lock()
	h.err = err
	h.ring = append(h.ring, initial...)
	if len(page) > 0 {
		last = page[0].ID
	}
	h.notifyFrom = last // no notifications for what was stored before the window opened
	h.initial = len(page) == hubInitial
	h.ready = true
	h.mu.Unlock()
	h.flushSoon()

	backoff := time.Second
	for ctx.Err() == nil {
		ch, err := h.feed.Subscribe(ctx, last)
		if err == nil {
			for ev := range ch {
				backoff = time.Second
				if ev.ID <= last {
					continue
				}
				last = ev.ID
				it := newInboxItem(compactEvent(ev)) // decoded here, not on the UI goroutine
				h.mu.Lock()
				h.ring = append(h.ring, it)
				if len(h.ring) > hubKeep+hubKeep/4 {
					h.ring = append([]inboxItem(nil), h.ring[len(h.ring)-hubKeep:]...)
				}
				h.err = nil
				h.mu.Unlock()
				h.arrived.Add(1)
				h.flushSoon()
			}
		} else {
			h.mu.Lock()
			h.err = err
			h.mu.Unlock()
			h.flushSoon()
		}
		if ctx.Err() != nil {
			return
		}
		// The subscription ended (we were too slow, or the feed failed): again, from last.
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// compactEvent copies the event's JSON to slices of its own size: kept for a while, it must not
// hold on to the larger buffers it was read or built in.
func compactEvent(ev core.StoredEvent) core.StoredEvent {
	ev.Raw = bytes.Clone(ev.Raw)
	ev.Event.Data = bytes.Clone(ev.Event.Data)
	return ev
}

// flushSoon tells the screens, at most once per hubFlushEvery (hubFlushBusy in a flood), that
// events arrived.
func (h *eventHub) flushSoon() {
	if !h.flushPending.CompareAndSwap(false, true) {
		return
	}
	delay := hubFlushEvery
	if h.busy.Load() {
		delay = hubFlushBusy
	}
	h.e.wg.Add(1)
	time.AfterFunc(delay, func() {
		defer h.e.wg.Done()
		now := time.Now()
		if !h.lastFlush.IsZero() {
			rate := float64(h.arrived.Swap(0)) / now.Sub(h.lastFlush).Seconds()
			h.busy.Store(rate >= hubBusyRate)
		}
		h.lastFlush = now
		h.e.do(func() {
			// Cleared here, on the UI goroutine: while it is busy no other flush is queued
			// behind this one; events that came meanwhile are taken with it.
			h.flushPending.Store(false)
			h.sendNotifications()
			h.e.notify(topicEvents)
			h.e.event("inbox.flush")
		})
	})
}

// items returns the kept events with ID > after (oldest first), decoded. gap is true when some
// of those are no longer kept: the caller reloads from the feed.
func (h *eventHub) items(after uint64) (its []inboxItem, gap bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ring) == 0 {
		return nil, false
	}
	if h.ring[0].ev.ID > after+1 && after != 0 {
		gap = true
	}
	i := len(h.ring)
	for i > 0 && h.ring[i-1].ev.ID > after {
		i--
	}
	return append([]inboxItem(nil), h.ring[i:]...), gap
}

// since is items' events alone.
func (h *eventHub) since(after uint64) (evs []core.StoredEvent, gap bool) {
	its, gap := h.items(after)
	evs = make([]core.StoredEvent, len(its))
	for i := range its {
		evs[i] = its[i].ev
	}
	return evs, gap
}

// state tells whether the initial read is done and what the feed's last error was.
func (h *eventHub) state() (ready bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ready, h.err
}

// setNotify turns the desktop notifications on or off and saves the choice.
func (h *eventHub) setNotify(on bool) {
	h.notifyOn.Store(on)
	v := "on"
	if !on {
		v = "off"
	}
	h.e.putSetting(keyInboxNotify, v)
}

// sendNotifications notifies private messages and @-mentions of the bot that arrived since the
// last flush, while the window is not focused (UI goroutine).
func (h *eventHub) sendNotifications() {
	its, _ := h.items(h.notifyFrom)
	if len(its) == 0 {
		return
	}
	h.notifyFrom = its[len(its)-1].ev.ID
	if !h.notifyOn.Load() || h.focused.Load() {
		return
	}
	self, _ := h.selfIDs.Load().(map[string]string)
	sent := 0
	for i := range its {
		if its[i].msg == nil || its[i].msg.Sent {
			continue
		}
		m := *its[i].msg
		mention := mentions(m.Message, self[its[i].ev.Source])
		if m.Type != core.TypePrivate && !mention {
			continue
		}
		if sent == 3 { // a burst: one line says how many more
			h.notify(fyne.NewNotification(L("UCBI Console"), L("More new messages")))
			return
		}
		sent++
		title := senderName(m)
		if m.Type != core.TypePrivate {
			title = fmt.Sprintf(L("%s in %s"), title, conversationTitle(m))
		}
		h.notify(fyne.NewNotification(title, oneLine(m.Message.PlainText())))
	}
}

// mentions tells whether a message @-mentions self (never when self is unknown).
func mentions(m core.Message, self string) bool {
	if self == "" {
		return false
	}
	for _, s := range m {
		if s.Type == "at" {
			if id, _ := s.Str("user_id"); id == self {
				return true
			}
		}
	}
	return false
}
