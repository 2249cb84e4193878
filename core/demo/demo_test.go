package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/core/onebot"
)

// fixture is a demo whose clock the test drives.
type fixture struct {
	*Demo
	ticks chan time.Time
	beats chan time.Time
}

func start(t *testing.T, token string) fixture {
	t.Helper()
	f := fixture{ticks: make(chan time.Time), beats: make(chan time.Time)}
	d, err := Start(context.Background(), Options{Token: token, Seed: 7, Ticks: f.ticks, HeartbeatTicks: f.beats})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f.Demo = d
	return f
}

// tick advances the script by one step (the script has taken it when tick returns).
func (f fixture) tick() { f.ticks <- time.Now() }

// answer is a decoded envelope.
type answer struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Echo    json.RawMessage `json:"echo"`
}

func post(t *testing.T, url, action, body string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/"+action, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func call(t *testing.T, url, action, body string) answer {
	t.Helper()
	status, b := post(t, url, action, body)
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", action, status, b)
	}
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %v in %s", action, err, b)
	}
	return a
}

func TestHTTPActions(t *testing.T) {
	d := start(t, "")
	tests := []struct {
		action, body string
		status       string
		retcode      int
		data         string // a substring of data
		message      string
	}{
		{"get_login_info", ``, "ok", 0, `{"nickname":"演示机器人","user_id":10001}`, ""},
		{"get_friend_list", `{}`, "ok", 0, `"nickname":"张三","remark":"老张"`, ""},
		{"get_group_list", `{}`, "ok", 0, `"group_name":"UCBI 演示群"`, ""},
		{"get_group_info", `{"group_id":20002}`, "ok", 0, `"group_name":"机器人开发交流"`, ""},
		{"get_group_info", `{"group_id":"20003"}`, "ok", 0, `"group_name":"周末羽毛球小队"`, ""},
		{"get_group_info", `{"group_id":99999}`, "failed", 200, ``, "群99999不存在"},
		{"get_group_info", `{}`, "failed", 400, ``, "group_id is required"},
		{"get_group_member_list", `{"group_id":20001}`, "ok", 0, `"card":"小助手"`, ""},
		{"get_group_member_info", `{"group_id":20002,"user_id":10003}`, "ok", 0, `"role":"owner","title":"创始人"`, ""},
		{"get_group_member_info", `{"group_id":20002,"user_id":10010}`, "failed", 200, ``, "群成员10010不存在"},
		{"get_stranger_info", `{"user_id":10009}`, "ok", 0, `"nickname":"吴桐"`, ""},
		{"get_status", ``, "ok", 0, `"online":true`, ""},
		{"get_version_info", ``, "ok", 0, `"app_name":"UCBI Demo"`, ""},
		{"send_group_msg", `{"message":"hi"}`, "failed", 400, ``, "group_id is required"},
		{"send_group_msg", `{"group_id":20001,"message":[]}`, "failed", 400, ``, "message: 消息为空"},
		{"send_group_msg", `{"group_id":123,"message":"hi"}`, "failed", 200, ``, "机器人不在群123中"},
		{"send_msg", `{"message_type":"guild","user_id":10002,"message":"hi"}`, "failed", 400, ``, `message_type must be private or group, not "guild"`},
		{"get_msg", `{"message_id":1}`, "failed", 200, ``, "消息1不存在"},
		{"delete_msg", `{"message_id":1}`, "failed", 200, ``, "消息1不存在"},
		{"no_such_action", `{}`, "failed", 200, ``, "不支持的Api no_such_action"},
		{"ArkSharePeer", `{"user_id":"abc"}`, "ok", 0, `"errCode":1`, ""},
		{"", ``, "ok", 0, `{}`, "UCBI Demo Is Running"},
	}
	for _, tc := range tests {
		t.Run(tc.action+" "+tc.body, func(t *testing.T) {
			a := call(t, d.URL(), tc.action, tc.body)
			wording := tc.message
			if tc.action == "" {
				wording = "" // NapCat's hello sets only message
			}
			if a.Status != tc.status || a.Retcode != tc.retcode || a.Message != tc.message || a.Wording != wording {
				t.Errorf("got %s %d %q %q, want %s %d %q", a.Status, a.Retcode, a.Message, a.Wording, tc.status, tc.retcode, tc.message)
			}
			if !strings.Contains(string(a.Data), tc.data) {
				t.Errorf("data %s does not contain %s", a.Data, tc.data)
			}
			if len(a.Echo) == 0 || string(a.Echo) == "null" {
				t.Errorf("no echo: NapCat makes one up over HTTP")
			}
		})
	}
}

