package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"ucbi-console/core"
)

// Fuzz targets for every decoder of the endpoint: OneBot parameters (query, form, JSON), the
// path classifier, the backend-reply reader, the token reader and the media file check. Run one
// with e.g. go test -fuzz FuzzDecodeOneBotCall ./core/endpoint; the seeds run with the tests.

func FuzzDecodeOneBotCall(f *testing.F) {
	seeds := []struct{ q, ct, body string }{
		{"", "", `{"group_id":20001,"message":"hi"}`},
		{"", "application/json", `{"user_id":"10002","message":[{"type":"image","data":{"file":"/a.png"}}]}`},
		{"group_id=1&message=x", "", ""},
		{"access_token=t&echo=1", "", "null"},
		{"", "application/x-www-form-urlencoded", "group_id=1&message=%E4%BD%A0"},
		{"", "application/x-www-form-urlencoded", `{"group_id":1}`},
		{"", "", `{"message":"[CQ:image,file=../x]"}`},
		{"", "", `{"group_id":99999999999999999999}`},
		{"", "", `{"message":{"type":"text","data":{"text":"x"}},"auto_escape":"true"}`},
		{"%zz", "", `{}`},
		{"", "", "[[[[[]]]]]"},
		{"", "", "{\"a\":\"\xff\"}"},
		{"", "", `{"access_token":"t","group_id":1}`},
		{"", "", `{"message":[{"type":"record","data":{"file":"file:///a/../b"}}]}`},
	}
	for _, s := range seeds {
		f.Add(s.q, s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, rawQuery, contentType string, body []byte) {
		call, err := decodeOneBotCall(rawQuery, contentType, body)
		if call == nil {
			t.Fatal("nil call")
		}
		if err != nil {
			switch err.Code {
			case core.CodeBadJSON, core.CodeBadParam, core.CodeBadMessage:
			default:
				t.Fatalf("unexpected code %s: %v", err.Code, err)
			}
			if err.Status() != http.StatusBadRequest || err.Message == "" {
				t.Fatalf("a refusal must be a 400 that says why: %d %q", err.Status(), err.Message)
			}
			return
		}
		if !json.Valid(call.body) || call.body[0] != '{' {
			t.Fatalf("forwarded body is not a JSON object: %q", call.body)
		}
		var fields map[string]json.RawMessage
		if e := json.Unmarshal(call.body, &fields); e != nil {
			t.Fatalf("forwarded body does not decode: %v", e)
		}
		if _, ok := fields["access_token"]; ok {
			t.Fatalf("access_token forwarded: %s", call.body)
		}
		if call.echo != nil && !json.Valid(call.echo) {
			t.Fatalf("echo is not JSON: %q", call.echo)
		}
		trimmed := bytes.TrimSpace(body)
		if q, _ := url.ParseQuery(rawQuery); len(trimmed) > 0 && trimmed[0] == '{' && len(q) == 0 && !bytes.Contains(body, []byte("access_token")) {
			if !bytes.Equal(call.body, trimmed) {
				t.Fatalf("a plain JSON body must be forwarded byte for byte:\n%q\n%q", trimmed, call.body)
			}
		}
		if call.target != "" && !strings.HasPrefix(call.target, "group:") && !strings.HasPrefix(call.target, "private:") {
			t.Fatalf("target %q", call.target)
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, p := range []string{"/", "/send_msg", "/send_msg/", "/s/napcat/get_login_info", "/ArkSharePeer", "/s/x/ArkSharePeer",
		"/../", "/s/../x", "//x", "/a/b/c", "/ucbi", "/ucbi/", "/s//x", "/\x00", "/%2e%2e"} {
		f.Add(p, "/")
		f.Add(p, "/ucbi")
	}
	f.Fuzz(func(t *testing.T, path, root string) {
		s, err := New(nil, Options{Root: root})
		if err != nil {
			return
		}
		kind, source, action := s.classify(path)
		switch kind {
		case routeUCBI:
			if source != "" || action != "" {
				t.Fatalf("UCBI route with %q %q", source, action)
			}
		case routeOneBot, routeArk:
			if !validName(action) || strings.ContainsAny(action, "./\\%") {
				t.Fatalf("action %q from %q", action, path)
			}
			if source != "" && (!validName(source) || strings.ContainsAny(source, "./\\%")) {
				t.Fatalf("source %q from %q", source, path)
			}
			if kind == routeArk && action != "ArkSharePeer" {
				t.Fatalf("ark route for %q", action)
			}
		case routeNone:
		default:
			t.Fatalf("kind %d", kind)
		}
	})
}

func FuzzReadReply(f *testing.F) {
	seeds := []struct {
		status int
		reply  string
		echo   string
	}{
		{200, `{"status":"ok","retcode":0,"data":{"message_id":1},"message":"","wording":"","echo":null}`, ""},
		{200, `{"data":null,"msg":"API_NOT_FOUND","retcode":404,"status":"failed","wording":"API不存在"}`, `"e"`},
		{200, `{"status":"failed","retcode":200,"data":null,"message":"不支持的Api x","wording":"不支持的Api x","echo":null}`, `1`},
		{403, `{"message":"token verify failed!"}`, ""},
		{401, ``, ""},
		{404, `not found`, ""},
		{400, `Invalid JSON`, ""},
		{500, "Internal Server Error\n", ""},
		{200, "\x00garbage 乱码 {{{ not json", ""},
		{200, `<!DOCTYPE html><html></html>`, ""},
		{200, `{"retcode":"0"}`, ""},
		{200, `{"retcode":1e3,"status":5}`, ""},
		{200, `{"status":"async","retcode":1}`, ""},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.reply), []byte(s.echo))
	}
	f.Fuzz(func(t *testing.T, status int, reply, echo []byte) {
		if !json.Valid(echo) {
			echo = nil
		}
		res := readReply("fuzz_action", status, reply, echo)
		var env map[string]json.RawMessage
		if err := json.Unmarshal(res.body, &env); err != nil {
			t.Fatalf("answer is not JSON: %q", res.body)
		}
		for _, k := range []string{"status", "retcode", "data", "message", "wording", "echo"} {
			if _, ok := env[k]; !ok {
				t.Fatalf("answer without %s: %s", k, res.body)
			}
		}
		if res.code == "" && res.status >= 400 && status < 400 {
			t.Fatalf("a success with an error status: %d %s", res.status, res.body)
		}
		if res.code != "" && res.text == "" {
			t.Fatalf("a failure without a text: %s", res.body)
		}
	})
}

func FuzzCallerToken(f *testing.F) {
	for _, h := range []string{"Bearer t", "Token t", "t", "bearer  t ", "Token undefined", "", "Basic dXNlcg==", "Bearer"} {
		f.Add(h, "access_token=q")
		f.Add(h, "")
	}
	f.Fuzz(func(t *testing.T, header, query string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: query}}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		tok, ok := callerToken(r)
		if ok && tok == "" && strings.TrimSpace(header) == "" {
			t.Fatalf("an empty token found in %q %q", header, query)
		}
		if tok != strings.TrimSpace(tok) && strings.TrimSpace(header) != "" {
			t.Fatalf("token %q keeps its spaces", tok)
		}
		s, _ := New(nil, Options{Token: "the-token"})
		if _, err := s.authorize(r); err == nil && tok != "the-token" {
			t.Fatalf("authorized with %q", tok)
		}
	})
}

