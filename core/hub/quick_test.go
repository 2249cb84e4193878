package hub

import (
	"strings"
	"testing"

	"ucbi-console/core"
)

func TestQuickActions(t *testing.T) {
	const (
		groupArray  = `{"post_type":"message","message_type":"group","message_id":5,"group_id":77,"user_id":9223372036854775807,"anonymous":null,"message":[{"type":"text","data":{"text":"hi"}}]}`
		groupString = `{"post_type":"message","message_type":"group","message_id":5,"group_id":77,"user_id":12,"message":"hi"}`
		anonymous   = `{"post_type":"message","message_type":"group","message_id":5,"group_id":77,"user_id":80000000,"anonymous":{"id":1,"name":"x","flag":"anon-flag"},"message":"hi"}`
		private     = `{"post_type":"message","message_type":"private","user_id":12,"message_id":6,"message":"hi"}`
		friendReq   = `{"post_type":"request","request_type":"friend","user_id":12,"comment":"hey","flag":"f-1"}`
		groupReq    = `{"post_type":"request","request_type":"group","sub_type":"invite","group_id":77,"user_id":12,"flag":"g-1"}`
		notice      = `{"post_type":"notice","notice_type":"group_increase"}`
	)
	for _, tc := range []struct {
		name, event, answer string
		want                []string // "action params"
		err                 string
	}{
		{"group reply @s the sender by default", groupArray, `{"reply":"pong"}`,
			[]string{`send_msg {"group_id":77,"message":"[CQ:at,qq=9223372036854775807] pong","message_type":"group"}`}, ""},
		{"at_sender false", groupArray, `{"reply":"a<b>&c","at_sender":false}`,
			[]string{`send_msg {"group_id":77,"message":"a<b>&c","message_type":"group"}`}, ""},
		{"auto_escape, segment event: segments", groupArray, `{"reply":"[x]","auto_escape":true}`,
			[]string{`send_msg {"group_id":77,"message":[{"data":{"qq":"9223372036854775807"},"type":"at"},{"data":{"text":" [x]"},"type":"text"}],"message_type":"group"}`}, ""},
		{"auto_escape, CQ event: escaped CQ", groupString, `{"reply":"[x]&","auto_escape":true}`,
			[]string{`send_msg {"group_id":77,"message":"[CQ:at,qq=12] &#91;x&#93;&amp;","message_type":"group"}`}, ""},
		{"auto_escape kept without at", groupString, `{"reply":"[x]","auto_escape":true,"at_sender":false}`,
			[]string{`send_msg {"auto_escape":true,"group_id":77,"message":"[x]","message_type":"group"}`}, ""},
		{"segment array reply", groupArray, `{"reply":[{"type":"face","data":{"id":"1"}}]}`,
			[]string{`send_msg {"group_id":77,"message":[{"data":{"qq":"9223372036854775807"},"type":"at"},{"data":{"text":" "},"type":"text"},{"type":"face","data":{"id":"1"}}],"message_type":"group"}`}, ""},
		{"private reply: no at", private, `{"reply":"pong","at_sender":true}`,
			[]string{`send_msg {"message":"pong","message_type":"private","user_id":12}`}, ""},
		{"private: group operations ignored", private, `{"delete":true,"kick":true,"ban":true}`, nil, ""},
		{"delete, kick, ban in order", groupArray, `{"reply":"bye","at_sender":false,"delete":true,"kick":true,"ban":true}`, []string{
			`send_msg {"group_id":77,"message":"bye","message_type":"group"}`,
			`delete_msg {"message_id":5}`,
			`set_group_kick {"group_id":77,"user_id":9223372036854775807}`,
			`set_group_ban {"duration":1800,"group_id":77,"user_id":9223372036854775807}`,
		}, ""},
		{"ban duration", groupArray, `{"ban":true,"ban_duration":60}`,
			[]string{`set_group_ban {"duration":60,"group_id":77,"user_id":9223372036854775807}`}, ""},
		{"anonymous: no at, no kick, anonymous ban", anonymous, `{"reply":"x","kick":true,"ban":true}`, []string{
			`send_msg {"group_id":77,"message":"x","message_type":"group"}`,
			`set_group_anonymous_ban {"anonymous_flag":"anon-flag","duration":1800,"group_id":77}`,
		}, ""},
		{"friend request", friendReq, `{"approve":true,"remark":"pal"}`,
			[]string{`set_friend_add_request {"approve":true,"flag":"f-1","remark":"pal"}`}, ""},
		{"group request refused", groupReq, `{"approve":false,"reason":"no"}`,
			[]string{`set_group_add_request {"approve":false,"flag":"g-1","reason":"no","sub_type":"invite"}`}, ""},
		{"request without approve", groupReq, `{}`, nil, ""},
		{"notice: nothing to do", notice, `{"reply":"x"}`, nil, ""},
		{"answer not an object", groupArray, `"pong"`, nil, "not a JSON object"},
		{"blank answer", groupArray, " \n", nil, "not a JSON object"},
		{"empty answer", groupArray, "", nil, "not a JSON object"},
		{"answer with spaces before the object", groupArray, " \n{\"reply\":\"x\",\"at_sender\":false}",
			[]string{`send_msg {"group_id":77,"message":"x","message_type":"group"}`}, ""},
		{"answer bad JSON", groupArray, `{"reply":`, nil, "not valid"},
		{"reply of a wrong type", groupArray, `{"reply":5}`, nil, "must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, err := QuickActions([]byte(tc.event), []byte(tc.answer))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range calls {
				got = append(got, c.Action+" "+string(c.Params))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestWithEcho(t *testing.T) {
	for _, tc := range []struct{ env, echo, want string }{
		{`{"echo":"x","data":{"a":1},"status":"ok","retcode":0,"msg":"m","message":"","wording":""}`, `{"k": [1, 2]}`,
			`{"status":"ok","retcode":0,"data":{"a":1},"message":"","wording":"","msg":"m","echo":{"k": [1, 2]}}`},
		{`{"status":"failed","retcode":100,"data":null}`, ``, `{"status":"failed","retcode":100,"data":null,"echo":null}`},
		{`not json`, `7`, `{"status":"failed","retcode":1502,"data":null,"message":"the backend's reply is not a OneBot 11 envelope","wording":"the backend's reply is not a OneBot 11 envelope","echo":7}`},
	} {
		if got := string(withEcho([]byte(tc.env), []byte(tc.echo))); got != tc.want {
			t.Errorf("withEcho(%s, %s)\n got %s\nwant %s", tc.env, tc.echo, got, tc.want)
		}
	}
}

func TestCheckBots(t *testing.T) {
	for _, tc := range []struct {
		name string
		bots []core.Bot
		err  string
	}{
		{"fine", []core.Bot{{ID: "a", Mode: core.BotWS, Token: "t"}, {ID: "b", Mode: core.BotWSReverse, URL: "ws://127.0.0.1:8080/onebot/v11/ws"}, {ID: "c", Mode: core.BotHTTPPost, URL: "http://127.0.0.1:5140/onebot"}}, ""},
		{"no id", []core.Bot{{Mode: core.BotWS}}, "no id"},
		{"same id", []core.Bot{{ID: "a", Mode: core.BotWS, Token: "1"}, {ID: "a", Mode: core.BotWS, Token: "2"}}, "used twice"},
		{"same token", []core.Bot{{ID: "a", Mode: core.BotWS, Token: "1"}, {ID: "b", Mode: core.BotWS, Token: "1"}}, "same token"},
		{"unknown mode", []core.Bot{{ID: "a", Mode: "grpc"}}, "unknown mode"},
		{"reverse without url", []core.Bot{{ID: "a", Mode: core.BotWSReverse}}, "no url"},
		{"reverse with http url", []core.Bot{{ID: "a", Mode: core.BotWSReverse, URL: "http://x"}}, "ws://"},
		{"post with ws url", []core.Bot{{ID: "a", Mode: core.BotHTTPPost, URL: "ws://x"}}, "http://"},
		{"url secret not echoed", []core.Bot{{ID: "a", Mode: core.BotHTTPPost, URL: "ftp://u:pw@x/?access_token=SECRET"}}, "http://"},
	} {
		err := CheckBots(tc.bots)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		case err != nil && (strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "pw")):
			t.Errorf("%s: the error shows a secret: %v", tc.name, err)
		}
	}
}

func TestSignature(t *testing.T) {
	// HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog"), the textbook vector.
	if got := Signature("key", []byte("The quick brown fox jumps over the lazy dog")); got != "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9" {
		t.Fatal(got)
	}
}
