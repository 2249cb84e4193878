package ui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/ark"
)

// Kinds of an Ark request (the radio's order).
const (
	arkGroup = "group"
	arkUser  = "user"
	arkPhone = "phone"
)

// arkScreen asks a source for a recommend card (ArkSharePeer), previews it as QQ shows it, keeps
// its JSON byte-for-byte for copying and sending, and lists the cards made before.
type arkScreen struct {
	e *env

	kind      *widget.RadioGroup
	idEntry   *widget.Entry
	rule      *widget.Label
	sources   []core.Source
	sourceSel *widget.Select
	genBtn    *widget.Button
	progress  *widget.ProgressBarInfinite
	status    *widget.Label
	busy      bool
	sending   bool // a card is being sent (Send is disabled meanwhile)

	view    *cardView
	rawView *widget.Label
	raw     string    // the card JSON shown, exactly as the backend gave it
	card    *ark.Card // the parsed card, nil when there is none
	copyBtn *widget.Button
	sendBtn *widget.Button

	records []arkItem // cards the backend made, newest first
	past    *widget.List
	failed  []arkItem // attempts that made no card, kept apart
	fails   *widget.List
	tabs    *container.AppTabs

	top, right *fyne.Container

	root fyne.CanvasObject
}

// arkItem is one row of the past-cards list, its text prepared off the UI goroutine.
type arkItem struct {
	rec    core.CardRecord
	title  string
	detail string
}

func newArkScreen(e *env) *arkScreen {
	s := &arkScreen{e: e}

	s.kind = widget.NewRadioGroup([]string{L("Group number"), L("QQ number"), L("Phone number")}, func(string) { s.validate() })
	s.kind.Horizontal = true
	s.kind.Required = true
	s.idEntry = widget.NewEntry()
	s.idEntry.SetPlaceHolder(exampleHint("736368697"))
	s.idEntry.OnChanged = func(string) { s.validate() }
	s.idEntry.OnSubmitted = func(string) { s.onGenerate() }
	s.rule = widget.NewLabel("")
	s.rule.Wrapping = fyne.TextWrapWord
	s.sourceSel = widget.NewSelect(nil, func(string) { s.validate() })
	s.sourceSel.PlaceHolder = L("Choose a message source.")
	s.genBtn = widget.NewButtonWithIcon(L("Generate"), theme.MediaPlayIcon(), s.onGenerate)
	s.genBtn.Importance = widget.HighImportance
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Stop()
	s.progress.Hide()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	s.view = newCardView(e.run)
	s.rawView = reqMonoLabel()
	s.copyBtn = widget.NewButtonWithIcon(L("Copy JSON"), theme.ContentCopyIcon(), s.onCopy)
	s.sendBtn = widget.NewButtonWithIcon(L("Send to…"), theme.MailSendIcon(), s.onSendTo)

	s.past = arkList(&s.records, s.showRecord)
	s.fails = arkList(&s.failed, s.showRecord)

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(L("Source")), s.sourceSel,
		widget.NewLabel(L("Kind")), s.kind,
		widget.NewLabel(L("Number")), s.idEntry,
		layout.NewSpacer(), s.rule,
	)
	top := container.NewVBox(
		heading(L("Make a recommend card")),
		form,
		container.NewBorder(nil, nil, container.NewHBox(s.genBtn, s.progress), nil, s.status),
		widget.NewSeparator(),
	)
	s.top = top
	// The card, its buttons and its JSON scroll under the form: the form stays in reach and the
	// screen fits a 640 px high window whatever the card's size.
	body := container.NewVBox(
		container.NewHBox(container.New(layout.NewGridWrapLayout(fyne.NewSize(480, 240)), s.view), layout.NewSpacer()),
		container.NewHBox(s.copyBtn, s.sendBtn),
		heading(L("Card JSON")),
		s.rawView,
	)
	right := container.NewBorder(top, nil, nil, nil, container.NewVScroll(body))
	s.right = right
	s.tabs = container.NewAppTabs(
		container.NewTabItem(fmt.Sprintf(L("Cards (%d)"), 0), s.past),
		container.NewTabItem(fmt.Sprintf(L("Failed (%d)"), 0), s.fails),
	)
	left := container.NewBorder(
		container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.loadCards), heading(L("Past cards"))),
		nil, nil, nil, s.tabs)
	split := container.NewHSplit(left, right)
	split.Offset = 0.28
	s.root = split

	s.kind.SetSelected(L("Group number"))
	s.setRaw("", nil)
	s.validate()
	e.listen(topicSources, s.loadSources)
	s.loadSources()
	s.loadCards()
	return s
}

