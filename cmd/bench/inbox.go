package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// Targets of the Inbox (issue 13's "Performance"): the app takes 1,000 events/s for a minute
// without its window stalling, its memory grows at most 50 MB over 100,000 events, its list
// refreshes in batches (at most ~10 a second).
const (
	inboxRate            = 1000
	targetInboxGrowth    = 50_000_000 // bytes (MB, not MiB)
	targetInboxStall     = 100 * time.Millisecond
	targetInboxRefreshes = 10.0 // per second, mean over the flood (one per batch)
	inboxSelfID          = 10001
	// The app's UI-latency probe (ui/probe.go): a file it appends a line to every second.
	uiProbeEnv = "UCBI_CONSOLE_UI_PROBE"
)

// benchInbox launches the real app under Xvfb on a store holding one message source whose
// event link is a WebSocket to a fake NapCat (in this process, on loopback), waits until it is
// idle on the Inbox (with Conversations opened once, so it follows the events too), then has
// the fake push message events at 1,000 a second: 100,000 (a minute and 40 s; 5,000 with
// --quick). It reports the app's RSS before, at its peak and after, the UI goroutine's delay
// (the app's probe, ui/probe.go) during the flood, the Inbox list's refreshes a second, and
// checks the events were stored. It returns how many targets were missed.
func benchInbox(c config, tmp string) (int, error) {
	n, warmup := 100_000, 2_000
	if c.quick {
		n, warmup = 5_000, 1_000
	}
	fmt.Printf("\nInbox (issue 13): the desktop app under Xvfb (1280×800×24, LIBGL_ALWAYS_SOFTWARE=1) with a ws event link to a fake NapCat pushing %d message events at %d/s; load average %s\n", n, inboxRate, loadAvg())
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Printf("  not measured: %s is not installed (apt-get install xvfb xdotool)\n", tool)
			return 0, nil
		}
	}
	bin, err := buildApp(tmp)
	if err != nil {
		return 0, err
	}
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: benchBackendToken, SelfID: inboxSelfID, KeepRequests: -1})
	defer fake.Close()

	dir := filepath.Join(tmp, "inbox")
	data := filepath.Join(dir, "data")
	db, err := store.Open(data)
	if err != nil {
		return 0, err
	}
	err = db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), WSURL: fake.WSURL(), Token: benchBackendToken,
		Flavor: "napcat", Default: true, Events: core.LinkWS, SelfID: strconv.Itoa(inboxSelfID)})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}

	display, xvfb, err := startXvfb(tmp)
	if err != nil {
		return 0, err
	}
	defer stopProcess(xvfb)
	probe := filepath.Join(dir, "ui-probe.txt")
	app, win, err := startApp(bin, display, dir, uiProbeEnv+"="+probe)
	if err != nil {
		return 0, err
	}
	defer stopProcess(app)
	deadline := time.Now().Add(30 * time.Second)
	for fake.EventLinks() < 1 {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the app did not open its event link to the fake within 30 s (log: %s)", tail(filepath.Join(dir, "app.log")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Conversations is built when first opened: open it (Ctrl+2) and go back to the Inbox
	// (Ctrl+1), as an operator would, so that both screens follow the flood.
	for _, key := range []string{"ctrl+2", "ctrl+1"} {
		if err := xdo(display, "key", "--window", win, key); err != nil {
			return 0, err
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(guiIdleWait)
	idle, err := vmRSS(app.Process.Pid)
	if err != nil {
		return 0, err
	}
	// A warm-up: the first events load what any event needs once (the CJK font's glyphs, the
	// rows' renderers, the decoders' tables); the target is about what 100,000 more add.
	gen := newInboxEvents()
	if err := pushEvents(fake, gen, warmup, nil); err != nil {
		return 0, err
	}
	time.Sleep(guiIdleWait)
	before, err := vmRSS(app.Process.Pid)
	if err != nil {
		return 0, err
	}
	beforeParts := rssParts(app.Process.Pid, data, probe)

	// The flood, paced at inboxRate; the app's RSS is read every second meanwhile.
	var (
		mu      sync.Mutex
		peak    = before
		samples []int64 // one a second: whether the growth levels off or goes on with the count
	)
	sampling, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-sampling:
				return
			case <-time.After(time.Second):
			}
			if r, err := vmRSS(app.Process.Pid); err == nil {
				mu.Lock()
				peak = max(peak, r)
				samples = append(samples, r)
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	var minute time.Time
	if err := pushEvents(fake, gen, n, func(i int) {
		if i == 60*inboxRate {
			minute = time.Now()
		}
	}); err != nil {
		close(sampling)
		return 0, err
	}
	end := time.Now()
	if minute.IsZero() {
		minute = end
	}
	pushed := float64(n) / end.Sub(start).Seconds()
	time.Sleep(guiIdleWait) // the app catches up, its heap settles
	after, err := vmRSS(app.Process.Pid)
	afterParts := rssParts(app.Process.Pid, data, probe)
	close(sampling)
	<-sampled
	if err != nil {
		return 0, err
	}
	if err := stopApp(app); err != nil {
		return 0, err
	}
	flood, probeErr := readProbe(probe, start, end.Add(time.Second))
	firstMinute, _ := readProbe(probe, start, minute)

	db, err = store.Open(data)
	if err != nil {
		return 0, err
	}
	stored, _, _, err := db.EventCount()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}

	misses := 0
	count := func(ok bool) string {
		if !ok {
			misses++
		}
		return verdict(ok)
	}
	growth := after - before
	fmt.Printf("  pushed %d events in %s (%.0f/s) after %d to warm up; stored %d events (the messages and notices, plus the link's meta events)\n",
		n, end.Sub(start).Round(100*time.Millisecond), pushed, warmup, stored)
	fmt.Printf("  RSS idle on the Inbox with no event yet %s; after the %d warm-up events %s (%s: fonts and caches loaded once); over the %d events: peak %s, %s after the last one %s\n",
		mbDec(idle), warmup, mbDec(before), signedMB(before-idle), n, mbDec(peak), guiIdleWait, mbDec(after))
	fmt.Printf("  RSS growth over the %d events %s (target ≤ +%s) %s;  from idle with no event %s\n",
		n, signedMB(growth), mbDec(targetInboxGrowth), count(growth <= targetInboxGrowth), signedMB(after-idle))
	part := func(name string, b, a int64) string {
		return fmt.Sprintf("%s %s (%s → %s)", name, signedMB(a-b), mbDec(b), mbDec(a))
	}
	fmt.Printf("  of the growth: %s; %s; %s; %s\n",
		part("the Go runtime's memory", beforeParts.goHeld, afterParts.goHeld),
		part("other anonymous memory (C: Mesa, GLFW, textures)", beforeParts.anon-beforeParts.goHeld, afterParts.anon-afterParts.goHeld),
		part("the store's mapped file (bbolt)", beforeParts.store, afterParts.store),
		part("other mapped files", beforeParts.otherFiles, afterParts.otherFiles))
	if len(samples) >= 8 {
		q := func(f float64) string { return signedMB(samples[int(f*float64(len(samples)-1))] - before) }
		fmt.Printf("  growth along the flood, at a quarter / half / three quarters / the end of it: %s / %s / %s / %s\n", q(0.25), q(0.5), q(0.75), q(1))
	}
	if probeErr != nil { // an app built before the probe (UCBI_BENCH_APP)
		fmt.Printf("  UI goroutine delay and list refreshes: not measured (%v)\n", probeErr)
	} else {
		fmt.Printf("  UI goroutine delay (fyne.Do every 50 ms) during the flood: p50 %s, p99 %s, max %s over %d probes; first minute p99 %s, max %s; probes over %s: %d (target none) %s\n",
			ms(flood.p50), ms(flood.p99), ms(flood.max), flood.n, ms(firstMinute.p99), ms(firstMinute.max), ms(targetInboxStall), flood.stalls, count(flood.stalls == 0))
		fmt.Printf("  Inbox list refreshes: %.1f a second on average, at most %d in one second (target ≤ ~%.0f a second) %s\n",
			flood.refreshRate, flood.maxRefreshes, targetInboxRefreshes, count(flood.maxRefreshes <= targetInboxRefreshes+1))
	}
	if stored < n+warmup {
		return misses, fmt.Errorf("the app stored %d events, want at least the %d pushed", stored, n+warmup)
	}
	return misses, nil
}

// rssSplit is a process's resident memory by kind (bytes), from /proc/PID/smaps: anonymous
// memory (of which goHeld is the Go runtime's, from the app's probe: the rest is the C side —
// Mesa, GLFW, textures), the store's mapped file (bbolt's mmap), and other mapped files
// (libraries, fonts, the binary).
type rssSplit struct{ anon, goHeld, store, otherFiles int64 }

// rssParts reads pid's smaps, counting a mapping's Rss as the store's when its file lies in
// dataDir; goHeld is the last figure the app's probe file gave (0 without one).
func rssParts(pid int, dataDir, probe string) rssSplit {
	var r rssSplit
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return r
	}
	inStore := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping's header: range perms offset dev inode [path]
			inStore = len(f) >= 6 && strings.HasPrefix(f[5], dataDir+string(os.PathSeparator))
			continue
		}
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Anonymous:":
			r.anon += kb << 10
		case "Rss:":
			if inStore {
				r.store += kb << 10
			} else {
				r.otherFiles += kb << 10 // less the anonymous part, below
			}
		}
	}
	r.otherFiles -= r.anon
	r.goHeld = lastProbeGo(probe)
	return r
}

