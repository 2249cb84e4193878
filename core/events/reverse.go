package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
)

// ReverseOptions tune a ReverseHub; zero values take the defaults.
type ReverseOptions struct {
	WriteTimeout time.Duration // one frame written to the open layer; 0 = 10 s
	SendQueue    int           // action frames waiting for the writer; 0 = 64
}

// ReverseHub holds the reverse WebSocket links the open layers dial (NapCat websocketClients,
// go-cqhttp ws-reverse): at most one per source and role. Event frames go to the intake in the
// order they arrive; action replies (frames with "echo" and no "post_type") go back to the
// Call waiting for them.
//
// X-Client-Role: Universal (or none) carries events and actions; Event only events; API only
// actions. A new link replaces the old one(s) of the same source whose role overlaps it (closed
// with 1001 "replaced by a newer link"), so go-cqhttp's separate Event and API links coexist.
type ReverseHub struct {
	in      *Intake
	sources core.SourceStore
	opts    ReverseOptions
	echoSeq atomic.Uint64

	mu     sync.Mutex
	conns  map[string][]*reverseConn
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
	return &ReverseHub{in: in, sources: sources, opts: opts, conns: map[string][]*reverseConn{}}
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

type reverseConn struct {
	hub   *ReverseHub
	src   core.Source
	ws    *websocket.Conn
	roles roles
	out   chan []byte
	ctx   context.Context // ends when the link is over
	stop  context.CancelFunc

	closeOnce sync.Once
	closedBy  atomic.Pointer[string] // set when the console closes the link: why
	pendMu    sync.Mutex
	pending   map[string]chan []byte
}

// serve accepts one reverse WebSocket of src and reads it until it ends.
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
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		h.in.logger.Warn("reverse WebSocket handshake failed", "source", src.ID, "error", err.Error())
		return // Accept has answered
	}
	ws.SetReadLimit(int64(h.in.opts.MaxEventBytes))
	ctx, stop := context.WithCancel(context.Background())
	c := &reverseConn{hub: h, src: src, ws: ws, roles: role, out: make(chan []byte, h.opts.SendQueue), ctx: ctx, stop: stop, pending: map[string]chan []byte{}}

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		c.close(websocket.StatusGoingAway, "the console is shutting down")
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
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	for _, old := range replaced {
		go old.close(websocket.StatusGoingAway, "replaced by a newer link for this source")
	}
	h.in.logger.Info("reverse WebSocket connected", "source", src.ID, "role", r.Header.Get("X-Client-Role"), "replaced", len(replaced))
	if role.events {
		h.in.SourceUp(src, "reverse WebSocket connected")
	}
	go c.writeLoop()
	reason := c.readLoop()
	c.close(websocket.StatusNormalClosure, "")
	h.forget(c, reason)
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
	h.mu.Unlock()
	c.failPending()
	h.in.logger.Info("reverse WebSocket ended", "source", c.src.ID, "reason", reason)
	if c.roles.events && !stillUp {
		h.in.SourceDown(c.src, reason)
	}
}

// silence is how long an event link may stay quiet before it counts as down.
func silence(src core.Source) time.Duration {
	hb := time.Duration(src.HeartbeatMS) * time.Millisecond
	if hb <= 0 {
		hb = 30 * time.Second
	}
	return 2 * hb
}

// readLoop reads frames until the link ends and returns why it ended.
func (c *reverseConn) readLoop() string {
	quiet := silence(c.src)
	for {
		ctx, cancel := c.ctx, context.CancelFunc(func() {})
		if c.roles.events {
			ctx, cancel = context.WithTimeout(c.ctx, quiet)
		}
		typ, frame, err := c.ws.Read(ctx)
		timedOut := ctx.Err() == context.DeadlineExceeded && c.ctx.Err() == nil
		cancel()
		if err != nil {
			switch {
			case timedOut:
				return fmt.Sprintf("silent for %s", quiet)
			case c.closedBy.Load() != nil:
				return *c.closedBy.Load()
			case websocket.CloseStatus(err) != -1:
				var ce websocket.CloseError
				errors.As(err, &ce)
				return fmt.Sprintf("closed by the open layer (%d %s)", ce.Code, ce.Reason)
			}
			return "connection lost: " + err.Error()
		}
		if typ != websocket.MessageText && typ != websocket.MessageBinary {
			continue
		}
		c.route(frame)
	}
}

