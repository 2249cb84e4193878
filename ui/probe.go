package ui

import (
	"fmt"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// The UI-latency probe, for the bench (issue 13: "the window never stalls"): off unless
// UCBI_CONSOLE_UI_PROBE names a file. A goroutine asks the UI goroutine, every probeEvery, to
// run an empty function with fyne.Do and measures how long it waited (a busy UI goroutine —
// painting, a long callback, a batch of events — delays it); one probe is in flight at a time,
// so a stall shows as one long sample, not a queue of them. Every second it appends a line:
//
//	t=<unix ms> n=<samples> p50=<µs> p99=<µs> max=<µs> refreshes=<list refreshes> heap=<bytes> go=<bytes> samples=<µs,µs,…>
//
// the figures of that second (refreshes: the Inbox list's redraws for live events, see probeRefresh;
// heap: the Go heap's live objects; go: the memory the Go runtime holds from the OS, so that
// a reader can tell Go's part of the process's anonymous memory from the C side's), the
// samples so that a reader can take percentiles over any span of seconds.
const probeEnv = "UCBI_CONSOLE_UI_PROBE"

const probeEvery = 50 * time.Millisecond

// probeRefreshes counts the Inbox list's refreshes for live events.
var probeRefreshes atomic.Int64

// probeRefresh records one refresh of the Inbox list for a batch of live events (the ≤ ~10/s
// claim).
func probeRefresh() { probeRefreshes.Add(1) }

// startUIProbe starts the probe when the environment asks for it; stop ends it.
func startUIProbe() (stop func()) {
	path := os.Getenv(probeEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fyne.LogError("UI probe: open "+path, err)
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer f.Close()
		runProbe(f, fyne.Do, probeEvery, time.Second, done)
	}()
	return func() { close(done); <-stopped }
}

// runProbe samples do's latency every interval and writes a line per period until done closes
// (and a last line for the part period then).
func runProbe(w interface{ WriteString(string) (int, error) }, do func(func()), interval, period time.Duration, done <-chan struct{}) {
	var samples []time.Duration
	lastRefreshes := probeRefreshes.Load()
	flush := func() {
		r := probeRefreshes.Load()
		heap, held := goMemory()
		_, _ = w.WriteString(probeLine(time.Now(), samples, r-lastRefreshes, heap, held))
		lastRefreshes = r
		samples = samples[:0]
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	nextFlush := time.Now().Add(period)
	ran := make(chan struct{}, 1)
	for {
		select {
		case <-done:
			flush()
			return
		case <-tick.C:
		}
		start := time.Now()
		do(func() { ran <- struct{}{} })
		select {
		case <-ran:
		case <-done:
			flush()
			return
		}
		samples = append(samples, time.Since(start))
		if !time.Now().Before(nextFlush) {
			flush()
			nextFlush = nextFlush.Add(period)
		}
	}
}

// probeLine is one period's line (see probeEnv).
func probeLine(now time.Time, samples []time.Duration, refreshes int64, heap, held uint64) string {
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	pct := func(p float64) int64 {
		if len(sorted) == 0 {
			return 0
		}
		return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))].Microseconds()
	}
	us := make([]string, len(samples))
	for i, s := range samples {
		us[i] = strconv.FormatInt(s.Microseconds(), 10)
	}
	return fmt.Sprintf("t=%d n=%d p50=%d p99=%d max=%d refreshes=%d heap=%d go=%d samples=%s\n",
		now.UnixMilli(), len(samples), pct(0.50), pct(0.99), pct(1), refreshes, heap, held, strings.Join(us, ","))
}

// goMemory is the bytes of live and not yet swept heap objects, and the bytes the Go runtime
// holds from the OS (all it mapped less what it gave back), read without a stop of the world.
func goMemory() (heap, held uint64) {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	return v(0), v(1) - v(2)
}
