package store

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// openTest opens a store in a fresh temporary directory and closes it when the test ends.
func openTest(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(tb.TempDir())
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// zhMessages are the short chat messages sample rows carry. None contains "紧急", which
// sampleRecord puts into every 50th row only.
var zhMessages = []string{
	"今晚八点开会，请大家准时参加",
	"收到，谢谢！",
	"[图片]明天的活动安排见图",
	"好的，我马上处理一下",
	"周末有人一起打球吗？",
	"文件已经发到群里了，请查收",
	"Build #1024 通过，可以发布",
}

// sampleRecord is a realistic history row: an action, a target, a short Chinese message and
// request/response JSON of about 200 bytes. Every 50th row is an "紧急" (urgent) message, every
// 10th is a private send, every 100th failed with error code "timeout".
func sampleRecord(i int) core.HistoryRecord {
	msg := zhMessages[i%len(zhMessages)]
	if i%50 == 0 {
		msg = "紧急：服务器 CPU 告警，请值班同学查看"
	}
	action, target := "send_group_msg", fmt.Sprintf("group:%d", 700000000+i%37)
	if i%10 == 3 {
		action, target = "send_private_msg", fmt.Sprintf("private:%d", 10000+i%101)
	}
	origins := []string{core.OriginGUI, core.OriginUCBI, core.OriginOneBot, core.OriginCLI}
	r := core.HistoryRecord{
		Time:      time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Origin:    origins[i%len(origins)],
		Source:    []string{"napcat-main", "lagrange-2"}[i%2],
		Action:    action,
		Target:    target,
		Message:   msg,
		Outcome:   core.OutcomeOK,
		LatencyUS: int64(1500 + i%9000),
		MessageID: fmt.Sprint(1_900_000_000 + i),
	}
	req, _ := json.Marshal(map[string]any{
		"action":  action,
		"context": map[string]any{"platform": "qq", "via": "onebot11", "extra": map[string]string{"config_id": r.Source}},
		"params":  map[string]any{"message": msg},
	})
	r.Request = req
	if i%100 == 1 {
		r.Outcome, r.ErrorCode, r.Retcode, r.Text = core.OutcomeError, "timeout", 1200, "backend did not answer in 10s"
		r.Response = json.RawMessage(`{"status":"failed","retcode":1200,"error_code":"timeout","message":"backend did not answer in 10s"}`)
	} else {
		r.Response = json.RawMessage(fmt.Sprintf(`{"status":"ok","retcode":0,"data":{"message_id":"%d"}}`, 1_900_000_000+i))
	}
	return r
}

// fillHistory writes n rows made by gen straight into the history bucket in large transactions,
// the same way the writer stores them (much faster than AppendHistory for big fixtures).
func fillHistory(tb testing.TB, db *DB, n int, gen func(i int) core.HistoryRecord) {
	tb.Helper()
	const perTx = 50_000
	for start := 0; start < n; start += perTx {
		end := min(start+perTx, n)
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketHistory)
			b.FillPercent = appendFillPercent
			for i := start; i < end; i++ {
				r := gen(i)
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				r.Seq = seq
				v, err := json.Marshal(&r)
				if err != nil {
					return err
				}
				if err := b.Put(u64key(seq), v); err != nil {
					return err
				}
			}
			return addHistoryRows(tx, uint64(end-start))
		})
		if err != nil {
			tb.Fatalf("fill history: %v", err)
		}
	}
}
