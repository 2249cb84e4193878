package events

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"ucbi-console/core"
)

// DefaultSubscriptionBuffer is how many live events a subscription holds before it is dropped.
const DefaultSubscriptionBuffer = 4096

// catchUpPage is how many events a subscription reads from the log at a time while catching up.
const catchUpPage = 256

// SubscribeOptions choose where a subscription starts and what it sees.
type SubscribeOptions struct {
	// After is the id of the last event the subscriber already has: it gets every event after
	// it (from the log, then live). Use Intake.LastID() for "only new ones".
	After uint64
	// Buffer bounds the live events waiting for Next; 0 = DefaultSubscriptionBuffer. A
	// subscriber that falls further behind is dropped (Next returns a *DroppedError) rather than
	// slowing the intake.
	Buffer int
	// Source, when set, keeps only that source's events.
	Source string
}

// DroppedError ends a subscription that fell too far behind. Cursor is the id of the last
// event it delivered: subscribe again with After: Cursor to catch up from the log.
type DroppedError struct {
	Name   string
	Reason string
	Cursor uint64
}

func (e *DroppedError) Error() string {
	return fmt.Sprintf("subscription %q dropped: %s; resume after event %d", e.Name, e.Reason, e.Cursor)
}

// Subscription is one in-process consumer of events: it catches up from the log, then
// receives live events, in id order, each once. Next is for one goroutine; Close from any.
type Subscription struct {
	in     *Intake
	name   string
	source string
	max    int
	stats  *consumerCounter
	signal chan struct{} // capacity 1: "something changed"

	mu       sync.Mutex
	queue    []*core.StoredEvent // live events offered by the committer
	catching bool                // reading the log: live events are not queued
	err      error               // why the subscription ended (after the queue is drained)

	// Owned by the goroutine calling Next.
	cursor  uint64
	backlog []*core.StoredEvent
	reread  bool
	closed  sync.Once
}

// Subscribe starts a subscription named name (the name its counters go under).
func (in *Intake) Subscribe(name string, opts SubscribeOptions) *Subscription {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultSubscriptionBuffer
	}
	s := &Subscription{
		in: in, name: name, source: opts.Source, max: opts.Buffer,
		stats:  in.stats.consumer(name),
		signal: make(chan struct{}, 1),
		// Start reading the log: everything after opts.After that is already committed is there,
		// and what is committed from now on is either there too or offered live.
		catching: true,
		cursor:   opts.After,
	}
	s.stats.cursor.Store(opts.After)
	in.subsMu.Lock()
	if in.subsEnded {
		s.err = ErrClosed
	} else {
		in.subs[s] = struct{}{}
		// Already up to date: live at once. A commit raises LastID before it publishes, and
		// publishing waits for subsMu, so every batch above LastID here is offered to s.
		if opts.After >= in.LastID() {
			s.catching = false
		}
	}
	in.subsMu.Unlock()
	return s
}

// Cursor is the id of the last event Next returned (or After).
func (s *Subscription) Cursor() uint64 { return s.cursor }

