package ui

import (
	"context"
	"io"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
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

// Store is everything the UI needs from the store.
type Store interface {
	SourceStore
	ContextStore
	HistoryStore
	CardStore
	ContactStore
	SettingsStore
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
	Events EventFeed
}

func (d Deps) newEndpoint(o endpoint.Options) (Endpoint, error) {
	if d.NewEndpoint != nil {
		return d.NewEndpoint(d.Dispatcher, o)
	}
	s, err := endpoint.New(d.Dispatcher, o)
	if err != nil {
		return nil, err
	}
	return s, nil
}
