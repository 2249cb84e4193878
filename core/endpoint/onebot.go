package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// Forwarder is an adapter that can pass a OneBot 11 action through unchanged.
type Forwarder interface {
	Forward(ctx context.Context, action string, body []byte) (status int, reply []byte, err error)
}

// Retcodes of envelopes the console itself writes on the OneBot routes. They sit above the
// CQHTTP range (0–201) and the platform's negative codes, so a bot can tell "the console
// refused" from "the backend refused"; the HTTP status says the same in HTTP's words.
const (
	RetcodeBadRequest   = 1400
	RetcodeUnauthorized = 1401
	RetcodeForbidden    = 1403
	RetcodeNotFound     = 1404
	RetcodeMethod       = 1405
	RetcodeTooLarge     = 1413
	RetcodeUnsupported  = 1422
	RetcodeRateLimited  = 1429
	RetcodeInternal     = 1500
	RetcodeBackendBad   = 1502
	RetcodeBackendDown  = 1503
	RetcodeTimeout      = 1504
)

// retcodeFor is the retcode of an envelope the console writes for a core error: 1000 + the
// code's HTTP status, the same rule as the seed route's (core/ark), so one table (README)
// explains both.
func retcodeFor(code string) int { return 1000 + core.StatusForCode(code) }

// envelope is OneBot 11's reply; the console always writes all six fields.
type envelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Echo    json.RawMessage `json:"echo"`
}

