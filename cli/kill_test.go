package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// childEnv, when set in the environment, makes the test binary run `ucbi-console` with the
// arguments it holds (JSON) instead of the tests: the kill -9 test's real serve process.
const childEnv = "UCBI_ENDPOINT_TEST_CHILD_ARGS"

var markerRE = regexp.MustCompile(`kill9-[0-9]+-[0-9]+`)

func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			fmt.Fprintln(os.Stderr, "bad", childEnv, err)
			os.Exit(2)
		}
		os.Exit(cli.Run(args, os.Stdout, os.Stderr, nil))
	}
	os.Exit(m.Run())
}

// TestKill9DuringLoad runs the real `serve` in a child process, fires concurrent sends at it
// on both routes, SIGKILLs it in the middle of the load, reopens its data dir and checks that
// every call that got a success answer has its history row: a row is durable before its reply.
// No send reached the backend twice.
func TestKill9DuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: liveBackendToken, KeepRequests: 100_000})
	defer fake.Close()
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: liveBackendToken, Flavor: "napcat", Default: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	child := startServe(t, dir)
	addr, cmd, exited, out, stderr := child.addr, child.cmd, child.exited, &child.out, &child.stderr
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

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
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	killed = true
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the killed process did not exit")
	}
	stop.Store(true)
	<-allDone

	// Reopen the data dir: every success has its row; no marker was sent twice.
	db, err = store.Open(dir)
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer db.Close()
	inHistory := map[string]int{}
	for _, r := range allRows(t, db) {
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
		for _, m := range markerRE.FindAllString(paramString(r.Params["message"]), -1) {
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

// serveChild is a real `ucbi-console serve` running in a child process (the test binary
// re-executed through TestMain).
type serveChild struct {
	cmd         *exec.Cmd
	addr        string
	exited      chan error
	out, stderr lockedBuffer
}

// startServe starts serve on a data dir and waits until it listens. The caller stops it.
func startServe(t *testing.T, dir string) *serveChild {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--token", liveOurToken})
	c := &serveChild{cmd: exec.Command(os.Args[0], "-test.run=^$"), exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(args))
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			c.out.Write([]byte(line + "\n"))
			if _, rest, ok := strings.Cut(line, "serving on http://"); ok {
				addrCh <- strings.Fields(rest)[0]
			}
		}
		c.exited <- c.cmd.Wait()
	}()
	select {
	case c.addr = <-addrCh:
	case err := <-c.exited:
		t.Fatalf("serve ended before listening: %v\n%s%s", err, c.out.String(), c.stderr.String())
	case <-time.After(60 * time.Second): // a real process starting: poll with a deadline
		_ = c.cmd.Process.Kill()
		t.Fatalf("serve did not start listening within 60 s\n%s%s", c.out.String(), c.stderr.String())
	}
	return c
}

// Tokens of the child's endpoint: the console's own token for bots, and the backend's, which
// only the console knows.
const (
	liveOurToken     = "our-bot-token-7f3a9c2e51d04b68"
	liveBackendToken = "napcat-backend-secret-e4d2b1a0c9f8"
)

func allRows(t *testing.T, db *store.DB) []core.HistoryRecord {
	t.Helper()
	var out []core.HistoryRecord
	before := uint64(0)
	for range 10_000 {
		page, err := db.HistoryPage(before, 1000, store.HistoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		out = append(out, page...)
		before = page[len(page)-1].Seq
	}
	return out
}

// lockedBuffer is an output the child's reader goroutine and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func paramString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
