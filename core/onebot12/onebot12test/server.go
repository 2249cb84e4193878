// Package onebot12test runs a fake OneBot 12 implementation for tests: actions over HTTP
// (POST / with Bearer or ?access_token) and over a forward WebSocket (GET / upgraded), in the
// documented shapes ({status, retcode, data, message, echo}; 10002 for an unknown action, 10003
// for a bad param, 10101 / 10102 for a missing or unknown self on a multi-account connection),
// upload_file → file_id, and webhook pushes with X-OneBot-Version / X-Impl that run the actions a
// webhook answers with. Every call is recorded.
//
// It does not import "testing" and logs nothing.
package onebot12test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core/adapterkit"
	"ucbi-console/core/adapterkit/fakekit"
	"ucbi-console/core/link"
)

// Impl is the fake's X-Impl.
const Impl = "onebot12test"

// Self is one account the fake serves.
type Self struct {
	Platform string `json:"platform"`
	UserID   string `json:"user_id"`
}

// Options configure a fake. The zero value serves one QQ account, 10001, without a token.
type Options struct {
	Token  string // required as Bearer or ?access_token on actions, and sent on webhook pushes
	Selves []Self // the accounts; several make "self" required on every action
}

// Recorded is one action the fake ran.
type Recorded struct {
	Action string
	Params map[string]any // numbers as json.Number
	Self   *Self
	Via    string // "http", "ws" or "webhook" (an action a webhook answered with)
	Header http.Header
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	ts    *httptest.Server
	opts  Options
	seq   atomic.Int64
	recs  fakekit.Log[Recorded]
	mu    sync.Mutex
	files map[string]map[string]any // file_id → the upload_file params
	conns map[*link.Conn]bool       // the forward WebSockets
}

// New starts a fake on loopback.
func New(o Options) *Server {
	if len(o.Selves) == 0 {
		o.Selves = []Self{{Platform: "qq", UserID: "10001"}}
	}
	s := &Server{opts: o, files: map[string]map[string]any{}, conns: map[*link.Conn]bool{}}
	s.seq.Store(1000)
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the HTTP URL actions are POSTed to.
func (s *Server) URL() string { return s.ts.URL }

// WSURL is the forward WebSocket's URL.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.ts.URL, "http") }

// Close shuts the fake down.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Requests returns the actions run, oldest first.
func (s *Server) Requests() []Recorded { return s.recs.All() }

// Count is how many times an action ran.
func (s *Server) Count(action string) int {
	return s.recs.Count(func(r Recorded) bool { return r.Action == action })
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if r.Header.Get("Authorization") == "" {
		got = r.URL.Query().Get("access_token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) == 1
}

// ServeHTTP answers actions: POST / over HTTP, or GET / upgraded to a WebSocket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveWS(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.handle(body, "http", r.Header.Clone()))
}

type response struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    any             `json:"data"`
	Message string          `json:"message"`
	Echo    json.RawMessage `json:"echo,omitempty"`
}

// handle runs one action frame and returns the response frame.
func (s *Server) handle(body []byte, via string, h http.Header) []byte {
	var req struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
		Echo   json.RawMessage `json:"echo"`
		Self   *Self           `json:"self"`
	}
	resp := response{Status: "failed"}
	if err := json.Unmarshal(body, &req); err != nil || req.Action == "" {
		resp.Retcode, resp.Message = 10001, "bad request: not an action"
		b, _ := json.Marshal(resp)
		return b
	}
	resp.Echo = req.Echo
	params := map[string]any{}
	if len(req.Params) > 0 && string(req.Params) != "null" {
		dec := json.NewDecoder(bytes.NewReader(req.Params))
		dec.UseNumber()
		if dec.Decode(&params) != nil {
			resp.Retcode, resp.Message = 10001, "bad request: params is not an object"
			b, _ := json.Marshal(resp)
			return b
		}
	}
	s.recs.Add(Recorded{Action: req.Action, Params: params, Self: req.Self, Via: via, Header: h})
	data, rc, msg := s.act(req.Action, params, req.Self)
	if rc == 0 {
		resp.Status = "ok"
	}
	resp.Data, resp.Retcode, resp.Message = data, rc, msg
	b, _ := json.Marshal(resp)
	return b
}

func (s *Server) self(given *Self) (Self, int, string) {
	if given == nil {
		if len(s.opts.Selves) > 1 {
			return Self{}, 10101, "Who Am I"
		}
		return s.opts.Selves[0], 0, ""
	}
	for _, x := range s.opts.Selves {
		if x == *given {
			return x, 0, ""
		}
	}
	return Self{}, 10102, "Unknown Self"
}

func str(p map[string]any, k string) string { return adapterkit.Str(p, k) }

func (s *Server) act(action string, p map[string]any, given *Self) (any, int, string) {
	self, rc, msg := s.self(given)
	if rc != 0 {
		return nil, rc, msg
	}
	switch action {
	case "get_self_info":
		return map[string]any{"user_id": self.UserID, "user_name": "测试机器人", "user_displayname": ""}, 0, ""
	case "get_version":
		return map[string]any{"impl": Impl, "version": "1.0.0", "onebot_version": "12"}, 0, ""
	case "get_status":
		return map[string]any{"good": true, "bots": []any{map[string]any{"self": self, "online": true}}}, 0, ""
	case "get_friend_list":
		return []map[string]any{{"user_id": "10002", "user_name": "张三", "user_displayname": "", "user_remark": "老张"}}, 0, ""
	case "get_group_list":
		return []map[string]any{{"group_id": "20001", "group_name": "测试群"}}, 0, ""
	case "upload_file":
		return s.upload(p)
	case "send_message":
		return s.send(p)
	case "delete_message":
		if str(p, "message_id") == "" {
			return nil, 10003, "message_id is required"
		}
		return nil, 0, ""
	}
	return nil, 10002, "unsupported action: " + action
}

