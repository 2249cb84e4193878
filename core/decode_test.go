package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestActionNamesExact: an action runs only under the name UCBI gives it — no trimming, no case
// folding. A name with spaces or control characters is a bad parameter naming the action; a name
// in another case is an unknown action. Neither reaches the adapter.
func TestActionNamesExact(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"})
	for _, c := range []struct{ action, code string }{
		{" get_login_info", CodeBadParam},
		{"get_login_info ", CodeBadParam},
		{"get_login_info\n", CodeBadParam},
		{"\tsend_message", CodeBadParam},
		{"get_login_info\u00a0", CodeBadParam},
		{"GET_LOGIN_INFO", CodeUnknownAction},
		{"Get_Login_Info", CodeUnknownAction},
		{"Send_Private_Message", CodeUnknownAction},
		{"^GET_CONTEXTS", CodeUnknownAction},
	} {
		body, _ := json.Marshal(map[string]any{"action": c.action, "params": map[string]any{"user_id": 1, "message": "x"}})
		_, err := call(t, r.d, string(body))
		if err == nil || err.Code != c.code || err.Field != "action" {
			t.Errorf("%q: want %s naming action, got %+v", c.action, c.code, err)
		}
		if zh := Localize(err, "zh"); !strings.Contains(zh, "action") && !strings.Contains(zh, "动作") {
			t.Errorf("%q: the Chinese message does not name the field: %s", c.action, zh)
		}
	}
	if a := r.adapters["2"]; a != nil && (len(a.sends) > 0 || len(a.ext) > 0) {
		t.Fatalf("a refused action reached the adapter: %v %v", a.sends, a.ext)
	}
	if _, err := call(t, r.d, `{"action":"get_login_info"}`); err != nil {
		t.Fatalf("the exact name: %v", err)
	}
}

