package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// TestCommandsWhileServeHoldsTheDataDir: while a real serve (a child process) holds the data
// file, the commands that need it answer at once — after the store's short lock wait, never
// hanging — with exit 1 and one line naming the problem and what to do instead; never a
// trace, never a token.
func TestCommandsWhileServeHoldsTheDataDir(t *testing.T) {
	// serveOver returns once serve printed that it listens: it holds the file then.
	dir, child := serveOver(t, []core.Source{{ID: "napcat", Via: onebot.Via, URL: "http://127.0.0.1:1", Token: liveBackendToken, Flavor: "napcat", Default: true}})
	defer child.stop(t)

	cases := []struct {
		args []string
		want string // the advice for this command
	}{
		{[]string{"bot", "add", "--id", "koishi", "--mode", "ws", "--token", "koishi-token-123456"}, "Bots tab of the app's Endpoint screen"},
		{[]string{"source", "add", "--id", "lagrange", "--url", "http://127.0.0.1:3000", "--token", "lagrange-token-123456"}, "the app's Sources screen"},
		{[]string{"source", "remove", "napcat"}, "the app's Sources screen"},
		{[]string{"source", "list"}, "the app's Sources screen"},
		{[]string{"events"}, "events --follow"},
		{[]string{"history"}, "the app's History screen"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, "another data dir with --data"},
	}
	// events --follow cannot read the stored listen address from the held file: serve says
	// where it listens in the data dir (no token), and takes it away when it stops.
	if b, err := os.ReadFile(filepath.Join(dir, "serving.addr")); err != nil || strings.TrimSpace(string(b)) != strings.TrimPrefix(child.addr, "http://") {
		t.Errorf("serving.addr = %q, %v; want serve's address %s", b, err, child.addr)
	}
	for _, c := range cases {
		var out, errs bytes.Buffer
		code := cli.Run(append([]string{"--data", dir}, c.args...), &out, &errs, nil)
		msg := errs.String()
		if code != 1 || strings.Count(msg, "\n") != 1 || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one line on stderr", c.args, code, out.String(), msg)
		}
		for _, want := range []string{"is in use by another ucbi-console", "stop it first", dir, c.want} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: %q does not say %q", c.args, msg, want)
			}
		}
		for _, bad := range []string{"goroutine", "panic", "koishi-token-123456", "lagrange-token-123456", liveBackendToken} {
			if strings.Contains(msg, bad) {
				t.Errorf("%v: the answer shows %q: %q", c.args, bad, msg)
			}
		}
	}
}
