// Package endpoint serves UCBI Console's local HTTP endpoint: the UCBI API (POST {root}), the
// seed's POST /ArkSharePeer, and OneBot-11-style POST /:action (and /s/{source}/:action) for
// bots that speak OneBot 11. Every call is recorded in history before its reply is written.
package endpoint

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"ucbi-console/core"
)

// Options configure the endpoint.
type Options struct {
	// Listen is the address to listen on; "127.0.0.1:5800" when empty.
	Listen string
	// Root is the path of the UCBI API; "/" when empty.
	Root string
	// Token, when set, is required of every caller (Bearer, Token, bare, or ?access_token=).
	// It is the console's own token for bots, never the backend's.
	Token string
	// AllowOrigins lists the origins allowed by CORS; none means no CORS headers at all.
	AllowOrigins []string
	// RateLimit, when > 0, limits calls per second per token (or per client address when no
	// token is set), with bursts of RateBurst (default: RateLimit rounded up).
	RateLimit float64
	RateBurst int
	// OnCall is told of every call after its reply is written (from the handler's goroutine).
	OnCall func(CallLog)
	// Log, when set, gets one line per call.
	Log io.Writer
}

// DefaultListen is where the endpoint listens when nothing else is said: loopback only.
const DefaultListen = "127.0.0.1:5800"

// CallLog describes one call the endpoint served. It never holds a token.
type CallLog struct {
	Time    time.Time
	Method  string
	Path    string // the path without its query (which may hold a token)
	Origin  string
	Action  string
	Source  string
	Target  string
	Status  int
	Outcome string
	Error   string
	Latency time.Duration
}

// String renders the log line `serve` prints.
func (c CallLog) String() string {
	// Built by hand: `serve` writes one per call, on the hot path.
	b := make([]byte, 0, 160)
	b = c.Time.AppendFormat(b, time.RFC3339)
	b = append(b, ' ')
	b = append(b, c.Origin...)
	for i := len(c.Origin); i < 6; i++ {
		b = append(b, ' ')
	}
	b = append(append(append(append(b, ' '), c.Method...), ' '), c.Path...)
	b = append(append(b, " action="...), c.Action...)
	if c.Source != "" {
		b = append(append(b, " source="...), c.Source...)
	}
	if c.Target != "" {
		b = append(append(b, " target="...), c.Target...)
	}
	b = strconv.AppendInt(append(b, " status="...), int64(c.Status), 10)
	b = append(append(append(b, ' '), c.Outcome...), ' ')
	b = append(b, c.Latency.Round(time.Microsecond).String()...)
	if c.Error != "" {
		b = append(append(b, " error="...), c.Error...)
	}
	return string(b)
}

// Server is the endpoint. Build it with New, then Start it or mount Handler.
type Server struct {
	d       *core.Dispatcher
	opts    Options
	root    string
	limiter *rateLimiter

	// asyncCalls counts OneBot _async calls still running; Shutdown waits for them.
	asyncCalls sync.WaitGroup

	mu   sync.Mutex
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// New checks the options and makes a server. Listening on a non-loopback address without a
// token is refused: the endpoint sends messages as the operator's accounts.
func New(d *core.Dispatcher, o Options) (*Server, error) {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %v (expected host:port, e.g. 127.0.0.1:5800)", o.Listen, err)
	}
	if !isLoopback(host) && o.Token == "" {
		return nil, fmt.Errorf("refusing to listen on %s without a token: anyone who can reach it could send messages as your accounts (set --token, or listen on 127.0.0.1)", o.Listen)
	}
	root := o.Root
	if root == "" {
		root = "/"
	}
	if !strings.HasPrefix(root, "/") {
		root = "/" + root
	}
	if len(root) > 1 {
		root = strings.TrimRight(root, "/")
	}
	s := &Server{d: d, opts: o, root: root}
	if o.RateLimit > 0 {
		s.limiter = newRateLimiter(o.RateLimit, o.RateBurst)
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Start listens and serves in the background. It returns once the listener is open, so a
// port already in use is reported here.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("the endpoint is already running")
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", s.opts.Listen, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	s.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		_ = srv.Serve(ln)
		close(done)
	}(s.srv, s.done)
	return nil
}

// Addr is the address the endpoint listens on (with the real port when it was 0).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.opts.Listen
}

// Running reports whether Start succeeded and Shutdown has not been called.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil
}

