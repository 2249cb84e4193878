package onebot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/link"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testwait"
)

// waitUp reads states until the link is up.
func waitUp(t *testing.T, st <-chan link.State) {
	t.Helper()
	for !testwait.Recv(t, st, "link up").Up {
	}
}

type wsRig struct {
	srv    *onebottest.Server
	l      *onebot.WSLink
	events chan []byte
	states chan link.State
}

func dialFake(t *testing.T, o onebottest.Options, src core.Source) *wsRig {
	t.Helper()
	r := &wsRig{srv: fake(t, o), events: make(chan []byte, 64), states: make(chan link.State, 64)}
	if src.WSURL == "" {
		src.WSURL = r.srv.WSURL()
	}
	src.ID, src.Via = "napcat-ws", onebot.Via
	var err error
	r.l, err = onebot.DialWS(onebot.WSLinkConfig{Source: src, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		OnEvent: func(b []byte) { r.events <- b }, OnState: func(s link.State) { r.states <- s }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.l.Close)
	return r
}

func TestWSLinkEventsAndActions(t *testing.T) {
	r := dialFake(t, onebottest.Options{Token: secret}, core.Source{Token: secret})
	waitUp(t, r.states)

	// The lifecycle frame NapCat sends on connect, then an event emitted by the open layer.
	ev, err := onebot.DecodeEvent(core.Source{ID: "napcat-ws"}, testwait.Recv(t, r.events, "lifecycle"))
	if err != nil || ev.Kind != "meta_event.lifecycle" || !onebot.IsLinkSignal(ev) {
		t.Fatalf("first frame: %+v %v", ev, err)
	}
	if err := r.srv.Emit(r.srv.GroupMessageEvent(20001, 10002, "hello")); err != nil {
		t.Fatal(err)
	}
	ev, err = onebot.DecodeEvent(core.Source{ID: "napcat-ws"}, testwait.Recv(t, r.events, "group message"))
	if err != nil || ev.Kind != "message.group" || ev.Event.Context.GroupID != "20001" {
		t.Fatalf("event: %+v %v", ev, err)
	}

	// Concurrent calls: each gets its own answer, and the open layer saw each once.
	const n = 16
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			reply, err := r.l.Call(context.Background(), "send_group_msg", json.RawMessage(fmt.Sprintf(`{"group_id":20001,"message":"m%d"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			env, err := onebot.ParseEnvelope(200, reply)
			if err != nil {
				t.Error(err)
				return
			}
			var d struct {
				MessageID json.Number `json:"message_id"`
			}
			json.Unmarshal(env.Data, &d)
			ids <- d.MessageID.String()
		}(i)
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] || id == "" {
			t.Errorf("message id %q twice or empty: replies were mixed up", id)
		}
		seen[id] = true
	}
	if got := r.srv.Count("send_group_msg"); got != n {
		t.Errorf("the open layer saw %d sends, want %d", got, n)
	}
	rec := r.srv.Requests()[0]
	if rec.Header.Get("Authorization") != "Bearer "+secret || rec.Params["group_id"] == nil {
		t.Errorf("recorded %+v", rec)
	}

	// A failure envelope comes back as the reply; the adapter's envelope reader judges it.
	reply, err := r.l.Call(context.Background(), "no_such_action", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onebot.ParseEnvelope(200, reply); err == nil {
		t.Error("an unknown action parsed as a success")
	}
	if _, err := r.l.Call(context.Background(), "../x", nil); err == nil {
		t.Error("a malformed action name was sent")
	}
}

func TestWSLinkTimeoutIsNotRetried(t *testing.T) {
	r := dialFake(t, onebottest.Options{Delay: time.Minute}, core.Source{TimeoutMS: 50})
	waitUp(t, r.states)
	_, err := r.l.Call(context.Background(), "send_private_msg", json.RawMessage(`{"user_id":10002,"message":"x"}`))
	e := wantCode(t, err, core.CodeBackendTimeout)
	if !strings.Contains(e.Message, "did not answer send_private_msg within 50ms") {
		t.Errorf("message = %q", e.Message)
	}
	if c := r.srv.Count("send_private_msg"); c != 1 {
		t.Errorf("sent %d times, want once", c)
	}
}

func TestWSLinkBadTokenAndDown(t *testing.T) {
	r := dialFake(t, onebottest.Options{Token: secret}, core.Source{Token: "wrong-token"})
	for {
		s := testwait.Recv(t, r.states, "down")
		if !s.Up {
			if !strings.Contains(s.Reason, "refused the token (retcode 1403)") {
				t.Fatalf("reason = %q", s.Reason)
			}
			break
		}
	}
	_, err := r.l.Call(context.Background(), "get_login_info", nil)
	e := wantCode(t, err, core.CodeBackendDown)
	if !strings.Contains(e.Message, "refused the token") || strings.Contains(e.Message, "wrong-token") {
		t.Errorf("message = %q", e.Message)
	}
}

func TestWSLinkDropDuringCall(t *testing.T) {
	r := dialFake(t, onebottest.Options{Delay: time.Minute}, core.Source{})
	waitUp(t, r.states)
	errc := make(chan error, 1)
	go func() {
		_, err := r.l.Call(context.Background(), "send_private_msg", json.RawMessage(`{"user_id":10002,"message":"x"}`))
		errc <- err
	}()
	for r.srv.Count("send_private_msg") == 0 {
		select {
		case <-time.After(time.Millisecond):
		case err := <-errc:
			t.Fatalf("returned before the drop: %v", err)
		}
	}
	r.srv.SetMode(onebottest.ModeDown)
	e := wantCode(t, testwait.Recv(t, errc, "call"), core.CodeBackendDown)
	if !strings.Contains(e.Message, "may or may not have run") {
		t.Errorf("message = %q", e.Message)
	}
	r.srv.SetMode(onebottest.ModeNormal)
	r.srv.SetDelay(0)
	waitUp(t, r.states)
	if _, err := r.l.Call(context.Background(), "get_login_info", nil); err != nil {
		t.Errorf("after the redial: %v", err)
	}
}

// A reverse WebSocket: the open layer dials us; the same caller runs actions over the accepted
// connection, and a replacement link takes over cleanly.
func TestWSCallerOverReverseLink(t *testing.T) {
	srv := fake(t, onebottest.Options{Token: secret})
	caller := onebot.NewWSCaller(5 * time.Second)
	headers := make(chan http.Header, 4)
	events := make(chan []byte, 16)
	conns := make(chan *link.Conn, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
		c, err := link.Accept(w, r, link.ConnOptions{
			OnFrame: func(c *link.Conn, b []byte) {
				if !caller.HandleFrame(b) {
					events <- b
				}
			},
			OnClose: func(c *link.Conn, reason string) { caller.Detach(c, reason) },
		})
		if err != nil {
			return
		}
		caller.Attach(c)
		conns <- c
	}))
	defer ts.Close()
	stop, err := srv.ConnectReverse("ws"+strings.TrimPrefix(ts.URL, "http")+"/onebot/v11/ws", onebottest.ReverseOptions{Token: secret, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	h := testwait.Recv(t, headers, "handshake")
	for k, want := range map[string]string{"X-Self-Id": "10001", "X-Client-Role": "Universal", "User-Agent": "OneBot/11", "Authorization": "Bearer " + secret} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	first := testwait.Recv(t, conns, "accepted")
	testwait.Recv(t, events, "lifecycle connect")
	reply, err := caller.Call(context.Background(), "get_login_info", nil)
	if err != nil {
		t.Fatal(err)
	}
	if env, err := onebot.ParseEnvelope(200, reply); err != nil || !strings.Contains(string(env.Data), "10001") {
		t.Errorf("reply %s: %v", reply, err)
	}
	srv.Emit(srv.PrivateMessageEvent(10002, "hi"))
	if ev, err := onebot.DecodeEvent(core.Source{ID: "r"}, testwait.Recv(t, events, "event")); err != nil || ev.Kind != "message.private" {
		t.Errorf("event %+v: %v", ev, err)
	}

	// The link drops: calls fail at once with its reason; the open layer redials and calls work again.
	first.Close("testing a drop")
	<-first.Done()
	second := testwait.Recv(t, conns, "redialled")
	if _, err := caller.Call(context.Background(), "get_status", nil); err != nil {
		t.Errorf("over the new link: %v", err)
	}
	caller.Detach(first, "late close of the old link") // ignored: not the attached link
	if _, err := caller.Call(context.Background(), "get_status", nil); err != nil {
		t.Errorf("a late Detach of the old link broke the new one: %v", err)
	}
	caller.Detach(second, "gone")
	_, err = caller.Call(context.Background(), "get_status", nil)
	if e := wantCode(t, err, core.CodeBackendDown); !strings.Contains(e.Message, "gone") {
		t.Errorf("message = %q", e.Message)
	}
}
