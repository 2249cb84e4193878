package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

func TestAppendHistorySeqTimeAndGet(t *testing.T) {
	db := openTest(t)
	var recs []core.HistoryRecord
	for i := range 5 {
		r := sampleRecord(i)
		if i%2 == 0 {
			r.Time = time.Time{}
		}
		r.Seq = 777 // ignored
		before := time.Now()
		must(t, db.AppendHistory(&r))
		if r.Seq != uint64(i+1) {
			t.Errorf("append %d: Seq = %d, want %d", i, r.Seq, i+1)
		}
		if i%2 == 0 && (r.Time.Before(before) || time.Since(r.Time) > time.Minute) {
			t.Errorf("append %d: zero Time became %v", i, r.Time)
		}
		if i%2 == 1 && !r.Time.Equal(sampleRecord(i).Time) {
			t.Errorf("append %d: given Time changed to %v", i, r.Time)
		}
		recs = append(recs, r)
	}
	if got := db.hist.commits.Load(); got != 5 {
		t.Errorf("5 lone appends took %d commits, want 5 (one each)", got)
	}
	for _, want := range recs {
		got, err := db.HistoryGet(want.Seq)
		if err != nil {
			t.Fatal(err)
		}
		assertSameRecord(t, got, want)
	}
	if _, err := db.HistoryGet(99); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no history row 99") {
		t.Errorf("HistoryGet(99): err = %v", err)
	}
	if n, err := db.HistoryCount(); err != nil || n != 5 {
		t.Errorf("HistoryCount = %d, %v", n, err)
	}
	if err := db.AppendHistory(nil); err == nil {
		t.Error("AppendHistory(nil) succeeded")
	}
}

// assertSameRecord compares records the way they survive JSON (times by instant, raw JSON
// compacted).
func assertSameRecord(t *testing.T, got, want core.HistoryRecord) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Errorf("seq %d: Time = %v, want %v", want.Seq, got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("record differs:\n got %s\nwant %s", g, w)
	}
}

func TestAppendHistoryBadRecordFailsAlone(t *testing.T) {
	db := openTest(t)
	ok1 := sampleRecord(1)
	must(t, db.AppendHistory(&ok1))
	bad := sampleRecord(2)
	bad.Request = json.RawMessage(`{"broken":`)
	err := db.AppendHistory(&bad)
	if err == nil || bad.Seq != 0 || !strings.Contains(err.Error(), "encode record") {
		t.Fatalf("bad record: err = %v, Seq = %d", err, bad.Seq)
	}
	ok2 := sampleRecord(3)
	must(t, db.AppendHistory(&ok2))
	if ok2.Seq != 2 {
		t.Errorf("seq after a refused record = %d, want 2 (no gap)", ok2.Seq)
	}
	if n, _ := db.HistoryCount(); n != 2 {
		t.Errorf("HistoryCount = %d, want 2", n)
	}
}

