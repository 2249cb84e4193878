package hub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"ucbi-console/core"
	"ucbi-console/core/link"
	"ucbi-console/core/onebot"
)

// runPost feeds an http-post bot: the source's events are POSTed to the bot's URL one at a
// time, in order, and a quick operation in the bot's answer is carried out. The bot's own
// bounded queue absorbs bursts; past it events are dropped (and counted) rather than held,
// since an open layer does not wait for its bots either.
func (h *Hub) runPost(e *botEntry) {
	ctx := e.ctx
	bo := link.Backoff{Min: h.opts.ReconnectMin, Max: h.opts.ReconnectMax}
	for ctx.Err() == nil {
		if err := h.postEvents(ctx, e); err != nil && ctx.Err() == nil {
			e.fail(err)
		}
		if !bo.Wait(ctx) {
			return
		}
	}
}

// postEvents follows the source's events until the feed ends or ctx does.
func (h *Hub) postEvents(ctx context.Context, e *botEntry) error {
	src, err := h.source(e.cfg.Source)
	if err != nil {
		return fmt.Errorf("the bot's message source is not available: %v", core.AsError(err).Message)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The bot's own bounded queue, filled on the feed's goroutine without waiting: past it,
	// events are dropped and counted.
	queue := make(chan []byte, h.opts.QueueSize)
	ended, err := h.opts.Feed.Follow(sctx, src.ID, func(ev core.StoredEvent) bool {
		if !forBots(&ev) {
			return true
		}
		h.learnSelfID(src.ID, ev.Raw)
		select {
		case queue <- ev.Raw:
		default:
			n := e.drops.Add(1)
			e.fail(fmt.Errorf("dropped %d events in all: the bot answers slower than events arrive (%d waiting)", n, cap(queue)))
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("cannot follow the events of source %q: %v", src.ID, err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case raw := <-queue:
			h.postOne(ctx, e, src, raw)
		case <-ended:
			// What was queued before the end is still posted, in order (deliver is not called
			// after the end, so the queue only shrinks).
			for len(queue) > 0 && ctx.Err() == nil {
				h.postOne(ctx, e, src, <-queue)
			}
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("the events of source %q ended; following them again", src.ID)
		}
	}
}

// Signature is the X-Signature of a body posted with a secret: "sha1=" + hex HMAC-SHA1.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}

// postOne POSTs one raw event and carries out the quick operation the bot answers with.
func (h *Hub) postOne(ctx context.Context, e *botEntry, src core.Source, raw []byte) {
	pctx, cancel := context.WithTimeout(ctx, h.opts.PostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, e.cfg.URL, bytes.NewReader(raw))
	if err != nil {
		e.fail(fmt.Errorf("the bot's url %q is not usable: %v", shownURL(e.cfg.URL), err))
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	selfID := rawSelfID(raw)
	if selfID == "" {
		selfID = h.selfID(src)
	}
	if selfID != "" {
		req.Header.Set("X-Self-ID", selfID)
	}
	if e.cfg.Secret != "" {
		req.Header.Set("X-Signature", Signature(e.cfg.Secret, raw))
	}
	resp, err := h.postClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query and all
		}
		e.fail(fmt.Errorf("posting an event to %s failed: %v", shownURL(e.cfg.URL), err))
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, core.MaxBodyBytes+1))
	resp.Body.Close()
	e.sent(1)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		where := "no Location"
		if loc, lerr := resp.Location(); lerr == nil {
			where = shownURL(loc.String())
		}
		e.fail(fmt.Errorf("the bot redirected to %s (HTTP %d); configure the final URL", where, resp.StatusCode))
		return
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		e.fail(fmt.Errorf("the bot answered an event with HTTP %d", resp.StatusCode))
		return
	case err != nil:
		e.fail(fmt.Errorf("reading the bot's answer failed: %v", err))
		return
	case len(body) > core.MaxBodyBytes:
		e.fail(fmt.Errorf("the bot's answer is larger than %d bytes; its quick operation was not carried out", core.MaxBodyBytes))
		return
	}
	body = bytes.TrimSpace(body)
	if resp.StatusCode == http.StatusNoContent || len(body) == 0 || isNull(body) {
		return
	}
	calls, err := QuickActions(raw, body)
	if err != nil {
		e.fail(err)
		return
	}
	for _, c := range calls {
		h.call(e, src.ID, OriginOneBotPost, c.Action, c.Params, nil)
	}
}

