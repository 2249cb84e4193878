package hub

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
)

// testWait bounds every wait of a test; nothing is expected to take long, it only keeps a
// broken test from hanging.
const testWait = 20 * time.Second

// notifier is a broadcast "something changed": waiters take the current channel, which is
// closed and replaced on each change.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) changed() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
	}
	n.ch = make(chan struct{})
}

// waitUntil waits for cond, woken by n (or polled every few ms when something changes out of
// n's sight), failing the test after testWait.
func waitUntil(t *testing.T, n *notifier, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(testWait)
	defer deadline.Stop()
	for {
		ch := n.wait()
		if cond() {
			return
		}
		poll := time.NewTimer(5 * time.Millisecond)
		select {
		case <-ch:
		case <-poll.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
		poll.Stop()
	}
}

// fakeFeed is the event intake: tests push raw events to every subscriber of a source.
type fakeFeed struct {
	notifier
	mu   sync.Mutex
	subs map[string][]*feedSub
}

type feedSub struct {
	deliver func(core.StoredEvent) bool
	ended   chan struct{}
	once    sync.Once
}

func (s *feedSub) end() { s.once.Do(func() { close(s.ended) }) }

func newFakeFeed() *fakeFeed { return &fakeFeed{subs: map[string][]*feedSub{}} }

func (f *fakeFeed) Follow(ctx context.Context, sourceID string, deliver func(core.StoredEvent) bool) (<-chan struct{}, error) {
	s := &feedSub{deliver: deliver, ended: make(chan struct{})}
	f.mu.Lock()
	f.subs[sourceID] = append(f.subs[sourceID], s)
	f.mu.Unlock()
	f.changed()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.ended:
		}
		f.forget(sourceID, s)
	}()
	return s.ended, nil
}

// forget removes a follower and ends it; under f.mu, so that deliver is not called after.
func (f *fakeFeed) forget(sourceID string, s *feedSub) {
	f.mu.Lock()
	list := f.subs[sourceID]
	for i, x := range list {
		if x == s {
			f.subs[sourceID] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	s.end()
	f.mu.Unlock()
	f.changed()
}

func (f *fakeFeed) count(sourceID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs[sourceID])
}

// endAll ends every follower of the source, as the intake does when it stops.
func (f *fakeFeed) endAll(sourceID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs[sourceID] {
		s.end()
	}
}

// push hands a raw event to every current follower of the source, as the intake would (a
// follower whose deliver says stop is ended).
func (f *fakeFeed) push(sourceID, kind, raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ev := core.StoredEvent{Source: sourceID, Kind: kind, Raw: json.RawMessage(raw), Received: time.Now()}
	for _, s := range f.subs[sourceID] {
		select {
		case <-s.ended:
			continue
		default:
		}
		if !s.deliver(ev) {
			s.end()
		}
	}
}

// fakeActions records each forwarded action and answers with a success envelope carrying the
// backend's own echo (which the hub must replace).
type fakeActions struct {
	notifier
	mu    sync.Mutex
	calls []forwarded
}

type forwarded struct {
	Origin, Source, Action string
	Params                 string
}

func (a *fakeActions) Forward(ctx context.Context, origin, sourceID, action string, params json.RawMessage) ([]byte, error) {
	a.mu.Lock()
	a.calls = append(a.calls, forwarded{origin, sourceID, action, string(params)})
	a.mu.Unlock()
	a.changed()
	switch action {
	case "no_such_action":
		return nil, &core.Error{Code: core.CodeBackendFailed, HTTPStatus: http.StatusNotFound, Message: "backend has no such action (HTTP 404)"}
	case "backend_down":
		return nil, core.Errorf(core.CodeBackendDown, "cannot reach the backend")
	}
	return []byte(`{"status":"ok","retcode":0,"data":{"message_id":42},"message":"","wording":"","echo":"backend-echo"}`), nil
}

func (a *fakeActions) list() []forwarded {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]forwarded(nil), a.calls...)
}

const backendToken = "BACKEND-TOKEN-never-to-bots"

// testSources has the default source "qq" and a second one "other".
func testSources(heartbeatMS int) Sources {
	return SourcesFunc(func(id string) (core.Source, error) {
		switch id {
		case "", "qq":
			return core.Source{ID: "qq", Via: "onebot", URL: "http://127.0.0.1:1", Token: backendToken, Default: true, SelfID: "10001", HeartbeatMS: heartbeatMS}, nil
		case "other":
			return core.Source{ID: "other", Via: "onebot", SelfID: "20002", HeartbeatMS: heartbeatMS}, nil
		}
		return core.Source{}, core.Errorf(core.CodeUnknownSource, "no message source %q", id)
	})
}

type testEnv struct {
	feed *fakeFeed
	acts *fakeActions
	hub  *Hub
	srv  *httptest.Server
}

// newEnv starts a hub with the bots behind an httptest server; opts may adjust the options.
func newEnv(t *testing.T, bots []core.Bot, opts func(*Options)) *testEnv {
	t.Helper()
	e := &testEnv{feed: newFakeFeed(), acts: &fakeActions{}}
	o := Options{Feed: e.feed, Actions: e.acts, Sources: testSources(3_600_000), Bots: bots,
		ReconnectMin: time.Millisecond, ReconnectMax: 5 * time.Millisecond}
	if opts != nil {
		opts(&o)
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.hub = h
	e.srv = httptest.NewServer(h)
	h.Start()
	t.Cleanup(func() {
		_ = h.Close()
		e.srv.Close()
	})
	return e
}

func (e *testEnv) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + path
}

// dialBot connects as a ws bot with the given token (in an Authorization: Bearer header).
func (e *testEnv) dialBot(t *testing.T, path, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	c, _, err := websocket.Dial(ctx, e.wsURL(path), &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	c.SetReadLimit(1 << 24)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func readFrame(t *testing.T, c *websocket.Conn) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b
}

func writeFrame(t *testing.T, c *websocket.Conn, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// readConnect reads the lifecycle connect event every event-carrying connection opens with.
func readConnect(t *testing.T, c *websocket.Conn) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readFrame(t, c), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["post_type"] != "meta_event" || ev["meta_event_type"] != "lifecycle" || ev["sub_type"] != "connect" || ev["self_id"] != float64(10001) {
		t.Fatalf("first frame is not a lifecycle connect of 10001: %v", ev)
	}
}

// groupMessage is a raw NapCat group message, with odd spacing, escapes and 64-bit ids that
// must reach bots byte for byte.
const groupMessage = `{"time":1700000000, "self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":-2147483000,"group_id":123456789,"user_id":9223372036854775807,"anonymous":null,"message":[{"type":"text","data":{"text":"hi <b> & \u4f60"}}],"raw_message":"hi","font":0,"sender":{"user_id":9223372036854775807,"nickname":"n","card":"","role":"member"}}`
