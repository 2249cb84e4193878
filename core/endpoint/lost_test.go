package endpoint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// TestBackendFailuresLoseNothing: a backend that is down, too slow, answers garbage, 5xx or an
// HTML page, or refuses the console's backend token. On both routes the caller gets a clear
// error (within the source's timeout), the history row says what happened, and the send
// reached the backend at most once: nothing is retried.
func TestBackendFailuresLoseNothing(t *testing.T) {
	type backend struct {
		id   string
		opts onebottest.Options
		src  core.Source
	}
	// The slow fake would answer after ten minutes: the call can only end by the source's
	// 300 ms timeout (the test client's own timeout is 30 s).
	backends := []backend{
		{"down", onebottest.Options{Mode: onebottest.ModeDown}, core.Source{}},
		{"slow", onebottest.Options{Delay: 10 * time.Minute}, core.Source{TimeoutMS: 300}},
		{"garbage", onebottest.Options{Mode: onebottest.ModeGarbage}, core.Source{}},
		{"fivexx", onebottest.Options{Mode: onebottest.Mode5xx}, core.Source{}},
		{"html", onebottest.Options{Mode: onebottest.ModeHTML}, core.Source{}},
		{"badtoken", onebottest.Options{Token: "the-real-backend-token"}, core.Source{Token: "an-outdated-backend-token"}},
	}
	fakes := map[string]*onebottest.Server{}
	var sources []core.Source
	for _, b := range backends {
		f := onebottest.New(b.opts)
		t.Cleanup(f.Close)
		fakes[b.id] = f
		s := b.src
		s.ID, s.Via, s.URL, s.Flavor = b.id, onebot.Via, f.URL(), "napcat"
		sources = append(sources, s)
	}
	l := newLive(t, sources)

	cases := []struct {
		source       string
		reached      int // how many sends the backend must have received
		obStatus     int
		obRetcode    string
		ucbiStatus   int
		code         string // the row's error code (OneBot route)
		ucbiCode     string // the row's error code (UCBI route)
		mention      string
		backendSends string // the action the backend sees
	}{
		{"down", 0, 503, "1503", 503, core.CodeBackendDown, core.CodeBackendDown, "cannot reach", "send_group_msg"},
		{"slow", 1, 504, "1504", 504, core.CodeBackendTimeout, core.CodeBackendTimeout, "did not answer", "send_group_msg"},
		{"garbage", 1, 502, "1502", 502, core.CodeBackendBadReply, core.CodeBackendBadReply, "not a OneBot reply", "send_group_msg"},
		{"fivexx", 1, 502, "1502", 502, core.CodeBackendBadReply, core.CodeBackendBadReply, "HTTP 500", "send_group_msg"},
		{"html", 1, 502, "1502", 502, core.CodeBackendBadReply, core.CodeBackendBadReply, "not a OneBot reply", "send_group_msg"},
		{"badtoken", 1, 502, "1502", 502, core.CodeBackendFailed, core.CodeBackendFailed, "backend token", "send_group_msg"},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			l := l.in(t)
			fake := fakes[c.source]
			// OneBot route
			marker := "lost-test-ob-" + c.source
			a := l.post("/s/"+c.source+"/send_group_msg", `{"group_id":20001,"message":"`+marker+`","echo":"e"}`)
			m := a.env(t)
			if a.status != c.obStatus || string(m["retcode"]) != c.obRetcode || jsonStr(m["status"]) != "failed" || jsonStr(m["echo"]) != "e" {
				t.Fatalf("OneBot: want %d/%s, got %d %s", c.obStatus, c.obRetcode, a.status, a.body)
			}
			if msg := jsonStr(m["message"]); !strings.Contains(msg, c.mention) {
				t.Fatalf("OneBot: the message should say %q: %s", c.mention, msg)
			}
			if n := fake.Count(c.backendSends); n != c.reached {
				t.Fatalf("OneBot: the backend got the send %d times, want %d", n, c.reached)
			}
			row := findRow(t, l, marker)
			if row.Outcome != core.OutcomeError || row.ErrorCode != c.code || row.Source != c.source || row.Text == "" || row.Origin != core.OriginOneBot {
				t.Fatalf("OneBot row: %+v", row)
			}

			// UCBI route
			fake.Reset()
			marker = "lost-test-ucbi-" + c.source
			a = l.post("/", `{"action":"send_group_message","context":{"via":"coolq-http-api","extra":{"config_id":"`+c.source+`"}},"params":{"group_id":"20001","message":"`+marker+`"}}`)
			if a.status != c.ucbiStatus || !strings.Contains(a.body, `"error":"`+c.ucbiCode+`"`) {
				t.Fatalf("UCBI: want %d %s, got %d %s", c.ucbiStatus, c.ucbiCode, a.status, a.body)
			}
			if n := fake.Count(c.backendSends); n != c.reached {
				t.Fatalf("UCBI: the backend got the send %d times, want %d", n, c.reached)
			}
			row = findRow(t, l, marker)
			if row.Outcome != core.OutcomeError || row.ErrorCode != c.ucbiCode || row.Source != c.source || row.Text == "" {
				t.Fatalf("UCBI row: %+v", row)
			}
		})
	}
}

// findRow finds the one history row whose message is marker.
func findRow(t *testing.T, l *live, marker string) core.HistoryRecord {
	t.Helper()
	var found []core.HistoryRecord
	for _, r := range l.rows() {
		if r.Message == marker {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d history rows with message %q, want 1", len(found), marker)
	}
	return found[0]
}

// TestHistoryFailureIsNotSuccess: when the row cannot be written, the caller is not told "ok"
// — the call was made, and the answer says its row is missing.
func TestHistoryFailureIsNotSuccess(t *testing.T) {
	l := newLive(t, nil)
	d := core.NewDispatcher(l.db, failingHistory{}, l.db)
	d.Register(onebot.Via, onebot.Factory)
	srv, err := endpoint.New(d, endpoint.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	l.base, l.token = "http://"+srv.Addr(), ""

	a := l.post("/send_group_msg", `{"group_id":20001,"message":"x"}`)
	m := a.env(t)
	if a.status != 500 || jsonStr(m["status"]) != "failed" || !strings.Contains(jsonStr(m["message"]), "history row could not be written") ||
		!strings.Contains(string(m["data"]), "message_id") {
		t.Fatalf("OneBot: %d %s", a.status, a.body)
	}
	a = l.post("/", `{"action":"send_group_message","params":{"group_id":"20001","message":"x"}}`)
	if a.status != 500 || !strings.Contains(a.body, "history row could not be written") {
		t.Fatalf("UCBI: %d %s", a.status, a.body)
	}
	if n := l.fake.Count("send_group_msg"); n != 2 {
		t.Fatalf("the backend got %d sends, want 2 (one per call, none retried)", n)
	}
}

type failingHistory struct{}

func (failingHistory) AppendHistory(*core.HistoryRecord) error { return errors.New("disk full") }
