package ui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/hub"
	"ucbi-console/store"
)

// Setting keys of History: where the operator left the dividers.
const (
	keyHistorySplit  = "history.split"  // list above, detail below
	keyHistoryDetail = "history.detail" // the detail's fields beside the bodies
)

// historyPage is how many rows one store read brings.
const historyPage = 200

// historyScreen lists history newest first, a page at a time as the list scrolls.
type historyScreen struct {
	e *env

	rows    []core.HistoryRecord
	more    bool   // another page may exist
	next    uint64 // where the next read goes on from (store.HistoryScan's cursor)
	loading bool
	gen     int    // bumped by every new query: late pages of an old one are dropped
	top     uint64 // the newest seq of the whole history already scanned (fetchNewer reads on from it)
	// fetching: a fetchNewer read is under way; pendingNewer: fetchNewer was asked for
	// while a read was under way, so it runs again once that read is done
	fetching     bool
	pendingNewer bool
	filter       store.HistoryFilter
	total        int
	sources      []core.Source // to route a bot's call sent again, and to preview OneBot requests

	list    *widget.List
	count   *widget.Label
	empty   *widget.Label
	source  *widget.Select
	origin  *widget.Select
	action  *widget.Entry
	target  *widget.Entry
	outcome *widget.Select
	text    *widget.Entry
	typing  *debouncer
	newer   *debouncer

	sel         *core.HistoryRecord
	reselecting bool // the selected row moved down: keep its detail as it is
	detailBox   *fyne.Container
	placeholder *widget.Label
	title       *widget.Label
	meta        *widget.Form
	metaVals    map[string]*widget.Label
	request     *widget.Label // the UCBI request
	onebotReq   *widget.Label // the OneBot 11 request the backend received
	response    *widget.Label
	sendBtn     *widget.Button
	sendWhy     *widget.Label // why the selected call cannot be sent again
	saveCtxBtn  *widget.Button
	note        *widget.Label
	activity    *widget.Activity
	exportBtn   *widget.Button
}

var historyOutcomes = []string{"All outcomes", "Succeeded", "Failed"}

func newHistoryScreen(e *env) *historyScreen {
	s := &historyScreen{e: e}
	s.list = widget.NewList(
		func() int {
			if s.more {
				return len(s.rows) + 1
			}
			return len(s.rows)
		},
		func() fyne.CanvasObject { return newHistoryColumns() },
		func(id widget.ListItemID, o fyne.CanvasObject) { s.updateRow(id, o.(*columns)) },
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if !s.reselecting && id >= 0 && id < len(s.rows) {
			r := s.rows[id]
			s.showDetail(&r)
		}
	}
	s.count = widget.NewLabel("")
	s.count.Importance = widget.LowImportance
	s.empty = widget.NewLabel("")
	s.empty.Importance = widget.LowImportance
	s.empty.Hide()

	s.source = widget.NewSelect([]string{L("All sources")}, func(string) { s.apply() })
	s.origin = widget.NewSelect([]string{L("All origins"), core.OriginGUI, core.OriginUCBI, core.OriginOneBot, core.OriginOneBotWS, hub.OriginOneBotPost, core.OriginCLI}, func(string) { s.apply() })
	s.outcome = widget.NewSelect(translate(historyOutcomes), func(string) { s.apply() })
	s.action = widget.NewEntry()
	s.action.SetPlaceHolder(L("Action (exact)"))
	s.target = widget.NewEntry()
	s.target.SetPlaceHolder(L("Target (group:123)"))
	s.text = widget.NewEntry()
	s.text.SetPlaceHolder(L("Search text"))
	s.typing = e.newDebouncer(s.apply)
	s.newer = e.newThrottle(s.fetchNewer)
	for _, en := range []*widget.Entry{s.action, s.target, s.text} {
		en.OnChanged = func(string) { s.typing.trigger() }
		en.OnSubmitted = func(string) { s.typing.cancel(); s.reload() }
	}
	// Select without triggering apply: the callbacks are set, but rows load once below.
	s.source.Selected = L("All sources")
	s.origin.Selected = L("All origins")
	s.outcome.Selected = L(historyOutcomes[0])

	s.placeholder = widget.NewLabel(L("Select a call to see its request and response."))
	s.placeholder.Importance = widget.LowImportance
	s.title = heading("")
	s.metaVals = map[string]*widget.Label{}
	s.meta = widget.NewForm()
	for _, k := range []string{"Time", "Origin", "Source", "Target", "Outcome", "Latency", "Message ID", "Message"} {
		v := widget.NewLabel("")
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		s.metaVals[k] = v
		s.meta.Append(L(k), v)
	}
	// The JSON keeps its lines, as indented: a pane scrolls sideways for a long one rather
	// than breaking it where the pane happens to end.
	s.request = monoLabel()
	s.onebotReq = monoLabel()
	s.response = monoLabel()
	s.sendBtn = widget.NewButtonWithIcon(L("Send again"), theme.MailSendIcon(), s.onSendAgain)
	s.sendWhy = widget.NewLabel("")
	s.sendWhy.Importance = widget.LowImportance
	s.sendWhy.Truncation = fyne.TextTruncateEllipsis
	s.saveCtxBtn = widget.NewButtonWithIcon(L("Save as context"), theme.ContentAddIcon(), s.onSaveContext)
	s.note = wrapLabel("")
	s.note.Hide()
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.exportBtn = widget.NewButtonWithIcon(L("Export…"), theme.DocumentSaveIcon(), s.onExport)

	e.listen(topicHistory, s.newer.trigger)
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	s.reload()
	return s
}

