package onebot12_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit/kittest"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/onebot12/onebot12test"
)

const secret = "ob12-s3cr3t-TOKEN"

func fake(t *testing.T, o onebot12test.Options) *onebot12test.Server {
	t.Helper()
	s := onebot12test.New(o)
	t.Cleanup(s.Close)
	return s
}

func wantCode(t *testing.T, err error, code string) *core.Error {
	t.Helper()
	return kittest.WantCode(t, err, code, secret)
}

func TestSend(t *testing.T) {
	srv := fake(t, onebot12test.Options{Token: secret})
	a, err := onebot12.New(core.Source{ID: "ob12", Via: onebot12.Via, URL: srv.URL(), Token: secret, Platform: "qq"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		t       core.Target
		m       core.Message
		uploads int
		check   func(t *testing.T, p map[string]any)
	}{
		{"private text", core.Target{Type: "private", ID: "10002"}, core.Message{{Type: "text", Text: "你好"}}, 0,
			func(t *testing.T, p map[string]any) {
				if p["detail_type"] != "private" || p["user_id"] != "10002" {
					t.Errorf("params = %v", p)
				}
			}},
		{"group with mentions and reply", core.Target{Type: "group", ID: "20001"}, core.Message{
			{Type: "*reply", Data: map[string]any{"message_id": "m1"}},
			{Type: "at", Data: map[string]any{"user_id": "10002"}},
			{Type: "at", Data: map[string]any{"user_id": "all"}},
			{Type: "*qq.face", Data: map[string]any{"*id": "14"}},
			{Type: "location", Data: map[string]any{"latitude": json.Number("31.2"), "longitude": "121.5", "description": "上海"}},
		}, 0, func(t *testing.T, p map[string]any) {
			segs := p["message"].([]any)
			types := []string{}
			for _, s := range segs {
				types = append(types, s.(map[string]any)["type"].(string))
			}
			if strings.Join(types, ",") != "reply,mention,mention_all,qq.face,location" {
				t.Errorf("segments = %v", types)
			}
			if d := segs[3].(map[string]any)["data"].(map[string]any); d["id"] != "14" {
				t.Errorf("extension data = %v", d)
			}
			if d := segs[4].(map[string]any)["data"].(map[string]any); d["content"] != "上海" || d["latitude"].(json.Number) != "31.2" {
				t.Errorf("location = %v", d)
			}
		}},
		{"channel with media", core.Target{Type: "discuss", ID: "g1/c2"}, core.Message{
			{Type: "image", Data: map[string]any{"url": "https://example.com/a.png"}},
			{Type: "audio", Data: map[string]any{"path": "/srv/v.amr"}},
			{Type: "file", Data: map[string]any{"data": "aGVsbG8", "name": "a.txt"}},
			{Type: "video", Data: map[string]any{"media_id": "already-uploaded"}},
		}, 3, func(t *testing.T, p map[string]any) {
			if p["detail_type"] != "channel" || p["guild_id"] != "g1" || p["channel_id"] != "c2" {
				t.Errorf("params = %v", p)
			}
			segs := p["message"].([]any)
			want := []string{"image", "voice", "file"}
			for i, w := range want {
				s := segs[i].(map[string]any)
				if s["type"] != w || !strings.HasPrefix(s["data"].(map[string]any)["file_id"].(string), "file-") {
					t.Errorf("segment %d = %v", i, s)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Requests())
			if tc.name == "channel with media" {
				// the media_id the segment names must be one the implementation knows
				raw, err := a.Extension(context.Background(), "upload_file", map[string]json.RawMessage{
					"type": json.RawMessage(`"url"`), "url": json.RawMessage(`"https://x/v.mp4"`), "name": json.RawMessage(`"v.mp4"`)})
				var up struct {
					FileID string `json:"file_id"`
				}
				if err != nil || json.Unmarshal(raw, &up) != nil || up.FileID == "" {
					t.Fatalf("upload: %s %v", raw, err)
				}
				before++
				tc.m[3].Data["media_id"] = up.FileID
			}
			res, err := a.Send(context.Background(), tc.t, tc.m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.MessageID == "" {
				t.Error("no message id")
			}
			reqs := srv.Requests()[before:]
			if len(reqs) != tc.uploads+1 {
				t.Fatalf("%d requests, want %d uploads and a send: %+v", len(reqs), tc.uploads, reqs)
			}
			for _, r := range reqs[:tc.uploads] {
				if r.Action != "upload_file" {
					t.Errorf("want upload_file first, got %s", r.Action)
				}
			}
			last := reqs[len(reqs)-1]
			if last.Action != "send_message" || last.Header.Get("Authorization") != "Bearer "+secret {
				t.Fatalf("last = %+v", last)
			}
			tc.check(t, last.Params)
		})
	}
	// the uploads went by url, path and data
	var kinds []string
	for _, r := range srv.Requests() {
		if r.Action == "upload_file" {
			kinds = append(kinds, r.Params["type"].(string)+":"+r.Params["name"].(string))
		}
	}
	if got := strings.Join(kinds, " "); got != "url:v.mp4 url:a.png path:v.amr data:a.txt" {
		t.Errorf("uploads = %s", got)
	}
}

func TestRefusalsAndErrors(t *testing.T) {
	srv := fake(t, onebot12test.Options{Token: secret, Selves: []onebot12test.Self{{Platform: "qq", UserID: "10001"}, {Platform: "wechat", UserID: "wx1"}}})
	mk := func(src core.Source) *onebot12.Adapter {
		src.Via, src.URL = onebot12.Via, srv.URL()
		a, err := onebot12.New(src)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	good := mk(core.Source{ID: "a", Token: secret, SelfID: "wx1", Platform: "wechat"})
	li, err := good.GetLoginInfo(context.Background())
	if err != nil || li.UserID != "wx1" || li.UserTID != "wx1" || li.UserName == "" {
		t.Fatalf("login info = %+v %v", li, err)
	}
	if r := srv.Requests()[0]; r.Self == nil || r.Self.Platform != "wechat" || r.Self.UserID != "wx1" {
		t.Errorf("self = %+v", r.Self)
	}
	friends, err := good.FriendList(context.Background())
	if err != nil || len(friends) != 1 || friends[0].UserRemark != "老张" {
		t.Errorf("friends = %+v %v", friends, err)
	}
	groups, err := good.GroupList(context.Background())
	if err != nil || len(groups) != 1 || groups[0].GroupName != "测试群" {
		t.Errorf("groups = %+v %v", groups, err)
	}

	call := func(a *onebot12.Adapter, action string) error {
		_, err := a.Extension(context.Background(), action, nil)
		return err
	}
	e := wantCode(t, call(mk(core.Source{ID: "b", Token: secret}), "get_self_info"), core.CodeBadParam)
	if e.Retcode != onebot12.RetWhoAmI {
		t.Errorf("who am i = %+v", e)
	}
	e = wantCode(t, call(mk(core.Source{ID: "c", Token: secret, SelfID: "nobody", Platform: "qq"}), "get_self_info"), core.CodeBadParam)
	if e.Retcode != onebot12.RetUnknownSelf {
		t.Errorf("unknown self = %+v", e)
	}
	e = wantCode(t, call(good, "no_such_action"), core.CodeUnsupported)
	if e.Retcode != onebot12.RetUnsupportedAction || e.BackendText == "" {
		t.Errorf("unsupported = %+v", e)
	}
	wantCode(t, call(good, "delete_message"), core.CodeBadParam)
	wantCode(t, call(good, "../x"), core.CodeUnknownAction)
	e = wantCode(t, call(mk(core.Source{ID: "d", Token: "wrong-" + secret, SelfID: "wx1", Platform: "wechat"}), "get_self_info"), core.CodeBackendFailed)
	if e.HTTPStatus != http.StatusUnauthorized {
		t.Errorf("token refusal = %+v", e)
	}

	for _, tc := range []struct {
		t    core.Target
		m    core.Message
		code string
	}{
		{core.Target{Type: "discuss", ID: "nochannel"}, core.Message{{Type: "text", Text: "x"}}, core.CodeBadParam},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "link", Data: map[string]any{"url": "https://x"}}}, core.CodeUnsupported},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "contact", Data: map[string]any{"user_id": "2"}}}, core.CodeUnsupported},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "image", Data: map[string]any{"url": "ftp://x/a.png"}}}, core.CodeBadMessage},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "image", Data: map[string]any{"path": "/a.png"}}, {Type: "rich"}}, core.CodeUnsupported},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "unknown"}}, core.CodeBadMessage},
		{core.Target{Type: "private", ID: "1"}, core.Message{{Type: "*unknownseg"}}, core.CodeUnsupported}, // the implementation's 10005
		{core.Target{Type: "private"}, core.Message{{Type: "text", Text: "x"}}, core.CodeMissingParam},
	} {
		uploads := srv.Count("upload_file")
		_, err := good.Send(context.Background(), tc.t, tc.m)
		wantCode(t, err, tc.code)
		if srv.Count("upload_file") != uploads {
			t.Errorf("%v: a refused message uploaded its media", tc.m)
		}
	}
	for kind, why := range good.SupportedSegments() {
		unsendable := map[string]bool{"link": true, "contact": true, "group": true, "rich": true}[kind]
		if unsendable == (why == "") {
			t.Errorf("%s: %q", kind, why)
		}
	}

	srv.Close()
	wantCode(t, call(good, "get_self_info"), core.CodeBackendDown)
}

