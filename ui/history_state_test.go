package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// The detail shows the UCBI request beside the OneBot request the backend received, for a UCBI
// send and for a bot's call; Send again heads the detail (seen without scrolling at 1024×640)
// and works for a bot's call too, as *action through the same source.
func TestHistoryBothRequestsAndBotsSendAgain(t *testing.T) {
	size := fyne.NewSize(1024, 640)
	r := newRig(t, rigOptions{screen: "history", bot: true, size: size,
		sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}},
		seed: func(db *store.DB) {
			ucbi := core.HistoryRecord{Origin: core.OriginUCBI, Source: "napcat", Action: "send_message", Target: "group:20001", Outcome: core.OutcomeOK,
				Request: json.RawMessage(`{"action":"send_message","context":{"type":"group","group_id":"20001","extra":{"config_id":"napcat"}},"params":{"message":[{"type":"text","text":"你好"}]}}`)}
			bot := core.HistoryRecord{Origin: core.OriginOneBotWS, Source: "napcat", Action: "send_group_msg", Target: "group:20001", Outcome: core.OutcomeOK,
				Request: json.RawMessage(`{"group_id":20001,"message":"来自机器人"}`)}
			must(t, db.AppendHistory(&ucbi))
			must(t, db.AppendHistory(&bot))
		}})
	r.wait("history.page")
	r.idle()
	s := r.e.screen("history").(*historyScreen)

	r.ui(func() {
		if len(s.rows) != 2 || s.rows[0].Origin != core.OriginOneBotWS {
			t.Fatalf("rows %+v", s.rows)
		}
		s.list.Select(1) // the UCBI send
		if !strings.Contains(s.request.Text, `"action": "send_message"`) || !strings.Contains(s.onebotReq.Text, "POST /send_group_msg") ||
			!strings.Contains(s.onebotReq.Text, `"group_id": 20001`) {
			t.Errorf("UCBI send: UCBI %q OneBot %q", s.request.Text, s.onebotReq.Text)
		}
		s.list.Select(0) // the bot's
		if !strings.Contains(s.onebotReq.Text, "POST /send_group_msg") || !strings.Contains(s.onebotReq.Text, "来自机器人") ||
			!strings.Contains(s.request.Text, `"action": "*send_group_msg"`) || !strings.Contains(s.request.Text, `"config_id": "napcat"`) {
			t.Errorf("bot call: UCBI %q OneBot %q", s.request.Text, s.onebotReq.Text)
		}
		if s.sendBtn.Disabled() || s.sendWhy.Visible() {
			t.Errorf("a bot's call cannot be sent again: %q", s.sendWhy.Text)
		}
		// Send again lies inside the window, above its bottom edge
		relayout(r.w.Canvas().Content())
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(s.sendBtn)
		if pos.Y+s.sendBtn.Size().Height > size.Height || pos.X+s.sendBtn.Size().Width > size.Width || s.sendBtn.Size().Width == 0 {
			t.Errorf("Send again at %v size %v: outside the %v window", pos, s.sendBtn.Size(), size)
		}
	})
	r.tap(s.sendBtn)
	r.tapDialogButton("Send again")
	r.wait("history.sent")
	r.ui(func() {
		if !strings.HasPrefix(s.note.Text, "Sent again") {
			t.Errorf("note %q", s.note.Text)
		}
	})
	if n := r.bot.Count("send_group_msg"); n != 1 {
		t.Errorf("the backend got %d send_group_msg, want 1", n)
	}

	// A bot's call whose source is gone says why it cannot be sent again.
	r.ui(func() {
		gone := s.rows[len(s.rows)-1]
		gone.Origin, gone.Source = core.OriginOneBot, "removed"
		s.showDetail(&gone)
		if !s.sendBtn.Disabled() || !s.sendWhy.Visible() || !strings.Contains(s.sendWhy.Text, "removed") {
			t.Errorf("gone source: send enabled %v, why %q", !s.sendBtn.Disabled(), s.sendWhy.Text)
		}
	})
}

// Where the operator leaves the list/detail divider is where it is next time.
func TestHistorySplitOffsetRemembered(t *testing.T) {
	r := newRig(t, rigOptions{screen: "history"})
	r.wait("history.page")
	r.idle()
	var split *fyneSplit
	r.ui(func() { split = historySplit(r.w.Canvas().Content()) })
	if split == nil {
		t.Fatal("no list/detail split")
	}
	r.ui(func() {
		split.SetOffset(0.7)
		relayout(r.w.Canvas().Content()) // the GL driver lays out after a drag
	})
	r.idle() // the debounced save
	v, ok, err := r.db.Setting(keyHistorySplit)
	if err != nil || !ok || v != "0.700" {
		t.Fatalf("saved offset %q %v %v", v, ok, err)
	}
	// a fresh screen (a language switch rebuilds them all) starts where it was left
	r.ui(func() { r.e.setLanguage("zh") })
	r.idle()
	r.ui(func() { split = historySplit(r.w.Canvas().Content()) })
	if split == nil || split.Offset != 0.7 {
		t.Fatalf("rebuilt split at %v", split)
	}
}

