package server_test

import (
	"net/http"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/server"
)

// TestMetrics: GET /metrics is behind the endpoint's token and counts what the console did —
// a call (from its history row), a stored event, the source's link, a long-poll delivery.
func TestMetrics(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
	defer fake.Close()
	src := core.Source{ID: "qq", Via: onebot.Via, URL: fake.URL(), Flavor: "napcat", Events: core.LinkWS, WSURL: fake.WSURL()}
	c := startConsole(t, []core.Source{src}, nil, func(cfg *server.Config) { cfg.Metrics = true })
	c.linkedTo("qq", fake)
	if err := fake.Emit(fake.GroupMessageEvent(1, 2, "counted")); err != nil {
		t.Fatal(err)
	}
	var after uint64
	c.poll(&after, "counted")
	if status, body := c.do("POST", "/", map[string]any{"action": "get_login_info"}); status != 200 {
		t.Fatalf("call: %d %s", status, body)
	}
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token: %d", resp.StatusCode)
	}
	want := []string{
		`ucbi_calls_total{action="get_login_info",door="ucbi",outcome="ok",source="qq"} 1`,
		`ucbi_events_in_total{source="qq",type="message"} 1`,
		`ucbi_source_link_up{link="ws",source="qq"} 1`,
		`ucbi_events_delivered_total{consumer=`,
	}
	waitFor(t, "the metrics", func() bool {
		status, body := c.do("GET", "/metrics", nil)
		if status != 200 {
			t.Fatalf("GET /metrics: %d %s", status, body)
		}
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				return false
			}
		}
		return true
	})
}
