// Package hub makes the console a transparent OneBot 11 hub for bots (issue 12): bots connect in
// the three modes bots speak — forward WebSocket (the bot dials the endpoint), reverse WebSocket
// (the console dials the bot) and HTTP POST (the console posts events to the bot) — and see the
// open layer's events exactly as it sent them, while their actions go through the console (one
// history row each) and the open layer's token never leaves it.
//
// The package knows nothing of Fyne or the store: it needs an event feed (Feed), something that
// runs a raw OneBot 11 action and records it (Actions) and the message sources (Sources). The
// coordinator wires those to core/events, the dispatcher and the source store.
//
// Every bot connection is a link.Conn — its own bounded queue and one writer goroutine — and a
// ws-reverse bot is dialled by a link.Client, with the backoff every link of the console uses; a
// bot that cannot keep up is closed with a reason instead of slowing the others.
package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// History origins of the calls the hub makes.
const (
	OriginOneBotWS   = "onebot-ws"   // an action a bot sent over a WebSocket
	OriginOneBotPost = "onebot-post" // a quick operation in an http-post bot's answer
)

// Feed hands a source's events, from now on, to deliver, in the order the open layer sent them,
// as soon as they arrive (the console's feed does not wait for their commit: bots never wait
// for the disk; such events have no id yet). Raw must be the open layer's OneBot 11 JSON
// exactly as received (events without Raw are the console's own and are not passed to bots).
//
// deliver is called on the feed's own goroutine (the console's: the source link's reader), one
// event at a time: it must not block — the hub only queues the frame on each bot's bounded
// queue, so an event reaches a bot's writer without a hand-off through another goroutine — and
// returns false to stop following. The returned channel is closed once following has ended
// (ctx ended, deliver said stop, or the feed gave up); deliver is not called after that.
type Feed interface {
	Follow(ctx context.Context, sourceID string, deliver func(ev core.StoredEvent) bool) (ended <-chan struct{}, err error)
}

// Actions runs one raw OneBot 11 action on a source and records one history row with origin.
// envelope is the six-field OneBot 11 reply to give the bot — on failure too (the backend's
// failure envelope, or the console's own); err only matters when envelope is empty, and is
// then turned into a failure envelope (a *core.Error's code chooses the retcode).
type Actions interface {
	Forward(ctx context.Context, origin, sourceID, action string, params json.RawMessage) (envelope []byte, err error)
}

// Sources finds a message source by id; "" is the default source (or the only one).
type Sources interface {
	Source(id string) (core.Source, error)
}

// SourcesFunc adapts a function to Sources.
type SourcesFunc func(id string) (core.Source, error)

// Source calls f.
func (f SourcesFunc) Source(id string) (core.Source, error) { return f(id) }

// Defaults of Options.
const (
	DefaultQueueSize    = 1024 // about 1 s of a busy group's events: a bot's GC pause is not "too slow"
	DefaultWriteTimeout = 10 * time.Second
	DefaultPostTimeout  = 5 * time.Second
	DefaultDialTimeout  = 10 * time.Second
	DefaultReconnectMin = time.Second
	DefaultReconnectMax = 30 * time.Second
	DefaultMaxInFlight  = 16
	DefaultHeartbeat    = 30 * time.Second
	maxFrameBytes       = 2 * core.MaxBodyBytes // an action frame: params up to a body's size, plus echo
	userAgent           = "OneBot/11 UCBI-Console"
)

// Options configure a Hub. Feed, Actions and Sources are required.
type Options struct {
	Feed    Feed
	Actions Actions
	Sources Sources
	Bots    []core.Bot

	// HTTPClient posts to http-post bots and dials ws-reverse bots; nil = a plain client
	// (every request still has its own timeout). Redirects of event POSTs are never followed.
	HTTPClient *http.Client
	// QueueSize bounds each bot connection's waiting frames (DefaultQueueSize). It is the only
	// buffer between the feed and a bot: past it the bot is closed as too slow. The frames are
	// the events' own raw bytes, not copies.
	QueueSize int
	// WriteTimeout bounds each frame written to a bot (DefaultWriteTimeout).
	WriteTimeout time.Duration
	// PostTimeout bounds each event POSTed to an http-post bot, its answer included.
	PostTimeout time.Duration
	// DialTimeout bounds a ws-reverse handshake.
	DialTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the ws-reverse backoff (1 s → 30 s).
	ReconnectMin, ReconnectMax time.Duration
	// MaxInFlight bounds the actions one bot connection runs at once; past it the hub stops
	// reading that connection until one finishes.
	MaxInFlight int
	// OriginPatterns allow browser origins on the forward WebSocket (none by default: bots
	// are not browsers, and a page must not reach the hub with a visitor's cookies).
	OriginPatterns []string
}

