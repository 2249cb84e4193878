package core

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The one path of a call. Every door — the GUI, the CLI, the UCBI route, the OneBot 11 proxy,
// the seed's /ArkSharePeer, the WebSocket doors — ends in Dispatcher.run, which times the call,
// fills its history row from the result and writes the row (durable before run returns, so
// before any reply leaves). The exported entry points only say what kind of call it is:
//
//	Run      a UCBI request {action, context, params}            (UCBI route, GUI, CLI)
//	Forward  an open-layer action passed through as written     (OneBot 11 proxy, bot hub)
//	Refuse   a call whose body was read but refused before it could run
//
// and typed helpers over Run (Send, LoginInfo, ArkSharePeer) serve callers that are not HTTP.

// action is one entry of the action table: how a UCBI action runs once its source is routed.
type action struct {
	run func(d *Dispatcher, ctx context.Context, c *callCtx) (any, error)
}

// sendTypes are the target types the send actions fix ("" for send_message: from params.type
// or context.type). Beside the table, which refers to runSend, which reads this.
var sendTypes = map[string]string{
	"send_private_message": TypePrivate, "send_group_message": TypeGroup, "send_discuss_message": TypeDiscuss,
}

// callCtx is what an action runs with: the request, its routed source and adapter, and its row.
type callCtx struct {
	req Request
	src Source
	a   Adapter
	rec *HistoryRecord
}

// actions is the action table: every UCBI action the dispatcher knows, and nothing else. Meta
// actions (^…) need no source; open-layer specific ones (*name) are looked up by extension().
var actions = map[string]action{
	"^get_contexts":           {run: func(d *Dispatcher, ctx context.Context, _ *callCtx) (any, error) { return d.contexts(ctx, false) }},
	"^get_available_contexts": {run: func(d *Dispatcher, ctx context.Context, _ *callCtx) (any, error) { return d.contexts(ctx, true) }},
	"get_login_info":          {run: func(_ *Dispatcher, ctx context.Context, c *callCtx) (any, error) { return c.a.GetLoginInfo(ctx) }},
	"send_private_message":    {run: runSend},
	"send_group_message":      {run: runSend},
	"send_discuss_message":    {run: runSend},
	"send_message":            {run: runSend},
}

// arkActions are the *names that make a recommend card (NapCat's old and new names).
var arkActions = map[string]bool{"ArkSharePeer": true, "send_ark_share": true}

// actionList names the actions for an "unknown action" message.
func actionList() string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		// plain actions first, then meta ones
		mi, mj := strings.HasPrefix(names[i], "^"), strings.HasPrefix(names[j], "^")
		if mi != mj {
			return mj
		}
		return names[i] < names[j]
	})
	return strings.Join(names, ", ")
}

func runSend(_ *Dispatcher, ctx context.Context, c *callCtx) (any, error) {
	t, err := sendTarget(c.req, sendTypes[c.req.Action])
	if err != nil {
		return nil, err
	}
	c.rec.Target = t.String()
	m, err := paramMessage(c.req.Params)
	if err != nil {
		return nil, err
	}
	c.rec.Message = m.PlainText()
	res, err := c.a.Send(ctx, t, m)
	c.rec.MessageID = res.MessageID
	if err != nil {
		return nil, err
	}
	return res, nil
}

// extension runs an open-layer specific *name: a recommend card, or the adapter's Extension.
func (d *Dispatcher) extension(ctx context.Context, c *callCtx) (any, error) {
	name := strings.TrimPrefix(c.req.Action, "*")
	c.rec.Target = extensionTarget(c.req.Params)
	if arkActions[name] {
		ar, err := DecodeArkRequest(c.req.Params)
		if err != nil {
			return nil, err
		}
		c.rec.Target = ar.Target()
		return d.arkSharePeer(ctx, c.src, c.a, ar)
	}
	return c.a.Extension(ctx, name, c.req.Params)
}

