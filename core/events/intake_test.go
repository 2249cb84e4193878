package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"ucbi-console/core"
	"ucbi-console/internal/testwait"
)

// While one commit is in flight, everything that arrives waits for the next one, together:
// many producers share one AppendEvents call, and none is acknowledged before it.
func TestGroupCommitBatchesWhatArrivesDuringACommit(t *testing.T) {
	log := NewMemLog()
	gate := make(chan struct{})
	var first sync.Once
	inFirst := make(chan struct{})
	log.Hook = func([]*core.StoredEvent) error {
		first.Do(func() { close(inFirst); <-gate })
		return nil
	}
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)

	firstDone := make(chan error, 1)
	go func() { _, err := in.Submit(ctx, src("a"), msg("first", 0)); firstDone <- err }()
	<-inFirst

	const n = 50
	tickets := make([]*Ticket, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := in.Accept(ctx, src("a"), msg("p", i))
			if err != nil {
				t.Error(err)
			}
			tickets[i] = tk
		}()
	}
	wg.Wait()
	for i, tk := range tickets {
		select {
		case <-tk.done:
			t.Fatalf("event %d acknowledged before its commit", i)
		default:
		}
	}
	close(gate)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets {
		if _, err := tk.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := log.Appends(); got != 2 {
		t.Errorf("AppendEvents calls = %d, want 2 (the first event, then the %d that queued behind it)", got, n)
	}
	if log.Len() != n+1 {
		t.Errorf("stored %d events, want %d", log.Len(), n+1)
	}
}

// Many concurrent producers: every event stored once, ids dense and increasing, each
// producer's events in the order it sent them, and a live subscriber sees all of it in order.
func TestFloodManyProducersKeepsOrderAndLosesNothing(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{QueueSize: 64, MaxBatch: 100})
	ctx := testCtx(t)
	const producers, each = 16, 400
	sub := in.Subscribe("flood", SubscribeOptions{Buffer: producers * each})
	defer sub.Close()

	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("p%d", p)
			var last *Ticket
			for n := range each {
				tk, err := in.Accept(ctx, src(name), msg(name, n))
				if err != nil {
					t.Error(err)
					return
				}
				last = tk
			}
			if _, err := last.Wait(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	stored, err := log.EventsAfter(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != producers*each {
		t.Fatalf("stored %d events, want %d", len(stored), producers*each)
	}
	checkOrder := func(what string, evs []core.StoredEvent) {
		t.Helper()
		next := map[string]int{}
		for i, ev := range evs {
			if ev.ID != uint64(i+1) || ev.Event.ID != ev.ID {
				t.Fatalf("%s: event %d has id %d (UCBI id %d), want %d", what, i, ev.ID, ev.Event.ID, i+1)
			}
			p := payloadOf(t, ev)
			if p.N != next[p.P] {
				t.Fatalf("%s: producer %s: got event %d, want %d", what, p.P, p.N, next[p.P])
			}
			next[p.P]++
		}
	}
	checkOrder("log", stored)

	var got []core.StoredEvent
	for len(got) < producers*each {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("subscriber after %d events: %v", len(got), err)
		}
		got = append(got, ev)
	}
	checkOrder("subscriber", got)

	st := in.Stats()
	if st.Sources["p3"].EventsIn != each || st.LastID != producers*each || st.Consumers["flood"].Delivered != producers*each || st.Consumers["flood"].Lag != 0 {
		t.Errorf("stats: %+v / %+v / %+v", st.Sources["p3"], st.Consumers["flood"], st.LastID)
	}
}