// lastProbeGo is the go= figure of the probe file's last line (0 when there is none).
func lastProbeGo(probe string) int64 {
	b, err := os.ReadFile(probe)
	if err != nil {
		return 0
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, field := range strings.Fields(lines[len(lines)-1]) {
		if v, ok := strings.CutPrefix(field, "go="); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// pushEvents has the fake push n events from gen at inboxRate; each(i), when set, is called
// before the i-th.
func pushEvents(fake *onebottest.Server, gen *inboxEvents, n int, each func(i int)) error {
	start := time.Now()
	every := time.Second / inboxRate
	for i := range n {
		if d := time.Until(start.Add(time.Duration(i) * every)); d > 0 {
			time.Sleep(d)
		}
		if each != nil {
			each(i)
		}
		if err := fake.Emit(json.RawMessage(gen.next(time.Now()))); err != nil {
			return err
		}
	}
	return nil
}

// buildApp builds the app into tmp (once per bench run: the GUI part and the inbox share it);
// UCBI_BENCH_APP names a binary to launch instead (A/B runs of an old and a new build).
func buildApp(tmp string) (string, error) {
	if bin := os.Getenv("UCBI_BENCH_APP"); bin != "" {
		fmt.Printf("  the app: %s (UCBI_BENCH_APP)\n", bin)
		return bin, nil
	}
	bin := filepath.Join(tmp, "ucbi-console")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	start := time.Now()
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the app: %w", err)
	}
	fyne := "Fyne as released (scripts/dev builds with third_party/_fyne's patched font file)"
	if w := os.Getenv("GOWORK"); strings.HasSuffix(w, filepath.Join(".build", "go.work")) {
		fyne = "Fyne with third_party/_fyne's patched font file (scripts/dev's " + w + ")"
	}
	fmt.Printf("  built the app in %s; %s\n", time.Since(start).Round(100*time.Millisecond), fyne)
	return bin, nil
}

// startApp starts the app on display with dir/data as its store and a fresh config dir, and
// waits (at most 60 s) for its window; it returns the process and the window's id.
func startApp(bin, display, dir string, env ...string) (*exec.Cmd, string, error) {
	data, cfg, rt := filepath.Join(dir, "data"), filepath.Join(dir, "config"), filepath.Join(dir, "runtime")
	for _, d := range []string{data, cfg, rt} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, "", err
		}
	}
	logPath := filepath.Join(dir, "app.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--data", data)
	cmd.Env = append(append(os.Environ(), "DISPLAY="+display, "LIBGL_ALWAYS_SOFTWARE=1", "UCBI_CONSOLE_DATA="+data,
		"XDG_CONFIG_HOME="+cfg, "XDG_RUNTIME_DIR="+rt), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		look := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+guiAppTitle+"$")
		look.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := look.Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			return cmd, ids[0], nil
		}
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return nil, "", fmt.Errorf("the app exited before its window appeared (log: %s)", tail(logPath))
		}
		if time.Now().After(deadline) {
			stopProcess(cmd)
			return nil, "", fmt.Errorf("no window within 60 s (log: %s)", tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopApp ends the app with SIGTERM (SIGKILL after 5 s) and reaps it, so that its store is
// closed before the bench opens it.
func stopApp(cmd *exec.Cmd) error {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stopProcess(cmd)
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the app did not exit within 10 s of SIGKILL")
	}
}

// xdo runs one xdotool command on display.
func xdo(display string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// probeFigures are the UI probe's figures over a span of time.
type probeFigures struct {
	n              int
	p50, p99, max  time.Duration
	stalls         int // probes that waited more than targetInboxStall
	refreshRate    float64
	maxRefreshes   int
	secondsCovered int
}

// readProbe reads the probe's lines written in [from, to] (each line covers the second before
// its time).
func readProbe(path string, from, to time.Time) (probeFigures, error) {
	f, err := os.Open(path)
	if err != nil {
		return probeFigures{}, fmt.Errorf("the app's UI probe wrote nothing: %w", err)
	}
	defer f.Close()
	var p probeFigures
	var samples []time.Duration
	refreshes := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		kv := map[string]string{}
		for _, field := range strings.Fields(sc.Text()) {
			if k, v, ok := strings.Cut(field, "="); ok {
				kv[k] = v
			}
		}
		t, err := strconv.ParseInt(kv["t"], 10, 64)
		if err != nil {
			continue
		}
		at := time.UnixMilli(t)
		if at.Before(from.Add(time.Second)) || at.After(to) {
			continue
		}
		p.secondsCovered++
		r, _ := strconv.Atoi(kv["refreshes"])
		refreshes += r
		p.maxRefreshes = max(p.maxRefreshes, r)
		for _, s := range strings.Split(kv["samples"], ",") {
			if us, err := strconv.ParseInt(s, 10, 64); err == nil {
				samples = append(samples, time.Duration(us)*time.Microsecond)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return p, err
	}
	if len(samples) == 0 {
		return p, errors.New("the app's UI probe has no samples for the flood")
	}
	slices.Sort(samples)
	p.n = len(samples)
	p.p50 = samples[len(samples)/2]
	p.p99 = samples[min(len(samples)-1, len(samples)*99/100)]
	p.max = samples[len(samples)-1]
	for _, s := range samples {
		if s > targetInboxStall {
			p.stalls++
		}
	}
	p.refreshRate = float64(refreshes) / float64(max(p.secondsCovered, 1))
	return p, nil
}

func mbDec(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func signedMB(n int64) string { return fmt.Sprintf("%+.1f MB", float64(n)/1e6) }

// ---------------------------------------------------------------------------------------------
// The events: what a busy NapCat account pushes.

// inboxEvents makes NapCat message events (array format) the way a busy account gets them:
// group messages from many members of a few dozen groups, private messages from a few hundred
// friends, now and then a notice; texts of every length, some with an @, a face, a reply or an
// image. It is deterministic (a fixed seed).
type inboxEvents struct {
	rng *rand.Rand
	id  int
}

const (
	inboxGroups  = 60
	inboxMembers = 3000
	inboxFriends = 400
)

// inboxPhrases are put together into texts of every length, mostly different from each other
// as in a real chat (a renderer that caches by text gets no free ride).
var inboxPhrases = []string{
	"好的", "收到", "哈哈哈哈", "+1", "在吗？", "今晚八点开会，请大家准时参加", "签到", "早上好☀️",
	"有人知道这个插件怎么配置吗？", "我按文档改了 config.yml 但是机器人没反应",
	"刚更新到最新版，发送图片的时候报错 retcode=1200", "有遇到过的吗",
	"明天下午三点在二号会议室讨论下季度的计划，需要准备的材料我已经发到群文件了",
	"大家有空先看一下，有问题可以直接在群里说。", "ok thanks", "the bot is back online after the restart",
	"这个问题我之前也遇到过", "把 NapCat 的 websocket 端口改成和配置文件里一样就好了",
	"另外记得检查 token 有没有多复制一个空格", "[分享] 一篇关于 OneBot 11 协议的介绍文章",
	"讲得挺清楚的，推荐给刚入门的朋友们看看", "求助", "谢谢大佬", "已解决", "日志贴一下看看",
	"是不是网络的问题", "重启试试", "我这边正常", "版本号多少？", "周末有人一起吗",
}

func newInboxEvents() *inboxEvents { return &inboxEvents{rng: rand.New(rand.NewPCG(13, 1000))} }

func (g *inboxEvents) next(now time.Time) []byte {
	g.id++
	r := g.rng
	roll := r.IntN(100)
	if roll < 3 { // a notice: someone joined or poked
		group, user := 700000+r.IntN(inboxGroups), 100000+r.IntN(inboxMembers)
		ev := map[string]any{"time": now.Unix(), "self_id": inboxSelfID, "post_type": "notice", "group_id": group, "user_id": user}
		if roll == 0 {
			ev["notice_type"], ev["sub_type"], ev["operator_id"] = "group_increase", "approve", 0
		} else {
			ev["notice_type"], ev["sub_type"], ev["target_id"] = "notify", "poke", inboxSelfID
		}
		b, _ := json.Marshal(ev)
		return b
	}
	text := inboxPhrases[r.IntN(len(inboxPhrases))]
	for range r.IntN(3) {
		text += "，" + inboxPhrases[r.IntN(len(inboxPhrases))]
	}
	if r.IntN(2) == 0 {
		text += " " + strconv.Itoa(r.IntN(10000))
	}
	var segs []map[string]any
	raw := ""
	addText := func(t string) {
		segs = append(segs, map[string]any{"type": "text", "data": map[string]any{"text": t}})
		raw += t
	}
	switch k := r.IntN(100); {
	case k < 12:
		at := 100000 + r.IntN(inboxMembers)
		segs = append(segs, map[string]any{"type": "at", "data": map[string]any{"qq": strconv.Itoa(at), "name": "群友" + strconv.Itoa(at)}})
		raw += "[CQ:at,qq=" + strconv.Itoa(at) + "]"
		addText(" " + text)
	case k < 20:
		face := r.IntN(300)
		segs = append(segs, map[string]any{"type": "face", "data": map[string]any{"id": strconv.Itoa(face), "raw": map[string]any{"faceIndex": face, "faceText": "/微笑"}}})
		raw += "[CQ:face,id=" + strconv.Itoa(face) + "]"
		addText(text)
	case k < 26:
		reply := max(1, g.id-1-r.IntN(50))
		segs = append(segs, map[string]any{"type": "reply", "data": map[string]any{"id": strconv.Itoa(reply)}})
		raw += "[CQ:reply,id=" + strconv.Itoa(reply) + "]"
		addText(text)
	case k < 32:
		file := fmt.Sprintf("%032X.jpg", r.Uint64())
		segs = append(segs, map[string]any{"type": "image", "data": map[string]any{"summary": "", "file": file, "sub_type": 0,
			"url": "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=" + strings.Repeat("EhQ", 20) + "&rkey=CAQSKAB6JWENi5LMk", "file_size": strconv.Itoa(20000 + r.IntN(400000))}})
		raw += "[CQ:image,file=" + file + "]"
	default:
		addText(text)
	}
	id := g.id
	ev := map[string]any{"self_id": inboxSelfID, "time": now.Unix(), "message_id": id, "message_seq": id, "real_id": id,
		"raw_message": raw, "font": 14, "message": segs, "message_format": "array", "post_type": "message"}
	if roll < 23 { // private, from a friend
		user := 100000 + r.IntN(inboxFriends)
		ev["message_type"], ev["sub_type"], ev["user_id"], ev["target_id"] = "private", "friend", user, inboxSelfID
		ev["sender"] = map[string]any{"user_id": user, "nickname": "好友" + strconv.Itoa(user), "card": ""}
	} else {
		user, group := 100000+r.IntN(inboxMembers), 700000+r.IntN(inboxGroups)
		role := "member"
		if user%97 == 0 {
			role = "admin"
		}
		ev["message_type"], ev["sub_type"], ev["user_id"], ev["group_id"] = "group", "normal", user, group
		ev["group_name"] = "机器人交流群" + strconv.Itoa(group%1000)
		ev["sender"] = map[string]any{"user_id": user, "nickname": "群友" + strconv.Itoa(user), "card": cardOf(user), "role": role}
	}
	b, _ := json.Marshal(ev)
	return b
}

// cardOf is a member's group card: most have none.
func cardOf(user int) string {
	if user%3 == 0 {
		return "群名片" + strconv.Itoa(user)
	}
	return ""
}
