package ui

import (
	"context"
	"io"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/demo"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/events"
	"ucbi-console/core/hub"
	"ucbi-console/core/server"
	"ucbi-console/store"
)

// The UI talks to core and the store through the small interfaces below, one per concern, so a
// screen's needs are visible at a glance and tests can swap in a fake. *store.DB implements all
// of them; main.go passes it as Deps.Store.

// SourceStore is what the Sources screen and the status bar read and write.
type SourceStore interface {
	Sources() ([]core.Source, error)
	Source(id string) (core.Source, error)
	PutSource(core.Source) error
	DeleteSource(id string) error
}

// ContextStore keeps named contexts (saved send targets).
type ContextStore interface {
	Contexts() ([]store.NamedContext, error)
	PutContext(name string, c core.Context) error
	RenameContext(oldName, newName string) error
	DeleteContext(name string) error
	TouchContext(name string) error
}

// HistoryStore pages through history, newest first, without ever loading it all.
type HistoryStore interface {
	HistoryPage(before uint64, limit int, f store.HistoryFilter) ([]core.HistoryRecord, error)
	HistoryScan(before uint64, limit int, f store.HistoryFilter) ([]core.HistoryRecord, uint64, error)
	HistoryGet(seq uint64) (core.HistoryRecord, error)
	HistoryCount() (int, error)
	ExportHistory(w io.Writer, f store.HistoryFilter) (int, error)
}

// CardStore lists generated Ark cards (used by the Ark screen).
type CardStore interface {
	Cards(before uint64, limit int) ([]core.CardRecord, error)
	Card(id uint64) (core.CardRecord, error)
}

// ContactStore caches friend and group lists per source (used by the Compose screen).
type ContactStore interface {
	PutContacts(sourceID, kind string, list []store.Contact) error
	ContactsOf(sourceID, kind string) ([]store.Contact, time.Time, error)
}

// SettingsStore keeps small key/value settings ("ui.lang", "endpoint.listen"…).
type SettingsStore interface {
	Setting(key string) (string, bool, error)
	PutSetting(key, value string) error
}

// EndpointSettingsStore keeps the endpoint's settings as one document (serve reads the same).
type EndpointSettingsStore interface {
	EndpointSettings() (core.EndpointSettings, error)
	PutEndpointSettings(core.EndpointSettings) error
}

// BotStore keeps the bots of the OneBot 11 hub (the Endpoint screen's Bots).
type BotStore interface {
	Bots() ([]core.Bot, error)
	PutBot(core.Bot) error
	DeleteBot(id string) error
}

// Store is everything the UI needs from the store.
type Store interface {
	SourceStore
	ContextStore
	HistoryStore
	CardStore
	ContactStore
	SettingsStore
	EndpointSettingsStore
	BotStore
}

// Runtime is the console's running event half and bot hub (core/server's Runtime, through
// ServerRuntime): the app runs it while its window is open, as `serve` does.
type Runtime interface {
	// Subscribe delivers every event with ID > after: the stored ones first, then live ones.
	Subscribe(ctx context.Context, after uint64) (<-chan core.StoredEvent, error)
	// Live is a source's event link state: up or down since when; known is false when its link
	// has not reported (or it has none).
	Live(sourceID string) (up bool, since time.Time, known bool)
	// ReloadSources starts, stops and restarts links after the stored sources changed.
	ReloadSources() error
	// Bots is the state of each configured bot (never a token).
	Bots() []hub.BotState
	// ReloadBots applies the stored bot list; DisconnectBot closes a bot's connections.
	ReloadBots() error
	DisconnectBot(id string) error
	// NewEndpoint builds an endpoint with the runtime's doors (bots' WebSocket, /events…).
	NewEndpoint(o endpoint.Options) (Endpoint, error)
}

// DemoStarter starts the built-in demo open layer (core/demo) in this process: the source that
// reaches it and how to stop it. The CLI's `demo` command uses the same function.
type DemoStarter func(ctx context.Context) (core.Source, func() error, error)

// StartDemo is the default DemoStarter: core/demo with its defaults.
func StartDemo(ctx context.Context) (core.Source, func() error, error) {
	d, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		return core.Source{}, nil, err
	}
	return d.Source(), d.Close, nil
}

// Endpoint is a running (or startable) local HTTP endpoint; *endpoint.Server implements it.
type Endpoint interface {
	Start() error
	Addr() string
	Shutdown(ctx context.Context) error
	Routes() []endpoint.Route
}

