package endpoint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/internal/testkit"
	"ucbi-console/store"
)

// TestMounts: handlers mounted through Options get the same middleware; a method-specific
// mount on "/" takes GET while POST / stays the UCBI API, "GET /api" wins over the proxy's
// /{action} while GET /send_group_msg stays the proxy; a public mount skips auth; a mount that
// conflicts with a route is refused at New.
func TestMounts(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fake := onebottest.New(onebottest.Options{Flavor: "napcat"})
	defer fake.Close()
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Flavor: "napcat", Default: true}); err != nil {
		t.Fatal(err)
	}
	d := core.NewDispatcher(db, db, db)
	d.Register(onebot.Via, onebot.Factory)
	say := func(s string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) })
	}
	var logs testkit.LockedBuffer
	srv, err := endpoint.New(d, endpoint.Options{Token: "tok-123456", Log: &logs, Mounts: []endpoint.Mount{
		{Pattern: "GET /{$}", Handler: say("ws-root"), Origin: "onebot-ws"},
		{Pattern: "GET /api", Handler: say("ws-api"), Origin: "onebot-ws"},
		{Pattern: "POST /report/{source}", Handler: say("report"), Public: true, Origin: "report"},
		// Match: only requests marked "upgrade" take the mount; the rest reach the proxy.
		{Pattern: "GET /event", Handler: say("ws-event"), Public: true, Origin: "onebot-ws",
			Match: func(r *http.Request) bool { return r.URL.Query().Get("m") == "1" }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	do := func(method, path, body string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if auth {
			req.Header.Set("Authorization", "Bearer tok-123456")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		method, path, body string
		auth               bool
		status             int
		has                string
	}{
		{"GET", "/", "", true, 200, "ws-root"},
		{"GET", "/", "", false, 401, "unauthorized"},
		{"POST", "/", `{"action":"get_login_info"}`, true, 200, `"user_id"`},
		{"GET", "/api", "", true, 200, "ws-api"},
		{"GET", "/get_login_info", "", true, 200, `"retcode":0`},
		{"POST", "/report/napcat", "{}", false, 200, "report"},
		{"GET", "/report/napcat", "", true, 404, "no route"}, // another method: not the mount
		{"GET", "/event?m=1", "", false, 200, "ws-event"},
		{"GET", "/event", "", false, 401, "a token is required"}, // not matched: the proxy's route, its auth
		{"GET", "/event", "", true, 200, "不支持的Api event"},        // …and its answer (NapCat has no action "event")
	}
	for _, c := range cases {
		status, body := do(c.method, c.path, c.body, c.auth)
		if status != c.status || !strings.Contains(body, c.has) {
			t.Errorf("%s %s: %d %s", c.method, c.path, status, body)
		}
	}
	waitUntil(t, "a mounted door's call's log line", func() bool { return strings.Contains(logs.String(), "onebot-ws GET /api") })
	if _, err := endpoint.New(d, endpoint.Options{Mounts: []endpoint.Mount{{Pattern: "/{x}", Handler: say("x")}}}); err == nil {
		t.Error("a mount that conflicts with the proxy's route was accepted")
	}
}