// route sends an event frame to the intake and an action reply to its waiting Call.
func (c *reverseConn) route(frame []byte) {
	in := c.hub.in
	var probe struct {
		PostType json.RawMessage `json:"post_type"`
		Echo     json.RawMessage `json:"echo"`
	}
	if err := json.Unmarshal(frame, &probe); err != nil || len(probe.PostType) > 0 {
		// Events, and anything unreadable (the intake names what is wrong with it).
		if err := submitNoWait(c.ctx, in, c.src, frame); err != nil && c.ctx.Err() == nil {
			in.logger.Warn("reverse WebSocket event not queued", "source", c.src.ID, "error", err.Error())
		}
		return
	}
	if len(probe.Echo) > 0 {
		var echo string
		if json.Unmarshal(probe.Echo, &echo) == nil {
			c.pendMu.Lock()
			ch := c.pending[echo]
			delete(c.pending, echo)
			c.pendMu.Unlock()
			if ch != nil {
				ch <- frame
				return
			}
		}
		in.logger.Info("reverse WebSocket: reply to no pending action dropped", "source", c.src.ID)
		return
	}
	in.refuse(&DecodeError{Source: c.src.ID, Reason: ReasonNotEvent})
}

// writeLoop is the link's only writer.
func (c *reverseConn) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case frame := <-c.out:
			ctx, cancel := context.WithTimeout(c.ctx, c.hub.opts.WriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.hub.in.logger.Warn("reverse WebSocket write failed; closing", "source", c.src.ID, "error", err.Error())
				go c.close(websocket.StatusPolicyViolation, "write timed out")
				return
			}
		}
	}
}

// close ends the link once, with a close frame naming the reason.
// The close frame goes first; only then is the link's context cancelled (cancelling a Read in
// progress would drop the connection without one).
func (c *reverseConn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		why := "closed by the console"
		if reason != "" {
			why += ": " + reason
		}
		c.closedBy.Store(&why)
		_ = c.ws.Close(code, reason)
		c.stop()
	})
}

func (c *reverseConn) failPending() {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	for echo, ch := range c.pending {
		close(ch)
		delete(c.pending, echo)
	}
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
		go c.close(websocket.StatusGoingAway, "the console is shutting down")
	}
	h.wg.Wait()
}

// Connected reports whether sourceID has a reverse link that takes actions.
func (h *ReverseHub) Connected(sourceID string) bool { return h.apiConn(sourceID) != nil }

func (h *ReverseHub) apiConn(sourceID string) *reverseConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.conns[sourceID]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].roles.api && list[i].ctx.Err() == nil {
			return list[i]
		}
	}
	return nil
}

// Caller sends actions over a source's reverse WebSocket.
type Caller struct {
	hub    *ReverseHub
	source string
}

// Caller returns the action sender of sourceID; it uses whichever link is current at each call.
func (h *ReverseHub) Caller(sourceID string) *Caller { return &Caller{hub: h, source: sourceID} }

// Call sends {action, params, echo} and returns the open layer's reply frame as it came (the
// usual OneBot envelope with our echo). It waits at most the source's timeout and is never
// retried. Errors are *core.Error: backend_unreachable with no link or when the link drops,
// backend_timeout when no reply comes in time.
func (c *Caller) Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error) {
	conn := c.hub.apiConn(c.source)
	if conn == nil {
		return nil, core.Errorf(core.CodeBackendDown, "message source %q has no reverse WebSocket link connected", c.source)
	}
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	echo := "ucbi-" + strconv.FormatUint(c.hub.echoSeq.Add(1), 10)
	frame, err := json.Marshal(struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
		Echo   string          `json:"echo"`
	}{action, params, echo})
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "params: %v", err)
	}
	reply := make(chan []byte, 1)
	conn.pendMu.Lock()
	conn.pending[echo] = reply
	conn.pendMu.Unlock()
	forget := func() {
		conn.pendMu.Lock()
		delete(conn.pending, echo)
		conn.pendMu.Unlock()
	}
	timeout := conn.src.Timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case conn.out <- frame:
	case <-conn.ctx.Done():
		forget()
		return nil, core.Errorf(core.CodeBackendDown, "the reverse WebSocket of message source %q closed", c.source)
	case <-ctx.Done():
		forget()
		return nil, callTimeout(ctx, c.source, action, timeout)
	}
	select {
	case b, ok := <-reply:
		if !ok {
			return nil, core.Errorf(core.CodeBackendDown, "the reverse WebSocket of message source %q closed before %s was answered", c.source, action)
		}
		return b, nil
	case <-ctx.Done():
		forget()
		return nil, callTimeout(ctx, c.source, action, timeout)
	}
}

func callTimeout(ctx context.Context, source, action string, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return core.Errorf(core.CodeBackendTimeout, "message source %q did not answer %s within %s", source, action, timeout)
	}
	return ctx.Err()
}
