package link_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/link"
	"ucbi-console/internal/testwait"
)

// A call that stops waiting says whose wait ended — the caller's (cancelled, its own deadline)
// or the call's timeout — from which context ended, not from the time it took.
func TestCallTimeoutSaysWhoseDeadlineEnded(t *testing.T) {
	p := newPeer(t, link.ConnOptions{})
	st := make(states, 16)
	client, err := link.NewClient(link.ClientConfig{URL: wsURL(p.ts), OnState: st.on})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if s := testwait.Recv(t, st, "up"); !s.Up {
		t.Fatalf("state %+v", s)
	}
	frame := func(echo string) ([]byte, error) { return []byte(`{"action":"x","echo":"` + echo + `"}`), nil }

	for _, tc := range []struct {
		name    string
		timeout time.Duration
		ctx     func(t *testing.T) context.Context
		sender  link.Sender // nil: the real link, whose peer never answers
		build   func(echo string) ([]byte, error)
		want    string
	}{
		{name: "our timeout", timeout: 30 * time.Millisecond, ctx: background, build: frame,
			want: "did not answer get_status within 30ms over the WebSocket"},
		{name: "our timeout, though building the frame took all of it", timeout: 30 * time.Millisecond, ctx: background,
			// Stands for a loaded machine: the timeout runs out before the frame is sent.
			sender: link.SendFunc(func(context.Context, []byte) error { return nil }),
			build: func(echo string) ([]byte, error) {
				<-time.After(60 * time.Millisecond)
				return frame(echo)
			},
			want: "did not answer get_status within 30ms over the WebSocket"},
		{name: "the link cannot take the frame", timeout: 30 * time.Millisecond, ctx: background, build: frame,
			sender: link.SendFunc(func(ctx context.Context, _ []byte) error { <-ctx.Done(); return ctx.Err() }),
			want:   "get_status could not be sent within 30ms"},
		{name: "the caller's deadline", timeout: time.Minute, build: frame,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			want: "did not answer get_status before the call's deadline"},
		{name: "the caller cancelled", timeout: time.Minute, build: frame,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				go func() { // once the frame is out
					select {
					case <-p.frames:
					case <-ctx.Done():
					}
					cancel()
				}()
				t.Cleanup(cancel)
				return ctx
			},
			want: "the call was cancelled before the backend answered get_status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := link.NewCalls(tc.timeout)
			if tc.sender != nil {
				calls.Attach(tc.sender)
			} else {
				calls.Attach(client)
			}
			_, err := calls.Call(tc.ctx(t), "get_status", tc.build)
			e := core.AsError(err)
			if e.Code != core.CodeBackendTimeout || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("error %v, want %s: %q", err, core.CodeBackendTimeout, tc.want)
			}
			for len(p.frames) > 0 { // frames of this case the peer did not answer
				<-p.frames
			}
		})
	}
}

func background(*testing.T) context.Context { return context.Background() }
