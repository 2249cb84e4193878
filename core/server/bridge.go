package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"ucbi-console/core"
	"ucbi-console/core/events"
	"ucbi-console/core/onebot"
)

// feed is the hub's event feed: a subscription to the intake per bot connection, from now on,
// picked up again from its cursor when it falls behind (a slow bot is the hub's to handle).
type feed struct {
	in  *events.Intake
	seq atomic.Uint64
}

// feedBuffer is the hand-over between a subscription and the hub, which reads promptly.
const feedBuffer = 64

func (f *feed) Subscribe(ctx context.Context, sourceID string) (<-chan core.StoredEvent, error) {
	after := f.in.LastID() // now, before the caller goes on: nothing newer is missed
	name := fmt.Sprintf("hub %s #%d", sourceID, f.seq.Add(1))
	out := make(chan core.StoredEvent, feedBuffer)
	go func() {
		defer close(out)
		for {
			sub := f.in.Subscribe(name, events.SubscribeOptions{After: after, Source: sourceID})
			err := pump(ctx, sub, out)
			sub.Close()
			var dropped *events.DroppedError
			if !errors.As(err, &dropped) {
				return
			}
			after = dropped.Cursor // caught up again from the log
		}
	}()
	return out, nil
}

// pump moves a subscription's events to out until it ends.
func pump(ctx context.Context, sub *events.Subscription, out chan<- core.StoredEvent) error {
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			return err
		}
		select {
		case out <- ev:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// actions runs the hub's bots' actions through the dispatcher's one path for open-layer
// actions: parameters checked as the OneBot 11 proxy checks them (a refused call has its row
// too), then forwarded once, the row written before the reply.
type actions struct{ d *core.Dispatcher }

func (a actions) Forward(ctx context.Context, origin, sourceID, action string, params json.RawMessage) ([]byte, error) {
	if len(bytes.TrimSpace(params)) == 0 || bytes.Equal(bytes.TrimSpace(params), []byte("null")) {
		params = json.RawMessage("{}")
	}
	if e := core.CheckJSON(params); e != nil {
		e = a.d.Refuse(origin, sourceID, action, params, e)
		return onebot.FailedReply(e, nil, nil), e
	}
	target, message, perr := onebot.CheckParams(params)
	if perr != nil {
		e := a.d.Refuse(origin, sourceID, action, params, perr)
		return onebot.FailedReply(e, nil, nil), e
	}
	call := core.RawCall{Origin: origin, SourceID: sourceID, Action: action, Params: params, Target: target, Message: message}
	if strings.HasSuffix(action, "_async") {
		call.Backend = strings.TrimSuffix(action, "_async")
		a.d.ForwardLater(call)
		return onebot.AsyncReply(nil), nil
	}
	rep, err := a.d.Forward(ctx, call)
	if err != nil && (rep.Body == nil || rep.Err.Code == core.CodeInternal) {
		return onebot.FailedReply(rep.Err, nil, rep.Data), rep.Err
	}
	return rep.Body, nil
}

// replier sends a POST consumer's {"reply": message} to the event's context: send_message
// through the dispatcher, so it is checked like any UCBI call and recorded in history.
type replier struct{ d *core.Dispatcher }

func (r replier) Reply(ctx context.Context, to core.Context, message json.RawMessage) error {
	c := to
	_, _, err := r.d.Run(ctx, core.OriginUCBI, core.Request{Action: "send_message", Context: &c,
		Params: map[string]json.RawMessage{"message": message}})
	return err
}
