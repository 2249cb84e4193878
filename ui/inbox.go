package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

const (
	inboxPage    = 300   // events one read brings into the list
	inboxMaxRows = 1000  // events kept in memory; older/newer ones are read again when scrolled to
	inboxScan    = 20000 // events a filtered read looks through before it shows what it found
)

// inboxItem is one event as the screens use it, worked out once off the UI goroutine (the hub
// makes them as events arrive): the row's texts and, for a message, its decoded data.
type inboxItem struct {
	ev          core.StoredEvent
	msg         *core.MessageEventData // nil unless a message event
	from        string
	text        string
	line        string // text on one line, clipped: what the row shows
	group, user string // what the group and user filters compare (eventIDs)
}

// rowRunes bounds a row's text: more than any column shows, and the label's truncation shapes
// the whole string each time it is drawn.
const rowRunes = 200

func newInboxItem(ev core.StoredEvent) inboxItem {
	it := inboxItem{ev: ev}
	if m, ok := decodeMessageEvent(&ev); ok {
		it.msg = &m
		it.from, it.text = messageFrom(m), m.Message.PlainText()
	} else {
		it.from, it.text = eventFrom(&ev), eventText(&ev)
	}
	// Found here, where items are made off the UI goroutine: a filter then compares strings
	// instead of decoding each event's data again for each live batch.
	it.group, it.user = eventIDs(&ev, it.msg)
	it.line = clipRunes(oneLine(it.text), rowRunes)
	return it
}

// clipRunes cuts s to at most n runes, marking the cut with an ellipsis.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// eventFilter is the Inbox's filter bar; target (a conversation's, "group:123") is
// Conversations' own.
type eventFilter struct {
	source, typ, group, user, text string
	target                         string
}

func (f eventFilter) zero() bool { return f == eventFilter{} }

func (f eventFilter) match(it *inboxItem) bool {
	ev := &it.ev
	if f.source != "" && ev.Source != f.source {
		return false
	}
	if f.typ != "" && ev.Event.Type != f.typ {
		return false
	}
	if f.target != "" && (ev.Event.Context == nil || ev.Event.Context.Target().String() != f.target) {
		return false
	}
	if f.group != "" && it.group != f.group {
		return false
	}
	if f.user != "" && it.user != f.user {
		return false
	}
	if f.text != "" {
		t := strings.ToLower(f.text)
		if !strings.Contains(strings.ToLower(it.text), t) && !strings.Contains(strings.ToLower(it.from), t) &&
			!strings.Contains(strings.ToLower(ev.Kind), t) {
			return false
		}
	}
	return true
}

// inboxScreen is the live stream of every event, newest at the bottom.
type inboxScreen struct {
	e   *env
	hub *eventHub

	rows      []inboxItem // ID order
	moreOlder bool        // older matching events may exist
	atTail    bool        // rows reach the newest event: live ones are appended
	cursor    uint64      // the hub's events up to here were handled
	loading   bool
	searching bool
	gen       int
	filter    eventFilter
	paused    bool
	pending   int // matching events below the view (or not shown while paused)
	stride    float32
	settling  bool   // rows are being replaced: drawing them must not page
	scanFrom  uint64 // where the next older read starts (the oldest event looked at)

	list     *widget.List
	status   *widget.Label
	empty    *widget.Label
	newBtn   *widget.Button
	pauseBtn *widget.Button
	notify   *widget.Check
	source   *widget.Select
	typ      *widget.Select
	group    *widget.Entry
	user     *widget.Entry
	text     *widget.Entry
	typing   *debouncer

	sel    *inboxItem
	detail *eventDetail
	root   fyne.CanvasObject
}

var inboxTypes = []string{"All types", "Messages", "Notices", "Meta events"}
var inboxTypeValues = []string{"", core.EventMessage, core.EventNotice, core.EventMeta}

