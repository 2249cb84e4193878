package endpoint_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// TestListenOffLoopbackNeedsToken: the endpoint listens on loopback by default; any other
// address (all interfaces included) is refused without a token.
func TestListenOffLoopbackNeedsToken(t *testing.T) {
	cases := []struct {
		listen, token string
		ok            bool
	}{
		{"", "", true}, // the default: 127.0.0.1:5800
		{"127.0.0.1:0", "", true},
		{"127.0.0.53:0", "", true},
		{"[::1]:0", "", true},
		{"localhost:0", "", true},
		{"0.0.0.0:5800", "", false},
		{":5800", "", false}, // an empty host is every interface
		{"[::]:5800", "", false},
		{"192.168.1.10:5800", "", false},
		{"my-host.lan:5800", "", false},
		{"0.0.0.0:5800", "t0ken", true},
		{"[::]:5800", "t0ken", true},
		{"127.0.0.1", "", false}, // no port
	}
	for _, c := range cases {
		srv, err := endpoint.New(nil, endpoint.Options{Listen: c.listen, Token: c.token})
		if (err == nil) != c.ok {
			t.Errorf("listen %q token %q: err %v, want ok=%v", c.listen, c.token, err, c.ok)
		}
		if err == nil && c.listen == "" && srv.Addr() != endpoint.DefaultListen {
			t.Errorf("default listen address is %s", srv.Addr())
		}
		if err != nil && !c.ok && c.token == "" && strings.Contains(c.listen, ":5800") && !strings.Contains(err.Error(), "token") {
			t.Errorf("the refusal should say a token is needed: %v", err)
		}
	}
	if endpoint.DefaultListen != "127.0.0.1:5800" {
		t.Fatalf("the default must be loopback, is %s", endpoint.DefaultListen)
	}
}

// TestCORS: no CORS headers at all unless origins are configured; then only those origins get
// them, and a preflight from another origin is not approved.
func TestCORS(t *testing.T) {
	preflight := func(l *live, path, origin string) answer {
		return l.call("OPTIONS", path, "", "Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type")
	}
	none := newLive(t, nil)
	for _, p := range []string{"/", "/send_group_msg", "/ArkSharePeer"} {
		a := preflight(none, p, "https://panel.example")
		if a.header.Get("Access-Control-Allow-Origin") != "" || a.status < 400 {
			t.Fatalf("no origins configured, preflight %s: %d %v", p, a.status, a.header)
		}
	}
	a := none.call("POST", "/get_login_info", `{}`, append(none.auth(), "Origin", "https://panel.example")...)
	if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origins configured, POST: %d %v", a.status, a.header)
	}

	l := newLive(t, nil, func(o *endpoint.Options) { o.AllowOrigins = []string{"https://panel.example"} })
	for _, p := range []string{"/", "/send_group_msg", "/s/napcat/get_login_info", "/ArkSharePeer"} {
		a := preflight(l, p, "https://panel.example")
		h := a.header
		if a.status != 204 || h.Get("Access-Control-Allow-Origin") != "https://panel.example" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Vary"), "Origin") {
			t.Fatalf("allowed preflight %s: %d %v", p, a.status, h)
		}
		for _, evil := range []string{"https://evil.example", "https://panel.example.evil.example", "null", "https://PANEL.example"} {
			a = preflight(l, p, evil)
			if a.header.Get("Access-Control-Allow-Origin") != "" || a.status == 204 {
				t.Fatalf("preflight from %s on %s approved: %d %v", evil, p, a.status, a.header)
			}
		}
	}
	a = l.call("POST", "/get_login_info", `{}`, append(l.auth(), "Origin", "https://panel.example")...)
	if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "https://panel.example" {
		t.Fatalf("allowed POST: %d %v", a.status, a.header)
	}
	a = l.call("POST", "/get_login_info", `{}`, append(l.auth(), "Origin", "https://evil.example")...)
	if a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("POST from another origin got CORS headers: %v", a.header)
	}
	// a preflight is not a call: only the two POSTs reached the backend and history
	if n, rows := l.fake.Count(""), len(l.rows()); n != 2 || rows != 2 {
		t.Fatalf("the backend got %d calls and history has %d rows, want 2 (the POSTs)", n, rows)
	}
}

