// Package link keeps event links to open layers and bots alive: a live WebSocket (Conn, whichever
// side dialled), a client that dials and redials one (Client), and a Server-Sent Events client
// (SSE), all with the same discipline, and the echo-matched calls over them (Calls).
//
//   - One goroutine writes data frames (a bounded queue feeds it); one reads. Control frames
//     (ping, close) go through the WebSocket library's own write lock.
//   - Every read and write runs under a context: writes under WriteTimeout, reads under the
//     connection's lifetime, and a silent peer (no frame and no pong for Silence) is closed.
//   - A peer too slow to drain its queue is closed with a reason (Push), never waited on by
//     everyone else.
//   - Clients redial with capped, jittered backoff (1 s → 30 s by default).
//
// Frames are bytes: the only thing known of their content is that a call's reply carries its
// echo (Calls, the one echo matcher of OneBot 11 and 12 calls). Nothing here logs, and no reason or error ever
// holds the token.
package link

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// Defaults of ConnOptions.
const (
	DefaultWriteTimeout = 10 * time.Second
	DefaultQueueSize    = 256
	// DefaultReadLimit bounds one incoming frame: a OneBot reply can be a big group's member
	// list (the HTTP adapter allows 32 MiB too).
	DefaultReadLimit = 32 << 20
)

// Errors of Send and Push.
var (
	ErrClosed    = errors.New("the link is closed")
	ErrQueueFull = errors.New("the link's send queue is full")
	ErrDown      = errors.New("the link is down")
)

// ConnOptions configure a live WebSocket.
type ConnOptions struct {
	// Silence: a peer that sends no frame (and answers no ping) for this long is closed as
	// silent. Half-way through a quiet spell the peer is pinged, so a live but quiet peer stays
	// up. 0 = never (the connection still ends when the peer or the network closes it).
	Silence time.Duration
	// WriteTimeout bounds one frame's write; a write that takes longer closes the connection.
	WriteTimeout time.Duration
	// QueueSize bounds the frames waiting to be written.
	QueueSize int
	// ReadLimit bounds one incoming frame in bytes; a bigger one closes the connection.
	ReadLimit int64
	// OnFrame gets every data frame, in order, on the reading goroutine: it must not block for
	// long (hand the frame on). data is the caller's to keep.
	OnFrame func(c *Conn, data []byte)
	// OnClose is called once, after both goroutines have ended, with why the connection ended.
	OnClose func(c *Conn, reason string)
	// OriginPatterns allow browser origins on an accepted connection (Accept); none by
	// default, so a page of another origin cannot open the link with a visitor's cookies.
	OriginPatterns []string
}

func (o ConnOptions) withDefaults() ConnOptions {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = DefaultReadLimit
	}
	return o
}

// Conn is one live WebSocket carrying OneBot frames, whichever side dialled it. It is safe for
// concurrent use.
type Conn struct {
	ws     *websocket.Conn
	opts   ConnOptions
	header http.Header // the handshake's request headers (accepted) or response headers (dialled)

	queue    chan []byte
	closing  chan struct{} // closed by the first Close
	done     chan struct{} // closed once reader and writer have ended
	once     sync.Once
	code     websocket.StatusCode
	reason   string // guarded by once / read after closing
	hard     bool   // close without a handshake: the peer is not answering
	lastSeen atomic.Int64
	peerCode atomic.Int32 // the status of the peer's close frame; 0 while none came

	// The writer's timeout (writeFrame): used by the writer goroutine only; writeTimedOut is set
	// by the timer when it fires.
	writeTimer    *time.Timer
	writeTimedOut atomic.Bool
}

// newConn makes a live WebSocket; start runs it.
func newConn(ws *websocket.Conn, h http.Header, o ConnOptions) *Conn {
	o = o.withDefaults()
	c := &Conn{
		ws:      ws,
		opts:    o,
		header:  h,
		queue:   make(chan []byte, o.QueueSize),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	ws.SetReadLimit(o.ReadLimit)
	c.lastSeen.Store(time.Now().UnixNano())
	return c
}

// start runs the reader, the writer and the silence watch of a new connection.
func (c *Conn) start() *Conn {
	o := c.opts
	readDone := make(chan struct{})
	writeDone := make(chan struct{})
	go c.read(readDone)
	go c.write(writeDone)
	if o.Silence > 0 {
		go c.watch()
	}
	go func() {
		<-readDone
		<-writeDone
		close(c.done)
		if o.OnClose != nil {
			o.OnClose(c, c.Reason())
		}
	}()
	return c
}

// Accept upgrades an HTTP request to a live WebSocket (a reverse link the open layer dialled, or
// a bot dialling the hub). The caller checks the token before calling it. The WebSocket
// library's origin check stays on: a browser page of another origin cannot open the link.
func Accept(w http.ResponseWriter, r *http.Request, o ConnOptions) (*Conn, error) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: o.OriginPatterns})
	if err != nil {
		return nil, err
	}
	return newConn(ws, r.Header.Clone(), o).start(), nil
}