func (e envelope) marshal() []byte {
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("null")
	}
	e.Echo = nullIfEmpty(e.Echo)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		// Data and Echo come from decoded JSON, so this cannot happen; say so rather than panic.
		return []byte(`{"status":"failed","retcode":1500,"data":null,"message":"internal error: the reply could not be encoded","wording":"internal error: the reply could not be encoded","echo":null}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func failedEnvelope(retcode int, msg string, echo json.RawMessage) envelope {
	return envelope{Status: "failed", Retcode: retcode, Data: json.RawMessage("null"), Message: msg, Wording: msg, Echo: echo}
}

func writeEnvelopeError(w http.ResponseWriter, status, retcode int, msg string, echo json.RawMessage) {
	writeRaw(w, status, failedEnvelope(retcode, msg, echo).marshal())
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func nullIfEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// serveOneBot forwards a OneBot 11 action to a source ("" = the default one) and passes the
// backend's reply back, with history written before the reply.
func (s *Server) serveOneBot(w http.ResponseWriter, r *http.Request, st *callState, source, action string) {
	var echo json.RawMessage
	fail := func(e *core.Error, body []byte) {
		if body != nil {
			s.recordRejected(st, core.OriginOneBot, action, body, e)
		}
		st.log.Outcome, st.log.Error = core.OutcomeError, e.Code
		if e.Code == core.CodeMethodNotAllowed {
			w.Header().Set("Allow", "GET, POST")
		}
		writeEnvelopeError(w, e.Status(), retcodeFor(e.Code), e.Message, echo)
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		fail(core.Errorf(core.CodeMethodNotAllowed, "OneBot actions take POST or GET, not %s", r.Method), nil)
		return
	}
	key, aerr := s.authorize(r)
	if aerr != nil {
		fail(aerr, nil)
		return
	}
	if !s.allow(key) {
		fail(core.Errorf(core.CodeRateLimited, "rate limited: more than %g calls per second", s.opts.RateLimit), nil)
		return
	}
	raw, berr := readBody(w, r)
	if berr != nil {
		fail(berr, nil)
		return
	}
	call, perr := decodeOneBotCall(r.URL.RawQuery, r.Header.Get("Content-Type"), raw)
	if call != nil {
		echo = call.echo
	}
	if perr != nil {
		if raw == nil {
			raw = []byte{} // a query-only call is recorded too
		}
		fail(perr, raw)
		return
	}
	async := strings.HasSuffix(action, "_async")
	backendAction := strings.TrimSuffix(action, "_async")

	src, a, err := s.d.SourceAdapter(source)
	if err != nil {
		fail(core.AsError(err), call.body)
		return
	}
	st.log.Source = src.ID
	fw, ok := a.(Forwarder)
	if !ok {
		fail(core.Errorf(core.CodeUnsupported, "message source %q (%s) does not speak OneBot 11", src.ID, src.Via), call.body)
		return
	}
	rec := &core.HistoryRecord{Time: st.log.Time, Origin: core.OriginOneBot, Source: src.ID, Action: action,
		Target: call.target, Message: call.message, Request: s.maskTokens(call.body, src.Token)}
	st.log.Target = rec.Target

	if async {
		// OneBot's _async: accepted now, run in the background; its row is written when it ends.
		s.asyncCalls.Add(1)
		go func() {
			defer s.asyncCalls.Done()
			ctx, cancel := context.WithTimeout(context.Background(), src.Timeout()+time.Second)
			defer cancel()
			s.forward(ctx, fw, src, backendAction, call, rec)
		}()
		writeRaw(w, http.StatusOK, envelope{Status: "async", Retcode: 1, Echo: echo}.marshal())
		return
	}
	status, reply := s.forward(r.Context(), fw, src, backendAction, call, rec)
	if rec.Outcome != core.OutcomeOK {
		st.log.Outcome, st.log.Error = core.OutcomeError, rec.ErrorCode
	}
	writeRaw(w, status, reply)
}

// forward calls the backend once (never again: a retried send is a duplicate message), writes
// the history row (durable before this returns) and gives the HTTP status and the six-field
// envelope to answer with.
func (s *Server) forward(ctx context.Context, fw Forwarder, src core.Source, action string, call *oneBotCall, rec *core.HistoryRecord) (int, []byte) {
	status, reply, err := fw.Forward(ctx, action, call.body)
	rec.LatencyUS = time.Since(rec.Time).Microseconds()
	var res replyInfo
	if err != nil {
		e := core.AsError(err)
		res = replyInfo{status: e.Status(), code: e.Code, text: e.Message,
			body: failedEnvelope(retcodeFor(e.Code), e.Message, call.echo).marshal()}
	} else {
		res = readReply(action, status, reply, call.echo)
	}
	rec.Retcode, rec.Text, rec.MessageID = res.retcode, res.text, res.messageID
	if res.code == "" {
		rec.Outcome = core.OutcomeOK
	} else {
		rec.Outcome, rec.ErrorCode = core.OutcomeError, res.code
	}
	rec.Response = s.maskTokens(res.body, src.Token)
	if herr := s.d.Record(rec); herr != nil {
		// The call happened but its row is not durable: say so instead of claiming success.
		// The backend's data (a message_id) still comes back: the bot may need it.
		msg := fmt.Sprintf("the call was made but its history row could not be written: %v", herr)
		env := failedEnvelope(RetcodeInternal, msg, call.echo)
		if len(res.data) > 0 {
			env.Data = res.data
		}
		return http.StatusInternalServerError, env.marshal()
	}
	return res.status, res.body
}

// maskTokens replaces the console's token and the given backend tokens wherever they occur in
// b (a bot may put one in a body by mistake): history never holds a token.
func (s *Server) maskTokens(b []byte, more ...string) []byte {
	for _, tok := range append([]string{s.opts.Token}, more...) {
		if len(tok) >= 4 && bytes.Contains(b, []byte(tok)) {
			b = bytes.ReplaceAll(b, []byte(tok), []byte("****"))
		}
	}
	return b
}

// replyInfo is what a backend's answer means for the caller and for history.
type replyInfo struct {
	status    int    // HTTP status to answer with
	body      []byte // the six-field envelope to answer with
	code      string // "" for a success, else the history row's error code
	retcode   int    // the backend's retcode
	text      string // the backend's message (or ours)
	messageID string // data.message_id, when there is one
	data      []byte // the backend's data, raw (nil when it gave none)
}

// wireEnvelope is a backend reply as it came, each field raw so that its presence and type can
// be checked.
type wireEnvelope struct {
	Status, Retcode, Data, Message, Wording, Echo, Msg []byte
}

func (w *wireEnvelope) take(key []byte, escaped bool, value []byte) {
	k := key
	if escaped {
		k = []byte(fieldKey(key, escaped))
	}
	switch string(k) {
	case "status":
		w.Status = value
	case "retcode":
		w.Retcode = value
	case "data":
		w.Data = value
	case "message":
		w.Message = value
	case "wording":
		w.Wording = value
	case "echo":
		w.Echo = value
	case "msg":
		w.Msg = value
	}
}

// readReply turns a backend's answer into the caller's. A OneBot envelope is passed back with
// the backend's HTTP status — byte for byte when it already has all six fields (NapCat's do),
// else completed (go-cqhttp's msg becomes message; a missing echo is the request's). Anything
// else — a 401/403 (the backend refused the console's backend token), a bare 404, 5xx, HTML,
// garbage — becomes a failure envelope that says what came back.
func readReply(action string, status int, reply []byte, echo json.RawMessage) replyInfo {
	trimmed := bytes.TrimSpace(reply)
	bad := func(httpStatus, retcode int, code, msg string) replyInfo {
		return replyInfo{status: httpStatus, code: code, text: msg, body: failedEnvelope(retcode, msg, echo).marshal()}
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		// Whatever the body: passing a 401/403 on would tell the bot its own token is wrong.
		return bad(http.StatusBadGateway, RetcodeBackendBad, core.CodeBackendFailed,
			fmt.Sprintf("the backend refused the console's backend token (HTTP %d): check the source's token in the console (your own token was accepted)", status))
	}
	var w wireEnvelope
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) && eachField(trimmed, w.take) {
		if rc, ok := jsonInt(w.Retcode); ok {
			return envelopeReply(action, status, trimmed, &w, rc, echo)
		}
	}
	switch status {
	case http.StatusNotFound:
		return bad(http.StatusNotFound, RetcodeNotFound, core.CodeUnknownAction,
			fmt.Sprintf("the backend has no action %q (HTTP 404), or the source's URL path is wrong", action))
	case http.StatusBadRequest:
		return bad(http.StatusBadRequest, RetcodeBadRequest, core.CodeBackendFailed,
			fmt.Sprintf("the backend refused the request (HTTP 400): %s", snippet(trimmed)))
	}
	return bad(http.StatusBadGateway, RetcodeBackendBad, core.CodeBackendBadReply,
		fmt.Sprintf("the backend answered HTTP %d with something that is not a OneBot reply: %s", status, snippet(trimmed)))
}

func envelopeReply(action string, status int, reply []byte, w *wireEnvelope, rc int, echo json.RawMessage) replyInfo {
	st, stOK := rawString(w.Status)
	msg, msgOK := rawString(w.Message)
	wording, wordingOK := rawString(w.Wording)
	res := replyInfo{status: status, retcode: rc, data: w.Data}
	complete := stOK && msgOK && wordingOK && len(w.Data) > 0 && len(w.Echo) > 0 &&
		(len(echo) == 0 || !isNull(w.Echo))
	if !stOK {
		st = "failed"
		if rc == 0 {
			st = "ok"
		}
	}
	if msg == "" {
		if m, _ := rawString(w.Msg); m != "" {
			msg = m
		} else {
			msg = wording
		}
	}
	if wording == "" {
		wording = msg
	}
	if complete {
		res.body = reply
	} else {
		env := envelope{Status: st, Retcode: rc, Data: w.Data, Message: msg, Wording: wording, Echo: w.Echo}
		if isNull(env.Echo) {
			env.Echo = echo
		}
		res.body = env.marshal()
	}
	res.text = msg
	switch {
	case st == "ok" && rc == 0, st == "async" && (rc == 0 || rc == 1):
		if len(w.Data) > 0 && w.Data[0] == '{' {
			var id []byte
			eachField(w.Data, func(key []byte, escaped bool, value []byte) {
				if fieldKey(key, escaped) == "message_id" {
					id = value
				}
			})
			if s, ok := rawString(id); ok {
				res.messageID = s
			} else if len(id) > 0 && !isNull(id) && id[0] != '{' && id[0] != '[' {
				res.messageID = string(id)
			}
		}
	case rc == 404 || onebot.UnknownActionText(msg):
		res.code = core.CodeUnknownAction
	default:
		res.code = core.CodeBackendFailed
	}
	if res.code != "" && res.text == "" {
		res.text = fmt.Sprintf("the backend failed (status %q, retcode %d) without saying why", st, rc)
	}
	return res
}

// jsonInt reads a whole JSON number, or one written as a string ("0"): NapCat and go-cqhttp
// write retcodes as integers, but the adapter's envelope reader accepts both, and a success
// with a quoted retcode must not turn into a failure (the bot would send again).
func jsonInt(raw json.RawMessage) (int, bool) {
	if len(raw) > 2 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(raw), 64)
		if ferr != nil || f != float64(int32(f)) {
			return 0, false
		}
		return int(f), true
	}
	return int(n), true
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// snippet shows the start of an answer that is not OneBot's, in printable UTF-8.
func snippet(b []byte) string {
	if len(b) == 0 {
		return "an empty body"
	}
	s := strings.ToValidUTF8(string(b[:min(len(b), 160)]), "?")
	if len(b) > 160 {
		s += "…"
	}
	return strconv.Quote(s)
}

// oneBotCall is a OneBot call's parameters, checked, and what its history row shows.
type oneBotCall struct {
	body    []byte          // the JSON object the backend gets
	echo    json.RawMessage // params.echo as sent (nil when absent)
	target  string          // "group:123" / "private:456"
	message string          // the message as plain text
}

// maxOneBotDepth bounds the nesting of a OneBot body: a forward message's nodes nest a few
// levels; a deeper document is an attack on the decoders, not a call.
const maxOneBotDepth = 64

// decodeOneBotCall reads an action's parameters the way OneBot 11 implementations do: query
// parameters, then a form body (Content-Type application/x-www-form-urlencoded) or a JSON object
// (with or without Content-Type; a form-labelled body that starts with '{' is JSON, as curl -d
// sends it); a null or empty body is {}. Body fields win over query ones; access_token is never
// a parameter.
//
// A JSON body with no query parameters is forwarded byte for byte. Before anything is
// forwarded the parameters are checked, and refused with CodeBadJSON / CodeBadParam /
// CodeBadMessage naming the field: the body must be valid UTF-8 JSON, nested at most 64
// levels; group_id and user_id must be whole numbers that fit in 64 bits (a larger one would
// reach the backend rounded: another group); message must be a string, a segment or an array
// of segments; a media segment's file must not be a relative path or hold "..".
//
// The returned call is never nil: alongside an error it carries what was understood (the echo,
// once the body decoded), so that the refusal can echo it.
func decodeOneBotCall(rawQuery, contentType string, raw []byte) (*oneBotCall, *core.Error) {
	call := &oneBotCall{}
	trimmed := bytes.TrimSpace(raw)
	if !utf8.Valid(trimmed) {
		return call, core.Errorf(core.CodeBadJSON, "the body is not valid UTF-8")
	}
	var query url.Values
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return call, core.Errorf(core.CodeBadParam, "the query string could not be parsed: %v", err)
		}
		delete(q, "access_token")
		if len(q) > 0 {
			query = q
		}
	}
	var f oneBotFields
	jsonBody := false
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
	case isForm(contentType) && trimmed[0] != '{':
		form, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return call, core.Errorf(core.CodeBadJSON, "the form body could not be parsed: %v", err)
		}
		if query == nil {
			query = url.Values{}
		}
		for k, v := range form {
			query[k] = v
		}
		delete(query, "access_token")
	default:
		if trimmed[0] != '{' {
			if json.Valid(trimmed) {
				return call, core.Errorf(core.CodeBadJSON, "the body must be a JSON object of parameters, not %s", core.JSONKind(trimmed))
			}
			return call, core.Errorf(core.CodeBadJSON, "the body is not valid JSON (nor a form: send Content-Type application/x-www-form-urlencoded for one)")
		}
		if err := checkDepth(trimmed, maxOneBotDepth); err != nil {
			return call, err
		}
		if !json.Valid(trimmed) {
			var v json.RawMessage
			err := json.Unmarshal(trimmed, &v)
			return call, core.Errorf(core.CodeBadJSON, "the body is not valid JSON: %v", err)
		}
		jsonBody = true
		eachField(trimmed, f.take)
	}
	if jsonBody && query == nil && !f.accessToken {
		// The common case: a JSON object, nothing to merge: forwarded byte for byte.
		call.body = trimmed
	} else {
		all := make(map[string]json.RawMessage, len(query)+8)
		for k, vs := range query {
			if len(vs) == 0 {
				continue
			}
			v := vs[len(vs)-1]
			if !utf8.ValidString(v) || !utf8.ValidString(k) {
				return call, core.Errorf(core.CodeBadParam, "parameter %q is not valid UTF-8", strings.ToValidUTF8(k, "?"))
			}
			b, _ := json.Marshal(v)
			all[k] = b
		}
		if jsonBody {
			eachField(trimmed, func(key []byte, escaped bool, value []byte) {
				all[fieldKey(key, escaped)] = value
			})
		}
		delete(all, "access_token")
		b, err := json.Marshal(all)
		if err != nil { // every value is valid JSON (scanned or marshalled): cannot happen
			return call, core.Errorf(core.CodeBadJSON, "the parameters could not be encoded: %v", err)
		}
		call.body = b
		f = oneBotFields{}
		eachField(b, f.take)
	}
	call.echo = f.echo
	if err := call.check(&f); err != nil {
		return call, err
	}
	return call, nil
}

// oneBotFields are the parameters the console looks at, raw.
type oneBotFields struct {
	echo, groupID, userID, messageType, message, autoEscape []byte
	accessToken                                             bool
}

func (f *oneBotFields) take(key []byte, escaped bool, value []byte) {
	k := key
	if escaped {
		k = []byte(fieldKey(key, escaped))
	}
	switch string(k) {
	case "echo":
		f.echo = value
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
	case "access_token":
		f.accessToken = true
	}
}

func isForm(contentType string) bool {
	ct := strings.TrimSpace(contentType)
	const form = "application/x-www-form-urlencoded"
	return len(ct) >= len(form) && strings.EqualFold(ct[:len(form)], form)
}

// check validates ids and the message, and fills target and message for history.
func (c *oneBotCall) check(f *oneBotFields) *core.Error {
	var gid, uid string
	for _, id := range []struct {
		name string
		raw  []byte
		dst  *string
	}{{"group_id", f.groupID, &gid}, {"user_id", f.userID, &uid}} {
		if isNull(id.raw) {
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
	if isNull(f.message) {
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
	var segs []onebot.Segment
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
			return onebot.UnescapeCQ(s), nil // text only: no segment to check
		}
		segs = onebot.ParseCQ(s)
	case '{':
		seg, err := oneBotSegment(raw, -1)
		if err != nil {
			return "", err
		}
		segs = []onebot.Segment{seg}
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
	return onebot.FromOneBot(segs).PlainText(), nil
}

func oneBotSegment(raw json.RawMessage, i int) (onebot.Segment, *core.Error) {
	where := "message"
	if i >= 0 {
		where = fmt.Sprintf("message segment %d", i)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return onebot.Segment{}, core.Errorf(core.CodeBadMessage, "%s must be an object {type, data}, not %s", where, core.JSONKind(raw))
	}
	var wire struct {
		Type json.RawMessage `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		return onebot.Segment{}, core.Errorf(core.CodeBadMessage, "%s: %v", where, err)
	}
	typ, ok := rawString(wire.Type)
	if !ok || typ == "" {
		return onebot.Segment{}, core.Errorf(core.CodeBadMessage, "%s needs a type (a non-empty string)", where)
	}
	seg := onebot.Segment{Type: typ}
	if !isNull(wire.Data) {
		if bytes.TrimSpace(wire.Data)[0] != '{' {
			return onebot.Segment{}, core.Errorf(core.CodeBadMessage, "%s: data must be an object, not %s", where, core.JSONKind(wire.Data))
		}
		dec := json.NewDecoder(bytes.NewReader(wire.Data))
		dec.UseNumber()
		if err := dec.Decode(&seg.Data); err != nil {
			return onebot.Segment{}, core.Errorf(core.CodeBadMessage, "%s: data: %v", where, err)
		}
	}
	return seg, nil
}