// Shutdown stops accepting calls and waits for in-flight ones to finish (their history rows
// are written before they reply), or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	async := make(chan struct{})
	go func() { s.asyncCalls.Wait(); close(async) }()
	for _, ch := range []chan struct{}{done, async} {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// Wait blocks until the server stops serving.
func (s *Server) Wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// GenerateToken makes a random token for bots (32 hex characters).
func GenerateToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Route describes one route the endpoint serves, for the README and the app's endpoint screen.
type Route struct {
	Method      string
	Path        string
	Description string
	Curl        string
}

// Routes lists the routes with a curl example each (the token shown as $TOKEN, never itself).
func (s *Server) Routes() []Route {
	base := "http://" + s.opts.Listen
	auth := ""
	if s.opts.Token != "" {
		auth = ` -H "Authorization: Bearer $TOKEN"`
	}
	return []Route{
		{"POST", s.root, "UCBI API: {action, context, params}",
			fmt.Sprintf(`curl -s%s %s%s -d '{"action":"send_group_message","context":{"via":"coolq-http-api","group_id":"123456"},"params":{"message":"你好"}}'`, auth, base, s.root)},
		{"POST", "/ArkSharePeer", "recommend friend / group Ark card (exactly one of group_id, user_id, phoneNumber)",
			fmt.Sprintf(`curl -s%s %s/ArkSharePeer -d '{"group_id":123456}'`, auth, base)},
		{"POST", "/:action", "OneBot 11 action forwarded to the default source",
			fmt.Sprintf(`curl -s%s %s/send_group_msg -d '{"group_id":123456,"message":"你好"}'`, auth, base)},
		{"POST", "/s/{source}/:action", "OneBot 11 action forwarded to a named source",
			fmt.Sprintf(`curl -s%s %s/s/napcat/get_login_info`, auth, base)},
	}
}

// Handler is the endpoint's HTTP handler (with auth, limits and routing).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// callState collects what one call did, for its log line.
type callState struct {
	log CallLog
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	st := &callState{log: CallLog{Time: time.Now(), Method: r.Method, Path: r.URL.Path}}
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			// A bug of ours must not take the endpoint down nor leak a stack to the caller.
			st.log.Outcome, st.log.Error = core.OutcomeError, fmt.Sprintf("internal error: %v", v)
			if !rw.wrote {
				writeJSON(rw, http.StatusInternalServerError, core.ErrorBodyJSON{Error: core.CodeInternal, Message: "internal error"})
			}
		}
		st.log.Status = rw.status
		st.log.Latency = time.Since(st.log.Time)
		if st.log.Outcome == "" {
			st.log.Outcome = core.OutcomeOK
			if rw.status >= 400 {
				st.log.Outcome = core.OutcomeError
			}
		}
		// The reply leaves before the log line is written: a slow log (a piped stdout) must not
		// hold every caller's answer.
		if f, ok := w.(http.Flusher); ok && rw.wrote {
			f.Flush()
		}
		if s.opts.Log != nil {
			fmt.Fprintln(s.opts.Log, st.log.String())
		}
		if s.opts.OnCall != nil {
			s.opts.OnCall(st.log)
		}
	}()
	if s.cors(rw, r) {
		return
	}
	kind, source, action := s.classify(r.URL.Path)
	switch kind {
	case routeUCBI:
		st.log.Origin = core.OriginUCBI
		s.serveUCBI(rw, r, st)
	case routeArk:
		st.log.Origin, st.log.Action = core.OriginOneBot, "ArkSharePeer"
		s.serveArk(rw, r, st, source)
	case routeOneBot:
		st.log.Origin, st.log.Action, st.log.Source = core.OriginOneBot, action, source
		s.serveOneBot(rw, r, st, source, action)
	default:
		st.log.Origin = core.OriginOneBot
		writeEnvelopeError(rw, http.StatusNotFound, 1404, fmt.Sprintf("no route %q: the UCBI API is POST %s, OneBot 11 actions are POST /<action> or /s/<source>/<action>", r.URL.Path, s.root), nil)
	}
}

const (
	routeNone = iota
	routeUCBI
	routeArk
	routeOneBot
)

