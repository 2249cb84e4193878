package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ucbi-console/store"
)

// Targets of the event path (issue 11) and the bot hub (issue 12), on the 2-core machine.
const (
	targetEventRate   = 20_000.0
	targetEventP99    = 20 * time.Millisecond
	targetHubAddedP99 = time.Millisecond
	pacedRate         = 1000
)

// got is a consumer's answer to "measure N".
type got struct {
	n                  int
	first, last        int64 // wall clock of the first and last arrival, ns
	p50, p99, maxDelay time.Duration
}

// measureEvents arms the consumers for n events, has the fake push them (push is its command:
// "flood N" or "rate R N"), and collects what each consumer saw; sentFirst is when the fake
// pushed the first event.
func measureEvents(fake *child, push string, n int, consumers ...*child) (sentFirst int64, gots []got, err error) {
	for _, c := range consumers {
		if _, err := c.command("measure "+strconv.Itoa(n), 30*time.Second); err != nil {
			return 0, nil, err
		}
	}
	f, err := fake.command(push, 10*time.Minute)
	if err != nil {
		return 0, nil, err
	}
	sentFirst, _ = strconv.ParseInt(f[2], 10, 64)
	for _, c := range consumers {
		a, err := c.answer("measure", 5*time.Minute)
		if err != nil {
			return 0, nil, err
		}
		v := make([]int64, 6)
		for i := range v {
			v[i], _ = strconv.ParseInt(a[i+1], 10, 64)
		}
		gots = append(gots, got{n: int(v[0]), first: v[1], last: v[2], p50: time.Duration(v[3]), p99: time.Duration(v[4]), maxDelay: time.Duration(v[5])})
	}
	return sentFirst, gots, nil
}

