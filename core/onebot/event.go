package onebot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"ucbi-console/core"
)

// Bounds on one incoming event: a bigger or deeper one is refused, whole.
const (
	MaxEventBytes = 1 << 20
	MaxEventDepth = 64
)

var _ core.EventDecoder = DecodeEvent

// DecodeEvent turns one OneBot 11 event, exactly as the open layer sent it (HTTP POST body,
// WebSocket frame or SSE data), into the event to store: the UCBI form, the kind and the raw JSON.
// The error names what is wrong with the input; it never panics.
//
// Mapping (post_type → UCBI):
//
//	message, message_sent  → message {type, message, sender_*, group_*, *message_id}; message_sent
//	                         is marked "*sent" and its context names the peer (target_id)
//	notice group_increase  → add_group_member (join_group when the bot itself joined)
//	notice group_decrease  → lose_group_member (leave_group when the bot itself left or was kicked)
//	notice friend_add      → add_contact
//	other notices          → "*" + notice_type, their own fields kept "*"-prefixed
//	request                → notice "*request" with *request_type, *sub_type, *comment, *flag
//	meta_event lifecycle   → enable: meta_event message_source_up; disable: message_source_down
//	meta_event (the rest)  → kind only: see below
//
// Kind is the open layer's own name: "message.group", "message_sent.private",
// "notice.group_increase", "notice.notify.poke", "request.friend", "meta_event.heartbeat".
//
// Heartbeats, a WebSocket's lifecycle "connect" and unknown meta events are not UCBI events: they
// say the link is alive, which the link itself reports (message_source_up / _down when it
// connects, drops or goes silent). They come back with Kind and Raw set and an empty Event.Type;
// the intake counts them as traffic and neither stores nor delivers them (see IsLinkSignal).
//
// Every message, notice and request event has a context naming the source (platform, via,
// extra.config_id = the source's id), its type and ids (each id also as its tid): passed back
// unchanged as a send's context, it reaches the same chat. Message segments are mapped back as
// FromOneBot does, and also: music → rich {url, description}, and media without a URL keep the
// open layer's file name as media_id. A message in the CQ-code string form is parsed.
//
// time stays whole seconds (a millisecond timestamp is turned into seconds).
func DecodeEvent(src core.Source, raw []byte) (*core.StoredEvent, error) {
	if len(raw) > MaxEventBytes || !core.ValidJSON(raw, MaxEventDepth) {
		// Only bad input gets here: say what is wrong with it.
		if err := checkEventBytes(raw); err != nil {
			return nil, err
		}
		return nil, notAnObject(raw)
	}
	// The fields are slices of the event's own copy (ev.Raw), so what keeps one keeps nothing
	// of the caller's buffer.
	own := append(json.RawMessage(nil), raw...)
	f, ok := objectFieldsOfValid(own, 24)
	if !ok {
		return nil, notAnObject(raw)
	}
	postType, err := f.str("post_type", true)
	if err != nil {
		return nil, err
	}
	t, err := f.time()
	if err != nil {
		return nil, err
	}
	selfID, err := f.id("self_id", false)
	if err != nil {
		return nil, err
	}
	via := src.Via
	if via == "" {
		via = Via
	}
	d := &decoder{src: src, via: via, f: f, selfID: selfID}
	ev := &core.StoredEvent{Source: src.ID, Via: via, Raw: own}
	ev.Event.Time = t
	switch postType {
	case "message", "message_sent":
		err = d.message(ev, postType == "message_sent")
	case "notice":
		err = d.notice(ev)
	case "request":
		err = d.request(ev)
	case "meta_event":
		err = d.meta(ev)
	default:
		return nil, fmt.Errorf("unknown post_type %q (OneBot 11 has message, message_sent, notice, request and meta_event)", short(postType))
	}
	if err != nil {
		return nil, err
	}
	// The encoders grow Data as they append; whoever keeps the event (the store's recent ring,
	// followers' queues, the Inbox) should not keep the spare capacity with it.
	if d := ev.Event.Data; cap(d)-len(d) > len(d)/8 {
		ev.Event.Data = bytes.Clone(d)
	}
	return ev, nil
}