func TestErrorOf(t *testing.T) {
	for _, tc := range []struct {
		r    onebot12.Response
		code string
	}{
		{onebot12.Response{Status: "ok"}, ""},
		{onebot12.Response{Status: "failed", Retcode: 10001}, core.CodeBadParam},
		{onebot12.Response{Status: "failed", Retcode: 10005}, core.CodeUnsupported},
		{onebot12.Response{Status: "failed", Retcode: 10006}, core.CodeBadMessage},
		{onebot12.Response{Status: "failed", Retcode: 20002}, core.CodeBackendFailed},
		{onebot12.Response{Status: "failed", Retcode: 33001, Message: "timeout"}, core.CodeBackendFailed},
		{onebot12.Response{Status: "failed", Retcode: 60001}, core.CodeBackendFailed},
		{onebot12.Response{Status: "failed"}, core.CodeBackendFailed},
	} {
		e := onebot12.ErrorOf(&tc.r)
		if (e == nil) != (tc.code == "") || (e != nil && (e.Code != tc.code || e.Retcode != tc.r.Retcode)) {
			t.Errorf("%+v → %+v, want %s", tc.r, e, tc.code)
		}
	}
	if e := onebot12.ErrorOf(&onebot12.Response{Status: "failed", Retcode: 33001, Message: "timeout"}); !strings.Contains(e.Message, "network") {
		t.Errorf("3xxxx message = %s", e.Message)
	}
	for _, tc := range []struct {
		status int
		body   string
		ok     bool
	}{
		{200, `{"status":"ok","retcode":0,"data":null,"message":""}`, true},
		{200, `{"status":"failed","retcode":"10002","data":null,"message":"x"}`, true},
		{200, `<html>`, false}, {200, `{"data":1}`, false}, {415, ``, false}, {401, ``, false},
	} {
		_, err := onebot12.ParseHTTP(tc.status, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%d %s: %v", tc.status, tc.body, err)
		}
	}
}

