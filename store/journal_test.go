package store

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ucbi-console/core"
)

// writeSegment writes frames as a journal segment file left behind by a crash.
func writeSegment(t *testing.T, dir, name string, no uint64, frames ...[]byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, journalDir), 0o700); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, f := range frames {
		b = append(b, f...)
	}
	b = append(b, make([]byte, 4096)...) // preallocated zeros
	must(t, os.WriteFile(filepath.Join(dir, journalDir, segmentName(name, no)), b, 0o600))
}

// historyFrame is the journal frame of sampleRecord(i) as row seq.
func historyFrame(t *testing.T, i int, seq uint64) []byte {
	t.Helper()
	r := sampleRecord(i)
	var rec jrec
	must(t, encodeHistory(&r, &rec))
	rec.seq = seq
	return appendFrame(nil, rec)
}

// journalFiles lists the segment files of the journals whose name matches pattern.
func journalFiles(t *testing.T, dir, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, journalDir, pattern+"-*.wal"))
	must(t, err)
	return m
}

// A crash leaves records in the journal that the index does not hold yet, possibly ending in
// a torn write: Open indexes every whole record, drops the tear, and appends continue after.
func TestJournalReplayCutsTornTail(t *testing.T) {
	good := func(t *testing.T, n int) [][]byte {
		var fs [][]byte
		for i := range n {
			fs = append(fs, historyFrame(t, i, uint64(i+1)))
		}
		return fs
	}
	badCRC := func(f []byte) []byte {
		f = append([]byte(nil), f...)
		f[len(f)-1] ^= 0xff
		return f
	}
	tests := []struct {
		name   string
		frames func(t *testing.T) [][]byte
		want   int // rows after Open
	}{
		{"clean end", func(t *testing.T) [][]byte { return good(t, 5) }, 5},
		{"half a frame", func(t *testing.T) [][]byte {
			fs := good(t, 6)
			fs[5] = fs[5][:len(fs[5])/2]
			return fs
		}, 5},
		{"only a length", func(t *testing.T) [][]byte {
			fs := good(t, 4)
			return append(fs, []byte{0x40, 0, 0})
		}, 4},
		{"bad crc", func(t *testing.T) [][]byte {
			fs := good(t, 5)
			fs[3] = badCRC(fs[3])
			return fs
		}, 3},
		{"huge length", func(t *testing.T) [][]byte {
			fs := good(t, 2)
			h := make([]byte, 16)
			binary.LittleEndian.PutUint32(h, 1<<30)
			return append(fs, h)
		}, 2},
		{"stale frame after a gap in seq", func(t *testing.T) [][]byte {
			fs := good(t, 3)
			return append(fs, historyFrame(t, 9, 9))
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSegment(t, dir, "history", 7, tt.frames(t)...)
			db := openTestAt(t, dir)
			if n, err := db.HistoryCount(); err != nil || n != tt.want {
				t.Fatalf("HistoryCount = %d, %v; want %d", n, err, tt.want)
			}
			for s := 1; s <= tt.want; s++ {
				got, err := db.HistoryGet(uint64(s))
				if err != nil {
					t.Fatal(err)
				}
				want := sampleRecord(s - 1)
				want.Seq = uint64(s)
				assertSameRecord(t, got, want)
			}
			// The replayed segment is gone; only the fresh one remains, numbered after it.
			files := journalFiles(t, dir, "history")
			if len(files) != 1 || filepath.Base(files[0]) != segmentName("history", 8) {
				t.Errorf("journal files after Open: %v", files)
			}
			r := sampleRecord(100)
			must(t, db.AppendHistory(&r))
			if r.Seq != uint64(tt.want+1) {
				t.Errorf("next seq = %d, want %d", r.Seq, tt.want+1)
			}
		})
	}
}

// Records the index already holds are not indexed twice.
func TestJournalReplaySkipsIndexed(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	must(t, err)
	for i := range 3 {
		r := sampleRecord(i)
		must(t, db.AppendHistory(&r))
	}
	must(t, db.Close())
	if files := journalFiles(t, dir, "*"); len(files) != 0 {
		t.Fatalf("a clean Close left journal files: %v", files)
	}
	var fs [][]byte
	for i := range 5 {
		fs = append(fs, historyFrame(t, i, uint64(i+1)))
	}
	writeSegment(t, dir, "history", 1, fs...)
	db = openTestAt(t, dir)
	if n, err := db.HistoryCount(); err != nil || n != 5 {
		t.Fatalf("HistoryCount = %d, %v; want 5", n, err)
	}
}

