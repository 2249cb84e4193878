package endpoint_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
	"ucbi-console/store"
)

const backendToken = "backend-secret-0123456789"

// rig is a real endpoint over a real store and dispatcher, in front of fake OneBot servers.
type rig struct {
	t     *testing.T
	db    *store.DB
	srv   *endpoint.Server
	ts    *httptest.Server
	fake  *onebottest.Server
	token string
	logs  *testkit.LockedBuffer
}

func newRig(t *testing.T, token string, extra ...core.Source) *rig {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fake := onebottest.New(onebottest.Options{Flavor: "napcat", Token: backendToken, Nickname: "小助手"})
	t.Cleanup(fake.Close)
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: backendToken, Flavor: "napcat", Default: true, TimeoutMS: 2000}); err != nil {
		t.Fatal(err)
	}
	for _, s := range extra {
		if err := db.PutSource(s); err != nil {
			t.Fatal(err)
		}
	}
	logs := &testkit.LockedBuffer{}
	srv, err := endpoint.New(cli.NewDispatcher(db), endpoint.Options{Listen: "127.0.0.1:0", Token: token, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &rig{t: t, db: db, srv: srv, ts: ts, fake: fake, token: token, logs: logs}
}

// do sends a request and returns status and body.
func (r *rig) do(method, path, body string, header ...string) (int, string, http.Header) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.ts.URL+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (r *rig) post(body string) (int, map[string]any) {
	r.t.Helper()
	h := []string{}
	if r.token != "" {
		h = []string{"Authorization", "Bearer " + r.token}
	}
	status, b, _ := r.do("POST", "/", body, h...)
	var m map[string]any
	if err := json.Unmarshal([]byte(b), &m); err != nil {
		r.t.Fatalf("answer is not a JSON object: %q", b)
	}
	return status, m
}

func (r *rig) history() []core.HistoryRecord {
	r.t.Helper()
	rows, err := r.db.HistoryPage(0, 1000, store.HistoryFilter{})
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

func TestUCBISeedExamples(t *testing.T) {
	r := newRig(t, "")
	status, m := r.post(`{"action":"get_login_info","context":{"via":"coolq-http-api","extra":{"config_id":"napcat"}}}`)
	if status != 200 || m["user_id"] != "10001" || m["user_tid"] != "10001" || m["user_name"] != "小助手" {
		t.Fatalf("get_login_info: %d %v", status, m)
	}
	status, m = r.post(`{"action":"send_private_message","context":{"via":"coolq-http-api","user_id":"12345678","extra":{"config_id":"napcat"}},
		"params":{"message":[{"type":"text","text":"你好啊～"},{"type":"image","text":"[图片]","data":{"path":"/tmp/pic.jpg"}}]}}`)
	if status != 200 || m["message_id"] == nil || m["message_id"] == "" {
		t.Fatalf("send: %d %v", status, m)
	}
	if _, isString := m["message_id"].(string); !isString {
		t.Fatalf("message_id must be a string: %#v", m["message_id"])
	}
	recs := r.fake.Requests()
	last := recs[len(recs)-1]
	if last.Action != "send_private_msg" {
		t.Fatalf("backend got %s", last.Action)
	}
	wire, _ := json.Marshal(last.Params)
	if !strings.Contains(string(wire), `"file":"file:///tmp/pic.jpg"`) || !strings.Contains(string(wire), `你好啊～`) || !strings.Contains(string(wire), `12345678`) {
		t.Fatalf("backend params: %s", wire)
	}
	if got := last.Header.Get("Authorization"); got != "Bearer "+backendToken {
		t.Fatalf("backend auth header: %q", got)
	}
	rows := r.history()
	if len(rows) != 2 || rows[0].Action != "send_private_message" || rows[0].Origin != core.OriginUCBI || rows[0].Target != "private:12345678" ||
		rows[0].Message != "你好啊～[图片]" || rows[0].MessageID != m["message_id"] || rows[0].Source != "napcat" {
		t.Fatalf("history: %+v", rows)
	}
}

func TestUCBIErrorTable(t *testing.T) {
	down := onebottest.New(onebottest.Options{Flavor: "napcat", Mode: onebottest.ModeDown})
	defer down.Close()
	slow := onebottest.New(onebottest.Options{Flavor: "go-cqhttp", Delay: 3000e6})
	defer slow.Close()
	garbage := onebottest.New(onebottest.Options{Flavor: "napcat", Mode: onebottest.ModeGarbage})
	defer garbage.Close()
	r := newRig(t, "",
		core.Source{ID: "down", Via: onebot.Via, URL: down.URL(), Flavor: "napcat"},
		core.Source{ID: "slow", Via: onebot.Via, URL: slow.URL(), Flavor: "go-cqhttp", TimeoutMS: 200},
		core.Source{ID: "garbage", Via: onebot.Via, URL: garbage.URL(), Flavor: "napcat"},
	)
	send := func(src string) string {
		return `{"action":"send_group_message","context":{"via":"coolq-http-api","extra":{"config_id":"` + src + `"}},"params":{"group_id":"20001","message":"hi"}}`
	}
	cases := []struct {
		name, body string
		status     int
		code       string
		mention    string
	}{
		{"bad json", `{"action":`, 400, core.CodeBadJSON, "JSON"},
		{"not an object", `[1,2]`, 400, core.CodeBadJSON, "object"},
		{"action type", `{"action":5}`, 400, core.CodeBadParam, "action"},
		{"unknown action", `{"action":"send_fax"}`, 404, core.CodeUnknownAction, "send_fax"},
		{"unknown via", `{"action":"get_login_info","context":{"via":"mojo-weixin-openwx"}}`, 400, core.CodeUnknownVia, "coolq-http-api"},
		{"unknown source", `{"action":"get_login_info","context":{"via":"coolq-http-api","extra":{"config_id":9}}}`, 400, core.CodeUnknownSource, "napcat (coolq-http-api)"},
		{"discuss", `{"action":"send_discuss_message","params":{"discuss_id":"1","message":"x"}}`, 422, core.CodeUnsupported, "OneBot 11"},
		{"rich", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"rich","text":"r"}]}}`, 422, core.CodeUnsupported, "rich"},
		{"empty message", `{"action":"send_group_message","params":{"group_id":"1","message":[]}}`, 400, core.CodeBadMessage, "empty"},
		{"image without data", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"image","text":"[图片]"}]}}`, 400, core.CodeBadMessage, "segment 0"},
		{"relative image path", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"image","text":"[图片]","data":{"path":"../../etc/passwd"}}]}}`, 400, core.CodeBadMessage, "segment 0"},
		{"backend failure", `{"action":"*no_such_api"}`, 502, core.CodeBackendFailed, "no_such_api"},
		{"backend down", send("down"), 503, core.CodeBackendDown, ""},
		{"backend timeout", send("slow"), 504, core.CodeBackendTimeout, ""},
		{"backend garbage", send("garbage"), 502, core.CodeBackendBadReply, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, m := r.post(c.body)
			if status != c.status || m["error"] != c.code {
				t.Fatalf("want %d %s, got %d %v", c.status, c.code, status, m)
			}
			msg, _ := m["message"].(string)
			if msg == "" || !strings.Contains(msg, c.mention) {
				t.Fatalf("message %q should mention %q", msg, c.mention)
			}
			if c.code == core.CodeBackendFailed && (m["retcode"] == nil || m["backend_message"] == nil) {
				t.Fatalf("a backend failure carries the backend's retcode and text: %v", m)
			}
		})
	}
	if slow.Count("send_group_msg") != 1 || down.Count("send_group_msg") != 0 {
		t.Fatalf("sends must never be retried: slow got %d", slow.Count("send_group_msg"))
	}
	// every call, failed or not, left a row; none holds the backend's token
	rows := r.history()
	if len(rows) != len(cases) {
		t.Fatalf("%d history rows for %d calls", len(rows), len(cases))
	}
	for _, row := range rows {
		b, _ := json.Marshal(row)
		if row.Outcome != core.OutcomeError || row.ErrorCode == "" || strings.Contains(string(b), backendToken) {
			t.Fatalf("row: %s", b)
		}
	}
}

func TestUCBIHTTPLevelErrors(t *testing.T) {
	r := newRig(t, "our-token-abcdef")
	check := func(name string, status int, body string, wantStatus int, wantCode string) {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil || status != wantStatus || m["error"] != wantCode || m["message"] == "" {
			t.Errorf("%s: want %d %s, got %d %s", name, wantStatus, wantCode, status, body)
		}
	}
	ok := `{"action":"get_login_info"}`
	s, b, h := r.do("GET", "/", "")
	check("GET", s, b, 405, core.CodeMethodNotAllowed)
	if h.Get("Allow") != "POST" {
		t.Errorf("405 without Allow: POST")
	}
	s, b, _ = r.do("POST", "/", ok)
	check("no token", s, b, 401, core.CodeUnauthorized)
	s, b, _ = r.do("POST", "/", ok, "Authorization", "Bearer nope")
	check("wrong token", s, b, 403, core.CodeForbidden)
	big := `{"action":"send_group_message","params":{"group_id":"1","message":"` + strings.Repeat("x", 1<<20) + `"}}`
	s, b, _ = r.do("POST", "/", big, "Authorization", "Bearer our-token-abcdef")
	check("too large", s, b, 413, core.CodeTooLarge)
	for _, auth := range [][]string{
		{"Authorization", "Bearer our-token-abcdef"},
		{"Authorization", "Token our-token-abcdef"},
		{"Authorization", "our-token-abcdef"},
	} {
		if s, b, _ := r.do("POST", "/", ok, auth...); s != 200 {
			t.Errorf("%v: %d %s", auth, s, b)
		}
	}
	if s, b, _ := r.do("POST", "/?access_token=our-token-abcdef", ok); s != 200 {
		t.Errorf("access_token: %d %s", s, b)
	}
	waitUntil(t, "a log line per call", func() bool { return lines(r.logs) >= 8 })
	// the log line never holds a token (ours in the query, nor the backend's)
	if strings.Contains(r.logs.String(), "our-token-abcdef") || strings.Contains(r.logs.String(), backendToken) {
		t.Fatalf("token in the log: %s", r.logs.String())
	}
	if n := strings.Count(r.logs.String(), "\n"); n != 8 {
		t.Fatalf("want one log line per call (8), got %d:\n%s", n, r.logs.String())
	}
}

func TestNonLoopbackNeedsToken(t *testing.T) {
	if _, err := endpoint.New(nil, endpoint.Options{Listen: "0.0.0.0:5800"}); err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("want a refusal naming the token, got %v", err)
	}
	if _, err := endpoint.New(nil, endpoint.Options{Listen: "0.0.0.0:5800", Token: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := endpoint.New(nil, endpoint.Options{Listen: "localhost:5800"}); err != nil {
		t.Fatal(err)
	}
	if _, err := endpoint.New(nil, endpoint.Options{Listen: "nonsense"}); err == nil {
		t.Fatal("a bad listen address must be refused")
	}
}

func TestMetaActions(t *testing.T) {
	down := onebottest.New(onebottest.Options{Mode: onebottest.ModeDown})
	defer down.Close()
	r := newRig(t, "", core.Source{ID: "offline", Via: onebot.Via, URL: down.URL()})
	status, b, _ := r.do("POST", "/", `{"action":"^get_contexts"}`)
	var all []core.ContextInfo
	if err := json.Unmarshal([]byte(b), &all); status != 200 || err != nil || len(all) != 2 || all[1].Available {
		t.Fatalf("contexts: %d %s", status, b)
	}
	_, b, _ = r.do("POST", "/", `{"action":"^get_available_contexts"}`)
	var got []core.ContextInfo
	if err := json.Unmarshal([]byte(b), &got); err != nil || len(got) != 1 || string(got[0].Extra) != `{"config_id":"napcat"}` || !got[0].Available {
		t.Fatalf("available contexts: %s", b)
	}
}
