// Package openwx is the UCBI adapter for Mojo-Weixin's Openwx plugin (via "mojo-weixin-openwx",
// platform "wechat"): actions over its HTTP API, its event reports decoded into UCBI events, and a
// long-poll client for /openwx/check_event.
//
// Openwx ids are valid for one login only, so in UCBI terms they are temporary ids: events carry
// them as user_tid / group_tid / sender_tid, and a context taken from an event is sent to
// unchanged (the dispatcher resolves user_tid → target id → Openwx's "id").
//
// A send target id names the friend or group the way Openwx lets a caller name them:
//
//	@abc…               Openwx's id (the usual case: what events carry)
//	account:wxid        a friend's WeChat account (send_friend_message only)
//	displayname:张三     the name shown in the contact list
//	markname:老张        a friend's remark name (send_friend_message only)
//
// Anything without one of those prefixes is sent as the id.
//
// Replying to a report: Openwx replies to a reported message when the post_api answer is JSON
// with a "reply" key ({"reply": "text", "code": 0}, or "media" with a path or URL). ReplyBody
// builds that answer from a UCBI message, so the console's /report/{source} acceptor could let a
// bot answer a message synchronously — e.g. when a POST consumer's answer to that event carries
// {"reply": message} — by writing ReplyBody(message) as the report's response; without one it
// answers 204 and Openwx does nothing more.
package openwx

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Via is the UCBI open-layer name this adapter serves; Platform the chat platform behind it.
const (
	Via      = "mojo-weixin-openwx"
	Platform = "wechat"
)

// CodeAuthFailure is Openwx's code for a request its auth callback refused.
const CodeAuthFailure = -6

// Adapter talks to one Openwx HTTP server. It is safe for concurrent use.
type Adapter struct {
	src    core.Source
	ep     adapterkit.Endpoint
	client *resty.Client
}

var _ core.Adapter = (*Adapter)(nil)

// Factory builds the adapter of a source (core.AdapterFactory).
var Factory = adapterkit.Factory(New)

// New checks a source and builds its adapter. The URL is Openwx's server (http://host:3000); a
// trailing /openwx is accepted and not doubled. The token, when set, goes as
// "Authorization: Bearer": Openwx's auth is a callback the operator writes, which can read it.
func New(src core.Source) (*Adapter, error) {
	if err := adapterkit.CheckVia(src, Via); err != nil {
		return nil, err
	}
	if p := strings.TrimSpace(src.Platform); p != "" && p != Platform {
		return nil, core.Errorf(core.CodeBadParam, "source %q: Openwx serves platform %q, not %q", src.ID, Platform, p)
	}
	ep, err := adapterkit.Parse(src)
	if err != nil {
		return nil, err
	}
	ep.Base = strings.TrimSuffix(ep.Base, "/openwx")
	ep.Shown = strings.TrimSuffix(ep.Shown, "/openwx")
	return &Adapter{src: src, ep: ep, client: adapterkit.NewClient(src, src.Timeout())}, nil
}

// Source is the source this adapter was built for.
func (a *Adapter) Source() core.Source { return a.src }

