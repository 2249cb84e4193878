package onebot_test

import (
	"errors"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

func TestParseEnvelope(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name        string
		status      int
		body        string
		code        string // "" = success
		retcode     int
		httpStatus  int
		backendText string
		msgHas      []string
		data        string
		unknown     bool
		envNil      bool
	}{
		{name: "napcat ok", status: 200,
			body: `{"status":"ok","retcode":0,"data":{"message_id":123},"message":"","wording":"","echo":null}`,
			data: `{"message_id":123}`},
		{name: "go-cqhttp ok", status: 200,
			body: `{"data":{"message_id":-2147483000},"retcode":0,"status":"ok"}`,
			data: `{"message_id":-2147483000}`},
		{name: "async queued (retcode 1)", status: 200, body: `{"status":"async","retcode":1,"data":null}`},
		{name: "retcode as numeric string", status: 200, body: `{"status":"ok","retcode":"0","data":1}`, data: "1"},
		{name: "retcode only", status: 200, body: `{"retcode":0,"data":[]}`, data: "[]"},
		{name: "napcat unknown action", status: 200,
			body: `{"status":"failed","retcode":200,"data":null,"message":"不支持的Api foo","wording":"不支持的Api foo","echo":null}`,
			code: core.CodeBackendFailed, retcode: 200, backendText: "不支持的Api foo",
			msgHas:  []string{"backend failed (retcode 200): 不支持的Api foo"},
			unknown: true},
		{name: "go-cqhttp unknown action", status: 200,
			body: `{"data":null,"msg":"API_NOT_FOUND","retcode":404,"status":"failed","wording":"API不存在"}`,
			code: core.CodeBackendFailed, retcode: 404, backendText: "API_NOT_FOUND",
			msgHas:  []string{"backend failed (retcode 404): API_NOT_FOUND"},
			unknown: true},
		{name: "napcat bad params", status: 200,
			body: `{"status":"failed","retcode":400,"data":null,"message":"user_id is required","wording":"user_id is required","echo":null}`,
			code: core.CodeBackendFailed, retcode: 400, backendText: "user_id is required"},
		{name: "napcat error inside action", status: 200,
			body: `{"status":"failed","retcode":200,"data":null,"message":"group_id or user_id is required","wording":"group_id or user_id is required","echo":null}`,
			code: core.CodeBackendFailed, retcode: 200, backendText: "group_id or user_id is required"},
		{name: "go-cqhttp failure msg before wording", status: 200,
			body: `{"data":null,"msg":"EMPTY_MSG_ERR","retcode":100,"status":"failed","wording":"消息为空"}`,
			code: core.CodeBackendFailed, retcode: 100, backendText: "EMPTY_MSG_ERR",
			msgHas: []string{"backend failed (retcode 100): EMPTY_MSG_ERR"}},
		{name: "message before msg", status: 200,
			body: `{"status":"failed","retcode":100,"message":"from message","msg":"from msg","wording":"from wording"}`,
			code: core.CodeBackendFailed, retcode: 100, backendText: "from message"},
		{name: "wording only", status: 200,
			body: `{"status":"failed","retcode":102,"message":"","wording":"没有权限"}`,
			code: core.CodeBackendFailed, retcode: 102, backendText: "没有权限"},
		{name: "status ok but retcode != 0", status: 200, body: `{"status":"ok","retcode":100,"data":null}`,
			code: core.CodeBackendFailed, retcode: 100, msgHas: []string{"retcode 100", "bad or missing parameters"}},
		{name: "status failed with retcode 0", status: 200, body: `{"status":"failed","retcode":0,"data":null}`,
			code: core.CodeBackendFailed, retcode: 0, msgHas: []string{`status "failed"`}},
		{name: "retcode 104 explained", status: 200, body: `{"status":"failed","retcode":104}`,
			code: core.CodeBackendFailed, retcode: 104, msgHas: []string{"credentials expired"}},
		{name: "negative platform retcode", status: 200, body: `{"status":"failed","retcode":-10,"message":"发送失败"}`,
			code: core.CodeBackendFailed, retcode: -10, backendText: "发送失败"},
		{name: "napcat wrong token", status: 403, body: `{"message":"token verify failed!"}`,
			code: core.CodeBackendFailed, httpStatus: 403, backendText: "token verify failed!",
			msgHas: []string{"backend rejected the access token (HTTP 403)"}},
		{name: "go-cqhttp missing token", status: 401, body: ``,
			code: core.CodeBackendFailed, httpStatus: 401, msgHas: []string{"backend rejected the access token (HTTP 401)"}, envNil: true},
		{name: "go-cqhttp wrong token", status: 403, body: ``,
			code: core.CodeBackendFailed, httpStatus: 403, msgHas: []string{"(HTTP 403)"}, envNil: true},
		{name: "napcat bad JSON", status: 400, body: `Invalid JSON`,
			code: core.CodeBackendFailed, httpStatus: 400, backendText: "Invalid JSON",
			msgHas: []string{"HTTP 400", "Invalid JSON"}, envNil: true},
		{name: "go-cqhttp bad JSON", status: 400, body: ``,
			code: core.CodeBackendFailed, httpStatus: 400, envNil: true},
		{name: "spec 404 unknown action", status: 404, body: ``,
			code: core.CodeBackendFailed, httpStatus: 404, unknown: true, envNil: true},
		{name: "failure envelope on 500", status: 500, body: `{"status":"failed","retcode":103,"msg":"内部错误"}`,
			code: core.CodeBackendFailed, httpStatus: 500, retcode: 103, backendText: "内部错误"},
		{name: "ok envelope on 503", status: 503, body: `{"status":"ok","retcode":0}`,
			code: core.CodeBackendBadReply, httpStatus: 503},
		{name: "5xx plain", status: 500, body: "Internal Server Error\n",
			code: core.CodeBackendBadReply, httpStatus: 500, msgHas: []string{"HTTP 500", "Internal Server Error"}, envNil: true},
		{name: "502 html from proxy", status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
			code: core.CodeBackendBadReply, httpStatus: 502, msgHas: []string{"HTTP 502", "HTML"}, envNil: true},
		{name: "200 html web UI", status: 200, body: "<!DOCTYPE html>\n<html><title>NapCat WebUI</title></html>",
			code: core.CodeBackendBadReply, msgHas: []string{"HTML page"}, envNil: true},
		{name: "garbage", status: 200, body: "\x00garbage {{{",
			code: core.CodeBackendBadReply, msgHas: []string{"not JSON", "garbage"}, envNil: true},
		{name: "empty", status: 200, body: "",
			code: core.CodeBackendBadReply, msgHas: []string{"empty body"}, envNil: true},
		{name: "whitespace", status: 200, body: " \n ",
			code: core.CodeBackendBadReply, msgHas: []string{"empty body"}, envNil: true},
		{name: "array", status: 200, body: `[1,2]`,
			code: core.CodeBackendBadReply, msgHas: []string{"not a OneBot envelope"}, envNil: true},
		{name: "object without status or retcode", status: 200, body: `{"foo":1}`,
			code: core.CodeBackendBadReply, msgHas: []string{"not a OneBot envelope"}},
		{name: "status of the wrong type", status: 200, body: `{"status":1,"retcode":0}`,
			code: core.CodeBackendBadReply, msgHas: []string{"status is not a string"}, envNil: true},
		{name: "retcode of the wrong type", status: 200, body: `{"status":"ok","retcode":1.5}`,
			code: core.CodeBackendBadReply, msgHas: []string{"retcode is not a whole number"}, envNil: true},
		{name: "long garbage is cut", status: 200, body: long,
			code: core.CodeBackendBadReply, msgHas: []string{"…"}, envNil: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := onebot.ParseEnvelope(tc.status, []byte(tc.body))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if env == nil || !env.OK() {
					t.Fatalf("env = %+v, want an OK envelope", env)
				}
				if tc.data != "" && string(env.Data) != tc.data {
					t.Errorf("data = %s, want %s", env.Data, tc.data)
				}
				return
			}
			var e *core.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, want *core.Error", err)
			}
			if e.Code != tc.code {
				t.Errorf("code = %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
			if e.Retcode != tc.retcode {
				t.Errorf("retcode = %d, want %d", e.Retcode, tc.retcode)
			}
			if e.HTTPStatus != tc.httpStatus {
				t.Errorf("HTTPStatus = %d, want %d", e.HTTPStatus, tc.httpStatus)
			}
			if e.BackendText != tc.backendText {
				t.Errorf("BackendText = %q, want %q", e.BackendText, tc.backendText)
			}
			for _, s := range tc.msgHas {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not contain %q", e.Message, s)
				}
			}
			if len(e.Message) > 400 {
				t.Errorf("message is %d bytes long: the snippet is not bounded", len(e.Message))
			}
			if got := onebot.IsUnknownAction(err); got != tc.unknown {
				t.Errorf("IsUnknownAction = %v, want %v", got, tc.unknown)
			}
			if tc.envNil && env != nil {
				t.Errorf("env = %+v, want nil for a reply that is not an envelope", env)
			}
			if tc.code == core.CodeBackendFailed && tc.retcode != 0 && env == nil {
				t.Errorf("a failure envelope must be returned with its error")
			}
		})
	}
}

