package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

const (
	chatKeep  = 200 // messages kept per conversation in memory
	chatShown = 200 // history rows read when a chat opens
	// convKeepTotal bounds the messages kept in memory across the conversations that are not
	// open: past it, the least recently active ones drop theirs (keeping title, last line and
	// unread count) and read them again from the store when opened. A flood over hundreds of
	// groups and friends would otherwise keep chatKeep messages for each.
	convKeepTotal = 1000
	// convNames bounds a conversation's sender names (for @-mentions): a big group's members
	// over a long flood would otherwise all stay named in every group they spoke in.
	convNames = 500
)

// convKey names a conversation: the source and the target ("group:123", "private:10001").
type convKey struct{ source, target string }

// chatMsg is one line of a chat: an event (incoming, or our own *sent) or one of our sends from
// history (every door: GUI, UCBI, OneBot, CLI).
type chatMsg struct {
	ev   *core.StoredEvent
	data core.MessageEventData
	hist *core.HistoryRecord
	msg  core.Message
	at   time.Time
}

func (m *chatMsg) mine() bool { return m.hist != nil || m.data.Sent }

func (m *chatMsg) messageID() string {
	if m.hist != nil {
		return m.hist.MessageID
	}
	return string(m.data.MessageID)
}

func (m *chatMsg) who() string {
	if m.hist != nil {
		return L("Me")
	}
	return senderName(m.data)
}

// conversation is a group or friend that has spoken.
type conversation struct {
	key    convKey
	title  string
	ctx    core.Context // the context of its latest event: the target of a reply, unchanged
	last   string
	lastAt time.Time
	lastID uint64 // its latest event's id: orders conversations whose latest came in the same second
	unread int
	msgs   []chatMsg         // events, ID order, at most chatKeep (more once older ones were loaded)
	names  map[string]string // user id → display name (for @-mentions)
	// oldest: every event of the conversation with an ID ≥ oldest is in msgs; Load older reads
	// on from there (≤ 1: there is nothing older).
	oldest  uint64
	dropped bool // its messages were dropped for convKeepTotal: opening it reads them again
}

// conversationsScreen lists the conversations and shows one as a chat with a reply box.
type conversationsScreen struct {
	e   *env
	hub *eventHub

	convs   map[convKey]*conversation
	order   []*conversation // newest first
	open    *conversation
	cursor  uint64
	ready   bool
	opening *core.StoredEvent // an event to show once the stored conversations are loaded
	kept    int               // messages kept in memory, over all conversations
	stale   bool              // the list changed while the screen was hidden: shown redraws it

	list   *widget.List
	empty  *widget.Label
	title  *widget.Label
	sub    *widget.Label
	chat   *fyne.Container
	scroll *container.Scroll
	older  *widget.Button
	hist   []core.HistoryRecord // the open chat's sends
	lines  []chatMsg            // the open chat as shown
	reply  *replyBox
	pick   *widget.Label
	right  *fyne.Container
	header *fyne.Container
	root   fyne.CanvasObject
}

func newConversationsScreen(e *env) *conversationsScreen {
	s := &conversationsScreen{e: e, hub: hubOf(e), convs: map[convKey]*conversation{}}
	s.list = widget.NewList(
		func() int { return len(s.order) },
		func() fyne.CanvasObject { return newConvRow() },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.order) {
				o.(*convRow).set(s.order[id])
			}
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.order) {
			s.openConv(s.order[id])
		}
	}
	s.empty = wrapLabel(L("No conversation yet: groups and friends appear here when they speak."))
	s.empty.Importance = widget.LowImportance
	s.title = heading("")
	s.sub = widget.NewLabel("")
	s.sub.Importance = widget.LowImportance
	s.chat = container.NewVBox()
	s.scroll = container.NewVScroll(s.chat)
	s.older = widget.NewButtonWithIcon(L("Load older messages"), theme.MoveUpIcon(), s.loadOlder)
	s.older.Importance = widget.LowImportance
	s.reply = newReplyBox(s)
	s.pick = widget.NewLabel(L("Pick a conversation."))
	s.pick.Importance = widget.LowImportance

	s.header = container.NewVBox(container.NewBorder(nil, nil, s.title, s.sub), widget.NewSeparator())
	chatPane := container.NewBorder(s.header, s.reply.root, nil, nil, s.scroll)
	s.right = container.NewStack(chatPane, container.NewCenter(s.pick))
	chatPane.Hide()
	left := container.NewStack(s.list, container.NewPadded(container.NewVBox(s.empty)))
	split := container.NewHSplit(left, s.right)
	split.Offset = 0.3
	s.root = container.NewPadded(split)

	if s.hub == nil {
		s.empty.SetText(L("Events are not available in this build."))
		return s
	}
	e.listen(topicEvents, s.onEvents)
	s.load()
	return s
}

