// Package fakekit is what the fake open layers of the tests (onebot12test, openwxtest) share:
// the record of what they received, and the POST with which they push a report to the console.
//
// Like the fakes, it does not import "testing" and logs nothing.
package fakekit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
)

// Log records what a fake received, oldest first. It is safe for concurrent use.
type Log[T any] struct {
	mu    sync.Mutex
	items []T
}

// Add records one item.
func (l *Log[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
}

// All returns a copy of what was recorded, oldest first.
func (l *Log[T]) All() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]T(nil), l.items...)
}

// Count is how many recorded items match.
func (l *Log[T]) Count(match func(T) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, v := range l.items {
		if match(v) {
			n++
		}
	}
	return n
}

// MaxAnswer bounds the answer PostJSON reads.
const MaxAnswer = 1 << 20

// PostJSON POSTs a JSON body as an open layer pushes a report (Content-Type: application/json
// and the headers given), and returns the answer's status, headers and body (at most
// MaxAnswer bytes).
func PostJSON(ctx context.Context, url string, body []byte, header map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	return resp.StatusCode, resp.Header, answer, err
}