func TestHTTPEchoAndBadBody(t *testing.T) {
	d := start(t, "")
	a := call(t, d.URL(), "get_login_info", `{"echo":{"n":1}}`)
	if string(a.Echo) != `{"n":1}` {
		t.Errorf("echo %s, want it back unchanged", a.Echo)
	}
	status, b := post(t, d.URL(), "get_login_info", `{"oops"`)
	if status != http.StatusBadRequest || string(b) != "Invalid JSON" {
		t.Errorf("bad body: %d %s, want NapCat's 400 Invalid JSON", status, b)
	}
	// GET with a query works, as in NapCat.
	resp, err := http.Get(d.URL() + "/get_group_info?group_id=20001")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "UCBI 演示群") {
		t.Errorf("GET with query: %s", body)
	}
}

func TestArkSharePeerGivesRealCards(t *testing.T) {
	d := start(t, "")
	var group struct {
		ErrCode int    `json:"errCode"`
		ArkJSON string `json:"arkJson"`
	}
	a := call(t, d.URL(), "ArkSharePeer", `{"group_id":"20001"}`)
	if err := json.Unmarshal(a.Data, &group); err != nil || group.ErrCode != 0 || !strings.HasSuffix(group.ArkJSON, "\n") {
		t.Fatalf("group card: %v %s", err, a.Data)
	}
	card, err := ark.Parse(strings.TrimSuffix(group.ArkJSON, "\n"))
	if err != nil || card.GroupCode != "20001" || card.Title != "UCBI 演示群" {
		t.Errorf("group card %+v, %v", card, err)
	}
	var user struct {
		ArkMsg string `json:"arkMsg"`
	}
	a = call(t, d.URL(), "ArkSharePeer", `{"user_id":10002}`)
	if err := json.Unmarshal(a.Data, &user); err != nil {
		t.Fatal(err)
	}
	card, err = ark.Parse(user.ArkMsg)
	if err != nil || card.UIN != "10002" || card.Title != "张三" {
		t.Errorf("friend card %+v, %v", card, err)
	}
}

func TestHTTPToken(t *testing.T) {
	d := start(t, "s3cret")
	tests := []struct {
		name, url string
		header    []string
		status    int
	}{
		{"none", d.URL(), nil, http.StatusForbidden},
		{"wrong bearer", d.URL(), []string{"Authorization", "Bearer nope"}, http.StatusForbidden},
		{"bearer", d.URL(), []string{"Authorization", "Bearer s3cret"}, http.StatusOK},
		{"query", d.URL() + "/get_login_info?access_token=s3cret#", nil, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, action := tc.url, "get_login_info"
			if strings.HasSuffix(url, "#") {
				url, action = strings.TrimSuffix(strings.TrimSuffix(url, "#"), "/get_login_info?access_token=s3cret"), "get_login_info?access_token=s3cret"
			}
			status, b := post(t, url, action, `{}`, tc.header...)
			if status != tc.status {
				t.Fatalf("HTTP %d %s, want %d", status, b, tc.status)
			}
			if status == http.StatusForbidden && string(b) != `{"message":"token verify failed!"}` {
				t.Errorf("refusal %s, want NapCat's", b)
			}
		})
	}
	if src := d.Source(); src.Token != "s3cret" {
		t.Errorf("source token %q", src.Token)
	}
}

func TestSource(t *testing.T) {
	d := start(t, "")
	want := core.Source{
		ID: "demo", Via: "coolq-http-api", URL: d.URL(), Flavor: "napcat", Platform: "qq",
		Events: core.LinkWS, WSURL: d.WSURL(), SelfID: "10001", HeartbeatMS: 30000,
	}
	if got := d.Source(); got != want {
		t.Errorf("Source() = %+v\nwant %+v", got, want)
	}
	if !strings.HasPrefix(d.URL(), "http://127.0.0.1:") || d.WSURL() != "ws"+strings.TrimPrefix(d.URL(), "http")+"/" {
		t.Errorf("URL %s, WSURL %s", d.URL(), d.WSURL())
	}
}

// client is a test's WebSocket connection to the demo.
type client struct {
	t *testing.T
	c *websocket.Conn
}

func dial(t *testing.T, url string, header http.Header) client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return client{t, c}
}

