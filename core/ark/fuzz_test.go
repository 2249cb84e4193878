package ark

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"ucbi-console/core"
)

// addSamples seeds a fuzz corpus with the real cards (when present: the seeds below suffice).
func addSamples(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(samplesDir, "*.json"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(string(b))
		}
	}
}

func FuzzParse(f *testing.F) {
	addSamples(f)
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"meta":"x"}`, `{"meta":{"contact":[]}}`,
		`{"prompt":"推荐群聊: x","meta":{"contact":{"nickname":1,"avatar":"http://a","jumpUrl":"mqqapi://x?card_type=group&uin=1"}}}`,
		`{"config":{"ctime":"1e999","width":-1,"height":1e308}}`,
		`{"meta":{"contact":{"pcJumpUrl":"tencent://groupwpa/?uin=%zz&uin=5","contact":"账号："}}}`,
		"{\"meta\":{\"contact\":{\"nickname\":\"\x1b[2J\xff\"}}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Parse(raw)
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) || e.Code != core.CodeBadJSON {
				t.Fatalf("error %v is not a bad_json *core.Error", err)
			}
			if json.Valid([]byte(raw)) && strings.HasPrefix(strings.TrimLeft(raw, " \t\r\n"), "{") {
				t.Fatalf("Parse rejected a valid JSON object: %v", err)
			}
			return
		}
		if c.Raw != raw {
			t.Fatalf("Raw = %q, want the input %q", c.Raw, raw)
		}
		if !json.Valid([]byte(raw)) {
			t.Fatalf("Parse accepted invalid JSON %q", raw)
		}
		switch c.Kind {
		case KindFriend, KindGroup, KindGroupNameCard, KindBot, KindOther:
		default:
			t.Fatalf("Kind %q", c.Kind)
		}
		for _, u := range []string{c.AvatarURL, c.TagIcon} {
			if u != "" && !strings.HasPrefix(u, "https://") {
				t.Fatalf("image URL %q is not https", u)
			}
		}
		for _, l := range c.Links {
			if l.URL == "" || (l.Platform != PlatformMobile && l.Platform != PlatformPC) {
				t.Fatalf("bad link %+v", l)
			}
		}
		if c.UIN != "" && !core.IsDigits(c.UIN) || c.GroupCode != "" && !core.IsDigits(c.GroupCode) {
			t.Fatalf("ids %q, %q are not digits", c.UIN, c.GroupCode)
		}
		if c.Width <= 0 || c.Height <= 0 {
			t.Fatalf("size %d×%d", c.Width, c.Height)
		}
		p := c.TextPreview()
		if strings.ContainsFunc(strings.ReplaceAll(p, "\n", ""), unsafeRune) || !utf8.ValidString(p) {
			t.Fatalf("preview has control characters or invalid UTF-8: %q", p)
		}
	})
}

func FuzzDecodeSeedRequest(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"group_id":1}`, `{"user_id":"2","echo":{"a":[1]}}`,
		`{"phoneNumber":"+86 138-0013-8000","phone_number":8613800138000}`,
		`{"group_id":1.5}`, `{"group_id":-1}`, `{"user_id":99999999999999999999}`, `{"user_id":true}`,
		`{"group_id":1,"user_id":2,"phoneNumber":"12345"}`, `{"echo":null}`, `{"user_id":1}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeSeedRequest(body)
		if req.Echo != nil && !json.Valid(req.Echo) {
			t.Fatalf("Echo %q is not JSON", req.Echo)
		}
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *core.Error", err)
			}
			switch e.Code {
			case core.CodeBadJSON, core.CodeBadParam, core.CodeMissingParam:
			default:
				t.Fatalf("unexpected code %s", e.Code)
			}
			if req.Target != (core.ArkRequest{}) {
				t.Fatalf("failed decode returned target %+v", req.Target)
			}
			if out := FailFromError(err, req.Echo).JSON(); !json.Valid(out) {
				t.Fatalf("failure reply is not JSON: %s", out)
			}
			return
		}
		set := 0
		for _, v := range []string{req.Target.GroupID, req.Target.UserID, req.Target.Phone} {
			if v != "" {
				set++
			}
		}
		if set != 1 {
			t.Fatalf("%d targets set: %+v", set, req.Target)
		}
		if id := req.Target.GroupID + req.Target.UserID; id != "" && (!core.IsDigits(id) || id[0] == '0') {
			t.Fatalf("id %q is not canonical digits", id)
		}
		// core's phone rule: 5 to 20 digits
		if p := strings.TrimPrefix(req.Target.Phone, "+"); req.Target.Phone != "" &&
			(!core.IsDigits(p) || len(p) < 5 || len(p) > 20) {
			t.Fatalf("phone %q is not normalised", req.Target.Phone)
		}
		out := OKReply(core.ArkResult{ArkJSON: string(body)}, req.Echo).JSON()
		var back map[string]json.RawMessage
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("reply is not JSON: %v\n%s", err, out)
		}
		if _, ok := back["echo"]; ok != (req.Echo != nil) {
			t.Fatalf("echo present in reply = %v, in request = %v", ok, req.Echo != nil)
		}
	})
}
