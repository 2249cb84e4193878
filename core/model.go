// Package core is the UI-free heart of UCBI Console: the UCBI model (context, message, segments),
// the dispatcher that routes every call to the adapter and message source it names, and the
// types shared with the store and the user interface.
//
// Nothing here imports Fyne or bbolt: the store and the UI depend on core, never the reverse.
package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ID is a chat id (user, group, discussion, message). UCBI puts every id on the wire as a string
// but callers often send JSON numbers; ID accepts both and always marshals as a string.
type ID string

// UnmarshalJSON accepts a JSON string, an integer number, or null (the empty id).
func (id *ID) UnmarshalJSON(b []byte) error {
	s, err := decodeID(b)
	if err != nil {
		return err
	}
	*id = ID(s)
	return nil
}

// decodeID turns a raw JSON id (string or integer) into its string form.
func decodeID(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return "", nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		// Taken exactly as written: " 123" is not the id 123, and no id holds a newline.
		if !wellFormedID(s) {
			return "", fmt.Errorf("id %s must not start or end with spaces nor contain control characters", quoteExact(s))
		}
		return s, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return "", err
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return "", fmt.Errorf("id %s is not a whole number that fits in 64 bits", n)
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("an id must be a string or a whole number, not %s", JSONKind(b))
}

// wellFormedID: an id string as UCBI takes it — no control characters, no spaces around it
// (spaces inside are allowed: an Openwx target may be "displayname:张 三").
func wellFormedID(s string) bool {
	return strings.TrimSpace(s) == s && strings.IndexFunc(s, unicode.IsControl) < 0
}

// JSONKind names the JSON type of a raw value ("a string", "an object"…), for error
// messages that say what a caller sent instead of what was expected.
func JSONKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// Message types of a UCBI context and of send_message.
const (
	TypePrivate = "private"
	TypeGroup   = "group"
	TypeDiscuss = "discuss"
)

// Context says where a call goes: the open layer (Via), the message source (Extra) and, for
// sends, the target ids. A context taken from an event is usable unchanged as a send target.
type Context struct {
	Platform   string          `json:"platform,omitempty"`
	Via        string          `json:"via,omitempty"`
	Type       string          `json:"type,omitempty"`
	UserID     ID              `json:"user_id,omitempty"`
	UserTID    ID              `json:"user_tid,omitempty"`
	GroupID    ID              `json:"group_id,omitempty"`
	GroupTID   ID              `json:"group_tid,omitempty"`
	DiscussID  ID              `json:"discuss_id,omitempty"`
	DiscussTID ID              `json:"discuss_tid,omitempty"`
	Extra      json.RawMessage `json:"extra,omitempty"`
}

// ConfigID returns extra.config_id as a string (it may be a JSON number or string), or "" when
// the context has no extra or no config_id.
func (c Context) ConfigID() (string, error) {
	if len(bytes.TrimSpace(c.Extra)) == 0 || string(bytes.TrimSpace(c.Extra)) == "null" {
		return "", nil
	}
	var extra map[string]json.RawMessage
	if err := json.Unmarshal(c.Extra, &extra); err != nil {
		return "", fmt.Errorf("context.extra must be an object, not %s", JSONKind(c.Extra))
	}
	raw, ok := extra["config_id"]
	if !ok {
		return "", nil
	}
	id, err := decodeID(raw)
	if err != nil {
		return "", fmt.Errorf("context.extra.config_id: %v", err)
	}
	return id, nil
}

// WithSource returns a copy of c whose extra names the message source id.
func (c Context) WithSource(sourceID string) Context {
	// What marshalling {"config_id": sourceID} writes, without the map or reflection: it runs
	// for every decoded event.
	extra := make([]byte, 0, len(`{"config_id":""}`)+len(sourceID))
	extra = AppendJSONString(append(extra, `{"config_id":`...), sourceID, true)
	c.Extra = append(extra, '}')
	return c
}

// Target returns the send target the context names ("" type when it names none).
func (c Context) Target() Target {
	switch {
	case c.Type == TypeGroup || (c.Type == "" && (c.GroupID != "" || c.GroupTID != "")):
		return Target{Type: TypeGroup, ID: string(firstID(c.GroupID, c.GroupTID))}
	case c.Type == TypeDiscuss || (c.Type == "" && (c.DiscussID != "" || c.DiscussTID != "")):
		return Target{Type: TypeDiscuss, ID: string(firstID(c.DiscussID, c.DiscussTID))}
	case c.Type == TypePrivate || (c.Type == "" && (c.UserID != "" || c.UserTID != "")):
		return Target{Type: TypePrivate, ID: string(firstID(c.UserID, c.UserTID))}
	}
	return Target{}
}