// checkMedia refuses a media segment whose file (or path) is a relative path or holds a ".."
// element: the backend would resolve it against a directory nobody chose. http(s) URLs,
// base64://, file:///absolute, absolute paths and bare cache names ("abc.image") pass.
func checkMedia(seg onebot.Segment) error {
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
			return fmt.Errorf("is not a valid file URL: %q", shortStr(v))
		}
		if u.Host != "" && u.Host != "localhost" {
			return fmt.Errorf("names another host: %q", shortStr(v))
		}
		p = u.Path
		if p == "" {
			p = rest
		}
	}
	for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return fmt.Errorf("must not contain \"..\": %q", shortStr(v))
		}
	}
	switch {
	case strings.HasPrefix(p, "/"), len(p) >= 3 && isASCIILetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'):
		return nil // absolute, on the backend's machine
	case !strings.ContainsAny(p, `/\`):
		return nil // a bare name: the backend's cache ("abc.image"), as OneBot allows
	}
	return fmt.Errorf("is a relative path (%q): use an absolute path, file:///…, a URL or base64://", shortStr(v))
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

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func shortStr(s string) string {
	if len(s) > 80 {
		return strings.ToValidUTF8(s[:80], "") + "…"
	}
	return s
}

// checkDepth refuses a document nested deeper than max, before any decoder sees it.
func checkDepth(b []byte, max int) *core.Error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return core.Errorf(core.CodeBadJSON, "the body nests deeper than %d levels", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
