package onebot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

var evSource = core.Source{ID: "napcat-1", Via: onebot.Via, URL: "http://127.0.0.1:1"}

// decoded is a decoded event as plain JSON, for comparing fields.
type decoded struct {
	ev   *core.StoredEvent
	data map[string]any
	ctx  map[string]any
}

func decode(t *testing.T, raw string) decoded {
	t.Helper()
	ev, err := onebot.DecodeEvent(evSource, []byte(raw))
	if err != nil {
		t.Fatalf("DecodeEvent: %v\n%s", err, raw)
	}
	if string(ev.Raw) != raw || ev.Source != evSource.ID || ev.Via != onebot.Via {
		t.Errorf("stored event = source %q via %q raw %s", ev.Source, ev.Via, ev.Raw)
	}
	var d decoded
	d.ev = ev
	if len(ev.Event.Data) > 0 {
		if err := json.Unmarshal(ev.Event.Data, &d.data); err != nil {
			t.Fatalf("data is not JSON: %v: %s", err, ev.Event.Data)
		}
	}
	if ev.Event.Context != nil {
		b, _ := json.Marshal(ev.Event.Context)
		json.Unmarshal(b, &d.ctx)
	}
	return d
}

// has checks fields of a decoded object, compared in their JSON form.
func has(t *testing.T, what string, obj map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		got, _ := json.Marshal(obj[k])
		wb, _ := json.Marshal(w)
		if w == nil {
			if _, ok := obj[k]; ok {
				t.Errorf("%s.%s = %s, want it absent", what, k, got)
			}
			continue
		}
		if string(got) != string(wb) {
			t.Errorf("%s.%s = %s, want %s", what, k, got, wb)
		}
	}
}

var extra = map[string]any{"config_id": "napcat-1"}