func newInboxScreen(e *env) *inboxScreen {
	s := &inboxScreen{e: e, hub: hubOf(e), atTail: true}
	s.list = widget.NewList(
		func() int { return len(s.rows) },
		func() fyne.CanvasObject { return newInboxColumns() },
		func(id widget.ListItemID, o fyne.CanvasObject) { s.updateRow(id, o.(*columns)) },
	)
	s.stride = newInboxColumns().MinSize().Height + theme.Padding()
	s.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.rows) {
			it := s.rows[id]
			s.sel = &it
			s.detail.show(&it.ev)
		}
	}
	s.status = widget.NewLabel("")
	s.status.Importance = widget.LowImportance
	s.status.Truncation = fyne.TextTruncateEllipsis
	s.empty = widget.NewLabel("")
	s.empty.Importance = widget.LowImportance
	s.empty.Wrapping = fyne.TextWrapWord
	s.empty.Alignment = fyne.TextAlignCenter
	s.newBtn = widget.NewButtonWithIcon("", theme.MoveDownIcon(), s.onNew)
	s.newBtn.Importance = widget.HighImportance
	s.newBtn.Hide()
	s.pauseBtn = widget.NewButtonWithIcon(L("Pause"), theme.MediaPauseIcon(), s.onPause)
	s.notify = widget.NewCheck(L("Desktop notifications"), nil)

	s.source = widget.NewSelect([]string{L("All sources")}, func(string) { s.apply() })
	s.source.Selected = L("All sources")
	s.typ = widget.NewSelect(translate(inboxTypes), func(string) { s.apply() })
	s.typ.Selected = L(inboxTypes[0])
	s.group = widget.NewEntry()
	s.group.SetPlaceHolder(L("Group id"))
	s.user = widget.NewEntry()
	s.user.SetPlaceHolder(L("User id"))
	s.text = widget.NewEntry()
	s.text.SetPlaceHolder(L("Search text"))
	s.typing = e.newDebouncer(s.apply)
	for _, en := range []*widget.Entry{s.group, s.user, s.text} {
		en.OnChanged = func(string) { s.typing.trigger() }
		en.OnSubmitted = func(string) { s.typing.cancel(); s.apply() }
	}
	s.detail = newEventDetail(e)

	filters := container.NewGridWithColumns(5, s.source, s.typ, s.group, s.user, s.text)
	header := newInboxColumns()
	header.set(L("Time"), L("Source"), L("Kind"), L("From"), L("Text")).bold(-1).show()
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(s.newBtn, s.pauseBtn, s.notify), s.status)
	listPane := container.NewBorder(header, bottom, nil, nil, container.NewStack(s.list, container.NewCenter(s.empty)))
	split := container.NewVSplit(listPane, s.detail.root)
	split.Offset = 0.58
	s.root = container.NewPadded(container.NewBorder(filters, nil, nil, nil, split))

	if s.hub == nil {
		s.empty.SetText(L("Events are not available in this build."))
		s.pauseBtn.Disable()
		s.notify.Disable()
		return s
	}
	s.notify.SetChecked(s.hub.notifyOn.Load())
	s.notify.OnChanged = s.hub.setNotify
	e.listen(topicEvents, s.onEvents)
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	s.reload()
	return s
}

func (s *inboxScreen) content() fyne.CanvasObject { return s.root }

// shown keeps the notification check in step (the setting is read in the background).
func (s *inboxScreen) shown() {
	if s.hub != nil {
		s.notify.SetChecked(s.hub.notifyOn.Load())
	}
}

func newInboxColumns() *columns { return newColumns(84, 96, 130, 170, 0) }

