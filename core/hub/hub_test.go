package hub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
)

var wsBots = []core.Bot{
	{ID: "nonebot", Mode: core.BotWS, Token: "bot-token-1"},
	{ID: "koishi", Mode: core.BotWS, Token: "bot-token-2", Source: "other"},
}

func TestRoute(t *testing.T) {
	for _, tc := range []struct {
		path, source, role string
		ok                 bool
	}{
		{"/", "", roleUniversal, true},
		{"/api", "", roleAPI, true},
		{"/event", "", roleEvent, true},
		{"/s/qq", "qq", roleUniversal, true},
		{"/s/qq/", "qq", roleUniversal, true},
		{"/s/qq/api", "qq", roleAPI, true},
		{"/s/qq/event", "qq", roleEvent, true},
		{"/s/", "", "", false},
		{"/send_msg", "", "", false},
		{"/s/qq/send_msg", "", "", false},
	} {
		src, role, ok := Route(tc.path)
		if src != tc.source || role != tc.role || ok != tc.ok {
			t.Errorf("Route(%q) = %q %q %v, want %q %q %v", tc.path, src, role, ok, tc.source, tc.role, tc.ok)
		}
	}
}

func TestIsUpgrade(t *testing.T) {
	for _, tc := range []struct {
		method, conn, upgrade string
		want                  bool
	}{
		{"GET", "Upgrade", "websocket", true},
		{"GET", "keep-alive, Upgrade", "WebSocket", true},
		{"GET", "", "", false},
		{"GET", "keep-alive", "websocket", false},
		{"POST", "Upgrade", "websocket", false},
	} {
		r := httptest.NewRequest(tc.method, "/", nil)
		r.Header.Set("Connection", tc.conn)
		r.Header.Set("Upgrade", tc.upgrade)
		if got := IsUpgrade(r); got != tc.want {
			t.Errorf("IsUpgrade(%s, %q, %q) = %v", tc.method, tc.conn, tc.upgrade, got)
		}
	}
}

func TestForwardHandshakeRefusals(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	for _, tc := range []struct {
		name, path string
		header     http.Header
		want       int
	}{
		{"no token", "/", nil, http.StatusUnauthorized},
		{"wrong token", "/", http.Header{"Authorization": {"Bearer nope"}}, http.StatusForbidden},
		{"backend token", "/", http.Header{"Authorization": {"Bearer " + backendToken}}, http.StatusForbidden},
		{"wrong query token", "/?access_token=nope", nil, http.StatusForbidden},
		{"other source's path", "/s/other/", http.Header{"Authorization": {"Bearer bot-token-1"}}, http.StatusForbidden},
		{"unknown path", "/nope", http.Header{"Authorization": {"Bearer bot-token-1"}}, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testWait)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, e.wsURL(tc.path), &websocket.DialOptions{HTTPHeader: tc.header})
			if err == nil {
				c.CloseNow()
				t.Fatal("handshake accepted")
			}
			if resp == nil || resp.StatusCode != tc.want {
				t.Fatalf("got %v, want HTTP %d", resp, tc.want)
			}
		})
	}
	// A plain GET (no upgrade) is told to use a WebSocket.
	resp, err := http.Get(e.srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("plain GET: HTTP %d", resp.StatusCode)
	}
}

func TestForwardTokenForms(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	for _, tc := range []struct {
		name, path string
		header     http.Header
	}{
		{"bearer", "/", http.Header{"Authorization": {"Bearer bot-token-1"}}},
		{"token scheme", "/", http.Header{"Authorization": {"Token bot-token-1"}}},
		{"query", "/?access_token=bot-token-1", nil},
		{"named source", "/s/qq/?access_token=bot-token-1", nil},
	} {
		c, _, err := websocket.Dial(ctx, e.wsURL(tc.path), &websocket.DialOptions{HTTPHeader: tc.header})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		readConnect(t, c)
		c.Close(websocket.StatusNormalClosure, "")
	}
}

