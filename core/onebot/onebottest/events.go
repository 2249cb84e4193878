package onebottest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ucbi-console/core/link"
)

// Event pushing, as NapCat's four network sections do it (reference/onebot11-events.md):
//
//   - websocketServers: the fake's own URL serves WebSockets: "/" pushes events and takes actions,
//     "/api" takes actions only, "/event" pushes events only. A NapCat-like fake answers a bad
//     token with its 1403 frame and closes; go-cqhttp and Lagrange answer 401/403 before the
//     upgrade. On connect it pushes a lifecycle "connect" event.
//   - websocketClients: ConnectReverse dials a URL with NapCat's headers (X-Self-ID,
//     X-Client-Role: Universal, User-Agent: OneBot/11, Authorization: Bearer), redialling.
//   - httpClients: AddPostURL makes every event a POST there, signed with X-Signature.
//   - httpSseServers: GET /_events is a Server-Sent Events stream of every event.
//
// Actions that arrive over a WebSocket are answered and recorded like HTTP calls (Requests,
// Count), with the handshake's headers.

// wsQueue bounds the frames waiting for one WebSocket peer; a push waits for room (the fake
// holds a flood back rather than dropping events), up to wsPushTimeout.
const (
	wsQueue       = 4096
	wsPushTimeout = 10 * time.Second
)

type eventHub struct {
	mu      sync.Mutex
	conns   map[*link.Conn]bool // live WebSockets that get events (forward and reverse)
	all     map[*link.Conn]bool // every live WebSocket (to drop them)
	sse     map[chan []byte]bool
	posts   []postTarget
	clients []*link.Client
	beat    chan struct{} // closed to stop the heartbeat
	client  *http.Client
}

type postTarget struct {
	url, secret string
	upper       bool
}

func newEventHub() *eventHub {
	return &eventHub{conns: map[*link.Conn]bool{}, all: map[*link.Conn]bool{}, sse: map[chan []byte]bool{},
		client: &http.Client{Timeout: 5 * time.Second}}
}

func (h *eventHub) close() {
	h.mu.Lock()
	clients := h.clients
	h.clients = nil
	if h.beat != nil {
		close(h.beat)
		h.beat = nil
	}
	h.mu.Unlock()
	for _, c := range clients {
		c.Close()
	}
	h.dropLinks("the server closed")
}

// dropLinks closes every live WebSocket and SSE stream (reverse links redial by themselves).
func (h *eventHub) dropLinks(reason string) {
	h.mu.Lock()
	var conns []*link.Conn
	for c := range h.all {
		conns = append(conns, c)
	}
	for ch := range h.sse {
		close(ch)
		delete(h.sse, ch)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.Close(reason)
	}
}

// WSURL is the fake's WebSocket server URL (ws://127.0.0.1:port/), NapCat websocketServers.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/" }

// EventLinks is how many WebSockets and SSE streams currently receive events (tests wait for
// a link to be there before emitting).
func (s *Server) EventLinks() int {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	return len(s.events.conns) + len(s.events.sse)
}

// serveEventLink serves WebSocket upgrades and GET /_events; it reports whether it answered.
func (s *Server) serveEventLink(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		s.serveWS(w, r)
		return true
	case r.Method == http.MethodGet && strings.TrimRight(r.URL.Path, "/") == "/_events":
		s.serveSSE(w, r)
		return true
	}
	return false
}

// wsTokenOK checks a WebSocket's token as NapCat does: Authorization (Bearer) or ?access_token.
func (s *Server) wsTokenOK(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	got := r.Header.Get("Authorization")
	if i := strings.Index(got, " "); i >= 0 {
		got = got[i+1:]
	}
	if got == "" {
		got = r.URL.Query().Get("access_token")
	}
	return got == s.opts.Token
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.napcatLike() && !s.authorize(w, r) {
		return // go-cqhttp and Lagrange refuse before the upgrade
	}
	path := strings.TrimRight(r.URL.Path, "/")
	events := !strings.HasSuffix(path, "/api")
	actions := !strings.HasSuffix(path, "/event")
	header := r.Header.Clone()
	conn, err := link.Accept(w, r, link.ConnOptions{
		QueueSize: wsQueue,
		OnFrame: func(c *link.Conn, frame []byte) {
			if actions {
				s.wsAction(c, header, frame)
			}
		},
		OnClose: func(c *link.Conn, _ string) { s.events.remove(c) },
	})
	if err != nil {
		return
	}
	if !s.wsTokenOK(r) {
		conn.Send(context.Background(), []byte(`{"status":"failed","retcode":1403,"data":null,"message":"token验证失败","wording":"token验证失败","echo":null}`))
		conn.CloseWith(1008, "token验证失败")
		return
	}
	s.events.add(conn, events)
	if events {
		conn.Send(context.Background(), s.lifecycle("connect"))
	}
}

