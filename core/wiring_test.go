package core

import (
	"context"
	"testing"
)

// TestValidateSourceURLOrWebSocket: a source needs an HTTP URL unless its actions can go over
// its WebSocket event link (a ws_url, or the ws-reverse link the open layer dials).
func TestValidateSourceURLOrWebSocket(t *testing.T) {
	cases := []struct {
		name string
		src  Source
		ok   bool
	}{
		{"http url", Source{ID: "a", Via: "v", URL: "http://127.0.0.1:3000"}, true},
		{"ws url only", Source{ID: "a", Via: "v", Events: LinkWS, WSURL: "ws://127.0.0.1:3001"}, true},
		{"ws-reverse only", Source{ID: "a", Via: "v", Events: LinkWSReverse}, true},
		{"http-post only", Source{ID: "a", Via: "v", Events: LinkHTTPPost}, false},
		{"nothing", Source{ID: "a", Via: "v"}, false},
	}
	for _, c := range cases {
		if err := ValidateSource(c.src); (err == nil) != c.ok {
			t.Errorf("%s: ValidateSource = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// TestLiveStateAndObserver: ^get_available_contexts takes a known link state over a probe
// (the failing adapter is never asked for the source whose link is up), an unknown one is
// probed; every history row reaches the observer.
func TestLiveStateAndObserver(t *testing.T) {
	srcs := memSources{{ID: "up", Via: "v", URL: "http://x"}, {ID: "down", Via: "v", URL: "http://x"}, {ID: "unknown", Via: "v", URL: "http://x"}}
	h := &memHistory{}
	d := NewDispatcher(srcs, h, nil)
	d.Register("v", func(s Source) (Adapter, error) {
		a := &recAdapter{src: s}
		if s.ID == "up" {
			a.fail = Errorf(CodeBackendDown, "a probe must not be made")
		}
		return a, nil
	})
	d.UseLiveState(func(id string) (bool, bool) {
		switch id {
		case "up":
			return true, true
		case "down":
			return false, true
		}
		return false, false
	})
	var seen []string
	d.ObserveHistory(func(r *HistoryRecord) { seen = append(seen, r.Action) })
	res, _, err := d.Run(context.Background(), OriginCLI, Request{Action: "^get_available_contexts"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.([]ContextInfo) {
		id, _ := Context{Extra: c.Extra}.ConfigID()
		ids = append(ids, id)
	}
	if len(ids) != 2 || ids[0] != "up" || ids[1] != "unknown" {
		t.Errorf("available = %v, want [up unknown]", ids)
	}
	if len(seen) != 1 || seen[0] != "^get_available_contexts" || len(h.rows) != 1 {
		t.Errorf("observer saw %v, history has %d rows", seen, len(h.rows))
	}
}
