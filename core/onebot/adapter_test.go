package onebot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

const secret = "s3cr3t-T0KEN-value"

func newAdapter(t *testing.T, src core.Source) *onebot.Adapter {
	t.Helper()
	if src.Via == "" {
		src.Via = onebot.Via
	}
	a, err := onebot.New(src)
	if err != nil {
		t.Fatalf("New(%+v): %v", src, err)
	}
	return a
}

func fake(t *testing.T, o onebottest.Options) *onebottest.Server {
	t.Helper()
	s := onebottest.New(o)
	t.Cleanup(s.Close)
	return s
}

func wantCode(t *testing.T, err error, code string) *core.Error {
	t.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %#v, want a *core.Error with code %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	return e
}

// noToken fails when the token appears in an error message.
func noToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("the token leaks into the error: %v", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		src  core.Source
		ok   bool
	}{
		{"http", core.Source{URL: "http://127.0.0.1:3000"}, true},
		{"https with prefix and slash", core.Source{URL: "https://bot.example.com/onebot/"}, true},
		{"upper-case scheme", core.Source{URL: "HTTP://h:1"}, true},
		{"each flavor", core.Source{URL: "http://h", Flavor: "go-cqhttp"}, true},
		{"flavor case", core.Source{URL: "http://h", Flavor: " NapCat "}, true},
		{"generic", core.Source{URL: "http://h", Flavor: "generic"}, true},
		{"no via is fine", core.Source{URL: "http://h", Via: ""}, true},
		{"empty url", core.Source{URL: ""}, false},
		{"no scheme", core.Source{URL: "127.0.0.1:3000"}, false},
		{"ws scheme", core.Source{URL: "ws://127.0.0.1:3001"}, false},
		{"no host", core.Source{URL: "http:///onebot"}, false},
		{"port only", core.Source{URL: "http://:3000"}, false},
		{"bad url", core.Source{URL: "http://h:port"}, false},
		{"unknown flavor", core.Source{URL: "http://h", Flavor: "mirai"}, false},
		{"other via", core.Source{URL: "http://h", Via: "mojo-weixin-openwx"}, false},
		{"token with a newline", core.Source{URL: "http://h", Token: secret + "\r\nX-Injected: 1"}, false},
		{"token with a space", core.Source{URL: "http://h", Token: "a b"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.src.Token == "" {
				tc.src.Token = secret
			}
			a, err := onebot.New(tc.src)
			if tc.ok {
				if err != nil || a == nil {
					t.Fatalf("New: %v", err)
				}
				if a.Source() != tc.src {
					t.Errorf("Source() = %+v, want %+v", a.Source(), tc.src)
				}
				return
			}
			wantCode(t, err, core.CodeBadParam)
			noToken(t, err)
		})
	}
	t.Run("Factory", func(t *testing.T) {
		ad, err := onebot.Factory(core.Source{URL: "http://h"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ad.(core.ArkSharer); !ok {
			t.Error("the adapter does not implement core.ArkSharer")
		}
		if ad, err := onebot.Factory(core.Source{URL: "ftp://h"}); err == nil || ad != nil {
			t.Errorf("Factory(bad) = %v, %v; want a nil adapter and an error", ad, err)
		}
	})
}

func TestGetLoginInfo(t *testing.T) {
	for _, flavor := range []string{"napcat", "go-cqhttp", "lagrange", "llonebot"} {
		t.Run(flavor, func(t *testing.T) {
			s := fake(t, onebottest.Options{Flavor: flavor, SelfID: 3889000000, Nickname: "小助手"})
			a := newAdapter(t, core.Source{URL: s.URL(), Flavor: flavor})
			got, err := a.GetLoginInfo(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := core.LoginInfo{UserID: "3889000000", UserTID: "3889000000", UserName: "小助手"}
			if got != want {
				t.Errorf("GetLoginInfo = %+v, want %+v", got, want)
			}
		})
	}
}

func TestSend(t *testing.T) {
	m := core.Message{{Type: "text", Text: "你好"}, {Type: "*face", Data: map[string]any{"id": "14"}}}
	for _, flavor := range []string{"napcat", "go-cqhttp", "lagrange", "llonebot"} {
		t.Run(flavor, func(t *testing.T) {
			s := fake(t, onebottest.Options{Flavor: flavor})
			a := newAdapter(t, core.Source{URL: s.URL(), Flavor: flavor})
			r1, err := a.Send(context.Background(), core.Target{Type: "private", ID: "10002"}, m)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := a.Send(context.Background(), core.Target{Type: "group", ID: "20001"}, m)
			if err != nil {
				t.Fatal(err)
			}
			if r1.MessageID == "" || r2.MessageID == "" || r1.MessageID == r2.MessageID {
				t.Errorf("message ids %q, %q: want two different non-empty ids", r1.MessageID, r2.MessageID)
			}
			reqs := s.Requests()
			if len(reqs) != 2 || reqs[0].Action != "send_private_msg" || reqs[1].Action != "send_group_msg" {
				t.Fatalf("requests = %+v", reqs)
			}
			if got := reqs[0].Params["user_id"]; got != json.Number("10002") {
				t.Errorf("user_id = %#v, want the number 10002", got)
			}
			if got := reqs[1].Params["group_id"]; got != json.Number("20001") {
				t.Errorf("group_id = %#v, want the number 20001", got)
			}
			if got := jsonOf(t, reqs[0].Params["message"]); got != `[{"data":{"text":"你好"},"type":"text"},{"data":{"id":"14"},"type":"face"}]` {
				t.Errorf("message = %s", got)
			}
			if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	t.Run("napcat bad params", func(t *testing.T) {
		s := fake(t, onebottest.Options{Flavor: "napcat"})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.Call(context.Background(), "send_private_msg", map[string]any{"user_id": "not-a-number", "message": "x"})
		e := wantCode(t, err, core.CodeBackendFailed)
		if e.Retcode != 400 || !strings.HasPrefix(e.Message, "backend failed (retcode 400): ") || e.BackendText == "" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("go-cqhttp bad params", func(t *testing.T) {
		s := fake(t, onebottest.Options{Flavor: "go-cqhttp"})
		a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "go-cqhttp"})
		_, err := a.Call(context.Background(), "send_group_msg", map[string]any{"group_id": "x", "message": "x"})
		e := wantCode(t, err, core.CodeBackendFailed)
		if e.Retcode != 100 || e.BackendText == "" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("an id that is not a QQ number makes no call", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.Send(context.Background(), core.Target{Type: "group", ID: "99999999999999999999"}, core.Message{{Type: "text", Text: "x"}})
		wantCode(t, err, core.CodeBadParam)
		if n := s.Count(""); n != 0 {
			t.Errorf("the backend was called %d times", n)
		}
	})
	t.Run("discuss makes no call", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.Send(context.Background(), core.Target{Type: "discuss", ID: "1"}, core.Message{{Type: "text", Text: "x"}})
		e := wantCode(t, err, core.CodeUnsupported)
		if e.Message != "discussion groups are not supported by OneBot 11" {
			t.Errorf("message = %q", e.Message)
		}
		if n := s.Count(""); n != 0 {
			t.Errorf("the backend got %d calls, want 0", n)
		}
	})
	t.Run("bad message makes no call", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		_, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "image", Data: map[string]any{"path": "rel/a.png"}}})
		wantCode(t, err, core.CodeBadMessage)
		if n := s.Count(""); n != 0 {
			t.Errorf("the backend got %d calls, want 0", n)
		}
	})
}

func TestMessageIDAsString(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"number", `{"message_id":-2147480000}`, "-2147480000"},
		{"big number", `{"message_id":7309582039482093483}`, "7309582039482093483"},
		{"string", `{"message_id":"abc-123"}`, "abc-123"},
		{"none", `null`, ""},
		{"empty object", `{}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"status":"ok","retcode":0,"data":`+tc.data+`}`)
			}))
			defer srv.Close()
			a := newAdapter(t, core.Source{URL: srv.URL})
			got, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "text", Text: "x"}})
			if err != nil {
				t.Fatal(err)
			}
			if got.MessageID != tc.want {
				t.Errorf("MessageID = %q, want %q", got.MessageID, tc.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	t.Run("sent as Bearer", func(t *testing.T) {
		s := fake(t, onebottest.Options{Token: secret})
		a := newAdapter(t, core.Source{URL: s.URL(), Token: secret})
		if _, err := a.GetLoginInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.Requests()[0].Header.Get("Authorization"); got != "Bearer "+secret {
			t.Errorf("Authorization = %q, want Bearer <token>", got)
		}
	})
	t.Run("none when unset", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		if _, err := a.GetLoginInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.Requests()[0].Header.Get("Authorization"); got != "" {
			t.Errorf("Authorization = %q, want none", got)
		}
	})
	tests := []struct {
		flavor, token string
		status        int
	}{
		{"napcat", "", 403},
		{"napcat", "wrong-" + secret, 403},
		{"llonebot", "wrong", 403},
		{"go-cqhttp", "", 401},
		{"go-cqhttp", "wrong-" + secret, 403},
		{"lagrange", "", 401},
	}
	for _, tc := range tests {
		t.Run("rejected by "+tc.flavor+" token="+tc.token, func(t *testing.T) {
			s := fake(t, onebottest.Options{Flavor: tc.flavor, Token: secret})
			a := newAdapter(t, core.Source{URL: s.URL(), Flavor: tc.flavor, Token: tc.token})
			_, err := a.GetLoginInfo(context.Background())
			e := wantCode(t, err, core.CodeBackendFailed)
			if e.HTTPStatus != tc.status || !strings.Contains(e.Message, "backend rejected the access token") {
				t.Errorf("error = %+v", e)
			}
			noToken(t, err)
		})
	}
}