func (s *arkScreen) content() fyne.CanvasObject { return s.root }

// arkList lists *items (a pointer: the slice is replaced on every reload); selecting a row
// calls pick with its record.
func arkList(items *[]arkItem, pick func(core.CardRecord)) *widget.List {
	l := widget.NewList(
		func() int { return len(*items) },
		func() fyne.CanvasObject {
			t := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			t.Truncation = fyne.TextTruncateEllipsis
			d := widget.NewLabel("")
			d.Truncation = fyne.TextTruncateEllipsis
			d.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(t, d)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < 0 || i >= len(*items) {
				return
			}
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText((*items)[i].title)
			box.Objects[1].(*widget.Label).SetText((*items)[i].detail)
		})
	l.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(*items) {
			pick((*items)[i].rec)
		}
	}
	return l
}

// setStatus shows the line beside Generate; it may wrap, so the form is laid out again.
func (s *arkScreen) setStatus(imp widget.Importance, text string) {
	s.status.Importance, s.status.Text = imp, text
	s.status.Refresh()
	composeLayoutNow(s.right, s.top)
}

// shown reloads the card list (cards may have been made through the endpoint meanwhile).
func (s *arkScreen) shown() { s.loadCards() }

func (s *arkScreen) kindValue() string {
	switch s.kind.Selected {
	case L("Group number"):
		return arkGroup
	case L("QQ number"):
		return arkUser
	case L("Phone number"):
		return arkPhone
	}
	return ""
}

// arkRule is the rule for an id of kind, and the problem with id (empty when it is fine).
// napcat says the source is NapCat, which answers a phone number with an error: the rule says so
// before anything is sent.
func arkRule(kind, id string, napcat bool) (rule, problem string) {
	lo, hi := 5, 12
	switch kind {
	case arkGroup:
		rule = L("A group number: digits only, 5 to 12 of them.")
	case arkUser:
		rule = L("A QQ number: digits only, 5 to 12 of them.")
	case arkPhone:
		rule = L("A phone number: digits only. NapCat cannot make a card from a phone number alone.")
		if napcat {
			rule = L("NapCat needs a QQ number: it answers a phone number with an error. Choose “QQ number” if you know it.")
		}
		lo, hi = 5, 15
	default:
		return "", ""
	}
	if id == "" {
		return rule, ""
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return rule, fmt.Sprintf(L("Digits only: “%s” is not a digit."), string(c))
		}
	}
	n := utf8.RuneCountInString(id)
	switch {
	case n < lo:
		return rule, fmt.Sprintf(L("Too short: %d digits, at least %d."), n, lo)
	case n > hi:
		return rule, fmt.Sprintf(L("Too long: %d digits, at most %d."), n, hi)
	}
	return rule, ""
}

// request is the ArkSharePeer request the fields make: exactly one of the three ids.
func (s *arkScreen) request() (core.ArkRequest, bool) {
	id := strings.TrimSpace(s.idEntry.Text)
	kind := s.kindValue()
	if _, problem := arkRule(kind, id, false); problem != "" || id == "" {
		return core.ArkRequest{}, false
	}
	switch kind {
	case arkGroup:
		return core.ArkRequest{GroupID: id}, true
	case arkUser:
		return core.ArkRequest{UserID: id}, true
	case arkPhone:
		return core.ArkRequest{Phone: id}, true
	}
	return core.ArkRequest{}, false
}

