package onebot

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

// Fuzz targets for every decoder of the proxy's path: a bot's parameters (query, form, JSON),
// the backend-reply reader, the media file check and the field scanner. Run one with e.g.
// go test -fuzz FuzzHTTPParams ./core/onebot; the seeds run with the tests.

func FuzzHTTPParams(f *testing.F) {
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
		params, echo, err := HTTPParams(rawQuery, contentType, body)
		var target string
		if err == nil {
			target, _, err = CheckParams(params)
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
		if !json.Valid(params) || params[0] != '{' {
			t.Fatalf("forwarded body is not a JSON object: %q", params)
		}
		var fields map[string]json.RawMessage
		if e := json.Unmarshal(params, &fields); e != nil {
			t.Fatalf("forwarded body does not decode: %v", e)
		}
		if _, ok := fields["access_token"]; ok {
			t.Fatalf("access_token forwarded: %s", params)
		}
		if echo != nil && !json.Valid(echo) {
			t.Fatalf("echo is not JSON: %q", echo)
		}
		trimmed := bytes.TrimSpace(body)
		if q, _ := url.ParseQuery(rawQuery); len(trimmed) > 0 && trimmed[0] == '{' && len(q) == 0 && !bytes.Contains(body, []byte("access_token")) {
			if !bytes.Equal(params, trimmed) {
				t.Fatalf("a plain JSON body must be forwarded byte for byte:\n%q\n%q", trimmed, params)
			}
		}
		if target != "" && !strings.HasPrefix(target, "group:") && !strings.HasPrefix(target, "private:") {
			t.Fatalf("target %q", target)
		}
	})
}

func FuzzReadForwarded(f *testing.F) {
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
		res := ReadForwarded("fuzz_action", status, reply, echo)
		var env map[string]json.RawMessage
		if err := json.Unmarshal(res.Body, &env); err != nil {
			t.Fatalf("answer is not JSON: %q", res.Body)
		}
		for _, k := range []string{"status", "retcode", "data", "message", "wording", "echo"} {
			if _, ok := env[k]; !ok {
				t.Fatalf("answer without %s: %s", k, res.Body)
			}
		}
		if res.Err == nil && res.Status >= 400 && status < 400 {
			t.Fatalf("a success with an error status: %d %s", res.Status, res.Body)
		}
		if res.Err != nil && res.Err.Message == "" {
			t.Fatalf("a failure without a text: %s", res.Body)
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

// A backend reply is read the same way the adapter reads it: a retcode written as a string is
// still a retcode, so a success stays a success (a 502 would make the bot send again), and the
// unknown-action words of every implementation are recognised.
func TestReadForwardedEnvelopeShapes(t *testing.T) {
	cases := []struct {
		name, reply string
		status      int
		code        string
		messageID   string
	}{
		{"numeric retcode", `{"status":"ok","retcode":0,"data":{"message_id":5},"message":"","wording":"","echo":null}`, 200, "", "5"},
		{"quoted retcode", `{"status":"ok","retcode":"0","data":{"message_id":5},"message":"","wording":"","echo":null}`, 200, "", "5"},
		{"quoted failure", `{"status":"failed","retcode":"100","data":null,"message":"bad","wording":"bad"}`, 200, "backend_failed", ""},
		{"napcat unknown", `{"status":"failed","retcode":200,"data":null,"message":"不支持的Api nope","wording":""}`, 200, "unknown_action", ""},
		{"lower-case api not found", `{"status":"failed","retcode":1,"data":null,"message":"api not found","wording":""}`, 200, "unknown_action", ""},
		{"garbage", `<html>`, http.StatusBadGateway, "backend_bad_reply", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := ReadForwarded("send_msg", 200, []byte(c.reply), nil)
			code := ""
			if res.Err != nil {
				code = res.Err.Code
			}
			if res.Status != c.status || code != c.code || res.MessageID != c.messageID {
				t.Fatalf("got status %d code %q message id %q; want %d %q %q", res.Status, code, res.MessageID, c.status, c.code, c.messageID)
			}
		})
	}
}
