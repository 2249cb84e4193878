package core

import "testing"

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
