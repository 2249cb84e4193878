package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rr := httptest.NewRecorder()
	m.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rr.Body)
	if rr.Code != 200 {
		t.Fatalf("scrape: %d %s", rr.Code, body)
	}
	return string(body)
}

func TestMetricsText(t *testing.T) {
	m := New(func() (uint64, uint64) { return 12, 34 }, func() map[string]uint64 { return map[string]uint64{"post:http://a/": 5} })
	m.ObserveCall(&core.HistoryRecord{Origin: core.OriginUCBI, Action: "send_group_message", Source: "napcat", Outcome: core.OutcomeOK, LatencyUS: 1500})
	m.ObserveCall(&core.HistoryRecord{Origin: core.OriginOneBot, Action: "get\nstatus", Source: "napcat", Outcome: core.OutcomeError, LatencyUS: 10})
	m.ObserveEvent(&core.StoredEvent{Source: "napcat", Event: core.Event{Type: core.EventMessage}})
	m.Rejected("napcat", "not_json")
	m.Delivered("poll", 3)
	m.Link("napcat", core.LinkWS, true)
	m.Link("napcat", core.LinkWS, false)
	m.Link("napcat", core.LinkWS, true)
	body := scrape(t, m)
	for _, want := range []string{
		`ucbi_calls_total{action="send_group_message",door="ucbi",outcome="ok",source="napcat"} 1`,
		`ucbi_calls_total{action="other",door="onebot",outcome="error",source="napcat"} 1`,
		`ucbi_call_duration_seconds_bucket{action="send_group_message",door="ucbi",le="0.0025"} 1`,
		`ucbi_events_in_total{source="napcat",type="message"} 1`,
		`ucbi_events_rejected_total{reason="not_json",source="napcat"} 1`,
		`ucbi_events_delivered_total{consumer="poll"} 3`,
		`ucbi_source_link_up{link="ws",source="napcat"} 1`,
		`ucbi_source_reconnects_total{link="ws",source="napcat"} 1`,
		`ucbi_history_rows 12`,
		`ucbi_events_stored 34`,
		`ucbi_consumer_lag_events{consumer="post:http://a/"} 5`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestActionLabelIsBounded(t *testing.T) {
	m := New(nil, nil)
	for i := 0; i < maxActionLabels+50; i++ {
		m.ObserveCall(&core.HistoryRecord{Origin: "ucbi", Action: "*a" + strings.Repeat("x", i%60) + string(rune('a'+i%26)), Outcome: "ok", LatencyUS: int64(time.Millisecond / time.Microsecond)})
	}
	if n := strings.Count(scrape(t, m), "ucbi_calls_total{"); n > maxActionLabels+1 {
		t.Fatalf("%d action series, want at most %d", n, maxActionLabels+1)
	}
}
