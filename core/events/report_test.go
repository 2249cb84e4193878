package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"ucbi-console/internal/testkit"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/internal/testwait"
)

// startManager runs a Manager mounted on a real server until the test ends.
func startManager(t *testing.T, log core.EventLog, sources []core.Source, cfg Config) (*Manager, *httptest.Server) {
	t.Helper()
	cfg.Log, cfg.Sources = log, &memSources{list: sources}
	if cfg.Decoders == nil {
		cfg.Decoders = map[string]core.EventDecoder{}
	}
	cfg.Decoders[testVia] = testDecoder
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	m.Mount(mux, "", nil)
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	return m, srv
}

func TestReportPostChecksSignatureAndAnswers204OnceDurable(t *testing.T) {
	log := NewMemLog()
	sources := []core.Source{
		{ID: "signed", Via: testVia, Events: core.LinkHTTPPost, Secret: "k"},
		{ID: "open", Via: testVia, Events: core.LinkHTTPPost},
		{ID: "wsonly", Via: testVia, Events: core.LinkWSReverse},
		{ID: "tokened", Via: testVia, Events: core.LinkHTTPPost, Token: "tok"},
	}
	_, srv := startManager(t, log, sources, Config{})
	body := msg("x", 1)
	big := append([]byte(`{"post_type":"message","x":"`), bytes.Repeat([]byte("a"), DefaultMaxReportBytes)...)
	for _, tc := range []struct {
		name, source, sig string
		auth, query       string // Authorization header, URL query
		body              []byte
		status            int
		stored            bool
	}{
		{"signed", "signed", Sign("k", body), "", "", body, 204, true},
		{"upper-case hex", "signed", "sha1=" + strings.ToUpper(Sign("k", body)[5:]), "", "", body, 204, true},
		{"no signature", "signed", "", "", "", body, 401, false},
		{"wrong signature", "signed", Sign("nope", body), "", "", body, 403, false},
		{"signature of another body", "signed", Sign("k", msg("x", 2)), "", "", body, 403, false},
		{"no secret set", "open", "", "", "", body, 204, true},
		{"not JSON", "open", "", "", "", []byte("{oops"), 400, false},
		{"too large", "open", "", "", "", big, 413, false},
		{"unknown source", "ghost", "", "", "", body, 404, false},
		{"source without http-post", "wsonly", "", "", "", body, 403, false},
		// No secret, but a token: required as on the reverse WebSocket.
		{"token source, no token", "tokened", "", "", "", body, 401, false},
		{"token source, wrong token", "tokened", "", "Bearer nope", "", body, 403, false},
		{"token source, Bearer", "tokened", "", "Bearer tok", "", body, 204, true},
		{"token source, Token (go-cqhttp)", "tokened", "", "Token tok", "", body, 204, true},
		{"token source, access_token", "tokened", "", "", "?access_token=tok", body, 204, true},
		{"token source, wrong access_token", "tokened", "", "", "?access_token=tok2", body, 403, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := log.Len()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/report/"+tc.source+tc.query, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.sig != "" {
				req.Header.Set(HeaderSignature, tc.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			// 204 means durable: it is in the log by the time the answer arrives.
			if stored := log.Len() == before+1; stored != tc.stored {
				t.Fatalf("stored = %v, want %v", stored, tc.stored)
			}
		})
	}
}

