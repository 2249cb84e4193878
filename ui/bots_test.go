package ui

import (
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// Bots are added, shown with their tokens masked, checked by the hub's rules, and removed.
func TestBotsAddMaskRemove(t *testing.T) {
	r := newRig(t, rigOptions{screen: "endpoint", bot: true, sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}}})
	r.idle()
	s := r.e.screen("endpoint").(*endpointScreen)
	p := s.bots
	r.wait("bots.loaded")
	r.ui(func() { s.tabs.SelectIndex(3) }) // Bots

	const token = "bot-token-secret-42"
	r.typeIn(p.id, "koishi")
	r.ui(func() { p.mode.SetSelected(core.BotWSReverse) })
	r.typeIn(p.url, "http://not-a-websocket")
	r.typeIn(p.token, token)
	r.tap(p.saveBtn)
	r.ui(func() {
		if !p.problems.Visible() || !strings.Contains(p.problems.Text, "ws") {
			t.Errorf("a ws-reverse bot with an http URL: %q", p.problems.Text)
		}
	})
	r.typeIn(p.url, "ws://127.0.0.1:8080/onebot/v11/ws")
	r.tap(p.saveBtn)
	r.wait("bots.saved")
	bots, _ := r.db.Bots()
	if len(bots) != 1 || bots[0].Token != token || bots[0].Mode != core.BotWSReverse || bots[0].URL != "ws://127.0.0.1:8080/onebot/v11/ws" {
		t.Fatalf("stored %+v", bots)
	}
	r.idle()
	if r.hasText(token) || !r.hasText(core.MaskedToken(token)) {
		t.Errorf("the token must show masked only; texts %q", r.windowTexts())
	}

	// Saving again without typing keeps the token.
	r.tap(p.saveBtn)
	r.wait("bots.saved")
	if bots, _ := r.db.Bots(); len(bots) != 1 || bots[0].Token != token {
		t.Errorf("after a second save %+v", bots)
	}

	// Remove.
	r.ui(func() { p.list.Select(0) })
	r.tap(p.removeBtn)
	r.tapDialogButton("Remove")
	r.wait("bots.removed")
	if bots, _ := r.db.Bots(); len(bots) != 0 {
		t.Errorf("after remove %+v", bots)
	}
}
