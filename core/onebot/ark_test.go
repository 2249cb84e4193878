package onebot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot/onebottest"
)

func TestArkSharePeerNapCat(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		arkVersion string
		req        core.ArkRequest
		want       string   // the card
		actions    []string // what the backend saw, in order
	}{
		{"current, user → arkMsg", onebottest.ArkCurrent, core.ArkRequest{UserID: "1049509241"},
			onebottest.FriendCard("1049509241", "暗世现"), []string{"ArkSharePeer"}},
		{"current, group → arkJson with its newline trimmed", onebottest.ArkCurrent, core.ArkRequest{GroupID: "20001"},
			onebottest.GroupCard("20001", "测试群"), []string{"ArkSharePeer"}},
		{"old, user", onebottest.ArkOld, core.ArkRequest{UserID: "10002"},
			onebottest.FriendCard("10002", "张三"), []string{"ArkSharePeer"}},
		{"old, group", onebottest.ArkOld, core.ArkRequest{GroupID: "736368697"},
			onebottest.GroupCard("736368697", "LR26710测试"), []string{"ArkSharePeer"}},
		{"new-only falls back to send_ark_share", onebottest.ArkNewOnly, core.ArkRequest{GroupID: "20002"},
			onebottest.GroupCard("20002", "机器人开发交流"), []string{"ArkSharePeer", "send_ark_share"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fake(t, onebottest.Options{Flavor: "napcat", ArkVersion: tc.arkVersion})
			a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "napcat"})
			res, err := a.ArkSharePeer(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.ErrCode != 0 || res.ErrMsg != "" {
				t.Errorf("result = %+v", res)
			}
			if res.ArkJSON != tc.want {
				t.Errorf("card not byte-for-byte:\n got  %s\n want %s", res.ArkJSON, tc.want)
			}
			var got []string
			for _, r := range s.Requests() {
				got = append(got, r.Action)
			}
			if strings.Join(got, ",") != strings.Join(tc.actions, ",") {
				t.Errorf("backend saw %v, want %v", got, tc.actions)
			}
			for _, r := range s.Requests() {
				for k, v := range r.Params {
					if _, ok := v.(string); !ok {
						t.Errorf("param %s sent as %T, want a string", k, v)
					}
				}
			}
		})
	}
}

func TestArkSharePeerRemembersName(t *testing.T) {
	ctx := context.Background()
	s := fake(t, onebottest.Options{Flavor: "napcat", ArkVersion: onebottest.ArkNewOnly})
	a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "napcat"})
	for i := 0; i < 3; i++ {
		if _, err := a.ArkSharePeer(ctx, core.ArkRequest{UserID: "10002"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count("ArkSharePeer"); n != 1 {
		t.Errorf("ArkSharePeer tried %d times, want once (then remembered)", n)
	}
	if n := s.Count("send_ark_share"); n != 3 {
		t.Errorf("send_ark_share called %d times, want 3", n)
	}
	if a.ArkAction() != "send_ark_share" {
		t.Errorf("ArkAction = %s", a.ArkAction())
	}

	// Concurrent first calls on a fresh adapter: all succeed, and the name ends up remembered.
	s2 := fake(t, onebottest.Options{Flavor: "napcat", ArkVersion: onebottest.ArkNewOnly})
	a2 := newAdapter(t, core.Source{URL: s2.URL()})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a2.ArkSharePeer(ctx, core.ArkRequest{GroupID: "20001"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	before := s2.Count("ArkSharePeer")
	if _, err := a2.ArkSharePeer(ctx, core.ArkRequest{GroupID: "20001"}); err != nil {
		t.Fatal(err)
	}
	if s2.Count("ArkSharePeer") != before {
		t.Error("after the concurrent calls the adapter still tries ArkSharePeer first")
	}
}

func TestArkSharePeerPhone(t *testing.T) {
	ctx := context.Background()
	t.Run("both keys sent with the user", func(t *testing.T) {
		s := fake(t, onebottest.Options{ArkVersion: onebottest.ArkOld})
		a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "napcat"})
		if _, err := a.ArkSharePeer(ctx, core.ArkRequest{UserID: "10002", Phone: "13800138000"}); err != nil {
			t.Fatal(err)
		}
		p := s.Requests()[0].Params
		if p["phone_number"] != "13800138000" || p["phoneNumber"] != "13800138000" || p["user_id"] != "10002" {
			t.Errorf("params = %v, want user_id, phone_number and phoneNumber", p)
		}
		if _, ok := p["group_id"]; ok {
			t.Errorf("group_id sent although not asked: %v", p)
		}
	})
	t.Run("phone alone is NapCat's failure", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "napcat"})
		_, err := a.ArkSharePeer(ctx, core.ArkRequest{Phone: "13800138000"})
		e := wantCode(t, err, core.CodeBackendFailed)
		if e.Retcode != 200 || e.BackendText != "group_id or user_id is required" {
			t.Errorf("error = %+v", e)
		}
		p := s.Requests()[0].Params
		if p["phone_number"] != "13800138000" || p["phoneNumber"] != "13800138000" {
			t.Errorf("params = %v", p)
		}
		if n := s.Count(""); n != 1 {
			t.Errorf("%d calls: a failure that is not 'unknown action' must not try the other name", n)
		}
	})
}

