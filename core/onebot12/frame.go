package onebot12

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"ucbi-console/core/link"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Frame kinds of a OneBot 12 WebSocket connection.
const (
	FrameResponse = "response" // {status, retcode, data, message, echo}: the answer to an action
	FrameEvent    = "event"    // {id, time, type, detail_type, …}
	FrameUnknown  = "unknown"
)

// FrameKind tells what a frame received on a OneBot 12 WebSocket is.
func FrameKind(b []byte) string {
	var probe struct {
		Type   *string          `json:"type"`
		Status *string          `json:"status"`
		Echo   *json.RawMessage `json:"echo"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return FrameUnknown
	}
	switch {
	case probe.Status != nil && probe.Type == nil:
		return FrameResponse
	case probe.Type != nil:
		return FrameEvent
	}
	return FrameUnknown
}

// Calls runs actions over one WebSocket connection (forward or reverse): Do sends an action
// frame with a fresh echo through send and waits for the response frame with that echo, which the
// link's reader hands to Deliver. It is the Transport a WebSocket link plugs into
// NewWithTransport. The matching is link.Calls, the one echo matcher of every WebSocket link;
// each call waits at most core.DefaultTimeout (or ctx's deadline) and is never retried. The link
// owns the connection: send must write with a deadline (through its one writer goroutine), and
// Close must be called when the connection ends.
type Calls struct {
	calls  *link.Calls
	sender link.Sender
}

// NewCalls makes the action side of a connection.
func NewCalls(send func(ctx context.Context, frame []byte) error) *Calls {
	c := &Calls{calls: link.NewCalls(0), sender: link.SendFunc(send)}
	c.calls.Attach(c.sender)
	return c
}

// Do sends one action and waits for its response, ctx's end or the connection's.
func (c *Calls) Do(ctx context.Context, req ActionRequest) (*Response, error) {
	b, err := c.calls.Call(ctx, req.Action, func(echo string) ([]byte, error) {
		req.Echo = json.RawMessage(strconv.Quote(echo))
		return json.Marshal(req)
	})
	if err != nil {
		return nil, err
	}
	r, err := DecodeResponse(b)
	if err != nil {
		return nil, core.Errorf(core.CodeBackendBadReply, "the answer to %s is not a OneBot 12 response: %v", req.Action, err)
	}
	return r, nil
}

// Deliver hands a response frame to the action waiting for its echo. It reports false for a
// frame that is not a response to one of this connection's actions.
func (c *Calls) Deliver(frame []byte) bool { return c.calls.HandleFrame(frame) }

// Close fails every waiting and future action: the connection is gone.
func (c *Calls) Close(reason error) {
	why := "closed"
	if reason != nil {
		why = reason.Error()
	}
	c.calls.Detach(c.sender, "the OneBot 12 connection is closed: "+why)
}

// WebhookAnswer is the answer to a webhook event POST: 204 with no body when there is nothing to
// do, else 200 with the actions (a JSON array) the implementation is to run — OneBot 12's quick
// actions, without echo (nobody hears their responses).
func WebhookAnswer(actions []ActionRequest) (status int, body []byte) {
	if len(actions) == 0 {
		return http.StatusNoContent, nil
	}
	out := make([]ActionRequest, len(actions))
	for i, a := range actions {
		a.Echo = nil
		if a.Params == nil {
			a.Params = map[string]any{}
		}
		out[i] = a
	}
	b, err := json.Marshal(out)
	if err != nil {
		return http.StatusNoContent, nil
	}
	return http.StatusOK, b
}

// WebhookHeaders are the headers a OneBot 12 webhook POST carries (X-OneBot-Version, X-Impl,
// and Authorization when it has a token). CheckWebhook checks them on a request to
// /report/{source}: the version must be 12, and the token the source's when it has one.
func CheckWebhook(h http.Header, src core.Source) *core.Error {
	if v := h.Get("X-OneBot-Version"); v != Version {
		return core.Errorf(core.CodeBadParam, "X-OneBot-Version is %q: this source speaks OneBot 12", adapterkit.Short(v))
	}
	if src.Token != "" && subtle.ConstantTimeCompare([]byte(h.Get("Authorization")), []byte("Bearer "+src.Token)) != 1 {
		if h.Get("Authorization") == "" {
			return core.Errorf(core.CodeUnauthorized, "the webhook POST has no Authorization: Bearer token")
		}
		return core.Errorf(core.CodeForbidden, "the webhook POST's token is not the source's")
	}
	return nil
}