func dialReverse(t *testing.T, ctx context.Context, url string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// dialAttached runs a manager with the one ws-reverse source s, dials its reverse link with h
// and returns once the hub has attached it for actions (the handshake returns before that: a
// call made at once would find no link).
func dialAttached(t *testing.T, log *MemLog, s core.Source, h http.Header) (*Manager, context.Context, *websocket.Conn) {
	t.Helper()
	m, srv := startManager(t, log, []core.Source{s}, Config{})
	ctx := testCtx(t)
	c, _, err := dialReverse(t, ctx, srv.URL+"/report/"+s.ID, h)
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the link attached", func() bool { return m.Reverse.Connected(s.ID) })
	return m, ctx, c
}

type callResult struct {
	reply []byte
	err   error
}

// actionFrame is an action as the open layer reads it.
type actionFrame struct {
	Action string          `json:"action"`
	Params json.RawMessage `json:"params"`
	Echo   json.RawMessage `json:"echo"`
}

// callInBackground calls action on source over its reverse link, reads the action frame at the
// open layer's end (peer) and returns it, with where the call's result will come.
func callInBackground(t *testing.T, ctx context.Context, m *Manager, peer *websocket.Conn, source, action string, params json.RawMessage) (actionFrame, <-chan callResult) {
	t.Helper()
	res := make(chan callResult, 1)
	go func() {
		b, err := m.Reverse.Caller(source).Call(ctx, action, params)
		res <- callResult{b, err}
	}()
	_, frame, err := peer.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFrame
	if err := json.Unmarshal(frame, &a); err != nil {
		t.Fatalf("action frame %s: %v", frame, err)
	}
	return a, res
}

// metaEvents lists the up/down meta events of the log, in order.
func metaEvents(t *testing.T, log *MemLog) []string {
	evs, _ := log.EventsAfter(0, 0)
	var out []string
	for _, ev := range evs {
		if ev.Event.Type == core.EventMeta {
			var d core.MetaEventData
			_ = json.Unmarshal(ev.Event.Data, &d)
			out = append(out, d.MetaEvent)
		}
	}
	return out
}

func TestReverseWebSocketEventsActionsAndReplacement(t *testing.T) {
	log := NewMemLog()
	napcat := core.Source{ID: "napcat", Via: testVia, Events: core.LinkWSReverse, Token: "tok", SelfID: "10001"}
	m, srv := startManager(t, log, []core.Source{napcat}, Config{})
	ctx := testCtx(t)

	// Auth: missing and wrong tokens are refused before the upgrade.
	if _, resp, err := dialReverse(t, ctx, srv.URL+"/report/napcat", nil); err == nil || resp.StatusCode != 401 {
		t.Fatalf("no token: %v %v", resp, err)
	}
	if _, resp, err := dialReverse(t, ctx, srv.URL+"/report/napcat", hdr("Authorization", "Bearer wrong")); err == nil || resp.StatusCode != 403 {
		t.Fatalf("wrong token: %v %v", resp, err)
	}
	if _, resp, err := dialReverse(t, ctx, srv.URL+"/report/napcat", hdr("Authorization", "Bearer tok", "X-Client-Role", "Boss")); err == nil || resp.StatusCode != 400 {
		t.Fatalf("bad role: %v %v", resp, err)
	}

	first, _, err := dialReverse(t, ctx, srv.URL+"/report/napcat", hdr("Authorization", "Bearer tok", "X-Self-ID", "10001", "X-Client-Role", "Universal"))
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the source is up", func() bool { up, _, _ := m.Intake.Live("napcat"); return up })
	for n := range 3 {
		if err := first.Write(ctx, websocket.MessageText, msg("ws", n)); err != nil {
			t.Fatal(err)
		}
	}
	// Garbage and frames that are neither events nor replies are counted; the link lives on.
	_ = first.Write(ctx, websocket.MessageText, []byte("garbage"))
	_ = first.Write(ctx, websocket.MessageText, []byte(`{"hello":1}`))
	_ = first.Write(ctx, websocket.MessageText, msg("ws", 3))
	testwait.Until(t, "up + 4 events stored", func() bool { return log.Len() == 5 })
	fails := m.Intake.Stats().Sources["napcat"].DecodeFailures
	if fails[ReasonNotJSON] != 1 || fails[ReasonNotEvent] != 1 {
		t.Errorf("decode failures = %v", fails)
	}

	// An action goes out over the socket and its reply, matched by echo, comes back.
	action, res := callInBackground(t, ctx, m, first, "napcat", "get_login_info", nil)
	if action.Action != "get_login_info" || string(action.Params) != "{}" {
		t.Fatalf("action frame %+v", action)
	}
	// An event arriving before the reply still goes to the intake.
	_ = first.Write(ctx, websocket.MessageText, msg("ws", 4))
	reply := []byte(`{"status":"ok","retcode":0,"data":{"user_id":10001},"echo":` + string(action.Echo) + `}`)
	_ = first.Write(ctx, websocket.MessageText, reply)
	if r := <-res; r.err != nil || !bytes.Equal(r.reply, reply) {
		t.Fatalf("call: %s %v", r.reply, r.err)
	}

	// A second link (go-cqhttp style token) replaces the first, cleanly: the first is closed
	// with 1001, and the source does not go down in between.
	second, _, err := dialReverse(t, ctx, srv.URL+"/report/napcat", hdr("Authorization", "Token tok"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := first.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("first link: %v, want closed with 1001", err)
	}
	_ = second.Write(ctx, websocket.MessageText, msg("ws", 5))
	testwait.Until(t, "the event over the second link", func() bool { return log.Len() == 7 })
	if got := metaEvents(t, log); len(got) != 1 || got[0] != core.MetaSourceUp {
		t.Fatalf("meta events %v, want one up", got)
	}
	// Events of both links, in order.
	evs, _ := log.EventsAfter(1, 0)
	for i, ev := range evs {
		if p := payloadOf(t, ev); p.N != i {
			t.Fatalf("event %d carries n=%d", i, p.N)
		}
	}

	second.Close(websocket.StatusNormalClosure, "bye")
	testwait.Until(t, "the source is down", func() bool { up, _, _ := m.Intake.Live("napcat"); return !up })
	testwait.Until(t, "down stored", func() bool { g := metaEvents(t, log); return len(g) == 2 && g[1] == core.MetaSourceDown })
	if _, err := m.Reverse.Caller("napcat").Call(ctx, "get_status", nil); core.AsError(err).Code != core.CodeBackendDown {
		t.Fatalf("call without a link: %v", err)
	}
}

func TestOneBotPathFindsTheSourceBySelfID(t *testing.T) {
	log := NewMemLog()
	sources := []core.Source{
		{ID: "a", Via: testVia, Events: core.LinkWSReverse, SelfID: "111"},
		{ID: "b", Via: testVia, Events: core.LinkWSReverse, SelfID: "222", Token: "t"},
	}
	m, srv := startManager(t, log, sources, Config{})
	ctx := testCtx(t)
	if _, resp, err := dialReverse(t, ctx, srv.URL+"/onebot/v11/ws", nil); err == nil || resp.StatusCode != 400 {
		t.Fatalf("no X-Self-ID: %v", err)
	}
	if _, resp, err := dialReverse(t, ctx, srv.URL+"/onebot/v11/ws", hdr("X-Self-ID", "333")); err == nil || resp.StatusCode != 404 {
		t.Fatalf("unknown self id: %v", err)
	}
	c, _, err := dialReverse(t, ctx, srv.URL+"/onebot/v11/ws?access_token=t", hdr("X-Self-ID", "222", "X-Client-Role", "Event"))
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Write(ctx, websocket.MessageText, msg("b", 0))
	testwait.Until(t, "b's event", func() bool { return m.Intake.Stats().Sources["b"].EventsIn == 2 }) // up + event
	// An Event-only link takes no actions.
	if m.Reverse.Connected("b") {
		t.Error("an Event link counted as an action link")
	}
}

func TestReverseCallTimesOut(t *testing.T) {
	log := NewMemLog()
	// A long silence limit: the link must stay up for the whole call, however loaded the
	// machine (the silent link has its own test).
	s := core.Source{ID: "slow", Via: testVia, Events: core.LinkWSReverse, TimeoutMS: 30, HeartbeatMS: 3_600_000}
	m, ctx, c := dialAttached(t, log, s, nil)
	// The client reads the action frame and answers nothing.
	read := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); read <- err }()
	_, err := m.Reverse.Caller("slow").Call(ctx, "get_status", json.RawMessage(`{"x":1}`))
	if e := core.AsError(err); e.Code != core.CodeBackendTimeout || !strings.Contains(e.Message, "did not answer get_status within 30ms") {
		t.Fatalf("call: %v, want our 30ms timeout", err)
	}
	if err := testwait.Recv(t, read, "the action frame"); err != nil {
		t.Fatalf("the action frame did not arrive: %v", err)
	}
}

