package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/store"
)

const (
	benchOurToken     = "bench-our-token-0123456789abcdef"
	benchBackendToken = "bench-backend-token-fedcba9876543210"
)

// load is one measured load: calls/s and latency percentiles of successful calls.
type load struct {
	name     string
	calls    int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	max      time.Duration
	firstErr string
	cpu      time.Duration // CPU the serving process (console or proxy) used during the load
	fakeCPU  time.Duration // CPU the fake backend used during the load (0: not measured)
	genCPU   time.Duration // CPU this process, the load generator, used during the load
	busy     machineCPU    // the whole machine's CPU during the load
}

// perCall is d per call of l.
func (l load) perCall(d time.Duration) time.Duration {
	if l.calls == 0 {
		return 0
	}
	return d / time.Duration(l.calls)
}

// cpuLine says what each process spent per call and how busy the machine was: on a saturated
// machine calls/s follow the sum of the three processes' CPU per call, so a side that makes
// its callers or its backend work harder is seen here.
func (l load) cpuLine(serving string) string {
	s := "    CPU per call: "
	fake := l.fakeCPU
	if serving != "" {
		s += fmt.Sprintf("%s %s, ", serving, us(l.perCall(l.cpu)))
	} else {
		fake = l.cpu // the direct load: the serving process is the fake
	}
	s += fmt.Sprintf("fake NapCat %s, load generator %s = %s in all;  machine %.0f%% busy",
		us(l.perCall(fake)), us(l.perCall(l.genCPU)), us(l.allCPUPerCall()), 100*l.busy.fraction())
	return s
}

// allCPUPerCall is the CPU every process of the load spent per call: the serving process, the
// fake when it is another one (fakeCPU is zero for the direct load), the load generator.
func (l load) allCPUPerCall() time.Duration { return l.perCall(l.cpu + l.fakeCPU + l.genCPU) }

// machineCPU is the machine's CPU time, busy and in all, in USER_HZ ticks (/proc/stat).
type machineCPU struct{ busy, total int64 }

func (m machineCPU) fraction() float64 {
	if m.total == 0 {
		return 0
	}
	return float64(m.busy) / float64(m.total)
}

func (m machineCPU) minus(o machineCPU) machineCPU {
	return machineCPU{busy: m.busy - o.busy, total: m.total - o.total}
}

// readMachineCPU reads the "cpu" line of /proc/stat (zero where there is none): idle and
// iowait are not busy, everything else is.
func readMachineCPU() machineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return machineCPU{}
	}
	var m machineCPU
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest time is counted in user already
			break
		}
		m.total += n
		if i != 3 && i != 4 { // idle, iowait
			m.busy += n
		}
	}
	return m
}

// cpuPerCall is the serving process's CPU time per call.
func (l load) cpuPerCall() time.Duration {
	if l.calls == 0 {
		return 0
	}
	return l.cpu / time.Duration(l.calls)
}

func (l load) rate() float64 { return float64(l.calls) / l.elapsed.Seconds() }

func (l load) String() string {
	s := fmt.Sprintf("  %-34s %9.0f calls/s   p50 %7s   p99 %7s   (%d calls", l.name, l.rate(), us(l.p50), us(l.p99), l.calls)
	if l.errors > 0 {
		s += fmt.Sprintf(", %d FAILED: %s", l.errors, l.firstErr)
	}
	return s + ")"
}

