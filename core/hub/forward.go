package hub

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/link"
)

// IsUpgrade says whether r asks for a WebSocket (Connection: upgrade, Upgrade: websocket), so
// the endpoint can send only those to the hub and keep GET / for what it was.
func IsUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Route reads a forward WebSocket path: "/", "/api", "/event", and the same under
// "/s/{source}" (a named source; "" is the bot's own source). ok is false for any other path.
func Route(path string) (source, role string, ok bool) {
	rest := path
	if strings.HasPrefix(path, "/s/") {
		name, tail, _ := strings.Cut(path[len("/s/"):], "/")
		if name == "" {
			return "", "", false
		}
		source, rest = name, "/"+tail
	}
	switch rest {
	case "/", "":
		return source, roleUniversal, true
	case "/api", "/api/":
		return source, roleAPI, true
	case "/event", "/event/":
		return source, roleEvent, true
	}
	return "", "", false
}

// ServeHTTP accepts a bot's forward WebSocket on GET /, /api, /event or /s/{source}/…: the
// token says which ws bot is connecting (401 when there is none, 403 when it matches no bot),
// and the connection lives until the bot, the operator or the hub ends it.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pathSource, role, ok := Route(r.URL.Path)
	if !ok {
		refuse(w, http.StatusNotFound, RetcodeNotFound, "no such WebSocket path: use /, /api or /event (or /s/{source}/…)")
		return
	}
	if !IsUpgrade(r) {
		w.Header().Set("Upgrade", "websocket")
		refuse(w, http.StatusUpgradeRequired, 1426, "this path is a OneBot 11 WebSocket: connect with a WebSocket client")
		return
	}
	tok, given := requestToken(r)
	e := h.wsBotFor(tok, given)
	switch {
	case e == nil && !given:
		refuse(w, http.StatusUnauthorized, RetcodeUnauthorized, "unauthorized: give the bot's token as Authorization: Bearer <token> or ?access_token=<token>")
		return
	case e == nil:
		refuse(w, http.StatusForbidden, RetcodeForbidden, "forbidden: the token matches no ws bot")
		return
	}
	src, err := h.source(e.cfg.Source)
	if err != nil {
		refuse(w, http.StatusServiceUnavailable, 1503, "the bot's message source is not available: "+core.AsError(err).Message)
		return
	}
	if pathSource != "" && pathSource != src.ID {
		if ps, perr := h.source(pathSource); perr != nil || ps.ID != src.ID {
			refuse(w, http.StatusForbidden, RetcodeForbidden, "forbidden: this bot is configured for another source")
			return
		}
	}
	s := h.newSession(e, src, role, r.RemoteAddr)
	conn, err := link.Accept(w, r, s.connOptions())
	if err != nil {
		return // Accept has answered the request
	}
	s.conn = conn
	s.run(e.ctx)
}

// refuse answers a refused handshake with a OneBot 11 failure envelope.
func refuse(w http.ResponseWriter, status, retcode int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(failedEnvelope(retcode, msg, nil))
}

// requestToken reads a bot's token: Authorization: Bearer/Token <t>, or ?access_token=<t>.
// given is true when the request carries any token at all (a malformed Authorization too).
func requestToken(r *http.Request) (tok string, given bool) {
	if a := strings.TrimSpace(r.Header.Get("Authorization")); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Token") {
			return strings.TrimSpace(rest), true
		}
		return "", true
	}
	if q := r.URL.Query(); q.Has("access_token") {
		return q.Get("access_token"), true
	}
	return "", false
}

// wsBotFor finds the ws bot a token belongs to, comparing in constant time against every ws
// bot's token (hashed first, so the length does not show either). With no token, the one ws
// bot configured without a token is the match, if there is exactly one.
func (h *Hub) wsBotFor(tok string, given bool) *botEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var found *botEntry
	if !given || tok == "" {
		for _, e := range h.bots {
			if e.cfg.Mode == core.BotWS && e.cfg.Token == "" {
				if found != nil {
					return nil
				}
				found = e
			}
		}
		return found
	}
	want := sha256.Sum256([]byte(tok))
	for _, e := range h.bots {
		if e.cfg.Mode != core.BotWS || e.cfg.Token == "" {
			continue
		}
		have := sha256.Sum256([]byte(e.cfg.Token))
		if subtle.ConstantTimeCompare(want[:], have[:]) == 1 {
			found = e
		}
	}
	return found
}
