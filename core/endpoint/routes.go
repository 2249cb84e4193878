package endpoint

import (
	"bufio"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/core/onebot"
)

// format is how a door says a failure: the UCBI error body, a OneBot envelope, the seed's
// reply. It is the one place each door's failure shape is written.
type format int

const (
	formatUCBI   format = iota // {"error", "message"} with the code's HTTP status
	formatOneBot               // the six-field envelope, core.Retcode, the code's HTTP status
	formatSeed                 // the seed's reply: HTTP 200 for a parameter failure (OneBot clients expect it)
)

// failure is the status and body that say e in the door's format, echoing echo.
func (f format) failure(e *core.Error, echo json.RawMessage) (int, []byte) {
	switch f {
	case formatOneBot:
		return e.Status(), onebot.FailedReply(e, echo, nil)
	case formatSeed:
		status := http.StatusOK
		switch e.Code {
		case core.CodeUnauthorized, core.CodeForbidden, core.CodeMethodNotAllowed, core.CodeTooLarge, core.CodeRateLimited, core.CodeBadJSON:
			status = e.Status()
		}
		return status, ark.FailFromError(e, echo).JSON()
	}
	return e.Status(), marshal(core.ErrorBody(e))
}

// door is one route's shape: who calls through it (history's origin), the methods it takes,
// how it says a failure, and whether it checks the token.
type door struct {
	origin  string
	methods []string // nil: any
	format  format
	public  bool
}

// callState collects what one call did, for its log line. The handlers find it through the
// ResponseWriter the log layer hands down (state): no request copy with a context value.
type callState struct {
	log  CallLog
	door door
}

// state is the call's state, kept by the log layer's writer (a fresh one, unused, if w is not
// that writer: a handler called from elsewhere).
func state(w http.ResponseWriter) *callState {
	if sw, ok := w.(*statusWriter); ok {
		return &sw.st
	}
	return &callState{}
}

// routes builds the mux: the endpoint's own routes and the mounts.
func (s *Server) routes() (h http.Handler, err error) {
	defer func() {
		if v := recover(); v != nil { // ServeMux panics on a bad or conflicting pattern
			h, err = nil, fmt.Errorf("endpoint routes: %v", v)
		}
	}()
	// base has the endpoint's own routes; mux adds the mounts. A mount's Match sends what it
	// does not take to base, so a mount can share a path with a route.
	base, mux := http.NewServeMux(), http.NewServeMux()
	s.ownRoutes(base)
	s.ownRoutes(mux)
	for _, m := range s.opts.Mounts {
		origin := m.Origin
		if origin == "" {
			origin = "mount"
		}
		handler := s.chain(door{origin: origin, format: formatUCBI, public: m.Public}, m.Handler)
		if m.Match != nil {
			handler = matched(m.Match, handler, base)
		}
		mux.Handle(m.Pattern, handler)
	}
	return s.logged(mux), nil
}

// matched serves the requests match takes with h, the others with otherwise.
func matched(match func(*http.Request) bool, h, otherwise http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			h.ServeHTTP(w, r)
			return
		}
		otherwise.ServeHTTP(w, r)
	})
}

// ownRoutes registers the UCBI root, /ArkSharePeer, the OneBot proxy and a catch-all that says
// there is no such route.
func (s *Server) ownRoutes(mux *http.ServeMux) {
	ucbi := door{origin: core.OriginUCBI, methods: []string{http.MethodPost}, format: formatUCBI}
	seed := door{origin: core.OriginOneBot, methods: []string{http.MethodPost}, format: formatSeed}
	proxy := door{origin: core.OriginOneBot, methods: []string{http.MethodGet, http.MethodPost}, format: formatOneBot}

	if s.root == "/" {
		mux.Handle("/{$}", s.chain(ucbi, http.HandlerFunc(s.serveUCBI)))
	} else {
		mux.Handle(s.root, s.chain(ucbi, http.HandlerFunc(s.serveUCBI)))
		mux.Handle(s.root+"/{$}", s.chain(ucbi, http.HandlerFunc(s.serveUCBI)))
	}
	for _, p := range []string{"/ArkSharePeer", "/ArkSharePeer/{$}", "/s/{source}/ArkSharePeer", "/s/{source}/ArkSharePeer/{$}"} {
		mux.Handle(p, s.chain(seed, http.HandlerFunc(s.serveArk)))
	}
	for _, p := range []string{"/{action}", "/{action}/{$}", "/s/{source}/{action}", "/s/{source}/{action}/{$}"} {
		mux.Handle(p, s.chain(proxy, http.HandlerFunc(s.serveOneBot)))
	}
	mux.Handle("/", s.chain(door{origin: core.OriginOneBot, format: formatOneBot, public: true}, http.HandlerFunc(s.noRoute)))
}

// noRoute answers a path no route serves.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, core.Errorf(core.CodeUnknownAction, "no route %q: the UCBI API is POST %s, OneBot 11 actions are POST /<action> or /s/<source>/<action>", r.URL.Path, s.root), nil)
}