// TestForwardEventsAndEcho: a ws bot gets the connect event, then the open layer's event byte
// for byte; its actions reach the backend with their params unchanged, and each reply carries
// the bot's echo exactly as sent — string, number or object, spacing included.
func TestForwardEventsAndEcho(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	c := e.dialBot(t, "/", "bot-token-1")
	readConnect(t, c)
	waitUntil(t, &e.feed.notifier, "the subscription", func() bool { return e.feed.count("qq") == 1 })
	e.feed.push("qq", "meta_event.heartbeat", `{"post_type":"meta_event","meta_event_type":"heartbeat"}`) // the link's own: not for bots
	e.feed.push("qq", "message.group", groupMessage)
	if got := readFrame(t, c); string(got) != groupMessage {
		t.Fatalf("event changed on the way:\n got %s\nwant %s", got, groupMessage)
	}

	for i, echo := range []string{`"e-1"`, `42`, `{"seq": 7, "tag":["a", "<b>"]}`, `1.50e3`} {
		params := `{"group_id":123456789,"message":"hi <b>"}`
		writeFrame(t, c, `{"action":"send_group_msg","params":`+params+`,"echo":`+echo+`}`)
		reply := readFrame(t, c)
		if !bytes.HasSuffix(reply, []byte(`"echo":`+echo+`}`)) {
			t.Fatalf("echo %s not kept: %s", echo, reply)
		}
		var env struct {
			Status  string          `json:"status"`
			Retcode int             `json:"retcode"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(reply, &env); err != nil || env.Status != "ok" || string(env.Data) != `{"message_id":42}` {
			t.Fatalf("reply %s (%v)", reply, err)
		}
		calls := e.acts.list()
		if len(calls) != i+1 {
			t.Fatalf("%d calls forwarded, want %d", len(calls), i+1)
		}
		want := forwarded{OriginOneBotWS, "qq", "send_group_msg", params}
		if calls[i] != want {
			t.Fatalf("forwarded %+v, want %+v", calls[i], want)
		}
	}
	// No echo at all: the backend's own echo must not leak through.
	writeFrame(t, c, `{"action":"get_status"}`)
	if reply := readFrame(t, c); !bytes.HasSuffix(reply, []byte(`"echo":null}`)) {
		t.Fatalf("reply without echo: %s", reply)
	}
	st := e.hub.Bots()
	if len(st) != 2 || st[1].ID != "nonebot" || st[1].Connections != 1 || st[1].EventsSent != 1 || st[1].Calls != 5 || st[1].RemoteAddr == "" || st[1].ConnectedSince.IsZero() {
		t.Fatalf("state %+v", st)
	}
}

// TestBadFrames: malformed frames are answered per OneBot 11 and the socket stays open.
func TestBadFrames(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	c := e.dialBot(t, "/api", "bot-token-1")
	for _, tc := range []struct {
		frame   string
		retcode int
		echo    string
	}{
		{`not json`, RetcodeBadRequest, `null`},
		{`[1,2]`, RetcodeBadRequest, `null`},
		{`{"action":"send_msg",`, RetcodeBadRequest, `null`},
		{`{"params":{},"echo":"e1"}`, RetcodeBadRequest, `"e1"`},
		{`{"action":5,"echo":2}`, RetcodeBadRequest, `2`},
		{`{"action":"","echo":{"a":1}}`, RetcodeBadRequest, `{"a":1}`},
		{`{"action":"send_msg","params":[1],"echo":"p"}`, RetcodeBadRequest, `"p"`},
		{`{"action":"no_such_action","echo":"u"}`, RetcodeNotFound, `"u"`},
		{`{"action":"backend_down","echo":"d"}`, 1503, `"d"`},
	} {
		writeFrame(t, c, tc.frame)
		reply := readFrame(t, c)
		var env struct {
			Status  string          `json:"status"`
			Retcode int             `json:"retcode"`
			Message string          `json:"message"`
			Echo    json.RawMessage `json:"echo"`
		}
		if err := json.Unmarshal(reply, &env); err != nil {
			t.Fatalf("%s: reply is not JSON: %s", tc.frame, reply)
		}
		if env.Status != "failed" || env.Retcode != tc.retcode || string(env.Echo) != tc.echo || env.Message == "" {
			t.Errorf("%s: got %s, want retcode %d echo %s", tc.frame, reply, tc.retcode, tc.echo)
		}
	}
	writeFrame(t, c, `{"action":"get_login_info","echo":"still-open"}`)
	if reply := readFrame(t, c); !bytes.Contains(reply, []byte(`"status":"ok"`)) {
		t.Fatalf("socket unusable after bad frames: %s", reply)
	}
}

// TestRoles: /event carries no actions (1403, socket open), /api carries no events.
func TestRoles(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	ev := e.dialBot(t, "/event", "bot-token-1")
	readConnect(t, ev)
	writeFrame(t, ev, `{"action":"send_msg","params":{},"echo":"x"}`)
	if reply := readFrame(t, ev); !bytes.Contains(reply, []byte(`"retcode":1403`)) || !bytes.HasSuffix(reply, []byte(`"echo":"x"}`)) {
		t.Fatalf("/event action: %s", reply)
	}
	api := e.dialBot(t, "/api", "bot-token-1")
	waitUntil(t, &e.feed.notifier, "the /event subscription", func() bool { return e.feed.count("qq") == 1 })
	e.feed.push("qq", "message.group", groupMessage)
	if got := readFrame(t, ev); string(got) != groupMessage {
		t.Fatalf("/event got %s", got)
	}
	writeFrame(t, api, `{"action":"get_status","echo":1}`)
	if reply := readFrame(t, api); !bytes.Contains(reply, []byte(`"status":"ok"`)) {
		t.Fatalf("/api: first frame is not the reply: %s", reply)
	}
	if n := e.feed.count("qq"); n != 1 {
		t.Fatalf("/api subscribed to events (%d subscriptions)", n)
	}
}

func TestHeartbeats(t *testing.T) {
	e := newEnv(t, wsBots, func(o *Options) { o.Sources = testSources(20) })
	c := e.dialBot(t, "/", "bot-token-1")
	readConnect(t, c)
	var hb struct {
		PostType string `json:"post_type"`
		Meta     string `json:"meta_event_type"`
		SelfID   int64  `json:"self_id"`
		Interval int    `json:"interval"`
		Status   struct {
			Online bool `json:"online"`
		} `json:"status"`
	}
	if err := json.Unmarshal(readFrame(t, c), &hb); err != nil {
		t.Fatal(err)
	}
	if hb.PostType != "meta_event" || hb.Meta != "heartbeat" || hb.SelfID != 10001 || hb.Interval != 20 || !hb.Status.Online {
		t.Fatalf("heartbeat %+v", hb)
	}
}

// TestThreeModes is issue 12's proof: one group message reaches a ws bot, a ws-reverse bot (a
// server acting as NoneBot, checking the handshake headers) and an http-post bot (checking the
// signature); the two WebSocket bots answer with send_group_msg, the http-post bot with a quick
// reply; the backend gets all three, each recorded with its origin, and no bot ever sees the
// backend's token.
func TestThreeModes(t *testing.T) {
	var seenMu sync.Mutex
	var seen [][]byte // everything any bot received
	saw := func(b []byte) {
		seenMu.Lock()
		seen = append(seen, append([]byte(nil), b...))
		seenMu.Unlock()
	}

	// The ws-reverse bot: NoneBot's /onebot/v11/ws.
	reverseConnected := make(chan http.Header, 1)
	reverseDone := make(chan error, 1)
	done := make(chan struct{})
	nonebot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/onebot/v11/ws" {
			http.NotFound(w, r)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		select {
		case reverseConnected <- r.Header.Clone():
		default:
			return // only the first connection is the test's
		}
		reverseDone <- actAsBot(context.Background(), c, saw, `"reverse-echo"`)
		<-done
	}))
	defer nonebot.Close()
	defer close(done)

	// The http-post bot: Koishi in http mode, with a secret.
	const secret = "post-secret"
	posted := make(chan error, 4)
	koishi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		saw(body)
		mac := hmac.New(sha1.New, []byte(secret))
		mac.Write(body)
		switch {
		case r.Header.Get("X-Signature") != "sha1="+hex.EncodeToString(mac.Sum(nil)):
			posted <- errors.New("bad signature " + r.Header.Get("X-Signature"))
		case r.Header.Get("X-Self-ID") != "10001" || r.Header.Get("Content-Type") != "application/json":
			posted <- errors.New("bad headers")
		case string(body) != groupMessage:
			posted <- errors.New("event changed: " + string(body))
		default:
			posted <- nil
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"reply":"pong","at_sender":true}`))
	}))
	defer koishi.Close()

	bots := []core.Bot{
		{ID: "ws-bot", Mode: core.BotWS, Token: "ws-token"},
		{ID: "reverse-bot", Mode: core.BotWSReverse, URL: "ws" + strings.TrimPrefix(nonebot.URL, "http") + "/onebot/v11/ws", Token: "reverse-token"},
		{ID: "post-bot", Mode: core.BotHTTPPost, URL: koishi.URL + "/onebot", Secret: secret},
	}
	e := newEnv(t, bots, nil)
	wsBot := e.dialBot(t, "/", "ws-token")

	select {
	case h := <-reverseConnected:
		for k, want := range map[string]string{"X-Self-ID": "10001", "X-Client-Role": "Universal",
			"Authorization": "Bearer reverse-token", "User-Agent": "OneBot/11 UCBI-Console"} {
			if got := h.Get(k); got != want {
				t.Errorf("reverse header %s = %q, want %q", k, got, want)
			}
		}
	case <-timeout():
		t.Fatal("the hub did not dial the ws-reverse bot")
	}
	// ws bot, reverse bot, post bot: three subscriptions before the event is pushed.
	waitUntil(t, &e.feed.notifier, "three subscriptions", func() bool { return e.feed.count("qq") == 3 })
	e.feed.push("qq", "message.group", groupMessage)

	wsDone := make(chan error, 1)
	go func() { wsDone <- actAsBot(context.Background(), wsBot, saw, `{"n":1}`) }()
	for name, ch := range map[string]chan error{"ws": wsDone, "ws-reverse": reverseDone, "http-post": posted} {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatalf("%s bot: %v", name, err)
			}
		case <-timeout():
			t.Fatalf("%s bot: no event", name)
		}
	}
	waitUntil(t, &e.acts.notifier, "three sends", func() bool { return len(e.acts.list()) == 3 })
	byOrigin := map[string][]forwarded{}
	for _, c := range e.acts.list() {
		byOrigin[c.Origin] = append(byOrigin[c.Origin], c)
	}
	if len(byOrigin[OriginOneBotWS]) != 2 || len(byOrigin[OriginOneBotPost]) != 1 {
		t.Fatalf("calls %+v", e.acts.list())
	}
	for _, c := range byOrigin[OriginOneBotWS] {
		if c.Action != "send_group_msg" || c.Source != "qq" {
			t.Fatalf("ws call %+v", c)
		}
	}
	quick := byOrigin[OriginOneBotPost][0]
	if quick.Action != "send_msg" || quick.Params != `{"group_id":123456789,"message":"[CQ:at,qq=9223372036854775807] pong","message_type":"group"}` {
		t.Fatalf("quick reply %+v", quick)
	}
	seenMu.Lock()
	defer seenMu.Unlock()
	for _, b := range seen {
		if bytes.Contains(b, []byte(backendToken)) {
			t.Fatalf("a bot saw the backend token: %s", b)
		}
	}
	st := map[string]BotState{}
	for _, s := range e.hub.Bots() {
		st[s.ID] = s
	}
	if st["post-bot"].EventsSent != 1 || st["post-bot"].Calls != 1 || st["post-bot"].URL != koishi.URL+"/onebot" {
		t.Fatalf("post-bot state %+v", st["post-bot"])
	}
}