// A journal fills segment after segment; each one indexed is deleted, and the rows are whole.
func TestJournalRotatesSegments(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	db.hist.cfg.segmentSize = 8 << 10 // set before the first append: the writer reads it
	const n = 300
	for i := range n {
		r := sampleRecord(i)
		must(t, db.AppendHistory(&r))
	}
	if c, err := db.HistoryCount(); err != nil || c != n {
		t.Fatalf("HistoryCount = %d, %v", c, err)
	}
	if segNo := db.hist.segNo; segNo < 10 {
		t.Errorf("%d rows of ~500 bytes in 8 KiB segments used only %d segments", n, segNo)
	}
	// After the index caught up, at most the segment in use and one retired one remain.
	deadline := time.Now().Add(10 * time.Second)
	for len(journalFiles(t, dir, "history")) > 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the file system with a deadline
	}
	if files := journalFiles(t, dir, "history"); len(files) > 2 {
		t.Errorf("indexed segments are not deleted: %d files", len(files))
	}
	for s := uint64(1); s <= n; s++ {
		r, err := db.HistoryGet(s)
		if err != nil {
			t.Fatal(err)
		}
		want := sampleRecord(int(s - 1))
		want.Seq = s
		assertSameRecord(t, r, want)
	}
}

// --- kill -9 -------------------------------------------------------------------------------

// killChildEnv makes the test binary a store writer (the kill -9 test's child): it opens the
// store in the directory the variable names and appends history rows, events and cursors from
// many goroutines, printing a line for each one acknowledged, until it is killed.
const killChildEnv = "UCBI_STORE_KILL_CHILD_DIR"

func runKillChild(dir string) {
	db, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		mu.Unlock()
	}
	fmt.Println("READY")
	for w := range 12 {
		go func() {
			for i := 0; ; i++ {
				switch w % 3 {
				case 0:
					r := sampleRecord(i)
					r.Message = fmt.Sprintf("h-%d-%d", w, i)
					if err := db.AppendHistory(&r); err != nil {
						say("ERR %v", err)
						return
					}
					say("H %d %s", r.Seq, r.Message)
				case 1:
					evs := []*core.StoredEvent{sampleEvent(w*1_000_000+i, "ev-"+strconv.Itoa(w)+"-"+strconv.Itoa(i))}
					if err := db.AppendEvents(evs); err != nil {
						say("ERR %v", err)
						return
					}
					say("E %d %s", evs[0].ID, evs[0].Source)
				default:
					name := fmt.Sprintf("consumer-%d", w)
					if err := db.SetCursor(name, uint64(i+1)); err != nil {
						say("ERR %v", err)
						return
					}
					say("C %s %d", name, i+1)
				}
			}
		}()
	}
	select {}
}