// Call runs one Openwx route (/openwx/<route>) with params as a POST form and returns the
// backend's JSON answer as it came. Errors are *core.Error:
//   - CodeUnsupported when Openwx has no such route (its 403 "api not found");
//   - CodeBackendFailed with Retcode = code and BackendText = status for a reply whose code is
//     not 0 (code -6 is its auth callback refusing the request);
//   - CodeBackendBadReply for an answer that is not JSON, CodeBackendDown / CodeBackendTimeout
//     for transport failures, CodeUnknownAction for a route name no route can have.
func (a *Adapter) Call(ctx context.Context, route string, params url.Values) (json.RawMessage, error) {
	if !adapterkit.ValidName(route) {
		return nil, core.Errorf(core.CodeUnknownAction, "%q is not an Openwx route name (letters, digits, '_', '-' and '.' only)", adapterkit.Short(route))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	path := "/openwx/" + route
	where := "POST " + a.ep.Shown + path
	form := params.Encode()
	start := time.Now()
	resp, err := a.client.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/x-www-form-urlencoded").
		SetBody(form).
		Post(a.ep.URL(path))
	if err != nil {
		return nil, a.ep.TransportError(ctx, where, a.src.Timeout(), err, time.Since(start))
	}
	return ParseReply(route, resp.StatusCode(), resp.Body())
}

// ParseReply turns Openwx's HTTP answer to a route into its JSON, or the error it means (see Call).
// It is pure and never panics.
func ParseReply(route string, status int, body []byte) (json.RawMessage, error) {
	t := bytes.TrimSpace(body)
	if !json.Valid(t) || len(t) == 0 {
		if status == http.StatusForbidden && strings.Contains(strings.ToLower(string(t)), "api not found") {
			return nil, &core.Error{Code: core.CodeUnsupported, HTTPStatus: status, BackendText: adapterkit.Snippet(t),
				Message: "Openwx has no route /openwx/" + route + " (it answered 403 \"api not found\")"}
		}
		return nil, adapterkit.BadReply("Openwx", status, body)
	}
	if t[0] == '{' {
		var r struct {
			Code   json.RawMessage `json:"code"`
			Status string          `json:"status"`
		}
		if json.Unmarshal(t, &r) == nil && len(r.Code) > 0 && string(r.Code) != "null" {
			code, ok := adapterkit.Int(r.Code)
			if !ok {
				return nil, adapterkit.BadReply("Openwx", status, body)
			}
			if code != 0 {
				e := &core.Error{Code: core.CodeBackendFailed, Retcode: int(code), BackendText: r.Status}
				if status != http.StatusOK {
					e.HTTPStatus = status
				}
				switch {
				case code == CodeAuthFailure:
					e.Message = "Openwx refused the request (code -6, auth failure): check the source's token"
				case r.Status != "":
					e.Message = "Openwx failed (code " + strconv.FormatInt(code, 10) + "): " + r.Status
				default:
					e.Message = "Openwx failed (code " + strconv.FormatInt(code, 10) + ") without saying why"
				}
				return nil, e
			}
		}
	}
	if status < 200 || status > 299 {
		return nil, adapterkit.BadReply("Openwx", status, body)
	}
	return t, nil
}

// GetLoginInfo asks get_user_info: Openwx's id of the account (valid for this login) as user_tid,
// the WeChat account (stable, often empty) as user_id, and the name.
func (a *Adapter) GetLoginInfo(ctx context.Context) (core.LoginInfo, error) {
	raw, err := a.Call(ctx, "get_user_info", nil)
	if err != nil {
		return core.LoginInfo{}, err
	}
	u, err := adapterkit.DecodeObject(raw)
	if err != nil || adapterkit.Str(u, "id") == "" {
		return core.LoginInfo{}, core.Errorf(core.CodeBackendBadReply, "get_user_info: Openwx's answer is not a user with an id: %q", adapterkit.Snippet(raw))
	}
	name := adapterkit.Str(u, "name")
	if name == "" {
		name = adapterkit.Str(u, "displayname")
	}
	return core.LoginInfo{UserID: adapterkit.Str(u, "account"), UserTID: adapterkit.Str(u, "id"), UserName: name}, nil
}

// Send delivers a message (send_friend_message / send_group_message), exactly once. See
// BuildSend for what a message may hold.
func (a *Adapter) Send(ctx context.Context, t core.Target, m core.Message) (core.SendResult, error) {
	route, params, err := BuildSend(t, m)
	if err != nil {
		return core.SendResult{}, err
	}
	raw, err := a.Call(ctx, route, params)
	if err != nil {
		return core.SendResult{}, err
	}
	r, err := adapterkit.DecodeObject(raw)
	if err != nil {
		return core.SendResult{}, core.Errorf(core.CodeBackendBadReply, "%s: Openwx's answer is not {code, status, msg_id}: %q", route, adapterkit.Snippet(raw))
	}
	return core.SendResult{MessageID: adapterkit.IDString(r["msg_id"])}, nil
}

// Extension runs /openwx/<name> with params as form fields: strings as they are, numbers in their
// JSON form, booleans as 1/0, objects and arrays as JSON text. The result is Openwx's answer.
func (a *Adapter) Extension(ctx context.Context, name string, params map[string]json.RawMessage) (json.RawMessage, error) {
	form := url.Values{}
	for k, raw := range params {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			continue
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, core.Errorf(core.CodeBadParam, "params.%s: %v", k, err)
			}
			form.Set(k, s)
		case string(raw) == "true":
			form.Set(k, "1")
		case string(raw) == "false":
			form.Set(k, "0")
		default:
			form.Set(k, string(raw))
		}
	}
	return a.Call(ctx, name, form)
}
