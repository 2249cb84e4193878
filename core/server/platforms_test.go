package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/onebot12/onebot12test"
	"ucbi-console/core/openwx"
	"ucbi-console/core/openwx/openwxtest"
)

// TestOneBotThreePlatforms: one bot, three open layers — OneBot 11 (forward WebSocket events),
// OneBot 12 (forward WebSocket, actions over it too) and Openwx (check_event long polling).
// Events from all three arrive in one stream (GET /events/stream), and the bot answers each
// through the same POST / changing only the context: the event's own.
func TestOneBotThreePlatforms(t *testing.T) {
	ob11 := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
	defer ob11.Close()
	ob12 := onebot12test.New(onebot12test.Options{})
	defer ob12.Close()
	wx := openwxtest.New(openwxtest.Options{PollWait: 200 * time.Millisecond})
	defer wx.Close()
	sources := []core.Source{
		{ID: "qq11", Via: onebot.Via, URL: ob11.URL(), Flavor: "napcat", Events: core.LinkWS, WSURL: ob11.WSURL()},
		{ID: "qq12", Via: onebot12.Via, Events: core.LinkWS, WSURL: ob12.WSURL(), Platform: "qq"},
		{ID: "wx", Via: openwx.Via, URL: wx.URL(), Events: core.LinkPoll, Platform: "wechat"},
	}
	c := startConsole(t, sources, nil, nil)

	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/events/stream?after=0", nil)
	req.Header.Set("Authorization", "Bearer "+consoleToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	stream := make(chan core.Event, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev core.Event
				if json.Unmarshal([]byte(data), &ev) == nil {
					stream <- ev
				}
			}
		}
		close(stream)
	}()

	c.linkedTo("qq11", ob11)
	c.linkUp("qq12")
	if err := ob11.Emit(ob11.GroupMessageEvent(5550011, 7770011, "hi from OneBot 11")); err != nil {
		t.Fatal(err)
	}
	ev12 := ob12.Event("message", "group", "", map[string]any{"message_id": "m12", "user_id": "7770012", "group_id": "5550012",
		"message": []any{map[string]any{"type": "text", "data": map[string]any{"text": "hi from OneBot 12"}}}, "alt_message": "hi from OneBot 12"})
	// The fake counts its connection a moment after the handshake: send until one took it.
	waitFor(t, "the OneBot 12 fake to push the event", func() bool { return ob12.Broadcast(ev12) > 0 })
	wx.Enqueue(openwxtest.GroupMessage("m-wx", openwxtest.Groups[0], openwxtest.Friends[0], "hi from Openwx"))

	got := map[string]core.Event{}
	for len(got) < 3 {
		select {
		case ev, ok := <-stream:
			if !ok {
				t.Fatalf("the stream ended; got %v", got)
			}
			if ev.Type != core.EventMessage || ev.Context == nil {
				continue
			}
			id, _ := ev.Context.ConfigID()
			got[id] = ev
		case <-ctx.Done():
			t.Fatalf("events from all three did not arrive: %d (stats %+v)", len(got), c.rt.Events.Intake.Stats().Sources)
		}
	}
	for id, ev := range got {
		status, body := c.do("POST", "/", map[string]any{"action": "send_message", "context": ev.Context, "params": map[string]any{"message": "reply to " + id}})
		if status != 200 {
			t.Fatalf("reply through %s: %d %s", id, status, body)
		}
	}
	sent11 := false
	for _, r := range ob11.Requests() {
		sent11 = sent11 || (strings.HasPrefix(r.Action, "send_") && fmt.Sprint(r.Params["group_id"]) == "5550011")
	}
	sent12 := false
	for _, r := range ob12.Requests() {
		sent12 = sent12 || (r.Action == "send_message" && r.Via == "ws" && fmt.Sprint(r.Params["group_id"]) == "5550012")
	}
	sentWX := false
	for _, r := range wx.Requests() {
		sentWX = sentWX || (strings.Contains(r.Route, "send_group_message") && r.Params.Get("id") == openwxtest.Groups[0].ID)
	}
	if !sent11 || !sent12 || !sentWX {
		t.Fatalf("sends reached: OneBot 11 %v, OneBot 12 %v, Openwx %v\n%+v\n%+v", sent11, sent12, sentWX, ob12.Requests(), wx.Requests())
	}
	for _, id := range []string{"qq11", "qq12", "wx"} {
		waitFor(t, "history of "+id, func() bool {
			rows, _, _ := c.db.HistoryScan(0, 50, storeFilterSource(id))
			return len(rows) > 0 && rows[0].Outcome == core.OutcomeOK
		})
	}
}