// newRow starts a call's history row.
func newRow(origin, act string) *HistoryRecord {
	return &HistoryRecord{Time: time.Now(), Origin: origin, Action: act}
}

// run is the one path of every call: fn runs it, the row is filled from what it returned and
// written. A row that cannot be written turns a success into CodeInternal (the data still comes
// back: a caller may need a message id); nothing is claimed done that history does not hold.
//
// hide, when set, lists secrets masked in the row's request and response before it is written.
func (d *Dispatcher) run(ctx context.Context, rec *HistoryRecord, hide *[]string, fn func(context.Context) (any, error)) (any, error) {
	data, err := fn(ctx)
	rec.finish(data, err)
	if hide != nil {
		rec.Request, rec.Response = maskSecrets(rec.Request, *hide), maskSecrets(rec.Response, *hide)
	}
	if herr := d.record(rec); herr != nil && err == nil {
		err = Fail(CodeInternal, "history.not_written", "", "detail", herr.Error())
	}
	return data, err
}

// rowFiller is a result that knows what it means for its history row beyond ok/error (a
// passed-through reply, a card the backend could not make).
type rowFiller interface{ fillRow(*HistoryRecord) }

// finish fills in a history row's latency, outcome and response from a call's result.
func (r *HistoryRecord) finish(data any, err error) {
	r.LatencyUS = time.Since(r.Time).Microseconds()
	if err != nil {
		e := AsError(err)
		r.Outcome, r.ErrorCode, r.Retcode, r.Text = OutcomeError, e.Code, e.Retcode, e.Message
		r.Response, _ = json.Marshal(ErrorBody(e))
	} else {
		r.Outcome = OutcomeOK
		if rep, ok := data.(RawReply); !ok || rep.Body == nil {
			// A passed-through reply is the row's response as it is (fillRow): not marshalled.
			r.Response, _ = json.Marshal(data)
		}
	}
	if f, ok := data.(rowFiller); ok {
		f.fillRow(r)
	}
}

// record writes a history row (no-op without a history sink) and tells the observer.
func (d *Dispatcher) record(rec *HistoryRecord) error {
	if obs := d.observer.Load(); obs != nil {
		defer (*obs)(rec)
	}
	if d.history == nil {
		return nil
	}
	return d.history.AppendHistory(rec)
}

// ErrorBodyJSON is the UCBI route's JSON body for an error (and a failed row's response).
type ErrorBodyJSON struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Retcode *int   `json:"retcode,omitempty"`
	Backend string `json:"backend_message,omitempty"`
}

// ErrorBody renders an error as the UCBI route's JSON body.
func ErrorBody(e *Error) ErrorBodyJSON {
	b := ErrorBodyJSON{Error: e.Code, Message: e.Message}
	if e.Code == CodeBackendFailed {
		rc := e.Retcode
		b.Retcode = &rc
		b.Backend = e.BackendText
	}
	return b
}

// Run runs one UCBI request and records it in history (durable before Run returns). origin
// says who called (OriginGUI, OriginUCBI…). The result is the action's typed answer
// (LoginInfo, SendResult, ArkResult, []ContextInfo, or an extension's json.RawMessage), and the
// row Run wrote (its source, target and outcome, for a door's log line).
func (d *Dispatcher) Run(ctx context.Context, origin string, req Request) (any, *HistoryRecord, error) {
	rec := newRow(origin, req.Action)
	rec.Request, _ = json.Marshal(req)
	data, err := d.run(ctx, rec, nil, func(ctx context.Context) (any, error) {
		act, known := actions[req.Action]
		extension := strings.HasPrefix(req.Action, "*") && len(req.Action) > 1
		switch {
		case strings.HasPrefix(req.Action, "^") && !known:
			return nil, Fail(CodeUnknownAction, "action.unknown_meta", "action", "action", strconv.Quote(req.Action))
		case strings.HasPrefix(req.Action, "^"):
			return act.run(d, ctx, nil)
		case !known && !extension:
			return nil, Fail(CodeUnknownAction, "action.unknown", "action", "action", strconv.Quote(req.Action), "actions", actionList())
		}
		src, a, err := d.Route(req.Context)
		if err != nil {
			return nil, err
		}
		rec.Source = src.ID
		ctx, cancel := context.WithTimeout(ctx, src.Timeout()+time.Second)
		defer cancel()
		c := &callCtx{req: req, src: src, a: a, rec: rec}
		if extension {
			return d.extension(ctx, c)
		}
		return act.run(d, ctx, c)
	})
	return data, rec, err
}