// actAsBot reads frames until a group message, answers it with send_group_msg and checks the
// reply carries its echo.
func actAsBot(ctx context.Context, c *websocket.Conn, saw func([]byte), echo string) error {
	ctx, cancel := context.WithTimeout(ctx, testWait)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return err
		}
		saw(b)
		if !bytes.Contains(b, []byte(`"message_type":"group"`)) {
			continue
		}
		if string(b) != groupMessage {
			return errors.New("event changed: " + string(b))
		}
		frame := `{"action":"send_group_msg","params":{"group_id":123456789,"message":"pong"},"echo":` + echo + `}`
		if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			return err
		}
		for {
			_, r, err := c.Read(ctx)
			if err != nil {
				return err
			}
			saw(r)
			if bytes.Contains(r, []byte(`"status"`)) {
				if !bytes.HasSuffix(r, []byte(`"echo":`+echo+`}`)) {
					return errors.New("echo lost: " + string(r))
				}
				return nil
			}
		}
	}
}

func timeout() <-chan time.Time { return time.After(testWait) }

// TestSlowBotClosed: a bot that stops reading fills its own queue and is closed with 1008 and
// a reason, while another bot on the same source keeps receiving every event.
func TestSlowBotClosed(t *testing.T) {
	bots := []core.Bot{
		{ID: "fast", Mode: core.BotWS, Token: "fast-token"},
		{ID: "slow", Mode: core.BotWS, Token: "slow-token"},
	}
	e := newEnv(t, bots, func(o *Options) { o.QueueSize = 4 })
	fast := e.dialBot(t, "/event", "fast-token")
	slow := e.dialBot(t, "/event", "slow-token")
	readConnect(t, fast)
	waitUntil(t, &e.feed.notifier, "two subscriptions", func() bool { return e.feed.count("qq") == 2 })

	big := `{"post_type":"message","message_type":"group","self_id":10001,"message":"` + strings.Repeat("x", 64<<10) + `"}`
	slowState := func() BotState {
		for _, s := range e.hub.Bots() {
			if s.ID == "slow" {
				return s
			}
		}
		return BotState{}
	}
	closed := false
	for i := 0; i < 5000 && !closed; i++ {
		e.feed.push("qq", "message.group", big)
		if got := readFrame(t, fast); string(got) != big {
			t.Fatalf("fast bot got a different event")
		}
		closed = strings.Contains(slowState().LastError, "too slow")
	}
	if !closed {
		t.Fatal("the slow bot was never closed")
	}
	// The slow bot, reading at last, finds its events and then the close with the reason.
	if ce := readClose(t, slow); ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "too slow") {
		t.Fatalf("slow bot closed with %v", ce)
	}
	e.feed.push("qq", "message.group", groupMessage)
	if got := readFrame(t, fast); string(got) != groupMessage {
		t.Fatalf("fast bot after the slow one left: %s", got)
	}
}

