package endpoint_test

import (
	"encoding/json"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// seedReply is the seed's response with every field, to check names and types.
type seedReply struct {
	Status  *string `json:"status"`
	Retcode *int    `json:"retcode"`
	Data    *struct {
		ErrCode *int    `json:"errCode"`
		ErrMsg  *string `json:"errMsg"`
		ArkJSON *string `json:"arkJson"`
	} `json:"data"`
	Message *string         `json:"message"`
	Wording *string         `json:"wording"`
	Echo    json.RawMessage `json:"echo"`
}

func decodeSeed(t *testing.T, body string) seedReply {
	t.Helper()
	var r seedReply
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not JSON: %q", body)
	}
	if r.Status == nil || r.Retcode == nil || r.Data == nil || r.Data.ErrCode == nil || r.Data.ErrMsg == nil || r.Data.ArkJSON == nil || r.Message == nil || r.Wording == nil {
		t.Fatalf("a seed field is missing: %s", body)
	}
	// field order as the seed lists it
	order := []string{`"status"`, `"retcode"`, `"data"`, `"errCode"`, `"errMsg"`, `"arkJson"`, `"message"`, `"wording"`}
	last := -1
	for _, f := range order {
		i := strings.Index(body, f)
		if i < last {
			t.Fatalf("field %s out of the seed's order: %s", f, body)
		}
		last = i
	}
	return r
}