func (s *historyScreen) content() fyne.CanvasObject {
	refresh := widget.NewButtonWithIcon(L("Refresh"), theme.ViewRefreshIcon(), s.reload)
	// Two rows of three: six in a row need more than a 1024 px window has.
	filters := container.NewGridWithColumns(3, s.source, s.origin, s.outcome, s.action, s.target, s.text)
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(refresh, s.exportBtn), filters)
	header := newHistoryColumns()
	header.set(historyTitles()...).bold(-1).show()
	listPane := container.NewBorder(header, s.count, nil, nil,
		container.NewStack(s.list, container.NewCenter(s.empty)))

	copyOf := func(text func(r core.HistoryRecord) string) func() {
		return func() {
			if s.sel != nil {
				s.e.app.Clipboard().SetContent(text(*s.sel))
			}
		}
	}
	copyReq := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), copyOf(func(r core.HistoryRecord) string {
		ucbi, _ := historyRequests(r, s.sources)
		return ucbi
	}))
	copyOneBot := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), copyOf(func(r core.HistoryRecord) string {
		_, ob := historyRequests(r, s.sources)
		return ob
	}))
	copyResp := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), copyOf(func(r core.HistoryRecord) string {
		return prettyJSON(r.Response)
	}))
	// The buttons head the detail, where they are seen without scrolling however small the
	// window; the fields scroll below them.
	s.title.Truncation = fyne.TextTruncateEllipsis
	actions := container.NewBorder(nil, nil, nil, container.NewHBox(s.activity, s.sendBtn, s.saveCtxBtn), s.title)
	top := container.NewVBox(actions, container.NewBorder(nil, nil, nil, nil, s.sendWhy), s.note)
	meta := container.NewVScroll(s.meta)
	jsonPane := func(title string, copyBtn *widget.Button, body *widget.Label) fyne.CanvasObject {
		t := heading(title)
		t.Truncation = fyne.TextTruncateEllipsis
		return container.NewBorder(container.NewBorder(nil, nil, nil, copyBtn, t), nil, nil, nil,
			container.NewScroll(body))
	}
	// The UCBI request beside the OneBot request the backend received: the pair stays
	// together in both layouts.
	requests := container.NewHSplit(jsonPane(L("UCBI request"), copyReq, s.request), jsonPane(L("OneBot request"), copyOneBot, s.onebotReq))
	response := jsonPane(L("Response"), copyResp, s.response)
	// Wide, the fields, the requests and the answer side by side; narrower (a 1024 px window)
	// each JSON pane would be a few words wide, so they take the whole width one tab at a
	// time, the requests first. The title line says the outcome and latency either way.
	panes := newAdaptivePanes(historyWideFrom, translate([]string{"Details", "Requests", "Response"}),
		[]fyne.CanvasObject{meta, requests, response}, []float64{0.22, 0.68}, 1)
	s.rememberOffset(keyHistoryDetail, panes.split)
	s.detailBox = container.NewStack(container.NewBorder(top, nil, nil, nil, panes.content()), container.NewCenter(s.placeholder))
	s.showDetail(nil)

	// The list above the detail: the rows need the window's width for their columns. The list
	// takes what the divider gives it, as many rows as fit.
	split := container.NewVSplit(listPane, s.detailBox)
	split.Offset = 0.5
	s.rememberOffset(keyHistorySplit, split)
	return container.NewPadded(container.NewBorder(bar, nil, nil, nil, split))
}

// historyWideFrom is the detail's width from which its panes stand side by side: each JSON
// pane then has about as much room as a tab gives it in a 1024 px window.
const historyWideFrom = 1600

