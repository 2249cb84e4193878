package onebottest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type answer struct {
	status int
	body   string
	env    map[string]any
}

func call(t *testing.T, method, u, contentType, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b)}
	_ = json.Unmarshal(b, &a.env)
	return a
}

func post(t *testing.T, u, body string, header ...string) answer {
	t.Helper()
	return call(t, http.MethodPost, u, "application/json", body, header...)
}

func start(t *testing.T, o Options) *Server {
	t.Helper()
	s := New(o)
	t.Cleanup(s.Close)
	return s
}

func TestEnvelopesPerFlavor(t *testing.T) {
	tests := []struct {
		flavor, action, body string
		status               int
		want                 map[string]any // fields of the envelope
		absent               []string
	}{
		{NapCat, "get_login_info", `{}`, 200,
			map[string]any{"status": "ok", "retcode": 0.0, "message": "", "wording": ""}, nil},
		{NapCat, "nope", `{}`, 200,
			map[string]any{"status": "failed", "retcode": 200.0, "message": "不支持的Api nope", "wording": "不支持的Api nope", "data": nil}, nil},
		{NapCat, "send_private_msg", `{"message":"x"}`, 200,
			map[string]any{"status": "failed", "retcode": 400.0}, nil},
		{LLOneBot, "nope", `{}`, 200, map[string]any{"retcode": 200.0}, nil},
		{GoCQHTTP, "get_login_info", `{}`, 200,
			map[string]any{"status": "ok", "retcode": 0.0}, []string{"msg", "wording"}},
		{GoCQHTTP, "nope", `{}`, 200,
			map[string]any{"status": "failed", "retcode": 404.0, "msg": "API_NOT_FOUND", "wording": "API不存在"}, []string{"message"}},
		{GoCQHTTP, "send_group_msg", `{"group_id":1}`, 200,
			map[string]any{"status": "failed", "retcode": 100.0, "msg": "EMPTY_MSG_ERR"}, nil},
		{Lagrange, "nope", `{}`, 200, map[string]any{"retcode": 404.0}, nil},
		{NapCat, "get_status", `{"echo":"e1"}`, 200, map[string]any{"echo": "e1"}, nil},
		{GoCQHTTP, "get_status", `{"echo":7}`, 200, map[string]any{"echo": 7.0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.flavor+" "+tc.action, func(t *testing.T) {
			s := start(t, Options{Flavor: tc.flavor})
			a := post(t, s.URL()+"/"+tc.action, tc.body)
			if a.status != tc.status {
				t.Fatalf("status = %d, want %d (%s)", a.status, tc.status, a.body)
			}
			for k, v := range tc.want {
				if got, ok := a.env[k]; !ok || got != v {
					t.Errorf("%s = %#v, want %#v (%s)", k, got, v, a.body)
				}
			}
			for _, k := range tc.absent {
				if _, ok := a.env[k]; ok {
					t.Errorf("%s present in %s", k, a.body)
				}
			}
		})
	}
}

func TestToken(t *testing.T) {
	const tok = "tkn"
	tests := []struct {
		flavor string
		header []string
		query  string
		status int
		body   string
	}{
		{NapCat, nil, "", 403, `{"message":"token verify failed!"}`},
		{NapCat, []string{"Authorization", "Bearer bad"}, "", 403, `{"message":"token verify failed!"}`},
		{NapCat, []string{"Authorization", "Bearer " + tok}, "", 200, ""},
		{NapCat, nil, "?access_token=" + tok, 200, ""},
		{LLOneBot, nil, "", 403, `{"message":"token verify failed!"}`},
		{GoCQHTTP, nil, "", 401, ""},
		{GoCQHTTP, []string{"Authorization", "Bearer bad"}, "", 403, ""},
		{GoCQHTTP, []string{"Authorization", "Token " + tok}, "", 200, ""},
		{GoCQHTTP, nil, "?access_token=bad", 403, ""},
		{GoCQHTTP, nil, "?access_token=" + tok, 200, ""},
		{Lagrange, nil, "", 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.flavor+" "+strings.Join(tc.header, ":")+tc.query, func(t *testing.T) {
			s := start(t, Options{Flavor: tc.flavor, Token: tok})
			a := post(t, s.URL()+"/get_status"+tc.query, `{}`, tc.header...)
			if a.status != tc.status {
				t.Errorf("status = %d, want %d", a.status, tc.status)
			}
			if tc.status != 200 && a.body != tc.body {
				t.Errorf("body = %q, want %q", a.body, tc.body)
			}
			if tc.query != "" && len(s.Requests()[0].Params) != 0 {
				t.Errorf("access_token recorded as a param: %v", s.Requests()[0].Params)
			}
		})
	}
}

func TestBadJSON(t *testing.T) {
	for _, tc := range []struct {
		flavor, body string
	}{{NapCat, "Invalid JSON"}, {LLOneBot, "Invalid JSON"}, {GoCQHTTP, ""}, {Lagrange, ""}} {
		for _, body := range []string{`{bad`, `[1]`, `"x"`, `{} {}`} {
			s := start(t, Options{Flavor: tc.flavor})
			a := post(t, s.URL()+"/send_msg", body)
			if a.status != 400 || a.body != tc.body {
				t.Errorf("%s %q: %d %q, want 400 %q", tc.flavor, body, a.status, a.body, tc.body)
			}
			if r := s.Requests(); len(r) != 1 || r[0].Params != nil || r[0].Action != "send_msg" {
				t.Errorf("recorded %+v", r)
			}
		}
	}
}

func TestParamsAndPaths(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		name, method, path, ct, body string
		want                         map[string]any
	}{
		{"json", "POST", "/send_private_msg", "application/json", `{"user_id":10002,"message":"hi"}`,
			map[string]any{"user_id": json.Number("10002"), "message": "hi"}},
		{"json without content type", "POST", "/send_private_msg", "", `{"user_id":"10002","message":"hi"}`,
			map[string]any{"user_id": "10002", "message": "hi"}},
		{"form", "POST", "/send_private_msg", "application/x-www-form-urlencoded", url.Values{"user_id": {"10002"}, "message": {"hi"}}.Encode(),
			map[string]any{"user_id": "10002", "message": "hi"}},
		{"query", "GET", "/send_private_msg?user_id=10002&message=hi", "", "",
			map[string]any{"user_id": "10002", "message": "hi"}},
		{"trailing slash", "POST", "/send_private_msg/", "application/json", `{"user_id":10002,"message":"hi"}`,
			map[string]any{"user_id": json.Number("10002"), "message": "hi"}},
		{"prefix", "POST", "/onebot/v11/send_private_msg", "application/json", `{"user_id":10002,"message":[{"type":"text","data":{"text":"hi"}}]}`,
			map[string]any{"user_id": json.Number("10002"), "message": []any{map[string]any{"type": "text", "data": map[string]any{"text": "hi"}}}}},
		{"null body", "POST", "/send_private_msg?user_id=10002&message=hi", "", "null",
			map[string]any{"user_id": "10002", "message": "hi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			a := call(t, tc.method, s.URL()+tc.path, tc.ct, tc.body)
			if a.status != 200 || a.env["status"] != "ok" {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			if id, _ := a.env["data"].(map[string]any)["message_id"].(float64); id <= 1000 {
				t.Errorf("message_id = %v", a.env["data"])
			}
			r := s.Requests()
			if len(r) != 1 || r[0].Action != "send_private_msg" {
				t.Fatalf("recorded %+v", r)
			}
			if got, _ := json.Marshal(r[0].Params); string(got) != mustJSON(tc.want) {
				t.Errorf("params %s, want %s", got, mustJSON(tc.want))
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestActions(t *testing.T) {
	s := start(t, Options{SelfID: 42, Nickname: "bot"})
	u := s.URL() + "/"
	if a := post(t, u+"get_login_info", ``); mustJSON(a.env["data"]) != `{"nickname":"bot","user_id":42}` {
		t.Errorf("get_login_info: %s", a.body)
	}
	if a := post(t, u+"get_friend_list", ``); !strings.Contains(a.body, "张三") {
		t.Errorf("get_friend_list: %s", a.body)
	}
	if a := post(t, u+"get_group_list", ``); !strings.Contains(a.body, "测试群") {
		t.Errorf("get_group_list: %s", a.body)
	}
	if a := post(t, u+"get_group_member_list", `{"group_id":"20001"}`); !strings.Contains(a.body, `"role":"owner"`) {
		t.Errorf("get_group_member_list: %s", a.body)
	}
	if a := post(t, u+"get_group_member_list", `{}`); a.env["retcode"] != 400.0 {
		t.Errorf("get_group_member_list without group: %s", a.body)
	}
	if a := post(t, u+"get_version_info", ``); !strings.Contains(a.body, "NapCat") {
		t.Errorf("get_version_info: %s", a.body)
	}
	m1 := post(t, u+"send_msg", `{"group_id":20001,"message":"a"}`)
	m2 := post(t, u+"send_msg", `{"message_type":"private","user_id":10002,"message":"b"}`)
	id1, _ := m1.env["data"].(map[string]any)["message_id"].(float64)
	id2, _ := m2.env["data"].(map[string]any)["message_id"].(float64)
	if id2 != id1+1 {
		t.Errorf("message ids %v, %v: want incrementing", id1, id2)
	}
	if a := post(t, u+"send_msg", `{"message_type":"discuss","discuss_id":1,"message":"b"}`); a.env["retcode"] != 400.0 {
		t.Errorf("send_msg discuss: %s", a.body)
	}
	if a := post(t, u+"send_group_msg", `{"group_id":1,"message":[]}`); a.env["retcode"] != 400.0 {
		t.Errorf("empty message: %s", a.body)
	}
	if s.Count("send_msg") != 3 || s.Count("get_login_info") != 1 {
		t.Errorf("counts: send_msg %d get_login_info %d", s.Count("send_msg"), s.Count("get_login_info"))
	}
}

func TestArk(t *testing.T) {
	tests := []struct {
		version, action, body string
		want                  string // the data, as JSON
		retcode               float64
	}{
		{ArkCurrent, "ArkSharePeer", `{"user_id":"10002"}`,
			mustJSON(map[string]any{"errCode": 0, "errMsg": "", "arkMsg": FriendCard("10002", "张三")}), 0},
		{ArkCurrent, "send_ark_share", `{"group_id":20001}`,
			mustJSON(map[string]any{"errCode": 0, "errMsg": "", "arkJson": GroupCard("20001", "测试群") + "\n"}), 0},
		{ArkCurrent, "ArkSharePeer", `{"group_id":"20001","user_id":"10002"}`,
			mustJSON(map[string]any{"errCode": 0, "errMsg": "", "arkJson": GroupCard("20001", "测试群") + "\n"}), 0},
		{ArkCurrent, "ArkShareGroup", `{"group_id":"20001"}`, mustJSON(GroupCard("20001", "测试群")), 0},
		{ArkCurrent, "ArkSharePeer", `{"phone_number":"13800138000"}`, "null", 200},
		{ArkCurrent, "ArkSharePeer", `{"user_id":"abc"}`,
			mustJSON(map[string]any{"errCode": 1, "errMsg": "用户不存在", "arkMsg": ""}), 0},
		{ArkOld, "ArkSharePeer", `{"user_id":99}`,
			mustJSON(map[string]any{"errCode": 0, "errMsg": "", "arkMsg": FriendCard("99", "QQ用户99")}), 0},
		{ArkOld, "send_ark_share", `{"user_id":"10002"}`, "null", 200},
		{ArkNewOnly, "ArkSharePeer", `{"user_id":"10002"}`, "null", 200},
		{ArkNewOnly, "send_group_ark_share", `{"group_id":"5"}`, mustJSON(GroupCard("5", "群5")), 0},
	}
	for _, tc := range tests {
		t.Run(tc.version+" "+tc.action+" "+tc.body, func(t *testing.T) {
			s := start(t, Options{ArkVersion: tc.version})
			a := post(t, s.URL()+"/"+tc.action, tc.body)
			if a.env["retcode"] != tc.retcode {
				t.Fatalf("retcode %v, want %v: %s", a.env["retcode"], tc.retcode, a.body)
			}
			if got := mustJSON(a.env["data"]); got != tc.want {
				t.Errorf("data %s\nwant %s", got, tc.want)
			}
		})
	}
	t.Run("cards keep NapCat's escaped slashes and are JSON", func(t *testing.T) {
		c := FriendCard("1", "x")
		if !strings.Contains(c, `http:\/\/`) || !json.Valid([]byte(c)) || !json.Valid([]byte(GroupCard("1", "y"))) {
			t.Errorf("card %s", c)
		}
	})
	for _, flavor := range []string{GoCQHTTP, Lagrange, LLOneBot} {
		s := start(t, Options{Flavor: flavor})
		if a := post(t, s.URL()+"/ArkSharePeer", `{"user_id":1}`); a.env["status"] != "failed" {
			t.Errorf("%s has ArkSharePeer: %s", flavor, a.body)
		}
	}
}

func TestModes(t *testing.T) {
	s := start(t, Options{})
	u := s.URL() + "/get_status"
	for _, tc := range []struct {
		mode   string
		status int
		has    string
	}{
		{ModeGarbage, 200, "garbage"},
		{Mode5xx, 500, "Internal Server Error"},
		{ModeHTML, 200, "<html>"},
		{ModeNormal, 200, `"online":true`},
	} {
		if err := s.SetMode(tc.mode); err != nil {
			t.Fatal(err)
		}
		if s.Mode() != tc.mode {
			t.Errorf("Mode() = %q", s.Mode())
		}
		a := post(t, u, `{}`)
		if a.status != tc.status || !strings.Contains(a.body, tc.has) {
			t.Errorf("mode %q: %d %q", tc.mode, a.status, a.body)
		}
	}
	if err := s.SetMode("bogus"); err == nil {
		t.Error("SetMode(bogus) accepted")
	}
	if err := s.SetMode(ModeDown); err != nil {
		t.Fatal(err)
	}
	before := s.Count("")
	if _, err := http.Post(u, "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("a request got through while down")
	}
	if s.Count("") != before {
		t.Error("a request was counted while down")
	}
	if err := s.SetMode(ModeNormal); err != nil {
		t.Fatal(err)
	}
	if a := post(t, u, `{}`); a.status != 200 {
		t.Errorf("after coming up: %d", a.status)
	}
}

func TestDelay(t *testing.T) {
	s := start(t, Options{Delay: 150 * time.Millisecond})
	t0 := time.Now()
	post(t, s.URL()+"/get_status", `{}`)
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("answered after %s, want ≥ 150ms", d)
	}
	s.SetDelay(0)
	t0 = time.Now()
	post(t, s.URL()+"/get_status", `{}`)
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Errorf("answered after %s with no delay", d)
	}
	// Close does not wait for a long delay.
	s2 := New(Options{Delay: time.Minute})
	go http.Post(s2.URL()+"/get_status", "application/json", strings.NewReader(`{}`))
	for s2.Count("") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	t0 = time.Now()
	s2.Close()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
}

func TestRequestsRing(t *testing.T) {
	s := start(t, Options{KeepRequests: 3})
	for _, a := range []string{"a1", "a2", "a3", "a4", "a5"} {
		post(t, s.URL()+"/"+a, `{}`)
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.Action)
	}
	if strings.Join(got, ",") != "a3,a4,a5" {
		t.Errorf("Requests = %v, want the last three oldest first", got)
	}
	if s.Count("") != 5 || s.Count("a1") != 1 {
		t.Errorf("counts %d %d", s.Count(""), s.Count("a1"))
	}
	s.Reset()
	if len(s.Requests()) != 0 || s.Count("") != 0 {
		t.Error("Reset kept something")
	}
}

func TestConcurrent(t *testing.T) {
	s := start(t, Options{KeepRequests: 10})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 25; j++ {
				resp, err := http.Post(s.URL()+"/send_group_msg", "application/json", strings.NewReader(`{"group_id":1,"message":"x"}`))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if j == 10 && i == 0 {
					s.SetMode(ModeNormal)
					_ = s.Requests()
				}
			}
		}(i)
	}
	wg.Wait()
	if s.Count("send_group_msg") != 200 || len(s.Requests()) != 10 {
		t.Errorf("count %d, kept %d", s.Count("send_group_msg"), len(s.Requests()))
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	for _, o := range []Options{{Flavor: "mirai"}, {Mode: "sideways"}, {ArkVersion: "v2"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", o)
				}
			}()
			New(o).Close()
		}()
	}
}
