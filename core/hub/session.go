package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core"
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

// session is one bot WebSocket, accepted (ws) or dialled (ws-reverse). Only the writer
// goroutine writes to conn; the reader answers actions through replies, the pump hands events
// through queue, and whoever decides the session is over calls end.
type session struct {
	hub    *Hub
	bot    *botEntry
	conn   *websocket.Conn
	src    core.Source
	role   string
	since  time.Time
	remote string

	queue   chan []byte   // events waiting for the writer, bounded: overflow ends the session
	replies chan []byte   // action replies; at most MaxInFlight are ever pending
	slots   chan struct{} // one per action running

	done      chan struct{} // closed by end
	endOnce   sync.Mutex
	ended     bool
	endCode   int
	endReason string
}

func (h *Hub) newSession(e *botEntry, conn *websocket.Conn, src core.Source, role, remote string) *session {
	conn.SetReadLimit(maxFrameBytes)
	return &session{
		hub: h, bot: e, conn: conn, src: src, role: role, since: time.Now(), remote: remote,
		queue:   make(chan []byte, h.opts.QueueSize),
		replies: make(chan []byte, h.opts.MaxInFlight),
		slots:   make(chan struct{}, h.opts.MaxInFlight),
		done:    make(chan struct{}),
	}
}

// end asks the session to close with a code and a reason; the first call wins.
func (s *session) end(code int, reason string) {
	s.endOnce.Lock()
	defer s.endOnce.Unlock()
	if s.ended {
		return
	}
	s.ended, s.endCode, s.endReason = true, code, truncateReason(reason)
	close(s.done)
}

func (s *session) endState() (int, string) {
	s.endOnce.Lock()
	defer s.endOnce.Unlock()
	return s.endCode, s.endReason
}

// truncateReason keeps a close reason within the 123 bytes a close frame allows, on a rune
// boundary.
func truncateReason(r string) string {
	if len(r) <= closeReasonMaxBytes {
		return r
	}
	cut := closeReasonMaxBytes
	for cut > 0 && r[cut]&0xC0 == 0x80 {
		cut--
	}
	return r[:cut]
}

func (s *session) carriesEvents() bool  { return s.role != roleAPI }
func (s *session) carriesActions() bool { return s.role != roleEvent }

// run serves the session until it ends: the bot closes it, a write fails, the bot is too slow,
// the operator disconnects it or the hub closes. It returns once every goroutine it started has.
func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	s.bot.add(s)
	defer s.bot.remove(s)

	var events <-chan core.StoredEvent
	if s.carriesEvents() {
		sub, err := s.hub.opts.Feed.Subscribe(ctx, s.src.ID)
		if err != nil {
			s.bot.fail(fmt.Errorf("cannot follow the events of source %q: %v", s.src.ID, err))
			s.closeConn(closeInternal, "the console cannot follow this source's events now")
			return
		}
		events = sub
	}
	// The reader's context outlives ctx until the close handshake is done: coder/websocket
	// drops the connection without a close frame when a Read's context ends, and the bot must
	// get the reason.
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReading()
	wg.Add(2)
	go func() { defer wg.Done(); s.read(readCtx, &wg) }()
	go func() { defer wg.Done(); s.pump(ctx, events) }()
	s.write(ctx)
	code, reason := s.endState()
	s.closeConn(code, reason)
}

// closeConn sends the close frame (waiting a few seconds at most for the bot's answer).
func (s *session) closeConn(code int, reason string) {
	_ = s.conn.Close(websocket.StatusCode(code), reason)
}

// pump moves the feed's events into the bounded queue without ever waiting on the bot: a full
// queue ends the session with a reason, so a slow bot never slows the feed or other bots.
func (s *session) pump(ctx context.Context, events <-chan core.StoredEvent) {
	if events == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case ev, ok := <-events:
			if !ok {
				s.end(closeTryLater, "the console stopped following this source's events; connect again")
				return
			}
			if !forBots(&ev) {
				continue
			}
			s.hub.learnSelfID(s.src.ID, ev.Raw)
			select {
			case s.queue <- ev.Raw:
			default:
				s.bot.drops.Add(1)
				reason := fmt.Sprintf("too slow: %d events waiting; closing so other bots are not held up", cap(s.queue))
				s.bot.fail(errors.New(reason))
				s.end(closePolicy, reason)
				return
			}
		}
	}
}

// read takes the bot's frames and runs each action in its own goroutine (at most MaxInFlight
// at once); bad frames are answered, never fatal.
func (s *session) read(ctx context.Context, wg *sync.WaitGroup) {
	for {
		_, frame, err := s.conn.Read(ctx)
		if err != nil {
			st := websocket.CloseStatus(err)
			switch {
			case st == websocket.StatusNormalClosure || st == websocket.StatusGoingAway:
				s.end(int(st), "")
			case ctx.Err() != nil:
			default:
				select {
				case <-s.done: // we closed it
				default:
					s.bot.fail(fmt.Errorf("connection lost: %v", err))
				}
				s.end(closeNormal, "")
			}
			return
		}
		action, params, echo, fault := parseFrame(frame)
		switch {
		case fault != "":
			s.reply(failedEnvelope(RetcodeBadRequest, fault, echo))
			continue
		case !s.carriesActions():
			s.reply(failedEnvelope(RetcodeForbidden, "forbidden: this connection carries events only (/event); send actions on / or /api", echo))
			continue
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-s.slots }()
			s.reply(s.hub.call(s.bot, s.src.ID, OriginOneBotWS, action, params, echo))
		}()
	}
}

// reply hands an answer to the writer; it never blocks for long since replies has room for
// every action in flight (and bad-frame answers come from the reader, one at a time).
func (s *session) reply(b []byte) {
	select {
	case s.replies <- b:
	case <-s.done:
	}
}

// write is the session's only writer: the connect event, then events, replies and heartbeats,
// each with a deadline.
func (s *session) write(ctx context.Context) {
	interval := heartbeatInterval(s.src)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	send := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, s.hub.opts.WriteTimeout)
		defer cancel()
		if err := s.conn.Write(wctx, websocket.MessageText, b); err != nil {
			select {
			case <-s.done:
			default:
				s.bot.fail(fmt.Errorf("writing to the bot failed: %v", err))
			}
			s.end(closePolicy, "a write to the bot timed out")
			return false
		}
		return true
	}
	if s.carriesEvents() && !send(lifecycleConnect(s.hub.selfID(s.src), time.Now())) {
		return
	}
	for {
		// Replies first: a bot waiting on an answer must not wait behind a burst of events.
		select {
		case b := <-s.replies:
			if !send(b) {
				return
			}
			continue
		default:
		}
		select {
		case <-ctx.Done():
			s.end(closeGoingAway, "the console is shutting down")
			return
		case <-s.done:
			return
		case b := <-s.replies:
			if !send(b) {
				return
			}
		case raw := <-s.queue:
			if !send(raw) {
				return
			}
			s.bot.sent(1)
		case <-tick.C:
			if s.carriesEvents() {
				if !send(heartbeat(s.hub.selfID(s.src), interval, time.Now())) {
					return
				}
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, s.hub.opts.WriteTimeout)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				s.bot.fail(fmt.Errorf("the bot did not answer a ping: %v", err))
				s.end(closePolicy, "no answer to ping")
				return
			}
		}
	}
}