func firstID(ids ...ID) ID {
	for _, id := range ids {
		if id != "" {
			return id
		}
	}
	return ""
}

// Target is the resolved destination of a send.
type Target struct {
	Type string `json:"type"` // private, group or discuss
	ID   string `json:"id"`
}

// String renders a target the way history shows and filters it: "group:123".
func (t Target) String() string {
	if t.Type == "" {
		return ""
	}
	return t.Type + ":" + t.ID
}

// Segment is one piece of a UCBI message. Text is a human-readable stand-in for non-text
// segments ("[图片]"); Data holds the type's fields with JSON numbers kept exact.
type Segment struct {
	Type string         `json:"type"`
	Text string         `json:"text"`
	Data map[string]any `json:"data,omitempty"`
}

// Str returns data[key] as a string: strings as they are, numbers in their JSON form, booleans
// as "true"/"false"; ok is false when the key is absent, null, or an object/array.
func (s Segment) Str(key string) (string, bool) {
	v, ok := s.Data[key]
	if !ok {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// Message is a UCBI message: at least one segment. On the wire it may also be a plain string,
// which stands for one text segment.
type Message []Segment

// UnmarshalJSON accepts a string (one text segment) or an array of segments. Segment data
// numbers are kept as json.Number so that 64-bit ids survive.
func (m *Message) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*m = nil
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*m = Message{}
			return nil
		}
		*m = Message{{Type: "text", Text: s}}
		return nil
	case '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := make(Message, 0, len(raw))
		for i, r := range raw {
			seg, err := decodeSegment(r)
			if err != nil {
				return fmt.Errorf("segment %d: %v", i, err)
			}
			out = append(out, seg)
		}
		*m = out
		return nil
	}
	return fmt.Errorf("a message must be a string or an array of segments, not %s", JSONKind(b))
}

func decodeSegment(b []byte) (Segment, error) {
	var wire struct {
		Type json.RawMessage `json:"type"`
		Text json.RawMessage `json:"text"`
		Data json.RawMessage `json:"data"`
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return Segment{}, fmt.Errorf("a segment must be an object, not %s", JSONKind(b))
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return Segment{}, err
	}
	var seg Segment
	if len(wire.Type) == 0 || json.Unmarshal(wire.Type, &seg.Type) != nil || seg.Type == "" {
		return Segment{}, fmt.Errorf("\"type\" must be a non-empty string")
	}
	if len(wire.Text) > 0 && string(wire.Text) != "null" {
		if err := json.Unmarshal(wire.Text, &seg.Text); err != nil {
			return Segment{}, fmt.Errorf("\"text\" must be a string, not %s", JSONKind(wire.Text))
		}
	}
	if len(wire.Data) > 0 && string(wire.Data) != "null" {
		if bytes.TrimSpace(wire.Data)[0] != '{' {
			return Segment{}, fmt.Errorf("\"data\" must be an object, not %s", JSONKind(wire.Data))
		}
		dec := json.NewDecoder(bytes.NewReader(wire.Data))
		dec.UseNumber()
		if err := dec.Decode(&seg.Data); err != nil {
			return Segment{}, fmt.Errorf("\"data\": %v", err)
		}
	}
	return seg, nil
}

// PlainText renders a message as one line of text (segments' text joined), for history lists
// and search.
func (m Message) PlainText() string {
	var sb strings.Builder
	for _, s := range m {
		if s.Text != "" {
			sb.WriteString(s.Text)
		} else if s.Type != "text" {
			sb.WriteString("[" + strings.TrimPrefix(s.Type, "*") + "]")
		}
	}
	return sb.String()
}

// Request is one UCBI call: POST {root} with {action, context, params}. Params stay raw so that
// each action can decode exactly the fields it takes and name the one that is wrong.
type Request struct {
	Action  string                     `json:"action"`
	Context *Context                   `json:"context,omitempty"`
	Params  map[string]json.RawMessage `json:"params,omitempty"`
}

