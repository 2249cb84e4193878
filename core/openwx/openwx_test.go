package openwx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit/kittest"
	"ucbi-console/core/openwx"
	"ucbi-console/core/openwx/openwxtest"
)

const secret = "wx-s3cr3t-TOKEN"

func fake(t *testing.T, o openwxtest.Options) *openwxtest.Server {
	t.Helper()
	s := openwxtest.New(o)
	t.Cleanup(s.Close)
	return s
}

func adapter(t *testing.T, src core.Source) *openwx.Adapter {
	t.Helper()
	src.Via = openwx.Via
	a, err := openwx.New(src)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func wantCode(t *testing.T, err error, code string) *core.Error {
	t.Helper()
	return kittest.WantCode(t, err, code, secret)
}

func text(s string) core.Message { return core.Message{{Type: "text", Text: s}} }

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		src core.Source
		ok  bool
	}{
		{core.Source{URL: "http://127.0.0.1:3000"}, true},
		{core.Source{URL: "http://127.0.0.1:3000/openwx/"}, true},
		{core.Source{URL: "http://h:3000", Platform: "wechat"}, true},
		{core.Source{URL: "http://h:3000", Platform: "qq"}, false},
		{core.Source{URL: "ws://h:3000"}, false},
		{core.Source{URL: ""}, false},
		{core.Source{URL: "http://h", Via: "coolq-http-api"}, false},
		{core.Source{URL: "http://h", Token: "a b"}, false},
	} {
		_, err := openwx.New(tc.src)
		if (err == nil) != tc.ok {
			t.Errorf("New(%+v) err = %v, want ok=%v", tc.src, err, tc.ok)
		}
	}
}

