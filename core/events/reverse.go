package events

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/link"
	"ucbi-console/core/onebot"
)

// ReverseOptions tune a ReverseHub; zero values take the defaults.
type ReverseOptions struct {
	WriteTimeout time.Duration // one frame written to the open layer; 0 = 10 s
	SendQueue    int           // action frames waiting for the writer; 0 = 64
}

// ReverseHub holds the reverse WebSocket links the open layers dial (NapCat websocketClients,
// go-cqhttp ws-reverse): at most one per source and role. Event frames go to the intake in the
// order they arrive; action replies go back to the Call waiting for them. Each link is a
// link.Conn and its calls a link.Calls, the discipline every WebSocket of the console shares.
//
// X-Client-Role: Universal (or none) carries events and actions; Event only events; API only
// actions. A new link replaces the old one(s) of the same source whose role overlaps it (closed
// with 1001 "replaced by a newer link"), so go-cqhttp's separate Event and API links coexist.
type ReverseHub struct {
	in      *Intake
	sources core.SourceStore
	opts    ReverseOptions

	mu     sync.Mutex
	conns  map[string][]*reverseConn
	calls  map[string]*link.Calls // per source: the matcher of its current API link
	closed bool
	wg     sync.WaitGroup
}

// NewReverseHub returns a hub feeding in; sources is read on every new link.
func NewReverseHub(in *Intake, sources core.SourceStore, opts ReverseOptions) *ReverseHub {
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = 64
	}
	return &ReverseHub{in: in, sources: sources, opts: opts, conns: map[string][]*reverseConn{}, calls: map[string]*link.Calls{}}
}

// OneBotHandler serves GET /onebot/v11/ws (the path bots' frameworks use): the source is the
// ws-reverse source whose SelfID is the X-Self-ID header.
func (h *ReverseHub) OneBotHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		self := strings.TrimSpace(r.Header.Get("X-Self-ID"))
		if self == "" {
			writeError(w, core.Errorf(core.CodeMissingParam, "X-Self-ID: the header naming the account is required"))
			return
		}
		src := lookupSource(w, h.in, h.sources, func(s core.Source) bool {
			return s.Events == core.LinkWSReverse && s.SelfID == self
		}, fmt.Sprintf("no ws-reverse message source has self id %q", self))
		if src == nil {
			return
		}
		h.serve(w, r, *src)
	})
}

// roles of a link: which slots it takes.
type roles struct{ events, api bool }

func (a roles) overlaps(b roles) bool { return (a.events && b.events) || (a.api && b.api) }

func parseRole(v string) (roles, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "universal":
		return roles{events: true, api: true}, true
	case "event":
		return roles{events: true}, true
	case "api":
		return roles{api: true}, true
	}
	return roles{}, false
}

// reverseConn is one accepted reverse link: a link.Conn (one reader, one writer, bounded
// queue, silence detection) and the roles it took.
type reverseConn struct {
	conn  *link.Conn
	src   core.Source
	roles roles
}

// serve accepts one reverse WebSocket of src and holds the request until it ends (so Close can
// wait for its down event).
func (h *ReverseHub) serve(w http.ResponseWriter, r *http.Request, src core.Source) {
	if src.Events != core.LinkWSReverse {
		writeError(w, core.Errorf(core.CodeForbidden, "message source %q does not take a reverse WebSocket (its event link is %q)", src.ID, linkName(src.Events)))
		return
	}
	if !checkToken(w, r, src.Token) {
		h.in.logger.Warn("reverse WebSocket refused: token", "source", src.ID)
		return
	}
	role, ok := parseRole(r.Header.Get("X-Client-Role"))
	if !ok {
		writeError(w, core.Errorf(core.CodeBadParam, "X-Client-Role: must be Universal, Event or API, not %q", r.Header.Get("X-Client-Role")))
		return
	}
	// Frames may arrive before Accept returns: the reader needs only the source, and the calls
	// its replies go to are looked up per frame.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	opts := link.ConnOptions{
		WriteTimeout: h.opts.WriteTimeout,
		QueueSize:    h.opts.SendQueue,
		// A reply may be far bigger than any event (get_group_member_list of a big group runs
		// to megabytes): the link takes frames as big as any OneBot reply, and the intake
		// refuses and counts an oversized event (checkRaw) without dropping the link.
		ReadLimit: link.DefaultReadLimit,
		OnFrame:   func(_ *link.Conn, frame []byte) { h.route(ctx, src, frame) },
		// Every role: an API-only link carries no heartbeats, but the watch pings a quiet
		// peer half-way through, so a live one stays up and a dead one is noticed.
		Silence: onebot.Silence(src),
	}
	conn, err := link.Accept(w, r, opts)
	if err != nil {
		h.in.logger.Warn("reverse WebSocket handshake failed", "source", src.ID, "error", err.Error())
		return // Accept has answered
	}
	c := &reverseConn{conn: conn, src: src, roles: role}

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.CloseWith(int(websocket.StatusGoingAway), "the console is shutting down")
		<-conn.Done()
		return
	}
	var replaced []*reverseConn
	kept := h.conns[src.ID][:0:0]
	for _, old := range h.conns[src.ID] {
		if old.roles.overlaps(role) {
			replaced = append(replaced, old)
		} else {
			kept = append(kept, old)
		}
	}
	h.conns[src.ID] = append(kept, c)
	if role.api {
		// A fresh matcher with the source's timeout as it is now; calls pending on the
		// replaced link fail with the reason.
		if old := h.calls[src.ID]; old != nil {
			if s := old.Attached(); s != nil {
				old.Detach(s, "replaced by a newer link for this source")
			}
		}
		calls := link.NewCalls(src.Timeout())
		calls.Attach(conn)
		h.calls[src.ID] = calls
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	for _, old := range replaced {
		old.conn.CloseWith(int(websocket.StatusGoingAway), "replaced by a newer link for this source")
	}
	h.in.logger.Info("reverse WebSocket connected", "source", src.ID, "role", r.Header.Get("X-Client-Role"), "replaced", len(replaced))
	if role.events {
		h.in.SourceUp(src, "reverse WebSocket connected")
	}
	<-conn.Done()
	h.forget(c, conn.Reason())
}