// Header is the handshake's headers: the request's for an accepted link (X-Self-ID,
// X-Client-Role…), the response's for a dialled one.
func (c *Conn) Header() http.Header { return c.header }

// Send queues one text frame, waiting for room until ctx is done. It returns once the frame is
// queued, not written: ErrClosed when the connection is closing or closed.
func (c *Conn) Send(ctx context.Context, frame []byte) error {
	if c.isClosing() {
		return ErrClosed
	}
	select {
	case c.queue <- frame:
		return nil
	case <-c.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Offer queues one text frame without waiting: ErrQueueFull when there is no room (the
// connection stays open: the caller decides, e.g. CloseWith a reason the peer will read after
// the frames already queued), ErrClosed when it is closing or closed.
func (c *Conn) Offer(frame []byte) error {
	if c.isClosing() {
		return ErrClosed
	}
	select {
	case c.queue <- frame:
		return nil
	default:
		return ErrQueueFull
	}
}

// Push queues one text frame without waiting. A full queue means the peer is not keeping up:
// the connection is closed (reason "slow peer") and ErrQueueFull returned, so one slow peer
// never holds up whoever pushes to many.
func (c *Conn) Push(frame []byte) error {
	if err := c.Offer(frame); err != ErrQueueFull {
		return err
	}
	c.end(websocket.StatusPolicyViolation, fmt.Sprintf("slow peer: %d frames waiting to be written", cap(c.queue)), true)
	// The writer is stuck in a write the peer does not read: no close handshake can get
	// through, so the socket is closed at once.
	go c.ws.CloseNow()
	return ErrQueueFull
}

// Close ends the connection with a normal close frame carrying reason (cut to what a close frame
// holds), after the frames already queued. It does not wait: Done says when the connection has
// ended. Only the first reason counts.
func (c *Conn) Close(reason string) { c.closeWith(websocket.StatusNormalClosure, reason) }

// CloseWith is Close with a WebSocket status code (1008 policy violation, 1011 internal error…).
func (c *Conn) CloseWith(code int, reason string) { c.closeWith(websocket.StatusCode(code), reason) }

func (c *Conn) closeWith(code websocket.StatusCode, reason string) { c.end(code, reason, false) }

// end records why the connection ends (the first reason wins) and wakes the writer, which
// closes it: with a close handshake, or at once (hard) for a peer that is not answering.
func (c *Conn) end(code websocket.StatusCode, reason string, hard bool) {
	c.once.Do(func() {
		c.code, c.reason, c.hard = code, reason, hard
		close(c.closing)
	})
}

// Done is closed once the connection has ended (both goroutines gone).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Reason is why the connection ended or is ending ("" while it is live).
func (c *Conn) Reason() string {
	if c.isClosing() {
		return c.reason
	}
	return ""
}

// isClosing reports whether the connection is closing or closed.
func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// PeerClosed reports whether the peer ended the connection with a close frame, and its status
// code (1000 normal, 1001 going away…).
func (c *Conn) PeerClosed() (code int, ok bool) {
	code = int(c.peerCode.Load())
	return code, code != 0
}

// LastSeen is when the last frame or pong arrived.
func (c *Conn) LastSeen() time.Time { return time.Unix(0, c.lastSeen.Load()) }

func (c *Conn) read(done chan struct{}) {
	defer close(done)
	// A read ends when a frame arrives, the peer closes, or the writer closes the socket after
	// Close: nothing cancels it, so its context is one that never ends (a cancellable one costs
	// the WebSocket library a context.AfterFunc registration per frame).
	ctx := context.Background()
	// Frames are read into one buffer kept for the connection and handed on as an exact-size
	// copy: io.ReadAll (what websocket.Conn.Read does) starts at 512 bytes and regrows for
	// every frame.
	var buf bytes.Buffer
	for {
		data, err := c.readFrame(ctx, &buf)
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				c.peerCode.Store(int32(code))
			}
			c.closeWith(websocket.StatusNormalClosure, readReason(err))
			return
		}
		c.lastSeen.Store(time.Now().UnixNano())
		if c.opts.OnFrame != nil {
			c.opts.OnFrame(c, data)
		}
	}
}

// readFrame reads the next data frame, through buf, into a slice of its own.
func (c *Conn) readFrame(ctx context.Context, buf *bytes.Buffer) ([]byte, error) {
	_, r, err := c.ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	data := bytes.Clone(buf.Bytes())
	if buf.Cap() > maxKeptReadBuffer {
		*buf = bytes.Buffer{} // after a huge frame, do not keep its memory for the small ones
	}
	return data, nil
}

// maxKeptReadBuffer bounds the read buffer a connection keeps between frames.
const maxKeptReadBuffer = 1 << 20

// readReason says why reading ended, in words fit for a state change.
func readReason(err error) string {
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce):
		if ce.Reason != "" {
			return fmt.Sprintf("closed by the peer (%d %s)", int(ce.Code), ce.Reason)
		}
		return fmt.Sprintf("closed by the peer (%d)", int(ce.Code))
	case errors.Is(err, websocket.ErrMessageTooBig):
		return "the peer sent a frame larger than the read limit"
	}
	return "connection lost: " + err.Error()
}

