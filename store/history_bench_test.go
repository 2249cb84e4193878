package store

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// The page benchmarks share one pre-filled store, built once per process: 100,000 rows, or
// as many as UCBI_BENCH_ROWS says (e.g. UCBI_BENCH_ROWS=1000000).
var (
	fixtureOnce sync.Once
	fixtureDB   *DB
	fixtureDir  string
	fixtureRows int
	fixtureErr  error
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		runKillChild(dir) // never returns: the parent kills it
	}
	code := m.Run()
	if fixtureDB != nil {
		_ = fixtureDB.Close()
	}
	if fixtureDir != "" {
		_ = os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func benchFixture(b *testing.B) (*DB, int) {
	b.Helper()
	fixtureOnce.Do(func() {
		fixtureRows = 100_000
		if s := os.Getenv("UCBI_BENCH_ROWS"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				fixtureErr = fmt.Errorf("UCBI_BENCH_ROWS=%q is not a positive number of rows", s)
				return
			}
			fixtureRows = n
		}
		if fixtureDir, fixtureErr = os.MkdirTemp("", "ucbi-store-bench-"); fixtureErr != nil {
			return
		}
		if fixtureDB, fixtureErr = Open(fixtureDir); fixtureErr != nil {
			return
		}
		fillHistory(b, fixtureDB, fixtureRows, sampleRecord)
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureDB, fixtureRows
}

func reportBytesPerRow(b *testing.B, db *DB, rows int) {
	b.Helper()
	fi, err := os.Stat(db.Path())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/float64(rows), "bytes/row")
}

func BenchmarkAppendHistorySerial(b *testing.B) {
	db := openTest(b)
	rec := sampleRecord(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := rec
		if err := db.AppendHistory(&r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(db.hist.commits.Load()), "rows/commit")
}

func BenchmarkAppendHistoryParallel(b *testing.B) {
	db := openTest(b)
	b.SetParallelism(16) // many callers (dispatcher requests), most of them waiting on the disk
	b.ReportAllocs()
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := sampleRecord(int(n.Add(1)))
			if err := db.AppendHistory(&r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(db.hist.commits.Load()), "rows/commit")
}

func BenchmarkHistoryNewestPage(b *testing.B) {
	db, rows := benchFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		page, err := db.HistoryPage(0, 100, HistoryFilter{})
		if err != nil || len(page) != 100 {
			b.Fatalf("page of %d rows, %v", len(page), err)
		}
	}
	b.StopTimer()
	reportBytesPerRow(b, db, rows)
}

func BenchmarkHistoryFilteredPage(b *testing.B) {
	db, rows := benchFixture(b)
	benches := []struct {
		name string
		f    HistoryFilter
	}{
		// 1 row in 50: the raw pre-check rejects the other 49 without decoding them.
		{"text-zh-1in50", HistoryFilter{Text: "紧急"}},
		// 1 row in 100, matched case-insensitively in ErrorCode.
		{"text-ascii-1in100", HistoryFilter{Text: "TIMEOUT"}},
		// Exact fields give the pre-check nothing to go on: every row scanned is decoded.
		{"target-prefix-1in10", HistoryFilter{Target: "private:"}},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, err := db.HistoryPage(0, 100, bb.f)
				if err != nil || len(page) != 100 {
					b.Fatalf("page of %d rows, %v", len(page), err)
				}
			}
			b.StopTimer()
			reportBytesPerRow(b, db, rows)
		})
	}
}
