package endpoint

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for every decoder of the endpoint: OneBot parameters (query, form, JSON), the
// path classifier, the backend-reply reader, the token reader and the media file check. Run one
// with e.g. go test -fuzz FuzzDecodeOneBotCall ./core/endpoint; the seeds run with the tests.

func FuzzCallerToken(f *testing.F) {
	for _, h := range []string{"Bearer t", "Token t", "t", "bearer  t ", "Token undefined", "", "Basic dXNlcg==", "Bearer"} {
		f.Add(h, "access_token=q")
		f.Add(h, "")
	}
	f.Fuzz(func(t *testing.T, header, query string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: query}}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		tok, ok := callerToken(r)
		if ok && tok == "" && strings.TrimSpace(header) == "" {
			t.Fatalf("an empty token found in %q %q", header, query)
		}
		if tok != strings.TrimSpace(tok) && strings.TrimSpace(header) != "" {
			t.Fatalf("token %q keeps its spaces", tok)
		}
		s, _ := New(nil, Options{Token: "the-token"})
		if _, err := s.authorize(r); err == nil && tok != "the-token" {
			t.Fatalf("authorized with %q", tok)
		}
	})
}

// FuzzRouting: whatever the path and root, the mux answers without panicking, never redirects
// (a path cannot reach another route by ../ or //), and a path it does not serve is a 404.
func FuzzRouting(f *testing.F) {
	for _, p := range []string{"/", "/send_msg", "/send_msg/", "/s/napcat/get_login_info", "/ArkSharePeer", "/s/x/ArkSharePeer",
		"/../", "/s/../x", "//x", "/a/b/c", "/ucbi", "/ucbi/", "/s//x", "/\x00", "/%2e%2e"} {
		f.Add(p, "/")
		f.Add(p, "/ucbi")
	}
	f.Fuzz(func(t *testing.T, p, root string) {
		s, err := New(nil, Options{Root: root, Token: "t"})
		if err != nil {
			return
		}
		u, err := url.Parse("http://127.0.0.1" + p)
		if err != nil || !strings.HasPrefix(p, "/") {
			return
		}
		r := &http.Request{Method: "POST", URL: u, Header: http.Header{}, RemoteAddr: "127.0.0.1:1"}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if w.Code >= 300 && w.Code < 400 {
			t.Fatalf("%q redirected: %d %v", p, w.Code, w.Header())
		}
		if w.Code != http.StatusNotFound && w.Code != http.StatusUnauthorized {
			t.Fatalf("%q: %d %s", p, w.Code, w.Body)
		}
	})
}
