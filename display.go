package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-gl/glfw/v3.4/glfw"
)

// errNoDisplay is what the desktop app says, in one line, where it cannot open a window: GLFW
// would otherwise panic with a stack trace that tells an operator on a server nothing.
var errNoDisplay = errors.New("no display found: the desktop app needs X11 or Wayland (`ucbi-console serve` runs without one)")

// checkDisplay finds out, before Fyne starts, whether a window can be opened: on Linux and the
// BSDs a Wayland socket or an X server must answer. Elsewhere the platform always has one.
func checkDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return nil
	}
	if w := os.Getenv("WAYLAND_DISPLAY"); w != "" && waylandAnswers(w) {
		return nil
	}
	d := os.Getenv("DISPLAY")
	if d == "" {
		return errNoDisplay
	}
	if !x11Answers(d) {
		return fmt.Errorf("no display found: the X server DISPLAY=%s does not answer (`ucbi-console serve` runs without one)", d)
	}
	return nil
}

// startWindowSystem starts GLFW before Fyne does: Fyne logs a failed start and carries on, then
// panics with a stack trace when it makes the window. A display that answers can still refuse
// (no GLX, a client refused: seen once in a bench run of nine launches under Xvfb): say so in one line, with
// GLFW's reason. Fyne's own start then finds GLFW started. It runs on the main thread, which
// Fyne's driver locked in its init.
func startWindowSystem() error {
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("the display answered, but the window system could not start on it: %v (`ucbi-console serve` runs without one)", err)
	}
	return nil
}

func waylandAnswers(name string) bool {
	path := name
	if !filepath.IsAbs(path) {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			return false
		}
		path = filepath.Join(dir, name)
	}
	return dials("unix", path)
}

// x11Answers dials the server a DISPLAY value names: ":N" (or "unix:N") is the local socket,
// "host:N" is TCP port 6000+N.
func x11Answers(display string) bool {
	host, rest, ok := strings.Cut(display, ":")
	if !ok {
		return false
	}
	num, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return false
	}
	if host == "" || host == "unix" {
		return dials("unix", "/tmp/.X11-unix/X"+num) || dials("unix", "@/tmp/.X11-unix/X"+num)
	}
	if strings.HasPrefix(host, "/") { // XQuartz-style socket path
		return dials("unix", host+":"+num)
	}
	return dials("tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)))
}

func dials(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
