package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

func newTestArk(f *screenFixture) *arkScreen {
	var s *arkScreen
	f.ui(func() {
		s = newArkScreen(f.e)
		f.win.SetContent(s.content())
	})
	f.wait() // sources and past cards
	return s
}

// generate asks for a card of kind (radio label) and id, and waits for it.
func (f *screenFixture) arkGenerate(s *arkScreen, kind, id string) {
	f.t.Helper()
	f.ui(func() {
		s.kind.SetSelected(kind)
		s.idEntry.SetText("")
		test.Type(s.idEntry, id)
		if s.genBtn.Disabled() {
			f.t.Fatalf("Generate is disabled for %s %q: %s", kind, id, s.rule.Text)
		}
		test.Tap(s.genBtn)
	})
	f.wait()
}

// sentMessages returns the message segments of every send_* request the fake got.
func sentMessages(t *testing.T, fake *onebottest.Server, action string) [][]map[string]any {
	t.Helper()
	var out [][]map[string]any
	for _, r := range fake.Requests() {
		if r.Action != action {
			continue
		}
		b, _ := json.Marshal(r.Params["message"])
		var segs []map[string]any
		if err := json.Unmarshal(b, &segs); err != nil {
			t.Fatalf("message %s: %v", b, err)
		}
		out = append(out, segs)
	}
	return out
}

func TestArkIDValidationInline(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestArk(f)
	if !strings.Contains(s.rule.Text, "group number") || !s.genBtn.Disabled() {
		t.Fatalf("empty id: rule %q, generate enabled %v", s.rule.Text, !s.genBtn.Disabled())
	}
	test.Type(s.idEntry, "12ab")
	if s.rule.Importance != widget.DangerImportance || !strings.Contains(s.rule.Text, "Digits only") || !strings.Contains(s.rule.Text, "“a”") {
		t.Fatalf("letters: rule %q (importance %v)", s.rule.Text, s.rule.Importance)
	}
	if !s.genBtn.Disabled() {
		t.Fatal("Generate must be disabled while the id has letters")
	}
	s.idEntry.SetText("1234")
	if !strings.Contains(s.rule.Text, "Too short") || !s.genBtn.Disabled() {
		t.Fatalf("short id: %q", s.rule.Text)
	}
	s.idEntry.SetText("736368697")
	if s.rule.Importance == widget.DangerImportance || s.genBtn.Disabled() {
		t.Fatalf("good id: %q", s.rule.Text)
	}
	if r, ok := s.request(); !ok || r.GroupID != "736368697" || r.UserID != "" || r.Phone != "" {
		t.Fatalf("request = %+v", r)
	}
	s.kind.SetSelected(L("Phone number"))
	if !strings.Contains(s.rule.Text, "NapCat") {
		t.Errorf("the phone rule should say NapCat needs more: %q", s.rule.Text)
	}
	if r, ok := s.request(); !ok || r.Phone != "736368697" || r.GroupID != "" {
		t.Fatalf("exactly one kind: %+v", r)
	}
}