// rememberOffset keeps where the operator leaves split's divider (in the setting key) and puts
// it back when the screen is built again. Fyne's Split says nothing when its divider moves,
// but its leading side is then laid out anew: a layout there notices the new offset.
func (s *historyScreen) rememberOffset(key string, split *container.Split) {
	saved := split.Offset
	var mu sync.Mutex // pending is written on the UI goroutine, read by the debounced save
	pending := ""
	save := s.e.newDebouncer(func() {
		mu.Lock()
		v := pending
		mu.Unlock()
		s.e.putSetting(key, v)
	})
	split.Leading = container.New(&offsetWatch{onLayout: func() {
		if split.Offset != saved {
			saved = split.Offset
			mu.Lock()
			pending = strconv.FormatFloat(saved, 'f', 3, 64)
			mu.Unlock()
			save.trigger()
		}
	}}, split.Leading)
	st := s.e.deps.Store
	s.e.run("history.offset", func() func() {
		v, ok, err := st.Setting(key)
		f, perr := strconv.ParseFloat(v, 64)
		if err != nil || !ok || perr != nil || f <= 0 || f >= 1 {
			return nil
		}
		return func() {
			saved = f
			split.SetOffset(f)
		}
	})
}

// offsetWatch lays out its one object over the whole space, and tells onLayout each time.
type offsetWatch struct{ onLayout func() }

func (w *offsetWatch) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
	w.onLayout()
}

func (w *offsetWatch) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

func newHistoryColumns() *columns {
	return newColumns(128, 84, 110, 165, 140, 110, 84, 0).titled(historyTitles()...)
}

func historyTitles() []string {
	return translate([]string{"Time", "Origin", "Source", "Action", "Target", "Outcome", "Latency", "Message"})
}

// shown refreshes with calls made while another screen was showing.
func (s *historyScreen) shown() { s.fetchNewer() }

func monoLabel() *widget.Label {
	l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	l.Selectable = true
	return l
}

// translate maps English keys through L.
func translate(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = L(k)
	}
	return out
}

func (s *historyScreen) updateRow(id widget.ListItemID, c *columns) {
	if id >= len(s.rows) {
		c.set(L("Loading more…")).importance(0, widget.LowImportance).show()
		s.loadMore()
		return
	}
	if id >= len(s.rows)-historyPage/4 {
		s.loadMore()
	}
	r := s.rows[id]
	outcome, imp := outcomeLabel(r.Outcome, r.ErrorCode)
	msg := r.Message
	if r.Outcome == core.OutcomeError && r.Text != "" {
		msg = r.Text
	}
	c.set(r.Time.Local().Format("01-02 15:04:05"), r.Origin, r.Source, r.Action, r.Target, outcome,
		formatLatency(r.Latency()), oneLine(msg))
	c.importance(5, imp)
	if r.Outcome == core.OutcomeError {
		c.importance(7, imp)
	}
	c.show()
}

func formatLatency(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf(L("%.0f s"), d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf(L("%.1f s"), d.Seconds())
	}
	return fmt.Sprintf(L("%d ms"), d.Milliseconds())
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " ⏎ ")
}

// readFilter builds the store filter from the bar.
func (s *historyScreen) readFilter() store.HistoryFilter {
	f := store.HistoryFilter{
		Action: strings.TrimSpace(s.action.Text),
		Target: strings.TrimSpace(s.target.Text),
		Text:   strings.TrimSpace(s.text.Text),
	}
	if i := s.source.SelectedIndex(); i > 0 {
		f.Source = s.source.Selected
	}
	if i := s.origin.SelectedIndex(); i > 0 {
		f.Origin = s.origin.Selected
	}
	switch s.outcome.SelectedIndex() {
	case 1:
		f.Outcome = core.OutcomeOK
	case 2:
		f.Outcome = core.OutcomeError
	}
	return f
}

// apply reloads when the filter changed (after a pause in typing, or a select change).
func (s *historyScreen) apply() {
	if s.readFilter() != s.filter {
		s.reload()
	}
}

// reload reads the newest page for the current filter.
func (s *historyScreen) reload() {
	s.filter = s.readFilter()
	s.gen++
	g, f := s.gen, s.filter
	s.loading = true
	s.count.SetText(L("Loading…"))
	s.e.run("history.page", func() func() {
		var top uint64
		newest, err := s.e.deps.Store.HistoryPage(0, 1, store.HistoryFilter{})
		if len(newest) > 0 {
			top = newest[0].Seq
		}
		var page []core.HistoryRecord
		var next uint64
		if err == nil {
			page, next, err = s.e.deps.Store.HistoryScan(0, historyPage, f)
		}
		if len(page) > 0 && page[0].Seq > top {
			top = page[0].Seq
		}
		total, cerr := s.e.deps.Store.HistoryCount()
		return func() {
			if g != s.gen {
				return
			}
			s.loading = false
			defer s.runPendingNewer()
			if err != nil {
				s.count.SetText(errorText(err))
				return
			}
			s.rows, s.total, s.top = page, total, top
			s.next, s.more = next, next != 0
			s.list.UnselectAll()
			s.showDetail(nil)
			s.list.ScrollToTop() // before Refresh: rows at the old offset would ask for more
			s.list.Refresh()
			s.updateCount()
			s.showCountError(cerr)
			s.keepSearching(page)
		}
	})
}

