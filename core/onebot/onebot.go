// Package onebot is the UCBI adapter for the coolq-http-api open layer: today's OneBot 11 family
// (NapCat, go-cqhttp, Lagrange.OneBot, LLOneBot), spoken over its HTTP API.
//
// Each message source gets its own Adapter and its own HTTP client. Calls are never retried (a
// retried send is a duplicate message); the access token is sent as "Authorization: Bearer" and
// never appears in an error. Every error is a *core.Error with a stable code.
package onebot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Via is the UCBI open-layer name this adapter serves.
const Via = "coolq-http-api"

// Flavors are the OneBot 11 implementations a source may name; "" means generic.
var Flavors = []string{"napcat", "go-cqhttp", "lagrange", "llonebot", "generic"}

// MaxReplyBytes bounds a backend's reply body (a big group's member list is ~1 MB).
const MaxReplyBytes = adapterkit.MaxReplyBytes

// Adapter talks to one OneBot 11 HTTP server. It is safe for concurrent use.
type Adapter struct {
	src    core.Source
	flavor string
	ep     adapterkit.Endpoint // base URL, its query (never shown), the shown form, redaction
	client *resty.Client
	// rawRT and rawHeader serve the proxy's hot path (forward): the transport resty set up for
	// this source, and the request headers every forwarded call carries (read-only, shared).
	rawRT     http.RoundTripper
	rawHeader http.Header
	// caller, when set, carries every action instead of HTTP: a source with no HTTP URL whose
	// only link is a WebSocket (ws or ws-reverse) takes its actions over that socket.
	caller Caller

	arkAction atomic.Int32 // index into arkActions of the name that worked last
}

var (
	_ core.Adapter   = (*Adapter)(nil)
	_ core.ArkSharer = (*Adapter)(nil)
)

// Factory builds the adapter of a source (core.AdapterFactory).
var Factory = adapterkit.Factory(New)

// New checks a source and builds its adapter. The URL must be http or https with a host; a path
// prefix is kept (http://h:3000/onebot → POST http://h:3000/onebot/send_msg). The flavor must be
// one of Flavors or "" (generic). The URL, the token and the HTTP client are adapterkit's, as for
// every open layer.
func New(src core.Source) (*Adapter, error) {
	if err := adapterkit.CheckVia(src, Via); err != nil {
		return nil, err
	}
	flavor := strings.ToLower(strings.TrimSpace(src.Flavor))
	if flavor == "" {
		flavor = "generic"
	}
	if !contains(Flavors, flavor) {
		return nil, core.Errorf(core.CodeBadParam, "source %q: flavor %q is not one of %s",
			src.ID, src.Flavor, strings.Join(Flavors, ", "))
	}
	if strings.TrimSpace(src.URL) == "" && ActionsOverWebSocket(src) {
		// No HTTP API: actions go over the event link's WebSocket once one is attached
		// (NewWithCaller); until then every call says so.
		return &Adapter{src: src, flavor: flavor, caller: noLink{src.ID}}, nil
	}
	ep, err := adapterkit.Parse(src)
	if err != nil {
		return nil, err
	}
	a := &Adapter{src: src, flavor: flavor, ep: ep, client: adapterkit.NewClient(src, src.Timeout())}
	a.rawRT = a.client.GetClient().Transport
	if a.rawRT == nil {
		a.rawRT = http.DefaultTransport
	}
	a.rawHeader = http.Header{"Content-Type": {"application/json"}, "User-Agent": {"ucbi-console"}}
	if src.Token != "" {
		a.rawHeader["Authorization"] = []string{"Bearer " + src.Token}
	}
	return a, nil
}

// ActionsOverWebSocket reports whether a source takes its actions over its event link's
// WebSocket: it has no HTTP URL and its link is one (ws with a ws_url, or ws-reverse).
func ActionsOverWebSocket(src core.Source) bool {
	if strings.TrimSpace(src.URL) != "" {
		return false
	}
	return (src.Events == core.LinkWS && strings.TrimSpace(src.WSURL) != "") || src.Events == core.LinkWSReverse
}

// NewWithCaller builds the adapter of a source whose actions go over c (a WebSocket link's
// caller) instead of HTTP. It is for sources ActionsOverWebSocket says so of; others keep HTTP.
func NewWithCaller(src core.Source, c Caller) (*Adapter, error) {
	a, err := New(src)
	if err != nil {
		return nil, err
	}
	if a.caller != nil && c != nil {
		a.caller = c
	}
	return a, nil
}

// noLink is the caller of a WebSocket-only source before any link is attached.
type noLink struct{ id string }

func (n noLink) Call(context.Context, string, json.RawMessage) ([]byte, error) {
	return nil, core.Errorf(core.CodeBackendDown, "message source %q takes actions over its WebSocket link, which is not running here (start the endpoint or serve)", n.id)
}