func (s *conversationsScreen) content() fyne.CanvasObject { return s.root }

// shown marks the open conversation read and draws what changed while hidden.
func (s *conversationsScreen) shown() {
	if s.open != nil && s.open.unread > 0 {
		s.open.unread = 0
		s.stale = true
	}
	if s.stale {
		s.sortList()
	}
}

// load builds the conversations from the newest stored messages, off the UI goroutine.
func (s *conversationsScreen) load() {
	feed := s.e.deps.Events
	s.e.run("conversations.load", func() func() {
		r := scanBefore(feed, 0, inboxScan, eventFilter{typ: core.EventMessage})
		return func() {
			s.ready = true
			s.cursor = r.newest
			for i := range r.items {
				s.add(&r.items[i])
			}
			for _, c := range s.convs {
				c.oldest = max(c.oldest, r.oldest) // above r.oldest when add cut its messages
				if c.oldest == 0 && len(c.msgs) > 0 {
					c.oldest = c.msgs[0].ev.ID
				}
			}
			s.onEvents()
			s.sortList()
			if ev := s.opening; ev != nil {
				s.opening = nil
				s.openEvent(*ev)
			}
		}
	})
}

// add files a message event under its conversation (onEvents counts the unread ones).
func (s *conversationsScreen) add(it *inboxItem) *conversation {
	ev := it.ev
	if it.msg == nil || ev.Event.Context == nil {
		return nil
	}
	m := *it.msg
	t := ev.Event.Context.Target()
	if t.Type == "" {
		return nil
	}
	k := convKey{source: ev.Source, target: t.String()}
	c := s.convs[k]
	if c == nil {
		c = &conversation{key: k, names: map[string]string{}}
		s.convs[k] = c
	}
	if !m.Sent || c.title == "" {
		c.title = conversationTitle(m)
		if m.Sent && m.Type == core.TypePrivate {
			c.title = t.ID
		}
	}
	if !m.Sent {
		c.ctx = *ev.Event.Context // replies go to the context of the latest incoming message
	} else if c.ctx.Type == "" {
		c.ctx = *ev.Event.Context
	}
	if m.SenderID != "" {
		if len(c.names) >= convNames {
			clear(c.names) // the senders of the lines to come are named again as they speak
		}
		c.names[string(m.SenderID)] = senderName(m)
	}
	c.last = senderName(m) + ": " + oneLine(m.Message.PlainText())
	c.lastAt, c.lastID = eventTime(&ev), ev.ID
	cm := chatMsg{ev: &ev, data: m, msg: m.Message, at: c.lastAt}
	c.msgs = append(c.msgs, cm)
	s.kept++
	keep := chatKeep
	if c == s.open {
		keep = 4 * chatKeep // the chat on screen keeps what Load older brought
	}
	if len(c.msgs) > keep+keep/4 {
		cut := len(c.msgs) - keep
		c.msgs = append([]chatMsg(nil), c.msgs[cut:]...)
		c.oldest = c.msgs[0].ev.ID
		s.kept -= cut
	}
	return c
}

// onEvents takes new events from the hub (topicEvents).
func (s *conversationsScreen) onEvents() {
	if !s.ready {
		return
	}
	items, _ := s.hub.items(s.cursor)
	if len(items) == 0 {
		return
	}
	s.cursor = items[len(items)-1].ev.ID
	// Once a batch, not once an event: whether the screen is on shows which chat is read.
	shown := composeShown(s.e.win, s.root)
	watched := s.open
	if !shown {
		watched = nil
	}
	changed := false
	var fresh []chatMsg // new lines of the open chat
	for i := range items {
		c := s.add(&items[i])
		if c == nil {
			continue
		}
		changed = true
		if !items[i].msg.Sent && c != watched {
			c.unread++
		}
		if c == s.open {
			fresh = append(fresh, c.msgs[len(c.msgs)-1])
		}
	}
	if !changed {
		return
	}
	s.dropOld()
	if shown {
		s.sortList()
	} else {
		s.stale = true // drawn when shown: a hidden list costs nothing while events pour in
	}
	if len(fresh) > 0 {
		s.appendLines(fresh)
	}
}

