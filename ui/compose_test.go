package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// screenFixture is a real store in t.TempDir(), a real dispatcher, and a fake NapCat.
type screenFixture struct {
	t    *testing.T
	app  fyne.App
	win  fyne.Window
	db   *store.DB
	d    *core.Dispatcher
	fake *onebottest.Server
	e    *env
}

func newScreenFixture(t *testing.T) *screenFixture {
	t.Helper()
	a := test.NewTempApp(t)
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
	t.Cleanup(fake.Close)
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Flavor: "napcat", Default: true, Token: ""}); err != nil {
		t.Fatal(err)
	}
	d := core.NewDispatcher(db, db, db)
	d.Register(onebot.Via, onebot.Factory)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1200, 800))
	f := &screenFixture{t: t, app: a, win: w, db: db, d: d, fake: fake}
	f.e = &env{deps: Deps{Store: db, Dispatcher: d}, win: w, app: a}

	prev := avatarFetch
	avatarFetch = func(string) ([]byte, error) { return cardTestAvatarPNG(), nil }
	t.Cleanup(func() {
		f.wait()
		avatarFetch = prev
	})
	return f
}

// wait returns once every piece of background work has applied its result.
func (f *screenFixture) wait() {
	f.t.Helper()
	done := make(chan struct{})
	go func() {
		f.e.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		f.t.Fatal("background work did not finish")
	}
}

func cardTestAvatarPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.NRGBA{0x3A, uint8(0x80 + x), uint8(0xC0 + y/2), 0xFF})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// ui drives widgets holding the env's UI lock, so background work that finishes meanwhile (its
// UI half runs on the worker goroutine in the test driver) waits for it.
func (f *screenFixture) ui(fn func()) { f.e.ui(fn) }

func newTestCompose(f *screenFixture) *composeScreen {
	var s *composeScreen
	f.ui(func() {
		s = newComposeScreen(f.e)
		f.win.SetContent(s.content())
	})
	f.wait() // sources
	return s
}

// forgetComposeDraft waits for the drafts being saved and removes the saved one: the next
// Compose starts empty.
func forgetComposeDraft(f *screenFixture) {
	f.t.Helper()
	f.wait()
	if err := f.db.PutSetting(keyComposeDraft, ""); err != nil {
		f.t.Fatal(err)
	}
}

func composeCtrlEnter() fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}
}

