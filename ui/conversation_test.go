package ui

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

func napcatSource() []core.Source {
	return []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}}
}

// openConversation waits for the screen's conversations and opens target's.
func openConversation(r *rig, s *conversationsScreen, target string) *conversation {
	r.t.Helper()
	var c *conversation
	r.waitFor("the conversation "+target, func() bool {
		for i, cv := range s.order {
			if cv.key.target == target {
				c = cv
				s.list.Select(i)
				return true
			}
		}
		return false
	})
	r.wait("conversation.history")
	return c
}

func TestConversationMergesIncomingAndOurSends(t *testing.T) {
	now := time.Now()
	feed := newMemEventFeed()
	feed.Append(
		msgEvent(testMsg{group: "20001", user: "10002", name: "张三", card: "群主的朋友", role: "admin", text: "first", msgID: "1", at: now.Add(-2 * time.Minute)}),
		msgEvent(testMsg{user: "10003", name: "李四", text: "a private word", msgID: "2", at: now.Add(-90 * time.Second)}),
	)
	r := newEventRig(t, rigOptions{screen: "conversations", bot: true, sources: napcatSource()}, feed)

	// Our send to the group, from the UCBI door, lands in history between the two messages.
	req, err := core.DecodeRequest([]byte(`{"action":"send_group_message","context":{"via":"coolq-http-api","group_id":"20001","extra":{"config_id":"napcat"}},"params":{"message":"our answer"}}`))
	must(t, err)
	if _, err := r.d.Call(t.Context(), core.OriginUCBI, req); err != nil {
		t.Fatal(err)
	}
	feed.Append(msgEvent(testMsg{group: "20001", user: "10003", name: "李四", text: "second", msgID: "3", at: now.Add(time.Minute)}))

	s := r.e.screen("conversations").(*conversationsScreen)
	r.waitFor("two conversations", func() bool { return len(s.order) == 2 && s.order[0].key.target == "group:20001" })
	r.ui(func() {
		g := s.order[0]
		if g.unread != 1 || !strings.Contains(g.last, "second") || g.title != "20001" {
			t.Errorf("group row: unread %d, last %q, title %q", g.unread, g.last, g.title)
		}
		if p := s.order[1]; p.key.target != "private:10003" || p.title != "李四" {
			t.Errorf("private row: %+v", p.key)
		}
	})
	c := openConversation(r, s, "group:20001")
	r.ui(func() {
		if c.unread != 0 {
			t.Errorf("unread after opening: %d", c.unread)
		}
		var got []string
		for _, l := range s.lines {
			got = append(got, l.who()+"|"+l.msg.PlainText())
		}
		want := []string{"群主的朋友|first", "Me|our answer", "李四|second"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("chat %q, want %q", got, want)
		}
		all := strings.Join(segTexts(s.chat), "\n")
		for _, w := range []string{"群主的朋友 (张三) · admin", "Me · ucbi", "our answer"} {
			if !strings.Contains(all, w) {
				t.Errorf("the chat does not show %q:\n%s", w, all)
			}
		}
	})

	// Live: a new message in the open chat appears in it, unread stays 0.
	feed.Append(msgEvent(testMsg{group: "20001", user: "10002", name: "张三", text: "third", msgID: "4", at: now.Add(2 * time.Minute)}))
	r.waitFor("the live line", func() bool { return len(s.lines) == 4 })
	r.ui(func() {
		if c.unread != 0 || s.lines[3].msg.PlainText() != "third" {
			t.Errorf("live: unread %d, last %q", c.unread, s.lines[3].msg.PlainText())
		}
	})

	// A send that comes back as our own *sent event is shown once.
	merged := mergeChat([]chatMsg{{data: core.MessageEventData{Sent: true, MessageID: "77"}, at: now}},
		[]core.HistoryRecord{{MessageID: "77", Time: now, Action: "send_message"}, {MessageID: "78", Time: now.Add(time.Second), Action: "send_message"}})
	if len(merged) != 2 || merged[1].hist == nil || merged[1].hist.MessageID != "78" {
		t.Errorf("merged %+v", merged)
	}
}

