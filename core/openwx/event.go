package openwx

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Openwx report kinds (post_type).
const (
	PostReceive = "receive_message"
	PostSend    = "send_message"
	PostEvent   = "event"
)

// contactNotices maps Openwx's contact events to UCBI notices; others become "*name".
var contactNotices = map[string]string{
	"new_friend":        "add_contact",
	"lose_friend":       "lose_contact",
	"new_group":         "join_group",
	"lose_group":        "leave_group",
	"new_group_member":  "add_group_member",
	"lose_group_member": "lose_group_member",
}

// Decode is the core.EventDecoder of Openwx: one report, as POSTed to post_api or as one item of
// check_event's array, becomes a UCBI event.
//
//   - receive_message / send_message: friend_message → a private message, group_message → a group
//     message (context user_tid / group_tid; sender_tid, sender and sender_name, group_tid and
//     group_name); the bot's own messages (send_message, or class "send") are marked "*sent" and
//     their context names the receiver, so that replying to them goes to the same chat.
//     group_notice and other message types become "*type" notices with the content.
//   - event: new_friend / lose_friend / new_group / lose_group / new_group_member /
//     lose_group_member → add_contact / lose_contact / join_group / leave_group /
//     add_group_member / lose_group_member; any other event → the notice "*name". Its params are
//     kept as "*params".
//
// Kind is "post_type.type" ("receive_message.group_message", "event.new_friend"). Time is the
// report's time (a string of seconds), or now when it has none (Openwx's events carry none).
func Decode(src core.Source, raw []byte) (*core.StoredEvent, error) {
	r, err := adapterkit.DecodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("an Openwx report must be a JSON object: %v", err)
	}
	post := adapterkit.Str(r, "post_type")
	typ := adapterkit.Str(r, "type")
	if post == "" && strings.HasSuffix(typ, "_message") {
		// A report without post_type (older Openwx): class tells who sent it.
		post = PostReceive
		if adapterkit.Str(r, "class") == "send" {
			post = PostSend
		}
	}
	ev := core.Event{Time: time.Now().Unix()}
	if t, ok := r["time"]; ok {
		b, _ := json.Marshal(t)
		if secs, ok := adapterkit.Seconds(b); ok {
			ev.Time = secs
		}
	}
	ctx := src.ContextOf()
	ctx.Platform = Platform
	ctx.Via = Via
	out := &core.StoredEvent{Source: src.ID, Via: Via, Raw: append(json.RawMessage(nil), raw...)}
	switch post {
	case PostReceive, PostSend:
		if typ == "" {
			return nil, fmt.Errorf("the %s report has no type", post)
		}
		out.Kind = post + "." + typ
		err = decodeMessage(r, post, typ, ctx, &ev)
	case PostEvent:
		name := adapterkit.Str(r, "event")
		if name == "" {
			return nil, fmt.Errorf("the event report has no event name")
		}
		out.Kind = post + "." + name
		err = decodeContactEvent(r, name, ctx, &ev)
	case "":
		return nil, fmt.Errorf("the report has no post_type (receive_message, send_message or event)")
	default:
		return nil, fmt.Errorf("unknown post_type %q (Openwx reports receive_message, send_message and event)", adapterkit.Short(post))
	}
	if err != nil {
		return nil, err
	}
	out.Event = ev
	return out, nil
}

func decodeMessage(r map[string]any, post, typ string, ctx core.Context, ev *core.Event) error {
	sent := post == PostSend || adapterkit.Str(r, "class") == "send"
	s := func(k string) string { return adapterkit.Str(r, k) }
	var d core.MessageEventData
	switch typ {
	case "friend_message":
		d.Type = core.TypePrivate
		ctx.Type = core.TypePrivate
		ctx.UserTID = core.ID(s("sender_id"))
		if sent {
			ctx.UserTID = core.ID(s("receiver_id"))
		}
		if ctx.UserTID == "" {
			return fmt.Errorf("the friend_message report names no %s", map[bool]string{true: "receiver_id", false: "sender_id"}[sent])
		}
	case "group_message":
		d.Type = core.TypeGroup
		ctx.Type = core.TypeGroup
		ctx.GroupTID = core.ID(s("group_id"))
		if ctx.GroupTID == "" {
			return fmt.Errorf("the group_message report has no group_id")
		}
		d.GroupTID, d.GroupName = ctx.GroupTID, s("group")
		d.SenderRole = "unknown" // Openwx does not say who is the group's owner or an admin
	default:
		// group_notice (a system line in a group: who joined, who was renamed…) and anything newer.
		n := core.NoticeEventData{Notice: "*" + typ, Content: s("content"), GroupTID: core.ID(s("group_id"))}
		if n.GroupTID != "" {
			ctx.Type, ctx.GroupTID = core.TypeGroup, n.GroupTID
		}
		ev.Type = core.EventNotice
		ev.Context = &ctx
		data, err := adapterkit.Flat(n, map[string]any{"*group_name": nonEmpty(s("group")), "*message_id": nonEmpty(s("id"))})
		ev.Data = data
		return err
	}
	d.SenderTID = core.ID(s("sender_id"))
	d.Sender = s("sender")
	d.SenderName = firstNonEmpty(s("sender_name"), s("sender"))
	d.SenderMarkname = s("sender_markname")
	d.MessageID = core.ID(s("id"))
	d.Sent = sent
	d.Message = messageOf(r)
	ev.Type = core.EventMessage
	ev.Context = &ctx
	data, err := adapterkit.Flat(d, map[string]any{
		"*sender_account": nonEmpty(s("sender_account")),
		"*receiver":       nonEmpty(s("receiver")),
		"*receiver_tid":   nonEmpty(s("receiver_id")),
	})
	ev.Data = data
	return err
}