func (s *inboxScreen) updateRow(id widget.ListItemID, c *columns) {
	if id < 0 || id >= len(s.rows) {
		return
	}
	it := &s.rows[id]
	kindImp := widget.MediumImportance
	switch it.ev.Event.Type {
	case core.EventMeta:
		kindImp = widget.WarningImportance
	case core.EventNotice:
		kindImp = widget.LowImportance
	}
	// Only the labels whose text or colour changed are refreshed: a label's refresh shapes its
	// text again, and in a stream the time, source and kind columns mostly stay the same.
	for i, text := range []string{it.ev.Received.Local().Format("15:04:05"), it.ev.Source, eventKind(&it.ev), it.from, it.line} {
		l, imp := c.labels[i], widget.MediumImportance
		if i == 2 {
			imp = kindImp
		}
		if l.Text != text || l.Importance != imp {
			l.Text, l.Importance = text, imp
			l.Refresh()
		}
	}
	if s.settling {
		return
	}
	// Page on demand, off the UI goroutine: older rows near the top, newer ones near the end.
	if id < inboxPage/5 && s.moreOlder {
		s.loadOlder()
	}
	if id >= len(s.rows)-inboxPage/5 && !s.atTail {
		s.loadNewer()
	}
	if id == len(s.rows)-1 && s.atTail && !s.paused && s.pending > 0 {
		s.pending = 0
		s.updateStatus()
	}
}

// readFilter builds the filter from the bar.
func (s *inboxScreen) readFilter() eventFilter {
	f := eventFilter{
		group: strings.TrimSpace(s.group.Text),
		user:  strings.TrimSpace(s.user.Text),
		text:  strings.TrimSpace(s.text.Text),
	}
	if s.source.SelectedIndex() > 0 {
		f.source = s.source.Selected
	}
	if i := s.typ.SelectedIndex(); i > 0 {
		f.typ = inboxTypeValues[i]
	}
	return f
}

func (s *inboxScreen) apply() {
	if s.readFilter() != s.filter {
		s.reload()
	}
}

// scanResult is one filtered read of the feed.
type scanResult struct {
	items  []inboxItem // ID order
	more   bool        // the read stopped before the end of the log
	newest uint64      // the newest ID looked at (before=0 reads only)
	oldest uint64      // the oldest ID looked at (where an older read goes on from)
	err    error
}

// scanFeed reads pages from the feed (read(cursor), each page going on from the last ID of the
// one before) and keeps the matching events in read order, until it has want of them or has
// looked through inboxScan events. first and last are the IDs of the first and last event
// looked at; more says the log goes on.
func scanFeed(read func(cursor uint64) ([]core.StoredEvent, error), cursor uint64, want int, f eventFilter) (found []inboxItem, first, last uint64, more bool, err error) {
	looked := 0
	for looked < inboxScan {
		page, err := read(cursor)
		if err != nil {
			return found, first, last, more, err
		}
		if len(page) > 0 {
			if first == 0 {
				first = page[0].ID
			}
			last = page[len(page)-1].ID
		}
		for _, ev := range page {
			it := newInboxItem(ev)
			if f.match(&it) {
				found = append(found, it)
			}
		}
		looked += len(page)
		more = len(page) == inboxPage
		if !more || len(found) >= want {
			break
		}
		cursor = last
	}
	return found, first, last, more, nil
}

// scanBefore reads matching events older than before (0: from the newest), returned in ID order.
func scanBefore(feed EventFeed, before uint64, want int, f eventFilter) scanResult {
	found, first, last, more, err := scanFeed(func(c uint64) ([]core.StoredEvent, error) {
		return feed.EventsBefore(c, inboxPage)
	}, before, want, f)
	r := scanResult{more: more, oldest: last, err: err}
	if before == 0 {
		r.newest = first
	}
	for i := len(found) - 1; i >= 0; i-- {
		r.items = append(r.items, found[i])
	}
	return r
}

// scanAfter reads matching events newer than after, oldest first.
func scanAfter(feed EventFeed, after uint64, want int, f eventFilter) scanResult {
	found, _, _, more, err := scanFeed(func(c uint64) ([]core.StoredEvent, error) {
		return feed.EventsAfter(c, inboxPage)
	}, after, want, f)
	return scanResult{items: found, more: more, err: err}
}

