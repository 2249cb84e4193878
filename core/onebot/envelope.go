package onebot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"ucbi-console/core"
)

// Envelope is a OneBot 11 reply: {status, retcode, data, message, wording, echo}, plus go-cqhttp's
// msg. Data is kept raw so that 64-bit ids and Ark card strings survive untouched.
type Envelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Msg     string          `json:"msg,omitempty"`
	Echo    json.RawMessage `json:"echo,omitempty"`

	// complete: the reply had all six fields, status, message and wording strings — it can be
	// passed back to a bot as it came.
	complete bool
}

// OK reports whether the envelope is a success: status "ok" with retcode 0, or status "async"
// with retcode 0 or 1 (CQHTTP's retcode 1 means "queued", the normal answer of an _async action).
func (e *Envelope) OK() bool {
	switch {
	case e == nil:
		return false
	case e.Status == "ok":
		return e.Retcode == 0
	case e.Status == "async":
		return e.Retcode == 0 || e.Retcode == 1
	}
	return false
}

// Text is the backend's explanation: message, then msg, then wording (the first non-empty).
func (e *Envelope) Text() string {
	if e == nil {
		return ""
	}
	for _, s := range []string{e.Message, e.Msg, e.Wording} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// retcodeMeaning explains CQHTTP's own retcodes when the backend gives no text.
var retcodeMeaning = map[int]string{
	1:   "the action was queued (async)",
	100: "bad or missing parameters",
	102: "invalid data or no permission",
	103: "the action failed",
	104: "credentials expired: log the account in again",
	201: "the worker pool is full",
	404: "no such action",
}

// ParseEnvelope turns a backend's HTTP answer into an Envelope. It is pure and never panics.
//
// The error is nil only for a success envelope (see Envelope.OK). Otherwise it
// is a *core.Error:
//   - CodeBackendFailed with Retcode and BackendText for a failure envelope (the envelope is
//     returned too), whatever the HTTP status;
//   - CodeBackendFailed with HTTPStatus 401/403 when the backend refused the access token
//     (NapCat's bare {"message":"token verify failed!"}, go-cqhttp's empty 401/403);
//   - CodeBackendFailed with HTTPStatus 400 when the backend refused the body (NapCat's plain
//     "Invalid JSON"), and HTTPStatus 404 for a spec-style unknown action (see IsUnknownAction);
//   - CodeBackendBadReply with the HTTP status and a short snippet for anything else: 5xx, an
//     HTML page, garbage, an empty body, JSON that is not an envelope.
func ParseEnvelope(httpStatus int, body []byte) (*Envelope, error) {
	trimmed := bytes.TrimSpace(body)
	parsed, isEnv, shapeErr := decodeEnvelope(trimmed)
	var env *Envelope // returned: only a real envelope
	if isEnv && shapeErr == nil {
		env = parsed
	}

	switch {
	case httpStatus == http.StatusUnauthorized || httpStatus == http.StatusForbidden:
		// NapCat answers 403 for a missing or wrong token, go-cqhttp 401 (missing) / 403 (wrong).
		// The body is at most {"message": "..."}: never an envelope worth reading further.
		msg := fmt.Sprintf("backend rejected the access token (HTTP %d): the console's backend token for this source is wrong — check the source's token (your own token was accepted)", httpStatus)
		return env, &core.Error{Code: core.CodeBackendFailed, HTTPStatus: httpStatus,
			BackendText: bareText(trimmed, parsed), Message: msg}
	case env != nil:
		ok2xx := httpStatus >= 200 && httpStatus <= 299
		switch {
		case !env.OK():
			// A failure envelope, whatever the status carrying it: the envelope says more.
			e := failure(env)
			if httpStatus != http.StatusOK {
				e.HTTPStatus = httpStatus
			}
			return env, e
		case !ok2xx:
			return env, badReply(httpStatus, trimmed, "a success envelope on an error status")
		}
		return env, nil
	case httpStatus == http.StatusBadRequest:
		text := bareText(trimmed, parsed)
		msg := "backend rejected the request (HTTP 400)"
		if text != "" {
			msg += ": " + text
		}
		return env, &core.Error{Code: core.CodeBackendFailed, HTTPStatus: httpStatus, BackendText: text, Message: msg}
	case httpStatus == http.StatusNotFound:
		text := bareText(trimmed, parsed)
		return env, &core.Error{Code: core.CodeBackendFailed, HTTPStatus: httpStatus, BackendText: text,
			Message: "backend has no such action (HTTP 404), or the source URL's path is wrong"}
	case isEnv: // an object with status/retcode of the wrong types
		return nil, badReply(httpStatus, trimmed, "a JSON object that is not a OneBot envelope ("+shapeErr.Error()+")")
	}
	return nil, badReply(httpStatus, trimmed, "")
}

func failure(env *Envelope) *core.Error {
	text := env.Text()
	e := &core.Error{Code: core.CodeBackendFailed, Retcode: env.Retcode, BackendText: text}
	switch {
	case text != "":
		e.Message = fmt.Sprintf("backend failed (retcode %d): %s", env.Retcode, text)
	case retcodeMeaning[env.Retcode] != "" && env.Retcode != 1:
		e.Message = fmt.Sprintf("backend failed (retcode %d: %s)", env.Retcode, retcodeMeaning[env.Retcode])
	case env.Retcode == 0:
		e.Message = fmt.Sprintf("backend failed (status %q, retcode 0) without saying why", env.Status)
	default:
		e.Message = fmt.Sprintf("backend failed (retcode %d) without saying why", env.Retcode)
	}
	return e
}

// decodeEnvelope reads a JSON object leniently: retcode may be a number or a numeric string, the
// texts must be strings when present. isEnv is true when the body is a JSON object with a status
// or retcode key; err says what is wrong with such an object. It scans the fields without
// decoding the document (the proxy reads every reply with it).
func decodeEnvelope(b []byte) (env *Envelope, isEnv bool, err error) {
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, false, nil
	}
	var rawStatus, rawRet, rawData, rawEcho []byte
	var hasStatus, hasRet, hasData, hasEcho, strMessage, strWording bool
	env = &Envelope{}
	eachField(b, func(key []byte, escaped bool, value []byte) {
		switch fieldKey(key, escaped) {
		case "status":
			rawStatus, hasStatus = value, true
		case "retcode":
			rawRet, hasRet = value, true
		case "data":
			rawData, hasData = value, true
		case "echo":
			rawEcho, hasEcho = value, true
		case "message":
			env.Message, strMessage = rawString(value)
		case "msg":
			env.Msg, _ = rawString(value)
		case "wording":
			env.Wording, strWording = rawString(value)
		}
	})
	if !hasStatus && !hasRet {
		return env, false, nil
	}
	if hasData {
		env.Data = rawData
	}
	if hasEcho && !core.IsNull(rawEcho) {
		env.Echo = rawEcho
	}
	strStatus := false
	if hasStatus && !core.IsNull(rawStatus) {
		if env.Status, strStatus = rawString(rawStatus); !strStatus {
			return env, true, errors.New("its status is not a string")
		}
	}
	if hasRet && !core.IsNull(rawRet) {
		n, ok := retcodeOf(rawRet)
		if !ok {
			return env, true, errors.New("its retcode is not a whole number")
		}
		env.Retcode = n
	}
	if !hasStatus {
		// Only a retcode (some minimal implementations): it alone decides.
		if env.Retcode == 0 {
			env.Status = "ok"
		} else {
			env.Status = "failed"
		}
	}
	env.complete = strStatus && hasRet && strMessage && strWording && hasData && hasEcho
	return env, true, nil
}

