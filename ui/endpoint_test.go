package ui

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
)

func TestEndpointStartCallStop(t *testing.T) {
	r := newRig(t, rigOptions{screen: "endpoint", bot: true,
		sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, Flavor: "napcat", Default: true}}})
	r.idle()
	s := r.e.screen("endpoint").(*endpointScreen)

	// A token, generated and saved, never shown in full.
	r.tap(s.genBtn)
	r.wait("endpoint.saved")
	token := r.e.ep.set.Token
	if len(token) < 16 {
		t.Fatalf("token %q", token)
	}
	if saved, _ := r.db.EndpointSettings(); saved.Token != token {
		t.Errorf("saved token %q", saved.Token)
	}
	if r.hasText(token) || !r.hasText(core.MaskedToken(token)) {
		t.Errorf("the token must show masked only; texts %q", r.windowTexts())
	}

	r.typeIn(s.listen, "127.0.0.1:0")
	r.tap(s.startBtn)
	r.wait("endpoint.start")
	addr := r.e.ep.address()
	if addr == "" || strings.HasSuffix(addr, ":0") {
		t.Fatalf("listening on %q (error %q)", addr, r.e.ep.lastErr)
	}
	r.idle()
	if saved, _ := r.db.EndpointSettings(); saved.Listen != "127.0.0.1:0" || !saved.Running {
		t.Errorf("saved listen %q, running %v", saved.Listen, saved.Running)
	}
	r.ui(func() {
		if s.status.Text != "Listening on http://"+addr || !s.startBtn.Disabled() || s.stopBtn.Disabled() {
			t.Errorf("status %q", s.status.Text)
		}
		for _, rt := range s.routes {
			if strings.Contains(rt.Curl, token) || !strings.Contains(rt.Curl, "http://"+addr) {
				t.Errorf("curl example %q", rt.Curl)
			}
		}
	})
	if !r.hasText("Endpoint: listening on http://" + addr) {
		t.Errorf("status bar; texts %q", r.windowTexts())
	}

	// A real call: it is answered, logged, and lands in history.
	req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader(`{"action":"send_group_message","context":{"group_id":"20001"},"params":{"message":"你好"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	r.wait("endpoint.call")
	// Without the token: refused, and logged too.
	resp, err = http.Post("http://"+addr+"/", "application/json", strings.NewReader(`{"action":"^get_contexts"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d", resp.StatusCode)
	}
	r.wait("endpoint.call")
	r.ui(func() {
		if len(r.e.ep.log) != 2 || r.e.ep.log[0].Action != "send_group_message" || r.e.ep.log[1].Status != 401 {
			t.Errorf("log %+v", r.e.ep.log)
		}
		if s.logEmpty.Visible() {
			t.Error("the log still says it is empty")
		}
	})
	r.ui(func() { s.tabs.SelectIndex(2) }) // Calls
	if !r.hasText("send_group_message") || !r.hasText("group:20001") {
		t.Errorf("the log should show the call; texts %q", r.windowTexts())
	}
	// A row opens its history detail (the newest row is the refused call: it has none).
	r.ui(func() { s.logList.Select(1) })
	r.wait("endpoint.opencall")
	if texts := r.overlayTexts(); !strings.Contains(strings.Join(texts, "\n"), "send_group_message") || !strings.Contains(strings.Join(texts, "\n"), "你好") {
		t.Errorf("the call's detail: %q", texts)
	}
	r.tapDialogButton("Close")
	r.open("endpoint")
	if n, _ := r.db.HistoryCount(); n < 1 {
		t.Errorf("history rows %d", n)
	}

	r.tap(s.stopBtn)
	r.wait("endpoint.stop")
	r.ui(func() {
		if s.status.Text != "Stopped" || s.startBtn.Disabled() {
			t.Errorf("status %q", s.status.Text)
		}
	})
	if _, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("the endpoint still answers after Stop")
	}
}

func TestEndpointRefusesOpenListenWithoutToken(t *testing.T) {
	r := newRig(t, rigOptions{screen: "endpoint"})
	r.idle()
	s := r.e.screen("endpoint").(*endpointScreen)
	r.typeIn(s.listen, "0.0.0.0:0")
	r.tap(s.startBtn)
	r.wait("endpoint.start")
	r.ui(func() {
		if r.e.ep.address() != "" || !s.errLabel.Visible() || !strings.Contains(s.errLabel.Text, "without a token") {
			t.Errorf("error label %q", s.errLabel.Text)
		}
	})
}

func TestEndpointLogIsBounded(t *testing.T) {
	r := newRig(t, rigOptions{screen: "endpoint"})
	r.idle()
	r.e.ep.onCall(endpointCall(0))
	r.ui(func() {
		for i := 1; i < maxCallLog+20; i++ {
			r.e.ep.appendLog(endpointCall(i))
		}
		if len(r.e.ep.log) != maxCallLog || r.e.ep.log[len(r.e.ep.log)-1].Path != "/519" || r.e.ep.log[0].Path != "/20" {
			t.Errorf("log has %d entries, first %q last %q", len(r.e.ep.log), r.e.ep.log[0].Path, r.e.ep.log[len(r.e.ep.log)-1].Path)
		}
	})
}

func endpointCall(i int) endpoint.CallLog {
	return endpoint.CallLog{Time: time.Now(), Method: "POST", Path: fmt.Sprintf("/%d", i), Status: 200, Outcome: core.OutcomeOK}
}