// readPage runs one read of the feed off the UI goroutine and applies it unless a newer query
// started meanwhile; a read error is shown in the status line.
func (s *inboxScreen) readPage(what string, read func(feed EventFeed, f eventFilter) scanResult, apply func(r scanResult)) {
	s.loading = true
	g, f, feed := s.gen, s.filter, s.e.deps.Events
	s.e.run(what, func() func() {
		r := read(feed, f)
		return func() {
			if g != s.gen {
				return
			}
			s.loading = false
			if r.err != nil {
				s.status.SetText(fmt.Sprintf(L("Cannot read the events: %s"), errorText(r.err)))
				return
			}
			for i := range r.items {
				r.items[i].msg = nil // rows need their texts; the detail decodes the one selected
			}
			apply(r)
			s.updateStatus()
		}
	})
}

// refreshAt redraws the rows and scrolls to offset; the rows drawn at the old offset on the way
// must not page again.
func (s *inboxScreen) refreshAt(offset float32) {
	s.settling = true
	s.list.Refresh()
	s.list.ScrollToOffset(offset)
	s.settling = false
}

// reload reads the newest events for the current filter and follows the stream again.
func (s *inboxScreen) reload() {
	s.filter = s.readFilter()
	s.gen++
	s.status.SetText(L("Loading…"))
	s.readPage("inbox.page", func(feed EventFeed, f eventFilter) scanResult {
		return scanBefore(feed, 0, inboxPage, f)
	}, func(r scanResult) {
		s.rows, s.moreOlder, s.atTail = r.items, r.more && r.oldest > 1, true
		s.scanFrom = r.oldest
		s.cursor = r.newest
		s.pending = 0
		s.paused = false
		s.settling = true // the list draws its top rows before it scrolls down
		s.list.UnselectAll()
		s.list.Refresh()
		s.list.ScrollToBottom()
		s.settling = false
		s.onEvents() // what arrived while reading
		s.keepSearching(len(r.items))
	})
}

// keepSearching reads on when a filtered read found nothing but the log goes on: the list
// cannot scroll, so it would never ask for more by itself.
func (s *inboxScreen) keepSearching(found int) {
	s.searching = found == 0 && s.moreOlder && len(s.rows) == 0
	if s.searching {
		s.loadOlder()
	}
}

// loadOlder puts the page before the first row on top, keeping the view where it is.
func (s *inboxScreen) loadOlder() {
	if s.loading || !s.moreOlder || s.scanFrom == 0 || len(s.rows) == 0 && !s.searching {
		return
	}
	before := s.scanFrom
	s.readPage("inbox.older", func(feed EventFeed, f eventFilter) scanResult {
		return scanBefore(feed, before, inboxPage, f)
	}, func(r scanResult) {
		s.moreOlder = r.more && r.oldest > 1
		s.scanFrom = r.oldest
		if len(r.items) > 0 {
			off := s.list.GetScrollOffset()
			s.rows = append(r.items, s.rows...)
			s.moveSelection(len(r.items))
			if len(s.rows) > inboxMaxRows {
				s.rows = s.rows[:inboxMaxRows]
				s.atTail = false
			}
			s.refreshAt(off + float32(len(r.items))*s.stride)
		}
		s.keepSearching(len(r.items))
	})
}

// loadNewer appends the page after the last row (the rows were cut off at the bottom).
func (s *inboxScreen) loadNewer() {
	if s.loading || s.atTail || len(s.rows) == 0 {
		return
	}
	after := s.rows[len(s.rows)-1].ev.ID
	s.readPage("inbox.newer", func(feed EventFeed, f eventFilter) scanResult {
		return scanAfter(feed, after, inboxPage, f)
	}, func(r scanResult) {
		s.rows = append(s.rows, r.items...)
		s.atTail = !r.more
		if drop := len(s.rows) - inboxMaxRows; drop > 0 {
			off := s.list.GetScrollOffset()
			s.rows = append([]inboxItem(nil), s.rows[drop:]...)
			s.moveSelection(-drop)
			s.moreOlder, s.scanFrom = true, s.rows[0].ev.ID
			s.refreshAt(off - float32(drop)*s.stride)
		} else {
			s.list.Refresh()
		}
	})
}

// moveSelection keeps the selected row selected when rows were added (or removed) above it.
func (s *inboxScreen) moveSelection(delta int) {
	if s.sel == nil {
		return
	}
	for i := range s.rows {
		if s.rows[i].ev.ID == s.sel.ev.ID {
			s.list.Select(i)
			return
		}
	}
	s.list.UnselectAll()
}

