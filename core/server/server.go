// Package server makes the console one running program: it wires the dispatcher, the event
// path (core/events), every message source's event link (core/link, the adapters' own links),
// the bot hub (core/hub) and /metrics together, for both front doors — `ucbi-console serve`
// and the desktop app call the same Start.
//
//	open layers ──links──▶ events.Intake ──▶ event log ──▶ /events, /events/stream, POST URLs
//	                           │                          └─▶ hub ──▶ bots (ws, ws-reverse, http-post)
//	bots, apps ──endpoint──▶ dispatcher ──adapters (HTTP, or the source's WebSocket)──▶ open layers
//
// Nothing here imports Fyne or the store: the store's parts come in as core's interfaces
// (SourceStore, EventLog) and BotStore.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/events"
	"ucbi-console/core/hub"
	"ucbi-console/core/metrics"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// BotStore lists the configured bots (the store's Bots).
type BotStore interface {
	Bots() ([]core.Bot, error)
}

// Config is what the running console is made of.
type Config struct {
	// Dispatcher runs every call; Start registers the three adapters on it, able to use the
	// sources' WebSocket links for actions.
	Dispatcher *core.Dispatcher
	Sources    core.SourceStore
	Events     core.EventLog
	// Bots, when set, are served by the hub (ReloadBots after a change).
	Bots BotStore

	// PostURLs get every event, one POST each, in order, signed with PostSecret.
	PostURLs   []string
	PostSecret string

	// Metrics mounts GET /metrics (behind the endpoint's token); Sizes feeds its store sizes.
	Metrics bool
	Sizes   metrics.Sizes

	Logger *slog.Logger // nil = slog.Default()

	// Watch is how often the stored sources and bots are compared with the running ones, so
	// that an edit (in the app, say) takes effect without a restart: 0 = every 2 s, negative =
	// never (call ReloadSources and ReloadBots instead).
	Watch time.Duration

	// MinBackoff and MaxBackoff bound the redials of every link the console dials (sources'
	// ws and sse links, ws-reverse bots, POST retries): 1 s → 30 s when zero.
	MinBackoff, MaxBackoff time.Duration
}

// Runtime is the running console. Build it with Start; Close stops it.
type Runtime struct {
	// Events is the event path: Events.Intake.Subscribe for the UI's live views, Stats,
	// Live for a source's link state.
	Events *events.Manager
	// Hub serves the bots: Bots() for their state, Disconnect.
	Hub *hub.Hub
	// Metrics is nil unless Config.Metrics.
	Metrics *metrics.Metrics

	cfg    Config
	d      *core.Dispatcher
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	stopEvents context.CancelFunc
	eventsDone chan error

	mu     sync.Mutex
	links  map[string]*sourceLink
	closed bool

	background sync.WaitGroup
	stopWatch  context.CancelFunc
	watching   sync.WaitGroup
	closeOnce  sync.Once
	closeErr   error
}

// Register registers the three open layers' adapters on d: OneBot 11 (coolq-http-api),
// OneBot 12 and Openwx. It is what a dispatcher needs to check and call sources; Start
// registers them again, able to use the sources' WebSocket links.
func Register(d *core.Dispatcher) { (*Runtime)(nil).register(d) }

// register registers the adapters; with a nil runtime a WebSocket-only source's calls say its
// link is not running (what a CLI command that runs no links gets).
func (rt *Runtime) register(d *core.Dispatcher) {
	d.Register(onebot.Via, rt.onebotFactory)
	d.Register(onebot12.Via, rt.onebot12Factory)
	d.Register(openwx.Via, openwx.Factory)
}

// Decoders are the event decoders of the three open layers, by via.
func Decoders() map[string]core.EventDecoder {
	return map[string]core.EventDecoder{
		onebot.Via:   decodeOneBot11,
		onebot12.Via: onebot12.Decode,
		openwx.Via:   openwx.Decode,
	}
}