// BotState is what the GUI and CLI show of a bot. It never holds the token or the secret.
type BotState struct {
	ID     string `json:"id"`
	Source string `json:"source,omitempty"`
	Mode   string `json:"mode"`
	URL    string `json:"url,omitempty"` // without user info or query
	// Connections is how many WebSockets the bot has open now (a bot may use /api and /event
	// separately); always 0 for http-post bots.
	Connections    int       `json:"connections"`
	ConnectedSince time.Time `json:"connected_since,omitzero"`
	RemoteAddr     string    `json:"remote_addr,omitempty"`
	LastEvent      time.Time `json:"last_event,omitzero"`
	EventsSent     uint64    `json:"events_sent"`
	EventsDropped  uint64    `json:"events_dropped,omitempty"` // http-post: events the bot was too slow for
	Calls          uint64    `json:"calls"`
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitzero"`
}

// Hub serves the configured bots. Its zero value is not usable: call New.
type Hub struct {
	opts       Options
	postClient *http.Client // opts.HTTPClient, not following redirects

	ctx    context.Context // the hub's life: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	started bool
	closed  bool
	bots    map[string]*botEntry

	selfMu  sync.Mutex
	selfIDs map[string]string // source id → self_id learnt from its events
}

// botEntry is one configured bot and its live state.
type botEntry struct {
	cfg       core.Bot
	stop      context.CancelFunc // ends the bot's runner (ws-reverse, http-post) and sessions
	ctx       context.Context
	events    atomic.Uint64
	drops     atomic.Uint64
	calls     atomic.Uint64
	lastEvent atomic.Int64 // unix ns of the last event sent (an atomic: set on the feed's goroutine)

	mu        sync.Mutex
	sessions  map[*session]struct{}
	lastErr   string
	lastErrAt time.Time
}