func (h *eventHub) add(c *link.Conn, events bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all[c] = true
	if events {
		h.conns[c] = true
	}
}

func (h *eventHub) remove(c *link.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, c)
	delete(h.conns, c)
}

// wsAction answers one action frame {action, params, echo} and records it. A frame that is not
// one gets NapCat's 1400 answer.
func (s *Server) wsAction(c *link.Conn, header http.Header, frame []byte) {
	var req struct {
		Action string         `json:"action"`
		Params map[string]any `json:"params"`
		Echo   any            `json:"echo"`
	}
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil || req.Action == "" {
		c.Send(context.Background(), []byte(`{"status":"failed","retcode":1400,"data":null,"message":"Invalid JSON","wording":"Invalid JSON","echo":null}`))
		return
	}
	if req.Params == nil {
		req.Params = map[string]any{}
	}
	s.record(req.Action, req.Params, header)
	go func() {
		if d := time.Duration(s.delay.Load()); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.stop:
				return
			case <-c.Done():
				return
			}
		}
		data, f := s.act(req.Action, req.Params)
		ctx, cancel := context.WithTimeout(context.Background(), wsPushTimeout)
		defer cancel()
		c.Send(ctx, s.envelope(req.Echo, data, f))
	}()
}

func (s *Server) serveSSE(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	ch := make(chan []byte, wsQueue)
	s.events.mu.Lock()
	s.events.sse[ch] = true
	s.events.mu.Unlock()
	defer func() {
		s.events.mu.Lock()
		if s.events.sse[ch] {
			delete(s.events.sse, ch)
		}
		s.events.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			fmt.Fprintf(w, "data: %s\n\n", ev)
			fl.Flush()
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
}

// ReverseOptions configure a reverse WebSocket (NapCat websocketClients).
type ReverseOptions struct {
	Token string // sent as Authorization: Bearer (NapCat)
	// TokenScheme replaces "Bearer" ("Token" for go-cqhttp).
	TokenScheme string
	// MinBackoff, MaxBackoff: NapCat's reconnectInterval is 5 s; tests use less.
	MinBackoff, MaxBackoff time.Duration
}

// ConnectReverse dials url as NapCat's websocketClients do (X-Self-ID, X-Client-Role: Universal,
// User-Agent: OneBot/11), pushes every event there, answers actions, and redials when the link
// drops, until stop (or Close).
func (s *Server) ConnectReverse(url string, o ReverseOptions) (stop func(), err error) {
	header := http.Header{
		"X-Self-Id":     {strconv.FormatInt(s.opts.SelfID, 10)},
		"X-Client-Role": {"Universal"},
		"User-Agent":    {"OneBot/11"},
	}
	if s.opts.Flavor == GoCQHTTP {
		header.Set("User-Agent", "CQHttp/4.15.0")
	}
	recorded := header.Clone()
	c, err := link.NewClient(link.ClientConfig{
		URL: url, Token: o.Token, TokenScheme: o.TokenScheme, Header: header,
		MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff,
		Conn: link.ConnOptions{
			QueueSize: wsQueue,
			OnFrame:   func(c *link.Conn, frame []byte) { s.wsAction(c, recorded, frame) },
			OnClose:   func(c *link.Conn, _ string) { s.events.remove(c) },
		},
		OnConnect: func(c *link.Conn) {
			s.events.add(c, true)
			c.Send(context.Background(), s.lifecycle("connect"))
		},
	})
	if err != nil {
		return nil, err
	}
	s.events.mu.Lock()
	s.events.clients = append(s.events.clients, c)
	s.events.mu.Unlock()
	return c.Close, nil
}

// AddPostURL makes every later event also a POST to url (NapCat httpClients): Content-Type
// application/json, X-Self-ID, and with a secret X-Signature: sha1=<hex HMAC-SHA1(secret, body)>,
// in upper-case hex when upper (as Lagrange writes it).
func (s *Server) AddPostURL(url, secret string, upper bool) {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	s.events.posts = append(s.events.posts, postTarget{url: url, secret: secret, upper: upper})
}

// Sign is the X-Signature of body under secret ("sha1=<lower-case hex>").
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// Emit pushes one event (any JSON-marshalable value, or json.RawMessage / []byte as is) to every
// event link: WebSockets (queued, waiting for room rather than dropping), SSE streams, and a POST
// to every post URL, in turn. The error is the first POST that failed (status not 2xx, or no
// answer); the other links never fail an Emit.
func (s *Server) Emit(event any) error {
	var raw []byte
	switch e := event.(type) {
	case json.RawMessage:
		raw = e
	case []byte:
		raw = e
	default:
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		raw = b
	}
	h := s.events
	h.mu.Lock()
	conns := make([]*link.Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	for ch := range h.sse {
		select {
		case ch <- raw:
		default: // a stream that does not keep up is ended
			close(ch)
			delete(h.sse, ch)
		}
	}
	posts := append([]postTarget(nil), h.posts...)
	h.mu.Unlock()
	// Each link gets each event first as often as the others: a map of two links iterates in
	// one order 7 times in 8, so without the shuffle the later-connected peer was written first
	// ~3/4 of the time (its writer is the last readied, so it runs first), which made the
	// bench's "bot straight on NapCat" look faster than a fair fake would.
	rand.Shuffle(len(conns), func(i, j int) { conns[i], conns[j] = conns[j], conns[i] })
	for _, c := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), wsPushTimeout)
		c.Send(ctx, raw)
		cancel()
	}
	var first error
	for _, p := range posts {
		if err := s.post(p, raw); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Server) post(p postTarget, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Self-ID", strconv.FormatInt(s.opts.SelfID, 10))
	if s.opts.Flavor == GoCQHTTP {
		req.Header.Set("User-Agent", "CQHttp/4.15.0")
	}
	if p.secret != "" {
		sig := Sign(p.secret, body)
		if p.upper {
			sig = "sha1=" + strings.ToUpper(strings.TrimPrefix(sig, "sha1="))
		}
		req.Header.Set("X-Signature", sig)
	}
	resp, err := s.events.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", p.url, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("POST %s: HTTP %d", p.url, resp.StatusCode)
	}
	return nil
}

