package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"
)

// Before anything is sent, choosing "Phone number" for a NapCat source says NapCat needs a QQ
// number (it answers a phone number with an error).
func TestArkPhoneWarnsBeforeSending(t *testing.T) {
	f := newScreenFixture(t) // its one source is NapCat
	s := newTestArk(f)
	f.ui(func() {
		s.kind.SetSelected(L("Phone number"))
		if s.rule.Importance != widget.WarningImportance || !strings.Contains(s.rule.Text, "NapCat needs a QQ number") {
			t.Errorf("phone with NapCat: rule %q (importance %v)", s.rule.Text, s.rule.Importance)
		}
		s.kind.SetSelected(L("QQ number"))
		if s.rule.Importance == widget.WarningImportance {
			t.Errorf("QQ number warned: %q", s.rule.Text)
		}
	})
	if n := len(f.fake.Requests()); n != 0 {
		t.Fatalf("%d requests went to the backend", n)
	}
}

// Failed attempts are listed apart from the cards made; clicking either puts its request back
// in the form.
func TestArkPastAttemptsFillTheFormAndFailuresApart(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestArk(f)
	f.arkGenerate(s, L("QQ number"), "10002")
	f.arkGenerate(s, L("Phone number"), "13800138000") // NapCat: an error, no card
	f.arkGenerate(s, L("Group number"), "736368697")
	f.ui(func() {
		if len(s.records) != 2 || len(s.failed) != 1 {
			t.Fatalf("cards %d, failed %d", len(s.records), len(s.failed))
		}
		if !strings.HasPrefix(s.failed[0].rec.Target, "phone:") || s.failed[0].rec.ArkJSON != "" {
			t.Errorf("failed = %+v", s.failed[0].rec)
		}
		if s.tabs.Items[0].Text != "Cards (2)" || s.tabs.Items[1].Text != "Failed (1)" {
			t.Errorf("tabs %q %q", s.tabs.Items[0].Text, s.tabs.Items[1].Text)
		}
		s.past.Select(1) // the friend card
		if s.kindValue() != arkUser || s.idEntry.Text != "10002" || s.card == nil {
			t.Errorf("after clicking the friend card: kind %q id %q", s.kindValue(), s.idEntry.Text)
		}
		s.fails.Select(0)
		if s.kindValue() != arkPhone || s.idEntry.Text != "13800138000" || s.card != nil {
			t.Errorf("after clicking the failure: kind %q id %q", s.kindValue(), s.idEntry.Text)
		}
		if s.genBtn.Disabled() {
			t.Error("Generate should ask again at once")
		}
	})
}