func FuzzCheckFileRef(f *testing.F) {
	for _, v := range []string{"/a/b.png", "file:///a/b.png", "https://x/y.png", "base64://aGk=", "abc.image", "../x", "a/b", `C:\x\y.png`,
		`..\x`, "file://host/x", "file:///a/../b", "file:..", "x:/../a", "/a/./b", "\x00"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if checkFileRef(v) != nil {
			return
		}
		low := strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "base64://") {
			return
		}
		p := v
		if u, err := url.Parse(strings.TrimSpace(v)); err == nil && strings.EqualFold(u.Scheme, "file") {
			p = u.Path
		}
		for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
			if el == ".." {
				t.Fatalf("accepted %q with a \"..\" element", v)
			}
		}
		if strings.ContainsRune(v, 0) {
			t.Fatalf("accepted a NUL: %q", v)
		}
	})
}

// FuzzEachField: on any valid JSON object the scanner finds exactly the fields encoding/json
// finds (the last of a repeated key winning), with the same values; on anything else it never
// panics.
func FuzzEachField(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":"x","c":[1,{"d":"}"}],"e":{"f":null}}`, ` { "a" : true , "a" : false } `,
		`{"k\"ey":"v\\","\u0061":2}`, `{"a":"[{\"b\":1}]"}`, `[1]`, `{"a":`, `{"a":1e5,"b":-0.5}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]string{}
		isObj := eachField(b, func(key []byte, escaped bool, value []byte) {
			got[fieldKey(key, escaped)] = string(value)
		})
		if !json.Valid(b) || !utf8.Valid(b) { // the callers check both first
			return
		}
		var want map[string]json.RawMessage
		if json.Unmarshal(b, &want) != nil {
			if isObj {
				t.Fatalf("scanner took %q for an object", b)
			}
			return
		}
		if want == nil { // null
			return
		}
		if !isObj || len(got) != len(want) {
			t.Fatalf("fields of %q: scanner %v, json %v", b, got, want)
		}
		for k, v := range want {
			if got[k] != string(v) {
				t.Fatalf("field %q of %q: scanner %q, json %q", k, b, got[k], v)
			}
		}
	})
}
