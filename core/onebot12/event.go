package onebot12

import (
	"encoding/json"
	"fmt"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// standard fields of an event: everything else is kept '*'-prefixed in the UCBI data.
var eventFields = map[string]bool{"id": true, "time": true, "type": true, "detail_type": true, "sub_type": true, "self": true}

// Decode is the core.EventDecoder of OneBot 12: one event (a webhook body, a WebSocket frame, an
// item of get_latest_events) becomes a UCBI event.
//
//   - Kind is "type.detail_type" ("message.group", "notice.friend_increase", "meta.heartbeat").
//   - time (float seconds) becomes whole seconds; the event's id is kept as "*event_id".
//   - The context's platform is self.platform (the source's platform when the event has no self),
//     its extra names the source; private → user_id, group → group_id, channel → a discuss with
//     id "guild_id/channel_id". A context taken from a message event replies unchanged.
//   - message events: the segments (FromOneBot12), sender_id, "*message_id", "*alt_message";
//     a message whose user_id is the self's is marked "*sent".
//   - notice: friend_increase / friend_decrease → add_contact / lose_contact;
//     group_member_increase / _decrease → join_group / leave_group when the member is the self,
//     else add_group_member / lose_group_member; any other → "*detail_type".
//   - request events (not unified by UCBI) → the notice "*request.detail_type".
//   - meta: connect → message_source_up (with "*version"); status_update → message_source_up or
//     _down as status.good and the self's bot say; heartbeat → "*heartbeat" (with "*interval");
//     others → "*detail_type". Meta events have no context.
//
// sub_type and the event's other fields are kept '*'-prefixed.
func Decode(src core.Source, raw []byte) (*core.StoredEvent, error) {
	r, err := adapterkit.DecodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("a OneBot 12 event must be a JSON object: %v", err)
	}
	typ, detail := adapterkit.Str(r, "type"), adapterkit.Str(r, "detail_type")
	if typ == "" || detail == "" {
		return nil, fmt.Errorf("the event has no type and detail_type (is it an action response?)")
	}
	tb, _ := json.Marshal(r["time"])
	secs, ok := adapterkit.Seconds(tb)
	if !ok {
		return nil, fmt.Errorf("the event's time is not a number of seconds: %s", adapterkit.Snippet(tb))
	}
	self, _ := r["self"].(map[string]any)
	selfID := adapterkit.IDString(self["user_id"])
	ctx := src.ContextOf()
	ctx.Via = Via
	if p := adapterkit.Str(self, "platform"); p != "" {
		ctx.Platform = p
	}
	extra := map[string]any{"*event_id": nonEmpty(adapterkit.Str(r, "id")), "*sub_type": nonEmpty(adapterkit.Str(r, "sub_type"))}
	for k, v := range r {
		if !eventFields[k] {
			extra["*"+k] = v
		}
	}
	if self != nil {
		extra["*self"] = self
	}
	ev := core.Event{Time: secs}
	id := func(k string) core.ID { return core.ID(adapterkit.IDString(r[k])) }
	setTarget := func() {
		switch {
		case id("guild_id") != "" && id("channel_id") != "":
			ctx.Type, ctx.DiscussID = core.TypeDiscuss, id("guild_id")+"/"+id("channel_id")
		case id("group_id") != "":
			ctx.Type, ctx.GroupID = core.TypeGroup, id("group_id")
		case id("user_id") != "":
			ctx.Type, ctx.UserID = core.TypePrivate, id("user_id")
		}
	}
	var data any
	switch typ {
	case "message":
		d := core.MessageEventData{SenderID: id("user_id"), MessageID: id("message_id")}
		switch detail {
		case "private":
			d.Type = core.TypePrivate
		case "group":
			d.Type, d.GroupID = core.TypeGroup, id("group_id")
		case "channel":
			d.Type = core.TypeDiscuss
		default:
			return nil, fmt.Errorf("unknown message detail_type %q", adapterkit.Short(detail))
		}
		var segs []Segment
		if b, err := json.Marshal(r["message"]); err == nil {
			_ = json.Unmarshal(b, &segs)
		}
		if len(segs) == 0 {
			if alt := adapterkit.Str(r, "alt_message"); alt != "" {
				segs = []Segment{{Type: "text", Data: map[string]any{"text": alt}}}
			}
		}
		d.Message = FromOneBot12(segs)
		d.Sent = selfID != "" && string(d.SenderID) == selfID
		for _, k := range []string{"*user_id", "*group_id", "*message_id", "*message"} {
			delete(extra, k)
		}
		setTarget()
		if d.Type == core.TypeDiscuss {
			d.DiscussID = ctx.DiscussID
		}
		if d.Type != core.TypePrivate && d.Type != core.TypeDiscuss && ctx.GroupID == "" {
			return nil, fmt.Errorf("the group message has no group_id")
		}
		if d.Type == core.TypePrivate {
			ctx.Type, ctx.GroupID, ctx.DiscussID, ctx.UserID = core.TypePrivate, "", "", d.SenderID
		}
		ev.Type, ev.Context, data = core.EventMessage, &ctx, d
	case "notice", "request":
		n := core.NoticeEventData{UserID: id("user_id"), GroupID: id("group_id")}
		member := string(n.UserID) != "" && string(n.UserID) == selfID
		switch {
		case typ == "request":
			n.Notice = "*request." + detail
		case detail == "friend_increase":
			n.Notice = "add_contact"
		case detail == "friend_decrease":
			n.Notice = "lose_contact"
		case detail == "group_member_increase" && member:
			n.Notice = "join_group"
		case detail == "group_member_increase":
			n.Notice = "add_group_member"
		case detail == "group_member_decrease" && member:
			n.Notice = "leave_group"
		case detail == "group_member_decrease":
			n.Notice = "lose_group_member"
		default:
			n.Notice = "*" + detail
		}
		delete(extra, "*user_id")
		delete(extra, "*group_id")
		setTarget()
		ev.Type, ev.Context, data = core.EventNotice, &ctx, n
	case "meta":
		m := core.MetaEventData{MetaEvent: "*" + detail, Platform: ctx.Platform, Via: Via, Extra: ctx.Extra}
		switch detail {
		case "connect":
			m.MetaEvent = core.MetaSourceUp
		case "status_update":
			m.MetaEvent, m.Reason = statusOf(r["status"], src)
		}
		ev.Type, data = core.EventMeta, m
	default:
		return nil, fmt.Errorf("unknown event type %q (OneBot 12 has meta, message, notice and request)", adapterkit.Short(typ))
	}
	b, err := adapterkit.Flat(data, extra)
	if err != nil {
		return nil, err
	}
	ev.Data = b
	return &core.StoredEvent{Source: src.ID, Via: Via, Kind: typ + "." + detail, Event: ev,
		Raw: append(json.RawMessage(nil), raw...)}, nil
}

// statusOf reads a status_update: down when the implementation is not good, or when the source's
// account (its SelfID; any account when it has none) is listed offline.
func statusOf(v any, src core.Source) (string, string) {
	st, _ := v.(map[string]any)
	if good, ok := st["good"].(bool); ok && !good {
		return core.MetaSourceDown, "the implementation reports it is not good"
	}
	bots, _ := st["bots"].([]any)
	for _, b := range bots {
		bot, _ := b.(map[string]any)
		self, _ := bot["self"].(map[string]any)
		if src.SelfID != "" && adapterkit.IDString(self["user_id"]) != src.SelfID {
			continue
		}
		if online, ok := bot["online"].(bool); ok && !online {
			return core.MetaSourceDown, "the account is offline"
		}
	}
	return core.MetaSourceUp, ""
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
