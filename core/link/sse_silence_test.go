package link

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A stream configured without a silence limit still gets one (a half-open stream must not hang
// forever); only a negative Silence turns the watch off. The watch itself is proven end to end
// by TestSSEFailures/silent.
func TestSSESilenceDefaultsToAMinute(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer ts.Close()
	for _, tc := range []struct {
		set, want time.Duration
	}{
		{0, DefaultSSESilence},
		{5 * time.Second, 5 * time.Second},
		{-1, -1},
	} {
		s, err := NewSSE(SSEConfig{URL: ts.URL + "/_events", Silence: tc.set})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s.cfg.Silence != tc.want {
			t.Errorf("Silence %v → %v, want %v", tc.set, s.cfg.Silence, tc.want)
		}
	}
}