// before reports whether c last spoke before d: by time, then (the same second, or a clock
// that went back) by event id, which grows in arrival order.
func (c *conversation) before(d *conversation) bool {
	if !c.lastAt.Equal(d.lastAt) {
		return c.lastAt.Before(d.lastAt)
	}
	return c.lastID < d.lastID
}

// dropOld keeps the messages in memory under convKeepTotal: the least recently active
// conversations (not the open one) drop theirs until a quarter of the budget is free again.
func (s *conversationsScreen) dropOld() {
	if s.kept <= convKeepTotal {
		return
	}
	byAge := make([]*conversation, 0, len(s.convs))
	for _, c := range s.convs {
		if c != s.open && len(c.msgs) > 0 {
			byAge = append(byAge, c)
		}
	}
	sort.Slice(byAge, func(i, j int) bool { return byAge[i].before(byAge[j]) })
	for _, c := range byAge {
		if s.kept <= convKeepTotal*3/4 {
			break
		}
		s.kept -= len(c.msgs)
		c.oldest = c.msgs[len(c.msgs)-1].ev.ID + 1
		c.msgs = nil
		clear(c.names) // named again from the messages read when it is opened
		c.dropped = true
	}
}

// appendLines adds new lines at the bottom of the open chat without drawing it all again (a
// busy group sends batches several times a second). Followed at the bottom, the chat is a
// window of about chatKeep lines: the oldest leave the view and memory as new ones come (Load
// older reads them again), rather than the whole chat being redrawn. Out of order, or grown
// too long while the operator reads further up, it is redrawn.
func (s *conversationsScreen) appendLines(fresh []chatMsg) {
	last := time.Time{}
	if n := len(s.lines); n > 0 {
		last = s.lines[n-1].at
	}
	if fresh[0].at.Before(last) || len(s.lines)+len(fresh) > 4*chatKeep+len(s.hist) {
		s.showChat(true)
		return
	}
	atBottom := s.scroll.Offset.Y+s.scroll.Size().Height >= s.chat.MinSize().Height-40
	se := s.chatSegEnv(s.open)
	objs := s.chat.Objects
	for i := range fresh {
		s.lines = append(s.lines, fresh[i])
		objs = append(objs, newChatBubble(s, &s.lines[len(s.lines)-1], se))
	}
	if drop := len(s.lines) - chatKeep; atBottom && drop >= chatKeep/4 {
		objs = s.dropTopLines(objs, drop)
	}
	s.chat.Objects = objs
	s.chat.Refresh()
	if atBottom {
		s.scroll.Refresh() // the content's new height, for ScrollToBottom to reach it
		s.scroll.ScrollToBottom()
	}
	s.reply.refreshTarget()
}

// dropTopLines removes the open chat's first drop lines from the view (objs: the chat's
// objects, the Load older button first) and their events from memory; Load older goes on from
// the first line kept.
func (s *conversationsScreen) dropTopLines(objs []fyne.CanvasObject, drop int) []fyne.CanvasObject {
	if r := s.reply.target; r != nil {
		for i := range drop {
			if &s.lines[i] == r {
				return objs // the reply answers one of them: keep it in view
			}
		}
	}
	s.lines = append([]chatMsg(nil), s.lines[drop:]...)
	objs = append(objs[:1:1], objs[1+drop:]...)
	for i := range s.lines {
		if s.lines[i].ev == nil {
			continue
		}
		c, from := s.open, s.lines[i].ev.ID
		cut := sort.Search(len(c.msgs), func(j int) bool { return c.msgs[j].ev.ID >= from })
		c.msgs = append([]chatMsg(nil), c.msgs[cut:]...)
		s.kept -= cut
		c.oldest = from
		break
	}
	return objs
}

func (s *conversationsScreen) sortList() {
	s.stale = false
	s.order = s.order[:0]
	for _, c := range s.convs {
		s.order = append(s.order, c)
	}
	sort.SliceStable(s.order, func(i, j int) bool {
		if a, b := s.order[i], s.order[j]; a.lastAt.Equal(b.lastAt) && a.lastID == b.lastID {
			return a.key.target < b.key.target
		}
		return s.order[j].before(s.order[i])
	})
	if len(s.order) > 0 {
		s.empty.Hide()
	} else {
		s.empty.Show()
	}
	s.list.UnselectAll()
	for i, c := range s.order {
		if c == s.open {
			sel := s.list.OnSelected
			s.list.OnSelected = nil
			s.list.Select(i)
			s.list.OnSelected = sel
		}
	}
	s.list.Refresh()
}

