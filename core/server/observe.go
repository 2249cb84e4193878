package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"ucbi-console/core"
	"ucbi-console/core/events"
	"ucbi-console/core/metrics"
)

// metricsConsumer is the intake subscription metrics counts stored events with.
const metricsConsumer = "metrics"

// hubConsumerPrefix names the hub's per-connection subscriptions (counted per bot instead:
// connections come and go, a label per connection would grow without bound).
const hubConsumerPrefix = "hub "

// startMetrics observes what the console already produces: every history row (the
// dispatcher's observer), every stored event and link change (a subscription: the intake
// stores message_source_up / _down on every change), and — read at scrape time — deliveries,
// refused input and consumer lag from the event path's and the hub's counters.
func (rt *Runtime) startMetrics() {
	rt.Metrics = metrics.New(rt.cfg.Sizes, rt.lags)
	rt.d.ObserveHistory(rt.Metrics.ObserveCall)
	in := rt.Events.Intake
	after := in.LastID()
	rt.background.Add(1)
	go func() {
		defer rt.background.Done()
		in.Follow(rt.ctx, metricsConsumer, events.SubscribeOptions{After: after}, func(ev core.StoredEvent) error {
			rt.Metrics.ObserveEvent(&ev)
			if up, ok := linkChange(ev); ok {
				rt.Metrics.Link(ev.Source, rt.linkName(ev.Source), up)
			}
			return nil
		})
	}()
}

// linkChange reads a stored message_source_up / _down meta event.
func linkChange(ev core.StoredEvent) (up, ok bool) {
	if ev.Event.Type != core.EventMeta {
		return false, false
	}
	var data core.MetaEventData
	if json.Unmarshal(ev.Event.Data, &data) != nil {
		return false, false
	}
	switch data.MetaEvent {
	case core.MetaSourceUp:
		return true, true
	case core.MetaSourceDown:
		return false, true
	}
	return false, false
}

// linkName is a source's event link kind, for the link label.
func (rt *Runtime) linkName(sourceID string) string {
	if sources, err := rt.cfg.Sources.Sources(); err == nil {
		for _, s := range sources {
			if s.ID == sourceID && s.Events != "" {
				return s.Events
			}
		}
	}
	return core.LinkNone
}

// lags is every standing consumer's lag (the hub's per-connection ones and metrics' own left
// out).
func (rt *Runtime) lags() map[string]uint64 {
	out := map[string]uint64{}
	for name, c := range rt.Events.Intake.Stats().Consumers {
		if name == metricsConsumer || strings.HasPrefix(name, hubConsumerPrefix) {
			continue
		}
		out[name] = c.Lag
	}
	return out
}

// metricsHandler brings the counters kept elsewhere up to date, then serves the scrape.
func (rt *Runtime) metricsHandler() http.Handler {
	var sc scrapeCounts
	h := rt.Metrics.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc.sync(rt)
		h.ServeHTTP(w, r)
	})
}

// scrapeCounts turns the event path's and the hub's running totals into counter increments.
type scrapeCounts struct {
	mu        sync.Mutex
	delivered map[string]uint64
	rejected  map[string]uint64
}

// delta is how much a running total grew since last seen (a total that went down belongs to
// a new consumer of the same name: all of it is new).
func delta(seen map[string]uint64, key string, now uint64) uint64 {
	before, ok := seen[key]
	seen[key] = now
	if !ok || now < before {
		return now
	}
	return now - before
}

func (sc *scrapeCounts) sync(rt *Runtime) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.delivered == nil {
		sc.delivered, sc.rejected = map[string]uint64{}, map[string]uint64{}
	}
	st := rt.Events.Intake.Stats()
	for name, c := range st.Consumers {
		if name == metricsConsumer || strings.HasPrefix(name, hubConsumerPrefix) {
			continue
		}
		rt.Metrics.Delivered(name, int(delta(sc.delivered, name, c.Delivered)))
	}
	for _, b := range rt.Hub.Bots() {
		name := "bot:" + b.ID
		rt.Metrics.Delivered(name, int(delta(sc.delivered, name, b.EventsSent)))
	}
	for source, s := range st.Sources {
		for reason, n := range s.DecodeFailures {
			if d := delta(sc.rejected, source+"\x00"+reason, n); d > 0 {
				for range d {
					rt.Metrics.Rejected(source, reason)
				}
			}
		}
	}
}