// TestTokensNeverShown: neither the console's token nor the backend's appears in any history
// row, log line, OnCall record or answer — whatever the call, however it failed, even when a bot
// puts the token in its body.
func TestTokensNeverShown(t *testing.T) {
	down := onebottest.New(onebottest.Options{Mode: onebottest.ModeDown})
	defer down.Close()
	refuser := onebottest.New(onebottest.Options{Token: "other"})
	defer refuser.Close()
	l := newLive(t, []core.Source{
		{ID: "down", Via: onebot.Via, URL: down.URL() + "/?access_token=" + liveBackendToken, Token: liveBackendToken},
		{ID: "refuser", Via: onebot.Via, URL: refuser.URL(), Token: liveBackendToken},
	})
	ours := liveOurToken
	var answers []answer
	do := func(method, path, body string, header ...string) {
		answers = append(answers, l.call(method, path, body, header...))
	}
	bearer := []string{"Authorization", "Bearer " + ours}
	do("POST", "/send_group_msg", `{"group_id":20001,"message":"hi"}`, bearer...)
	do("POST", "/send_group_msg?access_token="+ours, `{"group_id":20001,"message":"q"}`)
	do("GET", "/get_login_info?access_token="+ours+"&echo=g", "")
	do("POST", "/send_group_msg", `{"group_id":20001,"message":"body token","access_token":"`+ours+`"}`, bearer...)
	do("POST", "/send_group_msg", `{"group_id":{"bad":1},"access_token":"`+ours+`"}`, bearer...)
	do("POST", "/send_group_msg", "group_id=20001&message=form&access_token="+ours, append(bearer, "Content-Type", "application/x-www-form-urlencoded")...)
	do("POST", "/s/down/send_group_msg", `{"group_id":20001,"message":"down"}`, bearer...)
	do("POST", "/s/refuser/send_group_msg", `{"group_id":20001,"message":"refused"}`, bearer...)
	do("POST", "/no_such_api", `{}`, bearer...)
	do("POST", "/", `{"action":"send_group_message","params":{"group_id":"20001","message":"ucbi"}}`, bearer...)
	do("POST", "/?access_token="+ours, `{"action":"get_login_info","context":{"via":"coolq-http-api","extra":{"config_id":"down"}}}`)
	do("POST", "/", `{"action":"get_login_info","context":{"via":"coolq-http-api","extra":{"config_id":"refuser"}}}`, bearer...)
	do("POST", "/", `{"action":`, bearer...)
	do("POST", "/ArkSharePeer?access_token="+ours, `{"group_id":20001}`)
	do("POST", "/ArkSharePeer", `{"group_id":"x","user_id":1}`, bearer...)
	do("POST", "/", `{"action":"get_login_info"}`, "Authorization", "Bearer wrong-"+ours)
	do("POST", "/get_login_info", `{}`, "Authorization", "Token "+ours+"x")

	check := func(where, s string) {
		t.Helper()
		for _, tok := range []string{ours, liveBackendToken} {
			if strings.Contains(s, tok) {
				t.Errorf("a token in %s: %s", where, clip(s))
			}
		}
	}
	for i, a := range answers {
		check(fmt.Sprintf("answer %d", i), a.body)
		check(fmt.Sprintf("answer %d headers", i), fmt.Sprint(a.header))
	}
	rows := l.rows()
	if len(rows) < 10 {
		t.Fatalf("only %d rows", len(rows))
	}
	masked := 0
	for _, r := range rows {
		b, _ := json.Marshal(r)
		check("history", string(b))
		if strings.Contains(string(r.Request), "****") {
			masked++
		}
	}
	if masked == 0 {
		t.Errorf("the call that carried the token in its body should be in history, masked")
	}
	waitUntil(t, "a log line and an OnCall per call", func() bool {
		return lines(l.logs) >= len(answers) && len(l.onCalls()) >= len(answers)
	})
	check("the log", l.logs.String())
	for _, c := range l.onCalls() {
		check("OnCall", fmt.Sprintf("%+v", c))
	}
	// the backend got its own token, and never ours
	for _, r := range l.fake.Requests() {
		if r.Header.Get("Authorization") != "Bearer "+liveBackendToken {
			t.Errorf("backend auth: %q", r.Header.Get("Authorization"))
		}
		b, _ := json.Marshal(r.Params)
		if strings.Contains(string(b), ours) || strings.Contains(fmt.Sprint(r.Header), ours) {
			t.Errorf("our token reached the backend: %s %v", b, r.Header)
		}
	}
	if n := strings.Count(l.logs.String(), "\n"); n != len(answers) {
		t.Errorf("%d log lines for %d calls", n, len(answers))
	}
}

