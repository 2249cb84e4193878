package events

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"ucbi-console/core"
)

// DefaultMaxReportBytes bounds one event POSTed to /report/{source}.
const DefaultMaxReportBytes = 1 << 20

// Report serves /report/{source}, the open layer's side, with its own auth (not the endpoint's):
//
//   - POST (source with events "http-post"): one event per request. With a secret set,
//     X-Signature: sha1=<hex HMAC-SHA1(secret, body)> is required (missing → 401, wrong → 403)
//     and nothing is stored without it. Without a secret but with the source's token, the token
//     is required as the reverse WebSocket requires it (Authorization: Bearer/Token, or
//     ?access_token=; missing → 401, wrong → 403). With neither, anyone who can reach the
//     endpoint can post events: accepted, with one warning per source at its first use.
//     204 only once the event is durable; a refused event is
//     a 400 naming the reason; a stopped or failing log is a 503 (the open layer may retry).
//     No dedupe: go-cqhttp resends an event whose POST failed (3 times, 1.5 s apart), and a
//     resent event is stored again — its message_id tells a bot it is the same.
//   - GET (source with events "ws-reverse"): the reverse WebSocket, handed to hub.
//
// The source id is the {source} path value (Go 1.22 mux pattern) or else the last path segment.
type Report struct {
	In       *Intake
	Sources  core.SourceStore
	Hub      *ReverseHub // nil: GET is 404
	MaxBytes int64       // 0 = DefaultMaxReportBytes

	warned sync.Map // source id → true: "this door is unauthenticated" said once
}

func (h *Report) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("source")
	if id == "" {
		id = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	}
	src := lookupSource(w, h.In, h.Sources, func(s core.Source) bool { return s.ID == id }, fmt.Sprintf("no message source %q", id))
	if src == nil {
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.post(w, r, *src)
	case http.MethodGet:
		if h.Hub == nil {
			http.NotFound(w, r)
			return
		}
		h.Hub.serve(w, r, *src)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, core.Errorf(core.CodeMethodNotAllowed, "/report/{source} takes POST (http-post) or GET (reverse WebSocket), not %s", r.Method))
	}
}

func (h *Report) post(w http.ResponseWriter, r *http.Request, src core.Source) {
	if src.Events != core.LinkHTTPPost {
		writeError(w, core.Errorf(core.CodeForbidden, "message source %q does not take events by http-post (its event link is %q)", src.ID, linkName(src.Events)))
		return
	}
	if src.Secret == "" {
		switch {
		case src.Token != "":
			if !checkToken(w, r, src.Token) {
				h.In.logger.Warn("report: event refused: token", "source", src.ID)
				return
			}
		default:
			if _, said := h.warned.LoadOrStore(src.ID, true); !said {
				h.In.logger.Warn("report: message source has neither a secret nor a token: anyone who can reach /report/"+src.ID+" can post events as it; set a secret (X-Signature) or a token",
					"source", src.ID)
			}
		}
	}
	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxReportBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.In.refuse(&DecodeError{Source: src.ID, Reason: ReasonTooLarge})
			writeError(w, core.Errorf(core.CodeTooLarge, "an event may be at most %d bytes", limit))
			return
		}
		writeError(w, core.Errorf(core.CodeBadJSON, "the body could not be read: %v", err))
		return
	}
	if src.Secret != "" {
		if err := CheckSignature(src.Secret, r.Header.Get(HeaderSignature), body); err != nil {
			h.In.logger.Warn("report: event refused", "source", src.ID, "reason", err.Error())
			if errors.Is(err, ErrNoSignature) {
				writeError(w, core.Errorf(core.CodeUnauthorized, "%v", err))
			} else {
				writeError(w, core.Errorf(core.CodeForbidden, "%v", err))
			}
			return
		}
	}
	if _, err := h.In.Submit(r.Context(), src, body); err != nil {
		var de *DecodeError
		switch {
		case errors.As(err, &de):
			writeError(w, core.Errorf(core.CodeBadJSON, "%s", de.Error()))
		case r.Context().Err() != nil:
			// The open layer gave up; it resends, and we may store the event twice (see above).
		default:
			writeError(w, core.Errorf(core.CodeBackendDown, "the event was not stored: %v", err))
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func linkName(l string) string {
	if l == "" {
		return core.LinkNone
	}
	return l
}

// lookupSource returns the first source that fits; with none (or the sources unreadable) it
// answers the request (404 with notFound, or 500) and returns nil.
func lookupSource(w http.ResponseWriter, in *Intake, sources core.SourceStore, fit func(core.Source) bool, notFound string) *core.Source {
	src, err := findSource(sources, fit)
	if err != nil {
		in.logger.Error("message sources unreadable", "error", err.Error())
		writeError(w, core.Errorf(core.CodeInternal, "the message sources could not be read"))
		return nil
	}
	if src == nil {
		writeJSON(w, http.StatusNotFound, core.ErrorBody(core.Errorf(core.CodeUnknownSource, "%s", notFound)))
	}
	return src
}

// findSource returns the first source that fits, or nil.
func findSource(sources core.SourceStore, fit func(core.Source) bool) (*core.Source, error) {
	all, err := sources.Sources()
	if err != nil {
		return nil, err
	}
	for i := range all {
		if fit(all[i]) {
			return &all[i], nil
		}
	}
	return nil, nil
}

// tokenOf is the token a request presents: Authorization "Bearer t" or "Token t" (go-cqhttp),
// else ?access_token=t.
func tokenOf(r *http.Request) string {
	if a := strings.TrimSpace(r.Header.Get("Authorization")); a != "" {
		scheme, tok, ok := strings.Cut(a, " ")
		if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Token")) {
			return strings.TrimSpace(tok)
		}
		return a
	}
	return r.URL.Query().Get("access_token")
}

// checkToken answers 401/403 and returns false when the request lacks the source's token.
func checkToken(w http.ResponseWriter, r *http.Request, want string) bool {
	if want == "" {
		return true
	}
	got := tokenOf(r)
	if got == "" {
		writeError(w, core.Errorf(core.CodeUnauthorized, "a token is required: Authorization: Bearer <token> or ?access_token="))
		return false
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		writeError(w, core.Errorf(core.CodeForbidden, "wrong token"))
		return false
	}
	return true
}

// submitNoWait is used by links that acknowledge nothing (WebSocket frames): queued in order,
// durability not awaited, refusals already logged and counted.
func submitNoWait(ctx context.Context, in *Intake, src core.Source, raw []byte) error {
	_, err := in.Accept(ctx, src, raw)
	var de *DecodeError
	if errors.As(err, &de) {
		return nil
	}
	return err
}
