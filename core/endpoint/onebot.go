package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	RetcodeBackendBad   = 1502
	RetcodeBackendDown  = 1503
	RetcodeTimeout      = 1504
)

var codeRetcode = map[string]int{
	core.CodeBadJSON: RetcodeBadRequest, core.CodeBadParam: RetcodeBadRequest, core.CodeMissingParam: RetcodeBadRequest,
	core.CodeBadMessage: RetcodeBadRequest, core.CodeUnknownSource: RetcodeBadRequest, core.CodeUnknownVia: RetcodeBadRequest,
	core.CodeAmbiguousSource: RetcodeBadRequest, core.CodeUnauthorized: RetcodeUnauthorized, core.CodeForbidden: RetcodeForbidden,
	core.CodeUnknownAction: RetcodeNotFound, core.CodeMethodNotAllowed: RetcodeMethod, core.CodeTooLarge: RetcodeTooLarge,
	core.CodeUnsupported: RetcodeUnsupported, core.CodeRateLimited: RetcodeRateLimited, core.CodeBackendFailed: RetcodeBackendBad,
	core.CodeBackendBadReply: RetcodeBackendBad, core.CodeBackendDown: RetcodeBackendDown, core.CodeBackendTimeout: RetcodeTimeout,
}

// envelope is OneBot 11's reply; the console always writes all six fields.
type envelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Echo    json.RawMessage `json:"echo"`
}

func writeEnvelopeError(w http.ResponseWriter, status, retcode int, msg string, echo json.RawMessage) {
	if len(echo) == 0 {
		echo = json.RawMessage("null")
	}
	writeJSON(w, status, envelope{Status: "failed", Retcode: retcode, Data: json.RawMessage("null"), Message: msg, Wording: msg, Echo: echo})
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
		rc, ok := codeRetcode[e.Code]
		if !ok {
			rc = RetcodeBackendBad
		}
		writeEnvelopeError(w, e.Status(), rc, e.Message, echo)
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
	params, perr := oneBotParams(r, raw)
	if perr != nil {
		fail(perr, raw)
		return
	}
	echo = params["echo"]
	body, _ := json.Marshal(params)
	async := strings.HasSuffix(action, "_async")
	backendAction := strings.TrimSuffix(action, "_async")
	st.log.Action = action

	src, a, err := s.d.SourceAdapter(source)
	if err != nil {
		fail(core.AsError(err), body)
		return
	}
	st.log.Source = src.ID
	fw, ok := a.(Forwarder)
	if !ok {
		fail(core.Errorf(core.CodeUnsupported, "message source %q (%s) does not speak OneBot 11", src.ID, src.Via), body)
		return
	}
	rec := newOneBotRecord(st, src.ID, action, params, body)
	st.log.Target = rec.Target

	if async {
		// OneBot's _async: accept now, run later. The row is written when the call ends.
		s.asyncCalls.Add(1)
		go func() {
			defer s.asyncCalls.Done()
			ctx, cancel := context.WithTimeout(context.Background(), src.Timeout()+time.Second)
			defer cancel()
			s.forward(ctx, fw, backendAction, body, rec)
		}()
		writeJSON(w, http.StatusOK, envelope{Status: "async", Retcode: 1, Data: json.RawMessage("null"), Echo: nullIfEmpty(echo)})
		return
	}
	status, reply := s.forward(r.Context(), fw, backendAction, body, rec)
	if rec.Outcome != core.OutcomeOK {
		st.log.Outcome, st.log.Error = core.OutcomeError, rec.Text
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(reply)
}

func nullIfEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// forward calls the backend, writes the history row (durable before this returns) and gives
// the HTTP status and the six-field envelope to send back.
func (s *Server) forward(ctx context.Context, fw Forwarder, action string, body []byte, rec *core.HistoryRecord) (int, []byte) {
	status, reply, err := fw.Forward(ctx, action, body)
	rec.LatencyUS = time.Since(rec.Time).Microseconds()
	var env envelope
	var echo json.RawMessage
	var p map[string]json.RawMessage
	if json.Unmarshal(body, &p) == nil {
		echo = p["echo"]
	}
	if err != nil {
		e := core.AsError(err)
		rec.Outcome, rec.ErrorCode, rec.Text = core.OutcomeError, e.Code, e.Message
		rc, ok := codeRetcode[e.Code]
		if !ok {
			rc = RetcodeBackendBad
		}
		env = envelope{Status: "failed", Retcode: rc, Data: json.RawMessage("null"), Message: e.Message, Wording: e.Message, Echo: nullIfEmpty(echo)}
		status = e.Status()
	} else {
		env, status = normaliseReply(status, reply, echo)
		rec.Retcode, rec.Text = env.Retcode, env.Message
		if env.Status == "ok" && env.Retcode == 0 || env.Status == "async" {
			rec.Outcome = core.OutcomeOK
		} else {
			rec.Outcome, rec.ErrorCode = core.OutcomeError, core.CodeBackendFailed
			if env.Retcode == RetcodeBackendBad {
				rec.ErrorCode = core.CodeBackendBadReply
			}
		}
		var data struct {
			MessageID json.RawMessage `json:"message_id"`
		}
		if json.Unmarshal(env.Data, &data) == nil && len(data.MessageID) > 0 {
			rec.MessageID = strings.Trim(string(data.MessageID), `"`)
		}
	}
	out, _ := json.Marshal(env)
	rec.Response = out
	if herr := s.d.Record(rec); herr != nil {
		// The call happened but its row is not durable: say so instead of claiming success.
		msg := fmt.Sprintf("the call was made but its history row could not be written: %v", herr)
		out, _ = json.Marshal(envelope{Status: "failed", Retcode: RetcodeBackendBad, Data: env.Data, Message: msg, Wording: msg, Echo: env.Echo})
		return http.StatusInternalServerError, out
	}
	return status, out
}

// normaliseReply turns a backend reply into a six-field envelope. A reply that is not an
// envelope (NapCat's bare 403 for a wrong token, HTML from a proxy) becomes a failure that
// says what came back; the HTTP status is the backend's for envelopes and 502 otherwise.
func normaliseReply(status int, reply []byte, echo json.RawMessage) (envelope, int) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(reply, &fields) == nil && fields["retcode"] != nil {
		var env envelope
		_ = json.Unmarshal(reply, &env)
		if env.Message == "" {
			var alt struct {
				Msg string `json:"msg"`
			}
			_ = json.Unmarshal(reply, &alt)
			env.Message = alt.Msg
		}
		if env.Wording == "" {
			env.Wording = env.Message
		}
		if len(env.Data) == 0 {
			env.Data = json.RawMessage("null")
		}
		if len(env.Echo) == 0 || string(env.Echo) == "null" {
			env.Echo = nullIfEmpty(echo)
		}
		if env.Status == "" {
			env.Status = "failed"
			if env.Retcode == 0 {
				env.Status = "ok"
			}
		}
		return env, status
	}
	var msg string
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		msg = fmt.Sprintf("the backend rejected the console's access token (HTTP %d): check the source's token", status)
	default:
		snippet := strings.TrimSpace(string(reply))
		if len(snippet) > 120 {
			snippet = snippet[:120] + "…"
		}
		msg = fmt.Sprintf("the backend answered HTTP %d with something that is not a OneBot reply: %q", status, strings.ToValidUTF8(snippet, "?"))
	}
	return envelope{Status: "failed", Retcode: RetcodeBackendBad, Data: json.RawMessage("null"), Message: msg, Wording: msg, Echo: nullIfEmpty(echo)}, http.StatusBadGateway
}

