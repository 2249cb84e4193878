package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// historyRow is row i of the test history: even rows are group sends that worked, odd rows
// private sends that failed.
func historyRow(i int) core.HistoryRecord {
	r := core.HistoryRecord{
		Time:      time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Origin:    core.OriginUCBI,
		Source:    "napcat-主号",
		LatencyUS: int64(1000 + i),
		Message:   fmt.Sprintf("消息 %04d", i),
	}
	if i%2 == 0 {
		r.Action, r.Target, r.Outcome = "send_group_message", "group:20001", core.OutcomeOK
	} else {
		r.Action, r.Target, r.Outcome = "send_private_message", "private:10002", core.OutcomeError
		r.ErrorCode, r.Text = core.CodeBackendFailed, "账号被风控"
		r.Source = "gocq"
	}
	r.Request, _ = json.Marshal(map[string]any{"action": r.Action, "params": map[string]any{"message": r.Message}})
	r.Response = json.RawMessage(`{"message_id":"1"}`)
	return r
}

func TestHistoryPagesAndFilters(t *testing.T) {
	r := newRig(t, rigOptions{screen: "history", seed: func(db *store.DB) {
		appendHistory(t, db, 1000, historyRow)
	}})
	r.wait("history.page")
	s := r.e.screen("history").(*historyScreen)
	r.ui(func() {
		if len(s.rows) != historyPage || !s.more {
			t.Fatalf("first page: %d rows, more=%v", len(s.rows), s.more)
		}
		for i := 1; i < len(s.rows); i++ {
			if s.rows[i].Seq >= s.rows[i-1].Seq {
				t.Fatalf("not newest first at %d", i)
			}
		}
		if !strings.Contains(s.count.Text, "200 of 1000 calls loaded") {
			t.Errorf("count: %q", s.count.Text)
		}
	})

	// Scrolling to the end loads the next page (and only that).
	r.ui(func() { s.list.ScrollToBottom() })
	r.wait("history.page")
	r.ui(func() {
		if len(s.rows) != 2*historyPage {
			t.Errorf("after scrolling: %d rows", len(s.rows))
		}
	})

	// Filter by target: typed, applied after the pause.
	r.typeIn(s.target, "group:20001")
	r.wait("history.page")
	r.ui(func() {
		if len(s.rows) != historyPage {
			t.Errorf("group rows: %d", len(s.rows))
		}
		for _, row := range s.rows {
			if row.Target != "group:20001" {
				t.Fatalf("filtered row %+v", row)
			}
		}
	})

	// Outcome "Failed" with that target matches nothing.
	r.ui(func() { s.outcome.SetSelectedIndex(2) })
	r.wait("history.page")
	r.ui(func() {
		if len(s.rows) != 0 || !s.empty.Visible() || s.empty.Text != "No calls match." {
			t.Errorf("failed group rows: %d, empty label %q", len(s.rows), s.empty.Text)
		}
	})

	// Free text on Enter, source select.
	r.typeIn(s.target, "")
	r.ui(func() { s.outcome.SetSelectedIndex(0) })
	r.drain()
	r.typeIn(s.text, "消息 0007")
	r.ui(func() { s.text.OnSubmitted(s.text.Text) })
	r.wait("history.page")
	r.ui(func() {
		if len(s.rows) != 1 || s.rows[0].Message != "消息 0007" {
			t.Errorf("text search: %+v", s.rows)
		}
	})
	r.typeIn(s.text, "")
	r.ui(func() { s.text.OnSubmitted("") })
	r.wait("history.page")
	r.ui(func() {
		if len(s.rows) != historyPage {
			t.Errorf("cleared filter: %d rows", len(s.rows))
		}
	})

	// Detail: pretty JSON, buttons.
	r.ui(func() { s.list.Select(0) })
	r.ui(func() {
		if !strings.Contains(s.request.Text, "\n  \"action\": ") || !strings.Contains(s.response.Text, "\"message_id\": \"1\"") {
			t.Errorf("request %q response %q", s.request.Text, s.response.Text)
		}
		if s.saveCtxBtn.Disabled() || s.sendBtn.Disabled() {
			t.Errorf("a UCBI send row can be sent again and saved as a context")
		}
	})

	// Export the current filter as JSON lines.
	r.ui(func() { s.outcome.SetSelectedIndex(2) })
	r.wait("history.page")
	path := filepath.Join(t.TempDir(), "export.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r.ui(func() { s.exportTo(f, path) })
	r.wait("history.exported")
	lines := readLines(t, path)
	if len(lines) != 500 {
		t.Fatalf("exported %d lines, want 500", len(lines))
	}
	for _, l := range lines {
		var rec core.HistoryRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Outcome != core.OutcomeError {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	r.ui(func() {
		if !strings.Contains(s.count.Text, "Exported 500 calls to ") {
			t.Errorf("export note: %q", s.count.Text)
		}
	})
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestHistorySendAgainAndAutoRefresh(t *testing.T) {
	r := newRig(t, rigOptions{screen: "history", bot: true,
		sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, Flavor: "napcat", Default: true}}})
	r.wait("history.page")
	s := r.e.screen("history").(*historyScreen)

	// A call from the GUI lands in history; the screen picks it up when told.
	req, err := core.DecodeRequest([]byte(`{"action":"send_group_message","context":{"via":"coolq-http-api","group_id":"20001","extra":{"config_id":"napcat-主号"}},"params":{"message":"你好"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Call(t.Context(), core.OriginGUI, req); err != nil {
		t.Fatal(err)
	}
	r.ui(func() { r.e.notify(topicHistory) })
	r.wait("history.newer")
	r.ui(func() {
		if len(s.rows) != 1 || s.rows[0].Target != "group:20001" {
			t.Fatalf("rows %+v", s.rows)
		}
		s.list.Select(0)
	})
	r.tap(s.sendBtn)
	r.tapDialogButton("Send again")
	r.wait("history.sent")
	r.wait("history.newer")
	r.ui(func() {
		if !strings.HasPrefix(s.note.Text, "Sent again") {
			t.Errorf("note %q", s.note.Text)
		}
		if len(s.rows) != 2 || s.rows[0].Origin != core.OriginGUI || s.rows[0].Seq <= s.rows[1].Seq {
			t.Errorf("after sending again: %+v", s.rows)
		}
	})
	if n := r.bot.Count("send_group_msg") + r.bot.Count("send_msg"); n != 2 {
		t.Errorf("the backend got %d sends, want 2", n)
	}

	// A filter that matches nothing: new calls are read from the newest one scanned, without
	// reloading (rescanning) the whole history on every call.
	r.ui(func() { s.action.SetText("no_such_action") })
	r.wait("history.page")
	if _, err := r.d.Call(t.Context(), core.OriginGUI, req); err != nil {
		t.Fatal(err)
	}
	r.ui(func() { r.e.notify(topicHistory) })
	r.wait("history.newer")
	r.ui(func() {
		if len(s.rows) != 0 || s.top == 0 || s.total != 3 {
			t.Errorf("filtered: rows %d top %d total %d", len(s.rows), s.top, s.total)
		}
	})
	// asked for while a page loads, fetchNewer runs once the load is done
	r.ui(func() {
		s.loading = true
		s.fetchNewer()
		if !s.pendingNewer {
			t.Error("fetchNewer during a load should be pending")
		}
		s.loading = false
		s.runPendingNewer()
	})
	r.wait("history.newer")

	// Rows that hold no request to send cannot be sent again, and say why.
	for _, bad := range []core.HistoryRecord{
		{Origin: core.OriginOneBot, Action: "send_msg", Request: json.RawMessage(`{"message":"x"}`)},                            // never reached a source
		{Origin: core.OriginOneBot, Source: "gone", Action: "send_msg", Request: json.RawMessage(`{"message":"x"}`)},            // source removed
		{Origin: core.OriginGUI, Action: "get_status", Request: json.RawMessage(`{"group_id":"1"}`)},                            // not a UCBI request
		{Origin: core.OriginOneBot, Source: "napcat-主号", Action: "send_msg", Request: json.RawMessage(`["not","an","object"]`)}, // not an object
	} {
		r.ui(func() {
			if _, why := resendRequest(bad, s.sources); why == "" {
				t.Errorf("%+v: can be sent again", bad)
			}
		})
	}
}