func (c *Conn) write(done chan struct{}) {
	defer close(done)
	for {
		select {
		case frame := <-c.queue:
			if err := c.writeFrame(frame); err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					c.closeWith(websocket.StatusGoingAway, fmt.Sprintf("a write did not finish within %s", c.opts.WriteTimeout))
				} else {
					c.closeWith(websocket.StatusGoingAway, "write failed: "+err.Error())
				}
				c.ws.CloseNow()
				return
			}
		case <-c.closing:
			// The close frame is written here, by the one writer, after the frames already
			// queued (a last answer, a refusal); the handshake is bounded by the library (5 s
			// each way), then the socket is closed and the reader ends.
			if !c.hard {
				c.flush()
				c.ws.Close(c.code, closeFrameReason(c.reason))
			}
			c.ws.CloseNow()
			return
		}
	}
}

// writeFrame writes one frame under the write timeout; a write cut by it gives an error that
// is context.DeadlineExceeded. The timeout is one timer of the connection's, re-armed per
// frame, which closes the socket when it fires: a context with a timeout per frame (and the
// library's context.AfterFunc on it) was a quarter of a flooding writer's CPU.
func (c *Conn) writeFrame(frame []byte) error {
	if c.writeTimer == nil {
		c.writeTimer = time.AfterFunc(c.opts.WriteTimeout, func() {
			c.writeTimedOut.Store(true)
			// The reason first: the reader sees the socket close too, and the first reason wins.
			c.end(websocket.StatusGoingAway, fmt.Sprintf("a write did not finish within %s", c.opts.WriteTimeout), true)
			c.ws.CloseNow()
		})
	} else {
		c.writeTimer.Reset(c.opts.WriteTimeout)
	}
	err := c.ws.Write(context.Background(), websocket.MessageText, frame)
	if !c.writeTimer.Stop() && c.writeTimedOut.Load() {
		// The timer fired: the socket is closed, whether or not this write got through.
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, errOr(err, "the write was cut off"))
	}
	return err
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// flush writes the frames still queued, each under the write timeout, stopping at the first
// that fails.
func (c *Conn) flush() {
	for {
		select {
		case frame := <-c.queue:
			if c.writeFrame(frame) != nil {
				return
			}
		default:
			return
		}
	}
}

// closeFrameReason cuts a reason to the 123 bytes a close frame carries, on a rune boundary.
func closeFrameReason(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// watch closes a silent connection: it pings the peer half-way through a quiet spell and closes
// the connection when nothing at all (no frame, no pong) came for Silence.
func (c *Conn) watch() {
	silence := c.opts.Silence
	t := time.NewTimer(silence / 2)
	defer t.Stop()
	for {
		select {
		case <-c.closing:
			return
		case <-t.C:
		}
		idle := time.Since(c.LastSeen())
		if idle >= silence {
			c.end(websocket.StatusGoingAway, fmt.Sprintf("silent for %s: no frame and no pong", silence), true)
			return
		}
		if idle >= silence/2 {
			// The ping ends with its pong, its timeout, or the socket's close.
			ctx, cancel := context.WithTimeout(context.Background(), silence-idle)
			if c.ws.Ping(ctx) == nil {
				c.lastSeen.Store(time.Now().UnixNano())
			}
			cancel()
			idle = time.Since(c.LastSeen())
		}
		next := silence/2 - idle
		if next <= 0 {
			next = silence - idle
		}
		if next <= 0 {
			next = time.Millisecond
		}
		t.Reset(next)
	}
}
