package onebot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ucbi-console/core"
)

// The OneBot 11 proxy's half in the adapter: a bot's action passed through as it wrote it
// (core.RawForwarder), its parameters checked first, the backend's answer read with the one
// envelope reader (ParseEnvelope) and passed back as the bot expects it.

var _ core.RawForwarder = (*Adapter)(nil)

// ForwardRaw forwards a bot's parameters once to /<action> as they are and reads the answer
// (ReadForwarded). The door has checked them (CheckParams).
func (a *Adapter) ForwardRaw(ctx context.Context, action string, params []byte, echo json.RawMessage) core.RawReply {
	status, reply, err := a.Forward(ctx, action, params)
	var rep core.RawReply
	if err != nil {
		e := core.AsError(err)
		rep = core.RawReply{Status: e.Status(), Body: FailedReply(e, echo, nil), Err: e}
	} else {
		rep = ReadForwarded(action, status, reply, echo)
	}
	return rep
}

// ReadForwarded turns a backend's answer to a forwarded action into the bot's. An envelope is
// passed back with the backend's HTTP status — byte for byte when it already has all six fields
// (NapCat's do), else completed (go-cqhttp's msg becomes message; a missing echo is the
// request's). Anything else — a 401/403 (the backend refused the console's backend token), a
// bare 404, 5xx, HTML, garbage — becomes a failure envelope saying what came back.
func ReadForwarded(action string, status int, reply []byte, echo json.RawMessage) core.RawReply {
	env, err := ParseEnvelope(status, reply)
	e := core.AsError(err)
	if IsUnknownAction(err) {
		e.Code = core.CodeUnknownAction
	}
	if env == nil || status == http.StatusUnauthorized || status == http.StatusForbidden {
		if e == nil { // cannot happen: no envelope is always an error
			e = core.Errorf(core.CodeBackendBadReply, "the backend's answer could not be read")
		}
		if e.Code == core.CodeUnknownAction && e.Message == "" {
			e.Message = fmt.Sprintf("the backend has no action %q", action)
		}
		return core.RawReply{Status: e.Status(), Body: FailedReply(e, echo, nil), Err: e, Retcode: e.Retcode, Text: e.BackendText}
	}
	rep := core.RawReply{Status: status, Err: e, Retcode: env.Retcode, Text: env.Text(), Data: env.Data}
	if e != nil && e.Code == core.CodeBackendBadReply {
		// An envelope on a status that contradicts it: said as the console's failure.
		rep.Status, rep.Body = e.Status(), FailedReply(e, echo, env.Data)
		return rep
	}
	if env.complete && (len(echo) == 0 || env.Echo != nil) {
		rep.Body = bytes.TrimSpace(reply)
	} else {
		if env.Message == "" {
			env.Message = env.Text()
		}
		if env.Wording == "" {
			env.Wording = env.Message
		}
		if env.Echo == nil {
			env.Echo = echo
		}
		rep.Body = env.Reply()
	}
	if e == nil {
		rep.MessageID = messageID(env.Data)
	}
	return rep
}

// messageID is data.message_id as a string ("" when there is none).
func messageID(data json.RawMessage) string {
	if len(data) == 0 || data[0] != '{' {
		return ""
	}
	var id []byte
	eachField(data, func(key []byte, escaped bool, value []byte) {
		if fieldKey(key, escaped) == "message_id" {
			id = value
		}
	})
	if s, ok := rawString(id); ok {
		return s
	}
	if len(id) > 0 && !core.IsNull(id) && id[0] != '{' && id[0] != '[' {
		return string(id)
	}
	return ""
}