// atBottom tells whether the last row is in view (or the list does not fill its height).
func (s *inboxScreen) atBottom() bool {
	content := float32(len(s.rows))*s.stride - theme.Padding()
	return s.list.GetScrollOffset()+s.list.Size().Height >= content-s.stride/2
}

// onEvents takes the events the hub collected since the last batch (topicEvents).
func (s *inboxScreen) onEvents() {
	if s.loading && len(s.rows) == 0 {
		return // reload's apply calls again
	}
	items, gap := s.hub.items(s.cursor)
	if len(items) == 0 {
		s.updateStatus()
		return
	}
	s.cursor = items[len(items)-1].ev.ID
	if gap && s.atTail && !s.paused && s.atBottom() {
		s.reload() // more came than the hub keeps: start from the newest again
		return
	}
	var fresh []inboxItem
	for i := range items {
		if s.filter.match(&items[i]) {
			it := items[i]
			it.msg = nil // a row needs its texts; the detail decodes the one selected
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		s.updateStatus()
		return
	}
	if s.paused || !s.atTail || gap {
		s.atTail = s.atTail && !gap && !s.paused
		s.pending += len(fresh)
		s.updateStatus()
		return
	}
	following := s.atBottom()
	s.rows = append(s.rows, fresh...)
	if following {
		if drop := len(s.rows) - inboxMaxRows; drop > 0 {
			s.rows = append([]inboxItem(nil), s.rows[drop:]...)
			s.moreOlder, s.scanFrom = true, s.rows[0].ev.ID
			s.moveSelection(-drop)
		}
		s.list.Refresh()
		s.list.ScrollToBottom()
	} else {
		// The operator scrolled up: the rows go below the view, counted on the "N new" button.
		s.pending += len(fresh)
		if len(s.rows) > inboxMaxRows+inboxPage {
			s.rows = s.rows[:inboxMaxRows]
			s.atTail = false
		}
		s.list.Refresh()
	}
	probeRefresh()
	s.updateStatus()
}

// onNew follows the stream again: scroll down to the new rows, or read the newest page when
// they are not loaded (paused, or the rows were cut off).
func (s *inboxScreen) onNew() {
	s.pending = 0
	if s.atTail && !s.paused {
		s.list.ScrollToBottom()
		s.updateStatus()
		return
	}
	s.reload()
}

func (s *inboxScreen) onPause() {
	if s.paused {
		s.onNew()
		return
	}
	s.paused = true
	s.updateStatus()
}

func (s *inboxScreen) updateStatus() {
	if s.paused {
		s.pauseBtn.SetText(L("Resume"))
		s.pauseBtn.SetIcon(theme.MediaPlayIcon())
	} else {
		s.pauseBtn.SetText(L("Pause"))
		s.pauseBtn.SetIcon(theme.MediaPauseIcon())
	}
	if s.pending > 0 {
		s.newBtn.SetText(fmt.Sprintf(L("%d new"), s.pending))
		s.newBtn.Show()
	} else if !s.atTail {
		s.newBtn.SetText(L("Latest"))
		s.newBtn.Show()
	} else {
		s.newBtn.Hide()
	}
	parts := []string{fmt.Sprintf(L("%d events shown"), len(s.rows))}
	switch {
	case s.paused:
		parts = append(parts, L("Paused"))
	case s.atTail && s.pending == 0:
		parts = append(parts, L("Following new events"))
	}
	if _, err := s.hub.state(); err != nil {
		parts = append(parts, fmt.Sprintf(L("Cannot read the events: %s"), errorText(err)))
	}
	s.status.SetText(strings.Join(parts, " · "))
	emptyWords{
		searching: L("Searching older events…"),
		none:      L("No events yet: they appear here as your message sources report them."),
		noMatch:   L("No events match."),
	}.show(s.empty, len(s.rows), s.loading || s.moreOlder, !s.filter.zero())
}

func (s *inboxScreen) loadSources() {
	s.e.run("inbox.sources", func() func() {
		list, err := s.e.deps.Store.Sources()
		return func() {
			if err == nil {
				setSourceOptions(s.source, list)
			}
		}
	})
}

// ---------------------------------------------------------------------------------------------
// eventDetail: an event's fields, its rendered message, and its UCBI and raw JSON side by side.

type eventDetail struct {
	e           *env
	ev          *core.StoredEvent
	title       *widget.Label
	meta        *widget.Label
	body        *fyne.Container
	ucbi        *widget.Label
	raw         *widget.Label
	openConv    *widget.Button
	placeholder *widget.Label
	box         *fyne.Container
	root        fyne.CanvasObject
}

func newEventDetail(e *env) *eventDetail {
	d := &eventDetail{e: e}
	d.title = heading("")
	d.meta = wrapLabel("")
	d.meta.Importance = widget.LowImportance
	d.body = container.NewVBox()
	d.ucbi = monoLabel()
	d.ucbi.Wrapping = fyne.TextWrapBreak
	d.raw = monoLabel()
	d.raw.Wrapping = fyne.TextWrapBreak
	d.openConv = widget.NewButtonWithIcon(L("Open conversation"), theme.MailReplyIcon(), func() {
		if d.ev != nil {
			openConversationOf(e, *d.ev)
		}
	})
	copyBtn := func(get func() string) *widget.Button {
		b := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
			if d.ev != nil {
				e.app.Clipboard().SetContent(get())
			}
		})
		b.Importance = widget.LowImportance
		return b
	}
	pane := func(title string, body *widget.Label, get func() string) fyne.CanvasObject {
		return container.NewBorder(container.NewBorder(nil, nil, heading(title), copyBtn(get)), nil, nil, nil,
			container.NewScroll(body))
	}
	left := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, d.openConv, d.title), d.meta), nil, nil, nil,
		container.NewVScroll(d.body))
	jsons := container.NewHSplit(
		pane(L("UCBI event"), d.ucbi, func() string { return eventJSON(d.ev) }),
		pane(L("Raw (open layer)"), d.raw, func() string { return prettyJSON(d.ev.Raw) }))
	split := container.NewHSplit(left, jsons)
	split.Offset = 0.34
	d.placeholder = widget.NewLabel(L("Select an event to see its UCBI and raw JSON."))
	d.placeholder.Importance = widget.LowImportance
	d.box = container.NewStack(split, container.NewCenter(d.placeholder))
	d.root = d.box
	d.show(nil)
	return d
}

