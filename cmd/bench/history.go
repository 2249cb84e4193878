package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
	"ucbi-console/store"
)

// benchRow is a history row like the ones the OneBot route writes: ~1% of them (every 100th)
// carry the word 告警, which the filtered page looks for.
func benchRow(i int) core.HistoryRecord {
	text := "今晚八点开会，请大家准时参加 #" + strconv.Itoa(i)
	if i%100 == 7 {
		text = "紧急告警：服务器 CPU 使用率过高 #" + strconv.Itoa(i)
	}
	group := strconv.Itoa(20001 + i%37)
	req, _ := json.Marshal(map[string]any{"group_id": 20001 + i%37, "message": text})
	mid := strconv.Itoa(1_000_000 + i)
	return core.HistoryRecord{
		Time:      time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Origin:    core.OriginOneBot,
		Source:    "napcat",
		Action:    "send_group_msg",
		Target:    "group:" + group,
		Message:   text,
		Outcome:   core.OutcomeOK,
		LatencyUS: int64(900 + i%3000),
		MessageID: mid,
		Request:   req,
		Response:  json.RawMessage(`{"status":"ok","retcode":0,"data":{"message_id":` + mid + `},"message":"","wording":"","echo":null}`),
	}
}

// benchHistory measures appends and pages; it returns how many targets were missed.
func benchHistory(c config, tmp string) (int, error) {
	fmt.Printf("\nHistory (append-only journal, one fdatasync per group commit, indexed into bbolt behind it; in %s)\n", os.TempDir())
	misses := 0

	// serial appends: each waits for its own commit
	db, err := store.Open(filepath.Join(tmp, "serial"))
	if err != nil {
		return 0, err
	}
	maxSerial := 200_000
	n, took, err := appendFor(db, 1, c.duration, maxSerial)
	_ = db.Close()
	if err != nil {
		return 0, err
	}
	fmt.Printf("  append, 1 writer:    %8.0f rows/s  %7.1f µs/row  (%d rows, one commit each)\n",
		float64(n)/took.Seconds(), float64(took.Microseconds())/float64(n), n)

	// concurrent appends: group commit
	db, err = store.Open(filepath.Join(tmp, "concurrent"))
	if err != nil {
		return 0, err
	}
	c0 := db.HistoryCommits()
	n, took, err = appendFor(db, 32, c.duration, 2_000_000)
	commits := db.HistoryCommits() - c0
	commitsNote := fmt.Sprintf("%.3f syncs per row (%.1f rows per sync)", float64(commits)/float64(n), float64(n)/float64(max(commits, 1)))
	_ = db.Close()
	if err != nil {
		return 0, err
	}
	fmt.Printf("  append, 32 writers:  %8.0f rows/s  %7.1f µs/row  (%d rows; %s)\n",
		float64(n)/took.Seconds(), float64(took.Microseconds())/float64(n), n, commitsNote)

	// a million rows
	dir := filepath.Join(tmp, "million")
	db, err = store.Open(dir)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	how, err := fill(db, c.rows)
	if err != nil {
		_ = db.Close()
		return 0, err
	}
	fillTook := time.Since(start)
	if err := db.Close(); err != nil {
		return 0, err
	}
	fmt.Printf("  filled %d rows in %s (%.0f rows/s, %s)\n", c.rows, fillTook.Round(time.Millisecond), float64(c.rows)/fillTook.Seconds(), how)

	start = time.Now()
	db, err = store.Open(dir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	openTook := time.Since(start)
	count, err := db.HistoryCount()
	if err != nil {
		return 0, err
	}
	if count != c.rows {
		return 0, fmt.Errorf("the store counts %d rows after filling %d", count, c.rows)
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		return 0, err
	}
	fmt.Printf("  reopened in %s; file %.1f MB = %.0f bytes per row\n", openTook.Round(time.Microsecond), float64(fi.Size())/1e6, float64(fi.Size())/float64(c.rows))

	newest, err := timePage(db, store.HistoryFilter{}, 100, 50)
	if err != nil {
		return 0, err
	}
	ok := newest.median <= targetNewestPage
	if !ok {
		misses++
	}
	fmt.Printf("  newest 100 of %d:    median %s, worst %s, first %s (target ≤ %s) %s\n", c.rows,
		ms(newest.median), ms(newest.worst), ms(newest.first), ms(targetNewestPage), verdict(ok))

	filtered, err := timePage(db, store.HistoryFilter{Text: "告警"}, 100, 20)
	if err != nil {
		return 0, err
	}
	fmt.Printf("  filtered page (text \"告警\", 1 row in 100): 100 rows in median %s, worst %s\n", ms(filtered.median), ms(filtered.worst))
	byTarget, err := timePage(db, store.HistoryFilter{Target: "group:20005"}, 100, 20)
	if err != nil {
		return 0, err
	}
	fmt.Printf("  filtered page (target group:20005, 1 row in 37): 100 rows in median %s, worst %s\n", ms(byTarget.median), ms(byTarget.worst))
	return misses, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// workFor runs step from `workers` goroutines for d, or until maxItems items are done; step(i)
// does the i-th unit of work (i counts from 1) and says how many items it did. It returns the
// items done, the time taken, and the first error (which stops that worker).
func workFor(workers int, d time.Duration, maxItems int, step func(i int) (int, error)) (int, time.Duration, error) {
	var units, items atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && items.Load() < int64(maxItems) {
				n, err := step(int(units.Add(1)))
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				items.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, 0, err
	}
	return int(items.Load()), took, nil
}

// appendFor appends rows from `writers` goroutines for d (about maxRows rows at most).
func appendFor(db *store.DB, writers int, d time.Duration, maxRows int) (int, time.Duration, error) {
	return workFor(writers, d, maxRows, func(i int) (int, error) {
		r := benchRow(i)
		return 1, db.AppendHistory(&r)
	})
}

// fill stores n rows as fast as the store allows: 50,000 rows per BulkAppendHistory call.
func fill(db *store.DB, n int) (string, error) {
	const chunk = 50_000
	rows := make([]core.HistoryRecord, 0, chunk)
	for i := 0; i < n; i += chunk {
		rows = rows[:0]
		for j := i; j < min(i+chunk, n); j++ {
			rows = append(rows, benchRow(j))
		}
		if err := db.BulkAppendHistory(rows); err != nil {
			return "", err
		}
	}
	return "store.BulkAppendHistory, 50,000 rows per call", nil
}

type pageTiming struct{ first, median, worst time.Duration }

// timePage reads the same page reps times and reports the first, median and worst time.
func timePage(db *store.DB, f store.HistoryFilter, limit, reps int) (pageTiming, error) {
	var ts []time.Duration
	for range reps {
		start := time.Now()
		page, err := db.HistoryPage(0, limit, f)
		took := time.Since(start)
		if err != nil {
			return pageTiming{}, err
		}
		if len(page) != limit {
			return pageTiming{}, fmt.Errorf("page %+v: %d rows, want %d", f, len(page), limit)
		}
		ts = append(ts, took)
	}
	t := pageTiming{first: ts[0]}
	slices.Sort(ts)
	t.median, t.worst = ts[len(ts)/2], ts[len(ts)-1]
	return t, nil
}
