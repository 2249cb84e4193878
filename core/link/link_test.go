package link_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core/link"
	"ucbi-console/internal/testwait"
)

const token = "tok-S3CRET-value"

// peer is a WebSocket server built on link.Accept: it records the handshake headers, keeps the
// live connections, and forwards every frame it gets.
type peer struct {
	ts      *httptest.Server
	conns   chan *link.Conn
	frames  chan string
	headers chan http.Header
}

func newPeer(t *testing.T, o link.ConnOptions) *peer {
	p := &peer{conns: make(chan *link.Conn, 16), frames: make(chan string, 64), headers: make(chan http.Header, 16)}
	o.OnFrame = func(c *link.Conn, b []byte) { p.frames <- string(b) }
	p.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("X-Query-Token", r.URL.Query().Get("access_token"))
		p.headers <- h
		c, err := link.Accept(w, r, o)
		if err != nil {
			return
		}
		p.conns <- c
	}))
	t.Cleanup(p.ts.Close)
	return p
}

func wsURL(ts *httptest.Server) string { return "ws" + strings.TrimPrefix(ts.URL, "http") }

type states chan link.State

func (s states) on(st link.State) { s <- st }

func TestClientDialsSendsReceivesAndRedials(t *testing.T) {
	p := newPeer(t, link.ConnOptions{})
	st := make(states, 16)
	got := make(chan string, 16)
	c, err := link.NewClient(link.ClientConfig{
		URL: wsURL(p.ts) + "/?x=1", Token: token, TokenQuery: true,
		Header:     http.Header{"X-Self-Id": {"10001"}, "X-Client-Role": {"Universal"}, "User-Agent": {"OneBot/11"}},
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Conn:    link.ConnOptions{OnFrame: func(_ *link.Conn, b []byte) { got <- string(b) }},
		OnState: st.on,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s := testwait.Recv(t, st, "up"); !s.Up || s.Reason != "connected" {
		t.Fatalf("state = %+v, want up", s)
	}
	h := testwait.Recv(t, p.headers, "handshake")
	for k, want := range map[string]string{"Authorization": "Bearer " + token, "X-Query-Token": token,
		"X-Self-Id": "10001", "X-Client-Role": "Universal", "User-Agent": "OneBot/11"} {
		if h.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), want)
		}
	}
	server := testwait.Recv(t, p.conns, "server conn")
	if err := c.Send(context.Background(), []byte(`{"action":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if f := testwait.Recv(t, p.frames, "frame at the server"); f != `{"action":"x"}` {
		t.Errorf("server got %q", f)
	}
	server.Send(context.Background(), []byte(`{"post_type":"meta_event"}`))
	if f := testwait.Recv(t, got, "frame at the client"); f != `{"post_type":"meta_event"}` {
		t.Errorf("client got %q", f)
	}

	// The server drops the link: the client reports why, and comes back.
	server.CloseWith(4000, "bye now")
	s := testwait.Recv(t, st, "down")
	if s.Up || !strings.Contains(s.Reason, "4000 bye now") {
		t.Errorf("state = %+v, want down with the peer's reason", s)
	}
	<-server.Done()
	if server.Reason() != "bye now" {
		t.Errorf("server reason = %q", server.Reason())
	}
	if s := testwait.Recv(t, st, "up again"); !s.Up {
		t.Fatalf("state = %+v, want up", s)
	}
	testwait.Recv(t, p.conns, "second server conn")

	c.Close()
	if s := testwait.Recv(t, st, "closed"); s.Up || s.Reason != "closed" {
		t.Errorf("after Close: %+v", s)
	}
	if err := c.Send(context.Background(), []byte("x")); !errors.Is(err, link.ErrDown) {
		t.Errorf("Send after Close = %v, want ErrDown", err)
	}
}

func TestClientDialFailuresNameNoToken(t *testing.T) {
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer refuse.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := wsURL(closed)
	closed.Close()

	tests := []struct {
		name, url, want string
	}{
		{"refused token", wsURL(refuse), "refused the token (HTTP 403)"},
		{"nobody listening", closedURL, "cannot reach " + closedURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := make(states, 16)
			c, err := link.NewClient(link.ClientConfig{URL: tc.url + "/?a=b", Token: token, TokenQuery: true,
				MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, OnState: st.on})
			if err != nil {
				t.Fatal(err)
			}
			s := testwait.Recv(t, st, "down")
			c.Close()
			if s.Up || !strings.Contains(s.Reason, tc.want) {
				t.Errorf("state = %+v, want down with %q", s, tc.want)
			}
			if strings.Contains(s.Reason, token) || strings.Contains(s.Reason, "access_token") {
				t.Errorf("the reason shows the token: %q", s.Reason)
			}
		})
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	for _, cfg := range []link.ClientConfig{
		{URL: ""}, {URL: "ftp://h/"}, {URL: "ws:///x"}, {URL: "ws://h", Token: "a b"}, {URL: "::"},
	} {
		if c, err := link.NewClient(cfg); err == nil {
			c.Close()
			t.Errorf("NewClient(%+v) = nil error", cfg)
		} else if strings.Contains(err.Error(), "a b") {
			t.Errorf("error shows the token: %v", err)
		}
	}
}

// A peer that never answers (no frame, no pong) is declared silent and redialled.
func TestClientSilentPeerIsDown(t *testing.T) {
	accepted := make(chan *websocket.Conn, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		accepted <- ws // never read: pings go unanswered
	}))
	defer ts.Close()
	st := make(states, 16)
	c, err := link.NewClient(link.ClientConfig{URL: wsURL(ts), MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Conn: link.ConnOptions{Silence: 100 * time.Millisecond}, OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testwait.Recv(t, st, "up")
	ws := testwait.Recv(t, accepted, "accepted")
	defer ws.CloseNow()
	s := testwait.Recv(t, st, "down")
	if s.Up || !strings.Contains(s.Reason, "silent") {
		t.Errorf("state = %+v, want down as silent", s)
	}
	if s := testwait.Recv(t, st, "up again"); !s.Up {
		t.Errorf("state = %+v", s)
	}
	(<-accepted).CloseNow()
}

// A quiet peer that answers pings stays up: its pongs count as traffic.
func TestQuietPeerAnsweringPingsStaysUp(t *testing.T) {
	p := newPeer(t, link.ConnOptions{}) // link.Accept reads, so it answers pings
	st := make(states, 16)
	// The silence window is generous so that a loaded machine (the race detector, shared
	// cores) still gets each pong back within the half window a ping has.
	const silence = 400 * time.Millisecond
	c, err := link.NewClient(link.ClientConfig{URL: wsURL(p.ts), Conn: link.ConnOptions{Silence: silence}, OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testwait.Recv(t, st, "up")
	conn := c.Conn()
	start := conn.LastSeen()
	deadline := time.Now().Add(10 * time.Second)
	// Past a silence window with no data frame, and still up: only pongs can have done it.
	for conn.LastSeen().Sub(start) < silence*5/4 {
		select {
		case s := <-st:
			t.Fatalf("the link changed state: %+v", s)
		case <-conn.Done():
			t.Fatalf("the link closed: %s", conn.Reason())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no pong ever arrived")
		}
	}
}

// linkToIdlePeer is a client's connection, up, to a peer that accepts and never reads; the
// test's cleanup closes both.
func linkToIdlePeer(t *testing.T, opts link.ConnOptions) *link.Conn {
	t.Helper()
	accepted := make(chan *websocket.Conn, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err == nil {
			accepted <- ws
		}
	}))
	t.Cleanup(ts.Close)
	st := make(states, 16)
	c, err := link.NewClient(link.ClientConfig{URL: wsURL(ts), Conn: opts, OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	testwait.Recv(t, st, "up")
	ws := testwait.Recv(t, accepted, "accepted")
	t.Cleanup(func() { ws.CloseNow() })
	return c.Conn()
}

// A peer that stops reading fills its queue; Push closes it rather than wait.
func TestPushClosesSlowPeer(t *testing.T) {
	conn := linkToIdlePeer(t, link.ConnOptions{QueueSize: 2})
	frame := []byte(strings.Repeat("x", 1<<20))
	var perr error
	for i := 0; i < 10000 && perr == nil; i++ {
		perr = conn.Push(frame)
	}
	if !errors.Is(perr, link.ErrQueueFull) {
		t.Fatalf("Push never reported a full queue: %v", perr)
	}
	<-conn.Done()
	if !strings.Contains(conn.Reason(), "slow peer") {
		t.Errorf("reason = %q", conn.Reason())
	}
	if err := conn.Push(frame); !errors.Is(err, link.ErrClosed) {
		t.Errorf("Push after close = %v", err)
	}
}

func TestAcceptedConnHeaderAndOnClose(t *testing.T) {
	closed := make(chan string, 1)
	p := newPeer(t, link.ConnOptions{OnClose: func(_ *link.Conn, reason string) { closed <- reason }})
	ws, _, err := websocket.Dial(context.Background(), wsURL(p.ts), &websocket.DialOptions{HTTPHeader: http.Header{"X-Self-Id": {"42"}}})
	if err != nil {
		t.Fatal(err)
	}
	server := testwait.Recv(t, p.conns, "accepted")
	if server.Header().Get("X-Self-Id") != "42" {
		t.Errorf("Header() = %v", server.Header())
	}
	ws.Write(context.Background(), websocket.MessageText, []byte("hello"))
	if f := testwait.Recv(t, p.frames, "frame"); f != "hello" {
		t.Errorf("frame = %q", f)
	}
	ws.Close(websocket.StatusGoingAway, "gone")
	if r := testwait.Recv(t, closed, "OnClose"); !strings.Contains(r, "1001 gone") {
		t.Errorf("reason = %q", r)
	}
}

// Many goroutines sending at once: every frame arrives whole, through the one writer.
func TestConcurrentSends(t *testing.T) {
	p := newPeer(t, link.ConnOptions{})
	st := make(states, 4)
	c, err := link.NewClient(link.ClientConfig{URL: wsURL(p.ts), OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testwait.Recv(t, st, "up")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 8; j++ {
				if err := c.Send(context.Background(), []byte(fmt.Sprintf("%d-%d", i, j))); err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for len(seen) < 64 {
		seen[testwait.Recv(t, p.frames, "frames")] = true
	}
}

func TestBackoff(t *testing.T) {
	b := link.Backoff{}
	prevHi := time.Duration(0)
	for i := 0; i < 12; i++ {
		d := b.Next()
		hi := time.Second << i
		if hi > 30*time.Second {
			hi = 30 * time.Second
		}
		if d < hi/2 || d > hi {
			t.Errorf("attempt %d: %s not in [%s, %s]", i, d, hi/2, hi)
		}
		if hi < prevHi {
			t.Errorf("the cap shrank")
		}
		prevHi = hi
	}
	b.Reset()
	if d := b.Next(); d > time.Second {
		t.Errorf("after Reset: %s", d)
	}
}

// A peer that stops reading: a frame that cannot be written within WriteTimeout closes the
// connection, with that reason (the writer's timer, re-armed per frame).
func TestWriteTimeoutClosesStuckPeer(t *testing.T) {
	conn := linkToIdlePeer(t, link.ConnOptions{WriteTimeout: 300 * time.Millisecond})
	frame := []byte(strings.Repeat("x", 1<<20))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if err := conn.Send(ctx, frame); err != nil {
			break // the connection closed
		}
	}
	<-conn.Done()
	if !strings.Contains(conn.Reason(), "did not finish within") {
		t.Errorf("reason = %q", conn.Reason())
	}
}