func us(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

// caller is one keep-alive HTTP client, with room for every concurrent caller's connection.
func newClient(conc int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4 * conc,
			MaxIdleConnsPerHost: 2 * conc, // ≥ 32: every caller keeps its connection
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// request describes the call a load makes: method, URL and a body per call number.
type request struct {
	url    string
	header http.Header
	body   func(n int64) []byte
	// cpu reads the CPU time the process serving this request has used (nil: not measured).
	cpu func() time.Duration
	// fake reads the CPU time of the fake backend behind the serving process (nil: none — the
	// request goes to the fake directly — or not measured).
	fake func() time.Duration
}

// cpuOf reads r's serving process's CPU time (0 when it is not measured).
func (r request) cpuOf() time.Duration { return readCPU(r.cpu) }

// fakeOf reads the CPU time of r's fake backend (0 when it is not measured).
func (r request) fakeOf() time.Duration { return readCPU(r.fake) }

func readCPU(f func() time.Duration) time.Duration {
	if f == nil {
		return 0
	}
	return f()
}

// runLoads measures several loads of conc callers, d each, interleaved in `rounds` rounds of
// d/rounds (so that whatever else the machine does hits every load alike). Each caller makes
// its calls one after the other on its own keep-alive connection; a warm-up opens the
// connections first. Every loop is bounded by time and by a call count.
func runLoads(conc int, d time.Duration, rounds int, names []string, reqs []request) []load {
	clients := make([]*http.Client, len(reqs))
	seqs := make([]atomic.Int64, len(reqs))
	lats := make([][]time.Duration, len(reqs))
	res := make([]load, len(reqs))
	for i := range reqs {
		clients[i] = newClient(conc)
		defer clients[i].CloseIdleConnections()
		res[i].name = names[i]
	}
	one := func(i int) (time.Duration, error) {
		req := reqs[i]
		hreq, err := http.NewRequest(http.MethodPost, req.url, bytes.NewReader(req.body(seqs[i].Add(1))))
		if err != nil {
			return 0, err
		}
		for k, v := range req.header {
			hreq.Header[k] = v
		}
		start := time.Now()
		resp, err := clients[i].Do(hreq)
		if err != nil {
			return 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK || !successBody(b) {
			return 0, fmt.Errorf("HTTP %d %.200s", resp.StatusCode, b)
		}
		return took, nil
	}
	var wg sync.WaitGroup
	for i := range reqs {
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					_, _ = one(i)
				}
			}()
		}
		wg.Wait()
	}
	const maxCalls = 5_000_000
	slice := d / time.Duration(rounds)
	for range rounds {
		for i := range reqs {
			perCaller := make([][]time.Duration, conc)
			errs := make([]int, conc)
			firstErr := make([]string, conc)
			var total atomic.Int64
			cpu0, fake0, gen0, m0 := reqs[i].cpuOf(), reqs[i].fakeOf(), procCPU(os.Getpid()), readMachineCPU()
			start := time.Now()
			deadline := start.Add(slice)
			for c := range conc {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					l := make([]time.Duration, 0, 1<<12)
					for time.Now().Before(deadline) && total.Add(1) <= maxCalls {
						took, err := one(i)
						if err != nil {
							if errs[c] == 0 {
								firstErr[c] = err.Error()
							}
							errs[c]++
							continue
						}
						l = append(l, took)
					}
					perCaller[c] = l
				}(c)
			}
			wg.Wait()
			res[i].elapsed += time.Since(start)
			res[i].cpu += reqs[i].cpuOf() - cpu0
			res[i].fakeCPU += reqs[i].fakeOf() - fake0
			res[i].genCPU += procCPU(os.Getpid()) - gen0
			m := readMachineCPU().minus(m0)
			res[i].busy.busy += m.busy
			res[i].busy.total += m.total
			for c := range conc {
				lats[i] = append(lats[i], perCaller[c]...)
				res[i].errors += errs[c]
				if res[i].firstErr == "" {
					res[i].firstErr = firstErr[c]
				}
			}
		}
	}
	for i := range reqs {
		all := lats[i]
		slices.Sort(all)
		res[i].calls = len(all)
		if len(all) > 0 {
			res[i].p50 = all[len(all)*50/100]
			res[i].p99 = all[min(len(all)-1, len(all)*99/100)]
			res[i].max = all[len(all)-1]
		}
	}
	return res
}

// successBody accepts a OneBot success envelope or a UCBI answer (a JSON object without
// "error"): enough to tell a real success from an answer that only has status 200.
func successBody(b []byte) bool {
	if bytes.Contains(b, []byte(`"retcode":`)) {
		return bytes.Contains(b, []byte(`"retcode":0`))
	}
	return len(b) > 0 && b[0] == '{' && !bytes.Contains(b, []byte(`"error":`))
}

func oneBotSend(n int64) []byte {
	return []byte(`{"group_id":20001,"message":"bench message ` + strconv.FormatInt(n, 10) + ` 你好"}`)
}

