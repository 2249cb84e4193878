package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// eventRig is a rig whose app has an in-memory event feed.
func newEventRig(t *testing.T, o rigOptions, feed *memEventFeed) *rig {
	t.Helper()
	prev := o.deps
	o.deps = func(d *Deps) {
		d.Events = feed
		if prev != nil {
			prev(d)
		}
	}
	r := newRig(t, o)
	t.Cleanup(func() { stopHub(r.e) })
	return r
}

// waitFor polls cond (under the UI lock) until it holds, or fails after a deadline.
func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := false
		r.ui(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testMsg describes a message event for the tests.
type testMsg struct {
	source  string
	group   string // "" = private
	user    string
	name    string // nickname
	card    string
	role    string
	text    string
	msgID   string
	at      time.Time
	sent    bool
	message core.Message // instead of text
}

func msgEvent(m testMsg) core.StoredEvent {
	if m.source == "" {
		m.source = "napcat"
	}
	if m.at.IsZero() {
		m.at = time.Now()
	}
	ctx := core.Context{Platform: "qq", Via: onebot.Via, UserID: core.ID(m.user)}.WithSource(m.source)
	typ := core.TypePrivate
	if m.group != "" {
		typ = core.TypeGroup
		ctx.GroupID = core.ID(m.group)
	}
	ctx.Type = typ
	msg := m.message
	if msg == nil {
		msg = core.Message{{Type: "text", Text: m.text}}
	}
	d := core.MessageEventData{Type: typ, Message: msg, SenderID: core.ID(m.user), SenderName: m.name,
		Sender: firstNonEmpty(m.card, m.name), SenderRole: m.role, GroupID: core.ID(m.group),
		MessageID: core.ID(m.msgID), Sent: m.sent}
	data, _ := json.Marshal(d)
	raw, _ := json.Marshal(map[string]any{"post_type": "message", "message_type": typ, "user_id": m.user,
		"group_id": m.group, "message_id": m.msgID, "raw_message": m.text})
	return core.StoredEvent{Source: m.source, Via: onebot.Via, Received: m.at, Kind: "message." + typ,
		Event: core.Event{Type: core.EventMessage, Time: m.at.Unix(), Context: &ctx, Data: data}, Raw: raw}
}

func noticeEvent(source, notice string) core.StoredEvent {
	data, _ := json.Marshal(core.NoticeEventData{Notice: notice, UserID: "42", GroupID: "7"})
	return core.StoredEvent{Source: source, Via: onebot.Via, Kind: "notice." + notice,
		Event: core.Event{Type: core.EventNotice, Time: time.Now().Unix(), Data: data}, Raw: json.RawMessage(`{"post_type":"notice"}`)}
}

func manyEvents(n int, from int) []core.StoredEvent {
	out := make([]core.StoredEvent, n)
	for i := range out {
		out[i] = msgEvent(testMsg{group: "123", user: fmt.Sprint(1000 + (from+i)%3), name: "u", text: fmt.Sprintf("line %d", from+i)})
	}
	return out
}

func TestInboxStreamFollowsAndCountsNew(t *testing.T) {
	feed := newMemEventFeed()
	feed.Append(manyEvents(100, 0)...)
	r := newEventRig(t, rigOptions{screen: "inbox"}, feed)
	s := r.e.screen("inbox").(*inboxScreen)
	r.waitFor("the stored events", func() bool { return len(s.rows) == 100 })

	// Events arrive → rows appear at the bottom, the list follows them.
	feed.Append(manyEvents(5, 100)...)
	r.waitFor("5 live rows", func() bool { return len(s.rows) == 105 })
	r.ui(func() {
		if got := s.rows[104].text; got != "line 104" {
			t.Errorf("last row %q", got)
		}
		if !s.atBottom() || s.newBtn.Visible() {
			t.Errorf("following: atBottom %v, new button shown %v", s.atBottom(), s.newBtn.Visible())
		}
		if !strings.Contains(s.status.Text, "Following") {
			t.Errorf("status %q", s.status.Text)
		}
	})

	// Scrolled up: new rows go below the view and are counted on the "N new" button.
	r.ui(func() { s.list.ScrollToTop() })
	feed.Append(manyEvents(4, 105)...)
	r.waitFor("4 new", func() bool { return s.newBtn.Visible() && s.newBtn.Text == "4 new" })
	r.ui(func() {
		if s.atBottom() {
			t.Error("the list jumped to the bottom while the operator was reading above")
		}
		test.Tap(s.newBtn)
	})
	r.idle()
	r.ui(func() {
		if !s.atBottom() || s.newBtn.Visible() || len(s.rows) != 109 {
			t.Errorf("after tapping new: atBottom %v, button %v, rows %d", s.atBottom(), s.newBtn.Visible(), len(s.rows))
		}
	})

	// Paused: nothing moves; resume reads the newest again.
	r.ui(func() { test.Tap(s.pauseBtn) })
	feed.Append(manyEvents(3, 109)...)
	r.waitFor("3 new while paused", func() bool { return s.newBtn.Text == "3 new" })
	r.ui(func() {
		if len(s.rows) != 109 || s.pauseBtn.Text != "Resume" {
			t.Errorf("paused: rows %d, button %q", len(s.rows), s.pauseBtn.Text)
		}
		test.Tap(s.pauseBtn)
	})
	r.waitFor("resumed", func() bool { return len(s.rows) == 112 && !s.paused })

	// Selecting a row shows its UCBI and raw JSON side by side.
	r.ui(func() {
		s.list.Select(111)
		if !strings.Contains(s.detail.ucbi.Text, `"line 111"`) || !strings.Contains(s.detail.raw.Text, `"post_type": "message"`) {
			t.Errorf("detail: %q / %q", s.detail.ucbi.Text, s.detail.raw.Text)
		}
	})
}

func TestInboxPagesOlderEventsAndFilters(t *testing.T) {
	feed := newMemEventFeed()
	feed.Append(manyEvents(2000, 0)...)
	feed.Append(noticeEvent("napcat", "join_group"))
	r := newEventRig(t, rigOptions{screen: "inbox"}, feed)
	s := r.e.screen("inbox").(*inboxScreen)
	r.waitFor("the newest page", func() bool { return len(s.rows) == inboxPage && !s.loading })
	r.ui(func() {
		if !s.moreOlder || s.rows[len(s.rows)-1].ev.Event.Type != core.EventNotice {
			t.Fatalf("moreOlder %v, last %+v", s.moreOlder, s.rows[len(s.rows)-1].ev.Kind)
		}
		s.list.ScrollToTop() // the top rows are drawn: the page before them is read
	})
	r.waitFor("an older page", func() bool { return len(s.rows) == 2*inboxPage && !s.loading })
	r.ui(func() {
		if s.rows[0].ev.ID >= s.rows[1].ev.ID || s.list.GetScrollOffset() == 0 {
			t.Errorf("older rows: first id %d, offset %v (the view should stay where it was)", s.rows[0].ev.ID, s.list.GetScrollOffset())
		}
	})

	// Filters: by type, by user, by text.
	r.ui(func() { s.typ.SetSelectedIndex(2) }) // notices
	r.waitFor("notices only", func() bool { return !s.loading && len(s.rows) == 1 })
	r.ui(func() { s.typ.SetSelectedIndex(0); s.user.SetText("1001"); s.text.SetText("line 19") })
	r.waitFor("user and text", func() bool { return !s.loading && s.filter.user == "1001" && s.filter.text == "line 19" })
	r.waitFor("the scan", func() bool { return !s.loading && !s.moreOlder })
	r.ui(func() {
		// line 19, 190…199, 1900…1999 whose user is 1001 ((i)%3 == 1)
		want := 0
		for i := 0; i < 2000; i++ {
			if i%3 == 1 && strings.Contains(fmt.Sprintf("line %d", i), "line 19") {
				want++
			}
		}
		if len(s.rows) != want {
			t.Errorf("filtered rows %d, want %d", len(s.rows), want)
		}
		for _, it := range s.rows {
			if g, u := eventIDs(&it.ev, nil); u != "1001" || g != "123" || it.group != g || it.user != u {
				t.Errorf("row of %s/%s (the item says %s/%s) passed the filter", g, u, it.group, it.user)
			}
		}
	})
}

func TestInboxNotifiesPrivateMessagesAndMentionsWhenUnfocused(t *testing.T) {
	feed := newMemEventFeed()
	r := newEventRig(t, rigOptions{screen: "inbox",
		sources: []core.Source{{ID: "napcat", Via: onebot.Via, URL: "http://127.0.0.1:1", SelfID: "10001"}}}, feed)
	s := r.e.screen("inbox").(*inboxScreen)
	var got []string
	h := s.hub
	r.waitFor("the hub", func() bool { ready, _ := h.state(); return ready })
	r.idle() // the settings and self ids are read
	r.ui(func() {
		h.notify = func(n *fyne.Notification) { got = append(got, n.Title+": "+n.Content) }
		h.focused.Store(false)
	})
	feed.Append(
		msgEvent(testMsg{user: "1", name: "Alice", text: "hello"}),
		msgEvent(testMsg{group: "5", user: "2", name: "Bob", text: "not for us"}),
		msgEvent(testMsg{group: "5", user: "3", name: "Carol", message: core.Message{
			{Type: "at", Text: "@bot", Data: map[string]any{"user_id": "10001"}}, {Type: "text", Text: " ping"}}}),
	)
	r.waitFor("the rows", func() bool { return len(s.rows) == 3 })
	r.idle()
	r.ui(func() {
		if len(got) != 2 || got[0] != "Alice: hello" || !strings.HasPrefix(got[1], "Carol in 5") {
			t.Errorf("notifications %q", got)
		}
		// focused, or switched off: none
		got = nil
		h.focused.Store(true)
	})
	feed.Append(msgEvent(testMsg{user: "1", name: "Alice", text: "again"}))
	r.waitFor("row 4", func() bool { return len(s.rows) == 4 })
	r.idle()
	r.ui(func() {
		h.focused.Store(false)
		test.Tap(s.notify) // off
	})
	r.idle()
	feed.Append(msgEvent(testMsg{user: "1", name: "Alice", text: "and again"}))
	r.waitFor("row 5", func() bool { return len(s.rows) == 5 })
	r.idle()
	r.ui(func() {
		if len(got) != 0 {
			t.Errorf("notified while focused or switched off: %q", got)
		}
	})
	if v, _, _ := r.db.Setting(keyInboxNotify); v != "off" {
		t.Errorf("setting %q", v)
	}
}

func TestInboxAndConversationsFitSmallWindow(t *testing.T) {
	feed := newMemEventFeed()
	feed.Append(manyEvents(10, 0)...)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			r := newEventRig(t, rigOptions{screen: "inbox", lang: lang, size: fyne.NewSize(1024, 640)}, feed)
			for _, id := range []string{"inbox", "conversations"} {
				r.open(id)
				r.idle()
				r.ui(func() {
					min := r.w.Content().MinSize()
					if min.Width > 1024 || min.Height > 640 {
						t.Errorf("%s needs %v, more than 1024×640", id, min)
					}
				})
			}
		})
	}
}