func TestComposeSegmentsPreviewAndSend(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)

	if got := s.sourceSel.Selected; !strings.HasPrefix(got, "napcat") {
		t.Fatalf("source select = %q, want the napcat source", got)
	}
	s.setType(core.TypeGroup)
	test.Type(s.idEntry, "20001")

	text := s.rows[0]
	test.Type(text.fields["text"], "hello")
	img := s.addRow("image")
	test.Type(img.fields["url"], "https://example.com/a.png")
	at := s.addRow("at")
	test.Type(at.fields["user_id"], "10002")

	ucbi, ob := s.ucbiView.Text, s.onebotView.Text
	for _, want := range []string{`"action": "send_message"`, `"group_id": "20001"`, `"config_id": "napcat"`,
		`"type": "text"`, `"text": "hello"`, `"type": "image"`, `"url": "https://example.com/a.png"`, `"type": "at"`, `"user_id": "10002"`} {
		if !strings.Contains(ucbi, want) {
			t.Errorf("UCBI pane lacks %s:\n%s", want, ucbi)
		}
	}
	for _, want := range []string{"POST /send_group_msg", `"group_id": 20001`, `"file": "https://example.com/a.png"`, `"qq": "10002"`} {
		if !strings.Contains(ob, want) {
			t.Errorf("OneBot pane lacks %s:\n%s", want, ob)
		}
	}
	// the UCBI pane is the request, as JSON
	var req core.Request
	if err := json.Unmarshal([]byte(ucbi), &req); err != nil {
		t.Fatalf("UCBI pane is not JSON: %v", err)
	}

	// reorder: at above image; then remove the text row
	test.Tap(at.up)
	ucbi = s.ucbiView.Text
	if i, j := strings.Index(ucbi, `"type": "at"`), strings.Index(ucbi, `"type": "image"`); i < 0 || j < 0 || i > j {
		t.Fatalf("at should come before image after moving it up:\n%s", ucbi)
	}
	if s.rows[1] != at || s.rows[2] != img {
		t.Fatal("rows after the move should be text, at, image")
	}
	test.Tap(text.remove)
	if len(s.rows) != 2 || s.rows[0] != at || s.rows[1] != img {
		t.Fatalf("rows after remove = %d", len(s.rows))
	}
	if strings.Contains(s.ucbiView.Text, "hello") || strings.Contains(s.onebotView.Text, "hello") {
		t.Fatalf("the removed text row is still in the request:\n%s", s.ucbiView.Text)
	}
	if !s.rows[0].up.Disabled() || !s.rows[1].down.Disabled() {
		t.Error("the first row's up and the last row's down buttons should be disabled")
	}
	if s.sendBtn.Disabled() {
		t.Fatalf("Send is disabled: %s", s.problems.Text)
	}

	f.ui(func() { test.Tap(s.sendBtn) })
	f.wait()
	if !strings.Contains(s.result.Text, "message id") {
		t.Fatalf("result = %q, want a message id", s.result.Text)
	}
	if s.sendBtn.Disabled() || s.progress.Visible() {
		t.Error("after the send, Send should be enabled again and the progress bar hidden")
	}
	if n := f.fake.Count("send_group_msg"); n != 1 {
		t.Fatalf("the fake got %d send_group_msg, want 1", n)
	}
	var got *onebottest.Recorded
	for _, r := range f.fake.Requests() {
		if r.Action == "send_group_msg" {
			r := r
			got = &r
		}
	}
	b, _ := json.Marshal(got.Params["message"])
	var segs []struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &segs); err != nil {
		t.Fatalf("message the fake got: %s: %v", b, err)
	}
	if len(segs) != 2 || segs[0].Type != "at" || segs[1].Type != "image" ||
		fmt.Sprint(segs[0].Data["qq"]) != "10002" || segs[1].Data["file"] != "https://example.com/a.png" {
		t.Fatalf("the fake got %s, want [at 10002, image]", b)
	}
	if fmt.Sprint(got.Params["group_id"]) != "20001" {
		t.Fatalf("group_id = %v", got.Params["group_id"])
	}

	writeCardPNG(t, f.win.Canvas().Capture(), "compose-screen")

	// the send is in history, so it is a recent target
	recs, err := f.db.HistoryPage(0, 10, store.HistoryFilter{})
	if err != nil || len(recs) == 0 {
		t.Fatalf("history: %v %v", recs, err)
	}
	if rt := composeRecentTargets(recs, 5); len(rt) != 1 || rt[0].target.String() != "group:20001" || rt[0].source != "napcat" {
		t.Fatalf("recent targets = %+v", rt)
	}
}

func TestComposePlainTextAndShortcut(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	test.Type(s.rows[0].fields["text"], "carried over")
	test.Tap(s.plain)
	if !s.plainEntry.Visible() || s.segArea.Visible() {
		t.Fatal("plain mode should show the single entry instead of the rows")
	}
	if s.plainEntry.Text != "carried over" {
		t.Fatalf("plain entry = %q, want the text of the text row", s.plainEntry.Text)
	}
	s.plainEntry.SetText("")
	test.Type(s.plainEntry, "hi <there> & you")
	s.setType(core.TypePrivate)
	test.Type(s.idEntry, "10002")
	if !strings.Contains(s.ucbiView.Text, `"message": "hi <there> & you"`) {
		t.Fatalf("plain mode should send a string message:\n%s", s.ucbiView.Text)
	}
	if !strings.Contains(s.onebotView.Text, "POST /send_private_msg") || !strings.Contains(s.onebotView.Text, `"user_id": 10002`) {
		t.Fatalf("OneBot pane:\n%s", s.onebotView.Text)
	}

	// Ctrl+Enter in the focused entry sends
	f.ui(func() { s.plainEntry.TypedShortcut(composeCtrlEnter()) })
	f.wait()
	if !strings.Contains(s.result.Text, "message id") {
		t.Fatalf("result = %q", s.result.Text)
	}
	if n := f.fake.Count("send_private_msg"); n != 1 {
		t.Fatalf("send_private_msg count = %d", n)
	}
	if s.plainEntry.Text != "hi <there> & you" {
		t.Error("Ctrl+Enter must not type into the entry")
	}

	// and so does the window's shortcut while the screen is shown…
	f.ui(func() { s.onCanvasShortcut(composeCtrlEnter()) })
	f.wait()
	if n := f.fake.Count("send_private_msg"); n != 2 {
		t.Fatalf("after the canvas shortcut send_private_msg count = %d, want 2", n)
	}
	// …but not while another screen is
	f.ui(func() {
		f.win.SetContent(widget.NewLabel("another screen"))
		s.onCanvasShortcut(composeCtrlEnter())
	})
	f.wait()
	if n := f.fake.Count("send_private_msg"); n != 2 {
		t.Fatalf("Ctrl+Enter on another screen sent (count %d)", n)
	}
	f.ui(func() { f.win.SetContent(s.content()) })

	// an empty plain message cannot be sent
	s.plainEntry.SetText("")
	if !s.sendBtn.Disabled() || !strings.Contains(s.problems.Text, "empty") {
		t.Fatalf("empty plain message: send enabled=%v problems=%q", !s.sendBtn.Disabled(), s.problems.Text)
	}
}