func TestSend(t *testing.T) {
	srv := fake(t, openwxtest.Options{Token: secret})
	a := adapter(t, core.Source{ID: "wx", URL: srv.URL() + "/openwx", Token: secret})
	f, g := openwxtest.Friends[0], openwxtest.Groups[0]
	tests := []struct {
		name  string
		t     core.Target
		m     core.Message
		route string
		want  url.Values
	}{
		{"friend by id", core.Target{Type: "private", ID: f.ID}, text("你好"), "send_friend_message",
			url.Values{"id": {f.ID}, "content": {"你好"}}},
		{"friend by account", core.Target{Type: "private", ID: "account:" + f.Account}, text("hi"), "send_friend_message",
			url.Values{"account": {f.Account}, "content": {"hi"}}},
		{"friend by displayname", core.Target{Type: "private", ID: "displayname:" + f.DisplayName}, text("hi"), "send_friend_message",
			url.Values{"displayname": {f.DisplayName}, "content": {"hi"}}},
		{"friend by markname", core.Target{Type: "private", ID: "markname:" + f.Markname}, text("hi"), "send_friend_message",
			url.Values{"markname": {f.Markname}, "content": {"hi"}}},
		{"group by id with a mention", core.Target{Type: "group", ID: g.ID},
			core.Message{{Type: "at", Data: map[string]any{"user_tid": f.ID, "user": "老张"}}, {Type: "text", Text: "开会"}},
			"send_group_message", url.Values{"id": {g.ID}, "content": {"@老张 开会"}}},
		{"group by displayname", core.Target{Type: "group", ID: "displayname:" + g.DisplayName}, text("hi"), "send_group_message",
			url.Values{"displayname": {g.DisplayName}, "content": {"hi"}}},
		{"image by url", core.Target{Type: "private", ID: f.ID},
			core.Message{{Type: "image", Data: map[string]any{"url": "https://example.com/a.png"}}}, "send_friend_message",
			url.Values{"id": {f.ID}, "media_path": {"https://example.com/a.png"}}},
		{"file by path", core.Target{Type: "group", ID: g.ID},
			core.Message{{Type: "file", Data: map[string]any{"path": "/srv/报告.pdf"}}}, "send_group_message",
			url.Values{"id": {g.ID}, "media_path": {"/srv/报告.pdf"}}},
		{"voice by media_id", core.Target{Type: "private", ID: f.ID},
			core.Message{{Type: "audio", Data: map[string]any{"media_id": "m-1"}}}, "send_friend_message",
			url.Values{"id": {f.ID}, "media_id": {"m-1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Requests())
			res, err := a.Send(context.Background(), tc.t, tc.m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.MessageID == "" {
				t.Errorf("no message id")
			}
			reqs := srv.Requests()[before:]
			if len(reqs) != 1 || reqs[0].Route != tc.route {
				t.Fatalf("requests = %+v, want one %s", reqs, tc.route)
			}
			for k := range tc.want {
				if reqs[0].Params.Get(k) != tc.want.Get(k) {
					t.Errorf("%s = %q, want %q", k, reqs[0].Params.Get(k), tc.want.Get(k))
				}
			}
			if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+secret {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

func TestSendRefusals(t *testing.T) {
	srv := fake(t, openwxtest.Options{})
	a := adapter(t, core.Source{ID: "wx", URL: srv.URL()})
	f := openwxtest.Friends[0]
	img := core.Segment{Type: "image", Data: map[string]any{"url": "https://example.com/a.png"}}
	tests := []struct {
		name string
		t    core.Target
		m    core.Message
		code string
	}{
		{"discuss", core.Target{Type: "discuss", ID: "1"}, text("x"), core.CodeUnsupported},
		{"no type", core.Target{ID: f.ID}, text("x"), core.CodeMissingParam},
		{"no id", core.Target{Type: "private"}, text("x"), core.CodeMissingParam},
		{"group by markname", core.Target{Type: "group", ID: "markname:x"}, text("x"), core.CodeBadParam},
		{"text and media", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "text", Text: "看"}, img}, core.CodeUnsupported},
		{"two media", core.Target{Type: "private", ID: f.ID}, core.Message{img, img}, core.CodeUnsupported},
		{"inline data", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "image", Data: map[string]any{"data": "aGk="}}}, core.CodeUnsupported},
		{"link", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "link", Data: map[string]any{"url": "https://x"}}}, core.CodeUnsupported},
		{"location", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "location", Data: map[string]any{"latitude": 1, "longitude": 2}}}, core.CodeUnsupported},
		{"star type", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "*face", Data: map[string]any{"id": "1"}}}, core.CodeUnsupported},
		{"at without a name", core.Target{Type: "private", ID: f.ID}, core.Message{{Type: "at", Data: map[string]any{"user_tid": "@x"}}}, core.CodeUnsupported},
		{"empty", core.Target{Type: "private", ID: f.ID}, core.Message{}, core.CodeBadMessage},
		{"unknown friend", core.Target{Type: "private", ID: "@nobody"}, text("x"), core.CodeBackendFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Count("send_friend_message") + srv.Count("send_group_message")
			_, err := a.Send(context.Background(), tc.t, tc.m)
			e := wantCode(t, err, tc.code)
			after := srv.Count("send_friend_message") + srv.Count("send_group_message")
			if tc.code != core.CodeBackendFailed && after != before {
				t.Errorf("a refused send reached Openwx")
			}
			if tc.code == core.CodeBackendFailed && (e.Retcode != 100 || e.BackendText != "object not found") {
				t.Errorf("backend failure = %+v, want code 100 with Openwx's status", e)
			}
		})
	}
	// Every kind the adapter says it cannot send has a reason; every other one goes through BuildSend.
	for kind, why := range a.SupportedSegments() {
		if kind == "text" || kind == "image" {
			if why != "" {
				t.Errorf("%s should be sendable: %s", kind, why)
			}
		}
		if (kind == "link" || kind == "rich" || kind == "*") && why == "" {
			t.Errorf("%s has no reason", kind)
		}
	}
}