func TestPathPrefixKept(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		io.WriteString(w, `{"status":"ok","retcode":0,"data":{"user_id":1,"nickname":"n","message_id":1}}`)
	}))
	defer srv.Close()
	tests := []struct{ base, want string }{
		{srv.URL, "/get_login_info"},
		{srv.URL + "/", "/get_login_info"},
		{srv.URL + "/onebot", "/onebot/get_login_info"},
		{srv.URL + "/bots/qq1/", "/bots/qq1/get_login_info"},
		{srv.URL + "/onebot?access_token=q", "/onebot/get_login_info?access_token=q"},
	}
	for _, tc := range tests {
		a := newAdapter(t, core.Source{URL: tc.base})
		if _, err := a.GetLoginInfo(context.Background()); err != nil {
			t.Fatalf("%s: %v", tc.base, err)
		}
		mu.Lock()
		got := paths[len(paths)-1]
		mu.Unlock()
		if got != tc.want {
			t.Errorf("source %s: request went to %s, want %s", tc.base, got, tc.want)
		}
	}
	t.Run("fake serves under a prefix", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL() + "/onebot/"})
		if _, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "text", Text: "x"}}); err != nil {
			t.Fatal(err)
		}
		if s.Count("send_private_msg") != 1 {
			t.Errorf("Count = %d", s.Count("send_private_msg"))
		}
	})
}

