// Package onebot12 is the UCBI adapter for OneBot 12 implementations (via "onebot-12"; the
// platform is the implementation's: the source's Platform, and self.platform in its events).
//
// Actions go as {action, params, self?} — POST / over HTTP with "Authorization: Bearer", or over
// any other Transport (a WebSocket link plugs in with Calls). UCBI sends become send_message
// (private, group, or channel for UCBI's discuss); media are uploaded with upload_file first and
// sent by file_id; get_login_info is get_self_info; *name runs the action name. Responses'
// retcodes map to our error codes (ErrorOf). Decode turns OneBot 12 events into UCBI events.
//
// UCBI has no guild channels: a OneBot 12 channel is a UCBI discuss whose id is
// "guild_id/channel_id", both in events' contexts and as a send target.
package onebot12

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Via is the UCBI open-layer name this adapter serves.
const Via = "onebot-12"

// Version is the OneBot version this package speaks (X-OneBot-Version).
const Version = "12"

// Self names one account of a connection that serves several.
type Self struct {
	Platform string `json:"platform"`
	UserID   string `json:"user_id"`
}

// ActionRequest is one OneBot 12 action: {action, params, echo?, self?}.
type ActionRequest struct {
	Action string          `json:"action"`
	Params any             `json:"params"`
	Echo   json.RawMessage `json:"echo,omitempty"`
	Self   *Self           `json:"self,omitempty"`
}

// Response is a OneBot 12 action response. Data stays raw so that ids survive untouched.
type Response struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Echo    json.RawMessage `json:"echo,omitempty"`
}

// Transport carries one action to the implementation and brings back its response. Errors are
// *core.Error for transport failures (CodeBackendDown, CodeBackendTimeout, CodeBackendBadReply);
// a failed response is a response, not an error.
type Transport interface {
	Do(ctx context.Context, req ActionRequest) (*Response, error)
}

// Adapter talks to one OneBot 12 account. It is safe for concurrent use.
type Adapter struct {
	src  core.Source
	self *Self
	t    Transport
}

var _ core.Adapter = (*Adapter)(nil)

// Factory builds the adapter of a source over HTTP (core.AdapterFactory).
var Factory = adapterkit.Factory(New)

// New builds the adapter of a source over HTTP: actions are POSTed to the source's URL itself.
func New(src core.Source) (*Adapter, error) {
	t, err := NewHTTP(src)
	if err != nil {
		return nil, err
	}
	return NewWithTransport(src, t)
}

// NewWithTransport builds the adapter of a source over a transport (a WebSocket link's Calls).
// With a SelfID the source names its account in every action (a connection serving several
// accounts needs it); the platform then must be set too.
func NewWithTransport(src core.Source, t Transport) (*Adapter, error) {
	if err := adapterkit.CheckVia(src, Via); err != nil {
		return nil, err
	}
	a := &Adapter{src: src, t: t}
	if id := strings.TrimSpace(src.SelfID); id != "" {
		p := strings.TrimSpace(src.Platform)
		if p == "" {
			return nil, core.Errorf(core.CodeBadParam, "source %q: a OneBot 12 source with a self id needs its platform (the self.platform of its events, e.g. qq or wechat)", src.ID)
		}
		a.self = &Self{Platform: p, UserID: id}
	}
	return a, nil
}

// Source is the source this adapter was built for.
func (a *Adapter) Source() core.Source { return a.src }