func TestConversationReplyKeepsTheEventContext(t *testing.T) {
	feed := newMemEventFeed()
	stored := feed.Append(msgEvent(testMsg{group: "20001", user: "10002", name: "张三", text: "who is there?", msgID: "555"}))
	r := newEventRig(t, rigOptions{screen: "conversations", bot: true, sources: napcatSource()}, feed)
	s := r.e.screen("conversations").(*conversationsScreen)
	openConversation(r, s, "group:20001")

	rb := s.reply
	r.ui(func() {
		if !strings.Contains(rb.targetLb.Text, "张三: who is there?") {
			t.Errorf("reply target %q", rb.targetLb.Text)
		}
		rb.quote.SetChecked(true)
		rb.at.SetChecked(true)
		rb.image.SetText("https://example.com/cat.png")
	})
	r.typeIn(rb.text, "me!")
	r.tap(rb.send)
	r.wait("conversation.sent")

	r.ui(func() {
		if !strings.HasPrefix(rb.result.Text, "Sent") {
			t.Fatalf("result %q", rb.result.Text)
		}
	})
	// What the backend received: the group of the event, the quote, the @, the text, the image.
	reqs := r.bot.Requests()
	last := reqs[len(reqs)-1]
	if last.Action != "send_group_msg" && last.Action != "send_msg" {
		t.Fatalf("backend got %s", last.Action)
	}
	if gid, _ := json.Marshal(last.Params["group_id"]); strings.Trim(string(gid), `"`) != "20001" {
		t.Errorf("group_id %s", gid)
	}
	segs, _ := json.Marshal(last.Params["message"])
	for _, w := range []string{`"type":"reply"`, `"id":"555"`, `"type":"at"`, `"qq":"10002"`, `"text":"me!"`, `"file":"https://example.com/cat.png"`} {
		if !strings.Contains(string(segs), w) {
			t.Errorf("backend message %s lacks %s", segs, w)
		}
	}
	// The UCBI request (as history keeps it): the event's context unchanged, plus the message.
	rows, err := r.db.HistoryPage(0, 1, store.HistoryFilter{})
	must(t, err)
	var req core.Request
	must(t, json.Unmarshal(rows[0].Request, &req))
	want, _ := json.Marshal(stored[0].Event.Context)
	got, _ := json.Marshal(req.Context)
	if string(got) != string(want) || req.Action != "send_message" {
		t.Errorf("request context %s, want the event's %s (action %s)", got, want, req.Action)
	}
	var msg core.Message
	must(t, json.Unmarshal(req.Params["message"], &msg))
	if len(msg) != 5 || msg[0].Type != "*reply" || msg[1].Type != "at" || msg[3].Text != "me!" || msg[4].Type != "image" {
		t.Errorf("request message %+v", msg)
	}
	// Our send is in the chat now, from history.
	r.ui(func() {
		if n := len(s.lines); n != 2 || s.lines[1].hist == nil {
			t.Errorf("chat after the send: %d lines", n)
		}
	})

	// Recall our message: *delete_msg with its id, to the same context.
	r.ui(func() {
		m := &s.lines[1]
		s.recall(m)
	})
	r.wait("conversation.recall")
	if r.bot.Count("delete_msg") != 1 {
		t.Errorf("the backend got %d delete_msg", r.bot.Count("delete_msg"))
	}

	// Open in Compose: the context (and the quote) go to Compose.
	r.ui(func() {
		rb.quote.SetChecked(true)
		rb.text.SetText("longer answer")
		test.Tap(rb.compose)
	})
	r.idle()
	r.ui(func() {
		cs, ok := r.e.screen("compose").(*composeScreen)
		if !ok {
			t.Fatal("no compose screen")
		}
		if cs.idEntry.Text != "20001" || len(cs.rows) != 2 || cs.rows[0].typ != "*reply" || cs.rows[0].fields["id"].Text != "555" {
			t.Errorf("compose: target %q, rows %d", cs.idEntry.Text, len(cs.rows))
		}
	})
}