// oneBotParams gathers an action's parameters the way OneBot 11 implementations do: query
// parameters, then a form body or a JSON body (with or without Content-Type); a null or empty
// body is {}. access_token is never a parameter.
func oneBotParams(r *http.Request, raw []byte) (map[string]json.RawMessage, *core.Error) {
	params := map[string]json.RawMessage{}
	addValues := func(v url.Values) {
		for k, vs := range v {
			if k == "access_token" || len(vs) == 0 {
				continue
			}
			b, _ := json.Marshal(vs[len(vs)-1])
			params[k] = b
		}
	}
	addValues(r.URL.Query())
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
	case ct == "application/x-www-form-urlencoded" && trimmed[0] != '{':
		// curl -d sends JSON labelled as a form: a body that starts with '{' is read as JSON.
		v, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil, core.Errorf(core.CodeBadJSON, "the form body could not be parsed: %v", err)
		}
		addValues(v)
	default:
		req, err := core.DecodeRequestObject(trimmed)
		if err != nil {
			return nil, err
		}
		for k, v := range req {
			params[k] = v
		}
	}
	return params, nil
}

// newOneBotRecord starts the history row of a OneBot call: target and message text are read
// from the params as OneBot names them.
func newOneBotRecord(st *callState, source, action string, params map[string]json.RawMessage, body []byte) *core.HistoryRecord {
	rec := &core.HistoryRecord{Time: st.log.Time, Origin: core.OriginOneBot, Source: source, Action: action, Request: append(json.RawMessage(nil), body...)}
	id := func(k string) string {
		if raw, ok := params[k]; ok {
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var x any
			if d.Decode(&x) == nil {
				switch x := x.(type) {
				case string:
					return x
				case json.Number:
					return x.String()
				}
			}
		}
		return ""
	}
	var mt string
	if raw, ok := params["message_type"]; ok {
		_ = json.Unmarshal(raw, &mt)
	}
	switch g, u := id("group_id"), id("user_id"); {
	case g != "" && mt != core.TypePrivate:
		rec.Target = core.Target{Type: core.TypeGroup, ID: g}.String()
	case u != "":
		rec.Target = core.Target{Type: core.TypePrivate, ID: u}.String()
	}
	if raw, ok := params["message"]; ok {
		rec.Message = messageText(raw)
	}
	return rec
}

// messageText renders a OneBot message (CQ-code string or segment array) as plain text for
// the history row; anything unreadable gives "".
func messageText(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return onebot.FromOneBot(onebot.ParseCQ(str)).PlainText()
	}
	var segs []onebot.Segment
	if json.Unmarshal(raw, &segs) == nil {
		return onebot.FromOneBot(segs).PlainText()
	}
	var one onebot.Segment
	if json.Unmarshal(raw, &one) == nil && one.Type != "" {
		return onebot.FromOneBot([]onebot.Segment{one}).PlainText()
	}
	return ""
}