// logged is the outermost layer: it recovers from a panic (a bug of ours must not take the
// endpoint down nor leak a stack), refuses paths that are not clean (ServeMux would redirect
// them elsewhere: a path cannot reach another route by ../), and writes the call's log line.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK,
			st: callState{log: CallLog{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Origin: core.OriginOneBot}}}
		st := &rw.st
		defer func() {
			if v := recover(); v != nil {
				st.log.Outcome, st.log.Error = core.OutcomeError, fmt.Sprintf("internal error: %v", v)
				if !rw.wrote {
					writeReply(rw, http.StatusInternalServerError, marshal(core.ErrorBodyJSON{Error: core.CodeInternal, Message: "internal error"}))
				}
			}
			s.logCall(w, rw, st)
		}()
		if p := r.URL.Path; p == "" || p[0] != '/' || (path.Clean(p) != p && path.Clean(p)+"/" != p) {
			s.noRoute(rw, r)
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// logCall finishes a call's log line and hands it on.
func (s *Server) logCall(w http.ResponseWriter, rw *statusWriter, st *callState) {
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
	// Not after a WebSocket upgrade: the connection was hijacked, there is nothing to flush
	// (net/http panics on a hijacked connection's Flush).
	if f, ok := w.(http.Flusher); ok && rw.wrote && rw.status != http.StatusSwitchingProtocols {
		f.Flush()
	}
	if s.opts.Log != nil {
		var buf [192]byte
		_, _ = s.opts.Log.Write(append(st.log.appendTo(buf[:0]), '\n')) // one Write: one whole line
	}
	if s.opts.OnCall != nil {
		s.opts.OnCall(st.log)
	}
}

// chain puts a route's handler behind the middleware: CORS → method → auth → rate limit →
// body limit. Each refusal is said in the door's format; none writes a history row (a
// stranger must not be able to fill the history).
func (s *Server) chain(d door, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(w)
		st.door, st.log.Origin = d, d.origin
		if s.cors(w, r) {
			return
		}
		if d.methods != nil && !slices.Contains(d.methods, r.Method) {
			w.Header().Set("Allow", strings.Join(d.methods, ", "))
			s.fail(w, r, core.Errorf(core.CodeMethodNotAllowed, "%s takes %s, not %s", routeName(d), strings.Join(d.methods, " or "), r.Method), nil)
			return
		}
		if !d.public {
			key, err := s.authorize(r)
			if err != nil {
				s.fail(w, r, err, nil)
				return
			}
			if s.limiter != nil && !s.limiter.allow(key) {
				s.fail(w, r, core.Errorf(core.CodeRateLimited, "rate limited: more than %g calls per second", s.opts.RateLimit), nil)
				return
			}
		}
		if r.ContentLength > core.MaxBodyBytes {
			// Announced too large: say so now rather than wait for a body we would refuse anyway.
			s.fail(w, r, tooLarge(), nil)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, core.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// routeName names a door's route for a 405's message.
func routeName(d door) string {
	switch d.format {
	case formatUCBI:
		return "the UCBI API"
	case formatSeed:
		return "ArkSharePeer"
	}
	return "OneBot actions"
}

func tooLarge() *core.Error {
	return core.Errorf(core.CodeTooLarge, "the body is larger than %d bytes", core.MaxBodyBytes)
}

// fail answers a failure in the door's format and notes it for the log line.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, e *core.Error, echo json.RawMessage) {
	st := state(w)
	st.log.Outcome, st.log.Error = core.OutcomeError, e.Code
	status, body := st.door.format.failure(e, echo)
	writeReply(w, status, body)
}

// readBody reads the request's body (the chain bounds it); a larger body is CodeTooLarge.
func readBody(r *http.Request) ([]byte, *core.Error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, core.Errorf(core.CodeBadJSON, "the body could not be read: %v", err)
	}
	return body, nil
}

// writeReply is the one writer of a reply: a JSON body with its status. Its length is said
// up front: the log layer flushes the reply before the handler returns, and without a length
// net/http would then send it chunked — a second write on the socket for the final chunk, and
// more work for every caller's HTTP client.
func writeReply(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	if status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified { // statuses with a body
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonContentType is every reply's Content-Type (shared: net/http only reads it).
var jsonContentType = []string{"application/json; charset=utf-8"}

// marshal encodes a reply value: <, > and & as they are, no trailing newline.
func marshal(v any) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"error":"internal","message":"the reply could not be encoded"}`)
	}
	return []byte(strings.TrimSuffix(b.String(), "\n"))
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
	if origin == "" || !slices.Contains(s.opts.AllowOrigins, origin) {
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
// every header is ignored (Koishi sends "Token undefined" when it has none); the caller's
// address is then its rate-limit key.
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

// statusWriter remembers the status a handler wrote. It passes Flush and Hijack on (event
// streams flush; WebSocket upgrades hijack).
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	st     callState // the call's, for its log line (state)
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

// Unwrap lets http.ResponseController reach the connection (Flush, Hijack, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		w.wrote = true
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be hijacked")
	}
	w.wrote, w.status = true, http.StatusSwitchingProtocols
	return h.Hijack()
}
