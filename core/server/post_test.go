package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/server"
)

// TestPostURLReplyAndReload: a source added while the console runs gets its link at
// ReloadSources; its group message is POSTed to the consumer (signed, with its id), whose
// {"reply": …} is sent to the event's context through the dispatcher — one history row.
func TestPostURLReplyAndReload(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
	defer fake.Close()
	var signed atomic.Bool
	consumer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev core.Event
		json.Unmarshal(body, &ev)
		if ev.Type != core.EventMessage {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Header.Get("X-Signature") == onebottest.Sign("consumer-secret", body) && r.Header.Get("X-UCBI-Event-ID") == fmt.Sprint(ev.ID) {
			signed.Store(true)
		}
		io.WriteString(w, `{"reply":"auto reply"}`)
	}))
	defer consumer.Close()
	c := startConsole(t, nil, nil, func(cfg *server.Config) {
		cfg.PostURLs, cfg.PostSecret = []string{consumer.URL}, "consumer-secret"
	})
	src := core.Source{ID: "late", Via: onebot.Via, URL: fake.URL(), Flavor: "napcat", Events: core.LinkWS, WSURL: fake.WSURL()}
	if err := c.db.PutSource(src); err != nil {
		t.Fatal(err)
	}
	if err := c.rt.ReloadSources(); err != nil {
		t.Fatal(err)
	}
	c.linkedTo("late", fake)
	if err := fake.Emit(fake.GroupMessageEvent(5550003, 7770003, "please answer")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the consumer's reply to reach the fake", func() bool {
		for _, r := range fake.Requests() {
			if strings.HasPrefix(r.Action, "send_") && strings.Contains(fmt.Sprint(r.Params["message"]), "auto reply") {
				return true
			}
		}
		return false
	})
	if !signed.Load() {
		t.Error("the POST was not signed with the consumer's secret or lacked its id header")
	}
	c.historyHas(core.OriginUCBI, "send_message", "group:5550003")
}

// TestWatchAppliesEdits: with Watch on, a source stored while the console runs gets its link
// and a bot stored then is served, without a reload call (the app edits the store only).
func TestWatchAppliesEdits(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat})
	defer fake.Close()
	c := startConsole(t, nil, nil, func(cfg *server.Config) { cfg.Watch = 10 * time.Millisecond })
	if err := c.db.PutSource(core.Source{ID: "edited", Via: onebot.Via, URL: fake.URL(), Events: core.LinkWS, WSURL: fake.WSURL()}); err != nil {
		t.Fatal(err)
	}
	if err := c.db.PutBot(core.Bot{ID: "new-bot", Mode: core.BotWS, Token: "new-bot-token"}); err != nil {
		t.Fatal(err)
	}
	c.linkUp("edited")
	waitFor(t, "the new bot", func() bool {
		for _, b := range c.rt.Hub.Bots() {
			if b.ID == "new-bot" {
				return true
			}
		}
		return false
	})
	if err := c.db.DeleteSource("edited"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed source's link to stop", func() bool { return fake.EventLinks() == 0 })
}
