package server_test

import (
	"fmt"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// TestEventLinksEndToEnd: for each event link a OneBot 11 open layer offers, a fake NapCat
// pushes a group message → it is stored → a long-polling consumer gets it → the consumer
// replies by passing the event's context back to POST / → the fake NapCat receives the send
// (over HTTP, or over the WebSocket when the source has no HTTP URL) → history has the call.
func TestEventLinksEndToEnd(t *testing.T) {
	cases := []struct {
		name   string
		events string
		noURL  bool // actions over the WebSocket
	}{
		{"ws, actions over the WebSocket", core.LinkWS, true},
		{"ws, actions over HTTP", core.LinkWS, false},
		{"ws-reverse, actions over the WebSocket", core.LinkWSReverse, true},
		{"http-post", core.LinkHTTPPost, false},
		{"sse", core.LinkSSE, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const napToken, secret = "napcat-token-xyz", "post-secret-abc"
			fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: napToken})
			defer fake.Close()
			src := core.Source{ID: "qq", Via: onebot.Via, URL: fake.URL(), Token: napToken, Flavor: "napcat", Events: tc.events, SelfID: "10001"}
			switch tc.events {
			case core.LinkWS:
				src.WSURL = fake.WSURL()
			case core.LinkHTTPPost:
				src.Secret = secret
			}
			if tc.noURL {
				src.URL = ""
			}
			c := startConsole(t, []core.Source{src}, nil, nil)
			switch tc.events {
			case core.LinkWSReverse:
				stop, err := fake.ConnectReverse("ws"+strings.TrimPrefix(c.base, "http")+"/report/qq", onebottest.ReverseOptions{Token: napToken})
				if err != nil {
					t.Fatal(err)
				}
				defer stop()
			case core.LinkHTTPPost:
				fake.AddPostURL(c.base+"/report/qq", secret, false)
			}
			if tc.events != core.LinkHTTPPost {
				c.linkedTo("qq", fake)
			}
			text := fmt.Sprintf("hello over %s #%d", tc.events, i)
			if err := fake.Emit(fake.GroupMessageEvent(5550001, 7770001, text)); err != nil {
				t.Fatal(err)
			}
			var after uint64
			ev := c.poll(&after, text)
			if ev.ID == 0 || ev.Context == nil || ev.Context.GroupID != "5550001" {
				t.Fatalf("event %+v", ev)
			}
			status, body := c.do("POST", "/", map[string]any{"action": "send_message", "context": ev.Context, "params": map[string]any{"message": "pong " + text}})
			if status != 200 {
				t.Fatalf("reply: %d %s", status, body)
			}
			var sent bool
			for _, r := range fake.Requests() {
				if strings.HasPrefix(r.Action, "send_") && fmt.Sprint(r.Params["group_id"]) == "5550001" && strings.Contains(fmt.Sprint(r.Params["message"]), "pong") {
					sent = true
				}
			}
			if !sent {
				t.Fatalf("the fake NapCat did not receive the reply: %+v", fake.Requests())
			}
			c.historyHas(core.OriginUCBI, "send_message", "group:5550001")
		})
	}
}
