// Package onebottest runs fake OneBot 11 HTTP servers (NapCat, go-cqhttp, Lagrange, LLOneBot) for
// tests, benchmarks and the bench command. They answer the way the real implementations do
// (reference/onebot11.md): each flavor's token check, bad-JSON answer, unknown-action and
// bad-params envelopes; NapCat's Ark card actions in their deployed versions.
//
// It does not import "testing": it is usable from any program. The handler keeps nothing but
// counters and a bounded list of recent requests, and logs nothing, so it can take thousands of
// calls a second.
package onebottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// Flavors.
const (
	NapCat   = "napcat"
	GoCQHTTP = "go-cqhttp"
	Lagrange = "lagrange"
	LLOneBot = "llonebot"
)

// Modes: how the server misbehaves.
const (
	ModeNormal  = ""
	ModeDown    = "down"    // the socket is closed: connections are refused
	ModeGarbage = "garbage" // HTTP 200 with a body that is not JSON
	Mode5xx     = "5xx"     // HTTP 500 with a plain-text body
	ModeHTML    = "html"    // HTTP 200 with an HTML page (a web UI, not the OneBot server)
)

// Ark versions: which NapCat recommend-card actions exist.
const (
	ArkCurrent = ""         // ArkSharePeer + send_ark_share (and the group variants); phone_number
	ArkOld     = "old"      // ArkSharePeer / ArkShareGroup only; phoneNumber
	ArkNewOnly = "new-only" // send_ark_share / send_group_ark_share only; phone_number
)

// Options configure a fake server. The zero value is a NapCat with no token.
type Options struct {
	Flavor     string        // napcat (default), go-cqhttp, lagrange, llonebot
	Token      string        // access token the server requires; "" = none
	ArkVersion string        // ArkCurrent, ArkOld or ArkNewOnly (NapCat only)
	Delay      time.Duration // added before every answer
	Mode       string        // ModeNormal, ModeDown, ModeGarbage, Mode5xx, ModeHTML
	SelfID     int64         // the logged-in account (default 10001)
	Nickname   string        // its nickname (default "测试机器人")
	// KeepRequests bounds how many recent requests Requests returns: 0 = 1000, negative = none.
	// Count is exact whatever it is.
	KeepRequests int
}

// Recorded is one request the server received.
type Recorded struct {
	Action string         // the last element of the path ("send_msg" for /onebot/send_msg/)
	Params map[string]any // query, form and JSON params merged (JSON numbers as json.Number); nil if the body was bad
	Header http.Header
}

// Friend, Group and Member are the fake's contact lists.
type Friend struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Remark   string `json:"remark"`
}

type Group struct {
	GroupID        int64  `json:"group_id"`
	GroupName      string `json:"group_name"`
	MemberCount    int    `json:"member_count"`
	MaxMemberCount int    `json:"max_member_count"`
}

type Member struct {
	GroupID  int64  `json:"group_id"`
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Card     string `json:"card"`
	Role     string `json:"role"`
}

// Friends and Groups are what get_friend_list and get_group_list return.
var (
	Friends = []Friend{
		{UserID: 10002, Nickname: "张三", Remark: "老张"},
		{UserID: 10003, Nickname: "李四", Remark: ""},
		{UserID: 1049509241, Nickname: "暗世现", Remark: "测试好友"},
	}
	Groups = []Group{
		{GroupID: 20001, GroupName: "测试群", MemberCount: 3, MaxMemberCount: 200},
		{GroupID: 20002, GroupName: "机器人开发交流", MemberCount: 3, MaxMemberCount: 500},
		{GroupID: 736368697, GroupName: "LR26710测试", MemberCount: 3, MaxMemberCount: 200},
	}
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	ts    *httptest.Server
	ln    *switchListener
	opts  Options
	mode  atomic.Value // string
	delay atomic.Int64 // nanoseconds
	msgID atomic.Int64
	stop  chan struct{}
	once  sync.Once

	events *eventHub // event pushing: WebSocket, reverse WebSocket, SSE, HTTP POST (events.go)

	mu    sync.Mutex
	recs  []Recorded // ring of the last keep requests
	next  int        // where the next record goes once the ring is full
	keep  int
	count map[string]int
}