func TestBadInputIsRefusedCountedAndNeverStored(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{MaxEventBytes: 4096, MaxDepth: 16})
	ctx := testCtx(t)
	cases := []struct {
		name   string
		src    core.Source
		raw    []byte
		reason string
	}{
		{"empty", src("bad"), nil, ReasonEmpty},
		{"not JSON", src("bad"), []byte("hello"), ReasonNotJSON},
		{"truncated", src("bad"), []byte(`{"post_type":"message"`), ReasonNotJSON},
		{"bad UTF-8", src("bad"), []byte("{\"post_type\":\"message\",\"x\":\"\xff\"}"), ReasonBadUTF8},
		{"too deep", src("bad"), []byte(`{"post_type":"message","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`), ReasonTooDeep},
		{"too large", src("bad"), []byte(`{"post_type":"message","x":"` + strings.Repeat("a", 5000) + `"}`), ReasonTooLarge},
		{"no decoder", core.Source{ID: "bad", Via: "nobody"}, msg("x", 1), ReasonNoDecoder},
		{"decoder refuses", src("bad"), []byte(`{"time":1}`), ReasonRejected},
		{"decoder panics", src("bad"), []byte(`{"post_type":"panic"}`), ReasonRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.Submit(ctx, tc.src, tc.raw)
			var de *DecodeError
			if !errors.As(err, &de) || de.Reason != tc.reason {
				t.Fatalf("err = %v, want a DecodeError with reason %q", err, tc.reason)
			}
		})
	}
	// A good event from another source still goes through, and nothing bad was stored.
	if _, err := in.Submit(ctx, src("good"), msg("good", 0)); err != nil {
		t.Fatal(err)
	}
	if log.Len() != 1 {
		t.Fatalf("stored %d events, want only the good one", log.Len())
	}
	st := in.Stats().Sources["bad"]
	if st.EventsIn != 0 || st.DecodeFailures[ReasonNotJSON] != 2 || st.DecodeFailures[ReasonRejected] != 2 || st.DecodeFailures[ReasonTooDeep] != 1 {
		t.Errorf("bad source stats = %+v", st)
	}
	// A skipped event is neither stored nor a failure.
	if tk, err := in.Accept(ctx, src("good"), []byte(`{"post_type":"skip"}`)); err != nil || tk != nil {
		t.Fatalf("skip: %v %v", tk, err)
	}
	if in.Stats().Sources["good"].Skipped != 1 {
		t.Errorf("skipped not counted: %+v", in.Stats().Sources["good"])
	}
}

func TestSourceUpDownStoresMetaEventsOnChangeOnly(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	s := core.Source{ID: "napcat", Via: testVia, Platform: "qq"}
	if _, _, known := in.Live("napcat"); known {
		t.Fatal("known before any link reported")
	}
	sub := in.Subscribe("meta", SubscribeOptions{})
	defer sub.Close()
	in.SourceUp(s, "connected")
	in.SourceUp(s, "connected again") // no change: no event
	in.SourceDown(s, "silent for 1m0s")
	in.SourceDown(s, "dial failed") // no change
	in.SourceUp(s, "reconnected")

	want := []struct{ meta, reason string }{
		{core.MetaSourceUp, "connected"}, {core.MetaSourceDown, "silent for 1m0s"}, {core.MetaSourceUp, "reconnected"},
	}
	for _, w := range want {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var d core.MetaEventData
		if err := json.Unmarshal(ev.Event.Data, &d); err != nil {
			t.Fatal(err)
		}
		if ev.Event.Type != core.EventMeta || ev.Event.Context != nil || d.MetaEvent != w.meta || d.Reason != w.reason ||
			d.Platform != "qq" || d.Via != testVia || !bytes.Contains(d.Extra, []byte(`"config_id":"napcat"`)) || ev.Source != "napcat" {
			t.Errorf("event %d = %s %+v, want %s (%s)", ev.ID, ev.Event.Type, d, w.meta, w.reason)
		}
	}
	up, since, known := in.Live("napcat")
	if !up || !known || since.IsZero() {
		t.Errorf("Live = %v %v %v", up, since, known)
	}
	testwait.Until(t, "three meta events stored", func() bool { return log.Len() == 3 })
}

func TestSubscriptionCatchesUpThenGoesLive(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	for n := range 600 { // more than one catch-up page
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	sub := in.Subscribe("ui", SubscribeOptions{After: 100})
	defer sub.Close()
	go func() {
		for n := 600; n < 700; n++ {
			if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
				t.Error(err)
			}
		}
	}()
	for want := uint64(101); want <= 700; want++ {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID != want || payloadOf(t, ev).N != int(want-1) {
			t.Fatalf("got event %d (n=%d), want %d", ev.ID, payloadOf(t, ev).N, want)
		}
	}
	if sub.Cursor() != 700 {
		t.Errorf("cursor %d", sub.Cursor())
	}
}