// TestValidateSegmentStrict: every typed field of a segment to send is checked for form and
// range, and the refusal names the field (in both languages) with a key.
func TestValidateSegmentStrict(t *testing.T) {
	cases := []struct {
		name  string
		seg   string // one segment, JSON
		code  string // "" = accepted
		field string // the field the refusal names
	}{
		// url: http(s) with a host, or base64:// for media.
		{"https url", `{"type":"image","data":{"url":"https://example.com/a.png"}}`, "", ""},
		{"http url with port and query", `{"type":"video","data":{"url":"http://127.0.0.1:8080/v.mp4?x=1"}}`, "", ""},
		{"scheme in capitals", `{"type":"image","data":{"url":"HTTPS://example.com/a.png"}}`, "", ""},
		{"base64 url", `{"type":"image","data":{"url":"base64://aGVsbG8="}}`, "", ""},
		{"file url", `{"type":"image","data":{"url":"file:///etc/passwd"}}`, CodeBadMessage, "data.url"},
		{"file url, localhost", `{"type":"audio","data":{"url":"file://localhost/tmp/a.amr"}}`, CodeBadMessage, "data.url"},
		{"file: without slashes", `{"type":"image","data":{"url":"file:a.png"}}`, CodeBadMessage, "data.url"},
		{"bare http://", `{"type":"image","data":{"url":"http://"}}`, CodeBadMessage, "data.url"},
		{"http:/// no host", `{"type":"image","data":{"url":"http:///a.png"}}`, CodeBadMessage, "data.url"},
		{"http: opaque", `{"type":"image","data":{"url":"http:example.com"}}`, CodeBadMessage, "data.url"},
		{"javascript:", `{"type":"image","data":{"url":"javascript:alert(1)"}}`, CodeBadMessage, "data.url"},
		{"data: URI", `{"type":"image","data":{"url":"data:image/png;base64,aGk="}}`, CodeBadMessage, "data.url"},
		{"ftp", `{"type":"file","data":{"url":"ftp://h/a.zip"}}`, CodeBadMessage, "data.url"},
		{"no scheme", `{"type":"image","data":{"url":"example.com/a.png"}}`, CodeBadMessage, "data.url"},
		{"space in url", `{"type":"image","data":{"url":"https://example.com/a b.png"}}`, CodeBadMessage, "data.url"},
		{"space before url", `{"type":"image","data":{"url":" https://example.com/a.png"}}`, CodeBadMessage, "data.url"},
		{"newline in url", `{"type":"image","data":{"url":"https://example.com/a.png\n"}}`, CodeBadMessage, "data.url"},
		{"url a number", `{"type":"image","data":{"url":5}}`, CodeBadMessage, "data.url"},
		{"url empty beside a path", `{"type":"image","data":{"url":"","path":"/a.png"}}`, CodeBadMessage, "data.url"},
		{"bad base64 url", `{"type":"image","data":{"url":"base64://!!!"}}`, CodeBadMessage, "data.url"},
		{"empty base64 url", `{"type":"image","data":{"url":"base64://"}}`, CodeBadMessage, "data.url"},
		{"bad url beside a good path", `{"type":"image","data":{"url":"file:///x","path":"/a.png"}}`, CodeBadMessage, "data.url"},
		{"path alone", `{"type":"image","data":{"path":"/a.png"}}`, "", ""},
		{"null url beside a path", `{"type":"image","data":{"url":null,"path":"/a.png"}}`, "", ""},
		{"media_id alone", `{"type":"image","data":{"media_id":"m1"}}`, "", ""},
		{"nothing to send", `{"type":"image","data":{"user_name":"x"}}`, CodeBadMessage, "data"},
		{"link https", `{"type":"link","data":{"url":"https://u.example","title":"t"}}`, "", ""},
		{"link base64", `{"type":"link","data":{"url":"base64://aGk="}}`, CodeBadMessage, "data.url"},
		{"link javascript", `{"type":"link","data":{"url":"javascript:alert(1)"}}`, CodeBadMessage, "data.url"},
		{"link file", `{"type":"link","data":{"url":"file:///etc/passwd"}}`, CodeBadMessage, "data.url"},
		{"link image not a URL", `{"type":"link","data":{"url":"https://u.example","image":"/tmp/a.png"}}`, CodeBadMessage, "data.image"},
		// location: numbers or numeric strings, in range.
		{"location numbers", `{"type":"location","data":{"latitude":39.9,"longitude":116.4}}`, "", ""},
		{"location strings", `{"type":"location","data":{"latitude":"-90","longitude":"180"}}`, "", ""},
		{"latitude 90.5", `{"type":"location","data":{"latitude":90.5,"longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude -91", `{"type":"location","data":{"latitude":"-91","longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"longitude 180.01", `{"type":"location","data":{"latitude":0,"longitude":180.01}}`, CodeBadMessage, "data.longitude"},
		{"longitude 1e9", `{"type":"location","data":{"latitude":0,"longitude":1e9}}`, CodeBadMessage, "data.longitude"},
		{"latitude NaN", `{"type":"location","data":{"latitude":"NaN","longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude Inf", `{"type":"location","data":{"latitude":"Inf","longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude with a tail", `{"type":"location","data":{"latitude":"39.9abc","longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude with spaces", `{"type":"location","data":{"latitude":" 39.9","longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude a boolean", `{"type":"location","data":{"latitude":true,"longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"latitude an object", `{"type":"location","data":{"latitude":{},"longitude":0}}`, CodeBadMessage, "data.latitude"},
		{"longitude missing", `{"type":"location","data":{"latitude":1}}`, CodeBadMessage, "data"},
		// ids: a string (no spaces around, no control characters) or a whole number.
		{"at number", `{"type":"at","data":{"user_id":10002}}`, "", ""},
		{"at all", `{"type":"at","data":{"user_id":"all"}}`, "", ""},
		{"at a boolean", `{"type":"at","data":{"user_id":true}}`, CodeBadMessage, "data.user_id"},
		{"at a fraction", `{"type":"at","data":{"user_id":1.5}}`, CodeBadMessage, "data.user_id"},
		{"at an object", `{"type":"at","data":{"user_id":{"a":1}}}`, CodeBadMessage, "data.user_id"},
		{"at with spaces", `{"type":"at","data":{"user_id":" 10002"}}`, CodeBadMessage, "data.user_id"},
		{"at tid newline", `{"type":"at","data":{"user_tid":"10002\n"}}`, CodeBadMessage, "data.user_tid"},
		{"contact > int64", `{"type":"contact","data":{"user_id":99999999999999999999}}`, CodeBadMessage, "data.user_id"},
		{"group an array", `{"type":"group","data":{"group_id":[1]}}`, CodeBadMessage, "data.group_id"},
		{"group bad tid beside an id", `{"type":"group","data":{"group_id":"1","group_tid":false}}`, CodeBadMessage, "data.group_tid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			if err := json.Unmarshal([]byte("["+c.seg+"]"), &m); err != nil {
				t.Fatal(err)
			}
			err := ValidateMessage(m)
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := AsError(err)
			if e == nil || e.Code != c.code || e.Key == "" {
				t.Fatalf("want keyed %s, got %+v", c.code, e)
			}
			if want := "params.message[0]." + c.field; e.Field != want {
				t.Errorf("field %q, want %q (%s)", e.Field, want, e.Message)
			}
			if e.Status() >= 500 || e.Status() < 400 {
				t.Errorf("status %d", e.Status())
			}
			if zh := Localize(e, "zh"); !strings.Contains(zh, e.Field) || zh == e.Message {
				t.Errorf("zh %q does not name %s in Chinese", zh, e.Field)
			}
		})
	}
}

// TestMediaIDAlone: a media segment naming only a media_id passes the dispatcher's checks and
// reaches the adapter, which decides whether its open layer can send by it.
func TestMediaIDAlone(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"})
	_, err := call(t, r.d, `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"image","text":"[图片]","data":{"media_id":"file-1"}}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.adapters["2"].msgs[0][0].Data["media_id"]; got != "file-1" {
		t.Fatalf("media_id not passed on: %v", r.adapters["2"].msgs[0])
	}
}
