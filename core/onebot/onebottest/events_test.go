package onebottest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core/link"
	"ucbi-console/internal/testwait"
)

func dialWS(t *testing.T, u string, h http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func readJSON(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

func writeJSON(t *testing.T, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		t.Fatal(err)
	}
}

// waitLinks waits until n event links are connected.
func waitLinks(t *testing.T, s *Server, n int) {
	t.Helper()
	testwait.Until(t, fmt.Sprintf("%d event links", n), func() bool { return s.EventLinks() == n })
}

func TestWebSocketServerPaths(t *testing.T) {
	s := New(Options{Token: "tok"})
	defer s.Close()
	auth := http.Header{"Authorization": {"Bearer tok"}}
	root := dialWS(t, s.WSURL(), auth)
	if m := readJSON(t, root); m["meta_event_type"] != "lifecycle" || m["sub_type"] != "connect" {
		t.Fatalf("first frame = %v", m)
	}
	events := dialWS(t, s.WSURL()+"event?access_token=tok", nil)
	readJSON(t, events)
	api := dialWS(t, s.WSURL()+"api", auth)
	waitLinks(t, s, 2) // "/" and "/event"; "/api" gets no events

	// Actions over "/" and "/api" are answered with the echo given back unchanged, and recorded.
	writeJSON(t, api, `{"action":"send_group_msg","params":{"group_id":20001,"message":"hi"},"echo":{"n":1}}`)
	m := readJSON(t, api)
	if m["status"] != "ok" || m["echo"].(map[string]any)["n"] != float64(1) {
		t.Errorf("reply = %v", m)
	}
	writeJSON(t, root, `{"action":"get_login_info","echo":"e2"}`)
	if m := readJSON(t, root); m["echo"] != "e2" || m["data"].(map[string]any)["user_id"] != float64(10001) {
		t.Errorf("reply = %v", m)
	}
	writeJSON(t, root, `not json`)
	if m := readJSON(t, root); m["retcode"] != float64(1400) {
		t.Errorf("bad frame answer = %v", m)
	}
	if s.Count("send_group_msg") != 1 || s.Count("get_login_info") != 1 {
		t.Errorf("recorded %v", s.Requests())
	}
	if h := s.Requests()[0].Header; h.Get("Authorization") != "Bearer tok" {
		t.Errorf("recorded header %v", h)
	}

	// An event reaches "/" and "/event", not "/api".
	if err := s.Emit(s.GroupMessageEvent(20001, 10002, "hello")); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []*websocket.Conn{root, events} {
		if m := readJSON(t, ws); m["post_type"] != "message" || m["group_id"] != float64(20001) {
			t.Errorf("event = %v", m)
		}
	}
	writeJSON(t, api, `{"action":"get_status","echo":3}`)
	if m := readJSON(t, api); m["echo"] != float64(3) {
		t.Errorf("/api got %v before its answer", m)
	}
}

func TestWebSocketBadToken(t *testing.T) {
	t.Run("napcat answers 1403 and closes", func(t *testing.T) {
		s := New(Options{Token: "tok"})
		defer s.Close()
		ws := dialWS(t, s.WSURL(), http.Header{"Authorization": {"Bearer nope"}})
		if m := readJSON(t, ws); m["retcode"] != float64(1403) || m["status"] != "failed" {
			t.Errorf("frame = %v", m)
		}
		_, _, err := ws.Read(context.Background())
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("after the refusal: %v", err)
		}
		if s.EventLinks() != 0 {
			t.Error("a refused socket gets events")
		}
	})
	t.Run("go-cqhttp refuses the handshake", func(t *testing.T) {
		s := New(Options{Token: "tok", Flavor: GoCQHTTP})
		defer s.Close()
		_, resp, err := websocket.Dial(context.Background(), s.WSURL(), nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("dial without a token: %v %v", resp, err)
		}
	})
}

func TestHTTPPostSigned(t *testing.T) {
	type got struct {
		sig, self string
		body      []byte
	}
	posts := make(chan got, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- got{r.Header.Get("X-Signature"), r.Header.Get("X-Self-ID"), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ts.Close()
	s := New(Options{Flavor: Lagrange})
	defer s.Close()
	s.AddPostURL(ts.URL+"/report/lagrange", "sec", true)
	if err := s.Emit(s.PrivateMessageEvent(10002, "hi")); err != nil {
		t.Fatal(err)
	}
	p := testwait.Recv(t, posts, "post")
	want := Sign("sec", p.body)
	if p.sig != "sha1="+strings.ToUpper(strings.TrimPrefix(want, "sha1=")) || p.sig == want || p.self != "10001" {
		t.Errorf("signature %q self %q, want upper-case %q", p.sig, p.self, want)
	}
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer fail.Close()
	s.AddPostURL(fail.URL, "", false)
	if err := s.Emit(s.HeartbeatEvent(time.Second)); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Errorf("Emit to a refusing URL: %v", err)
	}
}

func TestSSEAndHeartbeat(t *testing.T) {
	s := New(Options{Token: "tok"})
	defer s.Close()
	got := make(chan string, 16)
	sse, err := link.NewSSE(link.SSEConfig{URL: s.URL() + "/_events", Token: "tok", OnEvent: func(b []byte) { got <- string(b) }})
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	waitLinks(t, s, 1)
	stop := s.StartHeartbeat(10 * time.Millisecond)
	defer stop()
	var m map[string]any
	json.Unmarshal([]byte(testwait.Recv(t, got, "heartbeat")), &m)
	if m["meta_event_type"] != "heartbeat" || m["interval"] != float64(10) {
		t.Errorf("heartbeat = %v", m)
	}
	stop()
	s.Emit(s.NoticeEvent("group_increase", map[string]any{"group_id": 20001, "user_id": 10003, "sub_type": "approve"}))
	for {
		json.Unmarshal([]byte(testwait.Recv(t, got, "notice")), &m)
		if m["post_type"] == "notice" {
			break
		}
	}
	// A wrong token gets the flavor's HTTP refusal.
	resp, err := http.Get(s.URL() + "/_events?access_token=nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d", resp.StatusCode)
	}
}