// IsLinkSignal reports whether a decoded event is only a sign of life (a heartbeat, a lifecycle
// "connect"): it has a kind but no UCBI form, and is neither stored nor delivered.
func IsLinkSignal(ev *core.StoredEvent) bool { return ev != nil && ev.Event.Type == "" }

// checkEventBytes refuses what must not be parsed at all: too big, not UTF-8, too deep.
func checkEventBytes(raw []byte) error {
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		return fmt.Errorf("the event is empty")
	case len(raw) > MaxEventBytes:
		return fmt.Errorf("the event is %d bytes, more than the %d allowed", len(raw), MaxEventBytes)
	case !utf8.Valid(raw):
		return fmt.Errorf("the event is not valid UTF-8")
	}
	if core.JSONDepth(raw) > MaxEventDepth {
		return fmt.Errorf("the event is nested more than %d levels deep", MaxEventDepth)
	}
	return nil
}

// jsonErr words a JSON syntax error without Go type names.
func jsonErr(err error) string {
	if e, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%v (at byte %d)", e, e.Offset)
	}
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("it is %s", strings.TrimPrefix(e.Value, "a "))
	}
	return err.Error()
}

// fields are a JSON object's fields in order, their values kept raw (slices of the object). A
// key given twice counts with its last value, as encoding/json has it.
type fields []field

type field struct {
	key []byte // escapes decoded
	val json.RawMessage
}

// objectFieldsOfValid splits a JSON object already known to be valid JSON into its fields in one
// pass; ok is false when it is not an object. The values are slices of b; size is the number of
// fields expected.
func objectFieldsOfValid(b []byte, size int) (fields, bool) {
	f := make(fields, 0, size)
	ok := eachField(b, func(key []byte, escaped bool, value []byte) {
		if escaped {
			key = []byte(fieldKey(key, true))
		}
		f = append(f, field{key: key, val: value})
	})
	return f, ok
}

// notAnObject is the error for an event that objectFields refused, worded as encoding/json
// words it (the slow path: only bad input takes it).
func notAnObject(raw []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("the event is not a JSON object: %v", jsonErr(err))
	}
	return fmt.Errorf("the event is null, not a JSON object")
}

// get is the value of key (the last one when it is given twice).
func (f fields) get(key string) (json.RawMessage, bool) {
	for i := len(f) - 1; i >= 0; i-- {
		if string(f[i].key) == key {
			return f[i].val, true
		}
	}
	return nil, false
}

func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// str reads a string field; a required one must be there and not empty.
func (f fields) str(key string, required bool) (string, error) {
	raw, ok := f.get(key)
	if !ok || !present(raw) {
		if required {
			return "", fmt.Errorf("the event has no %s", key)
		}
		return "", nil
	}
	s, ok := rawString(bytes.TrimSpace(raw))
	if !ok {
		return "", fmt.Errorf("%s must be a string, not %s", key, core.JSONKind(raw))
	}
	if required && strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("the event's %s is empty", key)
	}
	return s, nil
}

// id reads an id field: a whole number or a string (0 and "" count as absent).
func (f fields) id(key string, required bool) (core.ID, error) {
	raw, ok := f.get(key)
	var id core.ID
	if ok && present(raw) {
		if n, ok := wholeNumber(raw); ok {
			id = core.ID(n)
		} else if err := id.UnmarshalJSON(raw); err != nil {
			return "", fmt.Errorf("%s: %v", key, err)
		}
	}
	if id == "0" {
		id = ""
	}
	if required && id == "" {
		return "", fmt.Errorf("the event has no %s", key)
	}
	return id, nil
}

// time reads time: whole seconds (a millisecond timestamp is divided down).
func (f fields) time() (int64, error) {
	raw, ok := f.get("time")
	if !ok || !present(raw) {
		return 0, fmt.Errorf("the event has no time")
	}
	var n json.Number
	if w, ok := wholeNumber(raw); ok {
		n = json.Number(w)
	} else if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("time must be a number of seconds, not %s", core.JSONKind(raw))
	}
	t, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(n.String(), 64)
		if ferr != nil || fl < 0 || fl > 1e15 {
			return 0, fmt.Errorf("time %s is not a number of seconds", short(n.String()))
		}
		t = int64(fl)
	}
	if t <= 0 {
		return 0, fmt.Errorf("time %d is not a point in time", t)
	}
	if t >= 1e11 { // milliseconds (seconds reach 1e11 in the year 5138)
		t /= 1000
	}
	return t, nil
}