func ucbiSend(n int64) []byte {
	return []byte(`{"action":"send_group_message","context":{"via":"coolq-http-api","group_id":"20001"},"params":{"message":"bench message ` +
		strconv.FormatInt(n, 10) + ` 你好"}}`)
}

// benchCalls measures the call paths and prints them; it returns how many targets were missed.
// The fake backend, the console and the bare proxy each run in a process of their own, as
// NapCat and the console do in real life; this process only calls. The console and the proxy
// are measured alike: calls/s and latency seen by the callers, CPU read from /proc/PID/stat.
func benchCalls(c config, tmp string) (int, error) {
	backend, err := startChild("backend", nil)
	if err != nil {
		return 0, err
	}
	defer backend.stop()
	fakeURL := backend.addrs[0]
	dataDir := filepath.Join(tmp, "endpoint")
	env := []string{"UCBI_BENCH_DATA=" + dataDir, "UCBI_BENCH_BACKEND=" + fakeURL}
	if c.cpuprof != "" {
		env = append(env, "UCBI_BENCH_CPUPROFILE="+c.cpuprof)
	}
	console, err := startChild("console", env)
	if err != nil {
		return 0, err
	}
	defer console.stop()
	bare, err := startChild("proxy", env[1:])
	if err != nil {
		return 0, err
	}
	defer bare.stop()
	hdr := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	direct := request{url: fakeURL + "/send_group_msg", header: hdr(benchBackendToken), body: oneBotSend, cpu: backend.cpu}
	// The bare proxy gets the same request as the console, token header included (it replaces
	// it with the backend's): both sides cost the load generator the same to call.
	proxy := request{url: "http://" + bare.addrs[0] + "/send_group_msg", header: hdr(benchOurToken), body: oneBotSend, cpu: bare.cpu, fake: backend.cpu}
	ours := request{url: "http://" + console.addrs[0] + "/send_group_msg", header: hdr(benchOurToken), body: oneBotSend, cpu: console.cpu, fake: backend.cpu}
	ucbi := request{url: "http://" + console.addrs[0] + "/", header: hdr(benchOurToken), body: ucbiSend, cpu: console.cpu, fake: backend.cpu}
	names := []string{"direct to the fake backend", "bare httputil.ReverseProxy", "console /send_group_msg, history on"}
	reqs := []request{direct, proxy, ours}
	// UCBI_BENCH_AB_CONSOLE names another build of the bench: its console (its own process and
	// store, the same fake) runs as a fourth load in the same rounds, an A/B on a busy machine.
	var ab *child
	if exe := os.Getenv("UCBI_BENCH_AB_CONSOLE"); exe != "" && c.only != "console" {
		if ab, err = startChildOf(exe, "console", []string{"UCBI_BENCH_DATA=" + filepath.Join(tmp, "endpoint-ab"), "UCBI_BENCH_BACKEND=" + fakeURL}); err != nil {
			return 0, fmt.Errorf("A/B console %s: %w", exe, err)
		}
		defer ab.stop()
		names = append(names, "A/B console ("+filepath.Base(exe)+")")
		reqs = append(reqs, request{url: "http://" + ab.addrs[0] + "/send_group_msg", header: hdr(benchOurToken), body: oneBotSend, cpu: ab.cpu, fake: backend.cpu})
	}

	if c.only == "console" { // the console's OneBot route alone, for a profile of its hot path
		l := runLoads(c.conc, c.duration, 1, []string{"console /send_group_msg, history on"}, []request{ours})[0]
		fmt.Println(l)
		fmt.Println(l.cpuLine("console"))
		return 0, nil
	}
	fmt.Printf("\nOneBot 11 calls: send_group_msg, %d closed-loop keep-alive callers in this process, %s per load in %d alternating rounds, one fake NapCat process; load average %s\n",
		c.conc, c.duration, c.rounds, loadAvg())
	ls := runLoads(c.conc, c.duration, c.rounds, names, reqs)
	ld, lp, lo := ls[0], ls[1], ls[2]
	for i, l := range ls {
		fmt.Println(l)
		fmt.Println(l.cpuLine([]string{"", "proxy", "console", "console"}[i]))
	}

	misses := 0
	ratio := lo.rate() / lp.rate()
	added := lo.p99 - lp.p99
	cpuRatio := float64(lo.cpuPerCall()) / float64(max(lp.cpuPerCall(), 1))
	okRatio, okAdded, okCPU := ratio >= targetRatio, added <= targetAddedP99, cpuRatio <= targetCPURatio
	for _, ok := range []bool{okRatio, okAdded, okCPU} {
		if !ok {
			misses++
		}
	}
	fmt.Printf("  CPU per call, each process read from /proc: console %s, bare proxy %s = %.2f× (target ≤ %.1f×) %s;  fake backend %s\n",
		us(lo.cpuPerCall()), us(lp.cpuPerCall()), cpuRatio, targetCPURatio, verdict(okCPU), us(ld.cpuPerCall()))
	fmt.Printf("  throughput console / bare proxy: %.2f× calls/s (target ≥ %.2f×) %s\n", ratio, targetRatio, verdict(okRatio))
	fmt.Printf("  p99 added over the bare proxy: %s (target ≤ %s) %s;  p50 added: %s\n", signed(added), us(targetAddedP99), verdict(okAdded), signed(lo.p50-lp.p50))
	fmt.Printf("  for reference: console / direct %.2f×, bare proxy / direct %.2f× calls/s;  CPU of all processes per call: console %s, bare proxy %s = %.2f×\n",
		lo.rate()/ld.rate(), lp.rate()/ld.rate(), us(lo.allCPUPerCall()), us(lp.allCPUPerCall()), float64(lo.allCPUPerCall())/float64(max(lp.allCPUPerCall(), 1)))
	if ab != nil {
		la := ls[3]
		fmt.Printf("  A/B, this console / the other build's: %.2f× calls/s, CPU per call %s vs %s (%.2f×), all processes %s vs %s, p50 %s vs %s, p99 %s vs %s\n",
			lo.rate()/la.rate(), us(lo.cpuPerCall()), us(la.cpuPerCall()), float64(lo.cpuPerCall())/float64(max(la.cpuPerCall(), 1)),
			us(lo.allCPUPerCall()), us(la.allCPUPerCall()), us(lo.p50), us(la.p50), us(lo.p99), us(la.p99))
		if la.errors > 0 {
			return misses, fmt.Errorf("%d calls of %q failed, the first with: %s", la.errors, la.name, la.firstErr)
		}
	}

	fmt.Printf("\nUCBI calls: POST / send_group_message vs the fake's send_group_msg called directly; load average %s\n", loadAvg())
	ls = runLoads(c.conc, c.duration, c.rounds,
		[]string{"direct to the fake backend", "console POST /, history on"},
		[]request{direct, ucbi})
	ld2, lu := ls[0], ls[1]
	for i, l := range ls {
		fmt.Println(l)
		fmt.Println(l.cpuLine([]string{"", "console"}[i]))
	}
	fmt.Printf("  ratio console UCBI / direct: %.2f× calls/s; p99 added: %s; console CPU per call %s\n", lu.rate()/ld2.rate(), signed(lu.p99-ld2.p99), us(lu.cpuPerCall()))

	// Every call the console answered has its row: stop the console and count them.
	if err := console.stop(); err != nil {
		return misses, err
	}
	db, err := store.Open(dataDir)
	if err != nil {
		return misses, err
	}
	defer db.Close()
	rows, err := db.HistoryCount()
	if err != nil {
		return misses, err
	}
	answered := lo.calls + lu.calls
	fmt.Printf("\nhistory after the loads: %d rows for %d measured successful console calls (+ warm-up and failed calls) — each row durable before its reply\n", rows, answered)
	if rows < answered {
		return misses, fmt.Errorf("history has fewer rows (%d) than calls answered ok (%d)", rows, answered)
	}
	for _, l := range []load{ld, lp, lo, ld2, lu} {
		if l.errors > 0 {
			return misses, fmt.Errorf("%d calls of %q failed, the first with: %s", l.errors, l.name, l.firstErr)
		}
	}
	return misses, nil
}

// loadAvg is the machine's 1-minute load average (other work skews every figure).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "n/a"
	}
	return f[0]
}

func signed(d time.Duration) string {
	if d < 0 {
		return "-" + us(-d)
	}
	return "+" + us(d)
}
