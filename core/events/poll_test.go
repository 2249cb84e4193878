package events

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"ucbi-console/core"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

func TestLongPollBadParamsAre400NamingTheParam(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	srv := httptest.NewServer(LongPoll(in))
	defer srv.Close()
	for _, tc := range []struct{ query, param string }{
		{"after=x", "after"}, {"after=-1", "after"}, {"limit=0", "limit"}, {"limit=1001", "limit"},
		{"limit=ten", "limit"}, {"timeout=-1", "timeout"}, {"timeout=121", "timeout"}, {"timeout=NaN", "timeout"},
	} {
		var body core.ErrorBodyJSON
		if code := getJSON(t, srv.URL+"/events?"+tc.query, &body); code != 400 || body.Error != core.CodeBadParam || !strings.HasPrefix(body.Message, tc.param+":") {
			t.Errorf("%s: %d %+v", tc.query, code, body)
		}
	}
}

// A long-polling consumer pages through everything, then waits for what comes next; it gets
// every event once, in order.
func TestLongPollDeliversEverythingInOrderAndWaits(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	ctx := testCtx(t)
	srv := httptest.NewServer(LongPoll(in))
	defer srv.Close()
	const total = 250
	go func() {
		for n := range total {
			if _, err := in.Accept(ctx, src("a"), msg("a", n)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	after := uint64(0)
	got := 0
	for got < total {
		var resp PollResponse
		if code := getJSON(t, fmt.Sprintf("%s/events?after=%d&limit=40&timeout=10", srv.URL, after), &resp); code != 200 {
			t.Fatalf("status %d", code)
		}
		if len(resp.Events) == 0 || len(resp.Events) > 40 {
			t.Fatalf("a poll that waited returned %d events", len(resp.Events))
		}
		for _, ev := range resp.Events {
			if ev.ID != after+1 {
				t.Fatalf("got id %d after %d", ev.ID, after)
			}
			var p payload
			if err := json.Unmarshal(ev.Data, &p); err != nil || p.N != got {
				t.Fatalf("event %d carries %+v, want n=%d", ev.ID, p, got)
			}
			after = ev.ID
			got++
		}
		if resp.Next != after {
			t.Fatalf("next = %d, want %d", resp.Next, after)
		}
	}
	// Nothing newer and no wait: an empty answer that says where to resume.
	var resp PollResponse
	getJSON(t, fmt.Sprintf("%s/events?after=%d", srv.URL, after), &resp)
	if len(resp.Events) != 0 || resp.Next != after {
		t.Errorf("idle poll = %+v", resp)
	}
	// No after: only what is newer than now.
	getJSON(t, srv.URL+"/events", &resp)
	if len(resp.Events) != 0 || resp.Next != total {
		t.Errorf("poll without after = %+v", resp)
	}
}

type sseEvent struct {
	id   uint64
	data string
}

// readSSE reads n events from a stream, skipping comments.
func readSSE(t *testing.T, r *bufio.Reader, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseUint(line[4:], 10, 64)
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		case line == "" && cur.id != 0:
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	return out
}

func TestStreamSendsIdsAndResumesFromLastEventID(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	ctx := testCtx(t)
	srv := httptest.NewServer(Stream(in, StreamOptions{}))
	defer srv.Close()

	open := func(lastID string) (*http.Response, *bufio.Reader) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events/stream", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		r := bufio.NewReader(resp.Body)
		if line, _ := r.ReadString('\n'); line != ": ok\n" { // headers flushed at once
			t.Fatalf("first line %q", line)
		}
		return resp, r
	}
	resp, r := open("")
	for n := range 5 {
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	evs := readSSE(t, r, 5)
	for i, ev := range evs {
		var e core.Event
		if err := json.Unmarshal([]byte(ev.data), &e); err != nil || ev.id != uint64(i+1) || e.ID != ev.id || e.Type != core.EventMessage {
			t.Fatalf("event %d: id %d, data %s (%v)", i, ev.id, ev.data, err)
		}
	}
	resp.Body.Close()

	for n := 5; n < 8; n++ {
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	resp, r = open("5")
	defer resp.Body.Close()
	evs = readSSE(t, r, 3)
	if evs[0].id != 6 || evs[2].id != 8 {
		t.Fatalf("resumed with %+v", evs)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events/stream", nil)
	req.Header.Set("Last-Event-ID", "six")
	bad, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if bad.StatusCode != 400 {
		t.Errorf("bad Last-Event-ID: %d", bad.StatusCode)
	}
}

func TestStreamHeartbeatsWhenIdle(t *testing.T) {
	in := startIntake(t, NewMemLog(), IntakeOptions{})
	srv := httptest.NewServer(Stream(in, StreamOptions{Heartbeat: 5e6}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodGet, srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == ": heartbeat\n" {
			return
		}
	}
}
