package ark

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"ucbi-console/core"
)

// SeedRequest is a decoded POST /ArkSharePeer body: exactly one of Target's fields is set.
type SeedRequest struct {
	Target core.ArkRequest
	// Echo is the request's echo as given (any JSON value, "null" included); nil when absent.
	Echo json.RawMessage
}

// fieldEcho is the request field returned as given in the reply.
const fieldEcho = "echo"

// DecodeSeedRequest decodes and checks a POST /ArkSharePeer body.
//
//   - The body is one JSON object; an empty body or null counts as {} (and then fails the
//     exactly-one rule). Anything else: core.CodeBadJSON.
//   - group_id and user_id are a JSON integer or a string of ASCII digits (surrounding spaces
//     ignored), positive and within int64; they come back in canonical decimal form.
//   - phoneNumber (or its alias phone_number) is a string — digits with an optional leading +,
//     spaces and dashes removed, 5 to 20 digits — or a JSON integer. The + is kept. Both keys
//     given with different numbers is an error; with the same number they count once.
//   - A key whose value is null counts as absent.
//   - Exactly one of the three must be present: none is core.CodeMissingParam, more than one
//     core.CodeBadParam. The rule is checked before the values, so the error names the rule.
//   - A value of the wrong type or form is core.CodeBadParam naming the field.
//   - echo, when present, is returned as given; other keys are ignored.
//
// When the body is a JSON object but a field is wrong, the error comes with a SeedRequest whose
// Echo is set (Target empty), so that the failure reply can still echo it:
//
//	req, err := DecodeSeedRequest(body)
//	if err != nil {
//		w.Write(FailFromError(err, req.Echo).JSON())
//	}
func DecodeSeedRequest(body []byte) (SeedRequest, error) {
	fields, err := decodeBody(body)
	if err != nil {
		return SeedRequest{}, err
	}
	var req SeedRequest
	if raw, ok := fields[fieldEcho]; ok {
		req.Echo = append(json.RawMessage(nil), raw...)
	}

	req.Target, err = core.DecodeArkRequest(fields)
	if err != nil {
		return SeedRequest{Echo: req.Echo}, err
	}
	return req, nil
}