// TestFeedEndClosesTheBot: when the console stops following the source's events (the intake
// stops), an event-carrying bot is closed with 1013 and told to connect again.
func TestFeedEndClosesTheBot(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	c := e.dialBot(t, "/event", "bot-token-1")
	readConnect(t, c)
	waitUntil(t, &e.feed.notifier, "the subscription", func() bool { return e.feed.count("qq") == 1 })
	e.feed.push("qq", "message.group", groupMessage)
	if got := readFrame(t, c); string(got) != groupMessage {
		t.Fatalf("got %s", got)
	}
	e.feed.endAll("qq")
	if ce := readClose(t, c); ce.Code != websocket.StatusTryAgainLater || !strings.Contains(ce.Reason, "connect again") {
		t.Fatalf("closed with %v", ce)
	}
}

// TestDisconnectAndReload: the operator's Disconnect closes with 1000; Reload closes a removed
// bot with a reason and refuses its token from then on; a bad list changes nothing.
func TestDisconnectAndReload(t *testing.T) {
	e := newEnv(t, wsBots, nil)
	c := e.dialBot(t, "/api", "bot-token-1")
	waitUntil(t, &e.acts.notifier, "the connection", func() bool { return e.hub.Bots()[1].Connections == 1 })
	if err := e.hub.Disconnect("nonebot"); err != nil {
		t.Fatal(err)
	}
	if ce := readClose(t, c); ce.Code != websocket.StatusNormalClosure || !strings.Contains(ce.Reason, "operator") {
		t.Fatalf("disconnect: %v", ce)
	}
	if err := e.hub.Disconnect("ghost"); err == nil {
		t.Fatal("Disconnect of an unknown bot succeeded")
	}
	// The client sees the close before the hub has forgotten the session: wait for that, or
	// the next wait could see the old session and Reload race the new one's registration.
	waitUntil(t, &e.acts.notifier, "the session gone", func() bool { return e.hub.Bots()[1].Connections == 0 })

	c = e.dialBot(t, "/api", "bot-token-1")
	waitUntil(t, &e.acts.notifier, "the connection", func() bool { return e.hub.Bots()[1].Connections == 1 })
	if err := e.hub.Reload([]core.Bot{{ID: "a", Mode: core.BotWS, Token: "t"}, {ID: "b", Mode: core.BotWS, Token: "t"}}); err == nil {
		t.Fatal("two bots with one token accepted")
	}
	if err := e.hub.Reload(wsBots[1:]); err != nil {
		t.Fatal(err)
	}
	if ce := readClose(t, c); ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "removed") {
		t.Fatalf("reload: %v", ce)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.wsURL("/"), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer bot-token-1"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("removed bot's token: %v %v", resp, err)
	}
	if st := e.hub.Bots(); len(st) != 1 || st[0].ID != "koishi" {
		t.Fatalf("bots after reload %+v", st)
	}
}

