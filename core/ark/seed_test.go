package ark

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"ucbi-console/core"
)

func TestDecodeSeedRequest(t *testing.T) {
	type want struct {
		target core.ArkRequest
		echo   string // "" = absent (nil)
	}
	ok := func(target core.ArkRequest) want { return want{target: target} }
	tests := []struct {
		name, body string
		want       want
		code, msg  string // an error is expected when code != ""
	}{
		// exactly one
		{"group_id number", `{"group_id":736368697}`, ok(core.ArkRequest{GroupID: "736368697"}), "", ""},
		{"group_id string", `{"group_id":"736368697"}`, ok(core.ArkRequest{GroupID: "736368697"}), "", ""},
		{"user_id number", `{"user_id":1049509241}`, ok(core.ArkRequest{UserID: "1049509241"}), "", ""},
		{"user_id string", `{"user_id":"1049509241"}`, ok(core.ArkRequest{UserID: "1049509241"}), "", ""},
		{"phoneNumber", `{"phoneNumber":"13800138000"}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"phone_number alias", `{"phone_number":"13800138000"}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"none", `{}`, want{}, core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"},
		{"empty body", ``, want{}, core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"},
		{"blank body", " \r\n", want{}, core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"},
		{"null body", `null`, want{}, core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"},
		{"only others", `{"echo":"e","groupId":1,"USER_ID":2}`, want{echo: `"e"`}, core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"},
		{"all null", `{"group_id":null,"user_id":null,"phoneNumber":null,"phone_number":null}`, want{}, core.CodeMissingParam, "is required"},
		{"null does not count", `{"group_id":null,"user_id":5}`, ok(core.ArkRequest{UserID: "5"}), "", ""},
		{"group and user", `{"group_id":1,"user_id":2}`, want{}, core.CodeBadParam,
			"give exactly one of group_id, user_id or phoneNumber (got group_id and user_id)"},
		{"group and phone", `{"phoneNumber":"13800138000","group_id":"1"}`, want{}, core.CodeBadParam,
			"give exactly one of group_id, user_id or phoneNumber (got group_id and phoneNumber)"},
		{"user and phone alias", `{"user_id":2,"phone_number":"13800138000"}`, want{}, core.CodeBadParam,
			"give exactly one of group_id, user_id or phoneNumber (got user_id and phone_number)"},
		{"all three", `{"group_id":1,"user_id":2,"phoneNumber":"13800138000","phone_number":"13800138000"}`, want{}, core.CodeBadParam,
			"give exactly one of group_id, user_id or phoneNumber (got group_id, user_id and phoneNumber)"},
		{"rule before values", `{"group_id":{},"user_id":"x"}`, want{}, core.CodeBadParam, "(got group_id and user_id)"},
		{"empty string still present", `{"group_id":"","user_id":2}`, want{}, core.CodeBadParam, "(got group_id and user_id)"},

		// ids
		{"id spaces trimmed", `{"user_id":" 10001 "}`, ok(core.ArkRequest{UserID: "10001"}), "", ""},
		{"id leading zeros", `{"user_id":"0010001"}`, ok(core.ArkRequest{UserID: "10001"}), "", ""},
		{"largest int64", `{"group_id":9223372036854775807}`, ok(core.ArkRequest{GroupID: "9223372036854775807"}), "", ""},
		{"int64 overflow", `{"group_id":9223372036854775808}`, want{}, core.CodeBadParam, "group_id 9223372036854775808 is too large: it must fit in 64 bits"},
		{"huge number", `{"user_id":` + strings.Repeat("9", 400) + `}`, want{}, core.CodeBadParam, "user_id " + strings.Repeat("9", 40) + "… is too large"},
		{"huge string", `{"user_id":"99999999999999999999"}`, want{}, core.CodeBadParam, "is too large"},
		{"negative", `{"group_id":-5}`, want{}, core.CodeBadParam, "group_id must be a positive number, not -5"},
		{"negative string", `{"group_id":"-5"}`, want{}, core.CodeBadParam, `group_id must be a number or a string of digits, not "-5"`},
		{"zero", `{"user_id":0}`, want{}, core.CodeBadParam, "user_id must be a positive number, not 0"},
		{"zero string", `{"user_id":"000"}`, want{}, core.CodeBadParam, "user_id must be a positive number, not 0"},
		{"float", `{"user_id":1.5}`, want{}, core.CodeBadParam, "user_id must be a whole number, not 1.5"},
		{"whole float", `{"user_id":10001.0}`, want{}, core.CodeBadParam, "user_id must be a whole number, not 10001.0"},
		{"exponent", `{"group_id":1e9}`, want{}, core.CodeBadParam, "group_id must be a whole number, not 1e9"},
		{"negative float", `{"group_id":-1.5}`, want{}, core.CodeBadParam, "group_id must be a whole number, not -1.5"},
		{"float string", `{"group_id":"1.5"}`, want{}, core.CodeBadParam, `group_id must be a number or a string of digits, not "1.5"`},
		{"bool", `{"user_id":true}`, want{}, core.CodeBadParam, "user_id must be a number or a string of digits, not a boolean"},
		{"object", `{"user_id":{"id":1}}`, want{}, core.CodeBadParam, "user_id must be a number or a string of digits, not an object"},
		{"array", `{"group_id":[1]}`, want{}, core.CodeBadParam, "group_id must be a number or a string of digits, not an array"},
		{"nested object", `{"group_id":{"group_id":{"group_id":1}}}`, want{}, core.CodeBadParam, "not an object"},
		{"empty string", `{"group_id":""}`, want{}, core.CodeBadParam, "group_id must not be empty"},
		{"blank string", `{"group_id":"  "}`, want{}, core.CodeBadParam, "group_id must not be empty"},
		{"letters", `{"user_id":"abc"}`, want{}, core.CodeBadParam, `user_id must be a number or a string of digits, not "abc"`},
		{"plus sign", `{"user_id":"+123"}`, want{}, core.CodeBadParam, `not "+123"`},
		{"full-width digits", `{"user_id":"１２３"}`, want{}, core.CodeBadParam, `not "１２３"`},
		{"long junk cut short", `{"user_id":"` + strings.Repeat("x", 100) + `"}`, want{}, core.CodeBadParam, `not "` + strings.Repeat("x", 40) + `…"`},

		// phone numbers
		{"phone number type", `{"phoneNumber":13800138000}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"phone plus kept", `{"phoneNumber":"+86 138-0013-8000"}`, ok(core.ArkRequest{Phone: "+8613800138000"}), "", ""},
		{"phone spaces and dashes", `{"phoneNumber":" 138 0013 8000 "}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"phone full-width space", "{\"phoneNumber\":\"138\u30000013\u30008000\"}", ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"phone 5 digits", `{"phoneNumber":"12345"}`, ok(core.ArkRequest{Phone: "12345"}), "", ""},
		{"phone 20 digits", `{"phoneNumber":"+12345678901234567890"}`, ok(core.ArkRequest{Phone: "+12345678901234567890"}), "", ""},
		{"phone 4 digits", `{"phoneNumber":"1-2-3-4"}`, want{}, core.CodeBadParam, "phoneNumber must have 5 to 20 digits, not 4"},
		{"phone 21 digits", `{"phoneNumber":"123456789012345678901"}`, want{}, core.CodeBadParam, "phoneNumber must have 5 to 20 digits, not 21"},
		{"phone 21-digit number", `{"phone_number":123456789012345678901}`, want{}, core.CodeBadParam, "phone_number must have 5 to 20 digits, not 21"},
		{"phone inner plus", `{"phoneNumber":"86+13800138000"}`, want{}, core.CodeBadParam, `phoneNumber must be digits with an optional leading +, spaces and dashes allowed; not "86+13800138000"`},
		{"phone only plus", `{"phoneNumber":"+"}`, want{}, core.CodeBadParam, `not "+"`},
		{"phone parentheses", `{"phoneNumber":"(010) 12345678"}`, want{}, core.CodeBadParam, "phoneNumber must be digits"},
		{"phone empty", `{"phoneNumber":""}`, want{}, core.CodeBadParam, "phoneNumber must not be empty"},
		{"phone float", `{"phoneNumber":138.5}`, want{}, core.CodeBadParam, "phoneNumber must be a whole number, not 138.5"},
		{"phone negative", `{"phoneNumber":-13800138000}`, want{}, core.CodeBadParam, "phoneNumber must be a positive number"},
		{"phone bool", `{"phoneNumber":false}`, want{}, core.CodeBadParam, "phoneNumber must be a string of digits, not a boolean"},
		{"phone object", `{"phone_number":{}}`, want{}, core.CodeBadParam, "phone_number must be a string of digits, not an object"},
		{"alias agrees", `{"phoneNumber":"138 0013 8000","phone_number":13800138000}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"alias null", `{"phoneNumber":"13800138000","phone_number":null}`, ok(core.ArkRequest{Phone: "13800138000"}), "", ""},
		{"alias conflict", `{"phoneNumber":"13800138000","phone_number":"13900139000"}`, want{}, core.CodeBadParam,
			"phoneNumber and phone_number name different numbers (13800138000, 13900139000): give one of them"},
		{"alias plus differs", `{"phoneNumber":"+8613800138000","phone_number":"8613800138000"}`, want{}, core.CodeBadParam, "name different numbers"},
		{"alias invalid", `{"phoneNumber":"13800138000","phone_number":"x"}`, want{}, core.CodeBadParam, `phone_number must be digits`},

		// echo
		{"echo string", `{"user_id":1,"echo":"abc"}`, want{core.ArkRequest{UserID: "1"}, `"abc"`}, "", ""},
		{"echo number", `{"echo":123.5e2,"user_id":1}`, want{core.ArkRequest{UserID: "1"}, `123.5e2`}, "", ""},
		{"echo object as given", `{"user_id":1,"echo":{ "a" : [1, "<b>"] }}`, want{core.ArkRequest{UserID: "1"}, `{ "a" : [1, "<b>"] }`}, "", ""},
		{"echo null", `{"user_id":1,"echo":null}`, want{core.ArkRequest{UserID: "1"}, `null`}, "", ""},
		{"echo absent", `{"user_id":1}`, ok(core.ArkRequest{UserID: "1"}), "", ""},
		{"unknown keys ignored", `{"user_id":1,"action":"x","params":{}}`, ok(core.ArkRequest{UserID: "1"}), "", ""},
		{"duplicate key: last wins", `{"user_id":1,"user_id":2}`, ok(core.ArkRequest{UserID: "2"}), "", ""},

		{"echo kept on rule failure", `{"echo":{"id":9},"group_id":1,"user_id":2}`, want{echo: `{"id":9}`}, core.CodeBadParam, "(got group_id and user_id)"},
		{"echo kept on value failure", `{"echo":[1],"group_id":true}`, want{echo: `[1]`}, core.CodeBadParam, "not a boolean"},
		{"echo kept on phone failure", `{"echo":"p","phoneNumber":"1"}`, want{echo: `"p"`}, core.CodeBadParam, "5 to 20 digits"},

		// malformed bodies (no echo can be read)
		{"not JSON", `user_id=1`, want{}, core.CodeBadJSON, "the body is not valid JSON: invalid character 'u' looking for beginning of value (at byte 1)"},
		{"truncated", `{"user_id":1`, want{}, core.CodeBadJSON, "the body is not valid JSON: it ends early"},
		{"array body", `[{"user_id":1}]`, want{}, core.CodeBadJSON, "the body must be a JSON object, not an array"},
		{"string body", `"user_id"`, want{}, core.CodeBadJSON, "the body must be a JSON object, not a string"},
		{"number body", `1`, want{}, core.CodeBadJSON, "the body must be a JSON object, not a number"},
		{"two objects", `{"user_id":1}{"user_id":2}`, want{}, core.CodeBadJSON, "the body has more data after its JSON object (at byte 13)"},
		{"trailing garbage", "{\"user_id\":1}\n,", want{}, core.CodeBadJSON, "more data after its JSON object (at byte 14)"},
		{"bad UTF-8 outside strings", "{\"user_id\":1,\xff}", want{}, core.CodeBadJSON, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSeedRequest([]byte(tt.body))
			if tt.code != "" {
				var e *core.Error
				if !errors.As(err, &e) {
					t.Fatalf("DecodeSeedRequest = %+v, %v; want a *core.Error %s", got, err, tt.code)
				}
				if e.Code != tt.code {
					t.Errorf("code = %s, want %s (%v)", e.Code, tt.code, e)
				}
				if !strings.Contains(e.Message, tt.msg) {
					t.Errorf("message %q does not contain %q", e.Message, tt.msg)
				}
				if got.Target != (core.ArkRequest{}) {
					t.Errorf("a failed decode returned a target: %+v", got.Target)
				}
				if string(got.Echo) != tt.want.echo || (tt.want.echo == "" && got.Echo != nil) {
					t.Errorf("a failed decode returned Echo %s, want %q", got.Echo, tt.want.echo)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeSeedRequest: %v", err)
			}
			if got.Target != tt.want.target {
				t.Errorf("Target = %+v, want %+v", got.Target, tt.want.target)
			}
			switch {
			case tt.want.echo == "" && got.Echo != nil:
				t.Errorf("Echo = %s, want nil", got.Echo)
			case string(got.Echo) != tt.want.echo:
				t.Errorf("Echo = %s, want %s", got.Echo, tt.want.echo)
			}
		})
	}
}

func TestDecodeSeedRequestEchoIsACopy(t *testing.T) {
	body := []byte(`{"user_id":1,"echo":"abc"}`)
	got, err := DecodeSeedRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	if string(got.Echo) != `"abc"` {
		t.Errorf("Echo shares the body's memory: %s", got.Echo)
	}
}

func TestSeedReplyJSON(t *testing.T) {
	card := `{"app":"com.tencent.troopsharecard","meta":{"contact":{"jumpUrl":"http://qm.qq.com/a?b=1&c=<2>"}}}`
	tests := []struct {
		name  string
		reply SeedReply
		want  string
	}{
		{"success without echo",
			OKReply(core.ArkResult{ArkJSON: card + "\n"}, nil),
			`{"status":"ok","retcode":0,"data":{"errCode":0,"errMsg":"","arkJson":"{\"app\":\"com.tencent.troopsharecard\",\"meta\":{\"contact\":{\"jumpUrl\":\"http://qm.qq.com/a?b=1&c=<2>\"}}}"},"message":"OK","wording":"OK"}`},
		{"success with string echo",
			OKReply(core.ArkResult{ArkJSON: `{}`}, json.RawMessage(`"e-1"`)),
			`{"status":"ok","retcode":0,"data":{"errCode":0,"errMsg":"","arkJson":"{}"},"message":"OK","wording":"OK","echo":"e-1"}`},
		{"success with object echo compacted",
			OKReply(core.ArkResult{ArkJSON: "{}\r\n \t"}, json.RawMessage(`{ "n" : [1, 2.50] , "s":"<&>" }`)),
			`{"status":"ok","retcode":0,"data":{"errCode":0,"errMsg":"","arkJson":"{}"},"message":"OK","wording":"OK","echo":{"n":[1,2.50],"s":"<&>"}}`},
		{"null echo kept",
			OKReply(core.ArkResult{ArkJSON: `{}`}, json.RawMessage(`null`)),
			`{"status":"ok","retcode":0,"data":{"errCode":0,"errMsg":"","arkJson":"{}"},"message":"OK","wording":"OK","echo":null}`},
		{"card not made",
			OKReply(core.ArkResult{ErrCode: 12, ErrMsg: "群不存在"}, nil),
			`{"status":"ok","retcode":0,"data":{"errCode":12,"errMsg":"群不存在","arkJson":""},"message":"the card could not be made (errCode 12): 群不存在","wording":"the card could not be made (errCode 12): 群不存在"}`},
		{"card not made, no reason, number echo",
			OKReply(core.ArkResult{ErrCode: -1}, json.RawMessage(`7`)),
			`{"status":"ok","retcode":0,"data":{"errCode":-1,"errMsg":"","arkJson":""},"message":"the card could not be made (errCode -1)","wording":"the card could not be made (errCode -1)","echo":7}`},
		{"failure without echo",
			FailReply(RetcodeBadParams, "one of group_id, user_id or phoneNumber is required", nil),
			`{"status":"failed","retcode":100,"data":{"errCode":100,"errMsg":"one of group_id, user_id or phoneNumber is required","arkJson":""},"message":"one of group_id, user_id or phoneNumber is required","wording":"one of group_id, user_id or phoneNumber is required"}`},
		{"failure with echo",
			FailReply(RetcodeBackendDown, `backend <down> & "out"`, json.RawMessage(`["a",1]`)),
			`{"status":"failed","retcode":1503,"data":{"errCode":1503,"errMsg":"backend <down> & \"out\"","arkJson":""},"message":"backend <down> & \"out\"","wording":"backend <down> & \"out\"","echo":["a",1]}`},
		{"failure with retcode 0 made internal",
			FailReply(0, "", nil),
			`{"status":"failed","retcode":1500,"data":{"errCode":1500,"errMsg":"request failed","arkJson":""},"message":"request failed","wording":"request failed"}`},
		{"invalid echo dropped",
			FailReply(RetcodeTimeout, "timeout", json.RawMessage(`{bad`)),
			`{"status":"failed","retcode":1504,"data":{"errCode":1504,"errMsg":"timeout","arkJson":""},"message":"timeout","wording":"timeout"}`},
		{"empty echo omitted",
			FailReply(RetcodeTimeout, "timeout", json.RawMessage{}),
			`{"status":"failed","retcode":1504,"data":{"errCode":1504,"errMsg":"timeout","arkJson":""},"message":"timeout","wording":"timeout"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.reply.JSON())
			if got != tt.want {
				t.Errorf("JSON =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("JSON is not valid JSON")
			}
		})
	}
}

func TestOKReplyKeepsCard(t *testing.T) {
	raw := readSample(t, "friend-contact-lua.json") // has \/ escapes and a trailing newline
	r := OKReply(core.ArkResult{ArkJSON: raw}, nil)
	if r.Data.ArkJSON != strings.TrimRight(raw, "\n") {
		t.Fatalf("arkJson changed beyond trailing whitespace")
	}
	var back struct {
		Data struct {
			ArkJSON string `json:"arkJson"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Data.ArkJSON != r.Data.ArkJSON {
		t.Errorf("arkJson does not survive the reply byte-for-byte")
	}
	if _, err := Parse(back.Data.ArkJSON); err != nil {
		t.Errorf("the card in the reply no longer parses: %v", err)
	}
}

func TestRetcodeFor(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{core.CodeMissingParam, RetcodeBadParams},
		{core.CodeBadParam, RetcodeBadParams},
		{core.CodeBadMessage, RetcodeBadParams},
		{core.CodeUnknownSource, RetcodeBadParams},
		{core.CodeUnknownVia, RetcodeBadParams},
		{core.CodeAmbiguousSource, RetcodeBadParams},
		{core.CodeBadJSON, RetcodeBadRequest},
		{core.CodeUnauthorized, RetcodeUnauthorized},
		{core.CodeForbidden, RetcodeForbidden},
		{core.CodeUnknownAction, 1404},
		{core.CodeMethodNotAllowed, 1405},
		{core.CodeTooLarge, 1413},
		{core.CodeUnsupported, RetcodeUnsupported},
		{core.CodeRateLimited, 1429},
		{core.CodeInternal, RetcodeInternal},
		{core.CodeBackendFailed, RetcodeBackend},
		{core.CodeBackendBadReply, RetcodeBackend},
		{core.CodeBackendDown, RetcodeBackendDown},
		{core.CodeBackendTimeout, RetcodeTimeout},
		{"no_such_code", RetcodeInternal},
		{"", RetcodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := RetcodeFor(tt.code); got != tt.want {
				t.Errorf("RetcodeFor(%q) = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
	// The documented constants themselves.
	for got, want := range map[int]int{RetcodeBadParams: 100, RetcodeBadRequest: 1400, RetcodeUnauthorized: 1401,
		RetcodeForbidden: 1403, RetcodeUnsupported: 1422, RetcodeInternal: 1500, RetcodeBackend: 1502,
		RetcodeBackendDown: 1503, RetcodeTimeout: 1504} {
		if got != want {
			t.Errorf("retcode constant %d, want %d", got, want)
		}
	}
}

func TestFailFromError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		retcode int
		msg     string
	}{
		{"decode error", core.Errorf(core.CodeMissingParam, "one of group_id, user_id or phoneNumber is required"),
			RetcodeBadParams, "one of group_id, user_id or phoneNumber is required"},
		{"bad json", core.Errorf(core.CodeBadJSON, "the body is not valid JSON"), RetcodeBadRequest, "the body is not valid JSON"},
		{"unsupported", core.Errorf(core.CodeUnsupported, "go-cqhttp cannot make recommend cards"),
			RetcodeUnsupported, "go-cqhttp cannot make recommend cards"},
		{"backend failed", &core.Error{Code: core.CodeBackendFailed, Message: "NapCat refused ArkSharePeer",
			Retcode: 200, BackendText: "group_id or user_id is required"},
			RetcodeBackend, `NapCat refused ArkSharePeer (backend retcode 200, "group_id or user_id is required")`},
		{"backend text already in message", &core.Error{Code: core.CodeBackendFailed,
			Message: "backend failed: group_id or user_id is required", Retcode: 200, BackendText: "group_id or user_id is required"},
			RetcodeBackend, "backend failed: group_id or user_id is required (backend retcode 200)"},
		{"backend HTTP status", &core.Error{Code: core.CodeBackendBadReply, Message: "not OneBot", HTTPStatus: 502},
			RetcodeBackend, "not OneBot (backend HTTP 502)"},
		{"backend down", core.Errorf(core.CodeBackendDown, "cannot connect to 127.0.0.1:3000"), RetcodeBackendDown, "cannot connect to 127.0.0.1:3000"},
		{"timeout", core.Errorf(core.CodeBackendTimeout, "no answer within 10s"), RetcodeTimeout, "no answer within 10s"},
		{"wrapped", fmt.Errorf("ark: %w", core.Errorf(core.CodeForbidden, "wrong token")), RetcodeForbidden, "wrong token"},
		{"plain error", errors.New("disk full"), RetcodeInternal, "disk full"},
		{"nil", nil, RetcodeInternal, "internal error: a failure was reported without an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := FailFromError(tt.err, json.RawMessage(`"x"`))
			if r.Status != StatusFailed || r.Retcode != tt.retcode || r.Data.ErrCode != tt.retcode {
				t.Errorf("status, retcode, errCode = %s, %d, %d; want failed, %d, %d", r.Status, r.Retcode, r.Data.ErrCode, tt.retcode, tt.retcode)
			}
			if r.Message != tt.msg || r.Wording != tt.msg || r.Data.ErrMsg != tt.msg {
				t.Errorf("message, wording, errMsg = %q, %q, %q; want %q", r.Message, r.Wording, r.Data.ErrMsg, tt.msg)
			}
			if string(r.Echo) != `"x"` || r.Data.ArkJSON != "" {
				t.Errorf("echo %s, arkJson %q", r.Echo, r.Data.ArkJSON)
			}
		})
	}
}

// TestDecodeThenReply runs the codec end to end the way the endpoint will.
func TestDecodeThenReply(t *testing.T) {
	req, err := DecodeSeedRequest([]byte(`{"group_id":"1","user_id":2,"echo":{"id":9}}`))
	if err == nil {
		t.Fatalf("decode succeeded: %+v", req)
	}
	got := string(FailFromError(err, req.Echo).JSON())
	want := `{"status":"failed","retcode":100,"data":{"errCode":100,"errMsg":"give exactly one of group_id, user_id or phoneNumber (got group_id and user_id)","arkJson":""},"message":"give exactly one of group_id, user_id or phoneNumber (got group_id and user_id)","wording":"give exactly one of group_id, user_id or phoneNumber (got group_id and user_id)","echo":{"id":9}}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	req, err = DecodeSeedRequest([]byte(`{"user_id":"1049509241","echo":"q"}`))
	if err != nil {
		t.Fatal(err)
	}
	got = string(OKReply(core.ArkResult{ArkJSON: "{}\n"}, req.Echo).JSON())
	want = `{"status":"ok","retcode":0,"data":{"errCode":0,"errMsg":"","arkJson":"{}"},"message":"OK","wording":"OK","echo":"q"}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
