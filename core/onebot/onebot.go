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
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
)

// Via is the UCBI open-layer name this adapter serves.
const Via = "coolq-http-api"

// Flavors are the OneBot 11 implementations a source may name; "" means generic.
var Flavors = []string{"napcat", "go-cqhttp", "lagrange", "llonebot", "generic"}

// MaxReplyBytes bounds a backend's reply body (a big group's member list is ~1 MB).
const MaxReplyBytes = 32 << 20

// Adapter talks to one OneBot 11 HTTP server. It is safe for concurrent use.
type Adapter struct {
	src    core.Source
	flavor string
	base   string // scheme://host/prefix, no trailing slash
	query  string // the source URL's query, added to every request (never shown)
	shown  string // scheme://host/prefix for messages: no user info, no query
	client *resty.Client

	arkAction atomic.Int32 // index into arkActions of the name that worked last
}

var (
	_ core.Adapter   = (*Adapter)(nil)
	_ core.ArkSharer = (*Adapter)(nil)
)

// Factory builds the adapter of a source (core.AdapterFactory).
func Factory(src core.Source) (core.Adapter, error) {
	a, err := New(src)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// New checks a source and builds its adapter. The URL must be http or https with a host; a path
// prefix is kept (http://h:3000/onebot → POST http://h:3000/onebot/send_msg). The flavor must be
// one of Flavors or "" (generic).
func New(src core.Source) (*Adapter, error) {
	if src.Via != "" && src.Via != Via {
		return nil, core.Errorf(core.CodeBadParam, "source %q: via is %q, this adapter serves %q", src.ID, src.Via, Via)
	}
	flavor := strings.ToLower(strings.TrimSpace(src.Flavor))
	if flavor == "" {
		flavor = "generic"
	}
	if !contains(Flavors, flavor) {
		return nil, core.Errorf(core.CodeBadParam, "source %q: flavor %q is not one of %s",
			src.ID, src.Flavor, strings.Join(Flavors, ", "))
	}
	if strings.IndexFunc(src.Token, func(r rune) bool { return r < 0x21 || r == 0x7f }) >= 0 {
		return nil, core.Errorf(core.CodeBadParam, "source %q: the token contains spaces or control characters, which an HTTP header cannot carry", src.ID)
	}
	raw := strings.TrimSpace(src.URL)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil, core.Errorf(core.CodeBadParam, "source %q: url is not a valid URL (like http://127.0.0.1:3000)", src.ID)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, core.Errorf(core.CodeBadParam, "source %q: url must start with http:// or https://", src.ID)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, core.Errorf(core.CodeBadParam, "source %q: url has no host", src.ID)
	}
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	query := u.RawQuery
	u.RawQuery, u.ForceQuery = "", false
	base := u.String()
	shownURL := *u
	shownURL.User = nil
	a := &Adapter{src: src, flavor: flavor, base: base, query: query, shown: shownURL.String()}

	// No cookie jar (a OneBot server sets none we want), no retries (a retried send is a
	// duplicate), no logging (nothing about a call is logged from here), no redirects (one would
	// turn the POST into a GET: the 3xx is reported instead).
	noRedirect := resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	a.client = resty.NewWithClient(&http.Client{})
	a.client.GetClient().Transport.(*http.Transport).MaxIdleConnsPerHost = 64 // resty keeps GOMAXPROCS+1: concurrent calls would redial
	a.client.SetTimeout(src.Timeout())
	a.client.SetRetryCount(0)
	a.client.SetLogger(quietLogger{})
	a.client.SetDisableWarn(true)
	a.client.SetResponseBodyLimit(MaxReplyBytes)
	a.client.SetRedirectPolicy(noRedirect)
	a.client.SetHeader("User-Agent", "ucbi-console")
	if src.Token != "" {
		a.client.SetAuthToken(src.Token) // Authorization: Bearer <token>
	}
	return a, nil
}

// Source is the source this adapter was built for.
func (a *Adapter) Source() core.Source { return a.src }

// Flavor is the source's flavor, normalised ("generic" for "").
func (a *Adapter) Flavor() string { return a.flavor }

