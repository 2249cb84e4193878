package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"ucbi-console/core"
	"ucbi-console/core/link"
)

// runReverse keeps a ws-reverse bot connected with a link.Client (capped, jittered backoff
// between attempts) until the bot is removed or the hub closes. Each attempt first learns the
// source and its self_id (Prepare); each connection is a session.
func (h *Hub) runReverse(e *botEntry) {
	var (
		src      core.Source             // the source of the attempt being made (client goroutine only)
		cur      atomic.Pointer[session] // the live connection's session
		sessions sync.WaitGroup          // sessions still finishing
		upNow    bool                    // OnState: a session is up (client goroutine only)
	)
	client, err := link.NewClient(link.ClientConfig{
		URL:        e.cfg.URL,
		Token:      e.cfg.Token,
		Header:     http.Header{"X-Client-Role": {roleUniversal}, "User-Agent": {userAgent}},
		HTTPClient: h.opts.HTTPClient,
		MinBackoff: h.opts.ReconnectMin, MaxBackoff: h.opts.ReconnectMax,
		DialTimeout: h.opts.DialTimeout,
		Prepare: func(ctx context.Context) (http.Header, error) {
			var err error
			if src, err = h.source(e.cfg.Source); err != nil {
				return nil, fmt.Errorf("the bot's message source is not available: %v", core.AsError(err).Message)
			}
			selfID, err := h.awaitSelfID(ctx, e, src)
			if err != nil {
				return nil, err
			}
			return http.Header{"X-Self-Id": {selfID}}, nil
		},
		Conn: link.ConnOptions{OnFrame: func(c *link.Conn, frame []byte) {
			if s := cur.Load(); s != nil && s.conn == c {
				s.frame(c, frame)
			}
		}},
		OnConnect: func(c *link.Conn) {
			s := h.newSession(e, src, roleUniversal, shownURL(e.cfg.URL))
			s.conn = c
			cur.Store(s)
			sessions.Add(1)
			go func() {
				defer sessions.Done()
				s.run(e.ctx)
			}()
		},
		OnState: func(st link.State) {
			switch {
			case st.Up:
				upNow = true
			case upNow:
				upNow = false // the session records why it ended
			case st.Reason != "closed":
				e.fail(errors.New(st.Reason))
			}
		},
	})
	if err != nil {
		e.fail(err)
		return
	}
	<-e.ctx.Done()
	client.Close()
	sessions.Wait()
}

// awaitSelfID is the source's self_id for X-Self-ID, which bots insist on (Koishi closes a
// connection with an unknown one). A source that does not set it is followed until its first
// event says it.
func (h *Hub) awaitSelfID(ctx context.Context, e *botEntry, src core.Source) (string, error) {
	if id := h.selfID(src); id != "" {
		return id, nil
	}
	e.fail(fmt.Errorf("waiting for an event of source %q to learn its self_id (set the source's self id to connect at once)", src.ID))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	learnt := make(chan struct{}, 1)
	ended, err := h.opts.Feed.Follow(sctx, src.ID, func(ev core.StoredEvent) bool {
		if len(ev.Raw) > 0 {
			h.learnSelfID(src.ID, ev.Raw)
			select {
			case learnt <- struct{}{}:
			default:
			}
		}
		return true
	})
	if err != nil {
		return "", fmt.Errorf("cannot follow the events of source %q: %v", src.ID, err)
	}
	for {
		if id := h.selfID(src); id != "" {
			return id, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-learnt:
		case <-ended:
			if id := h.selfID(src); id != "" {
				return id, nil
			}
			return "", fmt.Errorf("source %q has no self_id set and its events ended before one said it", src.ID)
		}
	}
}