type decoder struct {
	src    core.Source
	via    string
	f      fields
	selfID core.ID
}

func (d *decoder) context() *core.Context {
	c := core.Context{Platform: d.src.Platform, Via: d.via}.WithSource(d.src.ID)
	if c.Platform == "" {
		c.Platform = "qq"
	}
	return &c
}

func (d *decoder) message(ev *core.StoredEvent, sent bool) error {
	mt, err := d.f.str("message_type", true)
	if err != nil {
		return err
	}
	post := "message"
	if sent {
		post = "message_sent"
	}
	ev.Kind = post + "." + mt
	userID, err := d.f.id("user_id", true)
	if err != nil {
		return err
	}
	msgID, err := d.f.id("message_id", false)
	if err != nil {
		return err
	}
	data := core.MessageEventData{Type: mt, SenderID: userID, SenderTID: userID, MessageID: msgID, Sent: sent}
	ctx := d.context()
	switch mt {
	case core.TypePrivate:
		peer := userID
		if sent {
			// NapCat reports the bot's own private message with user_id = the bot and the chat
			// partner in target_id: the context names the chat, so a reply goes there.
			target, err := d.f.id("target_id", false)
			if err != nil {
				return err
			}
			if target != "" {
				peer = target
			}
		}
		ctx.Type, ctx.UserID, ctx.UserTID = core.TypePrivate, peer, peer
	case core.TypeGroup:
		gid, err := d.f.id("group_id", true)
		if err != nil {
			return err
		}
		data.GroupID, data.GroupTID = gid, gid
		if data.GroupName, err = d.f.str("group_name", false); err != nil {
			return err
		}
		ctx.Type, ctx.GroupID, ctx.GroupTID, ctx.UserID, ctx.UserTID = core.TypeGroup, gid, gid, userID, userID
	case core.TypeDiscuss: // CQHTTP before OneBot 11
		did, err := d.f.id("discuss_id", true)
		if err != nil {
			return err
		}
		data.DiscussID, data.DiscussTID = did, did
		ctx.Type, ctx.DiscussID, ctx.DiscussTID, ctx.UserID, ctx.UserTID = core.TypeDiscuss, did, did, userID, userID
	default:
		return fmt.Errorf("unknown message_type %q (OneBot 11 has private and group)", short(mt))
	}
	if err := d.sender(&data); err != nil {
		return err
	}
	raw, ok := d.f.get("message")
	if !ok || !present(raw) {
		return fmt.Errorf("the message event has no message")
	}
	if data.Message, err = eventMessage(raw); err != nil {
		return err
	}
	extra := make(map[string]json.RawMessage, len(messageExtras))
	for _, k := range messageExtras {
		if v, ok := d.f.get(k.name); ok && present(v) {
			extra[k.starred] = v
		}
	}
	ev.Event.Type, ev.Event.Context = core.EventMessage, ctx
	b, err := appendMessageData(make([]byte, 0, 512), &data)
	if err != nil {
		return fmt.Errorf("cannot encode the event: %v", err)
	}
	ev.Event.Data, err = withExtra(b, extra)
	return err
}

