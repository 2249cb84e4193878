package endpoint

import (
	"net/http"
	"testing"
)

// A backend reply is read the same way the adapter reads it: a retcode written as a string is
// still a retcode, so a success stays a success (a 502 would make the bot send again), and the
// unknown-action words of every implementation are recognised.
func TestReadReplyEnvelopeShapes(t *testing.T) {
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
			res := readReply("send_msg", 200, []byte(c.reply), nil)
			if res.status != c.status || res.code != c.code || res.messageID != c.messageID {
				t.Fatalf("got status %d code %q message id %q; want %d %q %q", res.status, res.code, res.messageID, c.status, c.code, c.messageID)
			}
		})
	}
}

func TestRedactAccessToken(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"group_id":"x","access_token":"napcat-secret"}`, `{"group_id":"x","access_token":"****"}`},
		{`{"access_token" : "a\"b", "message":"hi"}`, `{"access_token" : "****", "message":"hi"}`},
		{`group_id=1&access_token=napcat-secret&message=hi`, `group_id=1&access_token=****&message=hi`},
		{`{"access_token":"unterminated`, `{"access_token":"****`},
		{`{"message":"no token here"}`, `{"message":"no token here"}`},
	}
	for _, c := range cases {
		if got := string(redactAccessToken([]byte(c.in))); got != c.want {
			t.Errorf("redactAccessToken(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
