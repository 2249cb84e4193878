package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// DB keeps the event stream: it satisfies core.EventLog.
var _ core.EventLog = (*DB)(nil)

// DefaultEventRetention is how many of the newest events are kept unless SetEventRetention
// says otherwise.
const DefaultEventRetention = 1_000_000

// eventSeqPrefix is how an event's stored JSON begins (storedEvent's first field, zero): the
// journal splices the event's ID in when it indexes it.
const eventSeqPrefix = `{"id":0`

// recentEvents is how many of the newest events are also kept in memory, so that consumers
// following the stream read them without waiting for the index or opening a transaction.
const recentEvents = 8192

// maxCursorName bounds a cursor's name.
const maxCursorName = 200

// maxEventScan bounds how many events one filtered EventsBefore call examines.
const maxEventScan = 200_000

// storedEvent is core.StoredEvent as it is encoded: Raw is written verbatim after the rest
// (json.Marshal would compact it; the open layer's bytes are kept exactly as received).
type storedEvent struct {
	ID       uint64     `json:"id"`
	Source   string     `json:"source"`
	Via      string     `json:"via"`
	Received time.Time  `json:"received"`
	Kind     string     `json:"kind"`
	Event    core.Event `json:"event"`
}

// encodeEvent is ev's stored JSON with ID zero: storedEvent as encoding/json writes it without
// HTML escaping, then "raw". It is written by hand (no reflection): it runs for every event.
func encodeEvent(ev *core.StoredEvent) ([]byte, error) {
	raw := bytes.TrimSpace(ev.Raw)
	if len(raw) > 0 && !core.ValidJSON(raw, 0) && !json.Valid(raw) { // json.Valid: raw that is not UTF-8
		return nil, errors.New("its raw JSON is not valid JSON")
	}
	val := make([]byte, 0, 512+len(ev.Source)+len(ev.Kind)+len(ev.Event.Data)+len(raw))
	val = append(val, eventSeqPrefix+`,"source":`...)
	val = appendJSONString(val, ev.Source)
	val = append(val, `,"via":`...)
	val = appendJSONString(val, ev.Via)
	val = append(val, `,"received":"`...)
	var err error
	if val, err = ev.Received.AppendText(val); err != nil {
		return nil, fmt.Errorf("its received time cannot be encoded: %w", err)
	}
	val = append(val, `","kind":`...)
	val = appendJSONString(val, ev.Kind)
	// core.Event; its own ID is left out (the stored event's is the one).
	e := &ev.Event
	val = append(val, `,"event":{"type":`...)
	val = appendJSONString(val, e.Type)
	val = append(val, `,"time":`...)
	val = strconv.AppendInt(val, e.Time, 10)
	val = append(val, `,"context":`...)
	if val, err = appendContext(val, e.Context); err != nil {
		return nil, err
	}
	val = append(val, `,"data":`...)
	if val, err = appendRawJSON(val, e.Data, "data"); err != nil {
		return nil, err
	}
	val = append(val, '}')
	if len(raw) > 0 {
		val = append(val, `,"raw":`...)
		val = append(val, raw...)
	}
	return append(val, '}'), nil
}