// next reads one frame as a JSON object (failing the test after a generous deadline).
func (cl client) next() map[string]any {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := cl.c.Read(ctx)
	if err != nil {
		cl.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		cl.t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

// nextEvent skips action answers and heartbeats until an event of postType comes.
func (cl client) nextEvent(postType string) map[string]any {
	cl.t.Helper()
	for {
		if m := cl.next(); m["post_type"] == postType {
			return m
		}
	}
}

func (cl client) send(frame string) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		cl.t.Fatal(err)
	}
}

// answerTo reads frames until the answer carrying echo, returning the events seen before it too.
func (cl client) answerTo(echo string) (map[string]any, []map[string]any) {
	cl.t.Helper()
	var events []map[string]any
	for {
		m := cl.next()
		if _, isEvent := m["post_type"]; isEvent {
			events = append(events, m)
			continue
		}
		if e, _ := json.Marshal(m["echo"]); string(e) == echo {
			return m, events
		}
	}
}

func TestWebSocketConnectEventsAndSend(t *testing.T) {
	d := start(t, "")
	cl := dial(t, d.WSURL(), nil)
	first := cl.next()
	if first["post_type"] != "meta_event" || first["meta_event_type"] != "lifecycle" || first["sub_type"] != "connect" || first["self_id"] != json.Number("10001") {
		t.Fatalf("first frame %v, want the connect lifecycle", first)
	}

	d.tick()
	checkEvent(t, cl.next())

	d.beats <- time.Now()
	if hb := cl.nextEvent("meta_event"); hb["meta_event_type"] != "heartbeat" || hb["interval"] != json.Number("30000") {
		t.Errorf("heartbeat %v", hb)
	}

	cl.send(`{"action":"send_group_msg","params":{"group_id":20001,"message":[{"type":"text","data":{"text":"大家好"}},{"type":"face","data":{"id":"14"}}]},"echo":{"seq":1}}`)
	ans, events := cl.answerTo(`{"seq":1}`)
	if ans["status"] != "ok" || ans["retcode"] != json.Number("0") || ans["stream"] != "normal-action" {
		t.Fatalf("send answer %v", ans)
	}
	mid := ans["data"].(map[string]any)["message_id"]
	var sent map[string]any
	for _, e := range events {
		if e["post_type"] == "message_sent" {
			sent = e
		}
	}
	if sent == nil {
		sent = cl.nextEvent("message_sent")
	}
	checkEvent(t, sent)
	if sent["message_id"] != mid || sent["group_id"] != json.Number("20001") || sent["user_id"] != json.Number("10001") ||
		sent["raw_message"] != "大家好[CQ:face,id=14]" {
		t.Errorf("message_sent %v does not match the send (message_id %v)", sent, mid)
	}

	// get_msg finds it; delete_msg recalls it with a notice.
	cl.send(`{"action":"get_msg","params":{"message_id":` + string(mid.(json.Number)) + `},"echo":"g"}`)
	if got, _ := cl.answerTo(`"g"`); got["data"].(map[string]any)["message_id"] != mid {
		t.Errorf("get_msg %v", got)
	}
	cl.send(`{"action":"delete_msg","params":{"message_id":"` + string(mid.(json.Number)) + `"},"echo":2}`)
	got, events := cl.answerTo(`2`)
	if got["status"] != "ok" {
		t.Errorf("delete_msg %v", got)
	}
	var recall map[string]any
	if len(events) > 0 {
		recall = events[0]
	} else {
		recall = cl.nextEvent("notice")
	}
	if recall["notice_type"] != "group_recall" || recall["message_id"] != mid || recall["operator_id"] != json.Number("10001") {
		t.Errorf("recall %v", recall)
	}
}

func TestWebSocketErrorsAreNapCats(t *testing.T) {
	d := start(t, "")
	cl := dial(t, d.WSURL(), nil)
	cl.next() // lifecycle
	tests := []struct {
		frame, echo string
		retcode     string
		message     string
	}{
		{`{"action":"nope","echo":"e1"}`, `"e1"`, "1404", "不支持的API nope"},
		{`{"action":"get_group_info","params":{},"echo":3}`, `3`, "1400", "group_id is required"},
		{`{"action":"get_group_info","params":{"group_id":1},"echo":4}`, `4`, "1200", "群1不存在"},
		{`{"action":"get_group_info","params":[1],"echo":5}`, `5`, "1400", "params must be an object"},
		{`not json`, `null`, "1400", "json解析失败,请检查数据格式"},
	}
	for _, tc := range tests {
		cl.send(tc.frame)
		got, _ := cl.answerTo(tc.echo)
		if got["status"] != "failed" || got["retcode"] != json.Number(tc.retcode) || got["message"] != tc.message || got["wording"] != tc.message || got["data"] != nil {
			t.Errorf("%s: %v, want retcode %s %q", tc.frame, got, tc.retcode, tc.message)
		}
	}
}