func TestArkSharePeerUnsupported(t *testing.T) {
	ctx := context.Background()
	for _, flavor := range []string{"go-cqhttp", "lagrange", "llonebot"} {
		t.Run(flavor, func(t *testing.T) {
			s := fake(t, onebottest.Options{Flavor: flavor})
			a := newAdapter(t, core.Source{URL: s.URL(), Flavor: flavor})
			_, err := a.ArkSharePeer(ctx, core.ArkRequest{UserID: "10002"})
			e := wantCode(t, err, core.CodeUnsupported)
			if e.Message != "this open layer ("+flavor+") cannot generate Ark cards: only NapCat can" {
				t.Errorf("message = %q", e.Message)
			}
			if n := s.Count(""); n != 0 {
				t.Errorf("the backend got %d calls, want 0", n)
			}
		})
	}
	t.Run("generic against go-cqhttp tries both names once", func(t *testing.T) {
		s := fake(t, onebottest.Options{Flavor: "go-cqhttp"})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.ArkSharePeer(ctx, core.ArkRequest{UserID: "10002"})
		wantCode(t, err, core.CodeUnsupported)
		if s.Count("ArkSharePeer") != 1 || s.Count("send_ark_share") != 1 {
			t.Errorf("calls: ArkSharePeer %d, send_ark_share %d; want 1 and 1", s.Count("ArkSharePeer"), s.Count("send_ark_share"))
		}
	})
	t.Run("nothing asked", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.ArkSharePeer(ctx, core.ArkRequest{})
		wantCode(t, err, core.CodeMissingParam)
		if n := s.Count(""); n != 0 {
			t.Errorf("the backend got %d calls, want 0", n)
		}
	})
}

// TestArkDataShapes covers every data shape the deployed NapCats give.
func TestArkDataShapes(t *testing.T) {
	card := `{"app":"com.tencent.contact.lua","meta":{"contact":{"avatar":"http:\/\/q.qlogo.cn\/x","nickname":"名"}}}`
	cardJSON, _ := json.Marshal(card)
	tests := []struct {
		name string
		data string
		want core.ArkResult
		code string
	}{
		{"errCode + arkJson", `{"errCode":0,"errMsg":"","arkJson":` + string(cardJSON) + `}`, core.ArkResult{ArkJSON: card}, ""},
		{"arkMsg", `{"errCode":0,"errMsg":"","arkMsg":` + string(cardJSON) + `}`, core.ArkResult{ArkJSON: card}, ""},
		{"result instead of errCode", `{"result":0,"errMsg":"","arkJson":` + string(cardJSON) + `}`, core.ArkResult{ArkJSON: card}, ""},
		{"bare string", string(cardJSON), core.ArkResult{ArkJSON: card}, ""},
		{"trailing whitespace trimmed", `{"errCode":0,"arkJson":` + strings.TrimSuffix(string(cardJSON), `"`) + `\n \r\n"}`, core.ArkResult{ArkJSON: card}, ""},
		{"card as an object kept as sent", `{"errCode":0,"arkJson":{"app": "x" ,"v":1}}`, core.ArkResult{ArkJSON: `{"app": "x" ,"v":1}`}, ""},
		{"empty arkJson, arkMsg used", `{"errCode":0,"arkJson":"","arkMsg":` + string(cardJSON) + `}`, core.ArkResult{ArkJSON: card}, ""},
		{"errCode != 0 is a result", `{"errCode":12,"errMsg":"用户不存在","arkJson":""}`, core.ArkResult{ErrCode: 12, ErrMsg: "用户不存在"}, ""},
		{"errCode as string", `{"errCode":"3","errMsg":"x"}`, core.ArkResult{ErrCode: 3, ErrMsg: "x"}, ""},
		{"empty data (old NapCat)", `null`, core.ArkResult{}, core.CodeBackendBadReply},
		{"empty object", `{}`, core.ArkResult{}, core.CodeBackendBadReply},
		{"empty string", `""`, core.ArkResult{}, core.CodeBackendBadReply},
		{"number", `12`, core.ArkResult{}, core.CodeBackendBadReply},
		{"errCode not a number", `{"errCode":"x","arkJson":"{}"}`, core.ArkResult{}, core.CodeBackendBadReply},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"status":"ok","retcode":0,"data":`+tc.data+`,"message":"","wording":"","echo":null}`)
			}))
			defer srv.Close()
			a := newAdapter(t, core.Source{URL: srv.URL, Flavor: "napcat"})
			got, err := a.ArkSharePeer(context.Background(), core.ArkRequest{GroupID: "1"})
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