// TestKill9LosesNothingAcknowledged kills a process that is appending history rows, events
// and cursors as fast as it can, then reopens its store: every append the child was told is
// durable is there, with the right content, and nothing more is lost.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	type acked struct {
		history map[uint64]string
		events  map[uint64]string
		cursors map[string]uint64
	}
	got := acked{map[uint64]string{}, map[uint64]string{}, map[string]uint64{}}
	var lines atomic.Int64
	killNow := make(chan struct{})
	readDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var once sync.Once
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "H", "E":
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				if f[0] == "H" {
					got.history[seq] = f[2]
				} else {
					got.events[seq] = f[2]
				}
			case "C":
				n, _ := strconv.ParseUint(f[2], 10, 64)
				got.cursors[f[1]] = max(got.cursors[f[1]], n)
			case "ERR":
				readDone <- fmt.Errorf("child: %s", sc.Text())
				return
			}
			if lines.Add(1) == 3000 {
				once.Do(func() { close(killNow) })
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		readDone <- nil
	}()
	select {
	case <-killNow:
	case err := <-readDone:
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child stopped early: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not acknowledge 3000 appends in 60 s\n%s", stderr.String())
	}
	must(t, cmd.Process.Kill()) // SIGKILL: no Close, no flush
	_ = cmd.Wait()
	if err := <-readDone; err != nil {
		t.Fatal(err)
	}
	if files := journalFiles(t, dir, "*"); len(files) == 0 {
		t.Log("the child left no journal segment (it was killed between segments?)")
	}

	db := openTestAt(t, dir)
	for seq, msg := range got.history {
		r, err := db.HistoryGet(seq)
		if err != nil {
			t.Fatalf("acknowledged history row %d lost: %v", seq, err)
		}
		if r.Message != msg {
			t.Fatalf("history row %d holds %q, want %q", seq, r.Message, msg)
		}
	}
	n, err := db.HistoryCount()
	must(t, err)
	if n < len(got.history) {
		t.Errorf("HistoryCount %d < %d acknowledged", n, len(got.history))
	}
	// Rows are contiguous: every seq up to the count is there.
	if n > 0 {
		if _, err := db.HistoryGet(uint64(n)); err != nil {
			t.Errorf("HistoryCount %d but row %d: %v", n, n, err)
		}
	}
	evs, err := db.EventsAfter(0, maxPage)
	must(t, err)
	byID := map[uint64]string{}
	for off := uint64(0); ; {
		page, err := db.EventsAfter(off, maxPage)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if ev.ID != off+1 {
				t.Fatalf("event IDs not contiguous: %d after %d", ev.ID, off)
			}
			byID[ev.ID] = ev.Source
			off = ev.ID
		}
	}
	_ = evs
	for id, src := range got.events {
		if byID[id] != src {
			t.Fatalf("acknowledged event %d: stored %q, want %q", id, byID[id], src)
		}
	}
	for name, want := range got.cursors {
		c, err := db.Cursor(name)
		must(t, err)
		if c < want {
			t.Errorf("cursor %s = %d, but %d was acknowledged", name, c, want)
		}
	}
	t.Logf("acknowledged before the kill: %d history rows, %d events, %d cursors; after reopen %d rows, %d events",
		len(got.history), len(got.events), len(got.cursors), n, len(byID))
}

// The in-memory tail is a circle of fixed size: after it wraps it still answers every seq it
// holds in order, says "not here" for older ones, and never holds more than its size; resized,
// it keeps the newest.
func TestJournalRecentRingWraps(t *testing.T) {
	type query struct {
		after, limit int
		want         []uint64
		ok           bool
	}
	j := &journal{cfg: journalConfig{recent: 4}, ringSize: 4}
	add := func(seqs ...uint64) {
		var recs []jrec
		for _, seq := range seqs {
			recs = append(recs, jrec{kind: kindData, seq: seq, payload: []byte{byte(seq)}})
		}
		j.remember(recs)
		j.durable.Store(seqs[len(seqs)-1])
	}
	check := func(queries ...query) {
		t.Helper()
		for _, q := range queries {
			recs, ok := j.recentAfter(uint64(q.after), q.limit)
			var got []uint64
			for _, r := range recs {
				got = append(got, r.seq)
			}
			if ok != q.ok || !slices.Equal(got, q.want) {
				t.Errorf("recentAfter(%d, %d) = %v, %v; want %v, %v", q.after, q.limit, got, ok, q.want, q.ok)
			}
		}
	}

	add(1, 2, 3) // 11 records in uneven batches
	add(4)
	add(5, 6, 7, 8, 9)
	add(10, 11)
	if j.ringLen != 4 || len(j.ring) != 4 {
		t.Fatalf("ring holds %d of %d slots, want 4 of 4", j.ringLen, len(j.ring))
	}
	check(
		query{after: 6, limit: 10, ok: false}, // 7 was overwritten
		query{after: 7, limit: 10, want: []uint64{8, 9, 10, 11}, ok: true},
		query{after: 8, limit: 2, want: []uint64{9, 10}, ok: true},
		query{after: 10, limit: 10, want: []uint64{11}, ok: true},
		query{after: 11, limit: 10, ok: true}, // nothing newer
	)

	j.keepRecent(2)
	check(query{after: 8, limit: 10, ok: false}, query{after: 9, limit: 10, want: []uint64{10, 11}, ok: true})
	j.keepRecent(3)
	add(12, 13)
	check(query{after: 9, limit: 10, ok: false}, query{after: 10, limit: 10, want: []uint64{11, 12, 13}, ok: true})
}