// New checks the options and the bots and returns a hub; Start runs the bots the hub dials or
// posts to, ServeHTTP takes the ones that dial it.
func New(opts Options) (*Hub, error) {
	if opts.Feed == nil || opts.Actions == nil || opts.Sources == nil {
		return nil, errors.New("hub: Feed, Actions and Sources are required")
	}
	if err := CheckBots(opts.Bots); err != nil {
		return nil, err
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	// Events are POSTed with a client that never follows a redirect: Go turns a 301/302/303
	// POST into a body-less GET, whose answer would pass for the bot's quick operation.
	postClient := *opts.HTTPClient
	postClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	setDefault(&opts.QueueSize, DefaultQueueSize)
	setDefault(&opts.MaxInFlight, DefaultMaxInFlight)
	setDefault(&opts.WriteTimeout, DefaultWriteTimeout)
	setDefault(&opts.PostTimeout, DefaultPostTimeout)
	setDefault(&opts.DialTimeout, DefaultDialTimeout)
	setDefault(&opts.ReconnectMin, DefaultReconnectMin)
	setDefault(&opts.ReconnectMax, DefaultReconnectMax)
	if opts.ReconnectMax < opts.ReconnectMin {
		opts.ReconnectMax = opts.ReconnectMin
	}
	h := &Hub{opts: opts, postClient: &postClient, bots: map[string]*botEntry{}, selfIDs: map[string]string{}}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	for _, b := range opts.Bots {
		h.bots[b.ID] = h.newEntry(b)
	}
	return h, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (h *Hub) newEntry(b core.Bot) *botEntry {
	e := &botEntry{cfg: b, sessions: map[*session]struct{}{}}
	e.ctx, e.stop = context.WithCancel(h.ctx)
	return e
}

// CheckBots reports the first thing wrong with a bot list: a missing or repeated id, an
// unknown mode, a ws-reverse or http-post bot without an http(s)/ws(s) URL, or two ws bots
// with the same token (the token says which bot is connecting).
func CheckBots(bots []core.Bot) error {
	ids := map[string]bool{}
	tokens := map[string]string{}
	for i, b := range bots {
		if strings.TrimSpace(b.ID) == "" {
			return fmt.Errorf("bot %d: no id", i+1)
		}
		if ids[b.ID] {
			return fmt.Errorf("bot %q: the id is used twice", b.ID)
		}
		ids[b.ID] = true
		switch b.Mode {
		case core.BotWS:
			if other, ok := tokens[b.Token]; ok {
				return fmt.Errorf("bot %q: ws bots %q and %q have the same token, so a connection could not tell them apart", b.ID, other, b.ID)
			}
			tokens[b.Token] = b.ID
		case core.BotWSReverse:
			if err := checkURL(b.URL, "ws", "wss"); err != nil {
				return fmt.Errorf("bot %q: %v", b.ID, err)
			}
		case core.BotHTTPPost:
			if err := checkURL(b.URL, "http", "https"); err != nil {
				return fmt.Errorf("bot %q: %v", b.ID, err)
			}
		default:
			return fmt.Errorf("bot %q: unknown mode %q (want %s, %s or %s)", b.ID, b.Mode, core.BotWS, core.BotWSReverse, core.BotHTTPPost)
		}
	}
	return nil
}

// Start runs the ws-reverse dialers and the http-post posters of the configured bots. ws bots
// are served by ServeHTTP whether or not the hub is started.
func (h *Hub) Start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started || h.closed {
		return
	}
	h.started = true
	for _, e := range h.bots {
		h.startRunner(e)
	}
}

// startRunner starts what a bot needs beyond ServeHTTP. h.mu is held.
func (h *Hub) startRunner(e *botEntry) {
	var run func(*botEntry)
	switch e.cfg.Mode {
	case core.BotWSReverse:
		run = h.runReverse
	case core.BotHTTPPost:
		run = h.runPost
	default:
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		run(e)
	}()
}

// Close disconnects every bot (close code 1001), stops the dialers and posters and waits for
// them. The hub cannot be started again.
func (h *Hub) Close() error {
	h.mu.Lock()
	h.closed = true
	for _, e := range h.bots {
		e.closeSessions(closeGoingAway, "the console is shutting down")
	}
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	return nil
}

// Bots is a snapshot of every configured bot's state, by id.
func (h *Hub) Bots() []BotState {
	h.mu.Lock()
	entries := make([]*botEntry, 0, len(h.bots))
	for _, e := range h.bots {
		entries = append(entries, e)
	}
	h.mu.Unlock()
	out := make([]BotState, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.state())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Disconnect closes a bot's WebSockets now (close code 1000, "disconnected by the operator").
// A ws bot may dial again and a ws-reverse bot is dialled again after the backoff: to keep a bot
// out, remove it with Reload.
func (h *Hub) Disconnect(botID string) error {
	h.mu.Lock()
	e, ok := h.bots[botID]
	h.mu.Unlock()
	if !ok {
		return fmt.Errorf("no bot %q", botID)
	}
	e.closeSessions(closeNormal, "disconnected by the operator")
	return nil
}

// Reload applies a new bot list live: removed bots are disconnected ("bot removed"), changed
// ones reconnected with their new settings, unchanged ones left alone. A bad list changes
// nothing and says what is wrong.
func (h *Hub) Reload(bots []core.Bot) error {
	if err := CheckBots(bots); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errors.New("hub: closed")
	}
	keep := map[string]core.Bot{}
	for _, b := range bots {
		keep[b.ID] = b
	}
	for id, e := range h.bots {
		if nb, ok := keep[id]; ok && nb == e.cfg {
			continue
		}
		reason := "bot removed from the configuration"
		if _, ok := keep[id]; ok {
			reason = "bot configuration changed"
		}
		e.closeSessions(closePolicy, reason)
		e.stop()
		delete(h.bots, id)
	}
	for _, b := range bots {
		if _, ok := h.bots[b.ID]; ok {
			continue
		}
		e := h.newEntry(b)
		h.bots[b.ID] = e
		if h.started {
			h.startRunner(e)
		}
	}
	return nil
}

func (e *botEntry) state() BotState {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := BotState{
		ID: e.cfg.ID, Source: e.cfg.Source, Mode: e.cfg.Mode, URL: shownURL(e.cfg.URL),
		Connections: len(e.sessions), LastEvent: unixTime(e.lastEvent.Load()),
		EventsSent: e.events.Load(), EventsDropped: e.drops.Load(), Calls: e.calls.Load(),
		LastError: e.lastErr, LastErrorAt: e.lastErrAt,
	}
	for s := range e.sessions {
		if st.ConnectedSince.IsZero() || s.since.Before(st.ConnectedSince) {
			st.ConnectedSince = s.since
		}
		if s.since.After(st.ConnectedSince) || st.RemoteAddr == "" {
			st.RemoteAddr = s.remote // the newest connection's address
		}
	}
	return st
}

// fail records a bot's last error, with the bot's own token and secret masked out.
func (e *botEntry) fail(err error) {
	if err == nil {
		return
	}
	secrets := []string{e.cfg.Token, e.cfg.Secret}
	if u, perr := url.Parse(e.cfg.URL); perr == nil {
		// An error may quote the URL: its query (?access_token=…) and password stay out.
		secrets = append(secrets, u.RawQuery)
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	msg := maskSecrets(err.Error(), secrets...)
	e.mu.Lock()
	e.lastErr, e.lastErrAt = msg, time.Now()
	e.mu.Unlock()
}

func (e *botEntry) sent(n int) {
	e.events.Add(uint64(n))
	e.lastEvent.Store(time.Now().UnixNano())
}

// unixTime is a unix-ns time, the zero time for 0.
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func (e *botEntry) add(s *session) {
	e.mu.Lock()
	e.sessions[s] = struct{}{}
	e.mu.Unlock()
}

func (e *botEntry) remove(s *session) {
	e.mu.Lock()
	delete(e.sessions, s)
	e.mu.Unlock()
}

func (e *botEntry) closeSessions(code int, reason string) {
	e.mu.Lock()
	ss := make([]*session, 0, len(e.sessions))
	for s := range e.sessions {
		ss = append(ss, s)
	}
	e.mu.Unlock()
	for _, s := range ss {
		s.end(code, reason)
	}
}

// maskSecrets replaces every occurrence of the given secrets in s.
func maskSecrets(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, core.MaskedToken(sec))
		}
	}
	return s
}