// appendContext appends c as encoding/json writes a *core.Context (every member omitempty).
func appendContext(dst []byte, c *core.Context) ([]byte, error) {
	if c == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '{')
	first := true
	member := func(name, v string) {
		if v == "" {
			return
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		dst = appendJSONString(dst, v)
	}
	member("platform", c.Platform)
	member("via", c.Via)
	member("type", c.Type)
	member("user_id", string(c.UserID))
	member("user_tid", string(c.UserTID))
	member("group_id", string(c.GroupID))
	member("group_tid", string(c.GroupTID))
	member("discuss_id", string(c.DiscussID))
	member("discuss_tid", string(c.DiscussTID))
	if len(c.Extra) > 0 {
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, `"extra":`...)
		var err error
		if dst, err = appendRawJSON(dst, c.Extra, "context's extra"); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendRawJSON appends raw as encoding/json writes a json.RawMessage without HTML escaping:
// null when nil, else compacted (as it is when it already is compact, the usual case).
func appendRawJSON(dst []byte, raw json.RawMessage, what string) ([]byte, error) {
	switch {
	case raw == nil:
		return append(dst, "null"...), nil
	case core.CompactJSON(raw):
		return append(dst, raw...), nil
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		return nil, fmt.Errorf("its %s is not valid JSON: %v", what, err)
	}
	return buf.Bytes(), nil
}

// appendJSONString appends s as encoding/json writes it without HTML escaping.
func appendJSONString(dst []byte, s string) []byte { return core.AppendJSONString(dst, s, false) }

// decodeEvent reads a stored event (the ID in the JSON is the stored one).
func decodeEvent(id uint64, v []byte) (core.StoredEvent, error) {
	var ev core.StoredEvent
	if err := json.Unmarshal(v, &ev); err != nil {
		return core.StoredEvent{}, fmt.Errorf("event %d is unreadable: %v", id, err)
	}
	// json.Unmarshal copies a RawMessage, so nothing points into the transaction's memory.
	ev.ID = id
	ev.Event.ID = id
	return ev, nil
}

// AppendEvents stores evs as the newest events, in order, and returns once all are durable.
// It assigns each its ID (ev.ID and ev.Event.ID: strictly increasing, never reused) and sets
// Received when zero. An event that cannot be stored (its raw JSON is not JSON, its data
// cannot be encoded) fails the whole call before anything is stored, naming which one.
func (db *DB) AppendEvents(evs []*core.StoredEvent) error {
	if len(evs) == 0 {
		return nil
	}
	recs := make([]jrec, len(evs))
	now := time.Now()
	for i, ev := range evs {
		if ev == nil {
			return fmt.Errorf("append events: event %d of %d is missing", i+1, len(evs))
		}
		if ev.Received.IsZero() {
			ev.Received = now
		}
		val, err := encodeEvent(ev)
		if err != nil {
			return fmt.Errorf("append events: event %d of %d (%s from %q): %w", i+1, len(evs), ev.Kind, ev.Source, err)
		}
		recs[i] = jrec{kind: kindData, payload: val}
	}
	if err := db.events.append(recs, nil); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	for i, ev := range evs {
		ev.ID, ev.Event.ID = recs[i].seq, recs[i].seq
	}
	return nil
}

// KeepRecentEvents sets how many of the newest events the store keeps in memory for the
// consumers that follow the stream (8,192 unless set): a consumer further behind reads the
// index instead. The desktop app keeps fewer: it follows the newest and pages older ones.
func (db *DB) KeepRecentEvents(n int) { db.events.keepRecent(n) }

// LastEventID is the ID of the newest durable event (0 when there is none).
func (db *DB) LastEventID() (uint64, error) {
	if db.closed.Load() {
		return 0, errClosed
	}
	return db.events.durable.Load(), nil
}

// EventsAfter returns up to limit events (clamped to 1..1000) with ID > after, oldest first.
// A consumer following the stream is served from memory; one further behind reads the index.
// Events older than the retention are gone: the first returned may be well past after+1.
func (db *DB) EventsAfter(after uint64, limit int) ([]core.StoredEvent, error) {
	if db.closed.Load() {
		return nil, fmt.Errorf("read events: %w", errClosed)
	}
	if after == math.MaxUint64 {
		return nil, nil // nothing can be newer; after+1 would wrap to 0 and read from the start
	}
	limit = clampLimit(limit)
	// Present the retention window exactly, although pruning runs a little behind.
	if last, keep := db.events.durable.Load(), uint64(db.eventKeep.Load()); last > keep && after < last-keep {
		after = last - keep
	}
	if recs, ok := db.events.recentAfter(after, limit); ok {
		out := make([]core.StoredEvent, 0, len(recs))
		var val []byte
		for _, r := range recs {
			val = withSeq(val[:0], r.payload, len(eventSeqPrefix), r.seq)
			ev, err := decodeEvent(r.seq, val)
			if err != nil {
				return nil, fmt.Errorf("read events: %w", err)
			}
			out = append(out, ev)
		}
		return out, nil
	}
	if err := db.events.caughtUp(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	var out []core.StoredEvent
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(u64key(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			ev, err := decodeEvent(keyU64(k), v)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// EachEventJSON is EventsAfter for delivery: it calls fn with each event's UCBI form (core.Event,
// its id included) exactly as stored, JSON without HTML escaping, oldest first, at most limit
// (clamped to 1..1000) — no decoding, no re-encoding. event is valid only during the call. An
// error from fn stops the walk and is returned.
func (db *DB) EachEventJSON(after uint64, limit int, fn func(id uint64, event []byte) error) error {
	if db.closed.Load() {
		return fmt.Errorf("read events: %w", errClosed)
	}
	limit = clampLimit(limit)
	if last, keep := db.events.durable.Load(), uint64(db.eventKeep.Load()); last > keep && after < last-keep {
		after = last - keep
	}
	var scratch []byte
	each := func(id uint64, v []byte) error {
		var err error
		if scratch, err = eventJSON(scratch[:0], id, v); err != nil {
			return err
		}
		return fn(id, scratch)
	}
	if recs, ok := db.events.recentAfter(after, limit); ok {
		for _, r := range recs {
			if err := each(r.seq, r.payload); err != nil {
				return err
			}
		}
		return nil
	}
	if err := db.events.caughtUp(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	return db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		n := 0
		for k, v := c.Seek(u64key(after + 1)); k != nil && n < limit; k, v = c.Next() {
			if err := each(keyU64(k), v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
}

// eventJSON appends the UCBI event of a stored event (its "event" member) to dst with "id":id
// as its first member.
func eventJSON(dst []byte, id uint64, stored []byte) ([]byte, error) {
	// The members before "event" are strings (storedEvent's order), and a JSON string holds no
	// bare quote, so the first `,"event":` is the member itself.
	const member = `,"event":`
	i := bytes.Index(stored, []byte(member))
	if i < 0 {
		return dst, fmt.Errorf("event %d is unreadable: it has no event member", id)
	}
	obj := stored[i+len(member):]
	end := objectEnd(obj)
	if end < 2 {
		return dst, fmt.Errorf("event %d is unreadable: its event member is not an object", id)
	}
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, id, 10)
	if end > 2 { // not {}
		dst = append(dst, ',')
	}
	return append(dst, obj[1:end]...), nil
}

// objectEnd is the length of the JSON object b starts with (0 when it does not start with one or
// does not end).
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return 0
	}
	return core.JSONValueEnd(b, 0)
}

// EventFilter selects events for EventsBefore. Empty fields match everything.
type EventFilter struct {
	Source string // exact
	// Kind matches the open layer's kind exactly ("message.group") or as its first part
	// ("message" matches "message.group" and "message.private").
	Kind  string
	Group string // the event's group (context.group_id or data.group_id)
	User  string // the event's user (context.user_id, data.sender_id or data.user_id)
	// Text is a case-insensitive substring of the event as stored (the UCBI form and raw).
	Text string
}

func (f EventFilter) isZero() bool { return f == EventFilter{} }

// eventFields are the parts of a stored event a filter looks at.
type eventFields struct {
	Source string `json:"source"`
	Kind   string `json:"kind"`
	Event  struct {
		Context *struct {
			UserID  core.ID `json:"user_id"`
			GroupID core.ID `json:"group_id"`
		} `json:"context"`
		Data struct {
			SenderID core.ID `json:"sender_id"`
			UserID   core.ID `json:"user_id"`
			GroupID  core.ID `json:"group_id"`
		} `json:"data"`
	} `json:"event"`
}

// eventMatcher is an EventFilter prepared for many events.
type eventMatcher struct {
	f      EventFilter
	text   folder
	needle [][]byte // byte strings every matching event's stored JSON contains
}

func (f EventFilter) compile() *eventMatcher {
	m := &eventMatcher{f: f}
	for _, s := range []string{f.Source, f.Kind, f.Group, f.User} {
		if s != "" && jsonVerbatim(s) {
			m.needle = append(m.needle, []byte(s))
		}
	}
	if f.Text != "" {
		// Look for the text as JSON writes it (escapes included): the stored event is JSON.
		q, _ := json.Marshal(f.Text)
		m.text = newFolder(string(q[1 : len(q)-1]))
	}
	return m
}

func (m *eventMatcher) match(v []byte) (bool, error) {
	for _, n := range m.needle {
		if !bytes.Contains(v, n) {
			return false, nil
		}
	}
	if m.f.Text != "" && !m.text.in(string(v)) {
		return false, nil
	}
	f := &m.f
	if f.Source == "" && f.Kind == "" && f.Group == "" && f.User == "" {
		return true, nil
	}
	var ef eventFields
	if err := json.Unmarshal(v, &ef); err != nil {
		return false, err
	}
	if f.Source != "" && ef.Source != f.Source {
		return false, nil
	}
	if f.Kind != "" && ef.Kind != f.Kind && !strings.HasPrefix(ef.Kind, f.Kind+".") {
		return false, nil
	}
	ctx, data := ef.Event.Context, &ef.Event.Data
	if f.Group != "" && string(data.GroupID) != f.Group && (ctx == nil || string(ctx.GroupID) != f.Group) {
		return false, nil
	}
	if f.User != "" && string(data.SenderID) != f.User && string(data.UserID) != f.User &&
		(ctx == nil || string(ctx.UserID) != f.User) {
		return false, nil
	}
	return true, nil
}

// EventsBefore returns up to limit events (clamped to 1..1000) that pass f, newest first, all
// with ID < before; before == 0 starts at the newest. next is where to continue (pass it as
// before); 0 means no older events remain. A filtered call examines at most 200,000 events,
// so it can come back short although older matching events exist: follow next.
func (db *DB) EventsBefore(before uint64, limit int, f EventFilter) (events []core.StoredEvent, next uint64, err error) {
	if db.closed.Load() {
		return nil, 0, fmt.Errorf("read events: %w", errClosed)
	}
	if err := db.events.caughtUp(); err != nil {
		return nil, 0, fmt.Errorf("read events: %w", err)
	}
	limit = clampLimit(limit)
	m := f.compile()
	filtered := !f.isZero()
	out := make([]core.StoredEvent, 0, min(limit, 128))
	next, err = db.scanNewest(bucketEvents, before, maxEventScan, func(id uint64, v []byte) (bool, error) {
		if filtered {
			ok, err := m.match(v)
			if err != nil {
				return false, fmt.Errorf("event %d is unreadable: %v", id, err)
			}
			if !ok {
				return false, nil
			}
		}
		ev, err := decodeEvent(id, v)
		if err != nil {
			return false, err
		}
		out = append(out, ev)
		return len(out) == limit, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read events: %w", err)
	}
	return out, next, nil
}

// EventCount is how many events are kept and the IDs of the oldest and newest (0, 0 when none).
func (db *DB) EventCount() (n int, oldest, newest uint64, err error) {
	if db.closed.Load() {
		return 0, 0, 0, errClosed
	}
	if err := db.events.caughtUp(); err != nil {
		return 0, 0, 0, err
	}
	err = db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		k, _ := c.First()
		if k == nil {
			return nil
		}
		oldest = keyU64(k)
		k, _ = c.Last()
		newest = keyU64(k)
		n = int(newest - oldest + 1) // IDs are contiguous: pruning only removes the oldest
		return nil
	})
	return n, oldest, newest, err
}

// SetEventRetention sets how many of the newest events are kept (n ≤ 0: the default,
// 1,000,000). Older events are pruned a slice at a time as new ones are indexed, behind the
// journal, so pruning never holds up an append.
func (db *DB) SetEventRetention(n int) {
	if n <= 0 {
		n = DefaultEventRetention
	}
	db.eventKeep.Store(int64(n))
}

// pruneSlice is the least number of old events one index transaction may prune; it prunes at
// most this or twice what it adds, whichever is more, so a lowered retention is caught up with
// over several transactions instead of one huge one.
const pruneSlice = 4096

// indexEvents runs in every events index transaction: it applies cursor records and prunes
// the oldest events beyond the retention.
func (db *DB) indexEvents(tx *bolt.Tx, recs []jrec) error {
	added := 0
	cur := tx.Bucket(bucketCursors)
	for _, r := range recs {
		switch r.kind {
		case kindData:
			added++
		case kindCursor:
			if err := cur.Put(bytes.Clone(r.payload), u64key(r.seq)); err != nil {
				return fmt.Errorf("write cursor %q: %w", r.payload, err)
			}
		}
	}
	if added == 0 {
		return nil
	}
	b := tx.Bucket(bucketEvents)
	c := b.Cursor()
	first, _ := c.First()
	last, _ := c.Last()
	if first == nil {
		return nil
	}
	over := int64(keyU64(last)-keyU64(first)+1) - db.eventKeep.Load()
	for n := min(over, int64(max(pruneSlice, 2*added))); n > 0; n-- {
		k, _ := c.First()
		if k == nil {
			break
		}
		if err := c.Delete(); err != nil {
			return fmt.Errorf("prune event %d: %w", keyU64(k), err)
		}
	}
	return nil
}

// loadCursors reads the durable cursors (after the journal replay applied any pending ones).
func (db *DB) loadCursors() error {
	m := map[string]uint64{}
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			m[string(k)] = keyU64(v)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read event cursors: %w", err)
	}
	db.cursorMu.Lock()
	db.cursors = m
	db.cursorMu.Unlock()
	return nil
}

// Cursor is the position stored under name (0 when none was set).
func (db *DB) Cursor(name string) (uint64, error) {
	if db.closed.Load() {
		return 0, errClosed
	}
	db.cursorMu.Lock()
	defer db.cursorMu.Unlock()
	return db.cursors[name], nil
}

// Cursors is every stored cursor by name.
func (db *DB) Cursors() (map[string]uint64, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	db.cursorMu.Lock()
	defer db.cursorMu.Unlock()
	out := make(map[string]uint64, len(db.cursors))
	for k, v := range db.cursors {
		out[k] = v
	}
	return out, nil
}

// SetCursor durably stores id as the position named name (a consumer's last acknowledged
// event). It goes through the events journal, so it costs a share of one sync, not a bbolt
// commit: a deliverer may set its cursor after every event.
func (db *DB) SetCursor(name string, id uint64) error {
	if name == "" || len(name) > maxCursorName || !utf8.ValidString(name) {
		return fmt.Errorf("set cursor: a cursor needs a name of 1 to %d bytes of UTF-8", maxCursorName)
	}
	rec := []jrec{{kind: kindCursor, seq: id, payload: []byte(name)}}
	err := db.events.append(rec, func() {
		db.cursorMu.Lock()
		db.cursors[name] = id
		db.cursorMu.Unlock()
	})
	if err != nil {
		return fmt.Errorf("set cursor %q: %w", name, err)
	}
	return nil
}

// EventBytes is how many bytes of the data file the stored events occupy (the pages of their
// bucket), for figures such as bytes per stored event.
func (db *DB) EventBytes() (int64, error) {
	if err := db.events.caughtUp(); err != nil {
		return 0, err
	}
	var n int64
	err := db.view(func(tx *bolt.Tx) error {
		st := tx.Bucket(bucketEvents).Stats()
		n = int64(st.BranchAlloc + st.LeafAlloc)
		return nil
	})
	return n, err
}
