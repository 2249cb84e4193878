package endpoint_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
	"ucbi-console/store"
)

// Tokens of the live rigs: the console's own token for bots, and the backend's, which only the
// console knows. Neither may ever show up in history, a log line or an answer.
const (
	liveOurToken     = "our-bot-token-7f3a9c2e51d04b68"
	liveBackendToken = "napcat-backend-secret-e4d2b1a0c9f8"
)

// live is a real endpoint started with Start on 127.0.0.1:0 (the server `serve` runs, with its
// header and size limits), over a real store in a temporary directory and a fake NapCat.
type live struct {
	t      *testing.T
	db     *store.DB
	srv    *endpoint.Server
	fake   *onebottest.Server
	base   string
	token  string
	logs   *testkit.LockedBuffer
	client *http.Client
	told   *callRecorder // what OnCall was told
}

// in is the rig with t as the test that fails: use it inside subtests.
func (l *live) in(t *testing.T) *live {
	c := *l
	c.t = t
	return &c
}

type callRecorder struct {
	mu    sync.Mutex
	calls []endpoint.CallLog
}

type liveOpt func(*endpoint.Options)

func withToken(tok string) liveOpt { return func(o *endpoint.Options) { o.Token = tok } }

func newLive(t *testing.T, extra []core.Source, opts ...liveOpt) *live {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: liveBackendToken, Nickname: "小助手"})
	t.Cleanup(fake.Close)
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: liveBackendToken, Flavor: "napcat", Default: true, TimeoutMS: 5000}); err != nil {
		t.Fatal(err)
	}
	for _, s := range extra {
		if err := db.PutSource(s); err != nil {
			t.Fatal(err)
		}
	}
	l := &live{t: t, db: db, fake: fake, logs: &testkit.LockedBuffer{}, client: &http.Client{Timeout: 30 * time.Second}, told: &callRecorder{}}
	o := endpoint.Options{Listen: "127.0.0.1:0", Token: liveOurToken, Log: l.logs, OnCall: func(c endpoint.CallLog) {
		l.told.mu.Lock()
		l.told.calls = append(l.told.calls, c)
		l.told.mu.Unlock()
	}}
	for _, f := range opts {
		f(&o)
	}
	l.token = o.Token
	srv, err := endpoint.New(cli.NewDispatcher(db), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	l.srv, l.base = srv, "http://"+srv.Addr()
	return l
}

// answer is one HTTP answer.
type answer struct {
	status int
	body   string
	header http.Header
}

// env decodes a OneBot envelope and checks that it has all six fields.
func (a answer) env(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %d %q", a.status, a.body)
	}
	for _, f := range []string{"status", "retcode", "data", "message", "wording", "echo"} {
		if _, ok := m[f]; !ok {
			t.Fatalf("envelope without %q: %s", f, a.body)
		}
	}
	return m
}

func jsonStr(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}

// call sends a request; header holds name/value pairs. With auth, the rig's token goes in a
// Bearer header.
func (l *live) call(method, path, body string, header ...string) answer {
	l.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, l.base+path, rd)
	if err != nil {
		l.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), header: resp.Header}
}

// auth is the Authorization header pair for the rig's token.
func (l *live) auth() []string {
	if l.token == "" {
		return nil
	}
	return []string{"Authorization", "Bearer " + l.token}
}

func (l *live) post(path, body string) answer {
	l.t.Helper()
	return l.call(http.MethodPost, path, body, append(l.auth(), "Content-Type", "application/json")...)
}

// raw writes bytes as they are on a new connection and reads one HTTP answer: for requests an
// HTTP client refuses to send (CR/LF in a header, ".." in a path).
func (l *live) raw(request string) answer {
	l.t.Helper()
	conn, err := net.DialTimeout("tcp", l.srv.Addr(), 10*time.Second)
	if err != nil {
		l.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		l.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		l.t.Fatalf("no HTTP answer to %q: %v", clip(request), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// rows is the whole history, newest first.
func (l *live) rows() []core.HistoryRecord {
	l.t.Helper()
	return testkit.AllHistory(l.t, l.db)
}

func (l *live) onCalls() []endpoint.CallLog {
	l.told.mu.Lock()
	defer l.told.mu.Unlock()
	return append([]endpoint.CallLog(nil), l.told.calls...)
}

// waitUntil polls cond until it holds (at most 10 s, else the test fails): a call's log line and
// its OnCall come after its reply has left, so a caller can read them only once they are there.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after 10 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// lines is how many whole lines the buffer holds.
func lines(b *testkit.LockedBuffer) int { return strings.Count(b.String(), "\n") }