// Next returns the next event. It blocks until there is one, ctx ends, the subscription is
// dropped (*DroppedError) or closed, or the intake stops (ErrClosed, once everything
// committed has been returned). The event's byte slices are shared: read them, don't change them.
func (s *Subscription) Next(ctx context.Context) (core.StoredEvent, error) {
	for {
		for len(s.backlog) > 0 {
			ev := s.backlog[0]
			s.backlog[0] = nil
			s.backlog = s.backlog[1:]
			if ev.ID <= s.cursor {
				continue // already delivered: the log and the live queue overlap at the switch
			}
			s.cursor = ev.ID
			if s.source != "" && ev.Source != s.source {
				s.stats.cursor.Store(ev.ID)
				continue
			}
			s.stats.deliveredUpTo(ev.ID)
			return *ev, nil
		}
		s.mu.Lock()
		catching := s.catching
		s.mu.Unlock()
		if catching || s.reread {
			evs, err := s.in.log.EventsAfter(s.cursor, catchUpPage)
			if err != nil {
				return core.StoredEvent{}, fmt.Errorf("reading the event log after event %d: %w", s.cursor, err)
			}
			if len(evs) > 0 {
				for i := range evs {
					evs[i].Event.ID = evs[i].ID
					s.backlog = append(s.backlog, &evs[i])
				}
				continue
			}
			if catching {
				// Caught up: take live events from now on, and read the log once more for what
				// was committed between that read and this switch (it was not queued).
				s.mu.Lock()
				s.catching = false
				s.mu.Unlock()
				s.reread = true
				continue
			}
			s.reread = false
		}
		s.mu.Lock()
		if len(s.queue) > 0 {
			s.backlog, s.queue = s.queue, nil
			s.mu.Unlock()
			continue
		}
		err := s.err
		s.mu.Unlock()
		if d, ok := err.(*DroppedError); ok {
			d := *d
			d.Cursor = s.cursor // what this consumer has really had, backlog included
			return core.StoredEvent{}, &d
		}
		if err != nil {
			return core.StoredEvent{}, err
		}
		select {
		case <-s.signal:
		case <-ctx.Done():
			return core.StoredEvent{}, ctx.Err()
		}
	}
}

// Close ends the subscription; Next then returns ErrClosed.
func (s *Subscription) Close() {
	s.closed.Do(func() {
		s.in.subsMu.Lock()
		delete(s.in.subs, s)
		s.in.subsMu.Unlock()
		s.end(ErrClosed)
		s.in.stats.release(s.name)
	})
}

// end sets why the subscription ends, unless it already has a reason.
func (s *Subscription) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.wake()
}

func (s *Subscription) wake() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// offer queues a committed batch; it never blocks. It reports false when the subscription is
// over (dropped now or before) so the committer can forget it.
func (s *Subscription) offer(evs []*core.StoredEvent) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false
	}
	if s.catching {
		return true // it reads these from the log
	}
	n := 0
	for _, ev := range evs {
		if s.source == "" || ev.Source == s.source {
			n++
		}
	}
	if n == 0 {
		return true
	}
	if len(s.queue)+n > s.max {
		s.queue = nil
		s.err = &DroppedError{Name: s.name, Reason: fmt.Sprintf("more than %d events waiting", s.max)}
		s.wake()
		return false
	}
	for _, ev := range evs {
		if s.source == "" || ev.Source == s.source {
			s.queue = append(s.queue, ev)
		}
	}
	s.wake()
	return true
}

// publish offers a committed batch to every subscription and forgets the dropped ones.
func (in *Intake) publish(evs []*core.StoredEvent) {
	var over []*Subscription
	in.subsMu.RLock()
	for s := range in.subs {
		if !s.offer(evs) {
			over = append(over, s)
		}
	}
	in.subsMu.RUnlock()
	if len(over) > 0 {
		in.subsMu.Lock()
		for _, s := range over {
			delete(in.subs, s)
		}
		in.subsMu.Unlock()
		for _, s := range over {
			in.logger.Warn("slow event subscriber dropped", "name", s.name, "buffer", s.max)
		}
	}
}

// Follow hands fn every event after opts.After, in order, until ctx ends, fn returns an error,
// or the intake stops. A follower that falls behind is not lost: it subscribes again from its
// cursor (the one place a consumer resumes after a *DroppedError), so it misses nothing.
func (in *Intake) Follow(ctx context.Context, name string, opts SubscribeOptions, fn func(core.StoredEvent) error) error {
	for {
		sub := in.Subscribe(name, opts)
		err := func() error {
			defer sub.Close()
			for {
				ev, err := sub.Next(ctx)
				if err != nil {
					return err
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
		}()
		var dropped *DroppedError
		if !errors.As(err, &dropped) {
			return err
		}
		opts.After = dropped.Cursor
	}
}
