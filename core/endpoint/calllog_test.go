package endpoint_test

import (
	"testing"
	"time"

	"ucbi-console/core/endpoint"
)

func TestCallLogLine(t *testing.T) {
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	c := endpoint.CallLog{Time: at, Method: "POST", Path: "/send_group_msg", Origin: "onebot", Action: "send_group_msg",
		Source: "napcat", Target: "group:20001", Status: 200, Outcome: "ok", Latency: 1234567 * time.Nanosecond}
	if got, want := c.String(), "2026-05-01T08:00:00Z onebot POST /send_group_msg action=send_group_msg source=napcat target=group:20001 status=200 ok 1.235ms"; got != want {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
	c = endpoint.CallLog{Time: at, Method: "GET", Path: "/", Origin: "ucbi", Status: 405, Outcome: "error", Error: "method_not_allowed", Latency: 3 * time.Microsecond}
	if got, want := c.String(), "2026-05-01T08:00:00Z ucbi   GET / action= status=405 error 3µs error=method_not_allowed"; got != want {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
}
