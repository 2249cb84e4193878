package events

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// Stats is a snapshot of the event path's counters, for /metrics and the UI.
type Stats struct {
	LastID         uint64                   // newest committed event id
	Queued         int64                    // accepted, not yet committed
	Commits        uint64                   // AppendEvents calls that succeeded
	CommitFailures uint64                   // events lost because AppendEvents failed
	Sources        map[string]SourceStats   // by source id
	Consumers      map[string]ConsumerStats // by consumer name
}

// SourceStats counts one source's events.
type SourceStats struct {
	EventsIn       uint64            // committed events
	Skipped        uint64            // signs of life (heartbeats, lifecycle "connect"): counted, not stored
	DecodeFailures map[string]uint64 // refused events by reason (Reason* constants or a decoder's own)
	Known, Up      bool              // link state, as Live reports it
	Since          time.Time
}

// ConsumerStats counts one consumer's deliveries. Lag is LastID minus Cursor.
type ConsumerStats struct {
	Delivered uint64
	Failures  uint64 // failed delivery attempts (POST deliverer)
	Cursor    uint64
	Lag       uint64
}

type stats struct {
	queued atomic.Int64

	mu             sync.Mutex
	commits        uint64
	commitFailures uint64
	sources        map[string]*sourceCounters
	consumers      map[string]*consumerCounter
}

type sourceCounters struct {
	in, skipped uint64
	refused     map[string]uint64
}

func newStats() stats {
	return stats{sources: map[string]*sourceCounters{}, consumers: map[string]*consumerCounter{}}
}

func (s *stats) source(id string) *sourceCounters {
	c := s.sources[id]
	if c == nil {
		c = &sourceCounters{refused: map[string]uint64{}}
		s.sources[id] = c
	}
	return c
}

func (s *stats) committed(evs []*core.StoredEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	for _, ev := range evs {
		s.source(ev.Source).in++
	}
}

func (s *stats) commitFailed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitFailures += uint64(n)
}

func (s *stats) refused(src, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.source(src).refused[reason]++
}

func (s *stats) skipped(src string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.source(src).skipped++
}

// consumerCounter counts one named consumer; users share it by name and release it when done.
type consumerCounter struct {
	users     int // guarded by stats.mu
	delivered atomic.Uint64
	failures  atomic.Uint64
	cursor    atomic.Uint64
}

func (c *consumerCounter) deliveredUpTo(id uint64) {
	c.delivered.Add(1)
	c.advance(id)
}

// advance moves the cursor forward to id (never back: several requests may share a counter).
func (c *consumerCounter) advance(id uint64) {
	for {
		cur := c.cursor.Load()
		if id <= cur || c.cursor.CompareAndSwap(cur, id) {
			return
		}
	}
}

func (s *stats) consumer(name string) *consumerCounter {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.consumers[name]
	if c == nil {
		c = &consumerCounter{}
		s.consumers[name] = c
	}
	c.users++
	return c
}

// standing returns a counter that is never released (per-request consumers share it).
func (s *stats) standing(name string) *consumerCounter {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.consumers[name]
	if c == nil {
		c = &consumerCounter{users: 1}
		s.consumers[name] = c
	}
	return c
}

func (s *stats) release(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.consumers[name]; c != nil {
		if c.users--; c.users <= 0 {
			delete(s.consumers, name)
		}
	}
}

// Stats returns a snapshot of the counters.
func (in *Intake) Stats() Stats {
	last := in.LastID()
	out := Stats{LastID: last, Queued: in.stats.queued.Load(), Sources: map[string]SourceStats{}, Consumers: map[string]ConsumerStats{}}
	in.stats.mu.Lock()
	out.Commits, out.CommitFailures = in.stats.commits, in.stats.commitFailures
	for id, c := range in.stats.sources {
		out.Sources[id] = SourceStats{EventsIn: c.in, Skipped: c.skipped, DecodeFailures: maps.Clone(c.refused)}
	}
	for name, c := range in.stats.consumers {
		cur := c.cursor.Load()
		cs := ConsumerStats{Delivered: c.delivered.Load(), Failures: c.failures.Load(), Cursor: cur}
		if last > cur {
			cs.Lag = last - cur
		}
		out.Consumers[name] = cs
	}
	in.stats.mu.Unlock()
	in.liveMu.RLock()
	for id, st := range in.live {
		s := out.Sources[id]
		if s.DecodeFailures == nil {
			s.DecodeFailures = map[string]uint64{}
		}
		s.Known, s.Up, s.Since = true, st.up, st.since
		out.Sources[id] = s
	}
	in.liveMu.RUnlock()
	return out
}
