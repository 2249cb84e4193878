package demo

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"ucbi-console/core/adapterkit"
)

// Bounds of the transport.
const (
	maxBody      = 8 << 20          // an action's body or frame
	queueSize    = 256              // frames waiting for one connection's writer
	writeTimeout = 10 * time.Second // one frame
	closeSlow    = "too slow: events were not read in time"
)

// envelope is NapCat's answer (OB11Response): status, retcode, data, message, wording, echo, stream.
type envelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    any             `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Echo    json.RawMessage `json:"echo"`
	Stream  string          `json:"stream"`
}

func okEnvelope(data any, echo json.RawMessage) []byte {
	return envelopeJSON(envelope{Status: "ok", Data: data, Echo: echo})
}

func failEnvelope(retcode int, msg string, echo json.RawMessage) []byte {
	return envelopeJSON(envelope{Status: "failed", Retcode: retcode, Message: msg, Wording: msg, Echo: echo})
}

func envelopeJSON(e envelope) []byte {
	e.Stream = "normal-action"
	b, err := json.Marshal(e)
	if err != nil { // data the demo made itself always marshals; say so if it ever does not
		e.Data, e.Status, e.Retcode, e.Message, e.Wording = nil, "failed", 1200, err.Error(), err.Error()
		b, _ = json.Marshal(e)
	}
	return b
}

// ServeHTTP serves the demo's pictures and files, the forward WebSocket (GET upgrades on /,
// /api, /event) and HTTP actions (POST or GET /{action}).
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && serveMedia(w, r) {
		return
	}
	if r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		d.serveWS(w, r)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	params, perr := readParams(r)
	if !d.authorized(r) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"token verify failed!"}`))
		return
	}
	if perr != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("Invalid JSON"))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	action := strings.Trim(r.URL.Path, "/")
	if i := strings.LastIndexByte(action, '/'); i >= 0 {
		action = action[i+1:]
	}
	echo := d.httpEcho(params["echo"])
	if action == "" {
		b := envelope{Status: "ok", Data: map[string]any{}, Message: AppName + " Is Running", Echo: echo}
		w.Write(envelopeJSON(b))
		return
	}
	data, f := d.act(action, params)
	if f == nil {
		w.Write(okEnvelope(data, echo))
		return
	}
	code, msg := 200, f.text
	switch f.kind {
	case badParams:
		code = 400
	case unknown:
		msg = "不支持的Api " + f.text
	}
	w.Write(failEnvelope(code, msg, echo))
}

var echoSeq atomic.Int64

// httpEcho is the request's echo, or — as NapCat does over HTTP — a made-up one.
func (d *Demo) httpEcho(v any) json.RawMessage {
	if v != nil {
		if b, err := json.Marshal(v); err == nil {
			return b
		}
	}
	b, _ := json.Marshal("demo-" + strconv.FormatInt(echoSeq.Add(1), 36))
	return b
}

// authorized checks the token as NapCat does: ?access_token, else what follows "Bearer " in
// Authorization. It compares in constant time.
func (d *Demo) authorized(r *http.Request) bool {
	if d.opts.Token == "" {
		return true
	}
	got := r.URL.Query().Get("access_token")
	if got == "" {
		auth := r.Header.Get("Authorization")
		got = auth
		if i := strings.LastIndex(auth, "Bearer "); i >= 0 {
			got = auth[i+len("Bearer "):]
		}
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(d.opts.Token)) == 1
}

// readParams merges the JSON or form body and the query (the query wins, as in NapCat). err is
// set for a body that is not a JSON object; null and empty count as {}.
func readParams(r *http.Request) (map[string]any, error) {
	params := map[string]any{}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			params[k] = v[0]
		}
	} else if params, err = decodeObject(body); err != nil {
		return nil, err
	}
	for k, v := range r.URL.Query() {
		if k != "access_token" {
			params[k] = v[0]
		}
	}
	return params, nil
}

// decodeObject decodes a JSON object with numbers kept as json.Number; empty and null are {}.
func decodeObject(b []byte) (map[string]any, error) {
	if b = bytes.TrimSpace(b); len(b) == 0 || string(b) == "null" {
		return map[string]any{}, nil
	}
	return adapterkit.DecodeObject(b)
}

// hub is the set of open WebSocket connections that take events.
type hub struct {
	mu     sync.Mutex
	conns  map[*wsConn]struct{}
	closed bool
	wg     sync.WaitGroup // one per connection, added only while not closed
}

func newHub() *hub { return &hub{conns: map[*wsConn]struct{}{}} }

// add registers a connection; false once the demo is closing.
func (h *hub) add(c *wsConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	if c.events {
		h.conns[c] = struct{}{}
	}
	return true
}

func (h *hub) remove(c *wsConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.wg.Done()
}

// broadcast queues an event for every event connection; a connection whose queue is full is
// closed as too slow rather than slowing the others.
func (h *hub) broadcast(ev []byte) {
	if len(ev) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		if !c.queue(ev) {
			c.end(websocket.StatusPolicyViolation, closeSlow)
		}
	}
}

