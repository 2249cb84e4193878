package endpoint_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
)

// TestOneBotRealClients sends what each real client sends (reference/onebot11.md, bottom
// table) and checks the bot gets NapCat's answer, and NapCat the bot's parameters.
func TestOneBotRealClients(t *testing.T) {
	l := newLive(t, nil)
	cases := []struct {
		name, method, path, body string
		header                   []string
		wantParams               map[string]string // what the backend must have received
	}{
		{"Koishi: Token scheme, JSON, numeric ids", "POST", "/send_group_msg", `{"group_id":20001,"message":"你好"}`,
			[]string{"Authorization", "Token " + liveOurToken, "Content-Type", "application/json"}, map[string]string{"group_id": "20001", "message": "你好"}},
		{"ZeroBot: Bearer, no Content-Type", "POST", "/send_private_msg", `{"user_id":10002,"message":[{"type":"text","data":{"text":"hi"}}]}`,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{"user_id": "10002"}},
		{"ZeroBot: null body", "POST", "/get_login_info", `null`,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{}},
		{"empty body", "POST", "/get_login_info", ``,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{}},
		{"amiyabot: bare token", "POST", "/send_group_msg", `{"group_id":"20001","message":"x"}`,
			[]string{"Authorization", liveOurToken, "Content-Type", "application/json; charset=utf-8"}, map[string]string{"group_id": "20001"}},
		{"SDK: ?access_token", "POST", "/send_group_msg?access_token=" + liveOurToken, `{"group_id":20001,"message":"q"}`,
			nil, map[string]string{"group_id": "20001", "message": "q"}},
		{"form body", "POST", "/send_group_msg", "group_id=20001&message=" + url.QueryEscape("表单 [CQ:face,id=14]"),
			[]string{"Authorization", "Bearer " + liveOurToken, "Content-Type", "application/x-www-form-urlencoded"}, map[string]string{"group_id": "20001", "message": "表单 [CQ:face,id=14]"}},
		{"curl -d: JSON labelled as a form", "POST", "/send_group_msg", `{"group_id":20001,"message":"curl"}`,
			[]string{"Authorization", "Bearer " + liveOurToken, "Content-Type", "application/x-www-form-urlencoded"}, map[string]string{"group_id": "20001", "message": "curl"}},
		{"GET with query params", "GET", "/send_group_msg?group_id=20001&message=get&access_token=" + liveOurToken, ``,
			nil, map[string]string{"group_id": "20001", "message": "get"}},
		{"query and body: the body wins", "POST", "/send_group_msg?group_id=1&message=from-query", `{"group_id":20001}`,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{"group_id": "20001", "message": "from-query"}},
		{"trailing slash", "POST", "/get_login_info/", `{}`,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{}},
		{"named source", "POST", "/s/napcat/get_status", `{}`,
			[]string{"Authorization", "Bearer " + liveOurToken}, map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := l.in(t)
			before := l.fake.Count("")
			a := l.call(c.method, c.path, c.body, c.header...)
			m := a.env(t)
			if a.status != 200 || jsonStr(m["status"]) != "ok" || string(m["retcode"]) != "0" {
				t.Fatalf("want ok, got %d %s", a.status, a.body)
			}
			if l.fake.Count("") != before+1 {
				t.Fatalf("the backend got %d calls, want exactly 1", l.fake.Count("")-before)
			}
			recs := l.fake.Requests()
			last := recs[len(recs)-1]
			if got := last.Header.Get("Authorization"); got != "Bearer "+liveBackendToken {
				t.Fatalf("the backend must get the console's backend token, got %q", got)
			}
			if _, ok := last.Params["access_token"]; ok {
				t.Fatalf("access_token passed on as a parameter: %v", last.Params)
			}
			for k, want := range c.wantParams {
				if got := testkit.ParamString(last.Params[k]); got != want {
					t.Fatalf("backend param %s = %q, want %q (all: %v)", k, got, want, last.Params)
				}
			}
		})
	}
	// one row per call, origin onebot
	rows := l.rows()
	if len(rows) != len(cases) {
		t.Fatalf("%d history rows for %d calls", len(rows), len(cases))
	}
	for _, r := range rows {
		if r.Origin != core.OriginOneBot || r.Outcome != core.OutcomeOK || r.Source != "napcat" {
			t.Fatalf("row: %+v", r)
		}
	}
}

