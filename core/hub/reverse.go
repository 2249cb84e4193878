package hub

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
)

// backoff is a capped, jittered exponential delay: each wait is a random time in (d/2, d],
// d doubling from min up to max. (core/link has the same idea for the console's own links;
// the two should become one once both are merged.)
type backoff struct {
	min, max, next time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, next: min} }

func (b *backoff) reset() { b.next = b.min }

// wait sleeps for the next delay or until ctx ends (false then).
func (b *backoff) wait(ctx context.Context) bool {
	d := b.next
	b.next = min(b.next*2, b.max)
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// runReverse keeps a ws-reverse bot connected: dial, serve the session, and after it ends or a
// dial fails, wait the backoff and dial again, until the bot is removed or the hub closes.
func (h *Hub) runReverse(e *botEntry) {
	ctx := e.ctx
	bo := newBackoff(h.opts.ReconnectMin, h.opts.ReconnectMax)
	for ctx.Err() == nil {
		if err := h.dialOnce(ctx, e, bo); err != nil && ctx.Err() == nil {
			e.fail(err)
		}
		if !bo.wait(ctx) {
			return
		}
	}
}

// dialOnce dials the bot once and serves the connection until it ends.
func (h *Hub) dialOnce(ctx context.Context, e *botEntry, bo *backoff) error {
	src, err := h.source(e.cfg.Source)
	if err != nil {
		return fmt.Errorf("the bot's message source is not available: %v", core.AsError(err).Message)
	}
	selfID, err := h.awaitSelfID(ctx, e, src)
	if err != nil {
		return err
	}
	hdr := http.Header{}
	hdr.Set("X-Self-ID", selfID)
	hdr.Set("X-Client-Role", roleUniversal)
	hdr.Set("User-Agent", userAgent)
	if e.cfg.Token != "" {
		hdr.Set("Authorization", "Bearer "+e.cfg.Token)
	}
	dctx, cancel := context.WithTimeout(ctx, h.opts.DialTimeout)
	conn, resp, err := websocket.Dial(dctx, e.cfg.URL, &websocket.DialOptions{HTTPClient: h.opts.HTTPClient, HTTPHeader: hdr})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("the bot refused the connection to %s: HTTP %d", shownURL(e.cfg.URL), resp.StatusCode)
		}
		return fmt.Errorf("cannot connect to %s: %v", shownURL(e.cfg.URL), err)
	}
	bo.reset()
	s := h.newSession(e, conn, src, roleUniversal, shownURL(e.cfg.URL))
	s.run(ctx)
	if code, reason := s.endState(); code != closeNormal && code != closeGoingAway && reason != "" {
		return errors.New(reason)
	}
	return nil
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
	sub, err := h.opts.Feed.Subscribe(sctx, src.ID)
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
		case ev, ok := <-sub:
			if !ok {
				return "", fmt.Errorf("source %q has no self_id set and its events ended before one said it", src.ID)
			}
			if len(ev.Raw) > 0 {
				h.learnSelfID(src.ID, ev.Raw)
			}
		}
	}
}