// decodeOneBot11 is onebot.DecodeEvent without the link's signs of life (heartbeats, the
// lifecycle "connect"): the link reports up and down itself, and the hub sends bots its own.
func decodeOneBot11(src core.Source, raw []byte) (*core.StoredEvent, error) {
	ev, err := onebot.DecodeEvent(src, raw)
	if err != nil || onebot.IsLinkSignal(ev) {
		return nil, err
	}
	return ev, nil
}

// Start runs the console's event half and its bots: the event path, every source's event
// link, the POST deliverers, the hub's dialers and posters, and metrics. The endpoint is the
// caller's: NewEndpoint (or Mounts) gives it the doors. The runtime stops when ctx ends or on
// Close.
func Start(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.Dispatcher == nil || cfg.Sources == nil || cfg.Events == nil {
		return nil, errors.New("server: Config.Dispatcher, Sources and Events are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rt := &Runtime{cfg: cfg, d: cfg.Dispatcher, log: cfg.Logger, links: map[string]*sourceLink{}}
	rt.ctx, rt.cancel = context.WithCancel(context.Background())

	rt.register(rt.d)

	m, err := events.New(events.Config{
		Log: cfg.Events, Sources: cfg.Sources, Decoders: Decoders(), Logger: cfg.Logger,
		PostURLs: cfg.PostURLs, PostSecret: cfg.PostSecret, Replier: replier{rt.d},
		Post: events.PostOptions{MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff},
	})
	if err != nil {
		rt.cancel()
		return nil, err
	}
	rt.Events = m
	var ectx context.Context
	ectx, rt.stopEvents = context.WithCancel(context.Background())
	rt.eventsDone = make(chan error, 1)
	go func() { rt.eventsDone <- m.Run(ectx) }()
	rt.d.UseLiveState(func(id string) (bool, bool) {
		up, _, known := m.Intake.Live(id)
		return up, known
	})

	var bots []core.Bot
	if cfg.Bots != nil {
		if bots, err = cfg.Bots.Bots(); err != nil {
			rt.Close()
			return nil, fmt.Errorf("cannot read the bots: %v", err)
		}
	}
	rt.Hub, err = hub.New(hub.Options{
		Feed: &feed{in: m.Intake}, Actions: actions{rt.d}, Bots: bots,
		Sources: hub.SourcesFunc(func(id string) (core.Source, error) {
			src, _, err := rt.d.SourceAdapter(id)
			return src, err
		}),
		ReconnectMin: cfg.MinBackoff, ReconnectMax: cfg.MaxBackoff,
	})
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("bots: %v", err)
	}
	rt.Hub.Start()

	if cfg.Metrics {
		rt.startMetrics()
	}
	if err := rt.ReloadSources(); err != nil {
		// A source that cannot be linked is logged and marked down; the others run.
		rt.log.Warn("not every event link started", "error", err.Error())
	}
	if cfg.Watch >= 0 {
		rt.watch(bots)
	}
	go func() {
		select {
		case <-ctx.Done():
			rt.Close()
		case <-rt.ctx.Done():
		}
	}()
	return rt, nil
}

// Mounts are the doors the runtime adds to an endpoint: the bots' forward WebSocket (GET /,
// /api, /event and /s/{source}/… — WebSocket upgrades only, so POST / stays the UCBI API and
// GET /send_msg the OneBot proxy), the event deliveries (/events, /events/stream, behind the
// endpoint's token), the open layers' side (/report/{source}, /onebot/v11/ws, with their own
// credentials) and /metrics when enabled.
func (rt *Runtime) Mounts() []endpoint.Mount {
	var out []endpoint.Mount
	for _, p := range []string{"GET /{$}", "GET /api", "GET /event", "GET /s/{source}", "GET /s/{source}/{$}", "GET /s/{source}/api", "GET /s/{source}/event"} {
		// Public: the hub checks each bot's own token.
		out = append(out, endpoint.Mount{Pattern: p, Handler: rt.Hub, Public: true, Origin: hub.OriginOneBotWS, Match: hub.IsUpgrade})
	}
	out = append(out,
		endpoint.Mount{Pattern: "GET /events", Handler: rt.Events.LongPoll(), Origin: "events"},
		endpoint.Mount{Pattern: "GET /events/stream", Handler: rt.Events.Stream(), Origin: "events"},
		endpoint.Mount{Pattern: "/report/{source}", Handler: rt.Events.Report(), Public: true, Origin: "report"},
		endpoint.Mount{Pattern: "GET /onebot/v11/ws", Handler: rt.Events.OneBotWS(), Public: true, Origin: "report"},
	)
	if rt.Metrics != nil {
		out = append(out, endpoint.Mount{Pattern: "GET /metrics", Handler: rt.metricsHandler(), Origin: "metrics"})
	}
	return out
}

// NewEndpoint builds an endpoint with o and the runtime's doors (Mounts); Start it to listen.
func (rt *Runtime) NewEndpoint(o endpoint.Options) (*endpoint.Server, error) {
	o.Mounts = append(append([]endpoint.Mount(nil), o.Mounts...), rt.Mounts()...)
	return endpoint.New(rt.d, o)
}

// Handler is an endpoint's handler with o and the runtime's doors, for a caller that serves it
// itself (tests, an httptest server).
func (rt *Runtime) Handler(o endpoint.Options) (http.Handler, error) {
	srv, err := rt.NewEndpoint(o)
	if err != nil {
		return nil, err
	}
	return srv.Handler(), nil
}

// watch applies edits of the stored sources and bots every Config.Watch.
func (rt *Runtime) watch(bots []core.Bot) {
	every := rt.cfg.Watch
	if every == 0 {
		every = 2 * time.Second
	}
	ctx, stop := context.WithCancel(rt.ctx)
	rt.stopWatch = stop
	rt.watching.Add(1)
	go func() {
		defer rt.watching.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			_ = rt.ReloadSources() // errors are logged once per change of the source
			if rt.cfg.Bots == nil {
				continue
			}
			now, err := rt.cfg.Bots.Bots()
			if err != nil || slices.Equal(now, bots) {
				continue
			}
			if err := rt.Hub.Reload(now); err != nil {
				rt.log.Warn("bots not reloaded", "error", err.Error())
			}
			bots = now
		}
	}()
}