// TestImagePathOverHTTP: an image path that arrives over HTTP is handed to the backend as a
// file:/// reference — never read from the console's disk (the paths below exist nowhere) —
// and a relative or ".." path is refused with 400 before the backend is called.
func TestImagePathOverHTTP(t *testing.T) {
	l := newLive(t, nil)
	send := func(path string) answer {
		b, _ := json.Marshal(path)
		return l.post("/", `{"action":"send_group_message","params":{"group_id":"20001","message":[{"type":"image","text":"[图片]","data":{"path":`+string(b)+`}}]}}`)
	}
	lastFile := func() string {
		recs := l.fake.Requests()
		b, _ := json.Marshal(recs[len(recs)-1].Params["message"])
		var segs []struct {
			Type string            `json:"type"`
			Data map[string]string `json:"data"`
		}
		if err := json.Unmarshal(b, &segs); err != nil || len(segs) != 1 || segs[0].Type != "image" {
			t.Fatalf("backend message: %s", b)
		}
		return segs[0].Data["file"]
	}
	for _, c := range []struct{ path, want string }{
		{"/nonexistent-ucbi-dir/pic.png", "file:///nonexistent-ucbi-dir/pic.png"},
		{"/nonexistent-ucbi-dir/图 片#1.png", "file:///nonexistent-ucbi-dir/图%20片%231.png"},
		{`C:\nonexistent\pic.png`, "file:///C:/nonexistent/pic.png"},
	} {
		if a := send(c.path); a.status != 200 {
			t.Fatalf("%s: %d %s", c.path, a.status, a.body)
		}
		if got := lastFile(); got != c.want {
			t.Fatalf("%s: the backend got file=%q, want %q", c.path, got, c.want)
		}
	}
	before := l.fake.Count("")
	for _, p := range []string{"../../etc/passwd", "pics/a.png", "./a.png", "/srv/../etc/passwd", "a.png"} {
		a := send(p)
		if a.status != 400 || !strings.Contains(a.body, `"error":"bad_message"`) {
			t.Errorf("%s: want 400 bad_message, got %d %s", p, a.status, a.body)
		}
	}
	// the OneBot route passes absolute references verbatim and refuses the same tricks
	for _, f := range []string{"/nonexistent-ucbi-dir/pic.png", "file:///nonexistent-ucbi-dir/pic.png", "abc123.image", "https://example.com/a.png", "base64://aGk="} {
		b, _ := json.Marshal(f)
		a := l.post("/send_group_msg", `{"group_id":20001,"message":[{"type":"image","data":{"file":`+string(b)+`}}]}`)
		if a.status != 200 {
			t.Fatalf("OneBot %s: %d %s", f, a.status, a.body)
		}
		if got := lastFile(); got != f {
			t.Fatalf("OneBot %s: the backend got %q", f, got)
		}
		before++
	}
	for _, f := range []string{"../../etc/passwd", "pics/a.png", "file:///srv/../etc/passwd", "file://other-host/x.png"} {
		b, _ := json.Marshal(f)
		a := l.post("/send_group_msg", `{"group_id":20001,"message":[{"type":"image","data":{"file":`+string(b)+`}}]}`)
		if a.status != 400 {
			t.Errorf("OneBot %s: want 400, got %d %s", f, a.status, a.body)
		}
	}
	if n := l.fake.Count(""); n != before {
		t.Fatalf("refused paths reached the backend: %d calls, want %d", n, before)
	}
}