func TestLoginInfoExtensionAndErrors(t *testing.T) {
	srv := fake(t, openwxtest.Options{Token: secret})
	a := adapter(t, core.Source{ID: "wx", URL: srv.URL(), Token: secret})
	li, err := a.GetLoginInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if li.UserTID != openwxtest.Self.ID || li.UserID != openwxtest.Self.Account || li.UserName != openwxtest.Self.Name {
		t.Errorf("login info = %+v", li)
	}
	raw, err := a.Extension(context.Background(), "get_friend_info", nil)
	if err != nil {
		t.Fatal(err)
	}
	var friends []openwxtest.Contact
	if json.Unmarshal(raw, &friends) != nil || len(friends) != len(openwxtest.Friends) {
		t.Errorf("get_friend_info = %s", raw)
	}
	_, err = a.Extension(context.Background(), "send_friend_message", map[string]json.RawMessage{
		"id": json.RawMessage(`"` + openwxtest.Friends[1].ID + `"`), "content": json.RawMessage(`"扩展"`), "async": json.RawMessage(`true`)})
	if err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Params.Get("content") != "扩展" || last.Params.Get("async") != "1" {
		t.Errorf("extension form = %v", last.Params)
	}

	e := wantCode(t, func() error { _, err := a.Extension(context.Background(), "no_such_route", nil); return err }(), core.CodeUnsupported)
	if e.HTTPStatus != http.StatusForbidden {
		t.Errorf("unknown route: %+v", e)
	}
	wantCode(t, func() error { _, err := a.Extension(context.Background(), "../admin", nil); return err }(), core.CodeUnknownAction)

	wrong := adapter(t, core.Source{ID: "wx", URL: srv.URL(), Token: "not-the-" + secret})
	e = wantCode(t, func() error { _, err := wrong.GetLoginInfo(context.Background()); return err }(), core.CodeBackendFailed)
	if e.Retcode != openwx.CodeAuthFailure || !strings.Contains(e.Message, "auth failure") {
		t.Errorf("auth failure = %+v", e)
	}
	srv.Close()
	wantCode(t, func() error { _, err := a.GetLoginInfo(context.Background()); return err }(), core.CodeBackendDown)
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   string
	}{
		{200, `{"status":"发送成功","msg_id":1,"code":0}`, ""},
		{200, `[]`, ""},
		{200, `{"code":"0","status":"ok"}`, ""},
		{200, `{"code":1,"status":"发送失败"}`, core.CodeBackendFailed},
		{403, `{"code":-6,"status":"auth failure"}`, core.CodeBackendFailed},
		{403, `api not found`, core.CodeUnsupported},
		{200, `<html>`, core.CodeBackendBadReply},
		{200, ``, core.CodeBackendBadReply},
		{500, `{"x":1}`, core.CodeBackendBadReply},
		{200, `{"code":"x"}`, core.CodeBackendBadReply},
	}
	for _, tc := range tests {
		_, err := openwx.ParseReply("r", tc.status, []byte(tc.body))
		if tc.code == "" {
			if err != nil {
				t.Errorf("%d %s: %v", tc.status, tc.body, err)
			}
			continue
		}
		if e := core.AsError(err); e == nil || e.Code != tc.code {
			t.Errorf("%d %s: err = %v, want %s", tc.status, tc.body, err, tc.code)
		}
	}
}

// decoded is the parts of an event a test looks at.
type decoded struct {
	Type    string
	Context *core.Context
	Data    map[string]any
	Kind    string
}

func decode(t *testing.T, src core.Source, report any) decoded {
	t.Helper()
	raw, _ := json.Marshal(report)
	ev, err := openwx.Decode(src, raw)
	if err != nil {
		t.Fatalf("Decode(%s): %v", raw, err)
	}
	if string(ev.Raw) != string(raw) || ev.Source != src.ID || ev.Via != openwx.Via {
		t.Errorf("stored event = %+v", ev)
	}
	var d map[string]any
	if err := json.Unmarshal(ev.Event.Data, &d); err != nil {
		t.Fatalf("data %s: %v", ev.Event.Data, err)
	}
	return decoded{ev.Event.Type, ev.Event.Context, d, ev.Kind}
}

