package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"ucbi-console/core"
	"ucbi-console/core/link"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// sourceLink is one source's running event link: the links the console dials (ws, sse) or
// polls. ws-reverse and http-post links are the open layer's to open; the event path's
// handlers take them.
type sourceLink struct {
	src  core.Source
	stop func() // stops the link and waits for it

	// Actions over the link when the source has no HTTP URL: OneBot 11 …
	caller onebot.Caller
	// … or OneBot 12.
	ob12 *ob12Transport
}

// ReloadSources brings the links in line with the stored sources: a new source's link starts,
// a removed one's stops, a changed one's restarts. Errors are a source that cannot be linked
// (logged, and the others still run); the first is returned.
func (rt *Runtime) ReloadSources() error {
	sources, err := rt.cfg.Sources.Sources()
	if err != nil {
		return err
	}
	want := map[string]core.Source{}
	for _, s := range sources {
		want[s.ID] = s
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil
	}
	for id, l := range rt.links {
		if s, ok := want[id]; !ok || s != l.src {
			l.stop()
			delete(rt.links, id)
		}
	}
	var first error
	for _, s := range sources {
		if _, running := rt.links[s.ID]; running {
			continue
		}
		l, err := rt.startLink(s)
		if err != nil {
			rt.log.Warn("event link not started", "source", s.ID, "events", s.Events, "error", err.Error())
			rt.Events.Intake.SourceDown(s, err.Error())
			if first == nil {
				first = err
			}
			// Kept as it is, so that it is tried again only once the source changes.
			l = &sourceLink{src: s, stop: func() {}}
		}
		if l != nil {
			rt.links[s.ID] = l
		}
	}
	return first
}

// startLink starts the link of one source: nil when the console has nothing to run for it.
func (rt *Runtime) startLink(src core.Source) (*sourceLink, error) {
	switch src.Events {
	case "", core.LinkNone, core.LinkWSReverse, core.LinkHTTPPost:
		return nil, nil
	case core.LinkWS:
		switch src.Via {
		case onebot.Via:
			return rt.dialOneBot11(src)
		case onebot12.Via:
			return rt.dialOneBot12(src)
		}
	case core.LinkSSE:
		return rt.followSSE(src)
	case core.LinkPoll:
		if src.Via == openwx.Via {
			return rt.pollOpenwx(src)
		}
	}
	return nil, core.Errorf(core.CodeBadParam, "message source %q: %s has no %q event link (see `ucbi-console source add`)", src.ID, src.Via, src.Events)
}

// accept hands one raw event to the intake, on the link's goroutine (waiting while the
// intake's queue is full: a flood slows the link, not the console). A refused event is
// logged and counted by the intake.
func (rt *Runtime) accept(src core.Source, raw []byte) {
	_, _ = rt.Events.Intake.Accept(rt.ctx, src, raw)
}

// linkState reports a dialled link's state changes to the intake (message_source_up / _down).
func (rt *Runtime) linkState(src core.Source) func(link.State) {
	return func(st link.State) {
		if st.Up {
			rt.Events.Intake.SourceUp(src, st.Reason)
		} else {
			rt.Events.Intake.SourceDown(src, st.Reason)
		}
	}
}

// dialOneBot11 runs a OneBot 11 forward WebSocket (NapCat websocketServers): events to the
// intake, actions over it when the source has no HTTP URL.
func (rt *Runtime) dialOneBot11(src core.Source) (*sourceLink, error) {
	ws, err := onebot.DialWS(onebot.WSLinkConfig{
		Source: src, OnEvent: func(raw []byte) { rt.accept(src, raw) }, OnState: rt.linkState(src),
		MinBackoff: rt.cfg.MinBackoff, MaxBackoff: rt.cfg.MaxBackoff,
	})
	if err != nil {
		return nil, err
	}
	return &sourceLink{src: src, stop: ws.Close, caller: ws}, nil
}

// dialOneBot12 runs a OneBot 12 forward WebSocket: event frames to the intake, response frames
// to the actions waiting for them (a new action side per connection).
func (rt *Runtime) dialOneBot12(src core.Source) (*sourceLink, error) {
	t := &ob12Transport{id: src.ID}
	c, err := link.NewClient(link.ClientConfig{
		URL: src.WSURL, Token: src.Token, Header: http.Header{"User-Agent": {"ucbi-console"}},
		MinBackoff: rt.cfg.MinBackoff, MaxBackoff: rt.cfg.MaxBackoff,
		Conn: link.ConnOptions{
			Silence: onebot.Silence(src),
			OnFrame: func(_ *link.Conn, frame []byte) {
				if onebot12.FrameKind(frame) == onebot12.FrameResponse && t.deliver(frame) {
					return
				}
				rt.accept(src, frame)
			},
		},
		OnConnect: t.attach,
		OnState: func(st link.State) {
			if !st.Up {
				t.detach(st.Reason)
			}
			rt.linkState(src)(st)
		},
	})
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "message source %q: ws_url: %v", src.ID, err)
	}
	stop := func() { c.Close(); <-c.Done() }
	return &sourceLink{src: src, stop: stop, ob12: t}, nil
}