func TestTimeout(t *testing.T) {
	t.Run("source timeout", func(t *testing.T) {
		s := fake(t, onebottest.Options{Delay: 3 * time.Second})
		a := newAdapter(t, core.Source{URL: s.URL(), TimeoutMS: 200, Token: secret})
		start := time.Now()
		_, err := a.Send(context.Background(), core.Target{Type: "group", ID: "20001"}, core.Message{{Type: "text", Text: "x"}})
		took := time.Since(start)
		e := wantCode(t, err, core.CodeBackendTimeout)
		if took < 150*time.Millisecond || took > 1500*time.Millisecond {
			t.Errorf("the call took %s with a 200ms timeout", took)
		}
		if !strings.Contains(e.Message, "200ms") {
			t.Errorf("message %q does not say the timeout", e.Message)
		}
		noToken(t, err)
		if n := s.Count("send_group_msg"); n != 1 {
			t.Errorf("the backend got the send %d times, want exactly 1 (no retry)", n)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		s := fake(t, onebottest.Options{Delay: 3 * time.Second})
		a := newAdapter(t, core.Source{URL: s.URL()}) // default 10s
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := a.GetLoginInfo(ctx)
		wantCode(t, err, core.CodeBackendTimeout)
		if took := time.Since(start); took > 1500*time.Millisecond {
			t.Errorf("the call took %s with a 150ms deadline", took)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s := fake(t, onebottest.Options{Delay: 3 * time.Second})
		a := newAdapter(t, core.Source{URL: s.URL()})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := a.GetLoginInfo(ctx)
		wantCode(t, err, core.CodeBackendTimeout)
	})
}

func TestDown(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		s := fake(t, onebottest.Options{Mode: onebottest.ModeDown})
		a := newAdapter(t, core.Source{URL: s.URL() + "/onebot", Token: secret})
		_, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "text", Text: "x"}})
		e := wantCode(t, err, core.CodeBackendDown)
		if !strings.Contains(e.Message, "/onebot/send_private_msg") {
			t.Errorf("message %q does not say where", e.Message)
		}
		noToken(t, err)
	})
	t.Run("nothing listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		a := newAdapter(t, core.Source{URL: "http://" + addr})
		_, err = a.GetLoginInfo(context.Background())
		wantCode(t, err, core.CodeBackendDown)
	})
	t.Run("down then up at runtime", func(t *testing.T) {
		s := fake(t, onebottest.Options{})
		a := newAdapter(t, core.Source{URL: s.URL()})
		ctx := context.Background()
		if _, err := a.GetLoginInfo(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMode(onebottest.ModeDown); err != nil {
			t.Fatal(err)
		}
		_, err := a.GetLoginInfo(ctx) // the pooled keep-alive connection must not get through
		wantCode(t, err, core.CodeBackendDown)
		if err := s.SetMode(onebottest.ModeNormal); err != nil {
			t.Fatal(err)
		}
		if _, err := a.GetLoginInfo(ctx); err != nil {
			t.Fatalf("after coming back up: %v", err)
		}
	})
}

