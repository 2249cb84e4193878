package onebot12

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

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
// NewWithTransport. The link owns the connection: send must write with a deadline (through its
// one writer goroutine), and Close must be called when the connection ends.
type Calls struct {
	send func(ctx context.Context, frame []byte) error

	mu      sync.Mutex
	next    uint64
	waiting map[string]chan *Response
	closed  error
}

// NewCalls makes the action side of a connection.
func NewCalls(send func(ctx context.Context, frame []byte) error) *Calls {
	return &Calls{send: send, waiting: map[string]chan *Response{}}
}

// Do sends one action and waits for its response, ctx's end or the connection's.
func (c *Calls) Do(ctx context.Context, req ActionRequest) (*Response, error) {
	c.mu.Lock()
	if c.closed != nil {
		err := c.closed
		c.mu.Unlock()
		return nil, core.Errorf(core.CodeBackendDown, "the OneBot 12 connection is closed: %v", err)
	}
	c.next++
	echo := strconv.FormatUint(c.next, 10)
	ch := make(chan *Response, 1)
	c.waiting[echo] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, echo)
		c.mu.Unlock()
	}()
	req.Echo = json.RawMessage(strconv.Quote(echo))
	frame, err := json.Marshal(req)
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "the params of %s cannot be encoded as JSON: %v", req.Action, err)
	}
	if err := c.send(ctx, frame); err != nil {
		return nil, core.Errorf(core.CodeBackendDown, "cannot send %s over the OneBot 12 connection: %v", req.Action, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, core.Errorf(core.CodeBackendDown, "the OneBot 12 connection closed before %s was answered: the action may or may not have run", req.Action)
		}
		return r, nil
	case <-ctx.Done():
		return nil, core.Errorf(core.CodeBackendTimeout, "the OneBot 12 implementation did not answer %s in time", req.Action)
	}
}

// Deliver hands a response frame to the action waiting for its echo. It reports false for a
// frame that is not a response or that nobody waits for (answered too late, or not ours).
func (c *Calls) Deliver(frame []byte) bool {
	r, err := DecodeResponse(frame)
	if err != nil || len(r.Echo) == 0 {
		return false
	}
	var echo string
	if json.Unmarshal(r.Echo, &echo) != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.waiting[echo]
	if ok {
		delete(c.waiting, echo)
		ch <- r
	}
	return ok
}

// Close fails every waiting and future action: the connection is gone.
func (c *Calls) Close(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed != nil {
		return
	}
	if reason == nil {
		reason = errClosed
	}
	c.closed = reason
	for echo, ch := range c.waiting {
		close(ch)
		delete(c.waiting, echo)
	}
}

type closedErr struct{}

func (closedErr) Error() string { return "closed" }

var errClosed error = closedErr{}

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