// decodeBody reads the body as one JSON object of raw values.
func decodeBody(body []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return map[string]json.RawMessage{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, core.Errorf(core.CodeBadJSON, "the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, core.Errorf(core.CodeBadJSON, "the body is not valid JSON: it ends early")
		}
		return nil, core.Errorf(core.CodeBadJSON, "the body is not valid JSON: %v", err)
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, core.Errorf(core.CodeBadJSON, "the body has more data after its JSON object (at byte %d)", len(body)-len(rest))
	}
	if raw[0] != '{' {
		return nil, core.Errorf(core.CodeBadJSON, "the body must be a JSON object, not %s", core.JSONKind(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil { // cannot fail on a valid object
		return nil, core.Errorf(core.CodeBadJSON, "the body is not valid JSON: %v", err)
	}
	return fields, nil
}

// SeedData is the data object of a SeedReply.
type SeedData struct {
	ErrCode int    `json:"errCode"`
	ErrMsg  string `json:"errMsg"`
	ArkJSON string `json:"arkJson"` // the card, "" when none
}

// SeedReply is the body POST /ArkSharePeer answers with, fields in the seed's order. Echo is
// left out when the request had none.
type SeedReply struct {
	Status  string          `json:"status"` // "ok" or "failed"
	Retcode int             `json:"retcode"`
	Data    SeedData        `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Echo    json.RawMessage `json:"echo,omitempty"`
}

// Reply statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Retcodes of a failed SeedReply (status "failed"). The scheme follows OneBot 11, which our
// callers already speak:
//
//   - 100 is OneBot 11's "parameters missing or invalid" (what go-cqhttp, NapCat's clients and
//     CQHTTP clients expect for a bad parameter): the exactly-one rule, a wrong type, a bad
//     phone number — every 400-class error except an unreadable body.
//   - Everything else is 1000 + the HTTP status of the core error code. OneBot 11 itself maps
//     HTTP 400/401/403/404 to retcodes 1400/1401/1403/1404 over WebSocket; we extend that rule
//     (1422 unsupported, 1502 backend failed, 1503 unreachable, 1504 timeout, 1500 internal …),
//     so RetcodeFor is total and a retcode tells an operator where to look.
//
// A backend's own retcode never becomes ours (it could collide: NapCat fails with 200, and a
// backend could answer 0); it goes into the message instead. Retcode 0 is success only.
const (
	RetcodeOK           = 0
	RetcodeBadParams    = 100  // missing_param, bad_param, …: the request's fields are wrong
	RetcodeBadRequest   = 1400 // bad_json: the body is not one JSON object
	RetcodeUnauthorized = 1401 // no token given
	RetcodeForbidden    = 1403 // wrong token
	RetcodeUnsupported  = 1422 // the source's open layer cannot make cards
	RetcodeInternal     = 1500 // our own fault
	RetcodeBackend      = 1502 // the backend failed (its retcode and text are in the message) or answered nonsense
	RetcodeBackendDown  = 1503 // the backend could not be reached
	RetcodeTimeout      = 1504 // the backend did not answer in time
)

// RetcodeFor is the retcode of a failed reply for a core error code: RetcodeBadParams for a
// parameter error, 1000 + its HTTP status otherwise (RetcodeInternal for an unknown code).
func RetcodeFor(code string) int {
	status := core.StatusForCode(code)
	if status == http.StatusBadRequest && code != core.CodeBadJSON {
		return RetcodeBadParams
	}
	return 1000 + status
}

// OKReply is the reply carrying what the backend made. With ErrCode 0 the message and wording
// are "OK"; otherwise the status is still "ok" and retcode 0 (the request was fine, the card
// could not be made — the seed's rule), and message and wording say so with errCode and errMsg.
// arkJson loses trailing whitespace (NapCat appends "\n"); it is otherwise byte-for-byte.
func OKReply(r core.ArkResult, echo json.RawMessage) SeedReply {
	msg := "OK"
	if r.ErrCode != 0 {
		msg = fmt.Sprintf("the card could not be made (errCode %d)", r.ErrCode)
		if e := strings.TrimSpace(r.ErrMsg); e != "" {
			msg += ": " + e
		}
	}
	return SeedReply{
		Status:  StatusOK,
		Retcode: RetcodeOK,
		Data:    SeedData{ErrCode: r.ErrCode, ErrMsg: r.ErrMsg, ArkJSON: strings.TrimRight(r.ArkJSON, " \t\r\n")},
		Message: msg,
		Wording: msg,
		Echo:    echo,
	}
}

// FailReply is a failed reply: status "failed", data {errCode: retcode, errMsg: msg,
// arkJson: ""}, message and wording msg. A retcode of 0 would read as success, so it becomes
// RetcodeInternal; an empty msg becomes "request failed".
func FailReply(retcode int, msg string, echo json.RawMessage) SeedReply {
	if retcode == RetcodeOK {
		retcode = RetcodeInternal
	}
	if strings.TrimSpace(msg) == "" {
		msg = "request failed"
	}
	return SeedReply{
		Status:  StatusFailed,
		Retcode: retcode,
		Data:    SeedData{ErrCode: retcode, ErrMsg: msg},
		Message: msg,
		Wording: msg,
		Echo:    echo,
	}
}

// FailFromError is the failed reply for err: the retcode from its core code (RetcodeFor), the
// message its text plus, for a backend failure, the backend's HTTP status, retcode and text. An
// error that is not a *core.Error is internal; a nil error too (it is a caller's bug).
func FailFromError(err error, echo json.RawMessage) SeedReply {
	if err == nil {
		return FailReply(RetcodeInternal, "internal error: a failure was reported without an error", echo)
	}
	e := core.AsError(err)
	msg := e.Message
	var extra []string
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		extra = append(extra, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.Retcode != 0 {
		extra = append(extra, fmt.Sprintf("retcode %d", e.Retcode))
	}
	if t := strings.TrimSpace(e.BackendText); t != "" && !strings.Contains(msg, t) {
		extra = append(extra, strconv.Quote(t))
	}
	if len(extra) > 0 {
		msg += " (backend " + strings.Join(extra, ", ") + ")"
	}
	return FailReply(RetcodeFor(e.Code), msg, echo)
}

// JSON encodes the reply: fields in the seed's order (status, retcode, data{errCode, errMsg,
// arkJson}, message, wording, echo), <, > and & left as they are (the card JSON is shown to
// people and compared byte-wise), and no trailing newline — the caller writes exactly these
// bytes as the body. Echo is written compacted (same JSON value); an Echo that is not valid JSON
// is left out rather than failing the reply.
func (r SeedReply) JSON() []byte {
	if len(r.Echo) > 0 && !json.Valid(r.Echo) {
		r.Echo = nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		// Unreachable: every field is a string, an int or valid raw JSON.
		return []byte(`{"status":"failed","retcode":1500,"data":{"errCode":1500,"errMsg":"internal error: the reply could not be encoded","arkJson":""},"message":"internal error: the reply could not be encoded","wording":"internal error: the reply could not be encoded"}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