// Source is the source this adapter was built for.
func (a *Adapter) Source() core.Source { return a.src }

// Flavor is the source's flavor, normalised ("generic" for "").
func (a *Adapter) Flavor() string { return a.flavor }

// checkCall refuses a malformed action name before anything is sent (letters, digits, '_', '-',
// '.' only: anything else could reach a different path on the backend), and gives a nil ctx a
// background one.
func (a *Adapter) checkCall(ctx context.Context, action string) (context.Context, error) {
	if !adapterkit.ValidName(action) {
		return ctx, core.Errorf(core.CodeUnknownAction,
			"%q is not a OneBot action name (letters, digits, '_', '-' and '.' only)", short(action))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return ctx, nil
}

// post sends one request and returns the backend's status and body. The error is a *core.Error:
// CodeUnknownAction for a malformed action name, CodeBackendTimeout or CodeBackendDown for a
// transport failure.
func (a *Adapter) post(ctx context.Context, action string, body []byte) (int, []byte, error) {
	ctx, err := a.checkCall(ctx, action)
	if err != nil {
		return 0, nil, err
	}
	if a.caller != nil {
		return a.callOver(ctx, action, body)
	}
	start := time.Now()
	resp, err := a.client.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(body).
		Post(a.ep.URL("/" + action))
	if err != nil {
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	return resp.StatusCode(), resp.Body(), nil
}

func (a *Adapter) transportError(ctx context.Context, action string, err error, took time.Duration) *core.Error {
	return a.ep.TransportError(ctx, "POST "+a.ep.Shown+"/"+action, a.src.Timeout(), err, took)
}

// Call runs one OneBot action with params (nil = {}) and parses the reply. The error is nil only
// for a success envelope; a failure envelope gives a *core.Error (CodeBackendFailed with Retcode
// and BackendText) and the envelope too. Transport failures and replies that are not envelopes
// give a nil envelope.
func (a *Adapter) Call(ctx context.Context, action string, params any) (*Envelope, error) {
	body := []byte("{}")
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, core.Errorf(core.CodeBadParam, "the params of %s cannot be encoded as JSON: %v", action, err)
		}
		if !bytes.Equal(b, []byte("null")) {
			body = b
		}
	}
	status, reply, err := a.post(ctx, action, body)
	if err != nil {
		return nil, err
	}
	return ParseEnvelope(status, reply)
}

// Forward is the OneBot proxy's pass-through: body (a JSON object; empty means {}) is POSTed to
// /<action> as it is, and the backend's HTTP status and body come back verbatim, whatever they
// are. err is set only when no answer came: CodeBackendDown or CodeBackendTimeout (and
// CodeUnknownAction, without any call, for an action name with characters no action has).
func (a *Adapter) Forward(ctx context.Context, action string, body []byte) (int, []byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	return a.forward(ctx, action, body)
}

// forward is post for the proxy's hot path: the body is passed through as it came, straight to
// the transport resty set up for this source (its keep-alive pool), with the rules of the
// source's client kept by hand — the source's timeout (one context, which also bounds reading
// the reply), no redirect followed (a transport hands a 3xx back as it is), no retry, replies
// bounded by MaxReplyBytes. It skips resty's request building and http.Client's per-request
// work (a header copy for redirects, a second deadline): the proxy benchmark measured them at
// about a tenth of the console's CPU per call.
func (a *Adapter) forward(ctx context.Context, action string, body []byte) (int, []byte, error) {
	ctx, err := a.checkCall(ctx, action)
	if err != nil {
		return 0, nil, err
	}
	if a.caller != nil {
		return a.callOver(ctx, action, body) // the link's calls have their own timeout
	}
	start := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, a.src.Timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, a.ep.URL("/"+action), bytes.NewReader(body))
	if err != nil {
		return 0, nil, core.Errorf(core.CodeBadParam, "cannot build the request to the backend: %v", a.ep.Redact(err.Error()))
	}
	req.Header = a.rawHeader // the transport only reads it
	resp, err := a.rawRT.RoundTrip(req)
	if err != nil {
		// ctx, not callCtx: whose deadline ended the call (the caller's or the source's) is
		// told from the caller's context.
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	defer resp.Body.Close()
	reply, err := readReply(resp)
	if err != nil {
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	if len(reply) > MaxReplyBytes {
		return 0, nil, core.Errorf(core.CodeBackendBadReply, "the backend's reply is larger than %d MiB (POST %s/%s)", MaxReplyBytes>>20, a.ep.Shown, action)
	}
	return resp.StatusCode, reply, nil
}

// readReply reads a reply's body, at most MaxReplyBytes+1 bytes (more is too large): in one
// buffer of the announced length when there is one.
func readReply(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= MaxReplyBytes {
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, MaxReplyBytes+1))
}