// appendMessageData appends data as json.Marshal writes a core.MessageEventData, without
// reflection (it runs for every message event; a test holds it to json.Marshal's bytes).
func appendMessageData(dst []byte, data *core.MessageEventData) ([]byte, error) {
	str := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		dst = append(dst, ',', '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		dst = core.AppendJSONString(dst, v, true)
	}
	dst = append(dst, `{"type":`...)
	dst = core.AppendJSONString(dst, data.Type, true)
	dst = append(dst, `,"message":`...)
	dst, err := appendMessage(dst, data.Message)
	if err != nil {
		return nil, err
	}
	str("sender_id", string(data.SenderID), true)
	str("sender_tid", string(data.SenderTID), true)
	str("sender_name", data.SenderName, true)
	str("sender_markname", data.SenderMarkname, true)
	str("sender", data.Sender, true)
	str("sender_role", data.SenderRole, true)
	str("group_id", string(data.GroupID), true)
	str("group_tid", string(data.GroupTID), true)
	str("group_name", data.GroupName, true)
	str("discuss_id", string(data.DiscussID), true)
	str("discuss_tid", string(data.DiscussTID), true)
	str("discuss_name", data.DiscussName, true)
	str("*message_id", string(data.MessageID), true)
	if data.Sent {
		dst = append(dst, `,"*sent":true`...)
	}
	return append(dst, '}'), nil
}