// QuickCall is one OneBot 11 action a quick operation turns into.
type QuickCall struct {
	Action string
	Params json.RawMessage
}

// eventHead is what a quick operation needs of the event it answers; ids stay raw JSON so a
// 64-bit id is passed on exactly.
type eventHead struct {
	PostType    string          `json:"post_type"`
	MessageType string          `json:"message_type"`
	RequestType string          `json:"request_type"`
	SubType     string          `json:"sub_type"`
	UserID      json.RawMessage `json:"user_id"`
	GroupID     json.RawMessage `json:"group_id"`
	DiscussID   json.RawMessage `json:"discuss_id"`
	MessageID   json.RawMessage `json:"message_id"`
	Message     json.RawMessage `json:"message"`
	Anonymous   json.RawMessage `json:"anonymous"`
	Flag        json.RawMessage `json:"flag"`
}

// quickOperation is a bot's answer to an event (OneBot 11 "快速操作").
type quickOperation struct {
	Reply       json.RawMessage `json:"reply"`
	AutoEscape  bool            `json:"auto_escape"`
	AtSender    *bool           `json:"at_sender"` // default true
	Delete      bool            `json:"delete"`
	Kick        bool            `json:"kick"`
	Ban         bool            `json:"ban"`
	BanDuration *int64          `json:"ban_duration"` // seconds, default 30 min
	Approve     *bool           `json:"approve"`
	Remark      json.RawMessage `json:"remark"`
	Reason      json.RawMessage `json:"reason"`
}

const defaultBanSeconds = 30 * 60

// QuickActions turns a bot's quick operation on an event into the actions that carry it out,
// in the order go-cqhttp and NapCat do them: reply, delete, kick, ban; or the request's answer.
// Fields that do not apply to the event are ignored, as the open layers do; an answer that is
// not a JSON object is an error.
func QuickActions(event, answer []byte) ([]QuickCall, error) {
	var op quickOperation
	if trimmed := bytes.TrimSpace(answer); len(trimmed) == 0 || trimmed[0] != '{' { // a blank answer must not panic
		return nil, errors.New("the bot's answer to an event is not a JSON object (a quick operation)")
	}
	if err := json.Unmarshal(answer, &op); err != nil {
		return nil, fmt.Errorf("the bot's quick operation is not valid: %v", err)
	}
	var ev eventHead
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("the event answered is not valid JSON: %v", err)
	}
	for _, id := range []*json.RawMessage{&ev.UserID, &ev.GroupID, &ev.DiscussID, &ev.MessageID, &ev.Flag} {
		*id = nullIfEmpty(*id) // a missing id goes to the backend as null and fails there, in history
	}
	var calls []QuickCall
	add := func(action string, params map[string]any) error {
		b, err := marshalNoHTML(params)
		if err != nil {
			return fmt.Errorf("%s: %v", action, err)
		}
		calls = append(calls, QuickCall{Action: action, Params: b})
		return nil
	}
	switch ev.PostType {
	case "message":
		group := ev.MessageType == "group"
		anonymous := len(ev.Anonymous) > 0 && !isNull(ev.Anonymous)
		if len(op.Reply) > 0 && !isNull(op.Reply) {
			atSender := ev.MessageType != "private" && !anonymous && (op.AtSender == nil || *op.AtSender)
			msg, escape, err := replyMessage(op.Reply, op.AutoEscape, atSender, jsonScalar(ev.UserID), isJSONString(ev.Message))
			if err != nil {
				return nil, err
			}
			p := map[string]any{"message_type": ev.MessageType, "message": msg}
			switch ev.MessageType {
			case "group":
				p["group_id"] = ev.GroupID
			case "discuss":
				p["discuss_id"] = ev.DiscussID
			default:
				p["user_id"] = ev.UserID
			}
			if escape {
				p["auto_escape"] = true
			}
			if err := add("send_msg", p); err != nil {
				return nil, err
			}
		}
		if !group {
			break
		}
		if op.Delete {
			_ = add("delete_msg", map[string]any{"message_id": ev.MessageID})
		}
		if op.Kick && !anonymous {
			_ = add("set_group_kick", map[string]any{"group_id": ev.GroupID, "user_id": ev.UserID})
		}
		if op.Ban {
			d := int64(defaultBanSeconds)
			if op.BanDuration != nil {
				d = *op.BanDuration
			}
			if anonymous {
				var anon struct {
					Flag json.RawMessage `json:"flag"`
				}
				_ = json.Unmarshal(ev.Anonymous, &anon)
				_ = add("set_group_anonymous_ban", map[string]any{"group_id": ev.GroupID, "anonymous_flag": nullIfEmpty(anon.Flag), "duration": d})
			} else {
				_ = add("set_group_ban", map[string]any{"group_id": ev.GroupID, "user_id": ev.UserID, "duration": d})
			}
		}
	case "request":
		if op.Approve == nil {
			break
		}
		switch ev.RequestType {
		case "friend":
			p := map[string]any{"flag": ev.Flag, "approve": *op.Approve}
			if len(op.Remark) > 0 {
				p["remark"] = op.Remark
			}
			_ = add("set_friend_add_request", p)
		case "group":
			p := map[string]any{"flag": ev.Flag, "sub_type": ev.SubType, "approve": *op.Approve}
			if len(op.Reason) > 0 {
				p["reason"] = op.Reason
			}
			_ = add("set_group_add_request", p)
		}
	}
	return calls, nil
}