func retcodeOf(b json.RawMessage) (int, bool) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return 0, false
		}
		b = []byte(strings.TrimSpace(s))
	}
	if n, err := strconv.ParseInt(string(b), 10, 32); err == nil {
		return int(n), true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// bareText is the text of a non-envelope error body: {"message": …} or short plain text.
func bareText(body []byte, env *Envelope) string {
	if env != nil {
		if t := env.Text(); t != "" {
			return snippet([]byte(t))
		}
		return ""
	}
	if len(body) > 0 && (body[0] == '<' || body[0] == '{' || body[0] == '[') {
		return ""
	}
	return snippet(body)
}

func badReply(status int, body []byte, why string) *core.Error {
	var what string
	switch {
	case len(body) == 0:
		what = "an empty body"
	case looksHTML(body):
		what = "an HTML page (is the URL pointing at a web UI instead of the OneBot HTTP server?)"
	case why != "":
		what = why
	case json.Valid(body) && body[0] == '{':
		what = "a JSON object that is not a OneBot envelope"
	case json.Valid(body):
		what = "JSON that is not a OneBot envelope"
	default:
		what = "something that is not JSON"
	}
	msg := fmt.Sprintf("backend answered HTTP %d with %s, not a OneBot reply", status, what)
	if s := snippet(body); s != "" {
		msg += ": " + strconv.Quote(s)
	}
	e := &core.Error{Code: core.CodeBackendBadReply, Message: msg}
	if status != http.StatusOK { // core.Error.HTTPStatus: the backend's status when it was not 200
		e.HTTPStatus = status
	}
	return e
}

func looksHTML(b []byte) bool {
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype") ||
		strings.Contains(head, "<head") || strings.Contains(head, "<body") || strings.Contains(head, "<title")
}

// snippetRunes bounds the part of a backend's body quoted in an error.
const snippetRunes = 120

// snippet is a one-line, bounded, valid-UTF-8 excerpt of a body for an error message.
func snippet(b []byte) string { return core.Snippet(string(b), snippetRunes) }

// IsUnknownAction reports whether err is a backend saying it has no such action: NapCat's
// retcode 200 "不支持的Api <name>", go-cqhttp's retcode 404 API_NOT_FOUND, or HTTP 404.
func IsUnknownAction(err error) bool {
	var e *core.Error
	if !errors.As(err, &e) || e.Code != core.CodeBackendFailed {
		return false
	}
	if e.Retcode == 404 || e.HTTPStatus == http.StatusNotFound {
		return true
	}
	return UnknownActionText(e.BackendText)
}

// UnknownActionText reports whether a backend's failure text says it has no such action, in
// any of the real implementations' words.
func UnknownActionText(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "不支持的api") || strings.Contains(l, "api_not_found") ||
		strings.Contains(l, "api not found") || strings.Contains(l, "unknown action") ||
		strings.HasPrefix(l, "api不存在")
}