// appendMessage appends m as json.Marshal writes it; segment data (a map of anything) goes
// through json.Marshal, the rest without reflection.
func appendMessage(dst []byte, m core.Message) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, seg := range m {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = core.AppendJSONString(dst, seg.Type, true)
		dst = append(dst, `,"text":`...)
		dst = core.AppendJSONString(dst, seg.Text, true)
		if len(seg.Data) > 0 {
			b, err := json.Marshal(seg.Data)
			if err != nil {
				return nil, err
			}
			dst = append(dst, `,"data":`...)
			dst = append(dst, b...)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

// messageExtras are the message event's own fields kept "*"-prefixed in its data (the prefixed
// names made once, not per event).
var messageExtras = func() (ks []struct{ name, starred string }) {
	for _, k := range []string{"sub_type", "anonymous", "self_id", "font", "real_id", "message_seq"} {
		ks = append(ks, struct{ name, starred string }{k, "*" + k})
	}
	return ks
}()

// sender fills the sender's names and role: sender_name is the nickname, sender the display
// name (group card, else nickname); an anonymous group message is named by its anonymous name.
func (d *decoder) sender(data *core.MessageEventData) error {
	var s fields
	if raw, ok := d.f.get("sender"); ok && present(raw) {
		if s, ok = objectFieldsOfValid(raw, 6); !ok {
			return fmt.Errorf("sender must be an object, not %s", core.JSONKind(raw))
		}
	}
	nick, err := s.str("nickname", false)
	if err != nil {
		return fmt.Errorf("sender.%v", err)
	}
	card, err := s.str("card", false)
	if err != nil {
		return fmt.Errorf("sender.%v", err)
	}
	role, err := s.str("role", false)
	if err != nil {
		return fmt.Errorf("sender.%v", err)
	}
	if raw, ok := d.f.get("anonymous"); ok && present(raw) {
		anon, ok := objectFieldsOfValid(raw, 4)
		if !ok {
			return fmt.Errorf("anonymous must be an object, not %s", core.JSONKind(raw))
		}
		name, err := anon.str("name", false)
		if err != nil {
			return fmt.Errorf("anonymous.%v", err)
		}
		if name != "" {
			nick, card = name, ""
		}
	}
	data.SenderName = nick
	data.Sender = nick
	if card = strings.TrimSpace(card); card != "" {
		data.Sender = card
	}
	if data.Type != core.TypePrivate {
		switch role {
		case "owner", "admin", "member":
			data.SenderRole = role
		default:
			data.SenderRole = "unknown"
		}
	}
	return nil
}

// eventMessage decodes a message in either form (array of segments, or a CQ-code string) and
// maps it to UCBI. A message with no segment becomes one empty text segment (UCBI messages have
// at least one).
func eventMessage(raw json.RawMessage) (core.Message, error) {
	var segs []Segment
	raw = bytes.TrimSpace(raw)
	switch raw[0] {
	case '"':
		s, ok := rawString(raw)
		if !ok {
			return nil, fmt.Errorf("message: it is not a JSON string")
		}
		segs = ParseCQ(s)
	case '[':
		var err error
		eachElement(raw, func(i int, r []byte) bool {
			seg, serr := decodeEventSegment(r)
			if serr != nil {
				err = fmt.Errorf("message segment %d: %v", i, serr)
				return false
			}
			segs = append(segs, seg)
			return true
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("message must be an array of segments or a CQ-code string, not %s", core.JSONKind(raw))
	}
	if len(segs) == 0 {
		return core.Message{{Type: "text", Text: ""}}, nil
	}
	m := FromOneBot(segs)
	for i, s := range segs {
		m[i] = eventSegment(s, m[i])
	}
	return m, nil
}

// decodeEventSegment decodes one segment of a message already known to be valid JSON. Its data
// values are what encoding/json with UseNumber makes of them (numbers as json.Number).
func decodeEventSegment(raw []byte) (Segment, error) {
	wire, ok := objectFieldsOfValid(raw, 2)
	if !ok {
		return Segment{}, fmt.Errorf("a segment must be an object, not %s", core.JSONKind(raw))
	}
	typ, err := wire.str("type", true)
	if err != nil {
		return Segment{}, fmt.Errorf("%v", strings.Replace(err.Error(), "the event", "the segment", 1))
	}
	seg := Segment{Type: typ, Data: map[string]any{}}
	if r, ok := wire.get("data"); ok && present(r) {
		if r[0] != '{' {
			return Segment{}, fmt.Errorf("data must be an object, not %s", core.JSONKind(r))
		}
		var derr error
		eachField(r, func(key []byte, escaped bool, value []byte) {
			v, err := anyValue(value)
			if err != nil {
				derr = err
				return
			}
			seg.Data[fieldKey(key, escaped)] = v
		})
		if derr != nil {
			return Segment{}, fmt.Errorf("data: %v", jsonErr(derr))
		}
	}
	return seg, nil
}

// anyValue is a valid JSON value as encoding/json decodes it into an `any` with UseNumber;
// strings and scalars without a decoder.
func anyValue(v []byte) (any, error) {
	switch v[0] {
	case '"':
		s, _ := rawString(v)
		return s, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	case '{', '[':
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return nil, err
		}
		return x, nil
	}
	return json.Number(v), nil
}

// eventSegment adjusts FromOneBot's mapping where an event says more than a sent message:
// music is a rich segment, and media carry the open layer's file name as media_id.
func eventSegment(in Segment, out core.Segment) core.Segment {
	switch in.Type {
	case "music":
		d := map[string]any{}
		for k, v := range in.Data {
			d["*"+k] = v
		}
		str := func(k string) string { v, _ := (core.Segment{Data: in.Data}).Str(k); return v }
		d["url"] = str("url")
		desc := str("title")
		if c := str("content"); c != "" {
			desc = strings.TrimSpace(desc + " " + c)
		}
		d["description"] = desc
		return core.Segment{Type: "rich", Text: "[音乐]", Data: d}
	case "image", "record", "video", "file":
		if f, ok := out.Data["*file"]; ok {
			if s, ok := f.(string); ok && s != "" {
				out.Data["media_id"] = s
				delete(out.Data, "*file")
			}
		}
	}
	return out
}

// noticeNames maps the notices UCBI unifies.
var noticeNames = map[string]string{
	"group_increase": "add_group_member",
	"group_decrease": "lose_group_member",
	"friend_add":     "add_contact",
}

func (d *decoder) notice(ev *core.StoredEvent) error {
	nt, err := d.f.str("notice_type", true)
	if err != nil {
		return err
	}
	sub, err := d.f.str("sub_type", false)
	if err != nil {
		return err
	}
	ev.Kind = "notice." + nt
	if nt == "notify" && sub != "" {
		ev.Kind += "." + sub
	}
	name, ok := noticeNames[nt]
	if !ok {
		name = "*" + nt
	}
	data, ctx, err := d.noticeData(name, "notice_type")
	if err != nil {
		return err
	}
	// The bot itself joining or leaving a group is join_group / leave_group in UCBI.
	bot := d.selfID != "" && data.UserID == d.selfID
	switch {
	case nt == "group_increase" && bot:
		data.Notice = "join_group"
	case nt == "group_decrease" && (bot || sub == "kick_me"):
		data.Notice = "leave_group"
	}
	return d.finishNotice(ev, data, ctx)
}

func (d *decoder) request(ev *core.StoredEvent) error {
	rt, err := d.f.str("request_type", true)
	if err != nil {
		return err
	}
	ev.Kind = "request." + rt
	data, ctx, err := d.noticeData("*request", "")
	if err != nil {
		return err
	}
	return d.finishNotice(ev, data, ctx)
}

// noticeData builds a notice's data and context: user and group ids, and every other field of
// the open layer's event (but the envelope's own: time, self_id, post_type, and skip) kept
// "*"-prefixed as sent.
func (d *decoder) noticeData(name, skip string) (*core.NoticeEventData, *core.Context, error) {
	uid, err := d.f.id("user_id", false)
	if err != nil {
		return nil, nil, err
	}
	gid, err := d.f.id("group_id", false)
	if err != nil {
		return nil, nil, err
	}
	data := &core.NoticeEventData{Notice: name, UserID: uid, UserTID: uid, GroupID: gid, GroupTID: gid,
		Fields: map[string]json.RawMessage{}}
	for _, kv := range d.f {
		k, v := string(kv.key), kv.val
		switch k {
		case "time", "self_id", "post_type", "user_id", "group_id", skip:
			continue
		}
		if present(v) {
			data.Fields["*"+k] = v
		} else {
			delete(data.Fields, "*"+k) // a later null overrides an earlier value
		}
	}
	ctx := d.context()
	switch {
	case gid != "":
		ctx.Type, ctx.GroupID, ctx.GroupTID, ctx.UserID, ctx.UserTID = core.TypeGroup, gid, gid, uid, uid
	case uid != "":
		ctx.Type, ctx.UserID, ctx.UserTID = core.TypePrivate, uid, uid
	}
	return data, ctx, nil
}

func (d *decoder) finishNotice(ev *core.StoredEvent, data *core.NoticeEventData, ctx *core.Context) error {
	b, err := flatJSON(data, data.Fields)
	if err != nil {
		return err
	}
	ev.Event.Type, ev.Event.Context, ev.Event.Data = core.EventNotice, ctx, b
	return nil
}

func (d *decoder) meta(ev *core.StoredEvent) error {
	mt, err := d.f.str("meta_event_type", true)
	if err != nil {
		return err
	}
	sub, err := d.f.str("sub_type", false)
	if err != nil {
		return err
	}
	ev.Kind = "meta_event." + mt
	if mt != "lifecycle" {
		return nil // heartbeat and the rest: a sign of life, not a UCBI event
	}
	var meta string
	switch sub {
	case "enable":
		meta = core.MetaSourceUp
	case "disable":
		meta = core.MetaSourceDown
	default: // "connect": the WebSocket link reports its own state
		return nil
	}
	c := d.context()
	b, err := json.Marshal(core.MetaEventData{MetaEvent: meta, Platform: c.Platform, Via: c.Via, Extra: c.Extra,
		Reason: "the open layer reported lifecycle " + sub})
	if err != nil {
		return err
	}
	ev.Event.Type, ev.Event.Data = core.EventMeta, b
	return nil
}

// flatJSON marshals v (a JSON object) with extra's keys added beside its own, in sorted order.
// extra's keys are the open layer's "*"-prefixed fields, which v's own fields never are (v's
// starred fields, *message_id and *sent, are never among them).
func flatJSON(v any, extra map[string]json.RawMessage) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the event: %v", err)
	}
	return withExtra(b, extra)
}

// withExtra adds extra's keys, in sorted order, to the JSON object b (which it appends to).
func withExtra(b []byte, extra map[string]json.RawMessage) (json.RawMessage, error) {
	if len(extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = b[:len(b)-1]
	for _, k := range keys {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = core.AppendJSONString(b, k, true)
		b = append(b, ':')
		if v := extra[k]; core.CompactJSON(v) {
			b = append(b, v...)
		} else {
			buf := bytes.NewBuffer(b)
			if err := json.Compact(buf, v); err != nil {
				return nil, fmt.Errorf("cannot encode the event's %s: %v", k, err)
			}
			b = buf.Bytes()
		}
	}
	return append(b, '}'), nil
}
