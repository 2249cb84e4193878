// Package endpoint serves UCBI Console's local HTTP endpoint: the UCBI API (POST {root}), the
// seed's POST /ArkSharePeer, and OneBot-11-style POST /:action (and /s/{source}/:action) for
// bots that speak OneBot 11, plus whatever handlers Options.Mounts adds (event streams,
// WebSocket doors, /metrics). Routing is Go's ServeMux patterns; every route goes through one
// middleware chain (recover and log → CORS → method → auth → rate limit → body limit); the
// calls themselves run through the dispatcher, which writes each history row before the reply.
package endpoint

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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
	// Mounts are more handlers served behind the same middleware (see Mount).
	Mounts []Mount
}

// Mount is a handler the endpoint serves beside its own routes, behind the same middleware:
// recover and log, CORS, auth (unless Public), rate limit, body limit.
//
// Pattern is a ServeMux pattern ("GET /events", "POST /report/{source}", "GET /s/{source}/api").
// The endpoint's own routes are method-less, so a mount with a method and the same path wins
// for that method only: "GET /{$}" makes GET / a WebSocket upgrade while POST / stays the UCBI
// API (when Root is "/"); "GET /api" or "GET /event" wins over the proxy's /{action}. A mount
// that conflicts with a route (neither more specific) makes New fail.
type Mount struct {
	Pattern string
	Handler http.Handler
	// Public skips auth (the handler checks its caller itself, e.g. an HMAC signature).
	Public bool
	// Origin names the door in the log line ("onebot-ws", "events"…).
	Origin string
	// Match, when set, picks the requests the mount takes (e.g. only WebSocket upgrades on
	// GET /): the others are served as if the mount were not there.
	Match func(*http.Request) bool
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
func (c CallLog) String() string { return string(c.appendTo(make([]byte, 0, 160))) }

// appendTo appends the log line to b. Built by hand: `serve` writes one per call, on the hot
// path.
func (c CallLog) appendTo(b []byte) []byte {
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
	return b
}

// Server is the endpoint. Build it with New, then Start it or mount Handler.
type Server struct {
	d       *core.Dispatcher
	opts    Options
	root    string
	limiter *rateLimiter

	handler http.Handler

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
	for _, seg := range strings.Split(strings.Trim(root, "/"), "/") {
		if root != "/" && !validName(seg) {
			return nil, fmt.Errorf("root %q: each part of the path must be letters, digits, '_' or '-'", o.Root)
		}
	}
	s := &Server{d: d, opts: o, root: root}
	if o.RateLimit > 0 {
		s.limiter = newRateLimiter(o.RateLimit, o.RateBurst)
	}
	h, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.handler = h
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
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.d != nil {
		// OneBot _async calls answered "accepted" before they ended: their rows come first.
		if derr := s.d.Drain(ctx); derr != nil {
			return derr
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

// Handler is the endpoint's HTTP handler: every route and mount behind the middleware.
func (s *Server) Handler() http.Handler { return s.handler }