// forget removes an ended link and, unless a newer link carries the source's events, marks the
// source down.
func (h *ReverseHub) forget(c *reverseConn, reason string) {
	h.mu.Lock()
	list := h.conns[c.src.ID]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.conns, c.src.ID)
	} else {
		h.conns[c.src.ID] = list
	}
	stillUp := false
	for _, x := range list {
		stillUp = stillUp || x.roles.events
	}
	if calls := h.calls[c.src.ID]; calls != nil {
		calls.Detach(c.conn, reason) // ignored unless c is the attached link
	}
	h.mu.Unlock()
	h.in.logger.Info("reverse WebSocket ended", "source", c.src.ID, "reason", reason)
	if c.roles.events && !stillUp {
		h.in.SourceDown(c.src, reason)
	}
}

// route sends an action reply to its waiting Call and anything else to the intake, which takes
// the events and names what is wrong with the rest. It runs on the link's reading goroutine;
// ctx ends with the link.
func (h *ReverseHub) route(ctx context.Context, src core.Source, frame []byte) {
	h.mu.Lock()
	calls := h.calls[src.ID]
	h.mu.Unlock()
	if calls != nil && calls.HandleFrame(frame) {
		return
	}
	in := h.in
	var probe struct {
		PostType json.RawMessage `json:"post_type"`
		Echo     json.RawMessage `json:"echo"`
	}
	if err := json.Unmarshal(frame, &probe); err != nil || len(probe.PostType) > 0 {
		// Events, and anything unreadable (the intake names what is wrong with it).
		if err := submitNoWait(ctx, in, src, frame); err != nil && ctx.Err() == nil {
			in.logger.Warn("reverse WebSocket event not queued", "source", src.ID, "error", err.Error())
		}
		return
	}
	if len(probe.Echo) > 0 {
		in.logger.Info("reverse WebSocket: reply to no pending action dropped", "source", src.ID)
		return
	}
	in.refuse(&DecodeError{Source: src.ID, Reason: ReasonNotEvent})
}

// Close closes every link (1001 "the console is shutting down"), refuses new ones, and waits
// for their handlers to finish (so their down events are queued before the intake stops).
func (h *ReverseHub) Close() {
	h.mu.Lock()
	h.closed = true
	var all []*reverseConn
	for _, list := range h.conns {
		all = append(all, list...)
	}
	h.mu.Unlock()
	for _, c := range all {
		c.conn.CloseWith(int(websocket.StatusGoingAway), "the console is shutting down")
	}
	h.wg.Wait()
}

// Connected reports whether sourceID has a reverse link that takes actions.
func (h *ReverseHub) Connected(sourceID string) bool {
	h.mu.Lock()
	calls := h.calls[sourceID]
	h.mu.Unlock()
	return calls != nil && calls.Attached() != nil
}

// Caller sends actions over a source's reverse WebSocket.
type Caller struct {
	hub    *ReverseHub
	source string
}

// Caller returns the action sender of sourceID; it uses whichever link is current at each call.
func (h *ReverseHub) Caller(sourceID string) *Caller { return &Caller{hub: h, source: sourceID} }

// Call sends {action, params, echo} and returns the open layer's reply frame as it came (the
// usual OneBot envelope with our echo), matched by link.Calls. It waits at most the source's
// timeout and is never retried. Errors are *core.Error: backend_unreachable with no link or when
// the link drops, backend_timeout when no reply comes in time.
func (c *Caller) Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error) {
	c.hub.mu.Lock()
	calls := c.hub.calls[c.source]
	c.hub.mu.Unlock()
	if calls == nil {
		return nil, core.Errorf(core.CodeBackendDown, "message source %q has no reverse WebSocket link connected", c.source)
	}
	return calls.Call(ctx, action, onebot.ActionFrame(action, params))
}
