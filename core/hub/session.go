package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
	"ucbi-console/core/link"
)

// Close codes the hub ends a bot's WebSocket with (RFC 6455).
const (
	closeNormal    = int(websocket.StatusNormalClosure)   // 1000: the operator disconnected the bot
	closeGoingAway = int(websocket.StatusGoingAway)       // 1001: the console is shutting down
	closePolicy    = int(websocket.StatusPolicyViolation) // 1008: too slow, or the bot's configuration changed
	closeInternal  = int(websocket.StatusInternalError)   // 1011: the event feed could not be had
	closeTryLater  = int(websocket.StatusTryAgainLater)   // 1013: the event feed ended
)

// Roles of a WebSocket: what it carries.
const (
	roleUniversal = "Universal" // actions and events (GET /)
	roleAPI       = "API"       // actions only (GET /api)
	roleEvent     = "Event"     // events only (GET /event)
)

// session is one bot WebSocket, accepted (ws) or dialled (ws-reverse), on a link.Conn: its one
// writer and bounded queue carry the connect event, events, heartbeats and action replies; its
// reader hands the bot's frames to frame. A bot too slow for its queue is closed with a reason.
type session struct {
	hub    *Hub
	bot    *botEntry
	conn   *link.Conn
	src    core.Source
	role   string
	since  time.Time
	remote string

	slots   chan struct{}  // one per action running
	actions sync.WaitGroup // the actions running
	ctx     context.Context
	cancel  context.CancelFunc // ends ctx: the session is over
	byHub   atomic.Bool        // the hub ended the session (operator, reload, shutdown, too slow)
}

func (h *Hub) newSession(e *botEntry, src core.Source, role, remote string) *session {
	s := &session{
		hub: h, bot: e, src: src, role: role, since: time.Now(), remote: remote,
		slots: make(chan struct{}, h.opts.MaxInFlight),
	}
	s.ctx, s.cancel = context.WithCancel(h.ctx)
	return s
}

// connOptions configure the session's link.Conn. An API-only session carries no heartbeat
// events, so a bot that stops answering pings is closed as silent instead.
func (s *session) connOptions() link.ConnOptions {
	o := link.ConnOptions{
		WriteTimeout:   s.hub.opts.WriteTimeout,
		QueueSize:      s.hub.opts.QueueSize,
		ReadLimit:      maxFrameBytes,
		OriginPatterns: s.hub.opts.OriginPatterns,
		OnFrame:        s.frame,
		OnClose:        func(*link.Conn, string) { s.cancel() },
	}
	if !s.carriesEvents() {
		o.Silence = 2 * heartbeatInterval(s.src)
	}
	return o
}

// end closes the session with a code and a reason (the first reason wins), after the frames
// already queued.
func (s *session) end(code int, reason string) {
	s.byHub.Store(true)
	s.conn.CloseWith(code, reason)
}

func (s *session) carriesEvents() bool  { return s.role != roleAPI }
func (s *session) carriesActions() bool { return s.role != roleEvent }

// run serves the session until the connection ends: the bot closes it, a write fails, the bot
// is too slow, the operator disconnects it or ctx (the bot's life) ends. It returns once every
// action it started has answered.
func (s *session) run(ctx context.Context) {
	defer func() {
		<-s.conn.Done()
		s.cancel()
		s.actions.Wait()
		s.recordEnd()
	}()
	s.bot.add(s)
	defer s.bot.remove(s)

	var feedEnded <-chan struct{}
	if s.carriesEvents() {
		// The connect event first: events are queued behind it from the moment Follow returns.
		if !s.push(lifecycleConnect(s.hub.selfID(s.src), time.Now())) {
			return
		}
		ended, err := s.hub.opts.Feed.Follow(s.ctx, s.src.ID, s.deliver)
		if err != nil {
			s.bot.fail(fmt.Errorf("cannot follow the events of source %q: %v", s.src.ID, err))
			s.end(closeInternal, "the console cannot follow this source's events now")
			return
		}
		feedEnded = ended
	}
	s.pump(ctx, feedEnded)
}

// recordEnd notes why a session the hub did not end ended, unless the bot closed it normally.
func (s *session) recordEnd() {
	if s.byHub.Load() {
		return
	}
	if code, ok := s.conn.PeerClosed(); ok && (code == closeNormal || code == closeGoingAway) {
		return
	}
	s.bot.fail(errors.New(s.conn.Reason()))
}

// deliver queues one of the feed's events for the bot, on the feed's goroutine: the frame goes
// straight onto the connection's bounded queue, whose one writer writes it. It never waits on
// the bot: a full queue ends the session with a reason (and the following with it), so a slow
// bot never slows the feed or other bots.
func (s *session) deliver(ev core.StoredEvent) bool {
	if !forBots(&ev) {
		return true
	}
	s.hub.learnSelfID(s.src.ID, ev.Raw)
	if !s.push(ev.Raw) {
		return false
	}
	s.bot.sent(1)
	return true
}

// pump sends the heartbeats of an event-carrying session and ends the session when the feed
// ends (events themselves are queued by deliver) or the bot's life does.
func (s *session) pump(ctx context.Context, feedEnded <-chan struct{}) {
	var tick <-chan time.Time
	interval := heartbeatInterval(s.src)
	if feedEnded != nil {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s.end(closeGoingAway, "the console is shutting down")
			return
		case <-s.ctx.Done():
			return
		case <-feedEnded:
			if s.ctx.Err() == nil && s.conn.Reason() == "" { // not ended by deliver or the bot
				s.end(closeTryLater, "the console stopped following this source's events; connect again")
			}
			return
		case <-tick:
			if !s.push(heartbeat(s.hub.selfID(s.src), interval, time.Now())) {
				return
			}
		}
	}
}

// push queues a frame for the bot without waiting; false when the session is over (closed, or
// closed now because the bot is too slow).
func (s *session) push(frame []byte) bool {
	err := s.conn.Offer(frame)
	if errors.Is(err, link.ErrQueueFull) {
		s.bot.drops.Add(1)
		reason := fmt.Sprintf("too slow: %d frames waiting; closing so other bots are not held up", s.hub.opts.QueueSize)
		s.bot.fail(errors.New(reason))
		s.end(closePolicy, reason)
	}
	return err == nil
}

// frame takes one frame of the bot (on the connection's reading goroutine) and runs its action
// in its own goroutine, at most MaxInFlight at once (past that the reader waits, and so does
// the bot); bad frames are answered, never fatal.
func (s *session) frame(c *link.Conn, frame []byte) {
	action, params, echo, fault := parseFrame(frame)
	switch {
	case fault != "":
		s.reply(c, failedEnvelope(RetcodeBadRequest, fault, echo))
		return
	case !s.carriesActions():
		s.reply(c, failedEnvelope(RetcodeForbidden, "forbidden: this connection carries events only (/event); send actions on / or /api", echo))
		return
	}
	select {
	case s.slots <- struct{}{}:
	case <-s.ctx.Done():
		return
	}
	s.actions.Add(1)
	go func() {
		defer s.actions.Done()
		defer func() { <-s.slots }()
		s.reply(c, s.hub.call(s.bot, s.src.ID, OriginOneBotWS, action, params, echo))
	}()
}

// reply queues an answer for the bot, waiting for room while the session lasts.
func (s *session) reply(c *link.Conn, b []byte) {
	_ = c.Send(s.ctx, b)
}