func isJSONString(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '"'
}

// replyMessage is the message of a quick reply, with the sender @-ed when asked: as a CQ code
// in a string reply, as a segment in a segment reply. A string reply to be sent as plain text
// (auto_escape) keeps to the event's format: escaped CQ text for a CQ-string event, segments
// for a segment event. escape says whether auto_escape must still be passed on.
func replyMessage(reply json.RawMessage, autoEscape, atSender bool, userID string, eventIsString bool) (msg json.RawMessage, escape bool, err error) {
	reply = bytes.TrimSpace(reply)
	atSeg := map[string]any{"type": "at", "data": map[string]string{"qq": userID}}
	space := map[string]any{"type": "text", "data": map[string]string{"text": " "}}
	switch reply[0] {
	case '"':
		if !atSender {
			return reply, autoEscape, nil
		}
		var s string
		if err := json.Unmarshal(reply, &s); err != nil {
			return nil, false, fmt.Errorf("the quick reply is not a valid string: %v", err)
		}
		at := "[CQ:at,qq=" + onebot.EscapeCQ(userID, true) + "] "
		switch {
		case !autoEscape:
			b, err := marshalNoHTML(at + s)
			return b, false, err
		case eventIsString:
			b, err := marshalNoHTML(at + onebot.EscapeCQ(s, false))
			return b, false, err
		default:
			b, err := marshalNoHTML([]any{atSeg, map[string]any{"type": "text", "data": map[string]string{"text": " " + s}}})
			return b, false, err
		}
	case '{', '[':
		if !atSender {
			return reply, false, nil
		}
		var segs []json.RawMessage
		if reply[0] == '{' {
			segs = []json.RawMessage{reply}
		} else if err := json.Unmarshal(reply, &segs); err != nil {
			return nil, false, fmt.Errorf("the quick reply is not a valid segment array: %v", err)
		}
		all := []any{atSeg, space}
		for _, s := range segs {
			all = append(all, s)
		}
		b, err := marshalNoHTML(all)
		return b, false, err
	}
	return nil, false, errors.New("the quick reply must be a string, a segment or an array of segments")
}

// marshalNoHTML marshals without turning <, > and & into \u escapes (a reply's text stays as
// the bot wrote it).
func marshalNoHTML(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
