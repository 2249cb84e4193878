package events

import (
	"sync"

	"ucbi-console/core"
)

// MemLog is an in-memory core.EventLog for tests (of this package and others). It is not
// durable; "durable" means "appended under the lock". Appends counts AppendEvents calls, so a
// test can see group commits; Hook, when set, runs at the start of every AppendEvents call
// (outside the lock) and may block or fail it.
type MemLog struct {
	Hook func(evs []*core.StoredEvent) error

	mu      sync.Mutex
	events  []core.StoredEvent
	last    uint64
	cursors map[string]uint64
	appends int
}

// NewMemLog returns an empty MemLog.
func NewMemLog() *MemLog { return &MemLog{cursors: map[string]uint64{}} }

// AppendEvents assigns ids and keeps copies of the events.
func (m *MemLog) AppendEvents(evs []*core.StoredEvent) error {
	if m.Hook != nil {
		if err := m.Hook(evs); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appends++
	for _, ev := range evs {
		m.last++
		ev.ID = m.last
		ev.Event.ID = m.last
		m.events = append(m.events, *ev)
	}
	return nil
}

// EventsAfter returns copies of the events with ID > after, oldest first, at most limit.
func (m *MemLog) EventsAfter(after uint64, limit int) ([]core.StoredEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Ids are dense from 1, so the event with id n sits at index n-1.
	start := int(min(after, uint64(len(m.events))))
	end := len(m.events)
	if limit > 0 && end-start > limit {
		end = start + limit
	}
	out := make([]core.StoredEvent, end-start)
	copy(out, m.events[start:end])
	return out, nil
}

// LastEventID is the id of the newest event (0 when empty).
func (m *MemLog) LastEventID() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, nil
}

// Cursor returns a named cursor (0 when never set).
func (m *MemLog) Cursor(name string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[name], nil
}

// SetCursor sets a named cursor.
func (m *MemLog) SetCursor(name string, id uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[name] = id
	return nil
}

// Appends is how many AppendEvents calls committed.
func (m *MemLog) Appends() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appends
}

// Len is how many events are kept.
func (m *MemLog) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}