// New starts a fake OneBot 11 server. It panics on an unknown flavor, mode or Ark version, like
// httptest.NewServer panics when it cannot listen.
func New(o Options) *Server {
	if o.Flavor == "" {
		o.Flavor = NapCat
	}
	switch o.Flavor {
	case NapCat, GoCQHTTP, Lagrange, LLOneBot:
	default:
		panic(fmt.Sprintf("onebottest: unknown flavor %q", o.Flavor))
	}
	switch o.ArkVersion {
	case ArkCurrent, ArkOld, ArkNewOnly:
	default:
		panic(fmt.Sprintf("onebottest: unknown ArkVersion %q", o.ArkVersion))
	}
	if !validMode(o.Mode) {
		panic(fmt.Sprintf("onebottest: unknown mode %q", o.Mode))
	}
	if o.SelfID == 0 {
		o.SelfID = 10001
	}
	if o.Nickname == "" {
		o.Nickname = "测试机器人"
	}
	s := &Server{opts: o, stop: make(chan struct{}), count: map[string]int{}, keep: o.KeepRequests}
	s.events = newEventHub()
	if s.keep == 0 {
		s.keep = 1000
	}
	s.msgID.Store(1000)
	s.delay.Store(int64(o.Delay))
	s.mode.Store(ModeNormal)
	s.ts = httptest.NewUnstartedServer(s)
	s.ln = newSwitchListener(s.ts.Listener)
	s.ts.Listener = s.ln
	s.ts.Start()
	if err := s.SetMode(o.Mode); err != nil {
		panic(err)
	}
	return s
}

func validMode(m string) bool {
	switch m {
	case ModeNormal, ModeDown, ModeGarbage, Mode5xx, ModeHTML:
		return true
	}
	return false
}

// URL is the server's base URL (http://127.0.0.1:port). It serves under any path prefix too:
// URL()+"/onebot" works as a source URL.
func (s *Server) URL() string { return s.ts.URL }

// Options are the options the server was started with (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Close shuts the server down, ending delayed answers at once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.stop) })
	s.events.close()
	s.ts.Close()
}

// SetMode changes how the server behaves from now on. Going down closes the socket and every
// open connection; coming back listens again on the same address (the error says when that
// address was taken meanwhile).
func (s *Server) SetMode(mode string) error {
	if !validMode(mode) {
		return fmt.Errorf("onebottest: unknown mode %q", mode)
	}
	if mode == ModeDown {
		s.mode.Store(mode)
		s.ln.down()
		s.ts.CloseClientConnections()
		s.events.dropLinks("the server went down")
		return nil
	}
	if err := s.ln.up(); err != nil {
		return fmt.Errorf("onebottest: cannot listen again on %s: %w", s.ln.Addr(), err)
	}
	s.mode.Store(mode)
	return nil
}

// Mode is the current mode.
func (s *Server) Mode() string { return s.mode.Load().(string) }

// SetDelay changes the delay added before every answer.
func (s *Server) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Requests returns the recorded requests, oldest first (at most Options.KeepRequests).
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, 0, len(s.recs))
	out = append(out, s.recs[s.next:]...)
	return append(out, s.recs[:s.next]...)
}

// Count is how many requests for action the server received (in any mode but down, whatever
// it answered). Count("") counts every request.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action == "" {
		n := 0
		for _, c := range s.count {
			n += c
		}
		return n
	}
	return s.count[action]
}

// Reset forgets the recorded requests and counts.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs, s.next, s.count = nil, 0, map[string]int{}
}

func (s *Server) record(action string, params map[string]any, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count[action]++
	if s.keep < 0 {
		return
	}
	r := Recorded{Action: action, Params: params, Header: h.Clone()}
	if len(s.recs) < s.keep {
		s.recs = append(s.recs, r)
		return
	}
	s.recs[s.next] = r
	s.next = (s.next + 1) % s.keep
}

func (s *Server) napcatLike() bool { return s.opts.Flavor == NapCat || s.opts.Flavor == LLOneBot }

// ServeHTTP answers one OneBot call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode := s.Mode()
	if mode == ModeDown {
		// A connection accepted just before going down: drop it without an answer.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if s.serveEventLink(w, r) {
		return
	}
	action := lastElem(r.URL.Path)
	params, perr := readParams(r)
	s.record(action, params, r.Header)

	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.stop:
			t.Stop()
			return
		}
	}

	switch mode {
	case ModeGarbage:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("\x00garbage 乱码 {{{ not json"))
		return
	case Mode5xx:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Internal Server Error\n"))
		return
	case ModeHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html>\n<html><head><title>NapCat WebUI</title></head><body><div id=\"app\"></div></body></html>\n"))
		return
	}

	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !s.authorize(w, r) {
		return
	}
	if perr != nil {
		if s.napcatLike() {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("Invalid JSON"))
		} else {
			w.WriteHeader(http.StatusBadRequest)
		}
		return
	}
	data, f := s.act(action, params)
	s.reply(w, params["echo"], data, f)
}