// messageOf is the UCBI message of a report: its content as text, or the one media file it
// carries (format "media"), a link (format "app") or a contact card (format "card").
func messageOf(r map[string]any) core.Message {
	s := func(k string) string { return adapterkit.Str(r, k) }
	switch s("format") {
	case "media":
		kind, text := "file", "[文件]"
		switch s("media_type") {
		case "image":
			kind, text = "image", "[图片]"
		case "emoticon":
			kind, text = "image", "[表情]"
		case "voice":
			kind, text = "audio", "[语音]"
		case "video", "microvideo":
			kind, text = "video", "[视频]"
		}
		d := map[string]any{}
		if p := s("media_path"); p != "" {
			if l := strings.ToLower(p); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
				d["url"] = p
			} else {
				d["path"] = p
			}
		}
		if id := s("media_id"); id != "" {
			d["media_id"] = id
		}
		for _, k := range []string{"media_type", "media_mime", "media_name", "media_size", "media_ext"} {
			if v := s(k); v != "" {
				d["*"+k] = v
			}
		}
		return core.Message{{Type: kind, Text: text, Data: d}}
	case "app":
		d := map[string]any{"url": s("app_url")}
		if t := s("app_title"); t != "" {
			d["title"] = t
		}
		if c := s("app_desc"); c != "" {
			d["content"] = c
		}
		return core.Message{{Type: "link", Text: "[链接:" + firstNonEmpty(s("app_title"), s("app_url")) + "]", Data: d}}
	case "card":
		d := map[string]any{"user_tid": s("card_id")}
		if n := s("card_name"); n != "" {
			d["user_name"] = n
		}
		return core.Message{{Type: "contact", Text: "[名片]", Data: d}}
	}
	return core.Message{{Type: "text", Text: s("content")}}
}

func decodeContactEvent(r map[string]any, name string, ctx core.Context, ev *core.Event) error {
	params, _ := r["params"].([]any)
	obj := func(i int) map[string]any {
		if i < len(params) {
			m, _ := params[i].(map[string]any)
			return m
		}
		return nil
	}
	n := core.NoticeEventData{Notice: contactNotices[name]}
	if n.Notice == "" {
		n.Notice = "*" + name
	}
	first := obj(0)
	switch name {
	case "new_friend", "lose_friend":
		n.UserTID = core.ID(adapterkit.Str(first, "id"))
	case "new_group", "lose_group":
		n.GroupTID = core.ID(adapterkit.Str(first, "id"))
	case "new_group_member", "lose_group_member":
		n.UserTID = core.ID(adapterkit.Str(first, "id"))
		n.GroupTID = core.ID(firstNonEmpty(adapterkit.Str(obj(1), "id"), adapterkit.Str(first, "group_id")))
	}
	if first != nil {
		n.Content = firstNonEmpty(adapterkit.Str(first, "displayname"), adapterkit.Str(first, "name"))
	}
	switch {
	case n.GroupTID != "":
		ctx.Type, ctx.GroupTID = core.TypeGroup, n.GroupTID
	case n.UserTID != "":
		ctx.Type, ctx.UserTID = core.TypePrivate, n.UserTID
	}
	ev.Type = core.EventNotice
	ev.Context = &ctx
	var extra map[string]any
	if p, ok := r["params"]; ok {
		extra = map[string]any{"*params": p}
	}
	data, err := adapterkit.Flat(n, extra)
	ev.Data = data
	return err
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