func TestDecode(t *testing.T) {
	src := core.Source{ID: "wx", Via: openwx.Via, Platform: "wechat"}
	f, f2, g := openwxtest.Friends[0], openwxtest.Friends[1], openwxtest.Groups[0]
	tests := []struct {
		name   string
		report any
		kind   string
		typ    string
		target core.Target
		data   map[string]any
	}{
		{"friend message", openwxtest.FriendMessage("1", f, "你好"), "receive_message.friend_message", "message",
			core.Target{Type: "private", ID: f.ID},
			map[string]any{"type": "private", "sender_tid": f.ID, "sender": f.DisplayName, "sender_name": f.Name,
				"sender_markname": f.Markname, "*message_id": "1", "*sender_account": f.Account}},
		{"group message", openwxtest.GroupMessage("2", g, f2, "大家好"), "receive_message.group_message", "message",
			core.Target{Type: "group", ID: g.ID},
			map[string]any{"type": "group", "group_tid": g.ID, "group_name": g.DisplayName, "sender_tid": f2.ID, "sender_role": "unknown"}},
		{"sent message", openwxtest.SentMessage("3", f, "回复"), "send_message.friend_message", "message",
			core.Target{Type: "private", ID: f.ID}, map[string]any{"*sent": true, "sender_tid": openwxtest.Self.ID}},
		{"media message", openwxtest.MediaMessage("4", f, "image", "/tmp/mojo/a.jpg"), "receive_message.friend_message", "message",
			core.Target{Type: "private", ID: f.ID}, map[string]any{"type": "private"}},
		{"group notice", openwxtest.GroupNotice("5", g, "张三加入了群聊"), "receive_message.group_notice", "notice",
			core.Target{Type: "group", ID: g.ID}, map[string]any{"notice": "*group_notice", "content": "张三加入了群聊"}},
		{"new friend", openwxtest.Event("new_friend", f), "event.new_friend", "notice",
			core.Target{Type: "private", ID: f.ID}, map[string]any{"notice": "add_contact", "user_tid": f.ID, "content": f.DisplayName}},
		{"lose friend", openwxtest.Event("lose_friend", f), "event.lose_friend", "notice",
			core.Target{Type: "private", ID: f.ID}, map[string]any{"notice": "lose_contact"}},
		{"new group", openwxtest.Event("new_group", g), "event.new_group", "notice",
			core.Target{Type: "group", ID: g.ID}, map[string]any{"notice": "join_group", "group_tid": g.ID}},
		{"lose group", openwxtest.Event("lose_group", g), "event.lose_group", "notice",
			core.Target{Type: "group", ID: g.ID}, map[string]any{"notice": "leave_group"}},
		{"new member", openwxtest.Event("new_group_member", f, g), "event.new_group_member", "notice",
			core.Target{Type: "group", ID: g.ID}, map[string]any{"notice": "add_group_member", "user_tid": f.ID, "group_tid": g.ID}},
		{"lose member", openwxtest.Event("lose_group_member", f, g), "event.lose_group_member", "notice",
			core.Target{Type: "group", ID: g.ID}, map[string]any{"notice": "lose_group_member"}},
		{"other event", openwxtest.Event("update_user", openwxtest.Self), "event.update_user", "notice",
			core.Target{}, map[string]any{"notice": "*update_user"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, src, tc.report)
			if d.Kind != tc.kind || d.Type != tc.typ {
				t.Errorf("kind, type = %s, %s", d.Kind, d.Type)
			}
			c := d.Context
			if c == nil || c.Platform != "wechat" || c.Via != openwx.Via {
				t.Fatalf("context = %+v", c)
			}
			if id, _ := c.ConfigID(); id != "wx" {
				t.Errorf("config_id = %q", id)
			}
			if c.UserID != "" || c.GroupID != "" {
				t.Errorf("Openwx ids must be tids: %+v", c)
			}
			if c.Target() != tc.target {
				t.Errorf("target = %+v, want %+v", c.Target(), tc.target)
			}
			for k, v := range tc.data {
				if d.Data[k] != v {
					t.Errorf("data.%s = %v, want %v", k, d.Data[k], v)
				}
			}
		})
	}
	d := decode(t, src, openwxtest.MediaMessage("4", f, "voice", "/tmp/mojo/a.mp3"))
	seg := d.Data["message"].([]any)[0].(map[string]any)
	if seg["type"] != "audio" || seg["text"] != "[语音]" || seg["data"].(map[string]any)["path"] != "/tmp/mojo/a.mp3" ||
		seg["data"].(map[string]any)["media_id"] != "media-4" {
		t.Errorf("media segment = %v", seg)
	}
	for _, bad := range []string{`[]`, `{}`, `{"post_type":"x"}`, `{"post_type":"event"}`, `{"post_type":"receive_message","type":"friend_message"}`, `not json`} {
		if _, err := openwx.Decode(src, []byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted it", bad)
		}
	}
}