// Call is Run without the row: the GUI's and the CLI's form.
func (d *Dispatcher) Call(ctx context.Context, origin string, req Request) (any, error) {
	data, _, err := d.Run(ctx, origin, req)
	return data, err
}

// CallRecorded is Run (its former name).
func (d *Dispatcher) CallRecorded(ctx context.Context, origin string, req Request) (any, *HistoryRecord, error) {
	return d.Run(ctx, origin, req)
}

// sourceContext is the context that routes to a source id ("" = the default source).
func sourceContext(sourceID string) *Context {
	if sourceID == "" {
		return nil
	}
	c := Context{}.WithSource(sourceID)
	return &c
}

// Send sends a message to a target through a source ("" = the default one), as
// send_{type}_message does, and returns the backend's message id. One history row.
func (d *Dispatcher) Send(ctx context.Context, origin, sourceID string, t Target, m Message) (SendResult, error) {
	msg, _ := json.Marshal(m)
	params := map[string]json.RawMessage{"message": msg}
	req := Request{Action: "send_message", Context: sourceContext(sourceID), Params: params}
	params["type"], _ = json.Marshal(t.Type)
	params[map[string]string{TypePrivate: "user", TypeGroup: "group", TypeDiscuss: "discuss"}[t.Type]+"_id"], _ = json.Marshal(t.ID)
	data, _, err := d.Run(ctx, origin, req)
	res, _ := data.(SendResult)
	return res, err
}

// LoginInfo asks a source ("" = the default one) who is logged in. One history row.
func (d *Dispatcher) LoginInfo(ctx context.Context, origin, sourceID string) (LoginInfo, error) {
	data, _, err := d.Run(ctx, origin, Request{Action: "get_login_info", Context: sourceContext(sourceID)})
	info, _ := data.(LoginInfo)
	return info, err
}

// ArkSharePeer asks a source ("" = the default) for a recommend card, stores the card and
// records the call in history (action "ArkSharePeer", the seed's name). It returns the source
// it used.
func (d *Dispatcher) ArkSharePeer(ctx context.Context, origin, sourceID string, r ArkRequest) (ArkResult, Source, error) {
	rec := newRow(origin, "ArkSharePeer")
	rec.Target = r.Target()
	rec.Request, _ = json.Marshal(r)
	var src Source
	data, err := d.run(ctx, rec, nil, func(ctx context.Context) (any, error) {
		var a Adapter
		var err error
		if src, a, err = d.SourceAdapter(sourceID); err != nil {
			return ArkResult{}, err
		}
		rec.Source = src.ID
		ctx, cancel := context.WithTimeout(ctx, src.Timeout()+time.Second)
		defer cancel()
		return d.arkSharePeer(ctx, src, a, r)
	})
	res, _ := data.(ArkResult)
	return res, src, err
}

// fillRow marks a card the backend could not make as a failed call, with its errCode and errMsg.
func (r ArkResult) fillRow(rec *HistoryRecord) {
	if rec.Outcome == OutcomeOK && r.ErrCode != 0 {
		rec.Outcome, rec.Retcode, rec.Text = OutcomeError, r.ErrCode, r.ErrMsg
	}
}

// Target renders an Ark request's target for history and the card list: "group:1",
// "private:2" (as every history row says a user) or "phone:+86…".
func (r ArkRequest) Target() string {
	switch {
	case r.GroupID != "":
		return Target{Type: TypeGroup, ID: r.GroupID}.String()
	case r.UserID != "":
		return Target{Type: TypePrivate, ID: r.UserID}.String()
	case r.Phone != "":
		return "phone:" + r.Phone
	}
	return ""
}

