package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/internal/testkit"
	"ucbi-console/store"
)

// childEnv, when set in the environment, makes the test binary run `ucbi-console` with the
// arguments it holds (JSON) instead of the tests: the real serve process of the tests that need
// one (kill -9, SIGTERM, the whole console, a second command against a held data dir).
const childEnv = "UCBI_ENDPOINT_TEST_CHILD_ARGS"

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

// Tokens of the child's endpoint: the console's own token for bots, and the backend's, which
// only the console knows.
const (
	liveOurToken     = "our-bot-token-7f3a9c2e51d04b68"
	liveBackendToken = "napcat-backend-secret-e4d2b1a0c9f8"
)

// serveOver starts a real serve over a new data dir holding sources and bots, and returns the
// dir and the child, listening. The test's end kills it if it still runs (and waits for it to
// be gone before the dir is removed). -short skips the test.
func serveOver(t *testing.T, sources []core.Source, bots ...core.Bot) (string, *serveChild) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Store(t, db, sources, bots)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, startServe(t, dir)
}

// reopen opens a data dir a child has let go of (within Open's lock timeout: the child closed
// the file, or died and the kernel dropped its lock); the test's end closes it.
func reopen(t *testing.T, dir, after string) *store.DB {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatalf("reopen after %s: %v", after, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// serveChild is a real `ucbi-console serve` running in a child process (the test binary
// re-executed through TestMain).
type serveChild struct {
	cmd         *exec.Cmd
	addr        string
	done        chan struct{} // closed once the process has exited; err is then why
	err         error
	out, stderr testkit.LockedBuffer
}

// startServe starts serve on a data dir and waits until it listens.
func startServe(t *testing.T, dir string) *serveChild {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--token", liveOurToken})
	c := &serveChild{cmd: exec.Command(os.Args[0], "-test.run=^$"), done: make(chan struct{})}
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
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill() // when the test left it running
		c.exit(t)
	})
	select {
	case c.addr = <-addrCh:
	case <-c.done:
		t.Fatalf("serve ended before listening: %v\n%s%s", c.err, c.out.String(), c.stderr.String())
	case <-time.After(60 * time.Second): // a real process starting: poll with a deadline
		_ = c.cmd.Process.Kill()
		t.Fatalf("serve did not start listening within 60 s\n%s%s", c.out.String(), c.stderr.String())
	}
	return c
}

// stop sends SIGTERM and waits for serve to exit 0.
func (c *serveChild) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.exit(t); err != nil {
		t.Fatalf("serve exited with %v\n%s%s", err, c.out.String(), c.stderr.String())
	}
}

// exit waits for the process to be gone (it was signalled or killed) and returns why it ended.
func (c *serveChild) exit(t *testing.T) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(30 * time.Second): // a real process: wait with a deadline
		t.Fatal("serve did not exit")
	}
	return nil
}
