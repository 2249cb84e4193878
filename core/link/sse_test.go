package link_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ucbi-console/core/link"
	"ucbi-console/internal/testwait"
)

func TestSSEReceivesResumesAndRedials(t *testing.T) {
	type hit struct{ auth, lastID, query string }
	hits := make(chan hit, 16)
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- hit{r.Header.Get("Authorization"), r.Header.Get("Last-Event-ID"), r.URL.Query().Get("access_token")}
		n++
		w.Header().Set("Content-Type", "text/event-stream")
		if n == 1 {
			// Two events (one on two data lines, CRLF endings), a keep-alive comment, then the
			// server ends the stream.
			fmt.Fprint(w, ": hello\n\nid: 7\ndata: {\"a\":1}\n\ndata: {\"b\":\r\ndata: 2}\r\nid: 8\r\n\r\n")
			return
		}
		fmt.Fprint(w, "data: {\"c\":3}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer ts.Close()
	events := make(chan string, 16)
	st := make(states, 16)
	s, err := link.NewSSE(link.SSEConfig{URL: ts.URL + "/_events", Token: token, TokenQuery: true,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		OnEvent: func(b []byte) { events <- string(b) }, OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, want := range []string{`{"a":1}`, "{\"b\":\n2}", `{"c":3}`} {
		if got := testwait.Recv(t, events, want); got != want {
			t.Errorf("event = %q, want %q", got, want)
		}
	}
	h1, h2 := testwait.Recv(t, hits, "first GET"), testwait.Recv(t, hits, "second GET")
	if h1.auth != "Bearer "+token || h1.query != token || h1.lastID != "" {
		t.Errorf("first GET = %+v", h1)
	}
	if h2.lastID != "8" {
		t.Errorf("the redial did not resume: Last-Event-ID = %q, want 8", h2.lastID)
	}
	var sawEnd bool
	for !sawEnd {
		s := testwait.Recv(t, st, "states")
		sawEnd = !s.Up && strings.Contains(s.Reason, "ended the stream")
	}
}

func TestSSEFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		silence time.Duration
		want    string
	}{
		{"refused token", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, 0, "refused the token (HTTP 403)"},
		{"not a stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>")
		}, 0, `"text/html", not text/event-stream`},
		{"silent", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, 50 * time.Millisecond, "silent"},
		{"event too big", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: "+strings.Repeat("x", 2000)+"\n\n")
		}, 0, "larger than 1000 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			st := make(states, 16)
			s, err := link.NewSSE(link.SSEConfig{URL: ts.URL + "/_events?access_token=" + token, Token: token,
				MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Silence: tc.silence, MaxEvent: 1000, OnState: st.on})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for {
				got := testwait.Recv(t, st, "down")
				if strings.Contains(got.Reason, token) {
					t.Fatalf("the reason shows the token: %q", got.Reason)
				}
				if !got.Up {
					if !strings.Contains(got.Reason, tc.want) {
						t.Fatalf("reason = %q, want %q", got.Reason, tc.want)
					}
					return
				}
			}
		})
	}
}
