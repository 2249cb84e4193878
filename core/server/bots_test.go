package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// seen records everything a bot received (frames, bodies, headers), to check that the
// backend's token never reached it.
type seen struct {
	mu  sync.Mutex
	all []string
}

func (s *seen) add(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, v)
}

func (s *seen) has(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.all {
		if strings.Contains(v, sub) {
			return true
		}
	}
	return false
}

// wsBot plays a OneBot 11 bot on a WebSocket (whoever dialled it): on the group message
// saying trigger, it sends send_group_msg with an object echo and waits for the reply frame
// carrying that echo, exactly.
func wsBot(ctx context.Context, conn *websocket.Conn, s *seen, trigger, answer string, done chan<- error) {
	defer conn.CloseNow()
	for {
		_, frame, err := conn.Read(ctx)
		if err != nil {
			done <- fmt.Errorf("%s: %v", answer, err)
			return
		}
		s.add(string(frame))
		var ev struct {
			PostType    string          `json:"post_type"`
			MessageType string          `json:"message_type"`
			GroupID     json.Number     `json:"group_id"`
			RawMessage  string          `json:"raw_message"`
			Echo        json.RawMessage `json:"echo"`
			Status      string          `json:"status"`
		}
		_ = json.Unmarshal(frame, &ev)
		switch {
		case ev.PostType == "message" && strings.Contains(string(frame), trigger):
			call, _ := json.Marshal(map[string]any{"action": "send_group_msg",
				"params": map[string]any{"group_id": ev.GroupID, "message": answer}, "echo": map[string]any{"bot": answer, "n": 1}})
			if err := conn.Write(ctx, websocket.MessageText, call); err != nil {
				done <- err
				return
			}
		case string(ev.Echo) == fmt.Sprintf(`{"bot":%q,"n":1}`, answer):
			if ev.Status != "ok" {
				done <- fmt.Errorf("%s: the send failed: %s", answer, frame)
			} else {
				done <- nil
			}
			return
		}
	}
}

// TestBotsThroughTheHub: a ws bot, a ws-reverse bot and an http-post bot on one source; a
// group message from the fake NapCat reaches all three through the real endpoint; each
// answers with send_group_msg (the http-post bot through the OneBot proxy, plus a quick reply
// in its answer); the fake NapCat receives all four sends, history has them, and no bot ever
// sees the backend's token.
func TestBotsThroughTheHub(t *testing.T) {
	const napToken = "napcat-backend-token-9f8e"
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: napToken})
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	var s seen
	done := make(chan error, 3)

	// The ws-reverse bot: a WebSocket server the console dials (NoneBot's /onebot/v11/ws).
	reverseBot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.add(fmt.Sprint(r.Header))
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wsBot(ctx, conn, &s, "hello bots", "from the ws-reverse bot", done)
	}))
	defer reverseBot.Close()

	// The http-post bot: events are POSTed to it; it answers the group message with a quick
	// reply and also calls send_group_msg on the console's OneBot proxy.
	var console *console
	postBot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.add(fmt.Sprint(r.Header) + string(body))
		if !strings.Contains(string(body), "hello bots") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		go func() {
			status, out := console.do("POST", "/send_group_msg", map[string]any{"group_id": 5550002, "message": "from the http-post bot"})
			s.add(string(out))
			if status != 200 || !strings.Contains(string(out), `"retcode":0`) {
				done <- fmt.Errorf("http-post bot's call: %d %s", status, out)
				return
			}
			done <- nil
		}()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"reply":"quick reply from the http-post bot","at_sender":false}`)
	}))
	defer postBot.Close()

	src := core.Source{ID: "qq", Via: onebot.Via, URL: fake.URL(), Token: napToken, Flavor: "napcat", Events: core.LinkWS, WSURL: fake.WSURL(), Default: true, SelfID: "10001"}
	bots := []core.Bot{
		{ID: "ws-bot", Mode: core.BotWS, Token: "ws-bot-token"},
		{ID: "reverse-bot", Mode: core.BotWSReverse, URL: "ws" + strings.TrimPrefix(reverseBot.URL, "http") + "/onebot/v11/ws", Token: "reverse-bot-token"},
		{ID: "post-bot", Mode: core.BotHTTPPost, URL: postBot.URL, Secret: "post-bot-secret"},
	}
	console = startConsole(t, []core.Source{src}, bots, nil)
	c := console

	// The ws bot dials the endpoint's GET / with its own token.
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer ws-bot-token"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.add(fmt.Sprint(resp.Header))
	go wsBot(ctx, conn, &s, "hello bots", "from the ws bot", done)

	c.linkedTo("qq", fake)
	waitFor(t, "the three bots to follow the source's events", func() bool {
		n := 0
		for name := range c.rt.Events.Intake.Stats().Consumers {
			if strings.HasPrefix(name, "hub ") {
				n++
			}
		}
		connected := 0
		for _, b := range c.rt.Hub.Bots() {
			connected += b.Connections
		}
		return n == 3 && connected == 2
	})
	if err := fake.Emit(fake.GroupMessageEvent(5550002, 7770002, "hello bots")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			var sends []string
			for _, r := range fake.Requests() {
				sends = append(sends, r.Action+" "+fmt.Sprint(r.Params["message"]))
			}
			t.Fatalf("the bots did not all answer: bots %+v\nthe fake got %q", c.rt.Hub.Bots(), sends)
		}
	}
	for _, want := range []string{"from the ws bot", "from the ws-reverse bot", "from the http-post bot", "quick reply from the http-post bot"} {
		waitFor(t, "the fake NapCat to receive "+want, func() bool {
			for _, r := range fake.Requests() {
				if strings.HasPrefix(r.Action, "send_") && strings.Contains(fmt.Sprint(r.Params["message"]), want) {
					return true
				}
			}
			return false
		})
	}
	c.historyHas("onebot-ws", "send_group_msg", "group:5550002")
	c.historyHas(core.OriginOneBot, "send_group_msg", "group:5550002")
	waitFor(t, "the quick reply's row", func() bool {
		rows, _, _ := c.db.HistoryScan(0, 100, storeFilter("onebot-post"))
		return len(rows) > 0
	})
	if s.has(napToken) {
		t.Fatal("a bot saw the backend's token")
	}
	states := map[string]bool{}
	for _, b := range c.rt.Hub.Bots() {
		states[b.ID] = b.EventsSent > 0
	}
	if !states["ws-bot"] || !states["reverse-bot"] || !states["post-bot"] {
		t.Errorf("bot states: %+v", c.rt.Hub.Bots())
	}
}
