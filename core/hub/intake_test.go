package hub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/events"
	"ucbi-console/core/onebot"
)

// TestIntakeEventsReachBotsInOrder: with the console's own feed (the intake's pre-commit tap,
// delivered on the producer's goroutine), every event reaches every bot exactly as the open
// layer sent it and in the order it arrived; meta events of the link do not.
func TestIntakeEventsReachBotsInOrder(t *testing.T) {
	in, err := events.NewIntake(events.NewMemLog(), events.IntakeOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	in.RegisterDecoder(onebot.Via, onebot.DecodeEvent)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = in.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-in.Done()
	})
	src := core.Source{ID: "qq", Via: onebot.Via, SelfID: "10001"}
	e := newEnv(t, wsBots, func(o *Options) {
		o.Feed = &events.HubFeed{Intake: in}
		o.Sources = SourcesFunc(func(string) (core.Source, error) { return src, nil })
	})
	bots := map[string]*websocket.Conn{"/": e.dialBot(t, "/", "bot-token-1"), "/event": e.dialBot(t, "/event", "bot-token-2")}
	for _, b := range bots {
		readConnect(t, b)
	}
	following := func() int {
		n := 0
		for name := range in.Stats().Consumers {
			if strings.HasPrefix(name, "hub qq") {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(testWait)
	for following() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 bots follow the source", following())
		}
		time.Sleep(time.Millisecond) // polling the intake's counters: it has no change signal
	}

	const n = 500 // below the bot's queue: nobody is too slow here
	var sent []string
	heartbeat := `{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":5000}`
	for i := range n {
		raw := fmt.Sprintf(`{"time":1700000000,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":%d,"group_id":20001,"user_id":10002,"message":[{"type":"text","data":{"text":"n%d"}}],"raw_message":"n%d","font":0,"sender":{"user_id":10002,"nickname":"x"}}`, i+1, i, i)
		if _, err := in.Accept(ctx, src, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, raw)
		if i%100 == 0 {
			if _, err := in.Accept(ctx, src, []byte(heartbeat)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for path, b := range bots {
		for i, want := range sent {
			if got := string(readFrame(t, b)); got != want {
				t.Fatalf("bot on %s, event %d: got %s, want %s", path, i, got, want)
			}
		}
	}
}