// TestOneBotNoTokenIgnoresHeader: with no token configured, whatever Authorization says is
// ignored (Koishi sends "Token undefined").
func TestOneBotNoTokenIgnoresHeader(t *testing.T) {
	l := newLive(t, nil, withToken(""))
	for _, h := range []string{"Token undefined", "Bearer ", "Bearer whatever", "garbage"} {
		a := l.call("POST", "/get_login_info", `{}`, "Authorization", h)
		if m := a.env(t); a.status != 200 || string(m["retcode"]) != "0" {
			t.Fatalf("%q: %d %s", h, a.status, a.body)
		}
	}
}

// TestOneBotAuthFailures: 401 without a token, 403 with a wrong one, as the spec says; the
// answer is an envelope with the console's retcodes; no row (strangers cannot fill history).
func TestOneBotAuthFailures(t *testing.T) {
	l := newLive(t, nil)
	cases := []struct {
		name    string
		path    string
		header  []string
		status  int
		retcode string
	}{
		{"none", "/get_login_info", nil, 401, "1401"},
		{"wrong bearer", "/get_login_info", []string{"Authorization", "Bearer nope"}, 403, "1403"},
		{"Token undefined", "/get_login_info", []string{"Authorization", "Token undefined"}, 403, "1403"},
		{"wrong query", "/get_login_info?access_token=nope", nil, 403, "1403"},
		{"backend's token", "/get_login_info", []string{"Authorization", "Bearer " + liveBackendToken}, 403, "1403"},
	}
	for _, c := range cases {
		a := l.call("POST", c.path, `{}`, c.header...)
		m := a.env(t)
		if a.status != c.status || string(m["retcode"]) != c.retcode || jsonStr(m["status"]) != "failed" || jsonStr(m["message"]) == "" {
			t.Errorf("%s: want %d/%s, got %d %s", c.name, c.status, c.retcode, a.status, a.body)
		}
	}
	if n := l.fake.Count(""); n != 0 {
		t.Fatalf("refused calls reached the backend %d times", n)
	}
	if rows := l.rows(); len(rows) != 0 {
		t.Fatalf("refused calls left %d rows", len(rows))
	}
}

// TestOneBotEnvelopes: NapCat's envelope comes back byte for byte; go-cqhttp's is completed to
// six fields (msg → message, the request's echo); unknown actions are the backend's own words.
func TestOneBotEnvelopes(t *testing.T) {
	gq := onebottest.New(onebottest.Options{Flavor: onebottest.GoCQHTTP})
	defer gq.Close()
	l := newLive(t, []core.Source{{ID: "gq", Via: onebot.Via, URL: gq.URL(), Flavor: "go-cqhttp"}})

	a := l.post("/send_group_msg", `{"group_id":20001,"message":"hi","echo":{"n":1}}`)
	m := a.env(t)
	if a.status != 200 || string(m["echo"]) != `{"n":1}` || !strings.HasPrefix(a.body, `{"status":"ok","retcode":0,"data":{"message_id":`) {
		t.Fatalf("NapCat send: %d %s", a.status, a.body)
	}
	// go-cqhttp success: no message/wording/echo in its reply; six fields in ours
	a = l.post("/s/gq/get_login_info", `{"echo":"e-7"}`)
	m = a.env(t)
	if a.status != 200 || jsonStr(m["status"]) != "ok" || jsonStr(m["echo"]) != "e-7" || !strings.Contains(string(m["data"]), `"user_id":10001`) {
		t.Fatalf("go-cqhttp ok: %d %s", a.status, a.body)
	}
	// unknown actions: passed through as each backend says it (HTTP 200, the backend's retcode)
	a = l.post("/no_such_api", `{"echo":1}`)
	m = a.env(t)
	if a.status != 200 || string(m["retcode"]) != "200" || !strings.Contains(jsonStr(m["message"]), "不支持的Api no_such_api") || string(m["echo"]) != "1" {
		t.Fatalf("NapCat unknown action: %d %s", a.status, a.body)
	}
	a = l.post("/s/gq/no_such_api", `{}`)
	m = a.env(t)
	if a.status != 200 || string(m["retcode"]) != "404" || jsonStr(m["message"]) != "API_NOT_FOUND" || jsonStr(m["wording"]) != "API不存在" || jsonStr(m["status"]) != "failed" {
		t.Fatalf("go-cqhttp unknown action: %d %s", a.status, a.body)
	}
	// a failure inside an action: go-cqhttp's msg becomes message
	a = l.post("/s/gq/send_group_msg", `{"group_id":20001}`)
	m = a.env(t)
	if a.status != 200 || string(m["retcode"]) != "100" || jsonStr(m["message"]) != "EMPTY_MSG_ERR" {
		t.Fatalf("go-cqhttp failure: %d %s", a.status, a.body)
	}

	rows := l.rows()
	want := []struct{ action, outcome, code string }{
		{"send_group_msg", core.OutcomeError, core.CodeBackendFailed},
		{"no_such_api", core.OutcomeError, core.CodeUnknownAction},
		{"no_such_api", core.OutcomeError, core.CodeUnknownAction},
		{"get_login_info", core.OutcomeOK, ""},
		{"send_group_msg", core.OutcomeOK, ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i].Action != w.action || rows[i].Outcome != w.outcome || rows[i].ErrorCode != w.code {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], w)
		}
	}
	send := rows[4]
	if send.Target != "group:20001" || send.Message != "hi" || send.MessageID == "" || send.Origin != core.OriginOneBot ||
		string(send.Request) != `{"group_id":20001,"message":"hi","echo":{"n":1}}` || !strings.Contains(string(send.Response), `"retcode":0`) {
		t.Fatalf("send row: %+v", send)
	}
	if rows[0].Retcode != 100 || rows[0].Text != "EMPTY_MSG_ERR" || rows[0].Source != "gq" {
		t.Fatalf("failure row: %+v", rows[0])
	}
}

