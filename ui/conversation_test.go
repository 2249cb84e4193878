package ui

import (
	"encoding/json"
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
