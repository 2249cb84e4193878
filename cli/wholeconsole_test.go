package cli_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// TestServeSaysWhatItServes: serve, as a child process, prints where it listens, each source
// with its event link and each bot — never a token — runs the sources' links (an event pushed
// by the fake NapCat is stored) and exits 0 on SIGTERM.
func TestServeSaysWhatItServes(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: liveBackendToken})
	defer fake.Close()
	dir, child := serveOver(t, []core.Source{
		{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: liveBackendToken, Flavor: "napcat", Default: true, Events: core.LinkWS, WSURL: fake.WSURL()},
		{ID: "lagrange", Via: onebot.Via, Token: "lagrange-token-123456", Flavor: "lagrange", Events: core.LinkWSReverse, SelfID: "20002"},
	}, core.Bot{ID: "koishi", Mode: core.BotWS, Token: "koishi-bot-token-abcdef"})

	waitLink := time.Now().Add(30 * time.Second)
	for fake.EventLinks() == 0 { // serve dialled the fake's WebSocket
		if time.Now().After(waitLink) {
			t.Fatalf("serve did not open the source's event link\n%s%s", child.out.String(), child.stderr.String())
		}
		time.Sleep(5 * time.Millisecond) // polling a real process, with a deadline
	}
	if err := fake.Emit(fake.GroupMessageEvent(30003, 40004, "stored by serve")); err != nil {
		t.Fatal(err)
	}
	// A long-polling consumer of serve's endpoint gets it.
	got := ""
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(got, "stored by serve"); {
		if time.Now().After(deadline) {
			t.Fatalf("GET /events never had the event: %s\n%s%s", got, child.out.String(), child.stderr.String())
		}
		req, _ := http.NewRequest("GET", "http://"+child.addr+"/events?after=0&timeout=5", nil)
		req.Header.Set("Authorization", "Bearer "+liveOurToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = string(b)
	}
	child.stop(t)
	out := child.out.String()
	for _, want := range []string{"serving on http://", "2 message source(s), 1 bot(s)", "source napcat: coolq-http-api", "events ws from ws://",
		"source lagrange: coolq-http-api, actions over the WebSocket, events ws-reverse (the open layer dials ws://", "/report/lagrange)",
		"bot koishi: ws dials ws://", "stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve's output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{liveBackendToken, liveOurToken, "lagrange-token-123456", "koishi-bot-token-abcdef"} {
		if strings.Contains(out+child.stderr.String(), secret) {
			t.Errorf("serve printed a token")
		}
	}
	evs, _, err := reopen(t, dir, "SIGTERM").EventsBefore(0, 100, store.EventFilter{Text: "stored by serve"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("the pushed event in the store: %d %v", len(evs), err)
	}
}