// Source is a configured message source: one account on one open layer.
type Source struct {
	ID       string `json:"id"`
	Via      string `json:"via"`
	URL      string `json:"url"`
	Token    string `json:"token,omitempty"`
	Flavor   string `json:"flavor,omitempty"` // napcat, go-cqhttp, lagrange, llonebot, generic
	Default  bool   `json:"default,omitempty"`
	Platform string `json:"platform,omitempty"` // qq unless said otherwise
	// TimeoutMS bounds every backend call of this source; 0 means DefaultTimeout.
	TimeoutMS int `json:"timeout_ms,omitempty"`

	// Events is how the open layer hands out events: LinkNone (""), LinkWS, LinkWSReverse,
	// LinkHTTPPost, LinkSSE or LinkPoll.
	Events string `json:"events,omitempty"`
	// WSURL is the open layer's WebSocket server (LinkWS). With no URL, actions go over it too.
	WSURL string `json:"ws_url,omitempty"`
	// Secret checks X-Signature on events the open layer POSTs (LinkHTTPPost).
	Secret string `json:"secret,omitempty"`
	// SelfID is the account's id, for matching a reverse WebSocket's X-Self-ID.
	SelfID string `json:"self_id,omitempty"`
	// HeartbeatMS is the open layer's heartbeat interval; a link silent for twice it is down.
	// 0 means 30 s (NapCat's default).
	HeartbeatMS int `json:"heartbeat_ms,omitempty"`
}

// DefaultTimeout bounds a backend call when the source sets none.
const DefaultTimeout = 10 * time.Second

// Timeout is the source's backend timeout.
func (s Source) Timeout() time.Duration {
	if s.TimeoutMS > 0 {
		return time.Duration(s.TimeoutMS) * time.Millisecond
	}
	return DefaultTimeout
}

// MaskedToken shows a token without giving it away: "" stays "", short ones become "****",
// longer ones keep their first two and last two characters.
func MaskedToken(tok string) string {
	switch {
	case tok == "":
		return ""
	case len(tok) <= 8:
		return "****"
	}
	return tok[:2] + "****" + tok[len(tok)-2:]
}

// ShownURL is the source's URL fit to print: no user info, and no query (which may hold
// ?access_token=); "?…" marks a query that was left out.
func (s Source) ShownURL() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		// Cut what could hold a secret by hand: the query, the fragment and any user info.
		raw := s.URL
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				raw = raw[:j+3] + raw[i+1:]
			}
		}
		return raw
	}
	hadQuery := u.RawQuery != "" || u.ForceQuery
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	if hadQuery {
		return u.String() + "?…"
	}
	return u.String()
}

// ContextOf is the context that routes to a source (no target ids).
func (s Source) ContextOf() Context {
	p := s.Platform
	if p == "" {
		p = "qq"
	}
	return Context{Platform: p, Via: s.Via}.WithSource(s.ID)
}

// Call origins recorded in history.
const (
	OriginGUI    = "gui"
	OriginUCBI   = "ucbi"
	OriginOneBot = "onebot"
	// OriginOneBotWS is a OneBot 11 action that came over a WebSocket (the bot hub's doors).
	OriginOneBotWS = "onebot-ws"
	OriginCLI      = "cli"
)

// Outcomes recorded in history.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)

// HistoryRecord is one row of history: one call, from any origin. It never holds a token.
type HistoryRecord struct {
	Seq       uint64          `json:"seq"`
	Time      time.Time       `json:"time"`
	Origin    string          `json:"origin"`
	Source    string          `json:"source,omitempty"`
	Action    string          `json:"action"`
	Target    string          `json:"target,omitempty"`
	Message   string          `json:"message,omitempty"` // the message as plain text, for lists and search
	Outcome   string          `json:"outcome"`
	ErrorCode string          `json:"error_code,omitempty"`
	Retcode   int             `json:"retcode,omitempty"`
	Text      string          `json:"text,omitempty"` // the backend's (or our) error text
	LatencyUS int64           `json:"latency_us"`
	MessageID string          `json:"message_id,omitempty"`
	Request   json.RawMessage `json:"request,omitempty"`  // what the caller sent (tokens never included)
	Response  json.RawMessage `json:"response,omitempty"` // what the caller got back
}

// Latency is the call's duration.
func (r HistoryRecord) Latency() time.Duration { return time.Duration(r.LatencyUS) * time.Microsecond }

// CardRecord is one Ark card generation: what was asked, of which source, and what came back.
// ArkJSON is kept byte-for-byte: the card's signature breaks if it is edited.
type CardRecord struct {
	ID      uint64    `json:"id"`
	Time    time.Time `json:"time"`
	Source  string    `json:"source"`
	Target  string    `json:"target"` // "group:123", "user:456" or "phone:138…"
	Outcome string    `json:"outcome"`
	ErrCode int       `json:"err_code,omitempty"`
	ErrMsg  string    `json:"err_msg,omitempty"`
	ArkJSON string    `json:"ark_json,omitempty"`
}