// benchEventPath measures events from a ws link to a long-polling app (issue 11) and through the
// bot hub to a bot (issue 12); it returns how many targets were missed.
func benchEventPath(c config, tmp string) (int, error) {
	flood, paced := flowSizes(c)
	misses := 0
	count := func(ok bool) string {
		if !ok {
			misses++
		}
		return verdict(ok)
	}
	fmt.Printf("\nEvents in and out: fake NapCat ─ws─▶ console (intake, group commit to the store) ─GET /events long poll─▶ an app; each in its own process; load average %s\n", loadAvg())
	fake, err := startChild("napcat-events", nil)
	if err != nil {
		return 0, err
	}
	defer fake.stop()
	httpURL, wsURL := fake.addrs[0], fake.addrs[1]
	dataDir := filepath.Join(tmp, "eventpath")
	env := []string{"UCBI_BENCH_DATA=" + dataDir, "UCBI_BENCH_WS=" + wsURL, "UCBI_BENCH_BACKEND=" + httpURL}
	if c.cpuprof != "" && c.only == "flow" {
		env = append(env, "UCBI_BENCH_CPUPROFILE="+c.cpuprof)
	}
	console, err := startChild("events-console", env)
	if err != nil {
		return 0, err
	}
	defer console.stop()
	if _, err := fake.command("links 1", 40*time.Second); err != nil {
		return 0, err
	}
	consoleURL := "http://" + console.addrs[0]
	poller, err := startChild("poller", []string{"UCBI_BENCH_EVENTS=" + consoleURL + "/events"})
	if err != nil {
		return 0, err
	}
	defer poller.stop()

	// Flood: as fast as the link takes them.
	// On 2 cores the three processes share the CPU, so what each spends per event is the figure
	// that says where the time goes.
	cpu0, fakeCPU0, pollerCPU0 := console.cpu(), fake.cpu(), poller.cpu()
	sent, gots, err := measureEvents(fake, "flood "+strconv.Itoa(flood), flood, poller)
	if err != nil {
		return 0, err
	}
	cpu, fakeCPU, pollerCPU := console.cpu()-cpu0, fake.cpu()-fakeCPU0, poller.cpu()-pollerCPU0
	g := gots[0]
	rate := float64(g.n) / (float64(g.last-sent) / 1e9)
	fmt.Printf("  flood of %d message events: %.0f events/s pushed → stored → delivered (target ≥ %.0f) %s;  console CPU %s per event (fake NapCat %s, poller %s); delivery delay p50 %s, p99 %s (queued behind the flood)\n",
		g.n, rate, targetEventRate, count(rate >= targetEventRate), us(cpu/time.Duration(g.n)), us(fakeCPU/time.Duration(g.n)), us(pollerCPU/time.Duration(g.n)), us(g.p50), us(g.p99))

	if os.Getenv("UCBI_BENCH_FLOOD_ONLY") != "" {
		// Working on the intake: a profile (--cpuprofile) of the flood alone.
		return misses, nil
	}

	// Paced: 1,000 events/s.
	_, gots, err = measureEvents(fake, fmt.Sprintf("rate %d %d", pacedRate, paced), paced, poller)
	if err != nil {
		return 0, err
	}
	g = gots[0]
	fmt.Printf("  %d events at %d/s: push-to-delivery p50 %s, p99 %s (target ≤ %s) %s, max %s  [from the fake's push, so the ws hop is included]\n",
		g.n, pacedRate, us(g.p50), us(g.p99), us(targetEventP99), count(g.p99 <= targetEventP99), us(g.maxDelay))

	// The bot hub: one bot on the console's /, one straight on the fake's /event. The
	// long-polling app is issue 11's and is stopped first: on 2 cores its request per commit
	// (and the console's answer) competes with both bots, the console path twice (two process
	// hops). The console still stores every event, as serve does.
	if err := poller.stop(); err != nil {
		return misses, err
	}
	fmt.Printf("\nBot hub: a ws bot on the console's GET / (events and actions) vs a ws bot straight on the fake NapCat's /event (the console storing every event, no app polling); load average %s\n", loadAvg())
	viaHub, err := startChild("bot", []string{"UCBI_BENCH_BOT_URL=ws://" + console.addrs[1] + "/", "UCBI_BENCH_BOT_TOKEN=" + benchBotToken})
	if err != nil {
		return misses, err
	}
	defer viaHub.stop()
	direct, err := startChild("bot", []string{"UCBI_BENCH_BOT_URL=" + wsURL + "event", "UCBI_BENCH_BOT_TOKEN=" + benchBackendToken})
	if err != nil {
		return misses, err
	}
	defer direct.stop()
	if _, err := fake.command("links 2", 40*time.Second); err != nil {
		return misses, err
	}
	// Warm-up, and proof that both bots get events: the last 100 of 200.
	if _, _, err := measureEvents(fake, fmt.Sprintf("rate %d 200", pacedRate), 100, viaHub, direct); err != nil {
		return misses, err
	}
	hubN := hubEvents(c)
	_, gots, err = measureEvents(fake, fmt.Sprintf("rate %d %d", pacedRate, hubN), hubN, viaHub, direct)
	if err != nil {
		return misses, err
	}
	h, d := gots[0], gots[1]
	added := h.p99 - d.p99
	fmt.Printf("  %d events at %d/s: through the console p50 %s, p99 %s;  direct p50 %s, p99 %s;  p99 added %s (target ≤ %s) %s\n",
		h.n, pacedRate, us(h.p50), us(h.p99), us(d.p50), us(d.p99), signed(added), us(targetHubAddedP99), count(added <= targetHubAddedP99))

	// Actions: send_group_msg over the bot's WebSocket vs the OneBot HTTP route, same callers.
	cpu0 = console.cpu()
	a, err := viaHub.command(fmt.Sprintf("calls %s %d", c.duration, c.conc), c.duration+2*time.Minute)
	if err != nil {
		return misses, err
	}
	wsCPU := console.cpu() - cpu0
	wsCalls, _ := strconv.Atoi(a[1])
	wsFailed, _ := strconv.Atoi(a[2])
	wsP50, _ := strconv.ParseInt(a[3], 10, 64)
	wsP99, _ := strconv.ParseInt(a[4], 10, 64)
	ours := request{url: consoleURL + "/send_group_msg", header: http.Header{"Authorization": {"Bearer " + benchOurToken}}, body: oneBotSend, cpu: console.cpu}
	l := runLoads(c.conc, c.duration, 1, []string{"OneBot HTTP route"}, []request{ours})[0]
	wsRate := float64(wsCalls) / c.duration.Seconds()
	fmt.Printf("  send_group_msg, %d callers: over the bot's WebSocket %.0f calls/s (p50 %s, p99 %s, console CPU %s per call%s);  HTTP route %.0f calls/s (p50 %s, p99 %s, CPU %s per call);  WebSocket / HTTP %.2f×\n",
		c.conc, wsRate, us(time.Duration(wsP50)), us(time.Duration(wsP99)), us(wsCPU/time.Duration(max(wsCalls, 1))), failedNote(wsFailed),
		l.rate(), us(l.p50), us(l.p99), us(l.cpuPerCall()), wsRate/l.rate())
	if l.errors > 0 || wsFailed > 0 {
		return misses, fmt.Errorf("calls failed: %d over the WebSocket, %d over HTTP (%s)", wsFailed, l.errors, l.firstErr)
	}

	// What the events take on disk.
	for _, ch := range []*child{viaHub, direct, poller, console} {
		if err := ch.stop(); err != nil {
			return misses, err
		}
	}
	db, err := store.Open(dataDir)
	if err != nil {
		return misses, err
	}
	defer db.Close()
	total, _, _, err := db.EventCount()
	if err != nil {
		return misses, err
	}
	pages, err := db.EventBytes()
	if err != nil {
		return misses, err
	}
	fmt.Printf("  stored: %d events, %.0f bytes per event in bbolt pages (raw OneBot JSON ~%d bytes + the UCBI form)\n",
		total, float64(pages)/float64(max(total, 1)), len(stampedEvent(1, time.Now())))
	return misses, nil
}

func failedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d FAILED", n)
}