func TestComposeRawSegmentValidation(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	s.setType(core.TypeGroup)
	test.Type(s.idEntry, "20001")
	test.Tap(s.rows[0].remove)
	raw := s.addRow("raw")
	if raw.fields["type"].Text != "*json" {
		t.Fatalf("raw row type = %q", raw.fields["type"].Text)
	}
	test.Type(raw.fields["data"], `{"data": `)
	if !s.sendBtn.Disabled() {
		t.Fatal("Send must be disabled while the raw JSON is bad")
	}
	if !strings.Contains(s.problems.Text, "not valid JSON") || !raw.errText.Visible() {
		t.Fatalf("problems = %q (row error visible: %v)", s.problems.Text, raw.errText.Visible())
	}
	if !strings.Contains(s.problems.Text, "Segment 1") {
		t.Errorf("the problem should name the row: %q", s.problems.Text)
	}
	raw.fields["data"].SetText(`[1, 2]`)
	if !strings.Contains(s.problems.Text, "must be a JSON object") || !s.sendBtn.Disabled() {
		t.Fatalf("array data: problems = %q", s.problems.Text)
	}
	raw.fields["type"].SetText("json")
	if !strings.Contains(s.problems.Text, "start with *") {
		t.Fatalf("type without *: problems = %q", s.problems.Text)
	}
	raw.fields["type"].SetText("*json")
	raw.fields["data"].SetText(`{"data": "{\"app\":\"x\"}"}`)
	if s.sendBtn.Disabled() || raw.errText.Visible() {
		t.Fatalf("valid raw row: problems = %q", s.problems.Text)
	}
	if !strings.Contains(s.onebotView.Text, `"type": "json"`) {
		t.Fatalf("OneBot pane:\n%s", s.onebotView.Text)
	}

	// core's rules show in words too: a location needs numbers
	loc := s.addRow("location")
	test.Type(loc.fields["latitude"], "north")
	test.Type(loc.fields["longitude"], "116.39")
	if !strings.Contains(s.problems.Text, "Segment 2") || !strings.Contains(s.problems.Text, "latitude") || !s.sendBtn.Disabled() {
		t.Fatalf("bad latitude: problems = %q", s.problems.Text)
	}
	loc.fields["latitude"].SetText("39.9")
	if s.sendBtn.Disabled() {
		t.Fatalf("good location: problems = %q", s.problems.Text)
	}
	if !strings.Contains(s.ucbiView.Text, `"latitude": 39.9`) {
		t.Fatalf("latitude should be a JSON number:\n%s", s.ucbiView.Text)
	}

	// a target id with letters
	s.idEntry.SetText("12a")
	if !s.sendBtn.Disabled() || !strings.Contains(s.problems.Text, "digits only") {
		t.Fatalf("bad id: problems = %q", s.problems.Text)
	}
}

