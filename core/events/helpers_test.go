package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"ucbi-console/core"
)

const testVia = "test-via"

// testDecoder takes {"post_type": …, "p": producer, "n": seq}; post_type "skip" is skipped,
// "panic" panics, anything without post_type is refused.
func testDecoder(src core.Source, raw []byte) (*core.StoredEvent, error) {
	var ev struct {
		PostType string `json:"post_type"`
		Time     int64  `json:"time"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	switch ev.PostType {
	case "":
		return nil, errors.New("no post_type")
	case "skip":
		return nil, nil
	case "panic":
		panic("boom")
	}
	c := src.ContextOf()
	return &core.StoredEvent{
		Kind:  ev.PostType,
		Event: core.Event{Type: core.EventMessage, Time: ev.Time, Context: &c, Data: json.RawMessage(raw)},
	}, nil
}

type memSources struct {
	mu   sync.Mutex
	list []core.Source
}

func (m *memSources) Sources() ([]core.Source, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]core.Source(nil), m.list...), nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startIntake runs an intake over log until the test ends.
func startIntake(t *testing.T, log core.EventLog, opts IntakeOptions) *Intake {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	in, err := NewIntake(log, opts)
	if err != nil {
		t.Fatal(err)
	}
	in.RegisterDecoder(testVia, testDecoder)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = in.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-in.Done()
	})
	return in
}

func src(id string) core.Source { return core.Source{ID: id, Via: testVia} }

func msg(p string, n int) []byte {
	return fmt.Appendf(nil, `{"post_type":"message","time":1700000000,"p":%q,"n":%d}`, p, n)
}

// payload is the producer and sequence number a test event carries.
type payload struct {
	P string `json:"p"`
	N int    `json:"n"`
}

func payloadOf(t *testing.T, ev core.StoredEvent) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal(ev.Raw, &p); err != nil {
		t.Fatalf("event %d: raw %s: %v", ev.ID, ev.Raw, err)
	}
	return p
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
