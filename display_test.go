package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDisplay(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "wayland-9")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets: %v", err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	cases := []struct {
		name, wayland, runtimeDir, display string
		ok                                 bool
		says                               string
	}{
		{name: "nothing set", says: "serve"},
		{name: "wayland socket answers", wayland: "wayland-9", runtimeDir: dir, ok: true},
		{name: "wayland socket absent, no X", wayland: "wayland-404", runtimeDir: dir, says: "no display found"},
		{name: "X server absent", display: ":987", says: "DISPLAY=:987 does not answer"},
		{name: "malformed DISPLAY", display: "nonsense", says: "does not answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("WAYLAND_DISPLAY", c.wayland)
			t.Setenv("XDG_RUNTIME_DIR", c.runtimeDir)
			t.Setenv("DISPLAY", c.display)
			err := checkDisplay()
			if (err == nil) != c.ok {
				t.Fatalf("checkDisplay() = %v, want ok=%v", err, c.ok)
			}
			if err != nil && (!strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "\n")) {
				t.Errorf("message %q should say %q in one line", err, c.says)
			}
		})
	}
}