// source resolves a bot's source ("" = the default one).
func (h *Hub) source(id string) (core.Source, error) {
	src, err := h.opts.Sources.Source(id)
	if err != nil {
		return core.Source{}, err
	}
	if src.ID == "" {
		return core.Source{}, fmt.Errorf("source %q has no id", id)
	}
	return src, nil
}

// call runs one action for a bot and gives the reply to send back, with the bot's echo.
func (h *Hub) call(e *botEntry, sourceID, origin, action string, params, echo json.RawMessage) []byte {
	e.calls.Add(1)
	env, err := h.opts.Actions.Forward(h.ctx, origin, sourceID, action, params)
	if len(bytes.TrimSpace(env)) > 0 {
		return withEcho(env, echo)
	}
	if err == nil {
		err = core.Errorf(core.CodeInternal, "the console got no answer for %s", action)
	}
	e.fail(fmt.Errorf("%s: %v", action, err))
	return failedEnvelope(retcodeOf(err), core.AsError(err).Message, echo)
}

// selfID is the account id of a source: its configured SelfID, else the one its events carry.
func (h *Hub) selfID(src core.Source) string {
	if src.SelfID != "" {
		return src.SelfID
	}
	h.selfMu.Lock()
	defer h.selfMu.Unlock()
	return h.selfIDs[src.ID]
}

// learnSelfID remembers the self_id of a source's events, for the connect and heartbeat events
// and X-Self-ID when the source does not set one.
func (h *Hub) learnSelfID(sourceID string, raw []byte) {
	h.selfMu.Lock()
	_, known := h.selfIDs[sourceID]
	h.selfMu.Unlock()
	if known {
		return
	}
	if id := rawSelfID(raw); id != "" {
		h.selfMu.Lock()
		h.selfIDs[sourceID] = id
		h.selfMu.Unlock()
	}
}