func TestSubscriptionBySourceSeesOnlyThatSourceInOrder(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	sub := in.Subscribe("hub:bot1", SubscribeOptions{Source: "b"})
	defer sub.Close()
	for n := range 20 {
		for _, s := range []string{"a", "b"} {
			if _, err := in.Accept(ctx, src(s), msg(s, n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for n := range 20 {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p := payloadOf(t, ev); ev.Source != "b" || p.N != n {
			t.Fatalf("got %s/%d, want b/%d", ev.Source, p.N, n)
		}
	}
}

// A subscriber that does not keep up is dropped with a reason, never slowing the intake; it
// resumes from the cursor the error gives and misses nothing.
func TestSlowSubscriberIsDroppedAndResumesFromItsCursor(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	slow := in.Subscribe("slow", SubscribeOptions{Buffer: 5})
	// Make it live (caught up with an empty log) before the flood.
	if _, err := in.Submit(ctx, src("a"), msg("a", 0)); err != nil {
		t.Fatal(err)
	}
	if ev, err := slow.Next(ctx); err != nil || ev.ID != 1 {
		t.Fatalf("first event: %v %v", ev.ID, err)
	}
	for n := 1; n < 200; n++ { // nobody reads: the intake must not wait for it
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	var seen []uint64
	var dropped *DroppedError
	for {
		ev, err := slow.Next(ctx)
		if errors.As(err, &dropped) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ev.ID)
	}
	if dropped.Name != "slow" || !strings.Contains(dropped.Error(), "5 events waiting") {
		t.Errorf("dropped = %v", dropped)
	}
	if dropped.Cursor != slow.Cursor() || (len(seen) > 0 && dropped.Cursor != seen[len(seen)-1]) {
		t.Errorf("cursor %d, last seen %v", dropped.Cursor, seen)
	}
	slow.Close()
	again := in.Subscribe("slow", SubscribeOptions{After: dropped.Cursor})
	defer again.Close()
	for want := dropped.Cursor + 1; want <= 200; want++ {
		ev, err := again.Next(ctx)
		if err != nil || ev.ID != want {
			t.Fatalf("resumed: got %d %v, want %d", ev.ID, err, want)
		}
	}
}

func TestStoppingCommitsEverythingAcceptedAndEndsSubscriptions(t *testing.T) {
	log := NewMemLog()
	in, err := NewIntake(log, IntakeOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in.RegisterDecoder(testVia, testDecoder)
	ctx := testCtx(t)
	// Accepted before Run: queued, committed once it runs, even though it stops at once.
	var tickets []*Ticket
	for n := range 30 {
		tk, err := in.Accept(ctx, src("a"), msg("a", n))
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	sub := in.Subscribe("s", SubscribeOptions{})
	runCtx, stop := context.WithCancel(context.Background())
	stop()
	if err := in.Run(runCtx); err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets {
		if _, err := tk.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if log.Len() != 30 {
		t.Fatalf("stored %d, want 30", log.Len())
	}
	for range 30 {
		if _, err := sub.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sub.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("after stop: %v, want ErrClosed", err)
	}
	if _, err := in.Accept(ctx, src("a"), msg("a", 99)); !errors.Is(err, ErrClosed) {
		t.Fatalf("accept after stop: %v", err)
	}
}

func TestCommitFailureIsReportedNotAcknowledged(t *testing.T) {
	log := NewMemLog()
	log.Hook = func([]*core.StoredEvent) error { return errors.New("disk full") }
	in := startIntake(t, log, IntakeOptions{})
	_, err := in.Submit(testCtx(t), src("a"), msg("a", 0))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if st := in.Stats(); st.CommitFailures != 1 || st.LastID != 0 {
		t.Errorf("stats %+v", st)
	}
}