type decoded struct {
	typ, kind string
	ctx       *core.Context
	data      map[string]any
	time      int64
}

func decode(t *testing.T, src core.Source, ev any) decoded {
	t.Helper()
	raw, _ := json.Marshal(ev)
	st, err := onebot12.Decode(src, raw)
	if err != nil {
		t.Fatalf("Decode(%s): %v", raw, err)
	}
	var d map[string]any
	if err := json.Unmarshal(st.Event.Data, &d); err != nil {
		t.Fatal(err)
	}
	if string(st.Raw) != string(raw) || st.Source != src.ID || st.Via != onebot12.Via {
		t.Errorf("stored = %+v", st)
	}
	return decoded{st.Event.Type, st.Kind, st.Event.Context, d, st.Event.Time}
}

func TestDecode(t *testing.T) {
	src := core.Source{ID: "ob12", Via: onebot12.Via, Platform: "qq"}
	self := &onebot12test.Self{Platform: "qq", UserID: "10001"}
	ev := func(typ, detail, sub string, f map[string]any) map[string]any {
		return onebot12test.Event(typ, detail, sub, f, self)
	}
	text := []any{map[string]any{"type": "text", "data": map[string]any{"text": "hi "}},
		map[string]any{"type": "mention", "data": map[string]any{"user_id": "10001"}},
		map[string]any{"type": "mention_all", "data": map[string]any{}},
		map[string]any{"type": "image", "data": map[string]any{"file_id": "f1", "url": "https://x/a.png"}},
		map[string]any{"type": "voice", "data": map[string]any{"file_id": "f2"}},
		map[string]any{"type": "reply", "data": map[string]any{"message_id": "m0", "user_id": "10002"}},
		map[string]any{"type": "qq.face", "data": map[string]any{"id": "14"}},
		map[string]any{"type": "location", "data": map[string]any{"latitude": 31.2, "longitude": 121.5, "title": "t", "content": "上海"}},
	}
	tests := []struct {
		name   string
		ev     map[string]any
		kind   string
		typ    string
		target core.Target
		data   map[string]any
	}{
		{"private", ev("message", "private", "", map[string]any{"message_id": "m1", "message": text, "alt_message": "hi", "user_id": "10002"}),
			"message.private", "message", core.Target{Type: "private", ID: "10002"},
			map[string]any{"type": "private", "sender_id": "10002", "*message_id": "m1", "*alt_message": "hi"}},
		{"group", ev("message", "group", "", map[string]any{"message_id": "m2", "message": text, "user_id": "10002", "group_id": "20001"}),
			"message.group", "message", core.Target{Type: "group", ID: "20001"}, map[string]any{"group_id": "20001"}},
		{"channel", ev("message", "channel", "", map[string]any{"message_id": "m3", "message": text, "user_id": "10002", "guild_id": "g1", "channel_id": "c2"}),
			"message.channel", "message", core.Target{Type: "discuss", ID: "g1/c2"}, map[string]any{"type": "discuss", "discuss_id": "g1/c2"}},
		{"own", ev("message", "group", "", map[string]any{"message_id": "m4", "message": text, "user_id": "10001", "group_id": "20001"}),
			"message.group", "message", core.Target{Type: "group", ID: "20001"}, map[string]any{"*sent": true}},
		{"friend increase", ev("notice", "friend_increase", "", map[string]any{"user_id": "10003"}),
			"notice.friend_increase", "notice", core.Target{Type: "private", ID: "10003"}, map[string]any{"notice": "add_contact", "user_id": "10003"}},
		{"friend decrease", ev("notice", "friend_decrease", "", map[string]any{"user_id": "10003"}),
			"notice.friend_decrease", "notice", core.Target{Type: "private", ID: "10003"}, map[string]any{"notice": "lose_contact"}},
		{"member join", ev("notice", "group_member_increase", "join", map[string]any{"user_id": "10003", "group_id": "20001", "operator_id": "10002"}),
			"notice.group_member_increase", "notice", core.Target{Type: "group", ID: "20001"},
			map[string]any{"notice": "add_group_member", "*sub_type": "join", "*operator_id": "10002"}},
		{"self joins", ev("notice", "group_member_increase", "invite", map[string]any{"user_id": "10001", "group_id": "20002", "operator_id": "10002"}),
			"notice.group_member_increase", "notice", core.Target{Type: "group", ID: "20002"}, map[string]any{"notice": "join_group"}},
		{"member leaves", ev("notice", "group_member_decrease", "leave", map[string]any{"user_id": "10003", "group_id": "20001", "operator_id": "10003"}),
			"notice.group_member_decrease", "notice", core.Target{Type: "group", ID: "20001"}, map[string]any{"notice": "lose_group_member"}},
		{"self kicked", ev("notice", "group_member_decrease", "kick_me", map[string]any{"user_id": "10001", "group_id": "20001", "operator_id": "10002"}),
			"notice.group_member_decrease", "notice", core.Target{Type: "group", ID: "20001"}, map[string]any{"notice": "leave_group"}},
		{"message delete", ev("notice", "group_message_delete", "recall", map[string]any{"user_id": "10002", "group_id": "20001", "message_id": "m2", "operator_id": "10002"}),
			"notice.group_message_delete", "notice", core.Target{Type: "group", ID: "20001"}, map[string]any{"notice": "*group_message_delete", "*message_id": "m2"}},
		{"request", ev("request", "qq.friend", "", map[string]any{"user_id": "10009", "qq.comment": "hi"}),
			"request.qq.friend", "notice", core.Target{Type: "private", ID: "10009"}, map[string]any{"notice": "*request.qq.friend", "*qq.comment": "hi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, src, tc.ev)
			if d.kind != tc.kind || d.typ != tc.typ {
				t.Errorf("kind, type = %s, %s", d.kind, d.typ)
			}
			if d.ctx == nil || d.ctx.Platform != "qq" || d.ctx.Via != onebot12.Via || d.ctx.Target() != tc.target {
				t.Fatalf("context = %+v", d.ctx)
			}
			if id, _ := d.ctx.ConfigID(); id != "ob12" {
				t.Errorf("config_id = %q", id)
			}
			if d.time < 1700000000 || d.data["*event_id"] == nil {
				t.Errorf("time %d, data %v", d.time, d.data)
			}
			for k, v := range tc.data {
				if d.data[k] != v {
					t.Errorf("data.%s = %v, want %v", k, d.data[k], v)
				}
			}
		})
	}
	d := decode(t, src, tests[0].ev)
	var segs []string
	for _, s := range d.data["message"].([]any) {
		m := s.(map[string]any)
		segs = append(segs, m["type"].(string)+"|"+m["text"].(string))
	}
	if got := strings.Join(segs, " "); got != "text|hi  at|@10001 at|@全体成员 image|[图片] audio|[语音] *reply|[回复] *qq.face|[qq.face] location|[位置]" {
		t.Errorf("segments = %s", got)
	}
	// The platform comes from self.platform, not the source.
	wx := decode(t, src, onebot12test.Event("message", "private", "", map[string]any{"message_id": "w", "message": text, "user_id": "wxid_1"},
		&onebot12test.Self{Platform: "wechat", UserID: "wxid_bot"}))
	if wx.ctx.Platform != "wechat" {
		t.Errorf("platform = %s", wx.ctx.Platform)
	}

	meta := []struct {
		ev   map[string]any
		kind string
		meta string
	}{
		{onebot12test.Event("meta", "connect", "", map[string]any{"version": map[string]any{"impl": "x", "version": "1", "onebot_version": "12"}}, nil), "meta.connect", core.MetaSourceUp},
		{onebot12test.Event("meta", "heartbeat", "", map[string]any{"interval": 5000}, nil), "meta.heartbeat", "*heartbeat"},
		{onebot12test.Event("meta", "status_update", "", map[string]any{"status": map[string]any{"good": true, "bots": []any{map[string]any{"self": self, "online": true}}}}, nil), "meta.status_update", core.MetaSourceUp},
		{onebot12test.Event("meta", "status_update", "", map[string]any{"status": map[string]any{"good": true, "bots": []any{map[string]any{"self": self, "online": false}}}}, nil), "meta.status_update", core.MetaSourceDown},
		{onebot12test.Event("meta", "status_update", "", map[string]any{"status": map[string]any{"good": false, "bots": []any{}}}, nil), "meta.status_update", core.MetaSourceDown},
	}
	for _, m := range meta {
		d := decode(t, src, m.ev)
		if d.typ != core.EventMeta || d.kind != m.kind || d.ctx != nil || d.data["meta_event"] != m.meta || d.data["via"] != onebot12.Via {
			t.Errorf("%s: %+v", m.kind, d)
		}
	}
	for _, bad := range []string{`[]`, `{}`, `{"type":"message","detail_type":"private"}`, `{"type":"x","detail_type":"y","time":1}`,
		`{"status":"ok","retcode":0}`, `{"type":"message","detail_type":"group","time":1.5,"message":[]}`} {
		if _, err := onebot12.Decode(src, []byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted it", bad)
		}
	}
}

