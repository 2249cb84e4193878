package openwx

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// PollWait is how long Openwx holds a check_event request open when it has nothing to report.
const PollWait = 30 * time.Second

// Poller long-polls /openwx/check_event and hands every event, raw as Openwx sent it, to OnEvent
// (in order, one at a time: a slow OnEvent slows polling, which is what bounds memory). Failures
// are reported to OnError and retried after a capped, jittered backoff; a success resets it.
// Decode turns what OnEvent receives into UCBI events.
type Poller struct {
	adapter *Adapter
	client  *resty.Client
	onEvent func(raw json.RawMessage)

	// OnError, when set, hears every failed poll (a *core.Error) — for the source's status.
	OnError func(error)
	// MinBackoff and MaxBackoff bound the wait after a failure (defaults 1 s and 30 s).
	MinBackoff, MaxBackoff time.Duration
}

// NewPoller makes a poller for a source. Its client is its own (a poll holds a connection for up
// to PollWait, which must not starve the source's calls) with a timeout of PollWait plus the
// source's timeout.
func NewPoller(src core.Source, onEvent func(raw json.RawMessage)) (*Poller, error) {
	a, err := New(src)
	if err != nil {
		return nil, err
	}
	return &Poller{
		adapter:    a,
		client:     adapterkit.NewClient(src, PollWait+src.Timeout()),
		onEvent:    onEvent,
		MinBackoff: time.Second,
		MaxBackoff: 30 * time.Second,
	}, nil
}

// Run polls until ctx ends, then returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		events, err := p.Poll(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if p.OnError != nil {
				p.OnError(err)
			}
			backoff = next(backoff, p.MinBackoff, p.MaxBackoff)
			// Full jitter in [backoff/2, backoff]: pollers of several sources that failed together
			// do not come back together.
			wait := backoff/2 + rand.N(backoff/2+1)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue
		}
		backoff = 0
		for _, ev := range events {
			p.onEvent(ev)
		}
	}
}

func next(cur, lo, hi time.Duration) time.Duration {
	if lo <= 0 {
		lo = time.Second
	}
	if hi < lo {
		hi = lo
	}
	if cur < lo {
		return lo
	}
	if cur*2 > hi {
		return hi
	}
	return cur * 2
}

// Poll makes one check_event request and returns the events it brought (none when Openwx's wait
// ran out). Errors are *core.Error, as Adapter.Call's.
func (p *Poller) Poll(ctx context.Context) ([]json.RawMessage, error) {
	a := p.adapter
	const path = "/openwx/check_event"
	start := time.Now()
	resp, err := p.client.R().SetContext(ctx).Get(a.ep.URL(path))
	if err != nil {
		return nil, a.ep.TransportError(ctx, "GET "+a.ep.Shown+path, PollWait+a.src.Timeout(), err, time.Since(start))
	}
	raw, err := ParseReply("check_event", resp.StatusCode(), resp.Body())
	if err != nil {
		return nil, err
	}
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		return nil, adapterkit.BadReply("Openwx check_event", resp.StatusCode(), resp.Body())
	}
	return events, nil
}
