package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"ucbi-console/core/events"
)

// after = the largest id: nothing is newer. after+1 wrapped to 0, so it read every event from
// the start — from memory and from the index alike.
func TestEventsAfterTheLargestIDIsEmpty(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	must(t, err)
	appendEvents(t, db, sampleEvent(1, "a"), sampleEvent(2, "a"), sampleEvent(3, "a"))
	check := func(where string, db *DB) {
		t.Helper()
		evs, err := db.EventsAfter(math.MaxUint64, 10)
		if err != nil || len(evs) != 0 {
			t.Fatalf("%s: EventsAfter(MaxUint64) = ids %v, %v; want none", where, ids(evs), err)
		}
		if evs, err := db.EventsAfter(math.MaxUint64-1, 10); err != nil || len(evs) != 0 {
			t.Fatalf("%s: EventsAfter(MaxUint64-1) = ids %v, %v; want none", where, ids(evs), err)
		}
	}
	check("fresh", db)
	must(t, db.Close())
	db, err = Open(dir) // the memory of recent events starts empty: the index is read
	must(t, err)
	t.Cleanup(func() { _ = db.Close() })
	check("reopened", db)

	// And over HTTP, as a consumer asks it: GET /events?after=18446744073709551615.
	in, err := events.NewIntake(db, events.IntakeOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = in.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-in.Done() })
	srv := httptest.NewServer(events.LongPoll(in))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/events?after=" + fmt.Sprint(uint64(math.MaxUint64)))
	must(t, err)
	defer resp.Body.Close()
	var body events.PollResponse
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(body.Events) != 0 || body.Next != math.MaxUint64 {
		t.Fatalf("GET /events?after=max: %d events, next %d; want none, next = after", len(body.Events), body.Next)
	}
}