// showCountError adds a failed HistoryCount to the status line.
func (s *historyScreen) showCountError(err error) {
	if err != nil {
		s.count.SetText(s.count.Text + " · " + fmt.Sprintf(L("Cannot count the calls: %s"), errorText(err)))
	}
}

// runPendingNewer runs the fetchNewer that was asked for while a read was under way.
func (s *historyScreen) runPendingNewer() {
	if s.pendingNewer && !s.loading && !s.fetching {
		s.pendingNewer = false
		s.fetchNewer()
	}
}

// keepSearching reads on when a filtered read found nothing within its bounded scan but older
// rows remain: the list cannot grow, so it would never ask for more by itself.
func (s *historyScreen) keepSearching(page []core.HistoryRecord) {
	if len(page) == 0 && s.more {
		s.loadMore()
	}
}

// loadMore reads the page after the last loaded row (the list reached its end), from where
// the previous read stopped.
func (s *historyScreen) loadMore() {
	if s.loading || !s.more {
		return
	}
	s.loading = true
	g, f, before := s.gen, s.filter, s.next
	s.updateCount()
	s.e.run("history.page", func() func() {
		page, next, err := s.e.deps.Store.HistoryScan(before, historyPage, f)
		return func() {
			if g != s.gen {
				return
			}
			s.loading = false
			defer s.runPendingNewer()
			if err != nil {
				s.more = false
				s.count.SetText(errorText(err))
				s.list.Refresh()
				return
			}
			s.rows = append(s.rows, page...)
			s.next, s.more = next, next != 0
			s.list.Refresh()
			s.updateCount()
			s.keepSearching(page)
		}
	})
}

// fetchNewer puts calls recorded since the last read on top (auto refresh). It reads only the
// rows newer than the newest one already scanned (s.top) and filters them here, so a filter
// that matches nothing does not rescan the whole history on every call.
func (s *historyScreen) fetchNewer() {
	if s.loading || s.fetching {
		s.pendingNewer = true
		return
	}
	s.fetching = true
	g, f, top := s.gen, s.filter, s.top
	s.e.run("history.newer", func() func() {
		page, err := s.e.deps.Store.HistoryPage(0, historyPage, store.HistoryFilter{})
		total, cerr := s.e.deps.Store.HistoryCount()
		return func() {
			s.fetching = false
			defer s.runPendingNewer()
			if g != s.gen || s.top != top {
				return
			}
			if err != nil {
				s.count.SetText(errorText(err))
				return
			}
			n := 0
			for n < len(page) && page[n].Seq > top {
				n++
			}
			if n == historyPage { // more than a page arrived: start over
				s.reload()
				return
			}
			if n > 0 {
				s.top = page[0].Seq
			}
			var fresh []core.HistoryRecord
			for _, r := range page[:n] {
				if f.Match(&r) && (len(s.rows) == 0 || r.Seq > s.rows[0].Seq) {
					fresh = append(fresh, r)
				}
			}
			s.total = total
			if len(fresh) > 0 {
				s.rows = append(fresh, s.rows...)
				if s.sel != nil {
					for i := range s.rows {
						if s.rows[i].Seq == s.sel.Seq {
							s.reselecting = true
							s.list.Select(i)
							s.reselecting = false
							break
						}
					}
				}
				s.list.Refresh()
			}
			s.updateCount()
			s.showCountError(cerr)
		}
	})
}

func (s *historyScreen) updateCount() {
	more := ""
	if s.more {
		more = L(" (scroll for more)")
	}
	if s.filter == (store.HistoryFilter{}) {
		s.count.SetText(fmt.Sprintf(L("%d of %d calls loaded"), len(s.rows), s.total) + more)
	} else {
		s.count.SetText(fmt.Sprintf(L("%d matching calls loaded"), len(s.rows)) + more)
	}
	emptyWords{searching: L("Searching older calls…"), none: L("No calls recorded yet."), noMatch: L("No calls match.")}.
		show(s.empty, len(s.rows), s.more, s.filter != (store.HistoryFilter{}))
}

// loadSources fills the source filter.
func (s *historyScreen) loadSources() {
	s.e.run("history.sources", func() func() {
		list, err := s.e.deps.Store.Sources()
		return func() {
			if err != nil {
				s.count.SetText(fmt.Sprintf(L("Cannot read the message sources: %s"), errorText(err)))
				return
			}
			s.sources = list
			if s.sel != nil {
				s.showDetail(s.sel) // the OneBot preview and Send again read the sources
			}
			setSourceOptions(s.source, list)
		}
	})
}
