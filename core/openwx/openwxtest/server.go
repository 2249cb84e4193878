// Package openwxtest runs a fake Mojo-Weixin Openwx server for tests: its /openwx/ routes (GET
// query or POST form), its {code, status, msg_id} replies, 403 "api not found" for unknown routes,
// the -6 auth failure, check_event long polling and post_api reports (reference/adapters.md).
// Upstream is unmaintained and web WeChat refuses its logins, so this fake is how Openwx is tested.
//
// It does not import "testing" and logs nothing.
package openwxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core/adapterkit/fakekit"
)

// Contact is a friend, a group or a group member, as Openwx describes them.
type Contact struct {
	ID          string    `json:"id"`
	Account     string    `json:"account"`
	Name        string    `json:"name"`
	Markname    string    `json:"markname"`
	DisplayName string    `json:"displayname"`
	Member      []Contact `json:"member,omitempty"`
}

// The fake's account, friends and groups. Ids look like web WeChat's: "@…" for users, "@@…" for
// groups, and are valid for one login only.
var (
	Self    = Contact{ID: "@self0001", Account: "ucbi_bot", Name: "测试机器人", DisplayName: "测试机器人"}
	Friends = []Contact{
		{ID: "@f7c1a2b3", Account: "zhangsan", Name: "张三", Markname: "老张", DisplayName: "老张"},
		{ID: "@f9d8e7c6", Name: "李四", DisplayName: "李四"},
	}
	Groups = []Contact{
		{ID: "@@g5e4d3c2", Name: "PERL学习交流", DisplayName: "PERL学习交流", Member: []Contact{Friends[0], Friends[1]}},
	}
)

// MaxBuffered is how many events check_event keeps: Openwx drops the oldest beyond 20.
const MaxBuffered = 20

// Options configure a fake. The zero value requires no token and holds check_event for 30 s.
type Options struct {
	// Token, when set, must come as "Authorization: Bearer": the operator's auth callback.
	// Anything else answers {"code":-6,"status":"auth failure"}.
	Token string
	// PollWait is how long check_event waits for an event (default 30 s, Openwx's).
	PollWait time.Duration
}

// Recorded is one request the server received: its route and its merged query and form params.
type Recorded struct {
	Route  string
	Params url.Values
	Header http.Header
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	ts    *httptest.Server
	opts  Options
	msgID atomic.Int64

	recs fakekit.Log[Recorded]

	mu     sync.Mutex
	queue  []json.RawMessage
	signal chan struct{} // closed and replaced when an event is queued
	stop   chan struct{}
	once   sync.Once
}

// New starts a fake Openwx server on loopback.
func New(o Options) *Server {
	if o.PollWait <= 0 {
		o.PollWait = 30 * time.Second
	}
	s := &Server{opts: o, signal: make(chan struct{}), stop: make(chan struct{})}
	s.msgID.Store(23910327)
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the server's base URL (http://127.0.0.1:port); routes are under /openwx/.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down, ending held check_event requests at once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.stop) })
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Requests returns what the server received, oldest first.
func (s *Server) Requests() []Recorded { return s.recs.All() }

// Count is how many requests a route received.
func (s *Server) Count(route string) int {
	return s.recs.Count(func(r Recorded) bool { return r.Route == route })
}

// Enqueue buffers reports for check_event (the oldest are dropped beyond MaxBuffered) and wakes a
// held poll.
func (s *Server) Enqueue(reports ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range reports {
		b, _ := json.Marshal(r)
		s.queue = append(s.queue, b)
	}
	if over := len(s.queue) - MaxBuffered; over > 0 {
		s.queue = s.queue[over:]
	}
	close(s.signal)
	s.signal = make(chan struct{})
}

// Push POSTs a report to a post_api URL as Openwx does and returns the answer's status and body.
// When the answer is JSON with a "reply" key, the fake replies to the reported message as Openwx
// would: the reply is recorded as a request to the route "reply" with the report's target.
func (s *Server) Push(ctx context.Context, postAPI string, report any) (int, []byte, error) {
	body, err := json.Marshal(report)
	if err != nil {
		return 0, nil, err
	}
	status, header, answer, err := fakekit.PostJSON(ctx, postAPI, body, map[string]string{"User-Agent": "Mojo-Weixin"})
	if err != nil {
		return status, nil, err
	}
	if strings.Contains(header.Get("Content-Type"), "json") {
		var r map[string]any
		if json.Unmarshal(answer, &r) == nil {
			if reply, ok := r["reply"]; ok {
				var rep map[string]any
				_ = json.Unmarshal(body, &rep)
				p := url.Values{"content": {fmt.Sprint(reply)}}
				if m, ok := r["media"].(string); ok && m != "" {
					p.Set("media_path", m)
				}
				for _, k := range []string{"type", "sender_id", "group_id"} {
					if v, ok := rep[k].(string); ok {
						p.Set(k, v)
					}
				}
				s.record("reply", p, nil)
			}
		}
	}
	return status, answer, nil
}

func (s *Server) record(route string, p url.Values, h http.Header) {
	s.recs.Add(Recorded{Route: route, Params: p, Header: h})
}

// ServeHTTP answers one Openwx call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, ok := strings.CutPrefix(r.URL.Path, "/openwx/")
	if r.ParseForm() != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.record(route, r.Form, r.Header.Clone())
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
		s.notFound(w)
		return
	}
	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		s.json(w, http.StatusForbidden, map[string]any{"code": -6, "status": "auth failure"})
		return
	}
	p := r.Form
	switch route {
	case "get_user_info":
		s.json(w, 200, Self)
	case "get_friend_info":
		s.json(w, 200, Friends)
	case "get_group_info":
		s.json(w, 200, Groups)
	case "get_client_info":
		s.json(w, 200, map[string]any{"code": 0, "version": "1.4.6", "runtime": 60, "pid": 4242, "os": "linux"})
	case "send_friend_message":
		s.send(w, p, Friends, "id", "account", "displayname", "markname")
	case "send_group_message":
		s.send(w, p, Groups, "id", "displayname")
	case "check_event":
		s.checkEvent(w, r)
	default:
		s.notFound(w)
	}
}