// TargetString is Target (its former name).
func (r ArkRequest) TargetString() string { return r.Target() }

// RawForwarder is an adapter that can pass an open-layer action through as the caller wrote it
// (the OneBot 11 proxy, the bot hub's WebSocket doors). It calls the backend once — never
// again: a retried send is a duplicate message — bounds the call by the source's timeout itself,
// and reads the answer with the adapter's one envelope reader. The door has checked the
// parameters (onebot.CheckParams) before.
type RawForwarder interface {
	ForwardRaw(ctx context.Context, action string, params []byte, echo json.RawMessage) RawReply
}

// RawCall is one open-layer action to pass through.
type RawCall struct {
	Origin   string // OriginOneBot, OriginOneBotWS…
	SourceID string // "" = the default source
	// Action is the action as the caller named it (the row's action); Backend the name the
	// backend gets ("" = Action): the HTTP proxy's foo_async runs foo in the background.
	Action  string
	Backend string
	// Params is the JSON object of parameters, passed on byte for byte ("" = {}).
	Params []byte
	// Echo is the caller's echo: the reply carries it when the backend's does not.
	Echo json.RawMessage
	// Hide lists the door's own secrets (its token): masked wherever they occur in the row.
	Hide []string
	// Target and Message are what the call is about ("group:1", the text as plain text), from
	// the door's check of the parameters: the row shows them.
	Target, Message string
}

// RawReply is what a passed-through action came to.
type RawReply struct {
	// Status is the HTTP status an HTTP door answers with (the backend's, or what the failure
	// means in HTTP).
	Status int
	// Body is the reply in the open layer's own form (OneBot: the six-field envelope, the echo
	// set). Nil when nothing was forwarded and the adapter had no say (no such source, not a
	// raw-capable adapter, …): the door then answers Err in its own form.
	Body []byte
	// Err is nil when the backend did the action; else why not — the row's error code and text.
	// A backend's failure envelope comes with both Err and Body (pass Body on).
	Err *Error
	// Retcode, Text and MessageID are the backend's, for history.
	Retcode   int
	Text      string
	MessageID string
	// Data is the backend's data, raw (nil when none).
	Data json.RawMessage
}

func (r RawReply) fillRow(rec *HistoryRecord) {
	rec.MessageID = r.MessageID
	if r.Retcode != 0 {
		rec.Retcode = r.Retcode
	}
	if r.Text != "" {
		rec.Text = r.Text // the backend's own words
	}
	if r.Body != nil {
		rec.Response = r.Body
	}
}

// Forward passes one open-layer action through to a source, records its row — request and
// response with every token masked — and returns the reply. err is set when the call failed
// (a backend's failure too: reply.Err is err); the door answers reply.Body when it is set, else
// err in its own form (reply.Data, when set, is the backend's data to send along: a call that
// was made but whose row could not be written still returns its message id).
//
// It serves every door that speaks an open layer's own protocol: the HTTP proxy (POST
// /:action, origin "onebot") and the WebSocket doors ({action, params, echo} frames, origin
// "onebot-ws"), which pass the frame's params and echo and write reply.Body back as the frame.
func (d *Dispatcher) Forward(ctx context.Context, c RawCall) (RawReply, error) {
	rec := newRow(c.Origin, c.Action)
	rec.Target, rec.Message = c.Target, c.Message
	backend := c.Backend
	if backend == "" {
		backend = c.Action
	}
	params := bytes.TrimSpace(c.Params)
	if len(params) == 0 {
		params = []byte("{}")
	}
	rec.Request = params
	hide := append([]string(nil), c.Hide...)
	data, err := d.run(ctx, rec, &hide, func(ctx context.Context) (any, error) {
		src, a, err := d.SourceAdapter(c.SourceID)
		if err != nil {
			return RawReply{}, err
		}
		rec.Source = src.ID
		hide = append(hide, src.Token)
		fw, ok := a.(RawForwarder)
		if !ok {
			return RawReply{}, Fail(CodeUnsupported, "route.no_raw", "", "source", strconv.Quote(src.ID), "via", src.Via)
		}
		rep := fw.ForwardRaw(ctx, backend, params, c.Echo) // bounded by the source's timeout
		if rep.Err != nil {
			return rep, rep.Err
		}
		return rep, nil
	})
	rep, _ := data.(RawReply)
	if err != nil {
		rep.Err = AsError(err)
	}
	return rep, err
}