// authorize checks the token as each flavor does; it answers and returns false when it fails.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	query := r.URL.Query().Get("access_token")
	if s.napcatLike() {
		// NapCat: authorization.split('Bearer ').pop() || query.access_token
		got := auth
		if i := strings.LastIndex(auth, "Bearer "); i >= 0 {
			got = auth[i+len("Bearer "):]
		}
		if got == "" {
			got = query
		}
		if got == s.opts.Token {
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"token verify failed!"}`))
		return false
	}
	// go-cqhttp: "Authorization: <scheme> <token>", else ?access_token; none → 401, wrong → 403.
	var got string
	switch {
	case auth != "":
		_, got, _ = strings.Cut(auth, " ")
	case query != "":
		got = query
	default:
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	if got != s.opts.Token {
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

func lastElem(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}

// maxBody bounds a request body.
const maxBody = 8 << 20

// readParams merges query, form and JSON params (later ones win). err is set for a body that is
// not a JSON object (null and empty count as {}).
func readParams(r *http.Request) (map[string]any, error) {
	params := map[string]any{}
	for k, v := range r.URL.Query() {
		if k != "access_token" && len(v) > 0 {
			params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		return params, nil
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || string(body) == "null" {
		return params, nil
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	for k, v := range obj {
		params[k] = v
	}
	return params, nil
}

// failure is an action's failure: bad params, or an error inside the action.
type failure struct {
	badParams bool
	text      string
}

func badParams(format string, args ...any) *failure {
	return &failure{badParams: true, text: fmt.Sprintf(format, args...)}
}

func (s *Server) reply(w http.ResponseWriter, echo any, data any, f *failure) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(s.envelope(echo, data, f))
}

// envelope is an action's answer as the flavor writes it, over HTTP or a WebSocket.
func (s *Server) envelope(echo any, data any, f *failure) []byte {
	var body []byte
	if s.napcatLike() {
		env := struct {
			Status  string `json:"status"`
			Retcode int    `json:"retcode"`
			Data    any    `json:"data"`
			Message string `json:"message"`
			Wording string `json:"wording"`
			Echo    any    `json:"echo"`
		}{Status: "ok", Data: data, Echo: echo}
		if f != nil {
			env.Status, env.Retcode, env.Data, env.Message, env.Wording = "failed", 200, nil, f.text, f.text
			if f.badParams {
				env.Retcode = 400
			}
		}
		body, _ = json.Marshal(env)
	} else {
		env := struct {
			Data    any    `json:"data"`
			Echo    any    `json:"echo,omitempty"`
			Message string `json:"message,omitempty"`
			Msg     string `json:"msg,omitempty"`
			Retcode int    `json:"retcode"`
			Status  string `json:"status"`
			Wording string `json:"wording,omitempty"`
		}{Data: data, Echo: echo, Status: "ok"}
		if f != nil {
			env.Status, env.Retcode, env.Data, env.Msg, env.Wording = "failed", 100, nil, f.text, f.text
			if f.text == unknownAction {
				env.Retcode, env.Wording = 404, "API不存在"
			}
		}
		body, _ = json.Marshal(env)
	}
	return body
}

const unknownAction = "API_NOT_FOUND"

func (s *Server) unknown(action string) *failure {
	if s.napcatLike() {
		return &failure{text: "不支持的Api " + action}
	}
	return &failure{text: unknownAction}
}

// act runs an action.
func (s *Server) act(action string, p map[string]any) (any, *failure) {
	switch action {
	case "":
		if s.opts.Flavor == NapCat {
			return nil, nil // GET / → "NapCat4 Is Running" in the real one
		}
	case "get_login_info":
		return map[string]any{"user_id": s.opts.SelfID, "nickname": s.opts.Nickname}, nil
	case "send_private_msg":
		return s.send(p, "private")
	case "send_group_msg":
		return s.send(p, "group")
	case "send_msg":
		typ := str(p["message_type"])
		switch {
		case typ == "private" || typ == "group":
		case typ != "":
			return nil, badParams("message_type must be private or group, not %q", typ)
		case str(p["group_id"]) != "":
			typ = "group"
		default:
			typ = "private"
		}
		return s.send(p, typ)
	case "get_friend_list":
		return Friends, nil
	case "get_group_list":
		return Groups, nil
	case "get_group_member_list":
		gid, f := s.id(p, "group_id")
		if f != nil {
			return nil, f
		}
		return []Member{
			{GroupID: gid, UserID: s.opts.SelfID, Nickname: s.opts.Nickname, Card: "", Role: "owner"},
			{GroupID: gid, UserID: 10002, Nickname: "张三", Card: "群主的朋友", Role: "admin"},
			{GroupID: gid, UserID: 10003, Nickname: "李四", Card: "", Role: "member"},
		}, nil
	case "get_status":
		return map[string]any{"online": true, "good": true}, nil
	case "get_version_info":
		return s.version(), nil
	case "ArkSharePeer", "ArkShareGroup", "send_ark_share", "send_group_ark_share":
		if s.hasArk(action) {
			return s.ark(action, p)
		}
	}
	return nil, s.unknown(action)
}

func (s *Server) version() map[string]any {
	switch s.opts.Flavor {
	case GoCQHTTP:
		return map[string]any{"app_name": "go-cqhttp", "app_version": "v1.2.0", "protocol_version": "v11", "app_full_name": "go-cqhttp-v1.2.0_linux_amd64-go1.20"}
	case Lagrange:
		return map[string]any{"app_name": "Lagrange.OneBot", "app_version": "0.0.3", "protocol_version": "v11"}
	case LLOneBot:
		return map[string]any{"app_name": "LLOneBot", "app_version": "4.0.0", "protocol_version": "v11"}
	}
	return map[string]any{"app_name": "NapCat.Onebot", "app_version": "4.9.80", "protocol_version": "v11"}
}

func (s *Server) hasArk(action string) bool {
	if s.opts.Flavor != NapCat {
		return false
	}
	old := action == "ArkSharePeer" || action == "ArkShareGroup"
	switch s.opts.ArkVersion {
	case ArkOld:
		return old
	case ArkNewOnly:
		return !old
	}
	return true
}

// ark answers NapCat's recommend-card actions: a peer action gives {errCode, errMsg, arkJson}
// for a group (the card followed by "\n") and {errCode, errMsg, arkMsg} for a user; a group
// action gives the card string itself. A phone number alone is not enough (NapCat only uses it
// with user_id); a user id that is not a number gives errCode 1.
func (s *Server) ark(action string, p map[string]any) (any, *failure) {
	gid, uid := str(p["group_id"]), str(p["user_id"])
	if action == "ArkShareGroup" || action == "send_group_ark_share" {
		if gid == "" {
			return nil, &failure{text: "group_id is required"}
		}
		return GroupCard(gid, s.groupName(gid)), nil
	}
	switch {
	case gid != "":
		if !core.IsDigits(gid) {
			return map[string]any{"errCode": 1, "errMsg": "群号无效", "arkJson": ""}, nil
		}
		return map[string]any{"errCode": 0, "errMsg": "", "arkJson": GroupCard(gid, s.groupName(gid)) + "\n"}, nil
	case uid != "":
		if !core.IsDigits(uid) {
			return map[string]any{"errCode": 1, "errMsg": "用户不存在", "arkMsg": ""}, nil
		}
		return map[string]any{"errCode": 0, "errMsg": "", "arkMsg": FriendCard(uid, s.friendName(uid))}, nil
	}
	return nil, &failure{text: "group_id or user_id is required"}
}

func (s *Server) groupName(id string) string {
	for _, g := range Groups {
		if strconv.FormatInt(g.GroupID, 10) == id {
			return g.GroupName
		}
	}
	return "群" + id
}

func (s *Server) friendName(id string) string {
	for _, f := range Friends {
		if strconv.FormatInt(f.UserID, 10) == id {
			return f.Nickname
		}
	}
	return "QQ用户" + id
}

func (s *Server) send(p map[string]any, typ string) (any, *failure) {
	key := "user_id"
	if typ == "group" {
		key = "group_id"
	}
	if _, f := s.id(p, key); f != nil {
		return nil, f
	}
	if empty(p["message"]) {
		if !s.napcatLike() {
			return nil, &failure{badParams: true, text: "EMPTY_MSG_ERR"}
		}
		return nil, badParams("message: 消息为空")
	}
	return map[string]any{"message_id": s.msgID.Add(1)}, nil
}

// id reads a required numeric id (a number or a numeric string, as OneBot coerces).
func (s *Server) id(p map[string]any, key string) (int64, *failure) {
	v := str(p[key])
	if v == "" {
		return 0, badParams("%s is required", key)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badParams("%s must be a number, not %q", key, v)
	}
	return n, nil
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