// Reply encodes the envelope as a OneBot 11 implementation answers: all six fields, data and
// echo null when absent, <, > and & as they are, no trailing newline. (msg, go-cqhttp's
// extra, is folded into message by the reader and not written.)
func (e Envelope) Reply() []byte {
	type wire struct {
		Status  string          `json:"status"`
		Retcode int             `json:"retcode"`
		Data    json.RawMessage `json:"data"`
		Message string          `json:"message"`
		Wording string          `json:"wording"`
		Echo    json.RawMessage `json:"echo"`
	}
	w := wire{Status: e.Status, Retcode: e.Retcode, Data: e.Data, Message: e.Message, Wording: e.Wording, Echo: e.Echo}
	if core.IsNull(w.Data) {
		w.Data = json.RawMessage("null")
	}
	if core.IsNull(w.Echo) || !json.Valid(w.Echo) {
		w.Echo = json.RawMessage("null")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		// Data and Echo come from decoded JSON, so this cannot happen; say so rather than panic.
		return []byte(`{"status":"failed","retcode":1500,"data":null,"message":"internal error: the reply could not be encoded","wording":"internal error: the reply could not be encoded","echo":null}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// FailedReply is the envelope the console answers a failure with: status "failed", the
// console's retcode for the error's code (core.Retcode), its message, the caller's echo, and
// data when the backend gave some (a call made whose row could not be written).
func FailedReply(e *core.Error, echo, data json.RawMessage) []byte {
	return Envelope{Status: "failed", Retcode: core.Retcode(e.Code), Data: data, Message: e.Message, Wording: e.Message, Echo: echo}.Reply()
}

// AsyncReply is the answer to an action accepted to run in the background (foo_async).
func AsyncReply(echo json.RawMessage) []byte {
	return Envelope{Status: "async", Retcode: 1, Echo: echo}.Reply()
}

// CheckParams checks the parameters of a bot's action before anything is forwarded, and says
// what the call is about for history: target "group:1" / "private:2" and the message as plain
// text. group_id and user_id must be whole numbers that fit in 64 bits (a larger one would reach
// the backend rounded: another group); message must be a string, a segment or an array of
// segments; a media segment's file must not be a relative path or hold "..". Errors are
// CodeBadParam / CodeBadMessage naming the field. params must be valid JSON (the door checks).
func CheckParams(params []byte) (target, message string, err *core.Error) {
	var f oneBotFields
	eachField(params, f.take)
	c := &oneBotCall{}
	err = c.check(&f)
	return c.target, c.message, err
}

// oneBotCall is what a call's history row shows.
type oneBotCall struct {
	target  string // "group:123" / "private:456"
	message string // the message as plain text
}

// oneBotFields are the parameters the console looks at, raw.
type oneBotFields struct {
	groupID, userID, messageType, message, autoEscape []byte
}

func (f *oneBotFields) take(key []byte, escaped bool, value []byte) {
	k := key
	if escaped {
		k = []byte(fieldKey(key, escaped))
	}
	switch string(k) {
	case "group_id":
		f.groupID = value
	case "user_id":
		f.userID = value
	case "message_type":
		f.messageType = value
	case "message":
		f.message = value
	case "auto_escape":
		f.autoEscape = value
	}
}

// check validates ids and the message, and fills target and message for history.
func (c *oneBotCall) check(f *oneBotFields) *core.Error {
	var gid, uid string
	for _, id := range []struct {
		name string
		raw  []byte
		dst  *string
	}{{"group_id", f.groupID, &gid}, {"user_id", f.userID, &uid}} {
		if core.IsNull(id.raw) {
			continue
		}
		v, err := oneBotID(id.raw)
		if err != nil {
			return core.Errorf(core.CodeBadParam, "%s: %v", id.name, err)
		}
		*id.dst = v
	}
	mt, _ := rawString(f.messageType)
	switch {
	case gid != "" && mt != core.TypePrivate:
		c.target = core.Target{Type: core.TypeGroup, ID: gid}.String()
	case uid != "":
		c.target = core.Target{Type: core.TypePrivate, ID: uid}.String()
	}
	if core.IsNull(f.message) {
		return nil
	}
	autoEscape := false
	if len(f.autoEscape) > 0 {
		s := strings.Trim(string(f.autoEscape), `"`)
		autoEscape = s == "true" || s == "1"
	}
	text, err := oneBotMessage(f.message, autoEscape)
	if err != nil {
		return err
	}
	c.message = text
	return nil
}

// oneBotID reads an id as OneBot implementations coerce it: a whole JSON number or a string of
// digits, within 64 bits.
func oneBotID(raw []byte) (string, error) {
	s := string(bytes.TrimSpace(raw))
	if s != "" && s[0] == '"' {
		v, ok := rawString([]byte(s))
		if !ok {
			return "", fmt.Errorf("not a valid string")
		}
		s = strings.TrimSpace(v)
	} else if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return "", fmt.Errorf("must be a number or a string of digits, not %s", core.JSONKind([]byte(s)))
	}
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		if len(s) > 24 {
			s = s[:24] + "…"
		}
		return "", fmt.Errorf("%q is not a whole number that fits in 64 bits", s)
	}
	return s, nil
}