func TestDecodeMessageEvents(t *testing.T) {
	tests := []struct {
		name, raw, kind string
		ctx, data       map[string]any
	}{
		{
			name: "group message, array form",
			raw: `{"self_id":10001,"user_id":10002,"time":1717000000,"message_id":-2147483000,"message_seq":5,"real_id":5,` +
				`"message_type":"group","sender":{"user_id":10002,"nickname":"张三","card":"群主的朋友","role":"admin"},` +
				`"raw_message":"hi","font":14,"sub_type":"normal","message":[{"type":"text","data":{"text":"hi "}},` +
				`{"type":"at","data":{"qq":"all"}},{"type":"face","data":{"id":"14"}},{"type":"reply","data":{"id":"99"}},` +
				`{"type":"image","data":{"file":"ABC.jpg","url":"https://multimedia.nt.qq.com.cn/x","summary":""}},` +
				`{"type":"record","data":{"file":"v.amr","url":"https://x/v.amr"}},` +
				`{"type":"json","data":{"data":"{\"app\":\"com.tencent.contact.lua\"}"}},{"type":"xml","data":{"data":"<msg/>"}},` +
				`{"type":"forward","data":{"id":"fw1"}},{"type":"share","data":{"url":"https://a.b","title":"T"}},` +
				`{"type":"location","data":{"lat":"39.9","lon":"116.3","content":"Beijing"}},{"type":"contact","data":{"type":"group","id":"20002"}},` +
				`{"type":"music","data":{"type":"custom","url":"https://m","audio":"https://m.mp3","title":"Song"}},{"type":"mface","data":{"summary":"[x]"}}],` +
				`"message_format":"array","post_type":"message","group_id":20001,"group_name":"测试群"}`,
			kind: "message.group",
			ctx: map[string]any{"platform": "qq", "via": "coolq-http-api", "type": "group", "group_id": "20001", "group_tid": "20001",
				"user_id": "10002", "extra": extra},
			data: map[string]any{"type": "group", "sender_id": "10002", "sender_tid": "10002", "sender_name": "张三", "sender": "群主的朋友",
				"sender_role": "admin", "group_id": "20001", "group_name": "测试群", "*message_id": "-2147483000", "*sub_type": "normal",
				"*self_id": 10001, "*sent": nil,
				"message": []map[string]any{
					{"type": "text", "text": "hi "},
					{"type": "at", "text": "@全体成员", "data": map[string]any{"user_id": "all"}},
					{"type": "*face", "text": "[表情]", "data": map[string]any{"id": "14"}},
					{"type": "*reply", "text": "[回复]", "data": map[string]any{"id": "99"}},
					{"type": "image", "text": "[图片]", "data": map[string]any{"url": "https://multimedia.nt.qq.com.cn/x", "media_id": "ABC.jpg", "*summary": ""}},
					{"type": "audio", "text": "[语音]", "data": map[string]any{"url": "https://x/v.amr", "media_id": "v.amr"}},
					{"type": "*json", "text": "[卡片]", "data": map[string]any{"data": `{"app":"com.tencent.contact.lua"}`}},
					{"type": "*xml", "text": "[卡片]", "data": map[string]any{"data": "<msg/>"}},
					{"type": "*forward", "text": "[合并转发]", "data": map[string]any{"id": "fw1"}},
					{"type": "link", "text": "[链接:T]", "data": map[string]any{"url": "https://a.b", "title": "T"}},
					{"type": "location", "text": "[位置]", "data": map[string]any{"latitude": "39.9", "longitude": "116.3", "description": "Beijing"}},
					{"type": "group", "text": "[推荐群聊]", "data": map[string]any{"group_id": "20002"}},
					{"type": "rich", "text": "[音乐]", "data": map[string]any{"url": "https://m", "description": "Song", "*type": "custom",
						"*url": "https://m", "*audio": "https://m.mp3", "*title": "Song"}},
					{"type": "*mface", "text": "[表情]", "data": map[string]any{"summary": "[x]"}},
				}},
		},
		{
			name: "private message, CQ-code string form, ids as strings",
			raw: `{"time":1717000001,"self_id":"10001","post_type":"message","message_type":"private","sub_type":"friend",` +
				`"message_id":7,"user_id":"10002","message":"你好[CQ:face,id=14][CQ:at,qq=all]&#91;x&#93;","raw_message":"","font":0,` +
				`"sender":{"user_id":10002,"nickname":"张三","sex":"unknown","age":0}}`,
			kind: "message.private",
			ctx:  map[string]any{"type": "private", "user_id": "10002", "user_tid": "10002", "group_id": nil, "extra": extra},
			data: map[string]any{"type": "private", "sender_name": "张三", "sender": "张三", "sender_role": nil, "*message_id": "7",
				"message": []map[string]any{
					{"type": "text", "text": "你好"},
					{"type": "*face", "text": "[表情]", "data": map[string]any{"id": "14"}},
					{"type": "at", "text": "@全体成员", "data": map[string]any{"user_id": "all"}},
					{"type": "text", "text": "[x]"},
				}},
		},
		{
			name: "the bot's own private message names the chat partner",
			raw: `{"time":1717000002,"self_id":10001,"post_type":"message_sent","message_type":"private","sub_type":"friend",` +
				`"message_id":8,"user_id":10001,"target_id":10003,"message":[{"type":"text","data":{"text":"ok"}}],` +
				`"sender":{"user_id":10001,"nickname":"测试机器人"}}`,
			kind: "message_sent.private",
			ctx:  map[string]any{"type": "private", "user_id": "10003"},
			data: map[string]any{"*sent": true, "sender_id": "10001"},
		},
		{
			name: "anonymous group message, role missing, empty message",
			raw: `{"time":1717000003,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"anonymous",` +
				`"message_id":9,"user_id":80000000,"group_id":20001,"anonymous":{"id":1,"name":"匿名者","flag":"f"},` +
				`"message":[],"sender":{"user_id":80000000,"nickname":"x"}}`,
			kind: "message.group",
			ctx:  map[string]any{"type": "group", "group_id": "20001"},
			data: map[string]any{"sender_name": "匿名者", "sender": "匿名者", "sender_role": "unknown",
				"*anonymous": map[string]any{"id": 1, "name": "匿名者", "flag": "f"},
				"message":    []map[string]any{{"type": "text", "text": ""}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, tc.raw)
			if d.ev.Kind != tc.kind || d.ev.Event.Type != core.EventMessage {
				t.Errorf("kind %q type %q, want %q message", d.ev.Kind, d.ev.Event.Type, tc.kind)
			}
			if d.ev.Event.Time < 1717000000 || d.ev.Event.Time > 1717000003 {
				t.Errorf("time = %d", d.ev.Event.Time)
			}
			has(t, "context", d.ctx, tc.ctx)
			has(t, "data", d.data, tc.data)
			// The UCBI message decodes as a core.Message.
			var m struct {
				Message core.Message `json:"message"`
			}
			if err := json.Unmarshal(d.ev.Event.Data, &m); err != nil || len(m.Message) == 0 {
				t.Errorf("data.message does not decode as a UCBI message: %v", err)
			}
		})
	}
}