// classify maps a path to a route: the UCBI root, /ArkSharePeer (optionally under /s/{source}),
// or a OneBot action. Action names are plain identifiers: anything else (dots, encoded
// slashes) is no route, so a path cannot reach elsewhere on the backend.
func (s *Server) classify(path string) (kind int, source, action string) {
	if path == s.root || (s.root != "/" && path == s.root+"/") {
		return routeUCBI, "", ""
	}
	p := strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	parts := strings.Split(p, "/")
	if len(parts) == 3 && parts[0] == "s" && validName(parts[1]) {
		source, parts = parts[1], parts[2:]
	}
	if len(parts) != 1 || !validName(parts[0]) {
		return routeNone, "", ""
	}
	if parts[0] == "ArkSharePeer" {
		return routeArk, source, parts[0]
	}
	return routeOneBot, source, parts[0]
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// cors answers CORS: only for configured origins; a preflight is answered here (true).
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(s.opts.AllowOrigins) == 0 {
		return false
	}
	allowed := false
	for _, o := range s.opts.AllowOrigins {
		if o == origin {
			allowed = true
		}
	}
	if !allowed {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// authorize checks the caller's token: missing → 401, wrong → 403. With no token configured
// every header is ignored (Koishi sends "Token undefined" when it has none).
func (s *Server) authorize(r *http.Request) (key string, err *core.Error) {
	if s.opts.Token == "" {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		return "addr:" + host, nil
	}
	given, ok := callerToken(r)
	if !ok {
		return "", core.Errorf(core.CodeUnauthorized, "a token is required: send Authorization: Bearer <token> or ?access_token=<token>")
	}
	if subtle.ConstantTimeCompare([]byte(given), []byte(s.opts.Token)) != 1 {
		return "", core.Errorf(core.CodeForbidden, "the token is wrong")
	}
	return "token", nil
}

// callerToken finds the token a caller sent: Authorization "Bearer t", "Token t" or a bare
// "t", or the access_token query parameter.
func callerToken(r *http.Request) (string, bool) {
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		if scheme, rest, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Token")) {
			return strings.TrimSpace(rest), true
		}
		return h, true
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, true
	}
	return "", false
}

// readBody reads at most core.MaxBodyBytes; a larger body is CodeTooLarge.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *core.Error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > core.MaxBodyBytes {
		// Announced too large: say so now rather than wait for a body we would refuse anyway.
		return nil, core.Errorf(core.CodeTooLarge, "the body is larger than %d bytes", core.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, core.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, core.Errorf(core.CodeTooLarge, "the body is larger than %d bytes", core.MaxBodyBytes)
		}
		return nil, core.Errorf(core.CodeBadJSON, "the body could not be read: %v", err)
	}
	return body, nil
}

// serveUCBI answers POST {root}.
func (s *Server) serveUCBI(w http.ResponseWriter, r *http.Request, st *callState) {
	fail := func(e *core.Error) {
		st.log.Outcome, st.log.Error = core.OutcomeError, e.Code
		if e.Code == core.CodeMethodNotAllowed {
			w.Header().Set("Allow", "POST")
		}
		writeJSON(w, e.Status(), core.ErrorBody(e))
	}
	if r.Method != http.MethodPost {
		fail(core.Errorf(core.CodeMethodNotAllowed, "the UCBI API takes POST, not %s", r.Method))
		return
	}
	key, aerr := s.authorize(r)
	if aerr != nil {
		fail(aerr)
		return
	}
	if !s.allow(key) {
		fail(core.Errorf(core.CodeRateLimited, "rate limited: more than %g calls per second", s.opts.RateLimit))
		return
	}
	body, berr := readBody(w, r)
	if berr != nil {
		fail(berr)
		return
	}
	req, err := core.DecodeRequest(body)
	if err != nil {
		st.log.Action = "?"
		e := core.AsError(err)
		s.recordRejected(st, core.OriginUCBI, "?", body, e)
		fail(e)
		return
	}
	st.log.Action = req.Action
	data, rec, err := s.d.CallRecorded(r.Context(), core.OriginUCBI, req)
	st.log.Source, st.log.Target = rec.Source, rec.Target
	if err != nil {
		fail(core.AsError(err))
		return
	}
	writeJSON(w, http.StatusOK, data)
}

// jsonOrString keeps a body for history: as JSON when it is, else as a JSON string (cut short).
func jsonOrString(body []byte) json.RawMessage {
	if utf8.Valid(body) && json.Valid(body) {
		return append(json.RawMessage(nil), body...)
	}
	if len(body) > 2048 {
		body = body[:2048]
	}
	b, _ := json.Marshal(strings.ToValidUTF8(string(body), "\uFFFD"))
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