// openEvent shows the conversation of an event (the Inbox's "Open conversation").
func (s *conversationsScreen) openEvent(ev core.StoredEvent) {
	if ev.Event.Context == nil {
		return
	}
	if !s.ready {
		// The stored conversations are still being read, this event among them: filing it now
		// would file it twice.
		s.opening = &ev
		return
	}
	k := convKey{source: ev.Source, target: ev.Event.Context.Target().String()}
	c := s.convs[k]
	if c == nil {
		it := newInboxItem(ev)
		c = s.add(&it)
		s.sortList()
	}
	if c != nil {
		s.openConv(c)
		s.reply.setTarget(s.findLine(ev.ID))
	}
}

func (s *conversationsScreen) findLine(id uint64) *chatMsg {
	for i := range s.lines {
		if s.lines[i].ev != nil && s.lines[i].ev.ID == id {
			return &s.lines[i]
		}
	}
	return nil
}

// openConv shows a conversation: its events at once, then our sends from history merged in.
func (s *conversationsScreen) openConv(c *conversation) {
	s.open = c
	c.unread = 0
	s.list.Refresh()
	s.right.Objects[0].Show()
	s.pick.Hide()
	s.title.SetText(c.title)
	s.sub.SetText(c.key.source + " · " + c.key.target)
	s.header.Refresh() // lay the labels out again for their new text
	s.hist = nil
	s.reply.reset()
	s.showChat(false)
	if c.dropped {
		s.readOlder(false) // its messages were dropped from memory: read them again
	}
	k := c.key
	s.e.run("conversation.history", func() func() {
		rows, err := s.readHistory(k)
		return func() {
			if s.open != c {
				return
			}
			if err != nil {
				s.reply.setResult(widget.DangerImportance, errorText(err))
			}
			s.hist = rows
			s.showChat(false)
		}
	})
}

// readHistory returns our sends to a conversation, oldest first (off the UI goroutine).
func (s *conversationsScreen) readHistory(k convKey) ([]core.HistoryRecord, error) {
	rows, _, err := s.e.deps.Store.HistoryScan(0, chatShown, store.HistoryFilter{Source: k.source, Target: k.target})
	if err != nil {
		return nil, err
	}
	var out []core.HistoryRecord
	for i := len(rows) - 1; i >= 0; i-- {
		if isMessageSend(rows[i].Action) {
			out = append(out, rows[i])
		}
	}
	return out, nil
}

func isMessageSend(a string) bool {
	switch strings.TrimPrefix(a, "*") {
	case "send_message", "send_private_message", "send_group_message", "send_discuss_message",
		"send_msg", "send_private_msg", "send_group_msg":
		return true
	}
	return false
}