// TestReverseReconnects: when the bot drops the connection, the hub dials again.
func TestReverseReconnects(t *testing.T) {
	conns := make(chan *websocket.Conn)
	done := make(chan struct{})
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		select {
		case conns <- c: // the test serves it
		case <-done:
			c.CloseNow()
		}
	}))
	defer bot.Close()
	defer close(done)
	newEnv(t, []core.Bot{{ID: "r", Mode: core.BotWSReverse, URL: "ws" + strings.TrimPrefix(bot.URL, "http")}}, nil)
	for i := 0; i < 3; i++ {
		select {
		case c := <-conns:
			readConnect(t, c)
			c.Close(websocket.StatusGoingAway, "bot restarting")
		case <-timeout():
			t.Fatalf("no connection %d", i+1)
		}
	}
}

// TestReverseLearnsSelfID: with no self_id on the source, the hub waits for an event to say it
// before dialling (bots insist on X-Self-ID).
func TestReverseLearnsSelfID(t *testing.T) {
	got := make(chan string, 1)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Get("X-Self-ID"):
		default: // a later dial
		}
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer bot.Close()
	e := newEnv(t, []core.Bot{{ID: "r", Mode: core.BotWSReverse, URL: "ws" + strings.TrimPrefix(bot.URL, "http"), Source: "nosid"}},
		func(o *Options) {
			o.Sources = SourcesFunc(func(string) (core.Source, error) { return core.Source{ID: "nosid"}, nil })
		})
	waitUntil(t, &e.feed.notifier, "the wait for a self_id", func() bool { return e.feed.count("nosid") == 1 })
	e.feed.push("nosid", "message.private", `{"self_id":"777","post_type":"message"}`)
	select {
	case id := <-got:
		if id != "777" {
			t.Fatalf("X-Self-ID %q", id)
		}
	case <-timeout():
		t.Fatal("never dialled")
	}
	waitUntil(t, &e.feed.notifier, "the refusal recorded", func() bool {
		return strings.Contains(e.hub.Bots()[0].LastError, "HTTP 403")
	})
}