func TestArkGenerateCopyPastAndSend(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestArk(f)
	if len(s.records) != 0 {
		t.Fatalf("past cards at start: %d", len(s.records))
	}

	f.arkGenerate(s, L("QQ number"), "10002")
	want := onebottest.FriendCard("10002", "张三")
	if s.raw != want || s.rawView.Text != want {
		t.Fatalf("raw JSON differs from the card the backend made:\n%s\n%s", s.raw, want)
	}
	r := cardRendererOf(t, s.view)
	if s.view.card == nil || r.title.Text != "张三" || r.sub[0].Text != "账号：10002" || r.tagText.Text != "推荐好友" {
		t.Fatalf("card drawn: title %q subtitle %q tag %q (status %q)", r.title.Text, r.sub[0].Text, r.tagText.Text, s.status.Text)
	}
	if !strings.Contains(s.status.Text, "napcat") {
		t.Errorf("status = %q", s.status.Text)
	}
	img := f.win.Canvas().Capture()
	writeCardPNG(t, img, "ark-screen")

	// Copy: byte for byte
	f.ui(func() { test.Tap(s.copyBtn) })
	if got := f.app.Clipboard().Content(); got != want {
		t.Fatalf("clipboard:\n%q\nwant\n%q", got, want)
	}

	// the past list, newest first
	if len(s.records) != 1 || s.records[0].rec.Target != "private:10002" || !strings.Contains(s.records[0].title, "张三") {
		t.Fatalf("past cards = %+v", s.records)
	}
	f.arkGenerate(s, L("Group number"), "736368697")
	if r.title.Text != "LR26710测试" || r.tagText.Text != "推荐群聊" || r.link.Text != "Opens in browser" {
		t.Fatalf("group card drawn: %q %q %q", r.title.Text, r.tagText.Text, r.link.Text)
	}
	if len(s.records) != 2 || s.records[0].rec.Target != "group:736368697" {
		t.Fatalf("past cards = %+v", s.records)
	}
	// selecting the older one re-renders it from its stored JSON
	f.ui(func() { s.past.Select(1) })
	if r.title.Text != "张三" || s.raw != want || s.card == nil || s.card.Kind != ark.KindFriend {
		t.Fatalf("re-rendered: title %q", r.title.Text)
	}

	// send to a saved context: a json segment with the card byte for byte
	ctx := core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20001"}.WithSource("napcat")
	must(t, f.db.PutContext("dev", ctx))
	f.ui(func() { s.sendCardTo(ctx, s.raw, s.card, false) })
	f.wait()
	if !strings.Contains(s.status.Text, "message id") {
		t.Fatalf("status = %q", s.status.Text)
	}
	msgs := sentMessages(t, f.fake, "send_group_msg")
	if len(msgs) != 1 || len(msgs[0]) != 1 || msgs[0][0]["type"] != "json" {
		t.Fatalf("the fake got %v", msgs)
	}
	data, _ := msgs[0][0]["data"].(map[string]any)
	if data["data"] != want {
		t.Fatalf("json segment data = %v", data)
	}
	// and as a contact segment
	f.ui(func() { s.sendCardTo(ctx, s.raw, s.card, true) })
	f.wait()
	msgs = sentMessages(t, f.fake, "send_group_msg")
	if len(msgs) != 2 || msgs[1][0]["type"] != "contact" || fmt.Sprint(msgs[1][0]["data"]) != "map[id:10002 type:qq]" {
		t.Fatalf("contact segment: %v", msgs)
	}
	// a second send while one is under way is ignored, and Send is disabled meanwhile
	f.ui(func() {
		s.sendCardTo(ctx, s.raw, s.card, false)
		if !s.sendBtn.Disabled() {
			t.Error("Send should be disabled while a card is sent")
		}
		s.sendCardTo(ctx, s.raw, s.card, false)
	})
	f.wait()
	if msgs = sentMessages(t, f.fake, "send_group_msg"); len(msgs) != 3 {
		t.Fatalf("a double send reached the backend %d times", len(msgs)-2)
	}
	f.ui(func() {
		if s.sendBtn.Disabled() {
			t.Error("Send should be enabled again after the send")
		}
	})
	if core.IsDigits("") || core.IsDigits("12a") || core.IsDigits("１２") || !core.IsDigits("20001") {
		t.Error("allDigits")
	}

	// the Send to… dialog lists the saved context
	f.ui(func() { test.Tap(s.sendBtn) })
	f.wait()
	if f.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Send to… should open a dialog")
	}
	var texts []string
	walkObjects(f.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if sel, ok := o.(*widget.Select); ok {
			texts = append(texts, sel.Options...)
		}
		if rg, ok := o.(*widget.RadioGroup); ok {
			texts = append(texts, rg.Options...)
		}
	})
	joined := strings.Join(texts, "|")
	if !strings.Contains(joined, "dev") || !strings.Contains(joined, "A contact segment") {
		t.Fatalf("dialog options: %s", joined)
	}
}

// walkObjects visits o and everything under it (containers and widget renderers).
func walkObjects(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	fn(o)
	switch t := o.(type) {
	case *fyne.Container:
		for _, c := range t.Objects {
			walkObjects(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(t).Objects() {
			walkObjects(c, fn)
		}
	}
}

func TestArkErrorsInPlaceOfTheCard(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestArk(f)
	// NapCat cannot make a card from a phone number alone
	f.arkGenerate(s, L("Phone number"), "13800138000")
	if s.view.card != nil || !strings.Contains(s.view.errText, "group_id or user_id is required") {
		t.Fatalf("error shown: %q", s.view.errText)
	}
	if !s.copyBtn.Disabled() || !s.sendBtn.Disabled() {
		t.Error("Copy and Send need a card")
	}
	if s.genBtn.Disabled() || s.progress.Visible() {
		t.Error("Generate should be usable again")
	}
	// the backend is down
	must(t, f.fake.SetMode(onebottest.ModeDown))
	f.arkGenerate(s, L("QQ number"), "10002")
	if s.view.card != nil || !strings.HasPrefix(s.view.errText, "The card could not be made: ") {
		t.Fatalf("backend down: %q", s.view.errText)
	}
	writeCardPNG(t, f.win.Canvas().Capture(), "ark-error")
}

func TestArkComposeInChinese(t *testing.T) {
	SetLanguage("zh")
	t.Cleanup(func() { SetLanguage("en") })
	f := newScreenFixture(t)
	a := newTestArk(f)
	f.arkGenerate(a, L("Group number"), "736368697")
	if a.genBtn.Text != "生成" || !strings.Contains(a.status.Text, "napcat") {
		t.Fatalf("generate button %q, status %q", a.genBtn.Text, a.status.Text)
	}
	r := cardRendererOf(t, a.view)
	if !strings.Contains(r.caption.Text, "群聊推荐卡片") || r.link.Text != "在浏览器中打开" {
		t.Fatalf("caption %q link %q", r.caption.Text, r.link.Text)
	}
	writeCardPNG(t, f.win.Canvas().Capture(), "ark-screen-zh")

	c := newTestCompose(f)
	c.setType(core.TypeGroup)
	test.Type(c.idEntry, "20001")
	test.Type(c.rows[0].fields["text"], "你好")
	c.addRow("at")
	if !strings.Contains(c.problems.Text, "第 2 段") {
		t.Fatalf("problems = %q", c.problems.Text)
	}
	writeCardPNG(t, f.win.Canvas().Capture(), "compose-screen-zh")
}