func TestReverseSilentLinkGoesDown(t *testing.T) {
	log := NewMemLog()
	s := core.Source{ID: "silent", Via: testVia, Events: core.LinkWSReverse, HeartbeatMS: 25}
	m, srv := startManager(t, log, []core.Source{s}, Config{})
	ctx := testCtx(t)
	c, _, err := dialReverse(t, ctx, srv.URL+"/report/silent", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The client reads nothing, so it answers no ping: silent.
	testwait.Until(t, "the silent link is down", func() bool { up, _, known := m.Intake.Live("silent"); return known && !up })
	testwait.Until(t, "down stored", func() bool { return len(metaEvents(t, log)) == 2 })
	evs, _ := log.EventsAfter(0, 0)
	var d core.MetaEventData
	_ = json.Unmarshal(evs[len(evs)-1].Event.Data, &d)
	if d.MetaEvent != core.MetaSourceDown || !strings.Contains(d.Reason, "silent for 50ms") {
		t.Errorf("last meta event %+v", d)
	}
	if _, _, err := c.Read(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the silent link is still open: %v", err)
	}
}

// Heartbeats and a lifecycle "connect" decode to kind-only events (onebot.IsLinkSignal): they
// are signs of life, counted as skipped, never stored nor delivered as empty events.
func TestSignsOfLifeAreSkippedNotStored(t *testing.T) {
	log := NewMemLog()
	napcat := core.Source{ID: "napcat", Via: onebot.Via, Events: core.LinkWSReverse}
	m, srv := startManager(t, log, []core.Source{napcat}, Config{Decoders: map[string]core.EventDecoder{onebot.Via: onebot.DecodeEvent}})
	ctx := testCtx(t)
	c, _, err := dialReverse(t, ctx, srv.URL+"/report/napcat", hdr("X-Client-Role", "Event"))
	if err != nil {
		t.Fatal(err)
	}
	frames := []string{
		`{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`,
		`{"time":2,"self_id":10001,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":30000}`,
		`{"time":3,"self_id":10001,"post_type":"message","message_type":"private","sub_type":"friend","message_id":7,"user_id":10002,"message":"hi","raw_message":"hi","font":0,"sender":{"user_id":10002,"nickname":"a"}}`,
	}
	for _, f := range frames {
		if err := c.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	// Frames of one link are taken in order: once the message is stored, the two before it
	// have been decided on. The up event may be stored before or after them.
	testwait.Until(t, "the message and the up event stored", func() bool {
		var message, up bool
		evs, _ := log.EventsAfter(0, 0)
		for _, ev := range evs {
			message = message || ev.Kind == "message.private"
			up = up || ev.Kind == core.EventMeta+"."+core.MetaSourceUp
		}
		return message && up
	})
	evs, _ := log.EventsAfter(0, 0)
	if len(evs) != 2 { // message_source_up, the message
		t.Fatalf("%d events stored, want 2 (up, message)", len(evs))
	}
	for _, ev := range evs {
		if ev.Event.Type == "" {
			t.Errorf("an empty event was stored: kind %q", ev.Kind)
		}
	}
	st := m.Intake.Stats().Sources["napcat"]
	if st.Skipped != 2 || len(st.DecodeFailures) != 0 {
		t.Errorf("skipped %d (want 2), failures %v", st.Skipped, st.DecodeFailures)
	}
}

// A reply bigger than any event (a big group's member list) comes back over the reverse link;
// an event that big is refused and counted, and the link stays up.
func TestReverseLinkTakesLargeRepliesAndRefusesLargeEvents(t *testing.T) {
	log := NewMemLog()
	s := core.Source{ID: "big", Via: testVia, Events: core.LinkWSReverse}
	m, ctx, c := dialAttached(t, log, s, nil)

	action, res := callInBackground(t, ctx, m, c, "big", "get_group_member_list", json.RawMessage(`{"group_id":1}`))
	members := `"` + strings.Repeat("m", DefaultMaxEventBytes+600<<10) + `"`
	reply := []byte(`{"status":"ok","retcode":0,"data":[` + members + `],"echo":` + string(action.Echo) + `}`)
	if err := c.Write(ctx, websocket.MessageText, reply); err != nil {
		t.Fatal(err)
	}
	r := testwait.Recv(t, res, "the call's result")
	if r.err != nil || !bytes.Equal(r.reply, reply) {
		t.Fatalf("call: %d bytes, %v", len(r.reply), r.err)
	}

	bigEvent := []byte(`{"post_type":"message","x":` + members + `}`)
	if err := c.Write(ctx, websocket.MessageText, bigEvent); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, websocket.MessageText, msg("after", 0)); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the small event stored", func() bool { return log.Len() == 2 }) // up + event
	if n := m.Intake.Stats().Sources["big"].DecodeFailures[ReasonTooLarge]; n != 1 {
		t.Errorf("too-large refusals = %d, want 1", n)
	}
	if up, _, _ := m.Intake.Live("big"); !up || !m.Reverse.Connected("big") {
		t.Error("the link went down")
	}
}

// A source with neither a secret nor a token takes events from anyone who can reach the door:
// accepted, and said once per source, at its first use.
func TestReportWithoutSecretOrTokenWarnsOncePerSource(t *testing.T) {
	var logs testkit.LockedBuffer
	log := NewMemLog()
	sources := []core.Source{
		{ID: "open1", Via: testVia, Events: core.LinkHTTPPost},
		{ID: "open2", Via: testVia, Events: core.LinkHTTPPost},
	}
	_, srv := startManager(t, log, sources, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, id := range []string{"open1", "open1", "open2", "open1"} {
		resp, err := http.Post(srv.URL+"/report/"+id, "application/json", bytes.NewReader(msg(id, 0)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: status %d", id, resp.StatusCode)
		}
	}
	out := logs.String()
	for id, want := range map[string]int{"open1": 1, "open2": 1} {
		if n := strings.Count(out, "anyone who can reach /report/"+id+" "); n != want {
			t.Errorf("%s: warned %d times, want %d:\n%s", id, n, want, out)
		}
	}
}

// An API-only reverse link carries no heartbeats, yet a dead peer (one that answers no ping)
// is noticed and the link goes away.
func TestReverseAPILinkToADeadPeerGoesDown(t *testing.T) {
	log := NewMemLog()
	s := core.Source{ID: "api", Via: testVia, Events: core.LinkWSReverse, HeartbeatMS: 25}
	// The peer never reads, so it answers no ping: dead as far as the console can tell.
	m, ctx, _ := dialAttached(t, log, s, hdr("X-Client-Role", "API"))
	testwait.Until(t, "the dead API link gone", func() bool { return !m.Reverse.Connected("api") })
	_, err := m.Reverse.Caller("api").Call(ctx, "get_status", nil)
	if e := core.AsError(err); e.Code != core.CodeBackendDown || !strings.Contains(e.Message, "silent") {
		t.Fatalf("call after the link went silent: %v", err)
	}
}