// A bot answers a post_api report with ReplyBody: Openwx replies to that message.
func TestReportReply(t *testing.T) {
	srv := fake(t, openwxtest.Options{})
	src := core.Source{ID: "wx", Via: openwx.Via}
	report := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body json.RawMessage
		json.NewDecoder(r.Body).Decode(&body)
		ev, err := openwx.Decode(src, body)
		if err != nil || ev.Event.Type != core.EventMessage {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		b, _ := openwx.ReplyBody(text("收到"))
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	defer report.Close()
	status, _, err := srv.Push(context.Background(), report.URL, openwxtest.FriendMessage("9", openwxtest.Friends[0], "在吗"))
	if err != nil || status != 200 {
		t.Fatalf("push: %d %v", status, err)
	}
	if srv.Count("reply") != 1 || srv.Requests()[0].Params.Get("content") != "收到" {
		t.Errorf("Openwx did not reply: %+v", srv.Requests())
	}
	b, err := openwx.ReplyBody(core.Message{{Type: "image", Data: map[string]any{"path": "/a.png"}}})
	if err != nil || !strings.Contains(string(b), `"media":"/a.png"`) {
		t.Errorf("media reply = %s %v", b, err)
	}
}

func TestPoller(t *testing.T) {
	srv := fake(t, openwxtest.Options{PollWait: 50 * time.Millisecond})
	got := make(chan json.RawMessage, 10)
	p, err := openwx.NewPoller(core.Source{ID: "wx", Via: openwx.Via, URL: srv.URL()}, func(raw json.RawMessage) { got <- raw })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	srv.Enqueue(openwxtest.FriendMessage("1", openwxtest.Friends[0], "a"), openwxtest.Event("new_friend", openwxtest.Friends[1]))
	for i, want := range []string{"receive_message", "event"} {
		select {
		case raw := <-got:
			ev, err := openwx.Decode(core.Source{ID: "wx"}, raw)
			if err != nil || !strings.HasPrefix(ev.Kind, want) {
				t.Errorf("event %d = %s (%v)", i, raw, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d never came", i)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestPollerBacksOff(t *testing.T) {
	srv := fake(t, openwxtest.Options{})
	url := srv.URL()
	srv.Close()
	var mu sync.Mutex
	var errs []error
	enough := make(chan struct{})
	p, err := openwx.NewPoller(core.Source{ID: "wx", URL: url}, func(json.RawMessage) {})
	if err != nil {
		t.Fatal(err)
	}
	p.MinBackoff, p.MaxBackoff = time.Millisecond, 4*time.Millisecond
	p.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
		if len(errs) == 3 {
			close(enough)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller did not retry")
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	wantCode(t, errs[0], core.CodeBackendDown)
}