// callOver runs one action over the WebSocket caller: the reply frame is the envelope an HTTP
// 200 would carry.
func (a *Adapter) callOver(ctx context.Context, action string, body []byte) (int, []byte, error) {
	reply, err := a.caller.Call(ctx, action, body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, withoutEcho(reply), nil
}

// withoutEcho drops the echo the WebSocket caller matched its reply by (its own, never the
// bot's): the door then puts its caller's echo back, as it does for an HTTP reply.
func withoutEcho(frame []byte) []byte {
	var env map[string]json.RawMessage
	if json.Unmarshal(frame, &env) != nil {
		return frame
	}
	if _, ok := env["echo"]; !ok {
		return frame
	}
	delete(env, "echo")
	out, err := json.Marshal(env)
	if err != nil {
		return frame
	}
	return out
}

// GetLoginInfo asks get_login_info: the account's id (as user_id and user_tid) and nickname.
func (a *Adapter) GetLoginInfo(ctx context.Context) (core.LoginInfo, error) {
	env, err := a.Call(ctx, "get_login_info", nil)
	if err != nil {
		return core.LoginInfo{}, err
	}
	var data struct {
		UserID   any    `json:"user_id"`
		Nickname string `json:"nickname"`
	}
	if err := decodeData(env.Data, &data); err != nil {
		return core.LoginInfo{}, core.Errorf(core.CodeBackendBadReply, "get_login_info: the backend's data is not {user_id, nickname}: %v", err)
	}
	id := idString(data.UserID)
	if id == "" {
		return core.LoginInfo{}, core.Errorf(core.CodeBackendBadReply, "get_login_info: the backend's data has no user_id")
	}
	return core.LoginInfo{UserID: id, UserTID: id, UserName: data.Nickname}, nil
}

// Send delivers a message to a private or group target (send_private_msg / send_group_msg),
// exactly once. Discussion groups are unsupported without calling the backend.
func (a *Adapter) Send(ctx context.Context, t core.Target, m core.Message) (core.SendResult, error) {
	action, params, err := BuildSend(t, m)
	if err != nil {
		return core.SendResult{}, err
	}
	env, err := a.Call(ctx, action, params)
	if err != nil {
		return core.SendResult{}, err
	}
	var data struct {
		MessageID any `json:"message_id"`
	}
	if len(env.Data) > 0 && env.Data[0] == '{' {
		_ = decodeData(env.Data, &data)
	}
	return core.SendResult{MessageID: idString(data.MessageID)}, nil
}

// Extension runs an open-layer specific action (the UCBI name without '*') with params as given
// and returns the backend's data ("null" when it gave none).
func (a *Adapter) Extension(ctx context.Context, name string, params map[string]json.RawMessage) (json.RawMessage, error) {
	var p any
	if params != nil {
		p = params
	}
	env, err := a.Call(ctx, name, p)
	if err != nil {
		return nil, err
	}
	if len(env.Data) == 0 {
		return json.RawMessage("null"), nil
	}
	return env.Data, nil
}

func decodeData(raw json.RawMessage, v any) error {
	if core.IsNull(raw) {
		return fmt.Errorf("it is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// BuildSend is the exact OneBot request a send becomes: send_private_msg {user_id, message} or
// send_group_msg {group_id, message}. Ids must be positive 64-bit integers (QQ numbers).
// Discussion groups → CodeUnsupported; a bad message → CodeBadMessage naming the segment.
func BuildSend(t core.Target, m core.Message) (string, map[string]any, error) {
	var action, key string
	switch t.Type {
	case core.TypePrivate:
		action, key = "send_private_msg", "user_id"
	case core.TypeGroup:
		action, key = "send_group_msg", "group_id"
	case core.TypeDiscuss:
		return "", nil, core.Fail(core.CodeUnsupported, "send.discuss_unsupported", "type")
	case "":
		return "", nil, core.Fail(core.CodeMissingParam, "send.no_target_type", "type")
	default:
		return "", nil, core.Fail(core.CodeBadParam, "send.target_type", "type", "value", strconv.Quote(t.Type))
	}
	id := strings.TrimSpace(t.ID)
	if id == "" {
		return "", nil, core.Fail(core.CodeMissingParam, "send.target_id_missing", key, "type", t.Type)
	}
	n, ok := qqNumber(id)
	if !ok {
		// OneBot 11 ids are QQ numbers: anything else would only come back as the backend's
		// failure, after a round trip, in its words instead of ours.
		return "", nil, core.Fail(core.CodeBadParam, "send.not_qq_number", key, "value", strconv.Quote(short(id)))
	}
	segs, err := ToOneBot(m)
	if err != nil {
		return "", nil, err
	}
	return action, map[string]any{key: n, "message": segs}, nil
}