// A flood over many groups keeps at most convKeepTotal messages in memory: the least recently
// active conversations drop theirs (keeping their row), and opening one reads them again.
func TestConversationsBoundTheMessagesKeptAndReadDroppedOnesAgain(t *testing.T) {
	feed := newMemEventFeed()
	r := newEventRig(t, rigOptions{screen: "conversations", bot: true, sources: napcatSource()}, feed)
	s := r.e.screen("conversations").(*conversationsScreen)
	r.waitFor("the conversations loaded", func() bool { return s.ready })

	const groups, each = 40, 60 // 2,400 messages > convKeepTotal
	if groups*each <= convKeepTotal {
		t.Fatalf("the test needs more than %d messages", convKeepTotal)
	}
	// Group g's messages come in one burst, in order, oldest group first: group 0 is the least
	// recently active at the end. Bursts of at most hubKeep/2 so that the hub keeps them all.
	var batch []core.StoredEvent
	flush := func() {
		last := feed.Append(batch...)
		batch = nil
		id := last[len(last)-1].ID
		r.waitFor("the conversations to take the burst", func() bool { return s.cursor == id })
	}
	for g := range groups {
		for i := range each {
			batch = append(batch, msgEvent(testMsg{group: fmt.Sprint(30000 + g), user: fmt.Sprint(100 + i%7), name: "群友",
				text: fmt.Sprintf("g%d m%d", g, i), msgID: fmt.Sprint(g*each + i + 1)}))
		}
		if len(batch) >= hubKeep/2 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}

	var oldest *conversation
	r.ui(func() {
		kept := 0
		for _, c := range s.convs {
			kept += len(c.msgs)
		}
		if kept != s.kept || kept > convKeepTotal {
			t.Errorf("kept %d messages (counted %d), want at most %d", kept, s.kept, convKeepTotal)
		}
		if len(s.order) != groups {
			t.Fatalf("%d conversations listed, want %d", len(s.order), groups)
		}
		oldest = s.convs[convKey{source: "napcat", target: "group:30000"}]
		if oldest == nil || !oldest.dropped || len(oldest.msgs) != 0 {
			t.Fatalf("the least recently active conversation kept its messages: %+v", oldest)
		}
		if oldest.unread != each || !strings.Contains(oldest.last, fmt.Sprintf("g0 m%d", each-1)) {
			t.Errorf("a dropped conversation's row: unread %d, last %q", oldest.unread, oldest.last)
		}
		if newest := s.order[0]; newest.dropped || len(newest.msgs) != each {
			t.Errorf("the newest conversation keeps %d messages (dropped %v), want %d", len(newest.msgs), newest.dropped, each)
		}
	})

	// Opening it reads its messages from the feed again, in order. (Polled: the rig's wait
	// would race the source monitor's background checks over this long test.)
	r.ui(func() { s.openConv(oldest) })
	r.waitFor("its messages read again", func() bool { return len(s.lines) >= each })
	r.ui(func() {
		if len(s.lines) != each {
			t.Fatalf("the reopened chat shows %d lines, want %d", len(s.lines), each)
		}
		for i, l := range s.lines {
			if want := fmt.Sprintf("g0 m%d", i); l.msg.PlainText() != want {
				t.Fatalf("line %d is %q, want %q", i, l.msg.PlainText(), want)
			}
		}
		if oldest.dropped {
			t.Error("still marked dropped after reading its messages again")
		}
		if oldest.names["100"] != "群友" {
			t.Errorf("the reopened conversation's senders are not named again: %v", oldest.names)
		}
	})
}

