package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// failure is an action that did not succeed. The transport turns it into NapCat's retcodes:
// over HTTP 400 for bad params and 200 otherwise; over a WebSocket 1400, 1200 and 1404.
type failure struct {
	kind int
	text string
}

const (
	failed    = iota // the action ran and failed (NapCat throws)
	badParams        // the params did not pass the action's check
	unknown          // no such action
)

func fail(format string, args ...any) *failure {
	return &failure{kind: failed, text: fmt.Sprintf(format, args...)}
}

func bad(format string, args ...any) *failure {
	return &failure{kind: badParams, text: fmt.Sprintf(format, args...)}
}

// act runs one action with its params (JSON numbers as json.Number) and returns its data.
func (d *Demo) act(action string, p map[string]any) (any, *failure) {
	w := d.world
	switch action {
	case "get_login_info":
		return map[string]any{"user_id": SelfID, "nickname": SelfNickname}, nil
	case "get_status":
		return map[string]any{"online": true, "good": true, "stat": map[string]any{
			"packet_received": 0, "packet_sent": 0, "message_received": 0, "message_sent": 0,
			"last_message_time": 0, "startup_time": w.start.Unix(),
		}}, nil
	case "get_version_info":
		return map[string]any{"app_name": AppName, "app_version": Version, "protocol_version": "v11"}, nil
	case "can_send_image", "can_send_record":
		return map[string]any{"yes": true}, nil
	case "get_friend_list":
		w.mu.Lock()
		defer w.mu.Unlock()
		return append([]Friend(nil), w.friends...), nil
	case "get_group_list":
		w.mu.Lock()
		defer w.mu.Unlock()
		out := make([]Group, 0, len(w.groups))
		for _, g := range w.groups {
			out = append(out, g.info)
		}
		return out, nil
	case "get_group_info":
		return d.inGroup(p, func(g *groupState) (any, *failure) { return g.info, nil })
	case "get_group_member_list":
		return d.inGroup(p, func(g *groupState) (any, *failure) { return append([]Member(nil), g.members...), nil })
	case "get_group_member_info":
		return d.inGroup(p, func(g *groupState) (any, *failure) {
			uid, f := id(p, "user_id")
			if f != nil {
				return nil, f
			}
			if m, i := g.member(uid); i >= 0 {
				return m, nil
			}
			return nil, fail("群成员%d不存在", uid)
		})
	case "get_stranger_info":
		uid, f := id(p, "user_id")
		if f != nil {
			return nil, f
		}
		pr, ok := personByID(uid)
		if !ok {
			pr = person{id: uid, nickname: "QQ用户" + strconv.FormatInt(uid, 10), sex: "unknown"}
		}
		return map[string]any{
			"user_id": uid, "uid": "u_demo" + strconv.FormatInt(uid, 36), "nickname": pr.nickname,
			"age": pr.age, "sex": pr.sex, "qid": "", "level": 20 + int(uid%40), "login_days": 100 + int(uid%900),
			"long_nick": "", "remark": d.remark(uid),
		}, nil
	case "send_private_msg":
		return d.send(p, "private")
	case "send_group_msg":
		return d.send(p, "group")
	case "send_msg":
		typ := param(p, "message_type")
		switch {
		case typ == "private" || typ == "group":
		case typ != "":
			return nil, bad("message_type must be private or group, not %q", typ)
		case param(p, "group_id") != "":
			typ = "group"
		default:
			typ = "private"
		}
		return d.send(p, typ)
	case "get_msg":
		mid, f := id(p, "message_id")
		if f != nil {
			return nil, f
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if m, ok := w.msgs[mid]; ok {
			return m, nil
		}
		return nil, fail("消息%d不存在", mid)
	case "delete_msg":
		return d.deleteMsg(p)
	case "get_forward_msg":
		fid := param(p, "message_id")
		if fid == "" {
			fid = param(p, "id")
		}
		if fid == "" {
			return nil, bad("message_id is required")
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if nodes, ok := w.forwards[fid]; ok {
			return map[string]any{"messages": nodes}, nil
		}
		return nil, fail("合并转发%s不存在", fid)
	case "get_group_msg_history", "get_friend_msg_history":
		return d.history(action, p)
	case "set_friend_add_request":
		return d.friendRequest(p)
	case "ArkSharePeer", "ArkShareGroup", "send_ark_share", "send_group_ark_share":
		return d.ark(action, p)
	}
	return nil, &failure{kind: unknown, text: action}
}

func (d *Demo) remark(uid int64) string {
	d.world.mu.Lock()
	defer d.world.mu.Unlock()
	f, _ := d.world.friend(uid)
	return f.Remark
}

// inGroup runs do on the group named by params.group_id, under the world's lock.
func (d *Demo) inGroup(p map[string]any, do func(*groupState) (any, *failure)) (any, *failure) {
	gid, f := id(p, "group_id")
	if f != nil {
		return nil, f
	}
	d.world.mu.Lock()
	defer d.world.mu.Unlock()
	if g := d.world.group(gid); g != nil {
		return do(g)
	}
	return nil, fail("群%d不存在", gid)
}

// send stores a message from the console, answers its message_id, pushes the message_sent
// event, and sometimes schedules an answer.
func (d *Demo) send(p map[string]any, typ string) (any, *failure) {
	key := "user_id"
	if typ == "group" {
		key = "group_id"
	}
	target, f := id(p, key)
	if f != nil {
		return nil, f
	}
	segs, f := messageParam(p)
	if f != nil {
		return nil, f
	}
	w := d.world
	w.mu.Lock()
	var m *message
	if typ == "group" {
		if w.group(target) == nil {
			w.mu.Unlock()
			return nil, fail("机器人不在群%d中", target)
		}
		m = w.newMessage(d.now(), target, SelfID, 0, segs)
	} else {
		m = w.newMessage(d.now(), 0, SelfID, target, segs)
	}
	w.maybeAnswer(m)
	w.mu.Unlock()
	d.hub.broadcast(eventJSON(m))
	return map[string]any{"message_id": m.MessageID}, nil
}

// messageParam reads message: an array of segments, one segment object, or a string of CQ codes
// (plain text with auto_escape).
func messageParam(p map[string]any) ([]onebot.Segment, *failure) {
	var segs []onebot.Segment
	switch v := p["message"].(type) {
	case string:
		if b, _ := p["auto_escape"].(bool); b || param(p, "auto_escape") == "true" {
			segs = []onebot.Segment{text(v)}
		} else {
			segs = onebot.ParseCQ(v)
		}
	case []any, map[string]any:
		raw, _ := json.Marshal(v)
		if _, one := v.(map[string]any); one {
			raw = append(append([]byte{'['}, raw...), ']')
		}
		if err := json.Unmarshal(raw, &segs); err != nil {
			return nil, bad("message: %v", err)
		}
		for i, s := range segs {
			if strings.TrimSpace(s.Type) == "" {
				return nil, bad("message[%d].type is required", i)
			}
			if s.Data == nil {
				segs[i].Data = map[string]any{}
			}
		}
	case nil:
	default:
		return nil, bad("message must be a string, a segment or an array of segments")
	}
	if len(segs) == 0 {
		return nil, bad("message: 消息为空")
	}
	return segs, nil
}

// deleteMsg recalls a stored message and pushes the recall notice.
func (d *Demo) deleteMsg(p map[string]any) (any, *failure) {
	mid, f := id(p, "message_id")
	if f != nil {
		return nil, f
	}
	w := d.world
	w.mu.Lock()
	m, ok := w.msgs[mid]
	if !ok {
		w.mu.Unlock()
		return nil, fail("消息%d不存在", mid)
	}
	w.forget(mid)
	w.mu.Unlock()
	var ev map[string]any
	if m.GroupID != 0 {
		ev = notice(d.now(), "group_recall", map[string]any{
			"group_id": m.GroupID, "user_id": m.UserID, "operator_id": SelfID, "message_id": mid,
		})
	} else {
		ev = notice(d.now(), "friend_recall", map[string]any{"user_id": m.UserID, "message_id": mid})
	}
	d.hub.broadcast(eventJSON(ev))
	return nil, nil
}

func (d *Demo) history(action string, p map[string]any) (any, *failure) {
	var gid, peer int64
	var f *failure
	if action == "get_group_msg_history" {
		gid, f = id(p, "group_id")
	} else {
		peer, f = id(p, "user_id")
	}
	if f != nil {
		return nil, f
	}
	count := 20
	if c := param(p, "count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n <= 0 {
			return nil, bad("count must be a positive number, not %q", c)
		}
		count = n
	}
	w := d.world
	w.mu.Lock()
	defer w.mu.Unlock()
	if gid != 0 && w.group(gid) == nil {
		return nil, fail("群%d不存在", gid)
	}
	return map[string]any{"messages": w.history(gid, peer, count)}, nil
}

// friendRequest answers a friend request: approved, the person becomes a friend (friend_add).
func (d *Demo) friendRequest(p map[string]any) (any, *failure) {
	flag := param(p, "flag")
	if flag == "" {
		return nil, bad("flag is required")
	}
	approve := true
	if _, ok := p["approve"]; ok {
		approve = param(p, "approve") == "true"
	}
	w := d.world
	w.mu.Lock()
	uid, ok := w.requests[flag]
	if !ok {
		w.mu.Unlock()
		return nil, fail("好友请求%s不存在或已处理", flag)
	}
	delete(w.requests, flag)
	var ev map[string]any
	if approve {
		ev = w.befriend(d.now(), uid)
		if remark := param(p, "remark"); remark != "" {
			for i := range w.friends {
				if w.friends[i].UserID == uid {
					w.friends[i].Remark = remark
				}
			}
		}
	}
	w.mu.Unlock()
	if ev != nil {
		d.hub.broadcast(eventJSON(ev))
	}
	return nil, nil
}

// ark answers NapCat's recommend-card actions with the real sample cards, made for the demo's
// own groups and friends (the shapes of onebottest, which follow NapCat's deployed versions).
func (d *Demo) ark(action string, p map[string]any) (any, *failure) {
	gid, uid := param(p, "group_id"), param(p, "user_id")
	w := d.world
	w.mu.Lock()
	defer w.mu.Unlock()
	groupName := func(s string) string {
		n, _ := strconv.ParseInt(s, 10, 64)
		if g := w.group(n); g != nil {
			return g.info.GroupName
		}
		return "群" + s
	}
	if action == "ArkShareGroup" || action == "send_group_ark_share" {
		if gid == "" {
			return nil, fail("group_id is required")
		}
		return onebottest.GroupCard(gid, groupName(gid)), nil
	}
	switch {
	case gid != "":
		if !core.IsDigits(gid) {
			return map[string]any{"errCode": 1, "errMsg": "群号无效", "arkJson": ""}, nil
		}
		return map[string]any{"errCode": 0, "errMsg": "", "arkJson": onebottest.GroupCard(gid, groupName(gid)) + "\n"}, nil
	case uid != "":
		if !core.IsDigits(uid) {
			return map[string]any{"errCode": 1, "errMsg": "用户不存在", "arkMsg": ""}, nil
		}
		n, _ := strconv.ParseInt(uid, 10, 64)
		name := "QQ用户" + uid
		if pr, ok := personByID(n); ok {
			name = pr.nickname
		}
		return map[string]any{"errCode": 0, "errMsg": "", "arkMsg": onebottest.FriendCard(uid, name)}, nil
	}
	return nil, fail("group_id or user_id is required")
}

// id reads a required id: a JSON number or a numeric string, as NapCat coerces.
func id(p map[string]any, key string) (int64, *failure) {
	v := adapterkit.IDString(p[key])
	if v == "" {
		return 0, bad("%s is required", key)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, bad("%s must be a number, not %q", key, v)
	}
	return n, nil
}

// param reads params[key] as text: strings trimmed, numbers and booleans in their JSON form.
func param(p map[string]any, key string) string { return strings.TrimSpace(adapterkit.Str(p, key)) }

// now is the demo's clock for event times.
func (d *Demo) now() time.Time { return d.opts.Now() }