func (s *Server) notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte("api not found"))
}

func (s *Server) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) send(w http.ResponseWriter, p url.Values, list []Contact, keys ...string) {
	var to *Contact
	for _, k := range keys {
		v := p.Get(k)
		if v == "" {
			continue
		}
		for i, c := range list {
			if (k == "id" && c.ID == v) || (k == "account" && c.Account == v) ||
				(k == "displayname" && c.DisplayName == v) || (k == "markname" && c.Markname == v) {
				to = &list[i]
			}
		}
		break
	}
	switch {
	case to == nil:
		s.json(w, 200, map[string]any{"code": 100, "status": "object not found"})
	case p.Get("content") == "" && p.Get("media_path") == "" && p.Get("media_id") == "":
		s.json(w, 200, map[string]any{"code": 101, "status": "content or media required"})
	default:
		s.json(w, 200, map[string]any{"status": "发送成功", "msg_id": s.msgID.Add(1), "code": 0})
	}
}

func (s *Server) checkEvent(w http.ResponseWriter, r *http.Request) {
	t := time.NewTimer(s.opts.PollWait)
	defer t.Stop()
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			out := s.queue
			s.queue = nil
			s.mu.Unlock()
			s.json(w, 200, out)
			return
		}
		wake := s.signal
		s.mu.Unlock()
		select {
		case <-wake:
		case <-t.C:
			s.json(w, 200, []any{})
			return
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
}

// Reports Openwx makes, for tests to push or enqueue.

// FriendMessage is a received friend message report.
func FriendMessage(id string, from Contact, content string) map[string]any {
	return map[string]any{"post_type": "receive_message", "id": id, "time": now(), "type": "friend_message",
		"class": "recv", "format": "text", "content": content, "sender": from.DisplayName, "sender_id": from.ID,
		"sender_account": from.Account, "sender_name": from.Name, "sender_markname": from.Markname,
		"receiver": Self.DisplayName, "receiver_id": Self.ID}
}

// GroupMessage is a received group message report.
func GroupMessage(id string, g, from Contact, content string) map[string]any {
	return map[string]any{"post_type": "receive_message", "id": id, "time": now(), "type": "group_message",
		"class": "recv", "format": "text", "content": content, "sender": from.DisplayName, "sender_id": from.ID,
		"receiver": Self.DisplayName, "receiver_id": Self.ID, "group": g.DisplayName, "group_id": g.ID}
}

// MediaMessage is a received friend message carrying a file (mediaType image, voice, video,
// emoticon or file) that Openwx saved at path.
func MediaMessage(id string, from Contact, mediaType, path string) map[string]any {
	m := FriendMessage(id, from, "[media]("+path+")")
	m["format"] = "media"
	m["media_type"] = mediaType
	m["media_path"] = path
	m["media_id"] = "media-" + id
	m["media_mime"] = "application/octet-stream"
	return m
}

// SentMessage is the report of a message the account sent to a friend.
func SentMessage(id string, to Contact, content string) map[string]any {
	return map[string]any{"post_type": "send_message", "id": id, "time": now(), "type": "friend_message",
		"class": "send", "format": "text", "content": content, "sender": Self.DisplayName, "sender_id": Self.ID,
		"receiver": to.DisplayName, "receiver_id": to.ID}
}

// GroupNotice is a system line in a group ("张三 joined").
func GroupNotice(id string, g Contact, content string) map[string]any {
	return map[string]any{"post_type": "receive_message", "id": id, "time": now(), "type": "group_notice",
		"class": "recv", "format": "text", "content": content, "group": g.DisplayName, "group_id": g.ID}
}

// Event is an event report: {post_type: "event", event, params}.
func Event(name string, params ...any) map[string]any {
	if params == nil {
		params = []any{}
	}
	return map[string]any{"post_type": "event", "event": name, "params": params}
}

func now() string { return strconv.FormatInt(time.Now().Unix(), 10) }