// TestTokenlessBot: a ws bot configured without a token takes connections without one; a
// token that matches no bot is still refused.
func TestTokenlessBot(t *testing.T) {
	e := newEnv(t, []core.Bot{{ID: "open", Mode: core.BotWS}}, nil)
	readConnect(t, e.dialBot(t, "/", ""))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.wsURL("/?access_token=guess"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a wrong token: %v %v", resp, err)
	}
}

// readClose reads a bot connection to its end and returns the close frame the hub sent.
func readClose(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = c.Read(ctx)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("the connection ended without a close frame: %v", err)
	}
	return ce
}

// TestPostBotTooSlow: an http-post bot that answers slower than events arrive loses the
// events past its queue — counted and said — and gets the rest in order; a failing answer is
// recorded too.
func TestPostBotTooSlow(t *testing.T) {
	got := make(chan string)
	release := make(chan struct{})
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- string(body)
		<-release
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer bot.Close()
	e := newEnv(t, []core.Bot{{ID: "p", Mode: core.BotHTTPPost, URL: bot.URL}}, func(o *Options) { o.QueueSize = 1 })
	waitUntil(t, &e.feed.notifier, "the subscription", func() bool { return e.feed.count("qq") == 1 })
	ev := func(n string) string { return `{"post_type":"notice","self_id":10001,"n":` + n + `}` }
	e.feed.push("qq", "notice.x", ev("1"))
	if b := <-got; b != ev("1") {
		t.Fatalf("first post %s", b)
	}
	e.feed.push("qq", "notice.x", ev("2")) // waits in the queue
	e.feed.push("qq", "notice.x", ev("3")) // no room: dropped
	waitUntil(t, &e.feed.notifier, "the drop", func() bool { return e.hub.Bots()[0].EventsDropped == 1 })
	release <- struct{}{}
	if b := <-got; b != ev("2") {
		t.Fatalf("second post %s", b)
	}
	close(release)
	waitUntil(t, &e.feed.notifier, "the state", func() bool {
		st := e.hub.Bots()[0]
		return st.EventsSent == 2 && strings.Contains(st.LastError, "HTTP 500")
	})
}