func TestDecodeNoticeRequestMetaEvents(t *testing.T) {
	tests := []struct {
		name, raw, kind, typ string
		ctx, data            map[string]any
		nilCtx               bool
	}{
		{"member joins", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_increase","sub_type":"approve","group_id":20001,"operator_id":10002,"user_id":10003}`,
			"notice.group_increase", "notice", map[string]any{"type": "group", "group_id": "20001", "user_id": "10003"},
			map[string]any{"notice": "add_group_member", "user_id": "10003", "group_id": "20001", "*sub_type": "approve", "*operator_id": 10002, "*notice_type": nil}, false},
		{"the bot joins", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_increase","sub_type":"invite","group_id":20001,"operator_id":10002,"user_id":10001}`,
			"notice.group_increase", "notice", nil, map[string]any{"notice": "join_group"}, false},
		{"member leaves", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_decrease","sub_type":"leave","group_id":20001,"operator_id":10003,"user_id":10003}`,
			"notice.group_decrease", "notice", nil, map[string]any{"notice": "lose_group_member"}, false},
		{"bot kicked", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_decrease","sub_type":"kick_me","group_id":20001,"operator_id":10002,"user_id":10001}`,
			"notice.group_decrease", "notice", nil, map[string]any{"notice": "leave_group"}, false},
		{"friend added", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"friend_add","user_id":10004}`,
			"notice.friend_add", "notice", map[string]any{"type": "private", "user_id": "10004"}, map[string]any{"notice": "add_contact"}, false},
		{"poke", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"notify","sub_type":"poke","group_id":20001,"user_id":10002,"target_id":10001,"raw_info":[{"a":1}]}`,
			"notice.notify.poke", "notice", nil, map[string]any{"notice": "*notify", "*sub_type": "poke", "*target_id": 10001, "*raw_info": []any{map[string]any{"a": 1}}}, false},
		{"recall", `{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_recall","group_id":20001,"user_id":10002,"operator_id":10002,"message_id":123}`,
			"notice.group_recall", "notice", nil, map[string]any{"notice": "*group_recall", "*message_id": 123}, false},
		{"friend request", `{"time":1,"self_id":10001,"post_type":"request","request_type":"friend","user_id":10005,"comment":"加我","flag":"fl"}`,
			"request.friend", "notice", map[string]any{"type": "private", "user_id": "10005"},
			map[string]any{"notice": "*request", "*request_type": "friend", "*comment": "加我", "*flag": "fl"}, false},
		{"group invite", `{"time":1,"self_id":10001,"post_type":"request","request_type":"group","sub_type":"invite","group_id":20003,"user_id":10005,"comment":"","flag":"g"}`,
			"request.group", "notice", map[string]any{"type": "group", "group_id": "20003"}, map[string]any{"*sub_type": "invite"}, false},
		{"plugin enabled (http)", `{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"enable"}`,
			"meta_event.lifecycle", "meta_event", nil,
			map[string]any{"meta_event": "message_source_up", "platform": "qq", "via": "coolq-http-api", "extra": extra}, true},
		{"plugin disabled", `{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"disable"}`,
			"meta_event.lifecycle", "meta_event", nil, map[string]any{"meta_event": "message_source_down"}, true},
		{"heartbeat: a sign of life only", `{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":30000}`,
			"meta_event.heartbeat", "", nil, nil, true},
		{"ws connect: the link reports it", `{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`,
			"meta_event.lifecycle", "", nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, tc.raw)
			if d.ev.Kind != tc.kind || d.ev.Event.Type != tc.typ {
				t.Errorf("kind %q type %q, want %q %q", d.ev.Kind, d.ev.Event.Type, tc.kind, tc.typ)
			}
			if onebot.IsLinkSignal(d.ev) != (tc.typ == "") {
				t.Errorf("IsLinkSignal = %v", onebot.IsLinkSignal(d.ev))
			}
			if tc.nilCtx != (d.ev.Event.Context == nil) {
				t.Errorf("context = %+v", d.ev.Event.Context)
			}
			has(t, "context", d.ctx, tc.ctx)
			has(t, "data", d.data, tc.data)
		})
	}
}

