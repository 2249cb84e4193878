package onebot_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// msg decodes a UCBI message from JSON the way the endpoint does (numbers as json.Number).
func msg(t *testing.T, s string) core.Message {
	t.Helper()
	var m core.Message
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test message %s: %v", s, err)
	}
	return m
}

// jsonOf renders v as JSON, for comparisons that should not care about Go types.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestToOneBot(t *testing.T) {
	tests := []struct {
		name string
		in   string // UCBI message JSON
		want string // OneBot segments JSON
	}{
		{"text", `[{"type":"text","text":"你好 [x] & y"}]`,
			`[{"type":"text","data":{"text":"你好 [x] \u0026 y"}}]`},
		{"plain string message", `"hello"`,
			`[{"type":"text","data":{"text":"hello"}}]`},
		{"image url", `[{"type":"image","text":"[图片]","data":{"url":"https://example.com/a.png"}}]`,
			`[{"type":"image","data":{"file":"https://example.com/a.png"}}]`},
		{"image path", `[{"type":"image","data":{"path":"/tmp/pic.jpg"}}]`,
			`[{"type":"image","data":{"file":"file:///tmp/pic.jpg"}}]`},
		{"image path escaped where needed, Chinese kept", `[{"type":"image","data":{"path":"/tmp/图 片#1?.jpg"}}]`,
			`[{"type":"image","data":{"file":"file:///tmp/图%20片%231%3F.jpg"}}]`},
		{"image windows path", `[{"type":"image","data":{"path":"C:\\pics\\a.png"}}]`,
			`[{"type":"image","data":{"file":"file:///C:/pics/a.png"}}]`},
		{"image data", `[{"type":"image","data":{"data":"aGVsbG8="}}]`,
			`[{"type":"image","data":{"file":"base64://aGVsbG8="}}]`},
		{"image data unpadded url-safe normalised", `[{"type":"image","data":{"data":"_-8"}}]`,
			`[{"type":"image","data":{"file":"base64:///+8="}}]`},
		{"image data URI prefix stripped", `[{"type":"image","data":{"data":"data:image/png;base64,aGVsbG8="}}]`,
			`[{"type":"image","data":{"file":"base64://aGVsbG8="}}]`},
		{"url preferred over path and data", `[{"type":"image","data":{"data":"aGVsbG8=","path":"/a.png","url":"http://h/a.png"}}]`,
			`[{"type":"image","data":{"file":"http://h/a.png"}}]`},
		{"path preferred over data", `[{"type":"image","data":{"data":"aGVsbG8=","path":"/a.png"}}]`,
			`[{"type":"image","data":{"file":"file:///a.png"}}]`},
		{"base64 url passed on", `[{"type":"image","data":{"url":"base64://aGVsbG8="}}]`,
			`[{"type":"image","data":{"file":"base64://aGVsbG8="}}]`},
		{"image starred extras, mapped key wins, plain extras dropped",
			`[{"type":"image","data":{"url":"http://h/a.gif","*type":"flash","*file":"x","media_id":"m1","*cache":0}}]`,
			`[{"type":"image","data":{"cache":0,"file":"http://h/a.gif","type":"flash"}}]`},
		{"audio", `[{"type":"audio","text":"[语音]","data":{"url":"http://h/a.amr"}}]`,
			`[{"type":"record","data":{"file":"http://h/a.amr"}}]`},
		{"video", `[{"type":"video","data":{"path":"/v.mp4"}}]`,
			`[{"type":"video","data":{"file":"file:///v.mp4"}}]`},
		{"at user_id", `[{"type":"at","data":{"user_id":10002,"user_name":"张三"}}]`,
			`[{"type":"at","data":{"qq":"10002"}}]`},
		{"at user_tid", `[{"type":"at","data":{"user_tid":"10003"}}]`,
			`[{"type":"at","data":{"qq":"10003"}}]`},
		{"at all", `[{"type":"at","data":{"user_id":"all"}}]`,
			`[{"type":"at","data":{"qq":"all"}}]`},
		{"contact", `[{"type":"contact","data":{"user_id":"10002"}}]`,
			`[{"type":"contact","data":{"id":"10002","type":"qq"}}]`},
		{"group", `[{"type":"group","data":{"group_tid":20001}}]`,
			`[{"type":"contact","data":{"id":"20001","type":"group"}}]`},
		{"link full", `[{"type":"link","data":{"url":"https://u","title":"T","content":"C","image":"https://i"}}]`,
			`[{"type":"share","data":{"content":"C","image":"https://i","title":"T","url":"https://u"}}]`},
		{"link title defaults to url", `[{"type":"link","data":{"url":"https://u"}}]`,
			`[{"type":"share","data":{"title":"https://u","url":"https://u"}}]`},
		{"location", `[{"type":"location","data":{"latitude":39.9,"longitude":"116.4","description":"天安门"}}]`,
			`[{"type":"location","data":{"content":"天安门","lat":"39.9","lon":"116.4"}}]`},
		{"location with title", `[{"type":"location","data":{"latitude":1,"longitude":2,"*title":"T"}}]`,
			`[{"type":"location","data":{"lat":"1","lon":"2","title":"T"}}]`},
		{"*face", `[{"type":"*face","text":"[表情:微笑]","data":{"id":14}}]`,
			`[{"type":"face","data":{"id":"14"}}]`},
		{"*face starred key", `[{"type":"*face","data":{"*id":"178"}}]`,
			`[{"type":"face","data":{"id":"178"}}]`},
		{"*x passes data on, stars stripped, plain key wins", `[{"type":"*poke","data":{"*type":"1","id":2,"*id":"3","*":"x"}}]`,
			`[{"type":"poke","data":{"id":2,"type":"1"}}]`},
		{"*json", `[{"type":"*json","data":{"data":"{\"app\":\"x\"}"}}]`,
			`[{"type":"json","data":{"data":"{\"app\":\"x\"}"}}]`},
		{"*dice without data", `[{"type":"*dice"}]`,
			`[{"type":"dice","data":{}}]`},
		{"several segments keep order", `[{"type":"at","data":{"user_id":"1"}},{"type":"text","text":" hi"},{"type":"*face","data":{"id":"1"}}]`,
			`[{"type":"at","data":{"qq":"1"}},{"type":"text","data":{"text":" hi"}},{"type":"face","data":{"id":"1"}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := onebot.ToOneBot(msg(t, tc.in))
			if err != nil {
				t.Fatalf("ToOneBot: %v", err)
			}
			if g := jsonOf(t, got); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestToOneBotErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		code   string
		msgHas []string
	}{
		{"empty message", `[]`, core.CodeBadMessage, []string{"empty"}},
		{"empty text", `[{"type":"text","text":""}]`, core.CodeBadMessage, []string{"segment 0 (text)"}},
		{"image without source", `[{"type":"text","text":"a"},{"type":"image","data":{}}]`, core.CodeBadMessage,
			[]string{"segment 1 (image): needs url, path or data"}},
		{"relative path", `[{"type":"text","text":"a"},{"type":"text","text":"b"},{"type":"image","data":{"path":"pics/a.png"}}]`,
			core.CodeBadMessage, []string{"segment 2 (image)", "absolute"}},
		{"dot-dot path", `[{"type":"image","data":{"path":"/srv/pics/../../etc/passwd"}}]`, core.CodeBadMessage,
			[]string{"segment 0 (image)", ".."}},
		{"dot-dot windows path", `[{"type":"video","data":{"path":"C:\\a\\..\\b.mp4"}}]`, core.CodeBadMessage, []string{".."}},
		// A file on the backend's machine is data.path: a file: URL is refused whatever it names.
		{"file url", `[{"type":"image","data":{"url":"file:///srv/a%20b.png"}}]`, core.CodeBadMessage, []string{"data.url", "http or https", "data.path"}},
		{"dot-dot in file url", `[{"type":"image","data":{"url":"file:///srv/%2e%2e/etc/passwd"}}]`, core.CodeBadMessage, []string{"data.url", "data.path"}},
		{"file url of another host", `[{"type":"image","data":{"url":"file://server/share/a.png"}}]`, core.CodeBadMessage, []string{"data.url"}},
		{"bare http://", `[{"type":"image","data":{"url":"http://"}}]`, core.CodeBadMessage, []string{"data.url", "host"}},
		{"javascript url", `[{"type":"video","data":{"url":"javascript:alert(1)"}}]`, core.CodeBadMessage, []string{"data.url"}},
		{"media_id alone", `[{"type":"image","data":{"media_id":"m1"}}]`, core.CodeUnsupported, []string{"data.media_id", "OneBot 11"}},
		{"at not a QQ number", `[{"type":"at","data":{"user_id":"abc"}}]`, core.CodeBadMessage, []string{"data.user_id", "QQ number", "all"}},
		{"at zero", `[{"type":"at","data":{"user_tid":"0"}}]`, core.CodeBadMessage, []string{"data.user_tid"}},
		{"at ALL is not all", `[{"type":"at","data":{"user_id":"ALL"}}]`, core.CodeBadMessage, []string{"data.user_id"}},
		{"contact not a QQ number", `[{"type":"contact","data":{"user_id":"wxid_abc"}}]`, core.CodeBadMessage, []string{"data.user_id", "QQ number"}},
		{"contact negative", `[{"type":"contact","data":{"user_id":-5}}]`, core.CodeBadMessage, []string{"data.user_id"}},
		{"group leading zero", `[{"type":"group","data":{"group_id":"0123"}}]`, core.CodeBadMessage, []string{"data.group_id"}},
		{"group > int64", `[{"type":"group","data":{"group_tid":"99999999999999999999"}}]`, core.CodeBadMessage, []string{"data.group_tid"}},
		{"unc path", `[{"type":"image","data":{"path":"\\\\server\\share\\a.png"}}]`, core.CodeBadMessage, []string{"absolute"}},
		{"url of another scheme", `[{"type":"image","data":{"url":"ftp://h/a.png"}}]`, core.CodeBadMessage, []string{"http or https"}},
		{"bad base64", `[{"type":"image","data":{"data":"!!!"}}]`, core.CodeBadMessage, []string{"Base64"}},
		{"file unsupported", `[{"type":"text","text":"a"},{"type":"file","data":{"url":"http://h/a.zip"}}]`, core.CodeUnsupported,
			[]string{"segment 1 (file)", "no file segment"}},
		{"rich unsupported", `[{"type":"rich","data":{"url":"http://h"}}]`, core.CodeUnsupported, []string{"segment 0 (rich)"}},
		{"unknown type", `[{"type":"sticker","data":{}}]`, core.CodeBadMessage, []string{"segment 0 (sticker)", "unknown segment type"}},
		{"bare star", `[{"type":"*"}]`, core.CodeBadMessage, []string{"segment 0 (*)"}},
		{"at without id", `[{"type":"at","data":{"user_name":"x"}}]`, core.CodeBadMessage, []string{"user_id"}},
		{"contact without id", `[{"type":"contact","data":{}}]`, core.CodeBadMessage, []string{"user_id"}},
		{"group without id", `[{"type":"group","data":{"group_name":"x"}}]`, core.CodeBadMessage, []string{"group_id"}},
		{"link without url", `[{"type":"link","data":{"title":"x"}}]`, core.CodeBadMessage, []string{"url"}},
		{"location not a number", `[{"type":"location","data":{"latitude":"north","longitude":1}}]`, core.CodeBadMessage, []string{"latitude"}},
		{"location missing", `[{"type":"location","data":{"latitude":1}}]`, core.CodeBadMessage, []string{"longitude"}},
		{"*face without id", `[{"type":"*face","data":{}}]`, core.CodeBadMessage, []string{"segment 0 (*face)", "id"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := onebot.ToOneBot(msg(t, tc.in))
			var e *core.Error
			if !errors.As(err, &e) {
				t.Fatalf("ToOneBot = %s, %v; want a *core.Error", jsonOf(t, got), err)
			}
			if e.Code != tc.code {
				t.Errorf("code = %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
			for _, s := range tc.msgHas {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not contain %q", e.Message, s)
				}
			}
			if e.Key != "" { // a keyed refusal names its field in every language
				if !strings.HasPrefix(e.Field, "params.message[") {
					t.Errorf("field %q does not name the segment", e.Field)
				}
				if zh := core.Localize(e, "zh"); !strings.Contains(zh, e.Field) {
					t.Errorf("zh %q does not name %s", zh, e.Field)
				}
			}
		})
	}
}

func TestFromOneBot(t *testing.T) {
	tests := []struct {
		name string
		in   string // OneBot segments JSON
		want string // UCBI message JSON
	}{
		{"text", `[{"type":"text","data":{"text":"hi"}}]`, `[{"type":"text","text":"hi"}]`},
		{"image with url and name", `[{"type":"image","data":{"file":"abc.image","url":"https://h/a.png","summary":"","sub_type":0}}]`,
			`[{"type":"image","text":"[图片]","data":{"*file":"abc.image","*sub_type":0,"*summary":"","url":"https://h/a.png"}}]`},
		{"image file url only", `[{"type":"image","data":{"file":"http://h/a.png"}}]`,
			`[{"type":"image","text":"[图片]","data":{"url":"http://h/a.png"}}]`},
		{"image file path", `[{"type":"image","data":{"file":"file:///tmp/a%20b.png"}}]`,
			`[{"type":"image","text":"[图片]","data":{"path":"/tmp/a b.png"}}]`},
		{"image windows file path", `[{"type":"image","data":{"file":"file:///C:/pics/a.png"}}]`,
			`[{"type":"image","text":"[图片]","data":{"path":"C:/pics/a.png"}}]`},
		{"image base64", `[{"type":"image","data":{"file":"base64://aGVsbG8="}}]`,
			`[{"type":"image","text":"[图片]","data":{"data":"aGVsbG8="}}]`},
		{"record", `[{"type":"record","data":{"file":"http://h/a.amr"}}]`,
			`[{"type":"audio","text":"[语音]","data":{"url":"http://h/a.amr"}}]`},
		{"video", `[{"type":"video","data":{"file":"http://h/v.mp4"}}]`,
			`[{"type":"video","text":"[视频]","data":{"url":"http://h/v.mp4"}}]`},
		{"file received", `[{"type":"file","data":{"file":"a.zip","file_id":"/abc","file_size":"12"}}]`,
			`[{"type":"file","text":"[文件]","data":{"*file":"a.zip","*file_id":"/abc","*file_size":"12"}}]`},
		{"at number", `[{"type":"at","data":{"qq":10002}}]`,
			`[{"type":"at","text":"@10002","data":{"user_id":"10002"}}]`},
		{"at with name", `[{"type":"at","data":{"qq":"10002","name":"张三"}}]`,
			`[{"type":"at","text":"@张三","data":{"*name":"张三","user_id":"10002"}}]`},
		{"at all", `[{"type":"at","data":{"qq":"all"}}]`,
			`[{"type":"at","text":"@全体成员","data":{"user_id":"all"}}]`},
		{"contact qq", `[{"type":"contact","data":{"type":"qq","id":"10002"}}]`,
			`[{"type":"contact","text":"[推荐联系人]","data":{"user_id":"10002"}}]`},
		{"contact group", `[{"type":"contact","data":{"type":"group","id":20001}}]`,
			`[{"type":"group","text":"[推荐群聊]","data":{"group_id":"20001"}}]`},
		{"contact other type", `[{"type":"contact","data":{"type":"wechat","id":"x"}}]`,
			`[{"type":"*contact","text":"[推荐]","data":{"id":"x","type":"wechat"}}]`},
		{"share", `[{"type":"share","data":{"url":"https://u","title":"T","content":"C","image":"https://i"}}]`,
			`[{"type":"link","text":"[链接:T]","data":{"content":"C","image":"https://i","title":"T","url":"https://u"}}]`},
		{"location", `[{"type":"location","data":{"lat":"39.9","lon":"116.4","title":"T","content":"天安门"}}]`,
			`[{"type":"location","text":"[位置]","data":{"*title":"T","description":"天安门","latitude":"39.9","longitude":"116.4"}}]`},
		{"face", `[{"type":"face","data":{"id":"14"}}]`,
			`[{"type":"*face","text":"[表情]","data":{"id":"14"}}]`},
		{"napcat face with faceText", `[{"type":"face","data":{"id":"14","raw":{"faceText":"/微笑"}}}]`,
			`[{"type":"*face","text":"[表情:微笑]","data":{"id":"14","raw":{"faceText":"/微笑"}}}]`},
		{"reply", `[{"type":"reply","data":{"id":"123"}}]`, `[{"type":"*reply","text":"[回复]","data":{"id":"123"}}]`},
		{"json", `[{"type":"json","data":{"data":"{}"}}]`, `[{"type":"*json","text":"[卡片]","data":{"data":"{}"}}]`},
		{"unknown type", `[{"type":"weird","data":{"k":"v"}}]`, `[{"type":"*weird","text":"[weird]","data":{"k":"v"}}]`},
		{"no data", `[{"type":"shake"}]`, `[{"type":"*shake","text":"[窗口抖动]"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var segs []onebot.Segment
			if err := json.Unmarshal([]byte(tc.in), &segs); err != nil {
				t.Fatal(err)
			}
			if g := jsonOf(t, onebot.FromOneBot(segs)); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// TestMappingRoundTrip: what ToOneBot makes, FromOneBot maps back to the same UCBI data (text
// stand-ins aside), and mapping that again gives the same OneBot segments.
func TestMappingRoundTrip(t *testing.T) {
	tests := []struct{ name, in, back string }{
		{"text", `[{"type":"text","text":"a&[b]"}]`, `[{"type":"text","text":"a\u0026[b]"}]`},
		{"image url", `[{"type":"image","data":{"url":"http://h/a.png"}}]`, `[{"type":"image","text":"[图片]","data":{"url":"http://h/a.png"}}]`},
		{"image path", `[{"type":"image","data":{"path":"/srv/图 片%.png"}}]`, `[{"type":"image","text":"[图片]","data":{"path":"/srv/图 片%.png"}}]`},
		{"audio data", `[{"type":"audio","data":{"data":"aGVsbG8="}}]`, `[{"type":"audio","text":"[语音]","data":{"data":"aGVsbG8="}}]`},
		{"video", `[{"type":"video","data":{"url":"https://h/v.mp4"}}]`, `[{"type":"video","text":"[视频]","data":{"url":"https://h/v.mp4"}}]`},
		{"at", `[{"type":"at","data":{"user_id":"10002"}}]`, `[{"type":"at","text":"@10002","data":{"user_id":"10002"}}]`},
		{"contact", `[{"type":"contact","data":{"user_id":"1"}}]`, `[{"type":"contact","text":"[推荐联系人]","data":{"user_id":"1"}}]`},
		{"group", `[{"type":"group","data":{"group_id":"2"}}]`, `[{"type":"group","text":"[推荐群聊]","data":{"group_id":"2"}}]`},
		{"link", `[{"type":"link","data":{"url":"https://u","title":"T","content":"C"}}]`,
			`[{"type":"link","text":"[链接:T]","data":{"content":"C","title":"T","url":"https://u"}}]`},
		{"location", `[{"type":"location","data":{"latitude":"1.5","longitude":"2.5","description":"D"}}]`,
			`[{"type":"location","text":"[位置]","data":{"description":"D","latitude":"1.5","longitude":"2.5"}}]`},
		{"face", `[{"type":"*face","data":{"id":"14"}}]`, `[{"type":"*face","text":"[表情]","data":{"id":"14"}}]`},
		{"poke", `[{"type":"*poke","data":{"type":"1","id":"2"}}]`, `[{"type":"*poke","text":"[戳一戳]","data":{"id":"2","type":"1"}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ob, err := onebot.ToOneBot(msg(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			back := onebot.FromOneBot(ob)
			if g := jsonOf(t, back); g != tc.back {
				t.Errorf("back  %s\nwant  %s", g, tc.back)
			}
			again, err := onebot.ToOneBot(back)
			if err != nil {
				t.Fatalf("ToOneBot(FromOneBot(x)): %v", err)
			}
			if !reflect.DeepEqual(jsonOf(t, again), jsonOf(t, ob)) {
				t.Errorf("again %s\nfirst %s", jsonOf(t, again), jsonOf(t, ob))
			}
		})
	}
}

func TestBuildSend(t *testing.T) {
	m := msg(t, `[{"type":"text","text":"hi"},{"type":"*face","data":{"id":14}}]`)
	tests := []struct {
		name   string
		target core.Target
		action string
		params string
		code   string
	}{
		{"private numeric id", core.Target{Type: "private", ID: "10002"}, "send_private_msg",
			`{"message":[{"type":"text","data":{"text":"hi"}},{"type":"face","data":{"id":"14"}}],"user_id":10002}`, ""},
		{"group numeric id", core.Target{Type: "group", ID: "20001"}, "send_group_msg",
			`{"group_id":20001,"message":[{"type":"text","data":{"text":"hi"}},{"type":"face","data":{"id":"14"}}]}`, ""},
		{"64-bit id stays exact", core.Target{Type: "group", ID: "9223372036854775807"}, "send_group_msg",
			`{"group_id":9223372036854775807,"message":[{"type":"text","data":{"text":"hi"}},{"type":"face","data":{"id":"14"}}]}`, ""},
		{"non-numeric id refused", core.Target{Type: "private", ID: "u_abc"}, "", "", core.CodeBadParam},
		{"leading zero refused (it would name another account)", core.Target{Type: "private", ID: "0123"}, "", "", core.CodeBadParam},
		{"too big for int64 refused", core.Target{Type: "private", ID: "99999999999999999999"}, "", "", core.CodeBadParam},
		{"negative refused", core.Target{Type: "group", ID: "-5"}, "", "", core.CodeBadParam},
		{"discuss", core.Target{Type: "discuss", ID: "1"}, "", "", core.CodeUnsupported},
		{"no type", core.Target{ID: "1"}, "", "", core.CodeMissingParam},
		{"bad type", core.Target{Type: "channel", ID: "1"}, "", "", core.CodeBadParam},
		{"no id", core.Target{Type: "group"}, "", "", core.CodeMissingParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			action, params, err := onebot.BuildSend(tc.target, m)
			if tc.code != "" {
				if e := core.AsError(err); e == nil || e.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if action != tc.action {
				t.Errorf("action = %s, want %s", action, tc.action)
			}
			if g := jsonOf(t, params); g != tc.params {
				t.Errorf("params %s\nwant   %s", g, tc.params)
			}
		})
	}
	t.Run("discuss message text", func(t *testing.T) {
		_, _, err := onebot.BuildSend(core.Target{Type: "discuss", ID: "1"}, m)
		if err == nil || err.Error() != "discussion groups are not supported by OneBot 11" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad message", func(t *testing.T) {
		_, _, err := onebot.BuildSend(core.Target{Type: "private", ID: "1"}, msg(t, `[{"type":"file","data":{"url":"http://h"}}]`))
		if e := core.AsError(err); e == nil || e.Code != core.CodeUnsupported || !strings.Contains(e.Message, "segment 0") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestSupportedSegmentsMatchToOneBot: what the adapter says it can send, ToOneBot maps; what it
// says it cannot, ToOneBot refuses as unsupported — Compose never offers a kind that then fails.
func TestSupportedSegmentsMatchToOneBot(t *testing.T) {
	samples := map[string]string{
		"text":     `{"type":"text","text":"hi"}`,
		"at":       `{"type":"at","data":{"user_id":"10002"}}`,
		"image":    `{"type":"image","data":{"url":"https://example.com/a.png"}}`,
		"audio":    `{"type":"audio","data":{"path":"/tmp/a.amr"}}`,
		"video":    `{"type":"video","data":{"data":"aGVsbG8="}}`,
		"file":     `{"type":"file","data":{"url":"https://example.com/a.zip"}}`,
		"link":     `{"type":"link","data":{"url":"https://example.com"}}`,
		"location": `{"type":"location","data":{"latitude":39.9,"longitude":116.4}}`,
		"contact":  `{"type":"contact","data":{"user_id":"10002"}}`,
		"group":    `{"type":"group","data":{"group_id":"20001"}}`,
		"rich":     `{"type":"rich","data":{"url":"https://example.com"}}`,
		"*":        `{"type":"*dice"}`,
	}
	for kind, why := range onebot.SupportedSegments() {
		sample, ok := samples[kind]
		if !ok {
			t.Errorf("no sample for %s", kind)
			continue
		}
		_, err := onebot.ToOneBot(msg(t, "["+sample+"]"))
		if why == "" && err != nil {
			t.Errorf("%s is said sendable but: %v", kind, err)
		}
		if why != "" {
			if e := core.AsError(err); e == nil || e.Code != core.CodeUnsupported {
				t.Errorf("%s is said unsendable (%s) but ToOneBot gave %v", kind, why, err)
			}
		}
	}
}