// Call runs one action with params (nil = {}) and returns the response's data. The error is a
// *core.Error: a transport failure, or ErrorOf a failed response.
func (a *Adapter) Call(ctx context.Context, action string, params any) (json.RawMessage, error) {
	if !adapterkit.ValidName(action) {
		return nil, core.Errorf(core.CodeUnknownAction, "%q is not a OneBot 12 action name (letters, digits, '_', '-' and '.' only)", adapterkit.Short(action))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if params == nil {
		params = map[string]any{}
	}
	resp, err := a.t.Do(ctx, ActionRequest{Action: action, Params: params, Self: a.self})
	if err != nil {
		return nil, err
	}
	if e := ErrorOf(resp); e != nil {
		return nil, e
	}
	if len(resp.Data) == 0 {
		return json.RawMessage("null"), nil
	}
	return resp.Data, nil
}

// GetLoginInfo asks get_self_info: user_id (as user_id and user_tid) and user_name.
func (a *Adapter) GetLoginInfo(ctx context.Context) (core.LoginInfo, error) {
	raw, err := a.Call(ctx, "get_self_info", nil)
	if err != nil {
		return core.LoginInfo{}, err
	}
	d, err := adapterkit.DecodeObject(raw)
	id := adapterkit.IDString(d["user_id"])
	if err != nil || id == "" {
		return core.LoginInfo{}, core.Errorf(core.CodeBackendBadReply, "get_self_info: the data is not {user_id, user_name}: %q", adapterkit.Snippet(raw))
	}
	return core.LoginInfo{UserID: id, UserTID: id, UserName: adapterkit.Str(d, "user_name")}, nil
}

// Send uploads the message's media (upload_file) and sends it with send_message, exactly once.
// A failed upload sends nothing.
func (a *Adapter) Send(ctx context.Context, t core.Target, m core.Message) (core.SendResult, error) {
	params, uploads, err := BuildSend(t, m)
	if err != nil {
		return core.SendResult{}, err
	}
	segs := params["message"].([]Segment)
	for _, u := range uploads {
		raw, err := a.Call(ctx, "upload_file", u.Params)
		if err != nil {
			e := core.AsError(err)
			e.Message = "uploading segment " + itoa(u.Index) + " (" + segs[u.Index].Type + "): " + e.Message
			return core.SendResult{}, e
		}
		d, _ := adapterkit.DecodeObject(raw)
		id := adapterkit.Str(d, "file_id")
		if id == "" {
			return core.SendResult{}, core.Errorf(core.CodeBackendBadReply, "upload_file answered no file_id: %q", adapterkit.Snippet(raw))
		}
		segs[u.Index].Data["file_id"] = id
	}
	raw, err := a.Call(ctx, "send_message", params)
	if err != nil {
		return core.SendResult{}, err
	}
	d, _ := adapterkit.DecodeObject(raw)
	return core.SendResult{MessageID: adapterkit.IDString(d["message_id"])}, nil
}

// Extension runs the action name with params as given.
func (a *Adapter) Extension(ctx context.Context, name string, params map[string]json.RawMessage) (json.RawMessage, error) {
	var p any
	if params != nil {
		p = params
	}
	return a.Call(ctx, name, p)
}

// Contact is one entry of get_friend_list or get_group_list.
type Contact struct {
	UserID          string `json:"user_id,omitempty"`
	UserName        string `json:"user_name,omitempty"`
	UserDisplayName string `json:"user_displayname,omitempty"`
	UserRemark      string `json:"user_remark,omitempty"`
	GroupID         string `json:"group_id,omitempty"`
	GroupName       string `json:"group_name,omitempty"`
}

// FriendList is get_friend_list.
func (a *Adapter) FriendList(ctx context.Context) ([]Contact, error) {
	return a.list(ctx, "get_friend_list")
}

// GroupList is get_group_list.
func (a *Adapter) GroupList(ctx context.Context) ([]Contact, error) {
	return a.list(ctx, "get_group_list")
}

func (a *Adapter) list(ctx context.Context, action string) ([]Contact, error) {
	raw, err := a.Call(ctx, action, nil)
	if err != nil {
		return nil, err
	}
	var out []Contact
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, core.Errorf(core.CodeBackendBadReply, "%s: the data is not a list of contacts: %v", action, err)
	}
	return out, nil
}

// HTTP is the OneBot 12 HTTP transport of one source: POST {url} with the action as JSON.
type HTTP struct {
	src    core.Source
	ep     adapterkit.Endpoint
	client *resty.Client
}

// NewHTTP checks a source's URL and token and makes its HTTP transport.
func NewHTTP(src core.Source) (*HTTP, error) {
	ep, err := adapterkit.Parse(src)
	if err != nil {
		return nil, err
	}
	return &HTTP{src: src, ep: ep, client: adapterkit.NewClient(src, src.Timeout())}, nil
}

// Do POSTs one action and parses the answer (ParseHTTP).
func (h *HTTP) Do(ctx context.Context, req ActionRequest) (*Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "the params of %s cannot be encoded as JSON: %v", req.Action, err)
	}
	start := time.Now()
	resp, err := h.client.R().SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(body).
		Post(h.ep.URL(""))
	if err != nil {
		return nil, h.ep.TransportError(ctx, "POST "+h.ep.Shown+" "+req.Action, h.src.Timeout(), err, time.Since(start))
	}
	return ParseHTTP(resp.StatusCode(), resp.Body())
}

// ParseHTTP reads a OneBot 12 HTTP answer: a 200 with a response object is the response (failed
// or not); 401/403 is the access token refused (CodeBackendFailed with the HTTP status); anything
// else is CodeBackendBadReply.
func ParseHTTP(status int, body []byte) (*Response, error) {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, &core.Error{Code: core.CodeBackendFailed, HTTPStatus: status, BackendText: adapterkit.Snippet(body),
			Message: "the OneBot 12 implementation rejected the access token (HTTP " + itoa(status) + "): check the source's token"}
	case http.StatusOK:
		if r, err := DecodeResponse(body); err == nil {
			return r, nil
		}
	}
	return nil, adapterkit.BadReply("OneBot 12", status, body)
}

// DecodeResponse reads a response object: status must be "ok" or "failed" and retcode a number.
func DecodeResponse(b []byte) (*Response, error) {
	var w struct {
		Status  *string         `json:"status"`
		Retcode json.RawMessage `json:"retcode"`
		Data    json.RawMessage `json:"data"`
		Message string          `json:"message"`
		Echo    json.RawMessage `json:"echo"`
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &w) != nil || w.Status == nil {
		return nil, errNotResponse
	}
	rc, ok := adapterkit.Int(w.Retcode)
	if !ok {
		return nil, errNotResponse
	}
	r := &Response{Status: *w.Status, Retcode: int(rc), Data: bytes.TrimSpace(w.Data), Message: w.Message}
	if len(w.Echo) > 0 && string(w.Echo) != "null" {
		r.Echo = w.Echo
	}
	return r, nil
}

type notResponse struct{}

func (notResponse) Error() string {
	return "not a OneBot 12 response ({status, retcode, data, message})"
}

var errNotResponse error = notResponse{}