func TestWebSocketPaths(t *testing.T) {
	d := start(t, "")
	api := dial(t, d.WSURL()+"api", nil)
	api.send(`{"action":"get_login_info","echo":"a"}`)
	if first := api.next(); first["echo"] != "a" || first["status"] != "ok" {
		t.Fatalf("/api first frame %v: want the answer, no lifecycle", first)
	}
	ev := dial(t, d.WSURL()+"event", nil)
	if first := ev.next(); first["meta_event_type"] != "lifecycle" {
		t.Fatalf("/event first frame %v", first)
	}
	ev.send(`{"action":"get_login_info","echo":"b"}`)
	if got, _ := ev.answerTo(`"b"`); got["retcode"] != json.Number("1403") {
		t.Errorf("/event action answer %v, want 1403", got)
	}
	// An event reaches /event, and /api gets none: the next thing /api reads is its answer.
	d.tick()
	checkEvent(t, ev.next())
	api.send(`{"action":"get_status","echo":"c"}`)
	if got := api.next(); got["echo"] != "c" {
		t.Errorf("/api got %v, want only its answer", got)
	}
}

func TestWebSocketToken(t *testing.T) {
	d := start(t, "s3cret")
	bad := dial(t, d.WSURL(), http.Header{"Authorization": {"Bearer wrong"}})
	got := bad.next()
	if got["status"] != "failed" || got["retcode"] != json.Number("1403") || got["message"] != "token验证失败" {
		t.Errorf("bad token frame %v, want NapCat's 1403", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := bad.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("after the refusal: %v, want a close", err)
	}
	for _, cl := range []client{
		dial(t, d.WSURL()+"?access_token=s3cret", nil),
		dial(t, d.WSURL(), http.Header{"Authorization": {"Bearer s3cret"}}),
	} {
		if first := cl.next(); first["meta_event_type"] != "lifecycle" {
			t.Errorf("with the token: %v", first)
		}
	}
}

func TestRepliesComeOnLaterTicks(t *testing.T) {
	d := start(t, "")
	cl := dial(t, d.WSURL(), nil)
	cl.next()
	// Make the answer certain: the script decides at random whether a friend answers.
	d.world.mu.Lock()
	m := d.world.newMessage(time.Now(), 0, SelfID, 10004, []onebot.Segment{text("在吗")})
	d.world.pending = append(d.world.pending, pendingReply{ticks: 2, to: m, from: 10004})
	d.world.mu.Unlock()

	d.tick()
	cl.next() // a scripted event: the answer is not due yet
	d.world.mu.Lock()
	waiting := len(d.world.pending)
	d.world.mu.Unlock()
	if waiting != 1 {
		t.Fatalf("%d answers waiting after the first tick, want 1", waiting)
	}
	d.tick()
	ans := cl.nextEvent("message")
	checkEvent(t, ans)
	if ans["user_id"] != json.Number("10004") || ans["message_type"] != "private" || ans["sub_type"] != "friend" {
		t.Errorf("answer %v, want 王小美 in private", ans)
	}
}

func TestFriendRequestApproved(t *testing.T) {
	d := start(t, "")
	cl := dial(t, d.WSURL(), nil)
	cl.next()
	d.world.mu.Lock()
	req := d.world.scripted(time.Now(), kindFriendRequest, d.base)[0].(map[string]any)
	d.world.mu.Unlock()
	flag, uid := req["flag"].(string), req["user_id"].(int64)

	a := call(t, d.URL(), "set_friend_add_request", `{"flag":"`+flag+`","approve":true,"remark":"新朋友"}`)
	if a.Status != "ok" {
		t.Fatalf("approve: %+v", a)
	}
	add := cl.nextEvent("notice")
	if add["notice_type"] != "friend_add" || add["user_id"] != json.Number(itoa(uid)) {
		t.Errorf("notice %v, want friend_add of %d", add, uid)
	}
	if a := call(t, d.URL(), "get_friend_list", ``); !strings.Contains(string(a.Data), `"remark":"新朋友"`) {
		t.Errorf("friend list %s lacks the new friend", a.Data)
	}
	if a := call(t, d.URL(), "set_friend_add_request", `{"flag":"`+flag+`"}`); a.Retcode != 200 {
		t.Errorf("second approval: %+v, want a failure", a)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestEveryKindIsOneBot11 makes every kind of scripted event many times and checks its shape,
// and that the pictures and files it points at are served.
func TestEveryKindIsOneBot11(t *testing.T) {
	d := start(t, "")
	for k := kind(0); k < numKinds; k++ {
		made := 0
		for i := 0; i < 30; i++ {
			d.world.mu.Lock()
			evs := d.world.scripted(time.Now(), k, d.base)
			d.world.mu.Unlock()
			for _, e := range evs {
				var m map[string]any
				dec := json.NewDecoder(bytes.NewReader(eventJSON(e)))
				dec.UseNumber()
				if err := dec.Decode(&m); err != nil {
					t.Fatal(err)
				}
				checkEvent(t, m)
				checkMedia(t, m)
				made++
			}
		}
		if made == 0 && k != kindFriendAdd && k != kindFriendRequest { // strangers run out
			t.Errorf("kind %d made no event in 30 tries", k)
		}
	}
}

// checkEvent checks an event has the OneBot 11 fields its post_type needs, messages in array form.
func checkEvent(t *testing.T, m map[string]any) {
	t.Helper()
	if _, ok := m["time"].(json.Number); !ok || m["self_id"] != json.Number("10001") {
		t.Errorf("event %v: time and self_id", m)
	}
	need := map[string][]string{
		"message":      {"message_type", "sub_type", "message_id", "user_id", "message", "raw_message", "font", "sender"},
		"message_sent": {"message_type", "sub_type", "message_id", "user_id", "message", "raw_message", "font", "sender"},
		"notice":       {"notice_type"},
		"request":      {"request_type", "user_id", "flag", "comment"},
		"meta_event":   {"meta_event_type"},
	}
	fields, ok := need[m["post_type"].(string)]
	if !ok {
		t.Fatalf("event %v: post_type", m)
	}
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("%s event %v lacks %s", m["post_type"], m, f)
		}
	}
	if segs, ok := m["message"]; ok {
		arr, ok := segs.([]any)
		if !ok || len(arr) == 0 {
			t.Fatalf("message %v is not a non-empty array", segs)
		}
		for _, s := range arr {
			seg, _ := s.(map[string]any)
			if typ, _ := seg["type"].(string); typ == "" || seg["data"] == nil {
				t.Errorf("segment %v", s)
			}
		}
		if raw, _ := m["raw_message"].(string); strings.Contains(raw, "content=") || strings.Contains(raw, "raw=") {
			t.Errorf("raw_message %q carries objects NapCat leaves out", raw)
		}
		if m["message_type"] == "group" && m["group_id"] == nil {
			t.Errorf("group message without group_id: %v", m)
		}
	}
}

// checkMedia fetches the pictures and files a message points at, and parses its cards.
func checkMedia(t *testing.T, m map[string]any) {
	t.Helper()
	arr, _ := m["message"].([]any)
	for _, s := range arr {
		seg := s.(map[string]any)
		data := seg["data"].(map[string]any)
		switch seg["type"] {
		case "image", "file":
			resp, err := http.Get(data["url"].(string))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: HTTP %d", data["url"], resp.StatusCode)
			}
			if seg["type"] == "image" {
				if _, err := png.Decode(bytes.NewReader(b)); err != nil {
					t.Errorf("%s: %v", data["url"], err)
				}
			}
		case "json":
			if _, err := ark.Parse(data["data"].(string)); err != nil {
				t.Errorf("card: %v", err)
			}
		case "forward":
			if nodes, _ := data["content"].([]any); len(nodes) == 0 {
				t.Errorf("forward without content: %v", data)
			}
		}
	}
}

func TestCloseEndsConnections(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Start(ctx, Options{Ticks: make(chan time.Time)})
	if err != nil {
		t.Fatal(err)
	}
	cl := dial(t, d.WSURL(), nil)
	cl.next()
	cancel() // ending Start's context closes the demo
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	if _, _, err := cl.c.Read(rctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("read after close: %v, want 1001 going away", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSlowConnectionIsClosedNotWaitedFor(t *testing.T) {
	h := newHub()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := &wsConn{events: true, out: make(chan []byte, 2)}
	slow.ctx, slow.cancel = context.WithCancel(ctx)
	if !h.add(slow) {
		t.Fatal("add refused")
	}
	for i := 0; i < 3; i++ {
		h.broadcast([]byte(`{}`)) // nobody writes: the third does not fit
	}
	if code, reason := slow.ending(); slow.ctx.Err() == nil || code != websocket.StatusPolicyViolation || reason != closeSlow {
		t.Errorf("slow connection: ended %v, code %d %q", slow.ctx.Err(), code, reason)
	}
	h.remove(slow)
}