type fyneSplit = container.Split

// historySplit is the first vertical split shown: History's list above its detail.
func historySplit(o fyne.CanvasObject) *fyneSplit {
	var found *fyneSplit
	walk(o, func(c fyne.CanvasObject) {
		if sp, ok := c.(*container.Split); ok && found == nil && !sp.Horizontal {
			found = sp
		}
	})
	return found
}

// At 1024×640 the detail's JSON is readable: the UCBI and OneBot requests share the whole
// width (a tab of their own, beside each other, half the window each), lines are kept and
// scroll sideways, Send again stays in the window. A window wide enough shows the fields, both
// requests and the response side by side, each pane still as wide as that.
func TestHistoryDetailReadableAt1024(t *testing.T) {
	size := fyne.NewSize(1024, 640)
	long := strings.Repeat("很长的一行消息 ", 30)
	r := newRig(t, rigOptions{screen: "history", bot: true, size: size, lang: "zh",
		sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}},
		seed: func(db *store.DB) {
			rec := core.HistoryRecord{Origin: core.OriginUCBI, Source: "napcat", Action: "send_message", Target: "group:20001", Outcome: core.OutcomeOK,
				Request:  json.RawMessage(`{"action":"send_message","context":{"type":"group","group_id":"20001","extra":{"config_id":"napcat"}},"params":{"message":[{"type":"text","text":"` + long + `"}]}}`),
				Response: json.RawMessage(`{"message_id":"12345"}`)}
			must(t, db.AppendHistory(&rec))
		}})
	r.wait("history.page")
	r.idle()
	s := r.e.screen("history").(*historyScreen)
	paneOf := func(l *widget.Label) *container.Scroll {
		var found *container.Scroll
		walk(r.w.Canvas().Content(), func(o fyne.CanvasObject) {
			if sc, ok := o.(*container.Scroll); ok && sc.Content == l {
				found = sc
			}
		})
		return found
	}
	minPane := float32(400) // about 50 monospace characters (before: 230 px)
	r.ui(func() {
		s.list.Select(0)
		content := r.w.Canvas().Content()
		relayout(content)
		checkInside(t, content, fyne.NewPos(0, 0), size)
		for _, l := range []*widget.Label{s.request, s.onebotReq} {
			sc := paneOf(l)
			if sc == nil {
				t.Fatalf("%q is not shown in a scrolling pane at 1024×640", strings.SplitN(l.Text, "\n", 2)[0])
			}
			if sc.Size().Width < minPane || sc.Direction != container.ScrollBoth {
				t.Errorf("a request pane is %v wide (scrolling %v), want ≥ %v and sideways too", sc.Size().Width, sc.Direction, minPane)
			}
			if l.Wrapping != fyne.TextWrapOff || l.MinSize().Width <= sc.Size().Width {
				t.Errorf("the JSON breaks its lines (wrapping %v, %v wide in a %v pane)", l.Wrapping, l.MinSize().Width, sc.Size().Width)
			}
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(s.sendBtn)
		if !s.sendBtn.Visible() || pos.Y+s.sendBtn.Size().Height > size.Height || pos.X+s.sendBtn.Size().Width > size.Width {
			t.Errorf("Send again at %v size %v: outside the %v window", pos, s.sendBtn.Size(), size)
		}
		if !strings.Contains(s.title.Text, "ok") {
			t.Errorf("the title %q does not say the outcome", s.title.Text)
		}
	})

	wide := fyne.NewSize(1920, 1000)
	r.ui(func() {
		r.w.Resize(wide)
		content := r.w.Canvas().Content()
		relayout(content)
		checkInside(t, content, fyne.NewPos(0, 0), wide)
		for _, l := range []*widget.Label{s.request, s.onebotReq, s.response} {
			if sc := paneOf(l); sc == nil || sc.Size().Width < minPane {
				t.Errorf("wide: a JSON pane is not shown side by side, %v wide", sc)
			}
		}
		if !s.meta.Visible() || s.meta.Size().Width == 0 {
			t.Error("wide: the call's fields are not shown beside the JSON")
		}
	})
}
