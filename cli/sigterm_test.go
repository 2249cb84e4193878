package cli_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
)

// TestServeStopsCleanlyOnSIGTERM sends SIGTERM to a real serve process while a call is in
// flight: the call still gets its answer, the process exits 0 saying it stopped, and the data
// dir opens again at once (the database was closed, not left locked) with the call's row.
func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Delay: 700 * time.Millisecond})
	defer fake.Close()
	dir, child := serveOver(t, []core.Source{{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Flavor: "napcat", Default: true}})

	type result struct {
		status int
		body   string
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+child.addr+"/", strings.NewReader(`{"action":"send_group_message","params":{"group_id":"20001","message":"sigterm-in-flight"}}`))
		req.Header.Set("Authorization", "Bearer "+liveOurToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- result{status: resp.StatusCode, body: string(b)}
	}()
	// Signal once the backend has the call: it is then in flight in the console.
	for deadline := time.Now().Add(30 * time.Second); fake.Count("send_group_msg") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the call never reached the backend")
		}
		time.Sleep(5 * time.Millisecond) // polling a real process, with a deadline
	}
	child.stop(t)
	r := <-answered
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, "message_id") {
		t.Fatalf("the in-flight call was not answered: %+v", r)
	}
	if out := child.out.String(); !strings.Contains(out, "finishing in-flight calls") || !strings.Contains(out, "stopped") {
		t.Fatalf("serve's output: %s", out)
	}
	rows := testkit.AllHistory(t, reopen(t, dir, "SIGTERM"))
	if len(rows) != 1 || rows[0].Message != "sigterm-in-flight" || rows[0].Outcome != core.OutcomeOK {
		t.Fatalf("history after SIGTERM: %+v", rows)
	}
}