// oneBotMessage reads a OneBot message — a CQ-code string (or plain text with auto_escape),
// one segment, or an array of segments, each an object with a string type — checks its media
// segments' file references, and returns it as plain text for history.
func oneBotMessage(raw []byte, autoEscape bool) (string, *core.Error) {
	raw = bytes.TrimSpace(raw)
	var segs []Segment
	switch raw[0] {
	case '"':
		s, ok := rawString(raw)
		if !ok {
			return "", core.Errorf(core.CodeBadMessage, "message is not a valid string")
		}
		if autoEscape {
			return s, nil
		}
		if !strings.Contains(s, "[CQ:") {
			return UnescapeCQ(s), nil // text only: no segment to check
		}
		segs = ParseCQ(s)
	case '{':
		seg, err := oneBotSegment(raw, -1)
		if err != nil {
			return "", err
		}
		segs = []Segment{seg}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", core.Errorf(core.CodeBadMessage, "message: %v", err)
		}
		for i, item := range items {
			seg, err := oneBotSegment(item, i)
			if err != nil {
				return "", err
			}
			segs = append(segs, seg)
		}
	default:
		return "", core.Errorf(core.CodeBadMessage, "message must be a string (CQ code), a segment {type, data} or an array of segments, not %s", core.JSONKind(raw))
	}
	for i, seg := range segs {
		if err := checkMedia(seg); err != nil {
			return "", core.Errorf(core.CodeBadMessage, "message segment %d (%s): %v", i, seg.Type, err)
		}
	}
	return FromOneBot(segs).PlainText(), nil
}

func oneBotSegment(raw json.RawMessage, i int) (Segment, *core.Error) {
	where := "message"
	if i >= 0 {
		where = fmt.Sprintf("message segment %d", i)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Segment{}, core.Errorf(core.CodeBadMessage, "%s must be an object {type, data}, not %s", where, core.JSONKind(raw))
	}
	var wire struct {
		Type json.RawMessage `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		return Segment{}, core.Errorf(core.CodeBadMessage, "%s: %v", where, err)
	}
	typ, ok := rawString(wire.Type)
	if !ok || typ == "" {
		return Segment{}, core.Errorf(core.CodeBadMessage, "%s needs a type (a non-empty string)", where)
	}
	seg := Segment{Type: typ}
	if !core.IsNull(wire.Data) {
		if bytes.TrimSpace(wire.Data)[0] != '{' {
			return Segment{}, core.Errorf(core.CodeBadMessage, "%s: data must be an object, not %s", where, core.JSONKind(wire.Data))
		}
		dec := json.NewDecoder(bytes.NewReader(wire.Data))
		dec.UseNumber()
		if err := dec.Decode(&seg.Data); err != nil {
			return Segment{}, core.Errorf(core.CodeBadMessage, "%s: data: %v", where, err)
		}
	}
	return seg, nil
}

// checkMedia refuses a media segment whose file (or path) is a relative path or holds a ".."
// element: the backend would resolve it against a directory nobody chose. http(s) URLs,
// base64://, file:///absolute, absolute paths and bare cache names ("abc.image") pass.
func checkMedia(seg Segment) error {
	switch seg.Type {
	case "image", "record", "video", "file":
	default:
		return nil
	}
	for _, k := range []string{"file", "path"} {
		v, ok := seg.Data[k].(string)
		if !ok {
			continue
		}
		if err := checkFileRef(v); err != nil {
			return fmt.Errorf("data.%s %v", k, err)
		}
	}
	return nil
}

func checkFileRef(v string) error {
	v = strings.TrimSpace(v)
	if strings.ContainsRune(v, 0) {
		return fmt.Errorf("contains a NUL byte")
	}
	p := v
	if scheme, rest, ok := strings.Cut(v, "://"); ok && knownScheme(scheme) {
		if !strings.EqualFold(scheme, "file") {
			return nil // http(s)://, base64://: the backend fetches or decodes it
		}
		u, err := url.Parse(v)
		if err != nil {
			return fmt.Errorf("is not a valid file URL: %q", short(v))
		}
		if u.Host != "" && u.Host != "localhost" {
			return fmt.Errorf("names another host: %q", short(v))
		}
		p = u.Path
		if p == "" {
			p = rest
		}
	}
	for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return fmt.Errorf("must not contain \"..\": %q", short(v))
		}
	}
	switch {
	case strings.HasPrefix(p, "/"), len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'):
		return nil // absolute, on the backend's machine
	case !strings.ContainsAny(p, `/\`):
		return nil // a bare name: the backend's cache ("abc.image"), as OneBot allows
	}
	return fmt.Errorf("is a relative path (%q): use an absolute path, file:///…, a URL or base64://", short(v))
}

// knownScheme: the URL schemes OneBot implementations take for media. Anything else with
// "://" is looked at as a path.
func knownScheme(s string) bool {
	switch strings.ToLower(s) {
	case "http", "https", "base64", "file":
		return true
	}
	return false
}