// ReloadBots applies the stored bot list to the hub: added bots start, removed ones are
// disconnected, changed ones reconnected. A bad list changes nothing.
func (rt *Runtime) ReloadBots() error {
	if rt.cfg.Bots == nil {
		return nil
	}
	bots, err := rt.cfg.Bots.Bots()
	if err != nil {
		return err
	}
	return rt.Hub.Reload(bots)
}

// Close stops everything in order: the sources' links (their down events queued), the bots,
// then the event path, which commits every event it accepted and saves the POST cursors.
// The endpoint is the caller's to shut down (before or after: long polls and streams end
// when the event path stops).
func (rt *Runtime) Close() error {
	rt.closeOnce.Do(func() {
		if rt.stopWatch != nil { // no reload may race the shutdown
			rt.stopWatch()
			rt.watching.Wait()
		}
		rt.mu.Lock()
		rt.closed = true
		links := rt.links
		rt.links = map[string]*sourceLink{}
		rt.mu.Unlock()
		for _, l := range links {
			l.stop()
		}
		if rt.Hub != nil {
			rt.Hub.Close()
		}
		rt.cancel()
		rt.background.Wait()
		rt.d.UseLiveState(nil)
		if rt.Metrics != nil {
			rt.d.ObserveHistory(nil)
		}
		if rt.stopEvents != nil {
			rt.stopEvents()
			if err := <-rt.eventsDone; err != nil && !errors.Is(err, context.Canceled) {
				rt.closeErr = err
			}
		}
		// Back to the plain adapters: a WebSocket-only source says its link is not running.
		Register(rt.d)
	})
	return rt.closeErr
}
