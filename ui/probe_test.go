package ui

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuilder is a strings.Builder the probe's goroutine writes while the test reads.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) WriteString(s string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.WriteString(s)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// probeFields parses one probe line into its key=value fields.
func probeFields(t *testing.T, line string) map[string]string {
	t.Helper()
	kv := map[string]string{}
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("field %q of %q is not key=value", f, line)
		}
		kv[k] = v
	}
	for _, k := range []string{"t", "n", "p50", "p99", "max", "refreshes", "heap", "samples"} {
		if _, ok := kv[k]; !ok {
			t.Fatalf("line %q has no %s", line, k)
		}
	}
	return kv
}

func TestProbeLineFigures(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- { // out of order: the line sorts a copy
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	kv := probeFields(t, probeLine(time.UnixMilli(1234), samples, 7, 99, 120))
	want := map[string]string{"t": "1234", "n": "100", "p50": "51000", "p99": "100000", "max": "100000", "refreshes": "7", "heap": "99", "go": "120"}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s = %s, want %s", k, kv[k], v)
		}
	}
	if us := strings.Split(kv["samples"], ","); len(us) != 100 || us[0] != "100000" || us[99] != "1000" {
		t.Errorf("samples in the order taken: %d of them, first %s, last %s", len(us), us[0], us[99])
	}
	if kv := probeFields(t, probeLine(time.UnixMilli(1), nil, 0, 0, 0)); kv["n"] != "0" || kv["max"] != "0" || kv["samples"] != "" {
		t.Errorf("an empty period: %v", kv)
	}
}

func TestProbeWritesAPeriodLineAndALastOne(t *testing.T) {
	var out lockedBuilder
	done := make(chan struct{})
	finished := make(chan struct{})
	ran := 0 // on the probe's goroutine only
	before := probeRefreshes.Load()
	go func() {
		defer close(finished)
		runProbe(&out, func(f func()) { ran++; f() }, time.Millisecond, 5*time.Millisecond, done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	waitLines := func(n int) {
		for strings.Count(out.String(), "\n") < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d lines within 10 s: %q", n, out.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitLines(1) // the probe runs: what follows is counted
	probeRefresh()
	probeRefresh()
	waitLines(3)
	close(done)
	<-finished
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	total, refreshes := 0, 0
	for _, l := range lines {
		kv := probeFields(t, l)
		n, _ := strconv.Atoi(kv["n"])
		r, _ := strconv.Atoi(kv["refreshes"])
		total, refreshes = total+n, refreshes+r
		if n > 0 && len(strings.Split(kv["samples"], ",")) != n {
			t.Errorf("line %q: n=%d but another count of samples", l, n)
		}
	}
	if total != ran {
		t.Errorf("the lines count %d samples, the probe took %d", total, ran)
	}
	if got := probeRefreshes.Load() - before; refreshes < 2 || refreshes > int(got) {
		t.Errorf("the lines count %d refreshes, want the 2 made here (%d in all)", refreshes, got)
	}
}

func TestClipRunes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"short", 10, "short"}, {"今晚八点开会", 4, "今晚八点…"}, {"今晚八点", 4, "今晚八点"}, {"abcdef", 3, "abc…"}} {
		if got := clipRunes(c.in, c.n); got != c.want {
			t.Errorf("clipRunes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
