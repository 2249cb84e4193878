package events

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"ucbi-console/core"
)

// Config is everything the event path needs from the rest of the console.
type Config struct {
	Log      core.EventLog                // the store's event log (bbolt)
	Sources  core.SourceStore             // configured message sources (cheap: kept in memory)
	Decoders map[string]core.EventDecoder // by via: the open layers' event decoders
	Logger   *slog.Logger                 // nil = slog.Default()

	PostURLs   []string // serve --post-url: each gets every event, in order
	PostSecret string   // serve --post-secret: signs the POSTs
	Replier    Replier  // sends a POST consumer's {"reply": …}; nil = replies ignored

	Intake  IntakeOptions
	Post    PostOptions // timeouts and backoff; Secret and Replier come from above
	Stream  StreamOptions
	Reverse ReverseOptions
}

// Manager owns the event path's lifecycle: the intake, the reverse WebSocket hub and the POST
// deliverers. Links (core/link) feed Intake; the endpoint mounts the handlers.
type Manager struct {
	Intake  *Intake
	Reverse *ReverseHub

	cfg        Config
	deliverers []*PostDeliverer
	running    sync.Mutex
}

// New builds the event path; nothing runs until Run.
func New(cfg Config) (*Manager, error) {
	if cfg.Log == nil || cfg.Sources == nil {
		return nil, errors.New("events: Config.Log and Config.Sources are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Intake.Logger = cfg.Logger
	in, err := NewIntake(cfg.Log, cfg.Intake)
	if err != nil {
		return nil, err
	}
	for via, dec := range cfg.Decoders {
		in.RegisterDecoder(via, dec)
	}
	m := &Manager{Intake: in, Reverse: NewReverseHub(in, cfg.Sources, cfg.Reverse), cfg: cfg}
	for _, u := range cfg.PostURLs {
		opts := cfg.Post
		opts.Secret, opts.Replier = cfg.PostSecret, cfg.Replier
		m.deliverers = append(m.deliverers, NewPostDeliverer(in, u, opts))
	}
	return m, nil
}

// Run runs the intake and the deliverers until ctx ends, then shuts down in order: reverse
// links are closed (their down events queued), deliverers stop and save their cursors, and the
// intake commits everything it accepted. It returns when all of that is done.
func (m *Manager) Run(ctx context.Context) error {
	if !m.running.TryLock() {
		return errors.New("events: the manager is already running")
	}
	defer m.running.Unlock()

	intakeCtx, stopIntake := context.WithCancel(context.Background())
	intakeDone := make(chan error, 1)
	go func() { intakeDone <- m.Intake.Run(intakeCtx) }()

	var wg sync.WaitGroup
	for _, d := range m.deliverers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Run(ctx); err != nil {
				m.cfg.Logger.Error("POST deliverer stopped", "url", d.shown, "error", err.Error())
			}
		}()
	}
	<-ctx.Done()
	m.Reverse.Close()
	wg.Wait()
	stopIntake()
	return <-intakeDone
}

// LongPoll is GET /events; Stream is GET /events/stream. Both go behind the endpoint's auth.
func (m *Manager) LongPoll() http.Handler { return LongPoll(m.Intake) }

// Stream is GET /events/stream (Server-Sent Events).
func (m *Manager) Stream() http.Handler { return Stream(m.Intake, m.cfg.Stream) }

// Report is POST and GET /report/{source}: the open layer's side, with its own auth (the
// source's secret or token), so NOT behind the endpoint's auth.
func (m *Manager) Report() http.Handler {
	return &Report{In: m.Intake, Sources: m.cfg.Sources, Hub: m.Reverse}
}

// OneBotWS is GET /onebot/v11/ws: a reverse WebSocket matched by X-Self-ID; own auth.
func (m *Manager) OneBotWS() http.Handler { return m.Reverse.OneBotHandler() }

// Mount registers the handlers on mux under prefix ("" or e.g. "/ucbi"); auth wraps the
// delivery handlers (nil = none). The report handlers check the open layer's own credentials.
func (m *Manager) Mount(mux *http.ServeMux, prefix string, auth func(http.Handler) http.Handler) {
	if auth == nil {
		auth = func(h http.Handler) http.Handler { return h }
	}
	prefix = strings.TrimRight(prefix, "/")
	mux.Handle("GET "+prefix+"/events", auth(m.LongPoll()))
	mux.Handle("GET "+prefix+"/events/stream", auth(m.Stream()))
	mux.Handle(prefix+"/report/{source}", m.Report())
	mux.Handle("GET "+prefix+"/onebot/v11/ws", m.OneBotWS())
}
