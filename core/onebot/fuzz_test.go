package onebot_test

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

func FuzzParseEnvelope(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"status":"ok","retcode":0,"data":{"message_id":1},"message":"","wording":"","echo":null}`},
		{200, `{"data":null,"msg":"API_NOT_FOUND","retcode":404,"status":"failed","wording":"API不存在"}`},
		{200, `{"status":"failed","retcode":200,"data":null,"message":"不支持的Api x"}`},
		{403, `{"message":"token verify failed!"}`},
		{401, ``},
		{400, `Invalid JSON`},
		{500, `<html><body>oops</body></html>`},
		{200, `{"status":"ok","retcode":"1e3"}`},
		{200, `{"retcode":1.0}`},
		{200, "\xff\xfe{"},
		{404, `{"status":"async","retcode":1}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		env, err := onebot.ParseEnvelope(status, body)
		if err == nil {
			if env == nil || !env.OK() {
				t.Fatalf("no error but env = %+v", env)
			}
			return
		}
		var e *core.Error
		if !errors.As(err, &e) {
			t.Fatalf("err is %T, want *core.Error", err)
		}
		if e.Code != core.CodeBackendFailed && e.Code != core.CodeBackendBadReply {
			t.Fatalf("code = %s", e.Code)
		}
		if !utf8.ValidString(e.Message) || len(e.Message) > 1024 {
			t.Fatalf("message not valid UTF-8 or too long (%d bytes)", len(e.Message))
		}
		if env != nil && env.OK() && (status >= 200 && status <= 299) {
			t.Fatalf("a success envelope on %d gave %v", status, err)
		}
	})
}

func FuzzParseCQ(f *testing.F) {
	for _, s := range []string{
		"", "hello", "[CQ:face,id=14]", "a&amp;b&#91;c&#93;", "[CQ:share,url=http://h/?a=1&amp;b=2,title=x&#44;y]",
		"[CQ:", "[CQ:]", "[CQ:a,=v]", "[CQ:a,k]", "[CQ:a[CQ:b]", "[CQ:text,text=x]", "&amp;#91;", "[[CQ:at,qq=all]]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs := onebot.ParseCQ(s)
		for i, seg := range segs {
			if seg.Type == "" || seg.Data == nil {
				t.Fatalf("segment %d = %#v", i, seg)
			}
			if seg.Type == "text" {
				if txt, _ := seg.Data["text"].(string); txt == "" {
					t.Fatalf("segment %d is an empty text", i)
				}
				if i > 0 && segs[i-1].Type == "text" {
					t.Fatalf("segments %d and %d are adjacent texts", i-1, i)
				}
			}
		}
		// Rendering and parsing again gives the same segments.
		if again := onebot.ParseCQ(onebot.ToCQ(segs)); !reflect.DeepEqual(again, segs) {
			t.Fatalf("ParseCQ(%q) = %#v\nParseCQ(ToCQ(…)) = %#v", s, segs, again)
		}
		_ = onebot.FromOneBot(segs)
	})
}
