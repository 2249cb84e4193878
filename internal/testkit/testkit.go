// Package testkit holds the small helpers that the tests of several packages (cli's child
// processes, the endpoint's live rigs) would otherwise each write again.
package testkit

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"ucbi-console/core"
	"ucbi-console/store"
)

// LockedBuffer is an output that writers on other goroutines (a child process's reader, an
// endpoint's handlers) and the test may use at once.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Store puts sources and bots in db, failing the test on the first that is refused.
func Store(t testing.TB, db *store.DB, sources []core.Source, bots []core.Bot) {
	t.Helper()
	for _, s := range sources {
		if err := db.PutSource(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bots {
		if err := db.PutBot(b); err != nil {
			t.Fatal(err)
		}
	}
}

// AllHistory is the store's whole history, newest first.
func AllHistory(t testing.TB, db *store.DB) []core.HistoryRecord {
	t.Helper()
	var out []core.HistoryRecord
	before := uint64(0)
	for range 10_000 {
		page, err := db.HistoryPage(before, 1000, store.HistoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		out = append(out, page...)
		before = page[len(page)-1].Seq
	}
	return out
}

// ParamString is a call parameter as the backend got it, as text: a string as it is, a number
// as written, anything else as JSON ("" for none).
func ParamString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
