package ui

import (
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// A source without an event link is checked in the background: its dot turns red within a
// poll interval when the backend goes away, and the status bar says which is down since when.
func TestSourceDotTurnsRedWhenTheBackendGoesAway(t *testing.T) {
	old := defaultPollInterval
	defaultPollInterval = 150 * time.Millisecond
	t.Cleanup(func() { defaultPollInterval = old })
	r := newRig(t, rigOptions{screen: "sources", bot: true, sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}}})
	s := r.e.screen("sources").(*sourcesScreen)
	waitState := func(want int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var got int
			r.ui(func() { got = r.e.mon.state("napcat").status })
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status %d, want %d", got, want)
			}
			r.wait("sources.probed")
		}
	}
	waitState(statusUp)
	r.bot.Close()
	waitState(statusDown)
	r.idle()
	r.ui(func() {
		if s.status["napcat"] != statusDown {
			t.Errorf("the screen's dot: %d", s.status["napcat"])
		}
		if !strings.Contains(r.e.sh.sourcesLb.Text, "down since") || !strings.Contains(r.e.sh.sourcesLb.Text, "napcat") {
			t.Errorf("status bar %q", r.e.sh.sourcesLb.Text)
		}
	})
	if !r.hasText("no events · down since") {
		t.Errorf("the row should say since when it is down; texts %q", r.windowTexts())
	}
}

// The form asks for what each open layer and event link needs, and saves only those fields.
func TestSourcesFormPerViaAndLink(t *testing.T) {
	r := newRig(t, rigOptions{screen: "sources", deps: func(d *Deps) {
		d.Dispatcher.Register(onebot12.Via, onebot12.Factory)
		d.Dispatcher.Register(openwx.Via, openwx.Factory)
	}})
	r.wait("sources.loaded")
	s := r.e.screen("sources").(*sourcesScreen)
	formHas := func(label string) bool {
		found := false
		for _, t := range texts(s.formBox) {
			if t == label {
				found = true
			}
		}
		return found
	}
	selectLink := func(code string) {
		r.ui(func() { s.events.SetSelected(L(linkTitles[code])) })
	}

	// OneBot 11 over a forward WebSocket: flavor, ws URL, heartbeat; the NapCat hint.
	r.ui(func() { s.via.SetSelected(onebot.Via) })
	selectLink(core.LinkWS)
	r.ui(func() {
		if !formHas("Flavor") || !formHas("WebSocket URL") || !formHas("Heartbeat (seconds)") || formHas("Platform") || formHas("Secret") {
			t.Errorf("OneBot 11 + ws form: %q", texts(s.formBox))
		}
		if !strings.Contains(s.linkHint.Text, "websocketServers") || !strings.Contains(s.linkHint.Text, "3001") {
			t.Errorf("ws hint %q", s.linkHint.Text)
		}
	})
	r.typeIn(s.id, "napcat")
	r.typeIn(s.wsURL, "http://not-a-ws")
	r.tap(s.saveBtn)
	r.ui(func() {
		if !strings.Contains(s.problems.Text, "ws://") {
			t.Errorf("a bad ws URL: %q", s.problems.Text)
		}
	})
	r.typeIn(s.wsURL, "ws://127.0.0.1:3001")
	r.typeIn(s.url, "http://127.0.0.1:3000")
	r.typeIn(s.heartbeat, "15")
	r.tap(s.saveBtn)
	r.wait("sources.saved")
	got, err := r.db.Source("napcat")
	if err != nil {
		t.Fatalf("%v (problems %q)", err, s.problems.Text)
	}
	if got.Events != core.LinkWS || got.WSURL != "ws://127.0.0.1:3001" || got.HeartbeatMS != 15000 || got.Flavor != "napcat" {
		t.Errorf("stored %+v", got)
	}

	// OneBot 12: platform and self id; an event link it lacks (sse) is not offered.
	r.ui(func() { s.onAdd(); s.via.SetSelected(onebot12.Via) })
	r.ui(func() {
		if !formHas("Platform") || !formHas("Self ID") || formHas("Flavor") {
			t.Errorf("OneBot 12 form: %q", texts(s.formBox))
		}
		for _, o := range s.events.Options {
			if o == L(linkTitles[core.LinkSSE]) {
				t.Error("OneBot 12 is offered an SSE link")
			}
		}
	})
	selectLink(core.LinkHTTPPost)
	r.typeIn(s.id, "ob12")
	r.typeIn(s.url, "http://127.0.0.1:5700")
	r.typeIn(s.platform, "qq")
	r.typeIn(s.selfID, "10001")
	r.typeIn(s.secret, "post-secret-123")
	r.ui(func() {
		if !strings.Contains(s.linkHint.Text, "/report/ob12") {
			t.Errorf("http-post hint %q", s.linkHint.Text)
		}
	})
	r.tap(s.saveBtn)
	r.wait("sources.saved")
	got, err = r.db.Source("ob12")
	if err != nil {
		t.Fatalf("%v (problems %q)", err, s.problems.Text)
	}
	if got.Via != onebot12.Via || got.Platform != "qq" || got.SelfID != "10001" || got.Events != core.LinkHTTPPost || got.Secret != "post-secret-123" || got.Flavor != "" {
		t.Errorf("stored %+v", got)
	}
	if r.hasText("post-secret-123") {
		t.Error("the secret is shown")
	}

	// Openwx: long polling, platform wechat.
	r.ui(func() { s.onAdd(); s.via.SetSelected(openwx.Via) })
	selectLink(core.LinkPoll)
	r.typeIn(s.id, "wx")
	r.typeIn(s.url, "http://127.0.0.1:3000")
	r.tap(s.saveBtn)
	r.wait("sources.saved")
	got, err = r.db.Source("wx")
	if err != nil {
		t.Fatalf("%v (problems %q)", err, s.problems.Text)
	}
	if got.Events != core.LinkPoll || got.Platform != openwx.Platform {
		t.Errorf("stored %+v", got)
	}
}