func TestBadReplies(t *testing.T) {
	tests := []struct {
		mode   string
		status int // core.Error.HTTPStatus: 0 for 200
		has    string
	}{
		{onebottest.ModeGarbage, 0, "not JSON"},
		{onebottest.Mode5xx, 500, "HTTP 500"},
		{onebottest.ModeHTML, 0, "HTML"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			s := fake(t, onebottest.Options{Mode: tc.mode})
			a := newAdapter(t, core.Source{URL: s.URL()})
			_, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "text", Text: "x"}})
			e := wantCode(t, err, core.CodeBackendBadReply)
			if e.HTTPStatus != tc.status || !strings.Contains(e.Message, tc.has) {
				t.Errorf("error = %+v", e)
			}
			if n := s.Count("send_private_msg"); n != 1 {
				t.Errorf("the backend got the send %d times, want exactly 1 (no retry)", n)
			}
		})
	}
	t.Run("redirect is not followed", func(t *testing.T) {
		var hits int
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits++
			mu.Unlock()
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}))
		defer srv.Close()
		a := newAdapter(t, core.Source{URL: srv.URL})
		_, err := a.Send(context.Background(), core.Target{Type: "private", ID: "1"}, core.Message{{Type: "text", Text: "x"}})
		e := wantCode(t, err, core.CodeBackendBadReply)
		if e.HTTPStatus != http.StatusFound || hits != 1 {
			t.Errorf("error = %+v, hits = %d", e, hits)
		}
	})
}

func TestCall(t *testing.T) {
	s := fake(t, onebottest.Options{Flavor: "go-cqhttp"})
	a := newAdapter(t, core.Source{URL: s.URL(), Flavor: "go-cqhttp"})
	ctx := context.Background()

	env, err := a.Call(ctx, "get_group_list", nil)
	if err != nil || !env.OK() || !strings.Contains(string(env.Data), "测试群") {
		t.Fatalf("Call = %+v, %v", env, err)
	}
	if got := s.Requests()[0].Params; len(got) != 0 {
		t.Errorf("nil params sent as %v, want {}", got)
	}

	env, err = a.Call(ctx, "no_such_action", map[string]any{"x": 1})
	if !onebot.IsUnknownAction(err) {
		t.Errorf("unknown action: err = %v", err)
	}
	if env == nil || env.Retcode != 404 || env.Msg != "API_NOT_FOUND" {
		t.Errorf("the failure envelope is not returned: %+v", env)
	}

	_, err = a.Call(ctx, "../admin", nil)
	wantCode(t, err, core.CodeUnknownAction)
	_, err = a.Call(ctx, "x", map[string]any{"f": func() {}})
	wantCode(t, err, core.CodeBadParam)
	if n := s.Count(""); n != 2 {
		t.Errorf("the backend got %d calls, want 2 (bad names and params are not sent)", n)
	}
}

func TestUnknownActionAgainstFakes(t *testing.T) {
	for _, flavor := range []string{"napcat", "go-cqhttp", "lagrange", "llonebot"} {
		s := fake(t, onebottest.Options{Flavor: flavor})
		a := newAdapter(t, core.Source{URL: s.URL(), Flavor: flavor})
		_, err := a.Call(context.Background(), "get_nothing", nil)
		if !onebot.IsUnknownAction(err) {
			t.Errorf("%s: IsUnknownAction(%v) = false", flavor, err)
		}
	}
}