// ForwardLater is Forward in the background, for a door that answers "accepted" at once
// (OneBot's foo_async): its row is written when it ends. Drain waits for such calls.
func (d *Dispatcher) ForwardLater(c RawCall) {
	d.background.Add(1)
	go func() {
		defer d.background.Done()
		_, _ = d.Forward(context.Background(), c)
	}()
}

// Drain waits until every background call has written its row, or ctx ends.
func (d *Dispatcher) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { d.background.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Refuse records the row of a call whose body was read but refused before it could run (bad
// JSON, a bad parameter) and returns err as an *Error. The request is kept as JSON when it is,
// else as a string cut short, with every access_token value and every secret in hide masked.
// Calls turned away before their body is read (auth, method, size) get no row: a stranger must
// not be able to fill the history.
func (d *Dispatcher) Refuse(origin, sourceID, act string, body []byte, err error, hide ...string) *Error {
	e := AsError(err)
	rec := newRow(origin, act)
	rec.Source = sourceID
	rec.finish(nil, e)
	if len(body) > 0 {
		rec.Request = jsonOrString(redactAccessToken(maskSecrets(body, hide)))
	}
	_ = d.record(rec)
	return e
}

// jsonOrString keeps a body for history: as JSON when it is, else as a JSON string (cut short).
func jsonOrString(body []byte) json.RawMessage {
	if utf8.Valid(body) && json.Valid(body) {
		return append(json.RawMessage(nil), body...)
	}
	if len(body) > 2048 {
		body = body[:2048]
	}
	b, _ := json.Marshal(strings.ToValidUTF8(string(body), "\uFFFD"))
	return b
}

// accessTokenValue finds an access_token's value in a JSON body ("access_token": "…") or a
// form/query one (access_token=…), even in a body too broken to decode.
var accessTokenValue = regexp.MustCompile(`("access_token"\s*:\s*")((?:[^"\\]|\\.)*)("|$)|(access_token=)([^&\s"]*)`)

// redactAccessToken hides the value of any access_token a refused body carries: a bot moved
// over from NapCat may still send NapCat's token in its body, and history never holds a token.
func redactAccessToken(b []byte) []byte {
	if !bytes.Contains(b, []byte("access_token")) {
		return b
	}
	return accessTokenValue.ReplaceAll(b, []byte("${1}${4}****${3}"))
}

// maskSecrets replaces every secret (4 characters or more) wherever it occurs in b: a bot may
// put a token in a body by mistake, and history never holds a token.
func maskSecrets(b []byte, secrets []string) []byte {
	for _, tok := range secrets {
		if len(tok) >= 4 && bytes.Contains(b, []byte(tok)) {
			b = bytes.ReplaceAll(b, []byte(tok), []byte("****"))
		}
	}
	return b
}

// ValidateSource checks a source before it is saved: the rules every source follows
// (ValidateSource), a via this dispatcher speaks, and settings its adapter accepts.
func (d *Dispatcher) ValidateSource(s Source) error {
	if err := ValidateSource(s); err != nil {
		return err
	}
	d.mu.Lock()
	f, ok := d.factories[s.Via]
	d.mu.Unlock()
	if !ok {
		return Fail(CodeUnknownVia, "source.unknown_via", "via", "via", strconv.Quote(s.Via), "vias", strings.Join(d.Vias(), ", "))
	}
	_, err := f(s)
	return err
}
