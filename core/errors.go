package core

import (
	"errors"
	"fmt"
	"net/http"
)

// Stable error codes. They appear in the endpoint's error bodies and in history; tooling matches
// on them, so they never change meaning. The README's table lists them with their HTTP status.
const (
	CodeBadJSON          = "bad_json"            // 400: the body is not JSON of the expected shape
	CodeBadParam         = "bad_param"           // 400: a field has the wrong type or value
	CodeMissingParam     = "missing_param"       // 400: a required field is absent
	CodeBadMessage       = "bad_message"         // 400: the message is empty or a segment is wrong
	CodeUnknownAction    = "unknown_action"      // 404: no such action
	CodeUnknownVia       = "unknown_via"         // 400: context.via names no adapter / no source of it
	CodeUnknownSource    = "unknown_source"      // 400: extra.config_id names no message source
	CodeAmbiguousSource  = "ambiguous_source"    // 400: several sources fit and none is the default
	CodeUnsupported      = "unsupported"         // 422: the open layer cannot do this (discuss on OneBot 11, rich…)
	CodeUnauthorized     = "unauthorized"        // 401: no token given
	CodeForbidden        = "forbidden"           // 403: wrong token
	CodeMethodNotAllowed = "method_not_allowed"  // 405
	CodeTooLarge         = "body_too_large"      // 413
	CodeRateLimited      = "rate_limited"        // 429
	CodeBackendFailed    = "backend_failed"      // 502: the backend answered with a failure (retcode in body)
	CodeBackendBadReply  = "backend_bad_reply"   // 502: the backend answered something that is not its protocol
	CodeBackendDown      = "backend_unreachable" // 503: could not connect to the backend
	CodeBackendTimeout   = "backend_timeout"     // 504: the backend did not answer within the timeout
	CodeInternal         = "internal"            // 500: our own fault (history could not be written…)
)

var codeStatus = map[string]int{
	CodeBadJSON:          http.StatusBadRequest,
	CodeBadParam:         http.StatusBadRequest,
	CodeMissingParam:     http.StatusBadRequest,
	CodeBadMessage:       http.StatusBadRequest,
	CodeUnknownAction:    http.StatusNotFound,
	CodeUnknownVia:       http.StatusBadRequest,
	CodeUnknownSource:    http.StatusBadRequest,
	CodeAmbiguousSource:  http.StatusBadRequest,
	CodeUnsupported:      http.StatusUnprocessableEntity,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeBackendFailed:    http.StatusBadGateway,
	CodeBackendBadReply:  http.StatusBadGateway,
	CodeBackendDown:      http.StatusServiceUnavailable,
	CodeBackendTimeout:   http.StatusGatewayTimeout,
	CodeInternal:         http.StatusInternalServerError,
}

// Error is a failure with a stable code, a message in words that names the field or the
// problem, and — for backend failures — the backend's own retcode and text.
//
// Key, Field and Args let the message be said in another language (Localize): Key names the
// template in core/messages, Field the field at fault, Args the template's other values. An
// Error made with Errorf has no Key: it is said in any language by its code's template.
type Error struct {
	Code    string
	Message string
	Key     string
	Field   string
	Args    map[string]string
	// Retcode and BackendText are set when the open layer answered with a failure.
	Retcode     int
	BackendText string
	// HTTPStatus is the backend's HTTP status when it was not 200 (0 otherwise).
	HTTPStatus int
}

func (e *Error) Error() string { return e.Message }

// Status is the HTTP status the endpoint answers with for this error.
func (e *Error) Status() int {
	if s, ok := codeStatus[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Fail makes an *Error from a message key: Message is the key's English template filled with
// field and args (pairs: name, value). Every key has an English and a Chinese template.
func Fail(code, key, field string, args ...string) *Error {
	e := &Error{Code: code, Key: key, Field: field}
	if len(args) > 0 {
		e.Args = make(map[string]string, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			e.Args[args[i]] = args[i+1]
		}
	}
	e.Message = e.render(LangEnglish)
	return e
}

// Errorf makes an *Error with a code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error; anything else becomes CodeInternal with its text.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: err.Error()}
}

// Retcode is the OneBot-style retcode of an envelope the console writes for a core error code,
// on every route that answers with one (the OneBot 11 proxy, the seed's /ArkSharePeer, the
// WebSocket doors). One rule: 100 — OneBot 11's "parameters missing or invalid", what CQHTTP
// clients expect — for a caller's parameter error (every 400 code but bad_json); 1000 + the
// code's HTTP status otherwise (1400 bad_json, 1401, 1403, 1404, 1405, 1413, 1422, 1429, 1500,
// 1502, 1503, 1504), as OneBot 11 maps HTTP 4xx to 14xx over WebSocket. A backend's own retcode
// never becomes ours (it could collide); it is passed back in the backend's own envelope.
func Retcode(code string) int {
	status := StatusForCode(code)
	if status == http.StatusBadRequest && code != CodeBadJSON {
		return RetcodeBadParams
	}
	return 1000 + status
}

// RetcodeBadParams is OneBot 11's retcode for missing or invalid parameters.
const RetcodeBadParams = 100

// StatusForCode is the HTTP status for a stable code (500 for an unknown one).
func StatusForCode(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
