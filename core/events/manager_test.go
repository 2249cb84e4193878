package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"ucbi-console/core"
)

// Stopping waits for the commit in flight: an event accepted before the stop is durable and
// acknowledged once Run returns, and waiting long polls end.
func TestManagerShutdownFinishesTheCommitInFlight(t *testing.T) {
	log := NewMemLog()
	gate := make(chan struct{})
	inCommit := make(chan struct{})
	var once sync.Once
	log.Hook = func([]*core.StoredEvent) error {
		once.Do(func() { close(inCommit); <-gate })
		return nil
	}
	m, err := New(Config{Log: log, Sources: &memSources{}, Logger: quietLogger(),
		Decoders: map[string]core.EventDecoder{testVia: testDecoder}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	runCtx, stop := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- m.Run(runCtx) }()

	submitted := make(chan error, 1)
	go func() { _, err := m.Intake.Submit(ctx, src("a"), msg("a", 0)); submitted <- err }()
	<-inCommit
	stop()
	select {
	case <-runDone:
		t.Fatal("Run returned with a commit in flight")
	case <-m.Intake.stopping: // the stop has begun; the commit is still held
	}
	close(gate)
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	if err := <-submitted; err != nil || log.Len() != 1 {
		t.Fatalf("submit: %v, stored %d", err, log.Len())
	}
	// After the stop, a long poll does not hang and nothing more is accepted.
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/events?after=1&timeout=60", nil)
	m.LongPoll().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("long poll after stop: %d", rec.Code)
	}
	if _, err := m.Intake.Accept(ctx, src("a"), msg("a", 1)); err != ErrClosed {
		t.Errorf("accept after stop: %v", err)
	}
}
