package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
)

var markerRE = regexp.MustCompile(`kill9-[0-9]+-[0-9]+`)

// TestKill9DuringLoad runs the real `serve` in a child process, fires concurrent sends at it
// on both routes, SIGKILLs it in the middle of the load, reopens its data dir and checks that
// every call that got a success answer has its history row: a row is durable before its reply.
// No send reached the backend twice.
func TestKill9DuringLoad(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: liveBackendToken, KeepRequests: 100_000})
	defer fake.Close()
	dir, child := serveOver(t, []core.Source{{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: liveBackendToken, Flavor: "napcat", Default: true}})
	addr, out, stderr := child.addr, &child.out, &child.stderr

	// The load: senders each make up to perSender calls, alternating the OneBot route and the
	// UCBI root, every message carrying a unique marker. After killAfter successes the child
	// is killed while the senders keep going.
	const (
		senders   = 12
		perSender = 400
		killAfter = 150
	)
	var (
		mu        sync.Mutex
		succeeded []string
		okCount   atomic.Int64
		stop      atomic.Bool
		killNow   = make(chan struct{})
		killOnce  sync.Once
		wg        sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	deadline := time.Now().Add(60 * time.Second)
	for s := range senders {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < perSender && !stop.Load() && time.Now().Before(deadline); i++ {
				marker := fmt.Sprintf("kill9-%d-%d", s, i)
				var path, body string
				if i%2 == 0 {
					path, body = "/send_group_msg", `{"group_id":20001,"message":"`+marker+`"}`
				} else {
					path, body = "/", `{"action":"send_group_message","params":{"group_id":"20001","message":"`+marker+`"}}`
				}
				req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+liveOurToken)
				resp, err := client.Do(req)
				if err != nil {
					continue // the process is gone (or going): this call did not succeed
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || strings.Contains(string(b), `"error"`) || (path != "/" && !strings.Contains(string(b), `"retcode":0`)) {
					continue
				}
				mu.Lock()
				succeeded = append(succeeded, marker)
				mu.Unlock()
				if okCount.Add(1) >= killAfter {
					killOnce.Do(func() { close(killNow) })
				}
			}
		}(s)
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	select {
	case <-killNow:
	case <-allDone:
		t.Fatalf("the load ended with only %d successes before the kill\n%s%s", okCount.Load(), out.String(), stderr.String())
	}
	if err := child.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = child.exit(t) // killed: the error says so
	stop.Store(true)
	<-allDone

	// Reopen the data dir: every success has its row; no marker was sent twice.
	db := reopen(t, dir, "kill -9")
	inHistory := map[string]int{}
	for _, r := range testkit.AllHistory(t, db) {
		inHistory[r.Message]++
	}
	mu.Lock()
	defer mu.Unlock()
	if len(succeeded) < killAfter {
		t.Fatalf("only %d successes", len(succeeded))
	}
	for _, m := range succeeded {
		if inHistory[m] != 1 {
			t.Errorf("call %s was answered ok but has %d history rows", m, inHistory[m])
		}
	}
	sent := map[string]int{}
	for _, r := range fake.Requests() {
		// a OneBot send carries the text as sent; a UCBI one as segments: find the marker
		for _, m := range markerRE.FindAllString(testkit.ParamString(r.Params["message"]), -1) {
			sent[m]++
		}
	}
	for m, n := range sent {
		if n > 1 {
			t.Errorf("message %s reached the backend %d times", m, n)
		}
	}
	for _, m := range succeeded {
		if sent[m] == 0 {
			t.Errorf("call %s was answered ok but never reached the backend", m)
		}
	}
	t.Logf("%d calls answered ok before/around the kill; %d rows in history; the backend got %d sends", len(succeeded), len(inHistory), fake.Count("send_group_msg"))
}