// followSSE runs a Server-Sent Events link: GET {url}/_events (NapCat httpSseServers,
// LLOneBot), resuming with Last-Event-ID.
func (rt *Runtime) followSSE(src core.Source) (*sourceLink, error) {
	u, err := url.Parse(strings.TrimSpace(src.URL))
	if err != nil || src.URL == "" {
		return nil, core.Errorf(core.CodeBadParam, "message source %q: an sse event link needs the source's url (GET {url}/_events)", src.ID)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/_events"
	u.RawPath = ""
	s, err := link.NewSSE(link.SSEConfig{
		URL: u.String(), Token: src.Token, Header: http.Header{"User-Agent": {"ucbi-console"}},
		MinBackoff: rt.cfg.MinBackoff, MaxBackoff: rt.cfg.MaxBackoff, Silence: onebot.Silence(src),
		OnEvent: func(data []byte) { rt.accept(src, data) }, OnState: rt.linkState(src),
	})
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "message source %q: sse: %v", src.ID, err)
	}
	return &sourceLink{src: src, stop: s.Close}, nil
}

// pollOpenwx long-polls Openwx's check_event: the link is up once an event came, down while
// polls fail.
func (rt *Runtime) pollOpenwx(src core.Source) (*sourceLink, error) {
	p, err := openwx.NewPoller(src, func(raw json.RawMessage) {
		rt.Events.Intake.SourceUp(src, "polling")
		rt.accept(src, raw)
	})
	if err != nil {
		return nil, err
	}
	p.OnError = func(err error) { rt.Events.Intake.SourceDown(src, core.AsError(err).Message) }
	p.MinBackoff, p.MaxBackoff = rt.cfg.MinBackoff, rt.cfg.MaxBackoff
	ctx, cancel := context.WithCancel(rt.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.Run(ctx)
	}()
	return &sourceLink{src: src, stop: func() { cancel(); <-done }}, nil
}

// link returns a source's running link (nil when none, or no runtime).
func (rt *Runtime) link(id string) *sourceLink {
	if rt == nil {
		return nil
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.links[id]
}

// onebotFactory builds OneBot 11 adapters: over HTTP, or — for a source with no HTTP URL —
// over its link's WebSocket (the forward link the console dials, or the reverse one the open
// layer dialled), looked up at each call so that a redialled link is used at once.
func (rt *Runtime) onebotFactory(src core.Source) (core.Adapter, error) {
	if !onebot.ActionsOverWebSocket(src) {
		return onebot.Factory(src)
	}
	return onebot.NewWithCaller(src, sourceCaller{rt: rt, src: src})
}

// sourceCaller runs a OneBot 11 action over whichever WebSocket of its source is current.
type sourceCaller struct {
	rt  *Runtime
	src core.Source
}

func (c sourceCaller) Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error) {
	if c.src.Events == core.LinkWSReverse && c.rt != nil {
		return c.rt.Events.Reverse.Caller(c.src.ID).Call(ctx, action, params)
	}
	if l := c.rt.link(c.src.ID); l != nil && l.caller != nil {
		return l.caller.Call(ctx, action, params)
	}
	return nil, core.Errorf(core.CodeBackendDown, "message source %q takes actions over its WebSocket link, which is not running", c.src.ID)
}

// onebot12Factory builds OneBot 12 adapters: over HTTP, or over the forward WebSocket when the
// source has only a ws_url.
func (rt *Runtime) onebot12Factory(src core.Source) (core.Adapter, error) {
	if strings.TrimSpace(src.URL) != "" || src.Events != core.LinkWS {
		return onebot12.Factory(src)
	}
	return onebot12.NewWithTransport(src, ob12Caller{rt: rt, id: src.ID})
}

// ob12Caller runs a OneBot 12 action over its source's current WebSocket.
type ob12Caller struct {
	rt *Runtime
	id string
}

func (c ob12Caller) Do(ctx context.Context, req onebot12.ActionRequest) (*onebot12.Response, error) {
	if l := c.rt.link(c.id); l != nil && l.ob12 != nil {
		return l.ob12.Do(ctx, req)
	}
	return nil, core.Errorf(core.CodeBackendDown, "message source %q takes actions over its WebSocket link, which is not running", c.id)
}

// ob12Transport is the action side of a OneBot 12 forward WebSocket: one onebot12.Calls per
// live connection.
type ob12Transport struct {
	id     string
	mu     sync.Mutex
	calls  *onebot12.Calls
	reason string
}

func (t *ob12Transport) attach(c *link.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls != nil {
		t.calls.Close(core.Errorf(core.CodeBackendDown, "the WebSocket link was replaced"))
	}
	t.calls = onebot12.NewCalls(c.Send)
}

func (t *ob12Transport) detach(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls != nil {
		t.calls.Close(core.Errorf(core.CodeBackendDown, "the WebSocket link went down: %s", reason))
		t.calls = nil
	}
	t.reason = reason
}

func (t *ob12Transport) deliver(frame []byte) bool {
	t.mu.Lock()
	c := t.calls
	t.mu.Unlock()
	return c != nil && c.Deliver(frame)
}

func (t *ob12Transport) Do(ctx context.Context, req onebot12.ActionRequest) (*onebot12.Response, error) {
	t.mu.Lock()
	c, reason := t.calls, t.reason
	t.mu.Unlock()
	if c == nil {
		if reason == "" {
			reason = "it has not connected yet"
		}
		return nil, core.Errorf(core.CodeBackendDown, "message source %q's WebSocket link is down: %s", t.id, reason)
	}
	return c.Do(ctx, req)
}