func TestHistoryPaging(t *testing.T) {
	db := openTest(t)
	const n = 2345
	fillHistory(t, db, n, sampleRecord)

	// Walk every page of 100 from the newest.
	var seen []uint64
	before := uint64(0)
	for pages := 0; ; pages++ {
		page, err := db.HistoryPage(before, 100, HistoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if pages > n/100+1 {
			t.Fatal("paging does not end")
		}
		for _, r := range page {
			seen = append(seen, r.Seq)
		}
		before = page[len(page)-1].Seq
	}
	if len(seen) != n {
		t.Fatalf("paging saw %d rows, want %d", len(seen), n)
	}
	for i, s := range seen {
		if s != uint64(n-i) {
			t.Fatalf("row %d of the walk has seq %d, want %d (newest first, no gaps)", i, s, n-i)
		}
	}
	r, err := db.HistoryGet(1234)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRecord(1233)
	want.Seq = 1234
	assertSameRecord(t, r, want)

	tests := []struct {
		before     uint64
		limit      int
		wantLen    int
		wantFirst  uint64
		wantLatest bool
	}{
		{0, 10, 10, n, true},
		{n + 500, 10, 10, n, true}, // before past the newest
		{n, 10, 10, n - 1, false},
		{5, 10, 4, 4, false},
		{1, 10, 0, 0, false},
		{0, 0, 1, n, true},       // clamped up to 1
		{0, -7, 1, n, true},      // clamped up to 1
		{0, 5000, 1000, n, true}, // clamped down to 1000
	}
	for _, tt := range tests {
		page, err := db.HistoryPage(tt.before, tt.limit, HistoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != tt.wantLen {
			t.Errorf("HistoryPage(%d, %d): %d rows, want %d", tt.before, tt.limit, len(page), tt.wantLen)
			continue
		}
		if len(page) > 0 && page[0].Seq != tt.wantFirst {
			t.Errorf("HistoryPage(%d, %d): first seq %d, want %d", tt.before, tt.limit, page[0].Seq, tt.wantFirst)
		}
	}
}

func TestHistoryFilter(t *testing.T) {
	db := openTest(t)
	rows := []core.HistoryRecord{
		{Origin: "gui", Source: "napcat", Action: "send_group_msg", Target: "group:123", Message: "今晚八点开会", Outcome: "ok", MessageID: "m-001"},
		{Origin: "ucbi", Source: "lagrange", Action: "send_private_msg", Target: "private:42", Message: "Hello WORLD", Outcome: "ok"},
		{Origin: "onebot", Source: "napcat", Action: "send_group_msg", Target: "group:1234", Message: "收到", Outcome: "error", ErrorCode: "TIMEOUT", Text: "后端超时 Backend Timed Out"},
		{Origin: "cli", Source: "napcat", Action: "get_friend_list", Outcome: "ok", Request: json.RawMessage(`{"needle":"only-in-request"}`)},
		{Origin: "gui", Source: "satori", Action: "send_group_msg", Target: "group:123", Message: `a<b & "quoted" \ path`, Outcome: "ok"},
		{Origin: "gui", Source: "napcat", Action: "send_private_msg", Target: "private:7", Message: "ΣΊΣΥΦΟΣ straße", Outcome: "ok"},
		{Origin: "cli", Source: "a<b&\"c\"", Action: "send_group_msg", Target: "group:<&>", Message: "line1\nline2", Outcome: "ok"},
	}
	for i := range rows {
		must(t, db.AppendHistory(&rows[i]))
	}
	tests := []struct {
		name string
		f    HistoryFilter
		want []uint64 // seqs, newest first
	}{
		{"none", HistoryFilter{}, []uint64{7, 6, 5, 4, 3, 2, 1}},
		{"origin", HistoryFilter{Origin: "gui"}, []uint64{6, 5, 1}},
		{"origin cli", HistoryFilter{Origin: "cli"}, []uint64{7, 4}},
		{"origin no partial", HistoryFilter{Origin: "gu"}, nil},
		{"source", HistoryFilter{Source: "napcat"}, []uint64{6, 4, 3, 1}},
		{"action", HistoryFilter{Action: "send_group_msg"}, []uint64{7, 5, 3, 1}},
		{"action is exact", HistoryFilter{Action: "send_group"}, nil},
		{"source with json-escaped chars", HistoryFilter{Source: `a<b&"c"`}, []uint64{7}},
		{"target with json-escaped chars", HistoryFilter{Target: "group:<&>"}, []uint64{7}},
		{"target prefix with json-escaped chars", HistoryFilter{Target: "group:<"}, nil},
		{"text newline", HistoryFilter{Text: "LINE1\nLINE"}, []uint64{7}},
		{"outcome", HistoryFilter{Outcome: "error"}, []uint64{3}},
		{"target exact", HistoryFilter{Target: "group:123"}, []uint64{5, 1}},
		{"target exact is not prefix", HistoryFilter{Target: "group:12"}, nil},
		{"target prefix", HistoryFilter{Target: "group:"}, []uint64{7, 5, 3, 1}},
		{"target prefix private", HistoryFilter{Target: "private:"}, []uint64{6, 2}},
		{"text message zh", HistoryFilter{Text: "八点"}, []uint64{1}},
		{"text message case", HistoryFilter{Text: "hello world"}, []uint64{2}},
		{"text target", HistoryFilter{Text: "GROUP:1234"}, []uint64{3}},
		{"text target escaped", HistoryFilter{Text: "P:<&"}, []uint64{7}},
		{"text action", HistoryFilter{Text: "Friend_List"}, []uint64{4}},
		{"text source", HistoryFilter{Text: "LAGRANGE"}, []uint64{2}},
		{"text error text", HistoryFilter{Text: "timed out"}, []uint64{3}},
		{"text error text zh", HistoryFilter{Text: "超时"}, []uint64{3}},
		{"text error code", HistoryFilter{Text: "timeout"}, []uint64{3}},
		{"text message id", HistoryFilter{Text: "M-001"}, []uint64{1}},
		{"text not in request", HistoryFilter{Text: "only-in-request"}, nil},
		{"text with json-escaped chars", HistoryFilter{Text: `A<B & "QUOTED" \ P`}, []uint64{5}},
		{"text greek fold", HistoryFilter{Text: "σίσυφος"}, []uint64{6}},
		{"text no match", HistoryFilter{Text: "没有这个"}, nil},
		{"combined", HistoryFilter{Source: "napcat", Target: "group:", Text: "收到"}, []uint64{3}},
		{"combined none", HistoryFilter{Source: "lagrange", Outcome: "error"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.HistoryPage(0, 100, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, r := range page {
				got = append(got, r.Seq)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("HistoryPage seqs = %v, want %v", got, tt.want)
			}
			// Match agrees with the page.
			var matched []uint64
			for i := len(rows) - 1; i >= 0; i-- {
				if tt.f.Match(&rows[i]) {
					matched = append(matched, rows[i].Seq)
				}
			}
			if fmt.Sprint(matched) != fmt.Sprint(tt.want) {
				t.Errorf("Match selects %v, want %v", matched, tt.want)
			}
			// The raw pre-check never turns away a row that matches.
			m := tt.f.compile()
			for i := range rows {
				raw := rawHistory(t, db, rows[i].Seq)
				if m.match(&rows[i]) && !m.preCheck(raw) {
					t.Errorf("preCheck rejects matching row %d: %s", rows[i].Seq, raw)
				}
			}
			// And so does the export (oldest first).
			var buf bytes.Buffer
			n, err := db.ExportHistory(&buf, tt.f)
			if err != nil || n != len(tt.want) {
				t.Errorf("ExportHistory wrote %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
	if (HistoryFilter{}).Match(nil) {
		t.Error("Match(nil) = true")
	}
}

// rawHistory is a copy of the stored JSON of a history row.
func rawHistory(t *testing.T, db *DB, seq uint64) []byte {
	t.Helper()
	var raw []byte
	must(t, db.bolt.View(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketHistory).Get(u64key(seq)))
		return nil
	}))
	if raw == nil {
		t.Fatalf("no row %d", seq)
	}
	return raw
}

func TestFolder(t *testing.T) {
	tests := []struct {
		s, q string
		want bool
	}{
		{"", "", true},
		{"abc", "", true},
		{"", "a", false},
		{"Hello", "hello", true},
		{"HELLO", "LLO", true},
		{"hel", "hello", false},
		{"send_group_msg", "GROUP", true},
		{"今晚八点开会", "八点", true},
		{"今晚八点开会", "九点", false},
		{"Kelvin \u212A", "k", true}, // Kelvin sign folds to k
		{"STRASSE", "ſtrasse", true}, // long s folds to s
		{"ΣΊΣΥΦΟΣ", "σίσυφος", true},
		{"aaab", "aab", true},
		{"a\xffb", "b", true},
		{"日本語", "本", true},
		{"日本語", "\xe6", false}, // a lone lead byte never matches inside a rune
		{"ttttT", "TT", true},
		{"tatbtc", "TC", true},
		{"tatbtc", "TD", false},
		{"θϑΘϴ", "ϑϑϑϑ", true}, // a 4-rune fold orbit
		{"xϴ", "θ", true},
		{"\u212Aelvin", "KELVIN", true},
	}
	for _, tt := range tests {
		f := newFolder(tt.q)
		if got := f.in(tt.s); got != tt.want {
			t.Errorf("folder(%q).in(%q) = %v, want %v", tt.q, tt.s, got, tt.want)
		}
	}
}

func TestHistoryFilteredPagingAcrossPages(t *testing.T) {
	db := openTest(t)
	fillHistory(t, db, 30_000, sampleRecord)
	// Every 50th row (i%50==0, seq = i+1) is urgent: 600 rows. Walk them 100 at a time.
	f := HistoryFilter{Text: "紧急"}
	var got []uint64
	for before := uint64(0); ; {
		page, err := db.HistoryPage(before, 100, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			got = append(got, r.Seq)
		}
		before = page[len(page)-1].Seq
	}
	if len(got) != 600 {
		t.Fatalf("found %d urgent rows, want 600", len(got))
	}
	for i, s := range got {
		if want := uint64(30_000 - 50*i - 49); s != want {
			t.Fatalf("urgent row %d has seq %d, want %d", i, s, want)
		}
	}
}

// A filter matching nothing stops after maxHistoryScan rows instead of walking everything.
func TestHistoryPageScanIsBounded(t *testing.T) {
	db := openTest(t)
	fillHistory(t, db, maxHistoryScan+5, func(i int) core.HistoryRecord {
		r := core.HistoryRecord{Origin: "gui", Action: "send_group_msg", Outcome: "ok", Message: "x"}
		if i < 3 {
			r.Message = "needle" // the three oldest rows lie beyond the bound
		}
		return r
	})
	page, err := db.HistoryPage(0, 10, HistoryFilter{Text: "needle"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 {
		t.Errorf("bounded scan found %d rows beyond the bound", len(page))
	}
	// From just above them the rows are found.
	page, err = db.HistoryPage(10, 10, HistoryFilter{Text: "needle"})
	if err != nil || len(page) != 3 || page[0].Seq != 3 {
		t.Errorf("HistoryPage(10) = %d rows, %v", len(page), err)
	}
	// HistoryScan says where the bounded scan stopped, and following it finds them.
	page, next, err := db.HistoryScan(0, 10, HistoryFilter{Text: "needle"})
	if err != nil || len(page) != 0 || next != 6 {
		t.Fatalf("HistoryScan(0) = %d rows, next %d, %v; want 0 rows, next 6", len(page), next, err)
	}
	page, next, err = db.HistoryScan(next, 10, HistoryFilter{Text: "needle"})
	if err != nil || len(page) != 3 || next != 0 {
		t.Fatalf("HistoryScan(6) = %d rows, next %d, %v; want 3 rows and the end", len(page), next, err)
	}
}

func TestHistoryScanCursor(t *testing.T) {
	db := openTest(t)
	fillHistory(t, db, 30, func(i int) core.HistoryRecord {
		r := core.HistoryRecord{Origin: "gui", Action: "a", Outcome: "ok", Message: "x"}
		if i == 20 || i == 10 {
			r.Message = "hit"
		}
		return r
	})
	var got []uint64
	before := uint64(0)
	for steps := 0; steps < 10; steps++ {
		page, next, err := db.HistoryScan(before, 1, HistoryFilter{Text: "hit"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.Seq)
		}
		if next == 0 {
			break
		}
		before = next
	}
	if len(got) != 2 || got[0] != 21 || got[1] != 11 {
		t.Fatalf("walked %v, want [21 11]", got)
	}
}

func TestExportHistory(t *testing.T) {
	db := openTest(t)
	const n = 12_345 // more than one read transaction's worth
	fillHistory(t, db, n, sampleRecord)
	tests := []struct {
		name string
		f    HistoryFilter
		want func(i int) bool // which sampleRecord(i) rows are exported
	}{
		{"all", HistoryFilter{}, func(int) bool { return true }},
		{"urgent", HistoryFilter{Text: "紧急"}, func(i int) bool { return i%50 == 0 }},
		{"private", HistoryFilter{Target: "private:"}, func(i int) bool { return i%10 == 3 }},
		{"errors", HistoryFilter{Outcome: "error"}, func(i int) bool { return i%100 == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			count, err := db.ExportHistory(&buf, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(&buf)
			sc.Buffer(nil, 1<<20)
			lines := 0
			next := 0
			for sc.Scan() {
				var r core.HistoryRecord
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					t.Fatalf("line %d is not JSON: %v", lines+1, err)
				}
				for next < n && !tt.want(next) {
					next++
				}
				want := sampleRecord(next)
				want.Seq = uint64(next + 1)
				if r.Seq != want.Seq {
					t.Fatalf("line %d: seq %d, want %d (oldest first)", lines+1, r.Seq, want.Seq)
				}
				assertSameRecord(t, r, want)
				next++
				lines++
			}
			wantCount := 0
			for i := range n {
				if tt.want(i) {
					wantCount++
				}
			}
			if count != wantCount || lines != wantCount {
				t.Errorf("ExportHistory returned %d and wrote %d lines, want %d", count, lines, wantCount)
			}
		})
	}
	// A failing writer is reported.
	if _, err := db.ExportHistory(failWriter{}, HistoryFilter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("export to a failing writer: err = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestAppendHistoryGroupCommit(t *testing.T) {
	db := openTest(t)
	// Make every commit take a little longer, as a slow disk would, so that the test does not
	// depend on how fast this machine's fsync is.
	db.hist.commitHook = func() { time.Sleep(2 * time.Millisecond) }
	const writers, each = 64, 50
	var mu sync.Mutex
	seqs := make(map[uint64]string, writers*each)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := sampleRecord(w*each + i)
				r.Message = fmt.Sprintf("w%d-%d", w, i)
				if err := db.AppendHistory(&r); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if prev, dup := seqs[r.Seq]; dup {
					mu.Unlock()
					errs <- fmt.Errorf("seq %d given to %s and %s", r.Seq, prev, r.Message)
					return
				}
				seqs[r.Seq] = r.Message
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const rows = writers * each
	if len(seqs) != rows {
		t.Fatalf("%d distinct seqs, want %d", len(seqs), rows)
	}
	for s := uint64(1); s <= rows; s++ {
		r, err := db.HistoryGet(s)
		if err != nil {
			t.Fatalf("seq %d: %v", s, err)
		}
		if r.Message != seqs[s] {
			t.Fatalf("seq %d holds %q, want %q", s, r.Message, seqs[s])
		}
	}
	if n, _ := db.HistoryCount(); n != rows {
		t.Errorf("HistoryCount = %d, want %d", n, rows)
	}
	commits := db.hist.commits.Load()
	t.Logf("%d rows in %d commits (%.1f rows/commit)", rows, commits, float64(rows)/float64(commits))
	if commits > rows/10 {
		t.Errorf("%d rows took %d commits; group commit should need far fewer", rows, commits)
	}
}

func TestCloseWhileAppendingLosesNothing(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 16
	var mu sync.Mutex
	acked := map[uint64]string{}
	var wg sync.WaitGroup
	var closedErrs, otherErrs []error
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				r := sampleRecord(i)
				r.Message = fmt.Sprintf("w%d-%d", w, i)
				err := db.AppendHistory(&r)
				mu.Lock()
				if err != nil {
					if strings.Contains(err.Error(), "closed") {
						closedErrs = append(closedErrs, err)
					} else {
						otherErrs = append(otherErrs, err)
					}
					mu.Unlock()
					return
				}
				acked[r.Seq] = r.Message
				mu.Unlock()
			}
		})
	}
	time.Sleep(150 * time.Millisecond)
	closed := make(chan error)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while appenders were running")
	}
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("appenders hang after Close")
	}
	if len(otherErrs) > 0 {
		t.Fatalf("appenders failed with: %v", otherErrs[0])
	}
	if len(closedErrs) != writers {
		t.Errorf("%d appenders saw the closed error, want %d", len(closedErrs), writers)
	}
	if len(acked) == 0 {
		t.Fatal("no append succeeded before Close; the test proves nothing")
	}

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for seq, msg := range acked {
		r, err := db.HistoryGet(seq)
		if err != nil {
			t.Fatalf("acknowledged row %d lost: %v", seq, err)
		}
		if r.Message != msg {
			t.Fatalf("row %d holds %q, want %q", seq, r.Message, msg)
		}
	}
	if n, _ := db.HistoryCount(); n != len(acked) {
		t.Errorf("HistoryCount = %d but %d appends were acknowledged", n, len(acked))
	}
	t.Logf("%d rows acknowledged before Close", len(acked))
}