// A webhook push is checked and answered with actions the implementation runs.
func TestWebhook(t *testing.T) {
	srv := fake(t, onebot12test.Options{Token: secret})
	src := core.Source{ID: "ob12", Via: onebot12.Via, Token: secret, Platform: "qq"}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := onebot12.CheckWebhook(r.Header, src); err != nil {
			w.WriteHeader(err.Status())
			return
		}
		var raw json.RawMessage
		json.NewDecoder(r.Body).Decode(&raw)
		ev, err := onebot12.Decode(src, raw)
		if err != nil || ev.Event.Type != core.EventMessage {
			status, _ := onebot12.WebhookAnswer(nil)
			w.WriteHeader(status)
			return
		}
		params, _, _ := onebot12.BuildSend(ev.Event.Context.Target(), core.Message{{Type: "text", Text: "收到"}})
		status, body := onebot12.WebhookAnswer([]onebot12.ActionRequest{{Action: "send_message", Params: params}})
		w.WriteHeader(status)
		w.Write(body)
	}))
	defer hook.Close()
	status, err := srv.PushWebhook(context.Background(), hook.URL, srv.Event("message", "group", "", map[string]any{
		"message_id": "m1", "message": []any{map[string]any{"type": "text", "data": map[string]any{"text": "hi"}}}, "user_id": "10002", "group_id": "20001"}))
	if err != nil || status != 200 {
		t.Fatalf("push: %d %v", status, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Via != "webhook" || reqs[0].Params["group_id"] != "20001" {
		t.Errorf("webhook actions = %+v", reqs)
	}
	status, _ = srv.PushWebhook(context.Background(), hook.URL, onebot12test.Event("meta", "heartbeat", "", map[string]any{"interval": 5000}, nil))
	if status != http.StatusNoContent {
		t.Errorf("heartbeat answer = %d", status)
	}
	if e := onebot12.CheckWebhook(http.Header{"X-Onebot-Version": {"11"}}, src); e == nil {
		t.Error("a OneBot 11 push was accepted")
	}
	if e := onebot12.CheckWebhook(http.Header{"X-Onebot-Version": {"12"}, "Authorization": {"Bearer nope"}}, src); e == nil || e.Code != core.CodeForbidden {
		t.Errorf("wrong token: %v", e)
	}
}

// Actions over a real forward WebSocket: Calls matches responses by echo while events flow.
func TestWebSocketCalls(t *testing.T) {
	srv := fake(t, onebot12test.Options{Token: secret})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, srv.WSURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + secret}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	calls := onebot12.NewCalls(func(ctx context.Context, frame []byte) error {
		return conn.Write(ctx, websocket.MessageText, frame)
	})
	events := make(chan []byte, 16)
	go func() {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				calls.Close(err)
				return
			}
			switch onebot12.FrameKind(b) {
			case onebot12.FrameResponse:
				calls.Deliver(b)
			case onebot12.FrameEvent:
				events <- b
			}
		}
	}()
	a, err := onebot12.NewWithTransport(core.Source{ID: "ws", Via: onebot12.Via}, calls)
	if err != nil {
		t.Fatal(err)
	}
	src := core.Source{ID: "ws", Platform: "qq"}
	first := <-events
	if ev, err := onebot12.Decode(src, first); err != nil || ev.Kind != "meta.connect" {
		t.Fatalf("first frame = %s %v", first, err)
	}
	done := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := a.Send(ctx, core.Target{Type: "private", ID: "10002"}, core.Message{{Type: "image", Data: map[string]any{"url": "https://x/a.png"}}})
			done <- err
		}()
	}
	srv.Broadcast(srv.Event("notice", "friend_increase", "", map[string]any{"user_id": "10003"}))
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Fatalf("send over ws: %v", err)
		}
	}
	if ev, err := onebot12.Decode(src, <-events); err != nil || ev.Kind != "notice.friend_increase" {
		t.Fatalf("event = %v", err)
	}
	if srv.Count("upload_file") != 4 || srv.Count("send_message") != 4 || srv.Requests()[0].Via != "ws" {
		t.Errorf("requests = %+v", srv.Requests())
	}
	conn.Close(websocket.StatusNormalClosure, "")
	_, err = a.GetLoginInfo(ctx)
	wantCode(t, err, core.CodeBackendDown)
}