// quietLogger drops resty's log lines: nothing about a call is logged from here.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// validAction reports whether name can be a OneBot action: letters, digits, '_', '-', '.', and
// not "." or "..". Anything else could reach a different path on the backend.
func validAction(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// checkCall refuses a malformed action name before anything is sent, and gives a nil ctx a
// background one.
func (a *Adapter) checkCall(ctx context.Context, action string) (context.Context, error) {
	if !validAction(action) {
		return ctx, core.Errorf(core.CodeUnknownAction,
			"%q is not a OneBot action name (letters, digits, '_', '-' and '.' only)", short(action))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return ctx, nil
}

func (a *Adapter) actionURL(action string) string {
	u := a.base + "/" + action
	if a.query != "" {
		u += "?" + a.query
	}
	return u
}

// post sends one request and returns the backend's status and body. The error is a *core.Error:
// CodeUnknownAction for a malformed action name, CodeBackendTimeout or CodeBackendDown for a
// transport failure.
func (a *Adapter) post(ctx context.Context, action string, body []byte) (int, []byte, error) {
	ctx, err := a.checkCall(ctx, action)
	if err != nil {
		return 0, nil, err
	}
	start := time.Now()
	resp, err := a.client.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(body).
		Post(a.actionURL(action))
	if err != nil {
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	return resp.StatusCode(), resp.Body(), nil
}

func (a *Adapter) transportError(ctx context.Context, action string, err error, took time.Duration) *core.Error {
	where := "POST " + a.shown + "/" + action
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return core.Errorf(core.CodeBackendTimeout, "the call was cancelled before the backend answered (%s)", where)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		limit := a.src.Timeout()
		if dl, ok := ctx.Deadline(); ok && time.Until(dl)+took < limit {
			return core.Errorf(core.CodeBackendTimeout, "the backend did not answer before the call's deadline (%s, after %s)",
				where, took.Round(time.Millisecond))
		}
		return core.Errorf(core.CodeBackendTimeout, "the backend did not answer within %s (%s)", limit, where)
	case errors.Is(err, resty.ErrResponseBodyTooLarge):
		return core.Errorf(core.CodeBackendBadReply, "the backend's reply is larger than %d MiB (%s)", MaxReplyBytes>>20, where)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return core.Errorf(core.CodeBackendDown,
			"the backend closed the connection without answering (%s): the action may or may not have run", where)
	}
	return core.Errorf(core.CodeBackendDown, "cannot reach the backend (%s): %s", where, a.redact(inner.Error()))
}

// redact removes the token and the source URL's query (which may hold ?access_token=) from a
// text that came from the transport, as a last guard: no error ever shows them.
func (a *Adapter) redact(s string) string {
	if a.src.Token != "" {
		s = strings.ReplaceAll(s, a.src.Token, "****")
	}
	if a.query != "" {
		s = strings.ReplaceAll(s, a.query, "****")
	}
	return s
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

// forward is post for the proxy's hot path: the body is passed through as it came, so it skips
// resty's request building and calls the http.Client that resty configured (same timeout,
// transport, keep-alive pool and no-redirect policy). The proxy benchmark measured resty's
// per-request work at about a tenth of the console's CPU per call.
func (a *Adapter) forward(ctx context.Context, action string, body []byte) (int, []byte, error) {
	ctx, err := a.checkCall(ctx, action)
	if err != nil {
		return 0, nil, err
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.actionURL(action), bytes.NewReader(body))
	if err != nil {
		return 0, nil, core.Errorf(core.CodeBadParam, "cannot build the request to the backend: %v", a.redact(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ucbi-console")
	if a.src.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.src.Token)
	}
	resp, err := a.client.GetClient().Do(req)
	if err != nil {
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, MaxReplyBytes+1))
	if err != nil {
		return 0, nil, a.transportError(ctx, action, err, time.Since(start))
	}
	if len(reply) > MaxReplyBytes {
		return 0, nil, core.Errorf(core.CodeBackendBadReply, "the backend's reply is larger than %d MiB (POST %s/%s)", MaxReplyBytes>>20, a.shown, action)
	}
	return resp.StatusCode, reply, nil
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
