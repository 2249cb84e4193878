package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// The bench runs its servers in child processes (this same binary, re-executed with
// UCBI_BENCH_ROLE set): "backend" is the fake NapCat, "console" serves the console's endpoint
// (with its store), "proxy" a bare httputil.ReverseProxy. Each in its own process, so that the
// CPU each one spends is read from outside, from /proc/PID/stat, the same way for both; this
// process is only the load generator. A child prints "READY addr" once it listens and runs
// until its standard input closes.
const roleEnv = "UCBI_BENCH_ROLE"

// runRole runs this process as a child when it was started as one; it returns false otherwise.
func runRole() bool {
	role := os.Getenv(roleEnv)
	if role == "" {
		return false
	}
	var err error
	switch role {
	case "backend":
		err = roleBackend()
	case "console":
		err = roleConsole()
	case "proxy":
		err = roleProxy()
	case "napcat-events":
		err = roleNapCatEvents()
	case "events-console":
		err = roleEventsConsole()
	case "poller":
		err = rolePoller()
	case "bot":
		err = roleBot()
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", role, err)
		os.Exit(1)
	}
	os.Exit(0)
	return true
}

// waitStdin blocks until the parent closes our standard input (or goes away).
func waitStdin() { _, _ = io.Copy(io.Discard, os.Stdin) }

func roleBackend() error {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: benchBackendToken, KeepRequests: -1})
	defer fake.Close()
	fmt.Printf("READY %s\n", fake.URL())
	waitStdin()
	return nil
}

func roleConsole() error {
	dir, backend := os.Getenv("UCBI_BENCH_DATA"), os.Getenv("UCBI_BENCH_BACKEND")
	if dir == "" || backend == "" {
		return errors.New("UCBI_BENCH_DATA and UCBI_BENCH_BACKEND must be set")
	}
	stop, err := startProfile()
	if err != nil {
		return err
	}
	defer stop()
	db, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: backend, Token: benchBackendToken,
		Flavor: "napcat", Default: true}); err != nil {
		return err
	}
	// The console as `serve` runs it: a log line per call (to nowhere here).
	srv, err := endpoint.New(cli.NewDispatcher(db), endpoint.Options{Listen: "127.0.0.1:0", Token: benchOurToken, Log: io.Discard})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Printf("READY %s\n", srv.Addr())
	waitStdin()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(ctx)
	// How full the group commits were: each sync costs the same for one row as for many.
	if rows, cerr := db.HistoryCount(); cerr == nil && db.HistoryCommits() > 0 {
		syncs := db.HistoryCommits()
		fmt.Fprintf(os.Stderr, "  (console process: %d history rows in %d journal syncs, %.1f rows per sync)\n", rows, syncs, float64(rows)/float64(syncs))
	}
	return err
}

// startProfile starts a CPU profile into $UCBI_BENCH_CPUPROFILE when it is set; stop ends it.
func startProfile() (stop func(), err error) {
	p := os.Getenv("UCBI_BENCH_CPUPROFILE")
	if p == "" {
		return func() {}, nil
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// roleProxy is the bare proxy: the simplest forwarding a person could write, holding the
// backend token the way the console does.
func roleProxy() error {
	backend := os.Getenv("UCBI_BENCH_BACKEND")
	target, err := url.Parse(backend)
	if err != nil || backend == "" {
		return fmt.Errorf("UCBI_BENCH_BACKEND %q must be the backend's URL", backend)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute, DisableCompression: true}
	director := rp.Director
	rp.Director = func(req *http.Request) {
		director(req)
		req.Header.Set("Authorization", "Bearer "+benchBackendToken)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	proxy := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go proxy.Serve(ln)
	defer proxy.Close()
	fmt.Printf("READY %s\n", ln.Addr())
	waitStdin()
	return nil
}

// child is a running child process.
type child struct {
	role  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addrs []string
	lines chan string // the lines it prints after READY (answers to commands)
	done  chan error
}

// startChild re-executes this binary in a role and waits (at most 30 s) for its READY line.
func startChild(role string, env []string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startChildOf(exe, role, env)
}

// startChildOf is startChild with another build of the bench (an A/B run against an older
// console, see benchCalls).
func startChildOf(exe, role string, env []string) (*child, error) {
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{role: role, cmd: cmd, stdin: stdin, lines: make(chan string, 64), done: make(chan error, 1)}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "READY" {
				ready <- f[1:]
				break
			}
		}
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			default: // nobody asked: dropped
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		c.done <- cmd.Wait()
	}()
	select {
	case c.addrs = <-ready:
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("the %s process ended before it was ready: %v", role, err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-c.done
		return nil, fmt.Errorf("the %s process was not ready within 30 s", role)
	}
}

// command sends one command line to the child and returns the fields of its answer, waiting at
// most timeout; an answer starting with ERR is an error.
func (c *child) command(line string, timeout time.Duration) ([]string, error) {
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		return nil, fmt.Errorf("%s: %q: %w", c.role, line, err)
	}
	return c.answer(line, timeout)
}

// answer waits for the child's next line.
func (c *child) answer(line string, timeout time.Duration) ([]string, error) {
	select {
	case a := <-c.lines:
		f := strings.Fields(a)
		if len(f) == 0 || f[0] == "ERR" {
			return nil, fmt.Errorf("%s: %q: %s", c.role, line, a)
		}
		return f, nil
	case err := <-c.done:
		c.done <- err
		return nil, fmt.Errorf("%s: %q: the process ended: %v", c.role, line, err)
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: %q: no answer within %s", c.role, line, timeout)
	}
}

// cpu is the CPU time (user + system) the child has used so far, from /proc (0 where there is
// no /proc).
func (c *child) cpu() time.Duration { return procCPU(c.cmd.Process.Pid) }

// procCPU is the CPU time (user + system) process pid has used so far, from /proc/PID/stat (0
// where there is no /proc).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the command name (field 2) is in parentheses and may hold spaces: count after it
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ: 100 on every Linux the bench runs on
	return time.Duration(utime+stime) * time.Second / ticks
}

// stop closes the child's standard input and waits (at most 30 s) for it to finish; it kills
// the child if it does not. It is safe to call twice.
func (c *child) stop() error {
	if c.done == nil {
		return nil
	}
	_ = c.stdin.Close()
	var err error
	select {
	case err = <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		err = fmt.Errorf("the %s process did not stop within 30 s and was killed", c.role)
	}
	c.done = nil
	return err
}