// mergeChat puts a conversation's events and our sends in time order; a send that also came
// back as a *sent event (same message id) is shown once, as the event.
func mergeChat(msgs []chatMsg, hist []core.HistoryRecord) []chatMsg {
	seen := map[string]bool{}
	out := make([]chatMsg, 0, len(msgs)+len(hist))
	for _, m := range msgs {
		if m.data.Sent && m.data.MessageID != "" {
			seen[string(m.data.MessageID)] = true
		}
		out = append(out, m)
	}
	for i := range hist {
		h := hist[i]
		if h.MessageID != "" && seen[h.MessageID] {
			continue
		}
		out = append(out, chatMsg{hist: &h, msg: historyMessage(h), at: h.Time})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// historyMessage is the message a history row sent: params.message of a UCBI request, else the
// row's plain text.
func historyMessage(r core.HistoryRecord) core.Message {
	var req struct {
		Params struct {
			Message core.Message `json:"message"`
		} `json:"params"`
	}
	if json.Unmarshal(r.Request, &req) == nil && len(req.Params.Message) > 0 {
		return req.Params.Message
	}
	return core.Message{{Type: "text", Text: r.Message}}
}

// showChat (re)draws the open chat; follow keeps the view at the bottom when it was there.
func (s *conversationsScreen) showChat(follow bool) {
	c := s.open
	if c == nil {
		return
	}
	atBottom := s.scroll.Offset.Y+s.scroll.Size().Height >= s.chat.MinSize().Height-40
	s.lines = mergeChat(c.msgs, s.hist)
	se := s.chatSegEnv(c)
	s.chat.RemoveAll()
	s.chat.Add(container.NewCenter(s.older))
	for i := range s.lines {
		s.chat.Add(newChatBubble(s, &s.lines[i], se))
	}
	s.chat.Refresh()
	if !follow || atBottom {
		s.scroll.ScrollToBottom()
	}
	s.reply.refreshTarget()
}

// chatSegEnv renders with the conversation's names (@-mentions) and messages (quotes).
func (s *conversationsScreen) chatSegEnv(c *conversation) segEnv {
	se := s.e.segEnv()
	se.name = func(id string) string { return c.names[id] }
	se.quote = func(id string) (string, string, bool) {
		for i := range s.lines {
			if id != "" && s.lines[i].messageID() == id {
				return s.lines[i].who(), s.lines[i].msg.PlainText(), true
			}
		}
		return "", "", false
	}
	return se
}

// loadOlder reads the conversation's messages before the oldest one looked at (bounded scan)
// and shows them at the top.
func (s *conversationsScreen) loadOlder() { s.readOlder(true) }

func (s *conversationsScreen) readOlder(scrollTop bool) {
	c := s.open
	if c == nil || c.oldest <= 1 {
		s.reply.setResult(widget.LowImportance, L("No older messages."))
		return
	}
	s.older.Disable()
	c.dropped = false
	before, k, feed := c.oldest, c.key, s.e.deps.Events
	s.e.run("conversation.older", func() func() {
		r := scanBefore(feed, before, chatKeep, eventFilter{typ: core.EventMessage, source: k.source, target: k.target})
		return func() {
			s.older.Enable()
			if r.err != nil {
				s.reply.setResult(widget.DangerImportance, errorText(r.err))
				return
			}
			c.oldest = r.oldest
			if !r.more {
				c.oldest = 0
			}
			var older []chatMsg
			for i := range r.items {
				it := &r.items[i]
				if it.msg != nil {
					older = append(older, chatMsg{ev: &it.ev, data: *it.msg, msg: it.msg.Message, at: eventTime(&it.ev)})
					if id := string(it.msg.SenderID); id != "" && c.names[id] == "" && len(c.names) < convNames {
						c.names[id] = senderName(*it.msg)
					}
				}
			}
			if len(older) == 0 && c.oldest == 0 {
				s.reply.setResult(widget.LowImportance, L("No older messages."))
			}
			c.msgs = append(older, c.msgs...)
			s.kept += len(older)
			if s.open == c {
				s.showChat(!scrollTop)
				if scrollTop {
					s.scroll.ScrollToTop()
				}
			}
		}
	})
}

// ---------------------------------------------------------------------------------------------
// convRow: a conversation in the list.

type convRow struct {
	widget.BaseWidget
	title  *widget.Label
	last   *widget.Label
	when   *widget.Label
	badge  *widget.Label
	badgeB *canvas.Rectangle
	box    *fyne.Container
}

func newConvRow() *convRow {
	r := &convRow{}
	r.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.last = widget.NewLabel("")
	r.last.Truncation = fyne.TextTruncateEllipsis
	r.last.Importance = widget.LowImportance
	r.when = widget.NewLabel("")
	r.when.Importance = widget.LowImportance
	r.badge = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	r.badgeB = canvas.NewRectangle(theme.Color(theme.ColorNameError))
	r.badgeB.CornerRadius = 10
	badge := container.NewStack(r.badgeB, r.badge)
	r.box = container.NewVBox(
		container.NewBorder(nil, nil, nil, r.when, r.title),
		container.NewBorder(nil, nil, nil, badge, r.last))
	r.ExtendBaseWidget(r)
	return r
}

func (r *convRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (r *convRow) set(c *conversation) {
	r.title.SetText(c.title)
	r.last.SetText(c.last)
	if c.lastAt.IsZero() {
		r.when.SetText("")
	} else if time.Since(c.lastAt) < 20*time.Hour {
		r.when.SetText(c.lastAt.Local().Format("15:04"))
	} else {
		r.when.SetText(c.lastAt.Local().Format("01-02"))
	}
	if c.unread > 0 {
		r.badge.SetText(fmt.Sprint(c.unread))
		r.badge.Show()
		r.badgeB.Show()
	} else {
		r.badge.SetText("")
		r.badge.Hide()
		r.badgeB.Hide()
	}
	r.box.Refresh() // lay the row out again: the time and the badge changed width
}

// ---------------------------------------------------------------------------------------------
// chatBubble: one message of the chat, with its header, rendered segments and menu.

type chatBubble struct {
	widget.BaseWidget
	s   *conversationsScreen
	m   *chatMsg
	box *fyne.Container
}

func newChatBubble(s *conversationsScreen, m *chatMsg, se segEnv) *chatBubble {
	b := &chatBubble{s: s, m: m}
	head := widget.NewLabel(chatHeader(m))
	head.TextStyle.Bold = true
	head.Truncation = fyne.TextTruncateEllipsis
	if m.mine() {
		head.Importance = widget.HighImportance
	}
	more := widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
	more.Importance = widget.LowImportance
	more.OnTapped = func() {
		widget.ShowPopUpMenuAtRelativePosition(b.menu(), s.e.win.Canvas(), fyne.NewPos(0, more.Size().Height), more)
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	if m.mine() {
		bg.FillColor = theme.Color(theme.ColorNameSelection)
	}
	bg.CornerRadius = theme.InputRadiusSize()
	body := renderMessage(se, m.msg)
	inner := container.NewBorder(container.NewBorder(nil, nil, nil, more, head), nil, nil, nil, body)
	b.box = container.NewStack(bg, container.NewPadded(inner))
	b.ExtendBaseWidget(b)
	return b
}

// chatHeader is "card (nickname) · role · time" for events, "Me · origin · time" for our sends.
func chatHeader(m *chatMsg) string {
	when := m.at.Local().Format("15:04:05")
	if time.Since(m.at) > 20*time.Hour {
		when = m.at.Local().Format("01-02 15:04")
	}
	if m.hist != nil {
		parts := []string{L("Me"), m.hist.Origin, when}
		if m.hist.Outcome == core.OutcomeError {
			parts = append(parts, L("failed"))
		}
		return strings.Join(parts, " · ")
	}
	d := m.data
	name := senderName(d)
	if d.SenderName != "" && d.SenderName != name {
		name += " (" + d.SenderName + ")"
	}
	parts := []string{name}
	switch d.SenderRole {
	case "owner", "admin":
		parts = append(parts, L(d.SenderRole))
	}
	if d.Sent {
		parts = append(parts, L("Me"))
	}
	return strings.Join(append(parts, when), " · ")
}

func (b *chatBubble) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.box) }

// Tapped makes this message the one the reply answers.
func (b *chatBubble) Tapped(*fyne.PointEvent) { b.s.reply.setTarget(b.m) }

// TappedSecondary opens the message's menu (right click).
func (b *chatBubble) TappedSecondary(ev *fyne.PointEvent) {
	widget.ShowPopUpMenuAtPosition(b.menu(), b.s.e.win.Canvas(), ev.AbsolutePosition)
}

func (b *chatBubble) menu() *fyne.Menu {
	s, m, e := b.s, b.m, b.s.e
	clip := func(text string) { e.app.Clipboard().SetContent(text) }
	items := []*fyne.MenuItem{
		fyne.NewMenuItem(L("Reply…"), func() { s.reply.setTarget(m); s.reply.focus() }),
		fyne.NewMenuItem(L("Copy text"), func() { clip(m.msg.PlainText()) }),
	}
	if m.ev != nil {
		ev := m.ev
		items = append(items,
			fyne.NewMenuItem(L("Copy UCBI event JSON"), func() { clip(eventJSON(ev)) }),
			fyne.NewMenuItem(L("Copy raw OneBot JSON"), func() { clip(prettyJSON(ev.Raw)) }))
	} else {
		h := m.hist
		items = append(items, fyne.NewMenuItem(L("Copy the request"), func() { clip(prettyJSON(h.Request)) }))
	}
	items = append(items, fyne.NewMenuItem(L("Save the context…"), func() { s.saveContext(m) }))
	if m.mine() && m.messageID() != "" {
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem(L("Recall"), func() {
			e.confirm(L("Recall"), L("Recall this message?"), L("Recall"), func() { s.recall(m) })
		}))
	}
	return fyne.NewMenu("", items...)
}

// contextOf is the context a line answers to: its event's, unchanged; our sends answer to the
// conversation's.
func (s *conversationsScreen) contextOf(m *chatMsg) (core.Context, bool) {
	if m != nil && m.ev != nil && m.ev.Event.Context != nil && !m.data.Sent {
		return *m.ev.Event.Context, true
	}
	if s.open != nil && s.open.ctx.Type != "" {
		return s.open.ctx, true
	}
	if m != nil && m.ev != nil && m.ev.Event.Context != nil {
		return *m.ev.Event.Context, true
	}
	return core.Context{}, false
}

// saveContext asks for a name and keeps the line's context (Contexts screen).
func (s *conversationsScreen) saveContext(m *chatMsg) {
	c, ok := s.contextOf(m)
	if !ok {
		return
	}
	name := widget.NewEntry()
	name.SetText(s.open.title)
	dialog.ShowForm(L("Save the context…"), L("Save"), L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(L("Name"), name)}, func(ok bool) {
			n := strings.TrimSpace(name.Text)
			if !ok || n == "" {
				return
			}
			s.e.run("conversation.context", func() func() {
				err := s.e.deps.Store.PutContext(n, c)
				return func() {
					if err != nil {
						s.reply.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot save the context: %s"), errorText(err)))
						return
					}
					s.reply.setResult(widget.SuccessImportance, fmt.Sprintf(L("Saved the context “%s”."), n))
					s.e.notify(topicContexts)
				}
			})
		}, s.e.win)
}