// validate shows the id's rule inline (in red with the problem when there is one) as you type.
func (s *arkScreen) validate() {
	if s.rule == nil {
		return
	}
	napcat := s.napcatChosen()
	rule, problem := arkRule(s.kindValue(), strings.TrimSpace(s.idEntry.Text), napcat)
	switch {
	case problem != "":
		s.rule.Importance = widget.DangerImportance
		s.rule.Text = problem + " " + rule
	case napcat && s.kindValue() == arkPhone:
		s.rule.Importance = widget.WarningImportance
		s.rule.Text = rule
	default:
		s.rule.Importance = widget.LowImportance
		s.rule.Text = rule
	}
	s.rule.Refresh()
	if _, ok := s.request(); ok && !s.busy {
		s.genBtn.Enable()
	} else {
		s.genBtn.Disable()
	}
}

func (s *arkScreen) loadSources() {
	st := s.e.deps.Store
	s.e.run("ark.sources", func() func() {
		list, err := st.Sources()
		return func() {
			if err != nil {
				s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Cannot read the message sources: %s"), errorText(err)))
				return
			}
			want := ""
			if cur, ok := s.selectedSource(); ok {
				want = cur.ID
			}
			s.sources = list
			fillSourceSelect(s.sourceSel, list, want)
		}
	})
}

// napcatChosen reports whether the card would be asked of NapCat: the chosen source's flavor,
// or with none chosen the default source's.
func (s *arkScreen) napcatChosen() bool {
	src, ok := s.selectedSource()
	if !ok {
		for _, x := range s.sources {
			if x.Default {
				src = x
			}
		}
	}
	return strings.EqualFold(src.Flavor, "napcat")
}

func (s *arkScreen) selectedSource() (core.Source, bool) {
	i := s.sourceSel.SelectedIndex()
	if i < 0 || i >= len(s.sources) {
		return core.Source{}, false
	}
	return s.sources[i], true
}

// onGenerate asks the source for the card in the background.
func (s *arkScreen) onGenerate() {
	req, ok := s.request()
	if !ok || s.busy {
		return
	}
	src, _ := s.selectedSource()
	name := src.ID
	if name == "" {
		name = L("the default source")
	}
	s.busy = true
	s.genBtn.Disable()
	s.progress.Show()
	s.progress.Start()
	s.setStatus(widget.MediumImportance, fmt.Sprintf(L("Asking %s for a card…"), name))
	d, st := s.e.deps.Dispatcher, s.e.deps.Store
	s.e.run("ark.generate", func() func() {
		start := time.Now()
		res, used, err := d.ArkSharePeer(context.Background(), core.OriginGUI, src.ID, req)
		elapsed := time.Since(start)
		var card ark.Card
		var perr error
		if err == nil && res.ErrCode == 0 {
			card, perr = ark.Parse(res.ArkJSON)
		}
		items, lerr := readCards(st)
		return func() {
			s.busy = false
			if !s.sending {
				s.progress.Stop()
				s.progress.Hide()
			}
			s.validate()
			switch {
			case err != nil:
				s.showProblem(fmt.Sprintf(L("The card could not be made: %s"), errorText(err)), "")
			case res.ErrCode != 0:
				s.showProblem(fmt.Sprintf(L("The backend could not make the card: %s (errCode %d)"), res.ErrMsg, res.ErrCode), "")
			case perr != nil:
				s.showProblem(fmt.Sprintf(L("The backend's answer is not a card: %s"), errorText(perr)), res.ArkJSON)
			default:
				s.view.setCard(card)
				s.setRaw(res.ArkJSON, &card)
				s.setStatus(widget.SuccessImportance, fmt.Sprintf(L("Card made by %s (%d ms)."), used.ID, elapsed.Milliseconds()))
			}
			s.setRecords(items, lerr)
			s.e.notify(topicHistory)
		}
	})
}

// showProblem shows an error in words in place of the card (and the raw answer when there is one).
func (s *arkScreen) showProblem(msg, raw string) {
	s.view.setError(msg)
	s.setRaw(raw, nil)
	s.setStatus(widget.DangerImportance, L("No card: the reason is shown in its place."))
}

// setRaw shows the card JSON; Copy needs JSON, Send a parsed card.
func (s *arkScreen) setRaw(raw string, card *ark.Card) {
	s.raw, s.card = raw, card
	s.rawView.SetText(raw)
	if raw != "" {
		s.copyBtn.Enable()
	} else {
		s.copyBtn.Disable()
	}
	if card != nil && !s.sending {
		s.sendBtn.Enable()
	} else {
		s.sendBtn.Disable()
	}
}