func TestEnvelopeText(t *testing.T) {
	tests := []struct {
		env  onebot.Envelope
		want string
	}{
		{onebot.Envelope{Message: "a", Msg: "b", Wording: "c"}, "a"},
		{onebot.Envelope{Message: " ", Msg: "b", Wording: "c"}, "b"},
		{onebot.Envelope{Wording: "c"}, "c"},
		{onebot.Envelope{}, ""},
	}
	for _, tc := range tests {
		if got := tc.env.Text(); got != tc.want {
			t.Errorf("Text(%+v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestIsUnknownAction(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("不支持的Api x"), false},
		{"napcat text", &core.Error{Code: core.CodeBackendFailed, Retcode: 200, BackendText: "不支持的Api ArkSharePeer"}, true},
		{"go-cqhttp retcode", &core.Error{Code: core.CodeBackendFailed, Retcode: 404}, true},
		{"go-cqhttp text", &core.Error{Code: core.CodeBackendFailed, Retcode: 100, BackendText: "API_NOT_FOUND"}, true},
		{"http 404", &core.Error{Code: core.CodeBackendFailed, HTTPStatus: 404}, true},
		{"other failure", &core.Error{Code: core.CodeBackendFailed, Retcode: 200, BackendText: "group_id or user_id is required"}, false},
		{"not a backend failure", &core.Error{Code: core.CodeBackendBadReply, HTTPStatus: 404}, false},
	}
	for _, tc := range tests {
		if got := onebot.IsUnknownAction(tc.err); got != tc.want {
			t.Errorf("%s: IsUnknownAction = %v, want %v", tc.name, got, tc.want)
		}
	}
}