// recall deletes one of our messages (*delete_msg with its id) through the dispatcher.
func (s *conversationsScreen) recall(m *chatMsg) {
	c, ok := s.contextOf(m)
	if !ok {
		return
	}
	id, _ := json.Marshal(m.messageID())
	req := core.Request{Action: "*delete_msg", Context: &c, Params: map[string]json.RawMessage{"message_id": id}}
	d := s.e.deps.Dispatcher
	s.e.run("conversation.recall", func() func() {
		_, err := d.Call(context.Background(), core.OriginGUI, req)
		return func() {
			if err != nil {
				s.reply.setResult(widget.DangerImportance, fmt.Sprintf(L("Not recalled: %s"), errorText(err)))
			} else {
				s.reply.setResult(widget.SuccessImportance, L("Recalled."))
			}
			s.e.notify(topicHistory)
		}
	})
}

// openConversationOf switches to Conversations showing an event's chat.
func openConversationOf(e *env, ev core.StoredEvent) {
	e.openScreen("conversations")
	if cs, ok := e.screen("conversations").(*conversationsScreen); ok {
		cs.openEvent(ev)
	}
}

// ---------------------------------------------------------------------------------------------
// replyBox: answer the conversation with its event's context unchanged.

type replyBox struct {
	s      *conversationsScreen
	target *chatMsg // nil: the latest incoming message

	targetLb *widget.Label
	text     *widget.Entry
	at       *widget.Check
	quote    *widget.Check
	image    *widget.Entry
	send     *widget.Button
	compose  *widget.Button
	result   *widget.Label
	root     fyne.CanvasObject
}