// showRecord re-renders a past card from its stored JSON (or says why there was none), and
// puts its request back in the form: Generate asks again.
func (s *arkScreen) showRecord(rec core.CardRecord) {
	s.fillForm(rec)
	if rec.ArkJSON == "" {
		msg := rec.ErrMsg
		if msg == "" {
			msg = L("failed")
		}
		s.showProblem(fmt.Sprintf(L("The backend could not make the card: %s (errCode %d)"), msg, rec.ErrCode), "")
		return
	}
	card, err := ark.Parse(rec.ArkJSON)
	if err != nil {
		s.showProblem(fmt.Sprintf(L("The backend's answer is not a card: %s"), errorText(err)), rec.ArkJSON)
		return
	}
	s.view.setCard(card)
	s.setRaw(rec.ArkJSON, &card)
	s.setStatus(widget.MediumImportance, rec.Target+" · "+rec.Source+" · "+rec.Time.Local().Format("2006-01-02 15:04:05"))
}

// fillForm puts a past request in the form: its source (when it still exists), kind and number.
func (s *arkScreen) fillForm(rec core.CardRecord) {
	for i, src := range s.sources {
		if src.ID == rec.Source {
			s.sourceSel.SetSelectedIndex(i)
		}
	}
	kind, id, ok := strings.Cut(rec.Target, ":")
	if !ok {
		return
	}
	switch kind {
	case core.TypeGroup:
		s.kind.SetSelected(L("Group number"))
	case core.TypePrivate, "user":
		s.kind.SetSelected(L("QQ number"))
	case arkPhone:
		s.kind.SetSelected(L("Phone number"))
	default:
		return
	}
	s.idEntry.SetText(id)
}

func (s *arkScreen) onCopy() {
	if s.raw == "" {
		return
	}
	s.e.app.Clipboard().SetContent(s.raw)
	s.setStatus(widget.SuccessImportance, fmt.Sprintf(L("Copied %d bytes."), len(s.raw)))
}

// ---------------------------------------------------------------------------------------------
// Past cards

// arkRecords are the past attempts, read off the UI goroutine: the cards made, and apart from
// them the attempts that made none.
type arkRecords struct {
	cards, failed []arkItem
}

// readCards reads the newest attempts and prepares their list rows (off the UI goroutine).
func readCards(st CardStore) (arkRecords, error) {
	recs, err := st.Cards(0, 200)
	if err != nil {
		return arkRecords{}, err
	}
	var out arkRecords
	for _, r := range recs {
		it := arkItem{rec: r}
		detail := []string{r.Time.Local().Format("01-02 15:04"), r.Target, r.Source}
		if c, err := ark.Parse(r.ArkJSON); r.ArkJSON != "" && err == nil {
			it.title = cardCleanText(strings.TrimSpace(cardTag(c) + " · " + c.Title))
			it.detail = strings.Join(detail, " · ")
			out.cards = append(out.cards, it)
			continue
		}
		it.title = "✗ " + r.Target
		if r.ErrMsg != "" {
			detail = append(detail, cardCleanText(r.ErrMsg))
		}
		it.detail = strings.Join(detail, " · ")
		out.failed = append(out.failed, it)
	}
	return out, nil
}

func (s *arkScreen) loadCards() {
	st := s.e.deps.Store
	s.e.run("ark.cards", func() func() {
		items, err := readCards(st)
		return func() { s.setRecords(items, err) }
	})
}

func (s *arkScreen) setRecords(items arkRecords, err error) {
	if err != nil {
		s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Cannot read the card list: %s"), errorText(err)))
		return
	}
	s.records, s.failed = items.cards, items.failed
	s.tabs.Items[0].Text = fmt.Sprintf(L("Cards (%d)"), len(s.records))
	s.tabs.Items[1].Text = fmt.Sprintf(L("Failed (%d)"), len(s.failed))
	s.tabs.Refresh()
	s.past.UnselectAll()
	s.past.Refresh()
	s.fails.UnselectAll()
	s.fails.Refresh()
}