// TestOneBotHistoryRows: target and message text are read from OneBot params (CQ codes,
// segments, send_msg's message_type, string ids).
func TestOneBotHistoryRows(t *testing.T) {
	l := newLive(t, nil)
	cases := []struct{ path, body, target, message string }{
		{"/send_group_msg", `{"group_id":"20001","message":"看 [CQ:image,file=https://x/a.png] [CQ:face,id=14]"}`, "group:20001", "看 [图片] [表情]"},
		{"/send_private_msg", `{"user_id":10002,"message":[{"type":"text","data":{"text":"a&b"}},{"type":"at","data":{"qq":"10003"}}]}`, "private:10002", "a&b@10003"},
		{"/send_msg", `{"message_type":"private","user_id":10002,"group_id":20001,"message":{"type":"text","data":{"text":"one"}}}`, "private:10002", "one"},
		{"/send_msg", `{"group_id":20002,"message":"[CQ:at,qq=all] 开会","auto_escape":true}`, "group:20002", "[CQ:at,qq=all] 开会"},
	}
	for _, c := range cases {
		if a := l.post(c.path, c.body); a.status != 200 {
			t.Fatalf("%s: %d %s", c.body, a.status, a.body)
		}
	}
	rows := l.rows()
	for i, c := range cases {
		r := rows[len(rows)-1-i]
		if r.Target != c.target || r.Message != c.message || r.MessageID == "" {
			t.Errorf("%s: row target %q message %q id %q, want %q %q", c.body, r.Target, r.Message, r.MessageID, c.target, c.message)
		}
	}
}