// closeAll ends every connection and waits for them.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for c := range h.conns {
		c.end(websocket.StatusGoingAway, "the demo is shutting down")
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// wsConn is one forward WebSocket. Only its writer goroutine writes to it.
type wsConn struct {
	conn    *websocket.Conn
	events  bool // takes events (/ and /event)
	actions bool // takes actions (/ and /api)
	out     chan []byte
	ctx     context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex // guards code and reason
	code   websocket.StatusCode
	reason string
}

// queue hands a frame to the writer without waiting; false when the queue is full.
func (c *wsConn) queue(b []byte) bool {
	select {
	case c.out <- b:
		return true
	case <-c.ctx.Done():
		return true // ending anyway
	default:
		return false
	}
}

// end makes the writer close the connection with code and reason (the first reason wins).
func (c *wsConn) end(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.code == 0 {
		c.code, c.reason = code, reason
	}
	c.mu.Unlock()
	c.cancel()
}

// ending is why the connection ends: the first end's code and reason, else going away (the
// demo is closing).
func (c *wsConn) ending() (websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.code == 0 {
		return websocket.StatusGoingAway, "the demo is shutting down"
	}
	return c.code, c.reason
}

func (d *Demo) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered the request
	}
	conn.SetReadLimit(maxBody)
	path := strings.TrimRight(r.URL.Path, "/")
	c := &wsConn{conn: conn, events: path != "/api", actions: path != "/event", out: make(chan []byte, queueSize)}
	c.ctx, c.cancel = context.WithCancel(d.ctx)
	defer c.cancel()
	if !d.authorized(r) {
		// NapCat accepts the upgrade, then says why in a frame and closes.
		wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		conn.Write(wctx, websocket.MessageText, failEnvelope(1403, "token验证失败", nil))
		cancel()
		conn.Close(websocket.StatusPolicyViolation, "token验证失败")
		return
	}
	if !d.hub.add(c) {
		conn.Close(websocket.StatusGoingAway, "the demo is shutting down")
		return
	}
	defer d.hub.remove(c)
	if c.events {
		c.out <- d.lifecycle() // the queue is empty: this cannot block
	}
	// The reader's context outlives c.ctx until the close handshake is done: coder/websocket
	// drops the connection without a close frame when a Read's context ends, and the peer
	// should get the reason.
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(c.ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.read(readCtx, d)
	}()
	c.write()
	stopReading()
	<-done
}

// statusGone is the end code of a connection the peer dropped: there is nobody to tell.
const statusGone websocket.StatusCode = -1

// write is the connection's one writer: frames from the queue, each with a deadline, then the
// close frame with the reason the connection ended.
func (c *wsConn) write() {
	for {
		select {
		case <-c.ctx.Done():
			code, reason := c.ending()
			if code == statusGone {
				c.conn.CloseNow()
				return
			}
			c.conn.Close(code, reason) // bounded by the library's own close-handshake timeouts
			return
		case b := <-c.out:
			// Only the deadline bounds a write: coder/websocket drops the connection without a
			// close frame when a write's context ends, and ending is this goroutine's job.
			wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := c.conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.end(statusGone, "")
			}
		}
	}
}

// read takes action frames until the connection ends.
func (c *wsConn) read(ctx context.Context, d *Demo) {
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			c.end(statusGone, "")
			return
		}
		reply := d.wsAction(b, c.actions)
		select {
		case c.out <- reply:
		case <-c.ctx.Done():
			return
		}
	}
}

// wsAction runs one {action, params, echo} frame and returns the answer, with NapCat's
// WebSocket retcodes: 1400 bad frame or params, 1404 no such action, 1200 the action failed;
// 1403 on a connection that carries events only (/event).
func (d *Demo) wsAction(b []byte, allowed bool) []byte {
	var frame struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
		Echo   json.RawMessage `json:"echo"`
	}
	if err := json.Unmarshal(b, &frame); err != nil {
		return failEnvelope(1400, "json解析失败,请检查数据格式", nil)
	}
	if !allowed {
		return failEnvelope(1403, "this connection carries events only (/event): send actions on / or /api", frame.Echo)
	}
	params := map[string]any{}
	if p := bytes.TrimSpace(frame.Params); len(p) > 0 && string(p) != "null" {
		var err error
		if params, err = decodeObject(p); err != nil {
			return failEnvelope(1400, "params must be an object", frame.Echo)
		}
	}
	data, f := d.act(frame.Action, params)
	if f == nil {
		return okEnvelope(data, frame.Echo)
	}
	switch f.kind {
	case badParams:
		return failEnvelope(1400, f.text, frame.Echo)
	case unknown:
		return failEnvelope(1404, "不支持的API "+f.text, frame.Echo)
	}
	return failEnvelope(1200, f.text, frame.Echo)
}