func TestComposeEverySegmentKind(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	s.setType(core.TypeGroup)
	test.Type(s.idEntry, "20001")
	fill := map[string]map[string]string{
		"text":     {"text": "line 1\nline 2"},
		"image":    {"data": "iVBORw0KGgo="},
		"at":       {"user_id": "10003"},
		"*face":    {"id": "14"},
		"*reply":   {"id": "123456"},
		"link":     {"url": "https://example.com", "title": "Example"},
		"location": {"latitude": "39.9", "longitude": "116.4", "description": "天安门"},
		"contact":  {"user_id": "10002"},
		"group":    {"group_id": "20002"},
		"audio":    {"url": "https://example.com/a.mp3"},
		"video":    {"path": "/srv/v.mp4"},
	}
	test.Tap(s.rows[0].remove)
	for _, k := range segmentKinds {
		vals, ok := fill[k.typ]
		if !ok {
			continue
		}
		r := s.addRow(k.typ)
		for key, v := range vals {
			r.fields[key].SetText(v)
		}
	}
	if s.sendBtn.Disabled() {
		t.Fatalf("problems: %s", s.problems.Text)
	}
	for _, want := range []string{`"type": "face"`, `"type": "reply"`, `"type": "share"`, `"type": "location"`,
		`"type": "contact"`, `"type": "record"`, `"file": "base64://iVBORw0KGgo="`, `"file": "file:///srv/v.mp4"`} {
		if !strings.Contains(s.onebotView.Text, want) {
			t.Errorf("OneBot pane lacks %s", want)
		}
	}
	// OneBot 11 has no file segment: said in words, Send disabled
	file := s.addRow("file")
	file.fields["url"].SetText("https://example.com/f.zip")
	if !s.sendBtn.Disabled() || !strings.Contains(s.problems.Text, "no file segment") {
		t.Fatalf("file row: problems = %q", s.problems.Text)
	}
	test.Tap(file.remove)

	// @all
	at := s.rows[2]
	test.Tap(at.all)
	if !strings.Contains(s.ucbiView.Text, `"user_id": "all"`) || !strings.Contains(s.onebotView.Text, `"qq": "all"`) {
		t.Fatalf("@all:\n%s", s.onebotView.Text)
	}

	f.ui(func() { test.Tap(s.sendBtn) })
	f.wait()
	if !strings.Contains(s.result.Text, "message id") {
		t.Fatalf("result = %q", s.result.Text)
	}
}

func TestComposeContextsAndContacts(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)

	c := core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20002"}.WithSource("napcat")
	s.takeContext(c)
	if s.selectedType() != core.TypeGroup || s.idEntry.Text != "20002" || !strings.Contains(s.targetLb.Text, "20002") {
		t.Fatalf("after setContext: type %q id %q label %q", s.selectedType(), s.idEntry.Text, s.targetLb.Text)
	}
	f.ui(func() { s.saveContext("dev group", c) })
	f.wait()
	saved, err := f.db.Contexts()
	if err != nil || len(saved) != 1 || saved[0].Name != "dev group" || saved[0].Context.Target().String() != "group:20002" {
		t.Fatalf("saved contexts = %+v, %v", saved, err)
	}
	if !strings.Contains(s.result.Text, "dev group") {
		t.Errorf("result = %q", s.result.Text)
	}
	// a second save under the same name is refused, the first context stays
	other := core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "30003"}.WithSource("napcat")
	f.ui(func() { s.saveContext("dev group", other) })
	f.wait()
	saved, _ = f.db.Contexts()
	if len(saved) != 1 || saved[0].Context.Target().String() != "group:20002" {
		t.Fatalf("duplicate name overwrote: %+v", saved)
	}
	if !strings.Contains(s.result.Text, "already exists") {
		t.Errorf("result after duplicate = %q", s.result.Text)
	}

	// friends and groups: fetched through the dispatcher, cached in the store, searchable
	src, _ := s.selectedSource()
	var picked store.Contact
	p := s.newContactPicker(src, oneBot11{}, []string{"friend", "group"}, func(c store.Contact) { picked = c })
	f.ui(func() { p.load(false) })
	f.wait()
	if len(p.all) != len(onebottest.Friends)+len(onebottest.Groups) {
		t.Fatalf("picker has %d contacts (%s)", len(p.all), p.status.Text)
	}
	if f.fake.Count("get_friend_list") != 1 || f.fake.Count("get_group_list") != 1 {
		t.Fatal("the lists should have been fetched once each")
	}
	friends, _, err := f.db.ContactsOf("napcat", "friend")
	if err != nil || len(friends) != len(onebottest.Friends) {
		t.Fatalf("cached friends = %v, %v", friends, err)
	}
	test.Type(p.search, "老张")
	if len(p.shown) != 1 || p.shown[0].ID != "10002" {
		t.Fatalf("search 老张 = %+v", p.shown)
	}
	p.search.SetText("7363")
	if len(p.shown) != 1 || p.shown[0].Kind != "group" {
		t.Fatalf("search by id = %+v", p.shown)
	}
	p.list.Select(0)
	if picked.ID != "736368697" {
		t.Fatalf("picked %+v", picked)
	}
	// a second picker reads the cache
	p2 := s.newContactPicker(src, oneBot11{}, []string{"friend"}, func(store.Contact) {})
	f.ui(func() { p2.load(false) })
	f.wait()
	if len(p2.all) != len(onebottest.Friends) || f.fake.Count("get_friend_list") != 1 {
		t.Fatalf("cached load: %d contacts, %d fetches", len(p2.all), f.fake.Count("get_friend_list"))
	}
	// group members for the at picker
	p3 := s.newContactPicker(src, oneBot11{}, []string{"member:20002"}, func(store.Contact) {})
	f.ui(func() { p3.load(false) })
	f.wait()
	if len(p3.all) != 3 || f.fake.Count("get_group_member_list") != 1 {
		t.Fatalf("members: %+v (%s)", p3.all, p3.status.Text)
	}

	// useRecent / useSavedContext
	s.useRecent(composeRecent{source: "napcat", target: core.Target{Type: core.TypePrivate, ID: "10003"}})
	if s.selectedType() != core.TypePrivate || s.idEntry.Text != "10003" {
		t.Fatalf("useRecent: %q %q", s.selectedType(), s.idEntry.Text)
	}
	f.ui(func() { s.useSavedContext(saved[0]) })
	f.wait()
	if s.idEntry.Text != "20002" || !strings.Contains(s.targetLb.Text, "dev group") {
		t.Fatalf("useSavedContext: %q %q", s.idEntry.Text, s.targetLb.Text)
	}
}

