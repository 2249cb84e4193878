package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"ucbi-console/core"
)

// Retcodes of the envelopes the hub writes itself, the same as the endpoint's OneBot routes:
// 1000 + the HTTP status that would say the same.
const (
	RetcodeBadRequest   = 1400
	RetcodeUnauthorized = 1401
	RetcodeForbidden    = 1403
	RetcodeNotFound     = 1404
)

// actionFrame is what a bot sends over a WebSocket: {action, params, echo}. Echo is kept as the
// exact bytes the bot sent, whatever their JSON type.
type actionFrame struct {
	Action json.RawMessage `json:"action"`
	Params json.RawMessage `json:"params"`
	Echo   json.RawMessage `json:"echo"`
}

// parseFrame reads an action frame. A frame that is not a JSON object gets no echo back (there
// is none to read); any other fault keeps the echo so the bot can match the answer.
func parseFrame(b []byte) (action string, params, echo json.RawMessage, fault string) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return "", nil, nil, "bad request: the frame is not a JSON object {action, params, echo}"
	}
	var f actionFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return "", nil, nil, "bad request: the frame is not valid JSON: " + err.Error()
	}
	echo = f.Echo
	if len(f.Action) == 0 || isNull(f.Action) {
		return "", nil, echo, "bad request: the frame has no \"action\""
	}
	if err := json.Unmarshal(f.Action, &action); err != nil || action == "" {
		return "", nil, echo, "bad request: \"action\" must be a non-empty string"
	}
	params = bytes.TrimSpace(f.Params)
	switch {
	case len(params) == 0 || isNull(params):
		params = json.RawMessage("{}")
	case params[0] != '{':
		return action, nil, echo, "bad request: \"params\" must be a JSON object"
	}
	return action, params, echo, ""
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// failedEnvelope is a OneBot 11 failure reply with all six fields.
func failedEnvelope(retcode int, msg string, echo json.RawMessage) []byte {
	m, _ := marshalNoHTML(msg) // a string always encodes
	out := fmt.Appendf(nil, `{"status":"failed","retcode":%d,"data":null,"message":%s,"wording":%s,"echo":`, retcode, m, m)
	out = append(out, nullIfEmpty(echo)...)
	return append(out, '}')
}

func nullIfEmpty(b json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// retcodeOf is the retcode of a failure envelope for an error without one: 1404 when the
// backend does not know the action, else 1000 + the error's HTTP status.
func retcodeOf(err error) int {
	e := core.AsError(err)
	if e.Code == core.CodeUnknownAction || (e.Code == core.CodeBackendFailed && e.HTTPStatus == http.StatusNotFound) {
		return RetcodeNotFound
	}
	return 1000 + e.Status()
}

// envelopeOrder is the order the six OneBot 11 fields are written in; other fields follow.
var envelopeOrder = []string{"status", "retcode", "data", "message", "wording"}

// withEcho gives the backend's reply envelope the bot's echo, byte for byte; every other value
// stays as the backend wrote it. A reply that is not a JSON object becomes a 1502 failure.
func withEcho(env []byte, echo json.RawMessage) []byte {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(env, &fields); err != nil || fields == nil {
		return failedEnvelope(1502, "the backend's reply is not a OneBot 11 envelope", echo)
	}
	delete(fields, "echo")
	out := make([]byte, 0, len(env)+len(echo)+16)
	out = append(out, '{')
	put := func(k string, v json.RawMessage) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, k)
		out = append(out, ':')
		out = append(out, v...)
	}
	for _, k := range envelopeOrder {
		if v, ok := fields[k]; ok {
			put(k, v)
			delete(fields, k)
		}
	}
	rest := make([]string, 0, len(fields))
	for k := range fields {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		put(k, fields[k])
	}
	put("echo", nullIfEmpty(echo))
	return append(out, '}')
}

// selfIDJSON is a self_id as OneBot 11 writes it: a number when it is one, else a string
// (0 when unknown).
func selfIDJSON(id string) []byte {
	if id == "" {
		return []byte("0")
	}
	if core.IsDigits(id) && len(id) < 19 {
		return []byte(id)
	}
	return strconv.AppendQuote(nil, id)
}

// lifecycleConnect is the meta event a WebSocket opens with.
func lifecycleConnect(selfID string, now time.Time) []byte {
	return fmt.Appendf(nil, `{"time":%d,"self_id":%s,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`,
		now.Unix(), selfIDJSON(selfID))
}

// heartbeat is the meta event sent every interval on an event-carrying WebSocket.
func heartbeat(selfID string, interval time.Duration, now time.Time) []byte {
	return fmt.Appendf(nil, `{"time":%d,"self_id":%s,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":%d}`,
		now.Unix(), selfIDJSON(selfID), interval.Milliseconds())
}

// heartbeatInterval is the source's heartbeat interval (30 s when it sets none).
func heartbeatInterval(src core.Source) time.Duration {
	if src.HeartbeatMS > 0 {
		return time.Duration(src.HeartbeatMS) * time.Millisecond
	}
	return DefaultHeartbeat
}

// forBots says whether a stored event goes to bots: only the open layer's own events (with raw
// JSON), and not its lifecycle and heartbeat meta events, which belong to its link with the
// console — the hub speaks its own on each bot connection.
func forBots(ev *core.StoredEvent) bool {
	if len(ev.Raw) == 0 {
		return false
	}
	return !strings.HasPrefix(ev.Kind, "meta_event.heartbeat") && !strings.HasPrefix(ev.Kind, "meta_event.lifecycle")
}

// rawSelfID reads self_id from a raw OneBot 11 event ("" when absent).
func rawSelfID(raw []byte) string {
	var head struct {
		SelfID json.RawMessage `json:"self_id"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return ""
	}
	return jsonScalar(head.SelfID)
}

// jsonScalar is a JSON number or string as text ("" for anything else).
func jsonScalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || isNull(v) {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return string(v)
	}
	return ""
}

// checkURL says what is wrong with a bot's URL, if anything.
func checkURL(raw string, schemes ...string) error {
	if raw == "" {
		return fmt.Errorf("no url (want %s://…)", schemes[0])
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the url does not parse: %v", err)
	}
	for _, s := range schemes {
		if u.Scheme == s {
			if u.Host == "" {
				return fmt.Errorf("the url %q has no host", shownURL(raw))
			}
			return nil
		}
	}
	return fmt.Errorf("the url %q must start with %s://", shownURL(raw), schemes[0])
}

// shownURL is a bot URL fit to show: no user info, no query (it may hold an access_token).
func shownURL(raw string) string {
	return core.Source{URL: raw}.ShownURL()
}