func TestArkSharePeerSeedContract(t *testing.T) {
	gq := onebottest.New(onebottest.Options{Flavor: "go-cqhttp"})
	defer gq.Close()
	r := newRig(t, "", core.Source{ID: "gq", Via: onebot.Via, URL: gq.URL(), Flavor: "go-cqhttp"})

	// a group card: arkJson without NapCat's trailing newline, byte-for-byte the backend's card
	status, body, _ := r.do("POST", "/ArkSharePeer", `{"group_id":736368697,"echo":"e-1"}`)
	rep := decodeSeed(t, body)
	want := onebottest.GroupCard("736368697", "LR26710测试")
	if status != 200 || *rep.Status != "ok" || *rep.Retcode != 0 || *rep.Data.ErrCode != 0 || *rep.Data.ArkJSON != want || string(rep.Echo) != `"e-1"` {
		t.Fatalf("group card: %d %s", status, body)
	}
	// a friend card: NapCat answers arkMsg; we answer arkJson; the id as a string works too
	_, body, _ = r.do("POST", "/ArkSharePeer", `{"user_id":"1049509241"}`)
	rep = decodeSeed(t, body)
	if *rep.Data.ArkJSON != onebottest.FriendCard("1049509241", "暗世现") || rep.Echo != nil {
		t.Fatalf("friend card: %s", body)
	}
	card, err := ark.Parse(*rep.Data.ArkJSON)
	if err != nil || card.Kind != ark.KindFriend || card.UIN != "1049509241" {
		t.Fatalf("friend card parsed: %+v %v", card, err)
	}

	// exactly one of the three
	for _, c := range []struct{ body, mention string }{
		{`{}`, "one of group_id, user_id or phoneNumber is required"},
		{``, "one of group_id, user_id or phoneNumber is required"},
		{`null`, "one of group_id, user_id or phoneNumber is required"},
		{`{"group_id":1,"user_id":2}`, "exactly one"},
		{`{"group_id":1,"user_id":2,"phoneNumber":"13800138000"}`, "exactly one"},
		{`{"user_id":{"x":1},"echo":7}`, "user_id"},
	} {
		status, body, _ := r.do("POST", "/ArkSharePeer", c.body)
		rep := decodeSeed(t, body)
		if status != 200 || *rep.Status != "failed" || *rep.Retcode == 0 || !strings.Contains(*rep.Message, c.mention) {
			t.Errorf("%s: want a top-level failure naming %q, got %d %s", c.body, c.mention, status, body)
		}
	}
	// NapCat needs user_id with a phone number: its answer is reported honestly, as a card that
	// could not be made, and both phone keys were sent
	_, body, _ = r.do("POST", "/ArkSharePeer", `{"phoneNumber":"13800138000"}`)
	rep = decodeSeed(t, body)
	if *rep.Status != "ok" || *rep.Retcode != 0 || *rep.Data.ErrCode == 0 || !strings.Contains(*rep.Data.ErrMsg, "user_id") {
		t.Fatalf("phone alone: %s", body)
	}
	recs := r.fake.Requests()
	last := recs[len(recs)-1].Params
	if last["phone_number"] != "13800138000" || last["phoneNumber"] != "13800138000" {
		t.Fatalf("both phone keys must be sent: %v", last)
	}
	// go-cqhttp cannot make cards: a clear failure, and it was never asked
	_, body, _ = r.do("POST", "/ArkSharePeer?source=gq", `{"group_id":1}`)
	rep = decodeSeed(t, body)
	if *rep.Status != "failed" || *rep.Retcode != ark.RetcodeUnsupported || !strings.Contains(*rep.Message, "cannot generate") || gq.Count("ArkSharePeer") != 0 {
		t.Fatalf("go-cqhttp: %s", body)
	}
	// the same through /s/{source}/ArkSharePeer, and an unknown source
	_, body, _ = r.do("POST", "/s/nope/ArkSharePeer", `{"group_id":1}`)
	if rep = decodeSeed(t, body); *rep.Status != "failed" || !strings.Contains(*rep.Message, "nope") {
		t.Fatalf("unknown source: %s", body)
	}
	// GET is not the seed's method
	status, body, _ = r.do("GET", "/ArkSharePeer", "")
	if rep = decodeSeed(t, body); status != 405 || *rep.Status != "failed" {
		t.Fatalf("GET: %d %s", status, body)
	}

	// every generated card is stored, newest first, with its outcome
	cards, err := r.db.Cards(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 3 || cards[0].Target != "phone:13800138000" || cards[0].Outcome != core.OutcomeError ||
		cards[2].Target != "group:736368697" || cards[2].ArkJSON != want || cards[2].Source != "napcat" {
		t.Fatalf("stored cards: %+v", cards)
	}
	// and every call is in history
	rows := r.history()
	n := 0
	for _, row := range rows {
		if row.Action == "ArkSharePeer" {
			n++
		}
	}
	if n != 11 {
		t.Fatalf("want 11 ArkSharePeer rows (one per call that got past auth), got %d", n)
	}
}

func TestArkSharePeerThroughUCBI(t *testing.T) {
	r := newRig(t, "")
	status, m := r.post(`{"action":"*ArkSharePeer","context":{"via":"coolq-http-api","extra":{"config_id":"napcat"}},"params":{"group_id":"20001"}}`)
	if status != 200 || m["errCode"] != float64(0) || m["arkJson"] != onebottest.GroupCard("20001", "测试群") {
		t.Fatalf("*ArkSharePeer: %d %v", status, m)
	}
	// the seed's rules, through UCBI too: one decoder serves both routes
	for _, params := range []string{
		`{"group_id":"1","user_id":"2"}`,
		`{"group_id":"abc"}`,
		`{"user_id":-5}`,
		`{"phoneNumber":"138 0013 8000","phone_number":"13900139000"}`,
	} {
		status, m = r.post(`{"action":"*ArkSharePeer","params":` + params + `}`)
		if status != 400 || m["error"] != core.CodeBadParam {
			t.Fatalf("%s: %d %v", params, status, m)
		}
	}
	if n := r.fake.Count("ArkSharePeer"); n != 1 {
		t.Fatalf("refused requests reached the backend: %d calls", n)
	}
}

func TestArkFallbackToNewName(t *testing.T) {
	newOnly := onebottest.New(onebottest.Options{Flavor: "napcat", ArkVersion: onebottest.ArkNewOnly})
	defer newOnly.Close()
	r := newRig(t, "", core.Source{ID: "new", Via: onebot.Via, URL: newOnly.URL(), Flavor: "napcat"})
	for i := 0; i < 2; i++ {
		_, body, _ := r.do("POST", "/ArkSharePeer?source=new", `{"group_id":20002}`)
		if rep := decodeSeed(t, body); *rep.Data.ErrCode != 0 || !strings.Contains(*rep.Data.ArkJSON, "20002") {
			t.Fatalf("new-only NapCat: %s", body)
		}
	}
	if got := newOnly.Count("ArkSharePeer"); got != 1 {
		t.Fatalf("the old name should be tried once and then remembered, tried %d times", got)
	}
	if got := newOnly.Count("send_ark_share"); got != 2 {
		t.Fatalf("send_ark_share called %d times, want 2", got)
	}
}
