package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"ucbi-console/core"
)

// A tap gets a source's events as they are queued, before their commit: the bot hub's bots do
// not wait for the disk.
func TestTapSeesEventsBeforeTheirCommit(t *testing.T) {
	log := NewMemLog()
	gate := make(chan struct{})
	log.Hook = func([]*core.StoredEvent) error { <-gate; return nil }
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	tap := in.Tap("test", "a", 0)
	defer tap.Close()

	tk, err := in.Accept(ctx, src("a"), msg("a", 1))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-tap.C():
		if p := payloadOf(t, ev); p != (payload{"a", 1}) || ev.ID != 0 || ev.Source != "a" {
			t.Fatalf("tapped %+v (id %d, source %q)", p, ev.ID, ev.Source)
		}
	case <-ctx.Done():
		t.Fatal("the tap did not get the event while its commit was held")
	}
	select {
	case <-tk.done:
		t.Fatal("the event was committed although the log holds the commit")
	default:
	}
	close(gate)
	if _, err := tk.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// Each source's events reach its taps in the order they are queued, which is their id order,
// while other sources' producers run at the same time; a tap on "" sees every source.
func TestTapKeepsEachSourcesOrder(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{QueueSize: 16})
	ctx := testCtx(t)
	sources := []string{"a", "b", "c"}
	taps := map[string]*Tap{}
	for _, s := range sources {
		taps[s] = in.Tap("test "+s, s, 10_000)
	}
	all := in.Tap("all", "", 10_000)
	const n = 500
	// Two producers per source: their events interleave, but the tap must match the log.
	var wg sync.WaitGroup
	for _, s := range sources {
		for p := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n {
					if _, err := in.Accept(ctx, src(s), msg(fmt.Sprintf("%s%d", s, p), i)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if err := in.WaitAfter(ctx, 3*2*n-1); err != nil {
		t.Fatal(err)
	}
	stored, err := in.Log().EventsAfter(0, 3*2*n)
	if err != nil || len(stored) != 3*2*n {
		t.Fatalf("%d stored, %v", len(stored), err)
	}
	want := map[string][]payload{}
	var wantAll []payload
	for _, ev := range stored {
		p := payloadOf(t, ev)
		want[ev.Source] = append(want[ev.Source], p)
		wantAll = append(wantAll, p)
	}
	for _, s := range sources {
		taps[s].Close()
		var got []payload
		for ev := range taps[s].C() {
			if ev.Source != s {
				t.Fatalf("tap %s got an event of %s", s, ev.Source)
			}
			got = append(got, payloadOf(t, ev))
		}
		if fmt.Sprint(got) != fmt.Sprint(want[s]) {
			t.Errorf("source %s: tapped %d events in another order than stored", s, len(got))
		}
	}
	all.Close()
	var got []payload
	for ev := range all.C() {
		got = append(got, payloadOf(t, ev))
	}
	if len(got) != len(wantAll) {
		t.Errorf("the tap on every source got %d events, want %d", len(got), len(wantAll))
	}
}

// A tap whose reader falls behind is dropped with a reason; the intake and other taps go on.
func TestSlowTapIsDroppedNotWaitedFor(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	ctx := testCtx(t)
	slow := in.Tap("slow", "a", 2)
	fast := in.Tap("fast", "a", 100)
	defer fast.Close()
	for i := range 5 {
		if _, err := in.Submit(ctx, src("a"), msg("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for range slow.C() {
		n++
	}
	var dropped *DroppedError
	if !errors.As(slow.Err(), &dropped) || n != 2 {
		t.Fatalf("slow tap: %d events, err %v; want 2 and dropped", n, slow.Err())
	}
	if len(fast.C()) != 5 {
		t.Fatalf("the other tap has %d events, want 5", len(fast.C()))
	}
	if in.tapCount.Load() != 1 {
		t.Fatalf("%d taps registered, want 1", in.tapCount.Load())
	}
}

// The intake stopping ends every tap; a tap started afterwards is over at once.
func TestTapsEndWithTheIntake(t *testing.T) {
	in, err := NewIntake(NewMemLog(), IntakeOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in.RegisterDecoder(testVia, testDecoder)
	ctx, cancel := contextWithCancel(t)
	go func() { _ = in.Run(ctx) }()
	tap := in.Tap("t", "a", 0)
	cancel()
	<-in.Done()
	for range tap.C() {
	}
	if !errors.Is(tap.Err(), ErrClosed) {
		t.Fatalf("err %v, want ErrClosed", tap.Err())
	}
	late := in.Tap("late", "a", 0)
	if _, open := <-late.C(); open || !errors.Is(late.Err(), ErrClosed) {
		t.Fatalf("a tap after the stop: open %v err %v", open, late.Err())
	}
}

// A TapFunc hands each event to its function in queue order; a function that gives up ends
// the tap as dropped, and the intake goes on.
func TestTapFuncDeliversInOrderAndEndsWhenItGivesUp(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	ctx := testCtx(t)
	var got []payload // only the producing goroutine (this one) touches it
	tap := in.TapFunc("func", "a", func(ev core.StoredEvent) bool {
		if ev.ID != 0 {
			t.Errorf("a tapped event has id %d before its commit", ev.ID)
		}
		got = append(got, payloadOf(t, ev))
		return len(got) < 3
	})
	for i := range 5 {
		if _, err := in.Submit(ctx, src("a"), msg("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	<-tap.ended
	want := []payload{{"a", 0}, {"a", 1}, {"a", 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	var dropped *DroppedError
	if !errors.As(tap.Err(), &dropped) {
		t.Fatalf("err %v, want dropped", tap.Err())
	}
	if tap.C() != nil || in.tapCount.Load() != 0 {
		t.Fatalf("C %v, %d taps registered; want nil and 0", tap.C(), in.tapCount.Load())
	}
}

// HubFeed's Follow ends with the follower's context, and delivers nothing after.
func TestHubFeedEndsWithItsContext(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	ctx, cancel := contextWithCancel(t)
	ch := make(chan core.StoredEvent, 10)
	ended, err := (&HubFeed{Intake: in}).Follow(ctx, "a", func(ev core.StoredEvent) bool {
		ch <- ev
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Submit(testCtx(t), src("a"), msg("a", 1)); err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; payloadOf(t, ev) != (payload{"a", 1}) {
		t.Fatalf("got %s", ev.Raw)
	}
	cancel()
	<-ended
	if _, err := in.Submit(testCtx(t), src("a"), msg("a", 2)); err != nil {
		t.Fatal(err)
	}
	if len(ch) != 0 {
		t.Fatalf("%d events delivered after the end", len(ch))
	}
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}