func TestExtension(t *testing.T) {
	s := fake(t, onebottest.Options{})
	a := newAdapter(t, core.Source{URL: s.URL()})
	ctx := context.Background()
	data, err := a.Extension(ctx, "get_group_member_list", map[string]json.RawMessage{"group_id": json.RawMessage(`"20001"`)})
	if err != nil {
		t.Fatal(err)
	}
	var members []map[string]any
	if err := json.Unmarshal(data, &members); err != nil || len(members) == 0 {
		t.Fatalf("data = %s (%v)", data, err)
	}
	if got := s.Requests()[0].Params["group_id"]; got != "20001" {
		t.Errorf("group_id sent as %#v, want the string as given", got)
	}
	data, err = a.Extension(ctx, "get_status", nil)
	if err != nil || !strings.Contains(string(data), `"online":true`) {
		t.Errorf("get_status = %s, %v", data, err)
	}
	_, err = a.Extension(ctx, "get_group_member_list", nil)
	e := wantCode(t, err, core.CodeBackendFailed)
	if e.Retcode != 400 {
		t.Errorf("missing group_id: %+v", e)
	}
}

func TestForward(t *testing.T) {
	t.Run("passes status and body through", func(t *testing.T) {
		tests := []struct {
			name, flavor, token, action, body string
			status                            int
			reply                             string
		}{
			{"ok", "napcat", "", "get_login_info", `{}`, 200, `"user_id":10001`},
			{"empty body is {}", "napcat", "", "get_status", ``, 200, `"online":true`},
			{"unknown action", "napcat", "", "nope", `{}`, 200, `不支持的Api nope`},
			{"bad json", "napcat", "", "send_msg", `{bad`, 400, `Invalid JSON`},
			{"token rejected", "napcat", "x", "get_status", `{}`, 403, `{"message":"token verify failed!"}`},
			{"go-cqhttp no token", "go-cqhttp", "", "get_status", `{}`, 401, ``},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				o := onebottest.Options{Flavor: tc.flavor}
				if tc.token != "" || tc.status == 401 {
					o.Token = "server-token"
				}
				s := fake(t, o)
				a := newAdapter(t, core.Source{URL: s.URL(), Flavor: tc.flavor, Token: tc.token})
				status, reply, err := a.Forward(context.Background(), tc.action, []byte(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				if status != tc.status || !strings.Contains(string(reply), tc.reply) {
					t.Errorf("Forward = %d %s, want %d containing %s", status, reply, tc.status, tc.reply)
				}
			})
		}
	})
	t.Run("body verbatim", func(t *testing.T) {
		var got []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(418)
			io.WriteString(w, "  odd reply\n")
		}))
		defer srv.Close()
		a := newAdapter(t, core.Source{URL: srv.URL})
		body := `{"group_id": 9223372036854775807, "message":"[CQ:face,id=1]" }`
		status, reply, err := a.Forward(context.Background(), "send_group_msg", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Errorf("backend got %q, want %q", got, body)
		}
		if status != 418 || string(reply) != "  odd reply\n" {
			t.Errorf("Forward = %d %q", status, reply)
		}
	})
	t.Run("transport errors", func(t *testing.T) {
		s := fake(t, onebottest.Options{Delay: 2 * time.Second})
		a := newAdapter(t, core.Source{URL: s.URL(), TimeoutMS: 100})
		_, _, err := a.Forward(context.Background(), "send_msg", []byte(`{}`))
		wantCode(t, err, core.CodeBackendTimeout)
		if n := s.Count("send_msg"); n != 1 {
			t.Errorf("Count = %d, want 1", n)
		}
		s.SetMode(onebottest.ModeDown)
		_, _, err = a.Forward(context.Background(), "send_msg", []byte(`{}`))
		wantCode(t, err, core.CodeBackendDown)
	})
}

func TestConcurrentSends(t *testing.T) {
	s := fake(t, onebottest.Options{KeepRequests: -1})
	a := newAdapter(t, core.Source{URL: s.URL()})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.Send(context.Background(), core.Target{Type: "group", ID: "20001"}, core.Message{{Type: "text", Text: "x"}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count("send_group_msg"); n != 50 {
		t.Errorf("Count = %d, want 50", n)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("KeepRequests -1 kept %d requests", n)
	}
}

func BenchmarkSend(b *testing.B) {
	s := onebottest.New(onebottest.Options{KeepRequests: -1})
	defer s.Close()
	a, err := onebot.New(core.Source{URL: s.URL(), Flavor: "napcat"})
	if err != nil {
		b.Fatal(err)
	}
	m := core.Message{{Type: "text", Text: "你好"}, {Type: "*face", Data: map[string]any{"id": "14"}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Send(ctx, core.Target{Type: "group", ID: "20001"}, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
