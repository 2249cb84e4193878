package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"
)

// sampleEvent is a group message event as the intake stores it: the UCBI form and the raw
// OneBot 11 JSON (with the spacing NapCat sends, which must survive byte for byte).
func sampleEvent(i int, source string) *core.StoredEvent {
	group := fmt.Sprint(700000000 + i%7)
	user := fmt.Sprint(10000 + i%13)
	text := zhMessages[i%len(zhMessages)]
	data, _ := json.Marshal(core.MessageEventData{Type: "group", Message: core.Message{{Type: "text", Data: map[string]any{"text": text}}},
		SenderID: core.ID(user), Sender: "用户" + user, GroupID: core.ID(group), MessageID: core.ID(fmt.Sprint(i))})
	raw := fmt.Sprintf(`{"time": 1767225600, "self_id": 10001, "post_type": "message", "message_type": "group", "group_id": %s, "user_id": %s, "raw_message": %q, "message_id": %d}`,
		group, user, text, i)
	return &core.StoredEvent{
		Source: source, Via: core.LinkWS, Kind: "message.group",
		Received: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Event: core.Event{Type: core.EventMessage, Time: 1767225600,
			Context: &core.Context{Platform: "qq", Via: "onebot11", Type: "group", GroupID: core.ID(group)}, Data: data},
		Raw: json.RawMessage(raw),
	}
}

func noticeEvent(source, userID string) *core.StoredEvent {
	data, _ := json.Marshal(core.NoticeEventData{Notice: "add_contact", UserID: core.ID(userID)})
	return &core.StoredEvent{Source: source, Via: core.LinkHTTPPost, Kind: "notice.friend_add",
		Event: core.Event{Type: core.EventNotice, Time: 1767225601, Context: &core.Context{Platform: "qq", Via: "onebot11", Type: "private", UserID: core.ID(userID)}, Data: data},
		Raw:   json.RawMessage(`{"post_type":"notice","notice_type":"friend_add","user_id":` + userID + `}`)}
}

func appendEvents(t testing.TB, db *DB, evs ...*core.StoredEvent) {
	t.Helper()
	if err := db.AppendEvents(evs); err != nil {
		t.Fatal(err)
	}
}

func TestAppendEventsIDsAndContent(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	if id, err := db.LastEventID(); err != nil || id != 0 {
		t.Fatalf("LastEventID of an empty store = %d, %v", id, err)
	}
	var want []core.StoredEvent
	for batch := range 4 {
		evs := []*core.StoredEvent{sampleEvent(batch*3, "napcat"), sampleEvent(batch*3+1, "napcat"), sampleEvent(batch*3+2, "lagrange")}
		appendEvents(t, db, evs...)
		for i, ev := range evs {
			wantID := uint64(batch*3 + i + 1)
			if ev.ID != wantID || ev.Event.ID != wantID {
				t.Fatalf("event %d: ID %d, Event.ID %d", wantID, ev.ID, ev.Event.ID)
			}
			want = append(want, *ev)
		}
	}
	received := &core.StoredEvent{Source: "x", Kind: "meta_event.heartbeat", Event: core.Event{Type: core.EventMeta}}
	before := time.Now()
	appendEvents(t, db, received)
	if received.Received.Before(before) {
		t.Errorf("a zero Received was not set: %v", received.Received)
	}
	want = append(want, *received)
	if id, _ := db.LastEventID(); id != 13 {
		t.Errorf("LastEventID = %d, want 13", id)
	}
	check := func(t *testing.T, db *DB) {
		t.Helper()
		got, err := db.EventsAfter(0, 100)
		must(t, err)
		if len(got) != len(want) {
			t.Fatalf("EventsAfter(0) = %d events, want %d", len(got), len(want))
		}
		for i := range got {
			assertSameEvent(t, got[i], want[i])
		}
		got, err = db.EventsAfter(10, 2)
		must(t, err)
		if len(got) != 2 || got[0].ID != 11 || got[1].ID != 12 {
			t.Errorf("EventsAfter(10, 2) = %v", ids(got))
		}
		if got, err := db.EventsAfter(13, 10); err != nil || len(got) != 0 {
			t.Errorf("EventsAfter(newest) = %v, %v", ids(got), err)
		}
	}
	t.Run("from memory", func(t *testing.T) { check(t, db) })
	must(t, db.Close())
	db = openTestAt(t, dir)
	t.Run("from the index after reopen", func(t *testing.T) { check(t, db) })
	ev := sampleEvent(99, "napcat")
	appendEvents(t, db, ev)
	if ev.ID != 14 {
		t.Errorf("first ID after reopen = %d, want 14", ev.ID)
	}
}