// segTexts collects the text of every label, rich text, button and hyperlink under o.
func segTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, w.String())
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Hyperlink:
			out = append(out, w.Text)
		case *widget.Accordion:
			for _, it := range w.Items {
				out = append(out, it.Title)
				walk(it.Detail)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(w)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// An item's group and user (what the filters compare) are eventIDs' answer, whether the data
// was decoded as a message already or not.
func TestInboxItemIDsAgreeWithEventIDs(t *testing.T) {
	noContext := msgEvent(testMsg{group: "55", user: "66", text: "x"})
	noContext.Event.Context = nil
	for _, tc := range []struct {
		name        string
		ev          core.StoredEvent
		group, user string
	}{
		{"group message", msgEvent(testMsg{group: "123", user: "1001", text: "hi"}), "123", "1001"},
		{"private message", msgEvent(testMsg{user: "1002", text: "hi"}), "", "1002"},
		{"message without a context", noContext, "55", "66"},
		{"notice", noticeEvent("napcat", "group_increase"), "7", "42"},
	} {
		it := newInboxItem(tc.ev)
		g, u := eventIDs(&tc.ev, nil)
		if it.group != tc.group || it.user != tc.user || g != tc.group || u != tc.user {
			t.Errorf("%s: item %s/%s, eventIDs %s/%s, want %s/%s", tc.name, it.group, it.user, g, u, tc.group, tc.user)
		}
	}
}