func TestDecodeEventMillisecondTime(t *testing.T) {
	d := decode(t, `{"time":1717000000123,"post_type":"notice","notice_type":"friend_add","user_id":1}`)
	if d.ev.Event.Time != 1717000000 {
		t.Errorf("time = %d, want seconds", d.ev.Event.Time)
	}
}

func TestDecodeEventBadInput(t *testing.T) {
	deep := strings.Repeat("[", 65) + strings.Repeat("]", 65)
	tests := []struct{ name, raw, want string }{
		{"empty", "", "empty"},
		{"not JSON", "hello", "not a JSON object"},
		{"array", "[1,2]", "not a JSON object"},
		{"null", "null", "null"},
		{"no post_type", `{"time":1}`, "no post_type"},
		{"post_type not a string", `{"time":1,"post_type":3}`, "post_type must be a string, not a number"},
		{"unknown post_type", `{"time":1,"post_type":"guild_event"}`, `unknown post_type "guild_event"`},
		{"no time", `{"post_type":"notice","notice_type":"x"}`, "no time"},
		{"time a string", `{"time":"now","post_type":"notice","notice_type":"x"}`, "time must be a number"},
		{"negative time", `{"time":-5,"post_type":"notice","notice_type":"x"}`, "not a point in time"},
		{"self_id an object", `{"time":1,"self_id":{},"post_type":"notice","notice_type":"x"}`, "self_id: an id must be"},
		{"no message_type", `{"time":1,"post_type":"message","user_id":1,"message":"x"}`, "no message_type"},
		{"unknown message_type", `{"time":1,"post_type":"message","message_type":"guild","user_id":1,"message":"x"}`, `unknown message_type "guild"`},
		{"user_id a float", `{"time":1,"post_type":"message","message_type":"private","user_id":1.5,"message":"x"}`, "user_id: id 1.5 is not a whole number"},
		{"user_id a bool", `{"time":1,"post_type":"message","message_type":"private","user_id":true,"message":"x"}`, "user_id: an id must be a string or a whole number, not a boolean"},
		{"no user_id", `{"time":1,"post_type":"message","message_type":"private","message":"x"}`, "no user_id"},
		{"group without group_id", `{"time":1,"post_type":"message","message_type":"group","user_id":1,"message":"x"}`, "no group_id"},
		{"no message", `{"time":1,"post_type":"message","message_type":"private","user_id":1}`, "has no message"},
		{"message a number", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":5}`, "message must be an array of segments or a CQ-code string, not a number"},
		{"segment not an object", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":["x"]}`, "message segment 0: a segment must be an object, not a string"},
		{"segment without type", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":[{"data":{}}]}`, "message segment 0: the segment has no type"},
		{"segment data an array", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":[{"type":"text","data":[]}]}`, "message segment 0: data must be an object, not an array"},
		{"sender a string", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":"x","sender":"me"}`, "sender must be an object"},
		{"nickname a number", `{"time":1,"post_type":"message","message_type":"private","user_id":1,"message":"x","sender":{"nickname":5}}`, "sender.nickname must be a string"},
		{"no notice_type", `{"time":1,"post_type":"notice"}`, "no notice_type"},
		{"notice group_id wrong", `{"time":1,"post_type":"notice","notice_type":"x","group_id":[1]}`, "group_id: an id must be"},
		{"no request_type", `{"time":1,"post_type":"request"}`, "no request_type"},
		{"no meta_event_type", `{"time":1,"post_type":"meta_event"}`, "no meta_event_type"},
		{"bad UTF-8", "{\"time\":1,\"post_type\":\"notice\",\"notice_type\":\"\xff\"}", "not valid UTF-8"},
		{"too deep", `{"time":1,"post_type":"notice","notice_type":"x","v":` + deep + `}`, "nested more than 64 levels"},
		{"too big", `{"time":1,"post_type":"notice","notice_type":"x","v":"` + strings.Repeat("x", 1<<20) + `"}`, "more than the 1048576 allowed"},
		{"truncated", `{"time":1,"post_type":"notice"`, "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := onebot.DecodeEvent(evSource, []byte(tc.raw))
			if err == nil {
				t.Fatalf("no error; event %+v", ev)
			}
			if ev != nil {
				t.Errorf("an event came back with the error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
	// Brackets inside strings do not count as depth.
	decode(t, `{"time":1,"post_type":"notice","notice_type":"x","v":"`+deep+`\"[[["}`)
}

// A context taken from an event, passed back unchanged, reaches the same chat on the open layer.
func TestEventContextRepliesThroughDispatcher(t *testing.T) {
	srv := fake(t, onebottest.Options{Token: secret})
	src := core.Source{ID: "napcat-1", Via: onebot.Via, URL: srv.URL(), Token: secret}
	other := core.Source{ID: "other", Via: onebot.Via, URL: "http://127.0.0.1:1", Default: true}
	d := core.NewDispatcher(memSources{other, src}, nil, nil)
	d.Register(onebot.Via, onebot.Factory)

	tests := []struct {
		raw, action, key, id string
	}{
		{`{"time":1,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":1,"user_id":10002,"group_id":20001,"message":"hi","sender":{"nickname":"张三"}}`,
			"send_group_msg", "group_id", "20001"},
		{`{"time":1,"self_id":10001,"post_type":"message","message_type":"private","sub_type":"friend","message_id":2,"user_id":10002,"message":"hi","sender":{"nickname":"张三"}}`,
			"send_private_msg", "user_id", "10002"},
		{`{"time":1,"self_id":10001,"post_type":"notice","notice_type":"group_increase","sub_type":"approve","group_id":20002,"operator_id":1,"user_id":10003}`,
			"send_group_msg", "group_id", "20002"},
	}
	for _, tc := range tests {
		ev, err := onebot.DecodeEvent(src, []byte(tc.raw))
		if err != nil {
			t.Fatal(err)
		}
		// The context goes over the wire as JSON, as an application would send it back.
		b, _ := json.Marshal(ev.Event.Context)
		req, err := core.DecodeRequest([]byte(fmt.Sprintf(`{"action":"send_message","context":%s,"params":{"message":"reply"}}`, b)))
		if err != nil {
			t.Fatal(err)
		}
		srv.Reset()
		if _, err := d.Call(context.Background(), core.OriginUCBI, req); err != nil {
			t.Fatalf("reply to %s: %v", ev.Kind, err)
		}
		recs := srv.Requests()
		if len(recs) != 1 || recs[0].Action != tc.action || fmt.Sprint(recs[0].Params[tc.key]) != tc.id {
			t.Fatalf("reply to %s reached the open layer as %+v, want %s %s=%s", ev.Kind, recs, tc.action, tc.key, tc.id)
		}
	}
}

type memSources []core.Source

func (m memSources) Sources() ([]core.Source, error) { return m, nil }

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"time":1,"self_id":10001,"post_type":"message","message_type":"group","user_id":1,"group_id":2,"message":[{"type":"text","data":{"text":"x"}}],"sender":{"nickname":"n","card":"c","role":"owner"}}`,
		`{"time":1,"post_type":"message","message_type":"private","user_id":"1","message":"a[CQ:image,file=x.jpg,url=https://h/x]"}`,
		`{"time":1,"post_type":"notice","notice_type":"notify","sub_type":"poke","user_id":1,"target_id":2}`,
		`{"time":1,"post_type":"request","request_type":"group","sub_type":"add","group_id":1,"user_id":2,"flag":"f"}`,
		`{"time":1,"post_type":"meta_event","meta_event_type":"heartbeat","interval":5000}`,
		`{"time":1e3,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"enable"}`,
		`[[[[`, "\xff", `{"time":1,"post_type":"message","message_type":"group","user_id":1,"group_id":2,"message":[{"type":"music","data":{"title":1}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := onebot.DecodeEvent(evSource, raw)
		if err != nil {
			if ev != nil {
				t.Fatal("an event with an error")
			}
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		if ev.Kind == "" || string(ev.Raw) != string(raw) {
			t.Fatalf("kind %q raw %q", ev.Kind, ev.Raw)
		}
		if ev.Event.Type == "" {
			return
		}
		if !json.Valid(ev.Event.Data) {
			t.Fatalf("data is not JSON: %s", ev.Event.Data)
		}
		if _, err := json.Marshal(ev.Event); err != nil {
			t.Fatalf("the event does not encode: %v", err)
		}
		if ev.Event.Type != core.EventMeta {
			if ev.Event.Context == nil {
				t.Fatal("no context")
			}
			if id, _ := ev.Event.Context.ConfigID(); id != evSource.ID {
				t.Fatalf("config_id = %q", id)
			}
		}
	})
}