// EndpointFactory builds an endpoint; nil in Deps means endpoint.New.
type EndpointFactory func(d *core.Dispatcher, o endpoint.Options) (Endpoint, error)

// Deps is what the UI is given by main.go.
type Deps struct {
	Store      Store
	Dispatcher *core.Dispatcher
	// NewEndpoint builds the local endpoint; nil means endpoint.New.
	NewEndpoint EndpointFactory
	// EndpointDefaults are the options used when the settings say nothing (Listen, Root).
	EndpointDefaults endpoint.Options
	// DataDir is where the store lives (shown in Settings).
	DataDir string
	// Version is the application version (shown in Settings).
	Version string
	// Events feeds the Inbox and Conversations (ui/inbox_feed.go); nil hides their content.
	// NewEventFeed makes one from the store and the Runtime.
	Events EventFeed
	// Runtime runs every source's event link and the bots; nil: the app has no event half
	// (sources are then only probed, and the Endpoint screen shows no bots).
	Runtime Runtime
	// StartDemo starts the demo open layer ("Try the demo"); nil means StartDemo.
	StartDemo DemoStarter
}

func (d Deps) newEndpoint(o endpoint.Options) (Endpoint, error) {
	if d.NewEndpoint != nil {
		return d.NewEndpoint(d.Dispatcher, o)
	}
	if d.Runtime != nil {
		return d.Runtime.NewEndpoint(o)
	}
	s, err := endpoint.New(d.Dispatcher, o)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// EventPages is the stored side of the event log (*store.DB).
type EventPages interface {
	EventsBefore(before uint64, limit int, f store.EventFilter) ([]core.StoredEvent, uint64, error)
	EventsAfter(after uint64, limit int) ([]core.StoredEvent, error)
}

// NewEventFeed is the Inbox's feed over the store's pages and the runtime's subscription
// (which catches up from the store, then follows live events).
func NewEventFeed(pages EventPages, rt Runtime) EventFeed { return storeFeed{pages, rt} }

type storeFeed struct {
	pages EventPages
	rt    Runtime
}

func (f storeFeed) EventsBefore(before uint64, limit int) ([]core.StoredEvent, error) {
	evs, _, err := f.pages.EventsBefore(before, limit, store.EventFilter{})
	return evs, err
}

func (f storeFeed) EventsAfter(after uint64, limit int) ([]core.StoredEvent, error) {
	return f.pages.EventsAfter(after, limit)
}

func (f storeFeed) Subscribe(ctx context.Context, after uint64) (<-chan core.StoredEvent, error) {
	return f.rt.Subscribe(ctx, after)
}

// ServerRuntime is the Runtime of a running core/server (main.go starts it, as serve does).
func ServerRuntime(rt *server.Runtime) Runtime { return serverRuntime{rt} }

type serverRuntime struct{ rt *server.Runtime }

// feedBuffer is the hand-over between the intake's subscription and the window's event hub;
// feedLag is how far the window's subscription may fall behind before it is dropped and picks
// up again from the store (the intake's default, 4,096 events, is ~10 MB the window need not
// hold: it shows the newest, and pages older ones from the store anyway).
const (
	feedBuffer = 256
	feedLag    = 512
)

// Subscribe follows the intake from after (its log first, then live), picking up again from
// its cursor when the window fell behind, until ctx ends or the intake stops.
func (s serverRuntime) Subscribe(ctx context.Context, after uint64) (<-chan core.StoredEvent, error) {
	out := make(chan core.StoredEvent, feedBuffer)
	go func() {
		defer close(out)
		s.rt.Events.Intake.Follow(ctx, "ui", events.SubscribeOptions{After: after, Buffer: feedLag}, func(ev core.StoredEvent) error {
			select {
			case out <- ev:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return out, nil
}

func (s serverRuntime) Live(id string) (bool, time.Time, bool) { return s.rt.Events.Intake.Live(id) }
func (s serverRuntime) ReloadSources() error                   { return s.rt.ReloadSources() }
func (s serverRuntime) Bots() []hub.BotState                   { return s.rt.Hub.Bots() }
func (s serverRuntime) ReloadBots() error                      { return s.rt.ReloadBots() }
func (s serverRuntime) DisconnectBot(id string) error          { return s.rt.Hub.Disconnect(id) }

func (s serverRuntime) NewEndpoint(o endpoint.Options) (Endpoint, error) {
	srv, err := s.rt.NewEndpoint(o)
	if err != nil {
		return nil, err
	}
	return srv, nil
}