// A chat followed at the bottom while its group floods stays a window of about chatKeep lines
// (the oldest leave the view and memory) instead of growing or being redrawn whole.
func TestOpenChatFollowedLiveKeepsAWindowOfLines(t *testing.T) {
	feed := newMemEventFeed()
	feed.Append(msgEvent(testMsg{group: "20001", user: "10002", name: "张三", text: "m0", msgID: "1"}))
	r := newEventRig(t, rigOptions{screen: "conversations", bot: true, sources: napcatSource()}, feed)
	s := r.e.screen("conversations").(*conversationsScreen)
	var c *conversation
	r.waitFor("the conversation", func() bool {
		c = s.convs[convKey{source: "napcat", target: "group:20001"}]
		return c != nil
	})
	r.ui(func() { s.openConv(c) })
	r.waitFor("the chat", func() bool { return len(s.lines) == 1 })

	n := 1
	for range 3 * chatKeep / 50 { // bursts of 50, as a busy group's batches
		var burst []core.StoredEvent
		for range 50 {
			burst = append(burst, msgEvent(testMsg{group: "20001", user: "10002", name: "张三", text: fmt.Sprintf("m%d", n), msgID: fmt.Sprint(n + 1)}))
			n++
		}
		last := feed.Append(burst...)
		id := last[len(last)-1].ID
		r.waitFor("the burst in the chat", func() bool { return s.cursor == id })
		r.ui(func() {
			if len(s.lines) > chatKeep+chatKeep/4+50 {
				t.Fatalf("the chat shows %d lines, want about %d", len(s.lines), chatKeep)
			}
			if len(s.chat.Objects) != len(s.lines)+1 {
				t.Fatalf("%d objects in the chat for %d lines (+ Load older)", len(s.chat.Objects), len(s.lines))
			}
		})
	}
	r.ui(func() {
		if got := s.lines[len(s.lines)-1].msg.PlainText(); got != fmt.Sprintf("m%d", n-1) {
			t.Errorf("the last line is %q, want m%d", got, n-1)
		}
		first := s.lines[0].ev.ID
		if c.oldest != first || c.msgs[0].ev.ID != first {
			t.Errorf("oldest %d, first kept message %d, first line %d: Load older must go on from the first line", c.oldest, c.msgs[0].ev.ID, first)
		}
		if len(s.lines) >= n {
			t.Errorf("no line left the view: %d lines for %d messages", len(s.lines), n)
		}
	})
}

// "Open conversation" from the Inbox before the Conversations screen was ever built: the screen
// reads the stored conversations in the background, and the event opened meanwhile is among
// them. The chat shows each message once (it showed the opened one twice).
func TestOpenConversationBeforeTheScreenLoadedShowsEachMessageOnce(t *testing.T) {
	now := time.Now()
	feed := newMemEventFeed()
	stored := feed.Append(
		msgEvent(testMsg{group: "20002", user: "10002", name: "张三", text: "晚上八点老地方集合", msgID: "1", at: now.Add(-time.Minute)}),
		msgEvent(testMsg{group: "20002", user: "10003", name: "李四", text: "好", msgID: "2", at: now}),
	)
	r := newEventRig(t, rigOptions{screen: "inbox", bot: true, sources: napcatSource()}, feed)
	r.ui(func() { openConversationOf(r.e, stored[0]) }) // builds the screen and opens, under one lock
	s := r.e.screen("conversations").(*conversationsScreen)
	r.waitFor("the chat open", func() bool { return s.ready && s.open != nil && len(s.lines) > 0 })
	r.wait("conversation.history")
	r.ui(func() {
		seen := map[uint64]int{}
		for _, l := range s.lines {
			if l.ev != nil {
				seen[l.ev.ID]++
			}
		}
		if len(seen) != 2 || seen[stored[0].ID] != 1 || seen[stored[1].ID] != 1 {
			t.Errorf("the chat shows events %v, want each of %d and %d once", seen, stored[0].ID, stored[1].ID)
		}
		if s.reply.target == nil || s.reply.target.ev.ID != stored[0].ID {
			t.Errorf("the reply is not aimed at the opened message")
		}
	})
}