func newReplyBox(s *conversationsScreen) *replyBox {
	r := &replyBox{s: s}
	r.targetLb = widget.NewLabel("")
	r.targetLb.Truncation = fyne.TextTruncateEllipsis
	r.targetLb.Importance = widget.LowImportance
	r.text = widget.NewMultiLineEntry()
	r.text.Wrapping = fyne.TextWrapWord
	r.text.SetMinRowsVisible(2)
	r.text.SetPlaceHolder(L("Type your message…"))
	r.at = widget.NewCheck(L("@ the sender"), nil)
	r.quote = widget.NewCheck(L("Quote the message"), nil)
	r.image = widget.NewEntry()
	r.image.SetPlaceHolder(L("Image URL or file path"))
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err == nil && rc != nil {
				r.image.SetText(rc.URI().Path())
				_ = rc.Close()
			}
		}, s.e.win)
		d.Show()
	})
	r.send = widget.NewButtonWithIcon(L("Send"), theme.MailSendIcon(), r.onSend)
	r.send.Importance = widget.HighImportance
	r.compose = widget.NewButtonWithIcon(L("Open in Compose"), theme.DocumentCreateIcon(), r.onCompose)
	r.result = widget.NewLabel("")
	r.result.Truncation = fyne.TextTruncateEllipsis
	r.result.Hide()
	opts := container.NewBorder(nil, nil, container.NewHBox(r.at, r.quote), container.NewHBox(browse, r.compose, r.send), r.image)
	r.root = container.NewVBox(widget.NewSeparator(), r.targetLb, r.text, opts, r.result)
	return r
}

func (r *replyBox) reset() {
	r.target = nil
	r.text.SetText("")
	r.image.SetText("")
	r.at.SetChecked(false)
	r.quote.SetChecked(false)
	r.setResult(widget.MediumImportance, "")
	r.refreshTarget()
}

func (r *replyBox) focus() {
	if c := r.s.e.win.Canvas(); c != nil {
		c.Focus(r.text)
	}
}

// setTarget answers this message (nil: the latest incoming one).
func (r *replyBox) setTarget(m *chatMsg) {
	r.target = m
	r.refreshTarget()
}