// TestPostBotRedirectNotFollowed: an http-post bot that redirects is not followed — Go would
// turn the POST into a body-less GET and take the page it answers for a quick operation. The
// redirect is an error naming where it points, and no action runs.
func TestPostBotRedirectNotFollowed(t *testing.T) {
	posts := make(chan struct{}, 16)
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/onebot", func(w http.ResponseWriter, r *http.Request) {
		posts <- struct{}{}
		http.Redirect(w, r, "/elsewhere?access_token=BOT-SECRET", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		io.WriteString(w, `{"reply":"a page, not a quick operation"}`)
	})
	bot := httptest.NewServer(mux)
	defer bot.Close()
	e := newEnv(t, []core.Bot{{ID: "p", Mode: core.BotHTTPPost, URL: bot.URL + "/onebot"}}, nil)
	waitUntil(t, &e.feed.notifier, "the subscription", func() bool { return e.feed.count("qq") == 1 })
	e.feed.push("qq", "message.group", groupMessage)
	select {
	case <-posts:
	case <-time.After(testWait):
		t.Fatal("no post")
	}
	waitUntil(t, &e.feed.notifier, "the error", func() bool {
		return strings.Contains(e.hub.Bots()[0].LastError, "redirected to "+bot.URL+"/elsewhere?…")
	})
	st := e.hub.Bots()[0]
	if !strings.Contains(st.LastError, "configure the final URL") || strings.Contains(st.LastError, "BOT-SECRET") {
		t.Errorf("last error %q", st.LastError)
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
	if calls := e.acts.list(); len(calls) != 0 {
		t.Errorf("actions run: %+v", calls)
	}
}