// eventJSON is the UCBI form of an event, indented.
func eventJSON(ev *core.StoredEvent) string {
	if ev == nil {
		return ""
	}
	b, _ := json.Marshal(ev.Event)
	return prettyJSON(b)
}

func (d *eventDetail) show(ev *core.StoredEvent) {
	d.ev = ev
	if ev == nil {
		d.box.Objects[0].Hide()
		d.placeholder.Show()
		return
	}
	d.box.Objects[0].Show()
	d.placeholder.Hide()
	d.title.SetText(fmt.Sprintf("#%d  %s", ev.ID, eventKind(ev)))
	d.meta.SetText(strings.Join(nonEmpty(ev.Received.Local().Format("2006-01-02 15:04:05"), ev.Source, ev.Via, eventFrom(ev)), " · "))
	d.ucbi.SetText(clip(eventJSON(ev)))
	d.raw.SetText(clip(prettyJSON(ev.Raw)))
	d.body.RemoveAll()
	if m, ok := decodeMessageEvent(ev); ok {
		d.body.Add(renderMessage(d.e.segEnv(), m.Message))
		d.openConv.Show()
	} else {
		d.body.Add(wrapLabel(eventText(ev)))
		d.openConv.Hide()
	}
}

func nonEmpty(parts ...string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// What an event says, for rows, filters and notifications.

// decodeMessageEvent returns a message event's data (ok false for other events).
func decodeMessageEvent(ev *core.StoredEvent) (core.MessageEventData, bool) {
	var m core.MessageEventData
	if ev.Event.Type != core.EventMessage || json.Unmarshal(ev.Event.Data, &m) != nil {
		return m, false
	}
	return m, true
}

// eventKind is the open layer's kind, else the UCBI type.
func eventKind(ev *core.StoredEvent) string {
	if ev.Kind != "" {
		return ev.Kind
	}
	return ev.Event.Type
}

// senderName is who wrote a message: display name (card), else nickname, else id.
func senderName(m core.MessageEventData) string {
	for _, n := range []string{m.Sender, m.SenderMarkname, m.SenderName, string(m.SenderID), string(m.SenderTID)} {
		if n != "" {
			return n
		}
	}
	return "?"
}

// conversationTitle names the chat a message belongs to.
func conversationTitle(m core.MessageEventData) string {
	switch m.Type {
	case core.TypeGroup:
		return firstNonEmpty(m.GroupName, string(m.GroupID), string(m.GroupTID))
	case core.TypeDiscuss:
		return firstNonEmpty(m.DiscussName, string(m.DiscussID), string(m.DiscussTID))
	}
	return senderName(m)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// eventIDs returns the group and user an event concerns (for the filters).
func eventIDs(ev *core.StoredEvent, msg *core.MessageEventData) (group, user string) {
	if c := ev.Event.Context; c != nil {
		group, user = firstNonEmpty(string(c.GroupID), string(c.GroupTID)), firstNonEmpty(string(c.UserID), string(c.UserTID))
	}
	var d struct {
		GroupID  core.ID `json:"group_id"`
		SenderID core.ID `json:"sender_id"`
		UserID   core.ID `json:"user_id"`
	}
	if msg != nil { // already decoded: a message's data has no user_id
		d.GroupID, d.SenderID = msg.GroupID, msg.SenderID
	} else {
		_ = json.Unmarshal(ev.Event.Data, &d)
	}
	if group == "" {
		group = string(d.GroupID)
	}
	if d.SenderID != "" {
		user = string(d.SenderID)
	} else if user == "" {
		user = string(d.UserID)
	}
	return group, user
}

// eventFrom is the row's "From": sender and chat for messages, user and group for notices,
// the source for meta events.
func eventFrom(ev *core.StoredEvent) string {
	switch ev.Event.Type {
	case core.EventMessage:
		m, ok := decodeMessageEvent(ev)
		if !ok {
			return ""
		}
		return messageFrom(m)
	case core.EventNotice:
		var n core.NoticeEventData
		_ = json.Unmarshal(ev.Event.Data, &n)
		return strings.Join(nonEmpty(string(n.UserID), string(n.GroupID)), " @ ")
	}
	return ev.Via
}

// messageFrom is a message's "From": the sender, and the chat unless it is private.
func messageFrom(m core.MessageEventData) string {
	if m.Type == core.TypePrivate {
		return senderName(m)
	}
	return fmt.Sprintf(L("%s in %s"), senderName(m), conversationTitle(m))
}

// eventText is the row's text: a message's plain text, a notice's name and content, a meta
// event's name and reason.
func eventText(ev *core.StoredEvent) string {
	switch ev.Event.Type {
	case core.EventMessage:
		m, ok := decodeMessageEvent(ev)
		if !ok {
			return ""
		}
		return m.Message.PlainText()
	case core.EventNotice:
		var n core.NoticeEventData
		_ = json.Unmarshal(ev.Event.Data, &n)
		return strings.Join(nonEmpty(n.Notice, n.Content), ": ")
	case core.EventMeta:
		var m core.MetaEventData
		_ = json.Unmarshal(ev.Event.Data, &m)
		return strings.Join(nonEmpty(m.MetaEvent, m.Reason), ": ")
	}
	return ""
}

// eventTime is when the event happened: its own time, else when it arrived.
func eventTime(ev *core.StoredEvent) time.Time {
	if ev.Event.Time > 0 {
		return time.Unix(ev.Event.Time, 0)
	}
	return ev.Received
}