// StartHeartbeat pushes a heartbeat every interval (NapCat heartInterval) until stop or Close.
func (s *Server) StartHeartbeat(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	s.events.mu.Lock()
	if s.events.beat != nil {
		close(s.events.beat)
	}
	s.events.beat = done
	s.events.mu.Unlock()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.Emit(s.HeartbeatEvent(interval))
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.events.mu.Lock()
			if s.events.beat == done {
				close(done)
				s.events.beat = nil
			}
			s.events.mu.Unlock()
		})
	}
}

// Event builders: the shapes NapCat sends (array message format).

func (s *Server) base(postType string) map[string]any {
	return map[string]any{"time": time.Now().Unix(), "self_id": s.opts.SelfID, "post_type": postType}
}

func (s *Server) lifecycle(sub string) []byte {
	ev := s.base("meta_event")
	ev["meta_event_type"], ev["sub_type"] = "lifecycle", sub
	b, _ := json.Marshal(ev)
	return b
}

// HeartbeatEvent is a heartbeat meta event with the given interval.
func (s *Server) HeartbeatEvent(interval time.Duration) map[string]any {
	ev := s.base("meta_event")
	ev["meta_event_type"], ev["status"], ev["interval"] = "heartbeat", map[string]any{"online": true, "good": true}, interval.Milliseconds()
	return ev
}

func textMessage(text string) []map[string]any {
	return []map[string]any{{"type": "text", "data": map[string]any{"text": text}}}
}

// GroupMessageEvent is a group message from userID in groupID saying text (the sender is
// named from the fake's member list when known).
func (s *Server) GroupMessageEvent(groupID, userID int64, text string) map[string]any {
	ev := s.base("message")
	id := s.msgID.Add(1)
	nick, card, role := s.friendName(strconv.FormatInt(userID, 10)), "", "member"
	if userID == 10002 {
		card, role = "群主的朋友", "admin"
	}
	ev["message_type"], ev["sub_type"], ev["message_id"], ev["message_seq"], ev["real_id"] = "group", "normal", id, id, id
	ev["user_id"], ev["group_id"], ev["group_name"] = userID, groupID, s.groupName(strconv.FormatInt(groupID, 10))
	ev["message"], ev["raw_message"], ev["font"], ev["message_format"] = textMessage(text), text, 14, "array"
	ev["sender"] = map[string]any{"user_id": userID, "nickname": nick, "card": card, "role": role}
	return ev
}

// PrivateMessageEvent is a private message from userID saying text.
func (s *Server) PrivateMessageEvent(userID int64, text string) map[string]any {
	ev := s.base("message")
	id := s.msgID.Add(1)
	ev["message_type"], ev["sub_type"], ev["message_id"], ev["message_seq"], ev["real_id"] = "private", "friend", id, id, id
	ev["user_id"], ev["target_id"] = userID, s.opts.SelfID
	ev["message"], ev["raw_message"], ev["font"], ev["message_format"] = textMessage(text), text, 14, "array"
	ev["sender"] = map[string]any{"user_id": userID, "nickname": s.friendName(strconv.FormatInt(userID, 10)), "card": ""}
	return ev
}

// NoticeEvent is a notice of noticeType with the given fields (group_id, user_id, sub_type…).
func (s *Server) NoticeEvent(noticeType string, fields map[string]any) map[string]any {
	ev := s.base("notice")
	ev["notice_type"] = noticeType
	for k, v := range fields {
		ev[k] = v
	}
	return ev
}