func ids(evs []core.StoredEvent) []uint64 {
	var out []uint64
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// assertSameEvent compares events as they survive storage: Raw byte for byte.
func assertSameEvent(t *testing.T, got, want core.StoredEvent) {
	t.Helper()
	if string(got.Raw) != string(want.Raw) {
		t.Errorf("event %d: raw changed:\n got %s\nwant %s", want.ID, got.Raw, want.Raw)
	}
	if !got.Received.Equal(want.Received) {
		t.Errorf("event %d: Received = %v, want %v", want.ID, got.Received, want.Received)
	}
	got.Received, want.Received = time.Time{}, time.Time{}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("event differs:\n got %s\nwant %s", g, w)
	}
}

func TestAppendEventsRefusesBadEventsWhole(t *testing.T) {
	db := openTest(t)
	appendEvents(t, db, sampleEvent(1, "napcat"))
	bad := sampleEvent(2, "napcat")
	bad.Raw = json.RawMessage(`{"post_type":`)
	tests := []struct {
		name string
		evs  []*core.StoredEvent
		want string
	}{
		{"raw not JSON", []*core.StoredEvent{sampleEvent(3, "a"), bad}, "event 2 of 2 (message.group from \"napcat\"): its raw JSON is not valid JSON"},
		{"nil event", []*core.StoredEvent{nil}, "event 1 of 1 is missing"},
		{"data not JSON", []*core.StoredEvent{{Source: "s", Kind: "k", Event: core.Event{Data: json.RawMessage(`{`)}}}, "event 1 of 1"},
	}
	for _, tt := range tests {
		err := db.AppendEvents(tt.evs)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	ok := sampleEvent(4, "napcat")
	appendEvents(t, db, ok)
	if ok.ID != 2 {
		t.Errorf("ID after refused events = %d, want 2 (nothing stored, no gap)", ok.ID)
	}
	must(t, db.AppendEvents(nil))
}

func TestEventsBeforeAndFilter(t *testing.T) {
	db := openTest(t)
	for i := range 60 {
		src := "napcat"
		if i%3 == 0 {
			src = "lagrange"
		}
		appendEvents(t, db, sampleEvent(i, src)) // IDs 1..60
	}
	appendEvents(t, db, noticeEvent("napcat", "4242"), noticeEvent("lagrange", "5151")) // 61, 62
	tests := []struct {
		name string
		f    EventFilter
		want func(id uint64) bool
	}{
		{"all", EventFilter{}, func(uint64) bool { return true }},
		{"source", EventFilter{Source: "lagrange"}, func(id uint64) bool { return id == 62 || (id <= 60 && (id-1)%3 == 0) }},
		{"kind exact", EventFilter{Kind: "notice.friend_add"}, func(id uint64) bool { return id > 60 }},
		{"kind first part", EventFilter{Kind: "message"}, func(id uint64) bool { return id <= 60 }},
		{"kind is not a prefix", EventFilter{Kind: "mess"}, func(uint64) bool { return false }},
		{"group", EventFilter{Group: "700000003"}, func(id uint64) bool { return id <= 60 && (id-1)%7 == 3 }},
		{"user as sender", EventFilter{User: "10005"}, func(id uint64) bool { return id <= 60 && (id-1)%13 == 5 }},
		{"user of a notice", EventFilter{User: "4242"}, func(id uint64) bool { return id == 61 }},
		{"text zh", EventFilter{Text: "打球"}, func(id uint64) bool { return id <= 60 && (id-1)%7 == 4 }},
		{"text case", EventFilter{Text: "BUILD #1024"}, func(id uint64) bool { return id <= 60 && (id-1)%7 == 6 }},
		{"combined", EventFilter{Source: "napcat", Kind: "message.group", Group: "700000001"}, func(id uint64) bool {
			return id <= 60 && (id-1)%7 == 1 && (id-1)%3 != 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []uint64
			for id := uint64(62); id >= 1; id-- {
				if tt.want(id) {
					want = append(want, id)
				}
			}
			// Page through 5 at a time, newest first.
			var got []uint64
			for before, pages := uint64(0), 0; pages < 100; pages++ {
				page, next, err := db.EventsBefore(before, 5, tt.f)
				must(t, err)
				got = append(got, ids(page)...)
				if next == 0 {
					break
				}
				before = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("EventsBefore = %v\nwant %v", got, want)
			}
		})
	}
}

func TestEventRetentionPrunesOldest(t *testing.T) {
	db := openTest(t)
	db.SetEventRetention(100)
	for i := range 25 {
		var evs []*core.StoredEvent
		for j := range 10 {
			evs = append(evs, sampleEvent(i*10+j, "napcat"))
		}
		appendEvents(t, db, evs...) // 250 events
	}
	n, oldest, newest, err := db.EventCount()
	must(t, err)
	if n != 100 || oldest != 151 || newest != 250 {
		t.Errorf("EventCount = %d [%d, %d], want 100 [151, 250]", n, oldest, newest)
	}
	got, err := db.EventsAfter(0, 1000)
	must(t, err)
	if len(got) != 100 || got[0].ID != 151 {
		t.Errorf("EventsAfter(0) after pruning: %d events from %v", len(got), ids(got[:1]))
	}
	page, next, err := db.EventsBefore(0, 1000, EventFilter{})
	must(t, err)
	if len(page) != 100 || next != 0 || page[99].ID != 151 {
		t.Errorf("EventsBefore after pruning: %d events, next %d", len(page), next)
	}
	// Lowering the retention prunes on the next append; raising it keeps what is there.
	db.SetEventRetention(10)
	appendEvents(t, db, sampleEvent(1, "x"))
	if n, oldest, _, _ := db.EventCount(); n != 10 || oldest != 242 {
		t.Errorf("after lowering to 10: %d events from %d", n, oldest)
	}
	db.SetEventRetention(0) // the default
	appendEvents(t, db, sampleEvent(2, "x"))
	if n, _, _, _ := db.EventCount(); n != 11 {
		t.Errorf("after restoring the default: %d events, want 11", n)
	}
}

func TestCursorsDurableAndConcurrent(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	if c, err := db.Cursor("nobody"); err != nil || c != 0 {
		t.Errorf("unset cursor = %d, %v", c, err)
	}
	for _, bad := range []string{"", strings.Repeat("x", maxCursorName+1), "bad\xff"} {
		if err := db.SetCursor(bad, 1); err == nil {
			t.Errorf("SetCursor(%q) accepted", bad)
		}
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 1; i <= 200; i++ {
				if err := db.SetCursor(fmt.Sprintf("http://consumer/%d", w), uint64(i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	must(t, db.SetCursor("http://consumer/0", 7)) // a cursor may also move back (a replay)
	must(t, db.Close())
	db = openTestAt(t, dir)
	all, err := db.Cursors()
	must(t, err)
	if len(all) != 8 {
		t.Fatalf("%d cursors after reopen, want 8", len(all))
	}
	for w := range 8 {
		want := uint64(200)
		if w == 0 {
			want = 7
		}
		if c, _ := db.Cursor(fmt.Sprintf("http://consumer/%d", w)); c != want {
			t.Errorf("cursor %d = %d after reopen, want %d", w, c, want)
		}
	}
}

func TestEventsConcurrentAppendersGroupCommit(t *testing.T) {
	db := openTest(t)
	db.events.commitHook = func() { time.Sleep(time.Millisecond) }
	const writers, each = 32, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.AppendEvents([]*core.StoredEvent{sampleEvent(w*each+i, fmt.Sprint("w", w))}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	n, oldest, newest, err := db.EventCount()
	must(t, err)
	if n != writers*each || oldest != 1 || newest != writers*each {
		t.Errorf("EventCount = %d [%d, %d]", n, oldest, newest)
	}
	if c := db.events.commits.Load(); c > writers*each/5 {
		t.Errorf("%d events took %d syncs: group commit should need far fewer", writers*each, c)
	}
	seen := map[uint64]bool{}
	for after := uint64(0); ; {
		page, err := db.EventsAfter(after, 333)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if ev.ID != after+1 || seen[ev.ID] {
				t.Fatalf("event %d after %d", ev.ID, after)
			}
			seen[ev.ID] = true
			after = ev.ID
		}
	}
	if len(seen) != writers*each {
		t.Errorf("read %d events, want %d", len(seen), writers*each)
	}
}

func TestEventsAfterClose(t *testing.T) {
	db, err := Open(t.TempDir())
	must(t, err)
	must(t, db.Close())
	calls := map[string]func() error{
		"AppendEvents": func() error { return db.AppendEvents([]*core.StoredEvent{sampleEvent(1, "a")}) },
		"EventsAfter":  func() error { _, err := db.EventsAfter(0, 1); return err },
		"EventsBefore": func() error { _, _, err := db.EventsBefore(0, 1, EventFilter{}); return err },
		"LastEventID":  func() error { _, err := db.LastEventID(); return err },
		"Cursor":       func() error { _, err := db.Cursor("a"); return err },
		"SetCursor":    func() error { return db.SetCursor("a", 1) },
		"Bots":         func() error { _, err := db.Bots(); return err },
		"PutBot":       func() error { return db.PutBot(core.Bot{ID: "b", Mode: core.BotWS}) },
		"DeleteBot":    func() error { return db.DeleteBot("b") },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s after Close: err = %v", name, err)
		}
	}
}

// EachEventJSON hands out each event's UCBI form as stored, id included: the same bytes as
// encoding the decoded event for delivery (no HTML escaping), from memory and from the index.
func TestEachEventJSONIsTheDeliveredForm(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	odd := sampleEvent(2, "napcat")
	odd.Event.Context.GroupID = `a<b>&"c"` // escapes and characters HTML escaping would change
	odd.Event.Data = json.RawMessage(`{"x":"<b>\u2028","face":{"raw":{"faceText":"/笑"}},"e":{}}`)
	empty := &core.StoredEvent{Source: "x", Kind: "meta_event.x", Event: core.Event{Type: core.EventMeta, Data: json.RawMessage(`{}`)}}
	appendEvents(t, db, sampleEvent(0, "napcat"), sampleEvent(1, "lagrange"), odd, noticeEvent("napcat", "42"), empty)
	check := func(t *testing.T, db *DB, after uint64) {
		t.Helper()
		evs, err := db.EventsAfter(after, 100)
		must(t, err)
		var got []string
		var gotIDs []uint64
		must(t, db.EachEventJSON(after, 100, func(id uint64, event []byte) error {
			gotIDs = append(gotIDs, id)
			got = append(got, string(event))
			return nil
		}))
		if len(got) != len(evs) {
			t.Fatalf("%d events, want %d", len(got), len(evs))
		}
		for i, ev := range evs {
			ev.Event.ID = ev.ID
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			must(t, enc.Encode(ev.Event))
			if want := strings.TrimSuffix(b.String(), "\n"); got[i] != want || gotIDs[i] != ev.ID {
				t.Errorf("event %d:\n got %s\nwant %s", ev.ID, got[i], want)
			}
		}
	}
	check(t, db, 0) // from memory
	check(t, db, 3)
	must(t, db.Close())
	db = openTestAt(t, dir)
	check(t, db, 0) // from the index
	check(t, db, 2)
	stop := errors.New("stop")
	n := 0
	if err := db.EachEventJSON(0, 100, func(uint64, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("an error from fn: %v after %d calls", err, n)
	}
}
