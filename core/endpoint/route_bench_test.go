package endpoint_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"ucbi-console/cli"
	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/store"
)

// BenchmarkOneBotRoute is one proxied send_group_msg through the endpoint's handler (in
// process, its reply recorded), the dispatcher, the adapter (a real HTTP call to a fake NapCat)
// and the store (the row durable before the reply): the console's own allocations and CPU per
// call, without the caller's side. cmd/bench measures the whole path from outside.
func BenchmarkOneBotRoute(b *testing.B) {
	db, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fake := onebottest.New(onebottest.Options{Flavor: onebottest.NapCat, Token: liveBackendToken, KeepRequests: -1})
	defer fake.Close()
	if err := db.PutSource(core.Source{ID: "napcat", Via: onebot.Via, URL: fake.URL(), Token: liveBackendToken, Flavor: "napcat", Default: true}); err != nil {
		b.Fatal(err)
	}
	srv, err := endpoint.New(cli.NewDispatcher(db), endpoint.Options{Listen: "127.0.0.1:0", Token: liveOurToken})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n++
			req := httptest.NewRequest(http.MethodPost, "/send_group_msg", strings.NewReader(`{"group_id":20001,"message":"bench message `+strconv.Itoa(n)+` 你好"}`))
			req.Header.Set("Authorization", "Bearer "+liveOurToken)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("%d %s", w.Code, w.Body) // not Fatal: this is not the benchmark's goroutine
				return
			}
		}
	})
}
