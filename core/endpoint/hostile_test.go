package endpoint_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestHostileInput throws malformed and malicious requests at the UCBI root and the OneBot
// route of a live server (with a valid token, so that every check past auth is reached): each
// gets a 4xx with a reason — never a 5xx, never a crash, never a call to the backend — and the
// server keeps answering.
func TestHostileInput(t *testing.T) {
	l := newLive(t, nil)
	deep := strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100)
	deepArr := strings.Repeat(`[`, 1000) + strings.Repeat(`]`, 1000)
	huge := strings.Repeat("x", 1<<20)
	img := func(file string) string {
		b, _ := json.Marshal(file)
		return string(b)
	}
	type tc struct {
		name     string
		ucbi, ob string // bodies for POST / and POST /send_group_msg ("" = skip that route)
		status   int    // 0 = any 4xx
		mention  string // the reason must mention this
	}
	cases := []tc{
		{name: "malformed JSON", ucbi: `{"action":`, ob: `{"group_id":`, status: 400, mention: "JSON"},
		{name: "trailing garbage", ucbi: `{"action":"get_login_info"}{}`, ob: `{"group_id":1}{}`, status: 400, mention: "JSON"},
		{name: "not an object", ucbi: `[1,2,3]`, ob: `[1,2,3]`, status: 400, mention: "object"},
		{name: "a bare string", ucbi: `"send"`, ob: `"send"`, status: 400, mention: "object"},
		{name: "wrong type: id is an object", ucbi: `{"action":"send_group_message","params":{"group_id":{"a":1},"message":"x"}}`, ob: `{"group_id":{"a":1},"message":"x"}`, status: 400, mention: "group_id"},
		{name: "wrong type: id is a boolean", ucbi: `{"action":"send_private_message","params":{"user_id":true,"message":"x"}}`, ob: `{"user_id":true,"message":"x"}`, status: 400, mention: "user_id"},
		{name: "wrong type: message is a number", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":5}}`, ob: `{"group_id":1,"message":5}`, status: 400, mention: "message"},
		{name: "wrong type: segment is a string", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":["x"]}}`, ob: `{"group_id":1,"message":["x"]}`, status: 400, mention: "segment"},
		{name: "wrong type: segment type is a number", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":5}]}}`, ob: `{"group_id":1,"message":[{"type":5}]}`, status: 400, mention: "type"},
		{name: "huge id (> int64)", ucbi: `{"action":"send_group_message","params":{"group_id":99999999999999999999,"message":"x"}}`, ob: `{"group_id":99999999999999999999,"message":"x"}`, status: 400, mention: "64 bits"},
		{name: "huge id as a string", ob: `{"group_id":"99999999999999999999","message":"x"}`, status: 400, mention: "64 bits"},
		// Through UCBI a string id is any platform's id; the OneBot adapter refuses it for QQ.
		{name: "huge id as a string (UCBI)", ucbi: `{"action":"send_group_message","params":{"group_id":"99999999999999999999","message":"x"}}`, status: 400, mention: "QQ number"},
		{name: "id 1e999", ucbi: `{"action":"send_group_message","params":{"group_id":1e999,"message":"x"}}`, ob: `{"group_id":1e999,"message":"x"}`, status: 400, mention: "group_id"},
		{name: "fractional id", ucbi: `{"action":"send_group_message","params":{"group_id":1.5,"message":"x"}}`, ob: `{"group_id":1.5,"message":"x"}`, status: 400, mention: "group_id"},
		{name: "deep nesting (objects)", ucbi: `{"action":"send_group_message","params":` + deep + `}`, ob: `{"group_id":1,"message":"x","extra":` + deep + `}`, status: 400, mention: "nest"},
		{name: "deep nesting (arrays)", ucbi: deepArr, ob: `{"x":` + deepArr + `}`, status: 400, mention: "nest"},
		{name: "huge body (> 1 MiB)", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":"` + huge + `"}}`, ob: `{"group_id":1,"message":"` + huge + `"}`, status: 413, mention: "larger"},
		{name: "bad UTF-8", ucbi: "{\"action\":\"send_group_message\",\"params\":{\"group_id\":1,\"message\":\"\xff\xfe\"}}", ob: "{\"group_id\":1,\"message\":\"\xff\xfe\"}", status: 400, mention: "UTF-8"},
		{name: "image path ../../etc/passwd", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"path":"../../etc/passwd"}}]}}`,
			ob: `{"group_id":1,"message":[{"type":"image","data":{"file":"../../etc/passwd"}}]}`, status: 400, mention: ".."},
		{name: "image path relative", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"path":"pics/a.png"}}]}}`,
			ob: `{"group_id":1,"message":[{"type":"image","data":{"file":"pics/a.png"}}]}`, status: 400, mention: "absolute"},
		{name: "image path /abs/../", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"path":"/srv/pics/../../etc/shadow"}}]}}`,
			ob: `{"group_id":1,"message":[{"type":"record","data":{"file":"/srv/pics/../../etc/shadow"}}]}`, status: 400, mention: ".."},
		{name: "file URL with ..", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":"file:///srv/../etc/passwd"}}]}}`,
			ob: `{"group_id":1,"message":[{"type":"image","data":{"file":"file:///srv/../etc/passwd"}}]}`, status: 400, mention: ".."},
		{name: "file URL of another host", ob: `{"group_id":1,"message":[{"type":"video","data":{"file":"file://evil.example/share/x.mp4"}}]}`, status: 400, mention: "host"},
		{name: "CQ code with ../", ob: `{"group_id":1,"message":"看[CQ:image,file=../../etc/passwd]"}`, status: 400, mention: ".."},
		{name: "Windows relative path", ob: `{"group_id":1,"message":[{"type":"image","data":{"file":` + img(`..\..\Windows\win.ini`) + `}}]}`, status: 400, mention: ".."},
		{name: "NUL in path", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"path":"/tmp/a\u0000.png"}}]}}`,
			ob: `{"group_id":1,"message":[{"type":"image","data":{"file":"/tmp/a\u0000.png"}}]}`, status: 400, mention: "NUL"},
		{name: "empty body", ucbi: ``, status: 400, mention: "empty"},
		{name: "null body", ucbi: `null`, status: 400, mention: "object"},
		{name: "action is an array", ucbi: `{"action":["send_group_message"]}`, status: 400, mention: "action"},
		{name: "context is a string", ucbi: `{"action":"get_login_info","context":"qq"}`, status: 400, mention: "context"},
		{name: "extra is an array", ucbi: `{"action":"get_login_info","context":{"extra":[1]}}`, status: 400, mention: "extra"},
		{name: "params is an array", ucbi: `{"action":"*get_status","params":[1]}`, status: 400, mention: "params"},
		// Stricter input (issue 15): a UCBI call matches the spec exactly or is refused naming the field.
		{name: "action with a leading space", ucbi: `{"action":" get_login_info"}`, status: 400, mention: "action"},
		{name: "action with a trailing newline", ucbi: `{"action":"get_login_info\n"}`, status: 400, mention: `\n`},
		{name: "action with a tab inside", ucbi: `{"action":"get_login\tinfo"}`, status: 400, mention: "action"},
		{name: "action in capitals", ucbi: `{"action":"GET_LOGIN_INFO"}`, status: 404, mention: "unknown action"},
		{name: "send action in mixed case", ucbi: `{"action":"Send_Group_Message","params":{"group_id":1,"message":"x"}}`, status: 404, mention: "unknown action"},
		{name: "meta action in capitals", ucbi: `{"action":"^GET_CONTEXTS"}`, status: 404, mention: "unknown meta action"},
		{name: "url file:", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":"file:///etc/passwd"}}]}}`, status: 400, mention: "data.url"},
		{name: "url bare http://", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":"http://"}}]}}`, status: 400, mention: "data.url"},
		{name: "url javascript:", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"video","text":"[视频]","data":{"url":"javascript:alert(1)"}}]}}`, status: 400, mention: "data.url"},
		{name: "url data:", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":"data:image/png;base64,aGk="}}]}}`, status: 400, mention: "data.url"},
		{name: "url ftp:", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"audio","text":"[语音]","data":{"url":"ftp://h/a.amr"}}]}}`, status: 400, mention: "data.url"},
		{name: "url with a leading space", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":" https://example.com/a.png"}}]}}`, status: 400, mention: "data.url"},
		{name: "url base64:// not Base64", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"url":"base64://%%%"}}]}}`, status: 400, mention: "base64"},
		{name: "link url javascript:", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"link","text":"[链接]","data":{"url":"javascript:alert(1)","title":"t"}}]}}`, status: 400, mention: "data.url"},
		{name: "latitude 91", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"location","text":"[位置]","data":{"latitude":91,"longitude":0}}]}}`, status: 400, mention: "data.latitude"},
		{name: "longitude -180.5", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"location","text":"[位置]","data":{"latitude":0,"longitude":"-180.5"}}]}}`, status: 400, mention: "data.longitude"},
		{name: "latitude NaN", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"location","text":"[位置]","data":{"latitude":"NaN","longitude":0}}]}}`, status: 400, mention: "data.latitude"},
		{name: "latitude with a tail", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"location","text":"[位置]","data":{"latitude":"39.9N","longitude":0}}]}}`, status: 400, mention: "data.latitude"},
		{name: "at a name, not a QQ number", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"at","text":"@x","data":{"user_id":"zhangsan"}}]}}`, status: 400, mention: "data.user_id"},
		{name: "at a boolean", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"at","text":"@x","data":{"user_id":true}}]}}`, status: 400, mention: "data.user_id"},
		{name: "at ALL (not all)", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"at","text":"@x","data":{"user_id":"ALL"}}]}}`, status: 400, mention: "data.user_id"},
		{name: "contact not a QQ number", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"contact","text":"[推荐]","data":{"user_id":"wxid_abc"}}]}}`, status: 400, mention: "data.user_id"},
		{name: "group id with letters", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"group","text":"[推荐群]","data":{"group_id":"12a"}}]}}`, status: 400, mention: "data.group_id"},
		{name: "context id with spaces", ucbi: `{"action":"send_private_message","context":{"user_id":" 10002"},"params":{"message":"x"}}`, status: 400, mention: "context.user_id"},
		{name: "params id with a newline", ucbi: `{"action":"send_group_message","params":{"group_id":"1\n","message":"x"}}`, status: 400, mention: "group_id"},
		{name: "target id not a QQ number", ucbi: `{"action":"send_group_message","params":{"group_id":"abc","message":"x"}}`, status: 400, mention: "QQ number"},
		{name: "media_id alone to OneBot 11", ucbi: `{"action":"send_group_message","params":{"group_id":1,"message":[{"type":"image","text":"[图片]","data":{"media_id":"m1"}}]}}`, status: 422, mention: "media_id"},
	}
	routes := []struct{ name, path string }{{"ucbi", "/"}, {"onebot", "/send_group_msg"}}
	for _, c := range cases {
		for _, rt := range routes {
			body := c.ucbi
			if rt.name == "onebot" {
				body = c.ob
			}
			if body == "" && !(rt.name == "ucbi" && c.name == "empty body") {
				continue
			}
			t.Run(c.name+"/"+rt.name, func(t *testing.T) {
				a := l.in(t).post(rt.path, body)
				checkRefusal(t, a, c.status, c.mention)
				if rt.name == "onebot" {
					if m := a.env(t); jsonStr(m["status"]) != "failed" || string(m["retcode"]) == "0" {
						t.Fatalf("not a failure envelope: %s", a.body)
					}
				} else if !strings.Contains(a.body, `"error":`) {
					t.Fatalf("not a UCBI error body: %s", a.body)
				}
			})
		}
	}
	if n := l.fake.Count(""); n != 0 {
		t.Fatalf("hostile calls reached the backend %d times", n)
	}
	assertStillServing(t, l)
}

// TestHostileHTTP covers what is refused before any body is read: methods, paths that try to
// leave the routes, headers with CR/LF or of huge size, query strings that do not parse.
func TestHostileHTTP(t *testing.T) {
	l := newLive(t, nil)
	auth := "Authorization: Bearer " + liveOurToken + "\r\n"
	req := func(method, target, headers, body string) string {
		return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", method, target, headers, len(body), body)
	}
	cases := []struct {
		name, request string
		status        int // 0 = any 4xx
		mention       string
	}{
		{"GET on the UCBI root", req("GET", "/", auth, ""), 405, "POST"},
		{"PUT on the UCBI root", req("PUT", "/", auth, `{"action":"get_login_info"}`), 405, "POST"},
		{"DELETE on the UCBI root", req("DELETE", "/", auth, ""), 405, "POST"},
		{"PATCH on a OneBot action", req("PATCH", "/send_group_msg", auth, `{}`), 405, "POST"},
		{"GET on ArkSharePeer", req("GET", "/ArkSharePeer", auth, ""), 405, "POST"},
		{"encoded ../ as the action", req("POST", "/..%2f", auth, `{}`), 404, "no route"},
		{"../ after /s/", req("POST", "/s/../x", auth, `{}`), 404, "no route"},
		{"encoded dots", req("POST", "/%2e%2e/%2e%2e/etc/passwd", auth, `{}`), 404, "no route"},
		{"action with ..", req("POST", "/send_group_msg/../../admin", auth, `{}`), 404, "no route"},
		{"source with encoded slash", req("POST", "/s/napcat%2f..%2f..%2fadmin/get_login_info", auth, `{}`), 404, "no route"},
		{"action with encoded slash", req("POST", "/s/napcat/..%2fget_login_info", auth, `{}`), 404, "no route"},
		{"action with a NUL", req("POST", "/get_login_info%00", auth, `{}`), 404, "no route"},
		{"action with a dot", req("POST", "/get_login_info.php", auth, `{}`), 404, "no route"},
		{"double slash", req("POST", "//get_login_info", auth, `{}`), 404, "no route"},
		{"absolute URI elsewhere", req("POST", "http://evil.example/../x", auth, `{}`), 404, "no route"},
		{"bad query escape", req("POST", "/get_login_info?group_id=%zz", auth, `{}`), 400, "query"},
		{"bad form escape", req("POST", "/send_group_msg", auth+"Content-Type: application/x-www-form-urlencoded\r\n", "group_id=%zz"), 400, "form"},
		{"bad UTF-8 in a query value", req("POST", "/send_group_msg?message=%ff%fe", auth, `{"group_id":1}`), 400, "UTF-8"},
		{"CR in the token", "POST /get_login_info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + liveOurToken + "\rX-Evil: 1\r\nContent-Length: 2\r\n\r\n{}", 400, ""},
		{"obsolete header folding", "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n continued\r\nContent-Length: 2\r\n\r\n{}", 403, "token"},
		{"NUL in a header", "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x00b\r\nContent-Length: 2\r\n\r\n{}", 400, ""},
		{"very long header", req("POST", "/get_login_info", auth+"X-Long: "+strings.Repeat("a", 200<<10)+"\r\n", `{}`), 431, ""},
		{"very long token", req("POST", "/get_login_info", "Authorization: Bearer "+strings.Repeat("t", 60<<10)+"\r\n", `{}`), 403, "token"},
		{"token with a tab", req("POST", "/get_login_info", "Authorization: Bearer a\tb\r\n", `{}`), 403, "token"},
		{"huge Content-Length", "POST / HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 99999999999\r\nConnection: close\r\n\r\n{}", 413, "larger"},
		{"negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: -5\r\n\r\n{}", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := l.in(t).raw(c.request)
			checkRefusal(t, a, c.status, c.mention)
		})
	}
	if n := l.fake.Count(""); n != 0 {
		t.Fatalf("hostile requests reached the backend %d times", n)
	}
	assertStillServing(t, l)
}

// checkRefusal: a 4xx (status when not 0) whose body says why (mentioning mention).
func checkRefusal(t *testing.T, a answer, status int, mention string) {
	t.Helper()
	if a.status >= 500 {
		t.Fatalf("5xx for a caller's mistake: %d %s", a.status, clip(a.body))
	}
	if a.status < 400 || (status != 0 && a.status != status) {
		t.Fatalf("want %d, got %d %s", status, a.status, clip(a.body))
	}
	if strings.TrimSpace(a.body) == "" {
		t.Fatalf("%d without a reason", a.status)
	}
	if mention != "" && !strings.Contains(strings.ToLower(a.body), strings.ToLower(mention)) {
		t.Fatalf("the reason should mention %q: %s", mention, clip(a.body))
	}
}

// assertStillServing: after everything above, real calls still work on both routes, and no
// handler panicked.
func assertStillServing(t *testing.T, l *live) {
	t.Helper()
	if a := l.post("/get_login_info", `{}`); a.status != 200 {
		t.Fatalf("OneBot after the hostile table: %d %s", a.status, a.body)
	}
	if a := l.post("/", `{"action":"get_login_info"}`); a.status != 200 {
		t.Fatalf("UCBI after the hostile table: %d %s", a.status, a.body)
	}
	if strings.Contains(l.logs.String(), "internal error") {
		t.Fatalf("a handler panicked:\n%s", l.logs.String())
	}
}