// current is the message the reply answers.
func (r *replyBox) current() *chatMsg {
	if r.target != nil {
		return r.target
	}
	lines := r.s.lines
	for i := len(lines) - 1; i >= 0; i-- {
		if !lines[i].mine() {
			return &lines[i]
		}
	}
	return nil
}

func (r *replyBox) refreshTarget() {
	m := r.current()
	if m == nil {
		r.targetLb.SetText("")
		return
	}
	r.targetLb.SetText(fmt.Sprintf(L("Replying to %s: %s"), m.who(), oneLine(m.msg.PlainText())))
}

func (r *replyBox) setResult(imp widget.Importance, text string) {
	r.result.Importance = imp
	r.result.SetText(text)
	if text == "" {
		r.result.Hide()
	} else {
		r.result.Show()
	}
}

// build is the reply: the quote, the @, the text, the image, in that order, and its context.
func (r *replyBox) build() (core.Context, core.Message, error) {
	m := r.current()
	c, ok := r.s.contextOf(m)
	if !ok {
		return c, nil, errors.New(L("There is no message to reply to in this conversation."))
	}
	var msg core.Message
	if r.quote.Checked && m != nil && m.messageID() != "" {
		msg = append(msg, core.Segment{Type: "*reply", Text: "[回复]", Data: map[string]any{"id": m.messageID()}})
	}
	if r.at.Checked && m != nil && !m.mine() && m.data.SenderID != "" {
		msg = append(msg, core.Segment{Type: "at", Text: "@" + senderName(m.data),
			Data: map[string]any{"user_id": string(m.data.SenderID)}}, core.Segment{Type: "text", Text: " "})
	}
	if t := r.text.Text; strings.TrimSpace(t) != "" {
		msg = append(msg, core.Segment{Type: "text", Text: t})
	}
	if img := strings.TrimSpace(r.image.Text); img != "" {
		key := "path"
		if isHTTPURL(img) || strings.HasPrefix(img, "base64://") {
			key = "url"
		}
		msg = append(msg, core.Segment{Type: "image", Text: "[图片]", Data: map[string]any{key: img}})
	}
	hasContent := false
	for _, s := range msg {
		if s.Type != "*reply" && !(s.Type == "text" && strings.TrimSpace(s.Text) == "") {
			hasContent = true
		}
	}
	if !hasContent {
		return c, msg, errors.New(L("The message is empty: type some text."))
	}
	return c, msg, nil
}

func (r *replyBox) onSend() {
	c, msg, err := r.build()
	if err != nil {
		r.setResult(widget.DangerImportance, errorText(err))
		return
	}
	raw, _ := json.Marshal(msg)
	req := core.Request{Action: "send_message", Context: &c, Params: map[string]json.RawMessage{"message": raw}}
	r.send.Disable()
	r.setResult(widget.MediumImportance, L("Sending…"))
	conv := r.s.open
	d := r.s.e.deps.Dispatcher
	r.s.e.run("conversation.sent", func() func() {
		res, err := d.Call(context.Background(), core.OriginGUI, req)
		var hist []core.HistoryRecord
		var herr error
		if conv != nil {
			hist, herr = r.s.readHistory(conv.key)
		}
		return func() {
			r.send.Enable()
			r.s.e.notify(topicHistory)
			if err != nil {
				r.setResult(widget.DangerImportance, fmt.Sprintf(L("Not sent: %s"), errorText(err)))
				return
			}
			if sr, ok := res.(core.SendResult); ok && sr.MessageID != "" {
				r.setResult(widget.SuccessImportance, fmt.Sprintf(L("Sent — message id %s"), sr.MessageID))
			} else {
				r.setResult(widget.SuccessImportance, L("Sent."))
			}
			r.text.SetText("")
			r.image.SetText("")
			r.quote.SetChecked(false)
			r.at.SetChecked(false)
			if conv != nil && r.s.open == conv && herr == nil {
				r.s.hist = hist
				r.s.showChat(false)
			}
		}
	})
}

// messageTaker is implemented by the screen that takes a whole message with its context
// (Compose): "Open in Compose" hands it the reply as built so far.
type messageTaker interface {
	takeMessage(c core.Context, m core.Message)
}

func (r *replyBox) onCompose() {
	c, msg, err := r.build()
	if err != nil && msg == nil {
		r.setResult(widget.DangerImportance, errorText(err))
		return
	}
	e := r.s.e
	e.useContext(c)
	if t, ok := e.screen("compose").(messageTaker); ok && len(msg) > 0 {
		t.takeMessage(c, msg)
	}
}
