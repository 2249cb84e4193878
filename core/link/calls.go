package link

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// Sender is a live link frames can be queued on: *Conn and *Client are Senders.
type Sender interface {
	Send(ctx context.Context, frame []byte) error
}

// SendFunc makes a Sender of a function. Each call gives a distinct Sender (Attach and Detach
// compare Senders, and functions cannot be compared).
func SendFunc(f func(ctx context.Context, frame []byte) error) Sender { return &funcSender{f} }

type funcSender struct {
	f func(ctx context.Context, frame []byte) error
}

func (s *funcSender) Send(ctx context.Context, frame []byte) error { return s.f(ctx, frame) }

// Calls runs echo-matched calls over a WebSocket link — OneBot 11's {action, params, echo} and
// OneBot 12's alike: each call's frame carries a fresh echo, and the reply frame with that echo
// (a frame with no post_type or type, which mark events of OneBot 11 and 12) goes back to the
// call waiting for it. Any number of calls may wait at once; each is bounded by the timeout and
// never retried (a resent send is a duplicate message).
//
// The link's reader offers every incoming frame to HandleFrame; the frames it does not take are
// events. The link calls go over is Attached when it comes up and Detached when it goes down: a
// call pending on a link that goes away fails at once, and new calls fail at once with the
// reason until a link is attached again. Errors are *core.Error (CodeBackendDown,
// CodeBackendTimeout, CodeBadParam).
type Calls struct {
	timeout time.Duration
	prefix  string
	next    atomic.Uint64

	mu      sync.Mutex
	link    Sender
	reason  string        // why there is no link
	dropped chan struct{} // closed when the attached link goes away
	pending map[string]chan []byte
}

var callsIDs atomic.Uint64

// NewCalls makes a matcher whose calls each wait at most timeout (a source's Timeout();
// core.DefaultTimeout when 0). Its echoes are unique in the process, so a reply is never taken
// for another matcher's.
func NewCalls(timeout time.Duration) *Calls {
	if timeout <= 0 {
		timeout = core.DefaultTimeout
	}
	return &Calls{
		timeout: timeout,
		prefix:  "ucbi-" + strconv.FormatUint(callsIDs.Add(1), 36) + "-",
		reason:  "the WebSocket link has not connected yet",
		dropped: make(chan struct{}),
		pending: map[string]chan []byte{},
	}
}

// Timeout is the bound of each call.
func (c *Calls) Timeout() time.Duration { return c.timeout }

// Attach makes s the link calls go over (replacing any other: calls pending on it fail).
func (c *Calls) Attach(s Sender) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link == s {
		return
	}
	if c.link != nil {
		close(c.dropped)
		c.dropped = make(chan struct{})
	}
	c.link, c.reason = s, ""
}

// Detach says the link s went down, and why: calls pending on it fail with that reason, and new
// ones fail at once until a link is attached. A link that is not the attached one is ignored
// (a replaced link closing late).
func (c *Calls) Detach(s Sender, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link != s || s == nil {
		return
	}
	c.link, c.reason = nil, reason
	close(c.dropped)
	c.dropped = make(chan struct{})
}

// Attached is the link calls go over now, nil while there is none.
func (c *Calls) Attached() Sender {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.link
}

// HandleFrame takes a frame that answers one of this matcher's calls (even one that has given
// up waiting) and reports true; any other frame (an event, a lifecycle frame) gives false.
func (c *Calls) HandleFrame(frame []byte) bool {
	if !bytes.Contains(frame, []byte(c.prefix)) {
		return false
	}
	var r struct {
		Echo     json.RawMessage `json:"echo"`
		PostType json.RawMessage `json:"post_type"` // a OneBot 11 event
		Type     json.RawMessage `json:"type"`      // a OneBot 12 event
	}
	if json.Unmarshal(frame, &r) != nil || len(r.PostType) > 0 || len(r.Type) > 0 {
		return false
	}
	var echo string
	if json.Unmarshal(r.Echo, &echo) != nil || !strings.HasPrefix(echo, c.prefix) {
		return false
	}
	c.mu.Lock()
	ch := c.pending[echo]
	delete(c.pending, echo)
	c.mu.Unlock()
	if ch != nil {
		ch <- frame // buffered: never blocks
	}
	return true
}

// Call sends the frame build makes with a fresh echo (a JSON string the frame must carry as its
// "echo") over the attached link and returns the reply frame as it came. action names the call
// in errors.
func (c *Calls) Call(ctx context.Context, action string, build func(echo string) ([]byte, error)) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	parent := ctx // the caller's: when it ends first, the wait was the caller's, not ours
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	echo := c.prefix + strconv.FormatUint(c.next.Add(1), 10)
	frame, err := build(echo)
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "the params of %s cannot be encoded as JSON: %v", action, err)
	}
	reply := make(chan []byte, 1)
	c.mu.Lock()
	s, reason, dropped := c.link, c.reason, c.dropped
	if s != nil {
		c.pending[echo] = reply
	}
	c.mu.Unlock()
	if s == nil {
		return nil, core.Errorf(core.CodeBackendDown, "the WebSocket link to the backend is down (%s)", reason)
	}
	defer func() {
		c.mu.Lock()
		delete(c.pending, echo)
		c.mu.Unlock()
	}()
	if err := s.Send(ctx, frame); err != nil {
		if ctx.Err() != nil {
			return nil, c.timeoutError(parent, action, false)
		}
		return nil, core.Errorf(core.CodeBackendDown, "the WebSocket link to the backend is down (%s)", c.downReason(err))
	}
	select {
	case r := <-reply:
		return r, nil
	case <-dropped:
		return nil, core.Errorf(core.CodeBackendDown,
			"the WebSocket link dropped before %s was answered (%s): the action may or may not have run", action, c.downReason(nil))
	case <-ctx.Done():
		return nil, c.timeoutError(parent, action, true)
	}
}

func (c *Calls) downReason(err error) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.reason != "":
		return c.reason
	case err != nil:
		return err.Error()
	}
	return "the link was replaced"
}

// timeoutError says why a call stopped waiting, decided by which context ended: the caller's
// (cancelled, or its own deadline came first) or the call's own timeout. Elapsed time cannot
// tell them apart: under load, building the frame and taking the lock eat into the timeout.
func (c *Calls) timeoutError(parent context.Context, action string, sent bool) error {
	switch err := parent.Err(); {
	case errors.Is(err, context.Canceled):
		return core.Errorf(core.CodeBackendTimeout, "the call was cancelled before the backend answered %s", action)
	case err != nil:
		return core.Errorf(core.CodeBackendTimeout, "the backend did not answer %s before the call's deadline", action)
	case !sent:
		return core.Errorf(core.CodeBackendTimeout, "%s could not be sent within %s: the WebSocket link is not keeping up", action, c.timeout)
	}
	return core.Errorf(core.CodeBackendTimeout, "the backend did not answer %s within %s over the WebSocket", action, c.timeout)
}