func (s *Server) upload(p map[string]any) (any, int, string) {
	typ, name := str(p, "type"), str(p, "name")
	if name == "" {
		return nil, 10003, "name is required"
	}
	switch typ {
	case "url", "path", "data":
		if str(p, typ) == "" {
			return nil, 10003, typ + " is required"
		}
	default:
		return nil, 10004, "unsupported upload type: " + typ
	}
	id := "file-" + strconv.FormatInt(s.seq.Add(1), 10)
	s.mu.Lock()
	s.files[id] = p
	s.mu.Unlock()
	return map[string]any{"file_id": id}, 0, ""
}

func (s *Server) send(p map[string]any) (any, int, string) {
	switch str(p, "detail_type") {
	case "private":
		if str(p, "user_id") == "" {
			return nil, 10003, "user_id is required"
		}
	case "group":
		if str(p, "group_id") == "" {
			return nil, 10003, "group_id is required"
		}
	case "channel":
		if str(p, "guild_id") == "" || str(p, "channel_id") == "" {
			return nil, 10003, "guild_id and channel_id are required"
		}
	default:
		return nil, 10003, "unknown detail_type"
	}
	segs, _ := p["message"].([]any)
	if len(segs) == 0 {
		return nil, 10003, "message is required"
	}
	for _, x := range segs {
		seg, _ := x.(map[string]any)
		data, _ := seg["data"].(map[string]any)
		switch t, _ := seg["type"].(string); t {
		case "text", "mention_all", "reply", "location":
		case "mention":
			if str(data, "user_id") == "" {
				return nil, 10006, "mention needs user_id"
			}
		case "image", "voice", "audio", "video", "file":
			s.mu.Lock()
			_, ok := s.files[str(data, "file_id")]
			s.mu.Unlock()
			if !ok {
				return nil, 10006, "unknown file_id " + str(data, "file_id")
			}
		default:
			if !strings.Contains(t, ".") {
				return nil, 10005, "unsupported segment: " + t
			}
		}
	}
	return map[string]any{"message_id": strconv.FormatInt(s.seq.Add(1), 10), "time": float64(time.Now().UnixMilli()) / 1000}, 0, ""
}

// Files returns the upload_file params a file_id was made from.
func (s *Server) Files(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[id]
}

// serveWS runs a forward WebSocket on core/link's connection (one writer, bounded queue): it
// says connect, then answers each action frame.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	header := r.Header.Clone()
	c, err := link.Accept(w, r, link.ConnOptions{
		QueueSize: 64,
		OnFrame: func(c *link.Conn, frame []byte) {
			_ = c.Push(s.handle(frame, "ws", header)) // a peer that reads no answers is closed
		},
		OnClose: func(c *link.Conn, _ string) {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		},
	})
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	connect, _ := json.Marshal(Event("meta", "connect", "", map[string]any{
		"version": map[string]any{"impl": Impl, "version": "1.0.0", "onebot_version": "12"}}, nil))
	_ = c.Push(connect)
}

// Broadcast sends an event to every forward WebSocket connection; it returns how many got it.
func (s *Server) Broadcast(event any) int {
	b, _ := json.Marshal(event)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if c.Offer(b) == nil {
			n++
		}
	}
	return n
}

// PushWebhook POSTs an event to a webhook URL as an implementation does (Content-Type,
// User-Agent, X-OneBot-Version: 12, X-Impl, Authorization when the fake has a token). A 200
// answer is a JSON array of actions, which the fake runs (recorded with Via "webhook"); 204 is
// nothing to do. It returns the answer's status.
func (s *Server) PushWebhook(ctx context.Context, url string, event any) (int, error) {
	body, err := json.Marshal(event)
	if err != nil {
		return 0, err
	}
	header := map[string]string{"User-Agent": "OneBot/12 (" + Impl + ") 1.0.0", "X-OneBot-Version": "12", "X-Impl": Impl}
	if s.opts.Token != "" {
		header["Authorization"] = "Bearer " + s.opts.Token
	}
	status, _, answer, err := fakekit.PostJSON(ctx, url, body, header)
	if err != nil {
		return status, err
	}
	if status == http.StatusOK {
		var actions []json.RawMessage
		if err := json.Unmarshal(answer, &actions); err != nil {
			return status, fmt.Errorf("the webhook answered 200 with something that is not a list of actions: %v", err)
		}
		for _, a := range actions {
			s.handle(a, "webhook", nil)
		}
	}
	return status, nil
}

// Event builds a OneBot 12 event: id, time (float seconds), type, detail_type, sub_type, self
// (nil = the fake's first account; none on meta events) and the fields given.
func (s *Server) Event(typ, detail, sub string, fields map[string]any) map[string]any {
	self := s.opts.Selves[0]
	return Event(typ, detail, sub, fields, &self)
}

var eventSeq atomic.Int64

// Event builds an event for a given self (nil: none, as meta events have).
func Event(typ, detail, sub string, fields map[string]any, self *Self) map[string]any {
	ev := map[string]any{"id": "ev-" + strconv.FormatInt(eventSeq.Add(1), 10),
		"time": float64(time.Now().UnixMilli()) / 1000, "type": typ, "detail_type": detail, "sub_type": sub}
	if self != nil && typ != "meta" {
		ev["self"] = self
	}
	for k, v := range fields {
		ev[k] = v
	}
	return ev
}