// TestOneBotAsync: an _async action is accepted at once and run in the background; Shutdown
// waits for it, and its row is then in history.
func TestOneBotAsync(t *testing.T) {
	l := newLive(t, nil)
	a := l.post("/send_group_msg_async", `{"group_id":20001,"message":"later","echo":"a1"}`)
	m := a.env(t)
	if a.status != 200 || jsonStr(m["status"]) != "async" || string(m["retcode"]) != "1" || jsonStr(m["echo"]) != "a1" {
		t.Fatalf("async: %d %s", a.status, a.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := l.fake.Count("send_group_msg"); n != 1 {
		t.Fatalf("the backend got send_group_msg %d times", n)
	}
	rows := l.rows()
	if len(rows) != 1 || rows[0].Action != "send_group_msg_async" || rows[0].Outcome != core.OutcomeOK || rows[0].Message != "later" || rows[0].MessageID == "" {
		t.Fatalf("rows: %+v", rows)
	}
}

// TestOneBotRouting: unknown sources and routes are said clearly, without calling anyone.
func TestOneBotRouting(t *testing.T) {
	l := newLive(t, nil)
	a := l.post("/s/nope/get_login_info", `{}`)
	m := a.env(t)
	if a.status != 400 || string(m["retcode"]) != "100" || !strings.Contains(jsonStr(m["message"]), `"nope"`) || !strings.Contains(jsonStr(m["message"]), "napcat") {
		t.Fatalf("unknown source: %d %s", a.status, a.body)
	}
	for _, p := range []string{"/a/b", "/s/napcat", "/s/napcat/x/y", "/" + strings.Repeat("a", 65), "/send.msg"} {
		a := l.post(p, `{}`)
		m := a.env(t)
		if a.status != 404 || string(m["retcode"]) != "1404" || jsonStr(m["message"]) == "" {
			t.Errorf("%s: %d %s", p, a.status, a.body)
		}
	}
	a = l.post("/send_group_msg", `{"group_id":{"x":1},"message":"m","echo":{"seq":9}}`)
	if m := a.env(t); a.status != 400 || string(m["echo"]) != `{"seq":9}` || !strings.Contains(jsonStr(m["message"]), "group_id") {
		t.Fatalf("a refusal echoes the echo: %d %s", a.status, a.body)
	}
	a = l.call("PUT", "/send_group_msg", `{}`, l.auth()...)
	if m := a.env(t); a.status != 405 || string(m["retcode"]) != "1405" || a.header.Get("Allow") != "GET, POST" {
		t.Fatalf("PUT: %d %s %v", a.status, a.body, a.header)
	}
	if n := l.fake.Count(""); n != 0 {
		t.Fatalf("the backend was called %d times", n)
	}
}

// TestOneBotNoSource: a console with no message source says how to add one.
func TestOneBotNoSource(t *testing.T) {
	l := newLive(t, nil)
	if err := l.db.DeleteSource("napcat"); err != nil {
		t.Fatal(err)
	}
	a := l.post("/get_login_info", `{}`)
	if m := a.env(t); a.status != 400 || !strings.Contains(jsonStr(m["message"]), "source add") {
		t.Fatalf("%d %s", a.status, a.body)
	}
}

// TestRateLimit: over the limit a call is refused at once with "rate limited" (never queued),
// on every route; another caller's bucket is its own.
func TestRateLimit(t *testing.T) {
	l := newLive(t, nil, func(o *endpoint.Options) { o.RateLimit, o.RateBurst = 0.001, 2 })
	for i := range 2 {
		if a := l.post("/get_login_info", `{}`); a.status != 200 {
			t.Fatalf("call %d within the burst: %d %s", i, a.status, a.body)
		}
	}
	a := l.post("/get_login_info", `{"echo":"r"}`)
	m := a.env(t)
	if a.status != 429 || string(m["retcode"]) != "1429" || !strings.Contains(jsonStr(m["message"]), "rate limited") {
		t.Fatalf("OneBot over the limit: %d %s", a.status, a.body)
	}
	a = l.post("/", `{"action":"get_login_info"}`)
	if a.status != 429 || !strings.Contains(a.body, `"error":"rate_limited"`) {
		t.Fatalf("UCBI over the limit: %d %s", a.status, a.body)
	}
	a = l.post("/ArkSharePeer", `{"group_id":20001}`)
	if a.status != 429 || !strings.Contains(a.body, "rate limited") {
		t.Fatalf("ArkSharePeer over the limit: %d %s", a.status, a.body)
	}
	if n := l.fake.Count(""); n != 2 {
		t.Fatalf("the backend got %d calls, want the 2 allowed", n)
	}

	// with no token the bucket is per client address: loopback callers share one
	anon := newLive(t, nil, withToken(""), func(o *endpoint.Options) { o.RateLimit, o.RateBurst = 0.001, 1 })
	if a := anon.post("/get_login_info", `{}`); a.status != 200 {
		t.Fatalf("first: %d", a.status)
	}
	if a := anon.post("/get_login_info", `{}`); a.status != http.StatusTooManyRequests {
		t.Fatalf("second: %d", a.status)
	}
}