func TestComposeBackendErrorInWords(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	s.setType(core.TypeGroup)
	test.Type(s.idEntry, "20001")
	test.Type(s.rows[0].fields["text"], "hello")
	if err := f.fake.SetMode(onebottest.ModeDown); err != nil {
		t.Fatal(err)
	}
	f.ui(func() { test.Tap(s.sendBtn) })
	f.wait()
	if !strings.HasPrefix(s.result.Text, "Not sent: ") || strings.Contains(s.result.Text, "message id") {
		t.Fatalf("result = %q", s.result.Text)
	}
	if s.sendBtn.Disabled() {
		t.Error("Send should be enabled again after a failure")
	}
}

func TestComposePreviewTextIsBounded(t *testing.T) {
	short := `{"a": "b"}`
	if composePreviewText(short) != short {
		t.Fatal("a short preview is shown whole")
	}
	long := strings.Repeat("图", previewMax) // 3 bytes each
	got := composePreviewText(long)
	if len(got) > previewMax+100 || !strings.Contains(got, "more bytes not shown") {
		t.Fatalf("long preview: %d bytes", len(got))
	}
	if !utf8ValidPrefix(got) {
		t.Fatal("the cut splits a character")
	}
}

func utf8ValidPrefix(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// A fresh screen has nothing wrong yet: what is missing is a grey hint (Send stays disabled);
// once the user edits the target or the message, or tries to send, problems turn red.
func TestComposeProblemsNeutralUntilEdited(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	text := s.rows[0]
	neutral := func(when string) {
		t.Helper()
		if !s.sendBtn.Disabled() {
			t.Fatalf("%s: Send must be disabled", when)
		}
		if !s.problems.Visible() || s.problems.Importance != widget.LowImportance ||
			!strings.Contains(s.problems.Text, "Enter the target id") {
			t.Fatalf("%s: problems %q (visible %v, importance %v), want a grey hint",
				when, s.problems.Text, s.problems.Visible(), s.problems.Importance)
		}
		if !text.errText.Visible() || text.errText.Importance != widget.LowImportance {
			t.Fatalf("%s: row problem %q (importance %v), want a grey hint", when, text.errText.Text, text.errText.Importance)
		}
	}
	red := func(when string) {
		t.Helper()
		if !s.sendBtn.Disabled() {
			t.Fatalf("%s: Send must be disabled", when)
		}
		if !s.problems.Visible() || s.problems.Importance != widget.DangerImportance {
			t.Fatalf("%s: problems %q (importance %v), want red", when, s.problems.Text, s.problems.Importance)
		}
		if !text.errText.Visible() || text.errText.Importance != widget.DangerImportance {
			t.Fatalf("%s: row problem %q (importance %v), want red", when, text.errText.Text, text.errText.Importance)
		}
	}
	neutral("fresh screen")
	// loading the sources again (another screen added one) is not the user's edit
	f.ui(func() { s.loadSources() })
	f.wait()
	neutral("after the sources reloaded")
	// nor is switching to plain text and back
	f.ui(func() {
		test.Tap(s.plain)
		test.Tap(s.plain)
	})
	neutral("after toggling plain text")

	// typing a target id is
	f.ui(func() { test.Type(s.idEntry, "2") })
	red("after typing the target id")
	if strings.Contains(s.problems.Text, "Enter the target id") || !strings.Contains(s.problems.Text, "text is empty") {
		t.Fatalf("problems = %q", s.problems.Text)
	}
	// a fixed message clears the problems entirely
	f.ui(func() { test.Type(text.fields["text"], "hello") })
	if s.problems.Visible() || text.errText.Visible() || s.sendBtn.Disabled() {
		t.Fatalf("valid message: problems %q, row %q", s.problems.Text, text.errText.Text)
	}

	// Ctrl+Enter on a fresh screen sends nothing, but says what is missing in red (a fresh
	// screen: the first one's draft is forgotten)
	forgetComposeDraft(f)
	s2 := newTestCompose(f)
	text = s2.rows[0]
	s = s2
	neutral("second fresh screen")
	f.ui(func() { text.fields["text"].TypedShortcut(composeCtrlEnter()) })
	f.wait()
	red("after Ctrl+Enter")
	if n := f.fake.Count("send_group_msg") + f.fake.Count("send_private_msg"); n != 0 {
		t.Fatalf("an invalid message was sent (%d)", n)
	}

	// editing the message (not the target) turns them red too
	forgetComposeDraft(f)
	s3 := newTestCompose(f)
	s, text = s3, s3.rows[0]
	neutral("third fresh screen")
	f.ui(func() { s.addRow("at") })
	red("after adding a segment")
}

// In Chinese the screen's own row messages are translated, and core's "segment 1 (at): …"
// (English, counted from 0) gets the same prefix the rows use ("第 2 段（@ 提及）：").
func TestComposeRowMessagesInChinese(t *testing.T) {
	SetLanguage("zh")
	t.Cleanup(func() { SetLanguage("en") })
	f := newScreenFixture(t)
	s := newTestCompose(f)
	f.ui(func() {
		s.setType(core.TypeGroup)
		test.Type(s.idEntry, "20001")
		test.Type(s.rows[0].fields["text"], "你好")
		s.addRow("at")
	})
	if !strings.Contains(s.problems.Text, "第 2 段（@ 提及）：data 需要 user_id or user_tid") {
		t.Fatalf("at without a user: problems = %q", s.problems.Text)
	}
	verr := core.ValidateMessage(core.Message{{Type: "text", Text: "你好"}, {Type: "at", Data: map[string]any{}}})
	if got := s.segmentErrorText(verr); got != "第 2 段（@ 提及）：data 需要 user_id or user_tid" {
		t.Fatalf("core's segment prefix: %q", got)
	}
	plainErr := core.Errorf(core.CodeMissingParam, "the group target has no group_id")
	if got := s.segmentErrorText(plainErr); got != engineMessage(plainErr) {
		t.Fatalf("a message without a segment prefix: %q", got)
	}

	var raw *segmentRow
	f.ui(func() {
		test.Tap(s.rows[1].remove)
		raw = s.addRow("raw")
		test.Type(raw.fields["data"], `[1, 2]`)
	})
	if want := "第 2 段（原始）：数据必须是 JSON 对象，而不是 数组"; !strings.Contains(s.problems.Text, want) {
		t.Fatalf("raw array: problems = %q, want %q", s.problems.Text, want)
	}
	f.ui(func() { raw.fields["data"].SetText(`{} {}`) })
	if !strings.Contains(s.problems.Text, "数据不是有效的 JSON：不止一个值") {
		t.Fatalf("raw with two values: problems = %q", s.problems.Text)
	}
	for _, line := range strings.Split(s.problems.Text, "\n") {
		if strings.Contains(line, "Segment") || strings.Contains(line, "segment") {
			t.Fatalf("an English segment prefix in Chinese: %q", line)
		}
	}
}
