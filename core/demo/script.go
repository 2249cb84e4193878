package demo

import (
	"strconv"
	"time"

	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
)

// What people say. Short, everyday, the way a QQ group really talks.
var (
	groupLines = []string{
		"早上好各位～", "今天有人一起吃午饭吗？", "这个版本更新了什么？", "哈哈哈哈哈笑死我了",
		"周末有空的举个手", "刚刚服务器是不是抖了一下", "有没有人用过 NapCat 的 WebSocket？",
		"收到，我晚点看看", "+1", "下班下班！", "这个需求明天再说吧", "谁有上次会议的纪要？",
		"新人报到，请多关照", "外面下大雨了，记得带伞", "奶茶拼单有人吗，满 30 减 8",
		"刚把 bot 升级到最新版，目前一切正常", "晚上八点老地方集合", "求推荐一个好用的键盘",
	}
	atBotLines = []string{
		" 今天天气怎么样？", " 帮我查一下明天的日程", " 你好呀", " 来首歌", " 在吗？签到",
		" 讲个笑话吧",
	}
	replyLines = []string{
		"同意楼上", "真的假的？", "我也遇到过这个问题", "这个我知道，等下发你", "有道理",
		"笑死，太真实了", "好的好的", "明天我来跟进",
	}
	privateLines = []string{
		"在吗？", "周末有空吗，一起打球", "上次说的那个文档发我一下呗", "生日快乐呀🎂",
		"你那个机器人怎么搭的，教教我", "晚上一起吃饭？", "谢谢你帮忙！", "明天几点出发？",
	}
	answerLines = []string{
		"收到～", "哈哈好的", "嗯嗯，晚点回你", "👌", "好嘞", "没问题！", "啊？再说一遍",
		"真的吗，太好了", "知道啦",
	}
	friendRequestLines = []string{
		"我是羽毛球群的，加个好友", "你好，想请教一下机器人的问题", "我是%s的朋友",
	}
)

// faces are QQ system faces: id and the text NapCat puts in raw.faceText.
var faces = []struct {
	id   int
	text string
}{
	{14, "/微笑"}, {178, "/斜眼笑"}, {66, "/爱心"}, {76, "/赞"}, {277, "/汪汪"}, {212, "/托腮"},
	{13, "/呲牙"}, {5, "/流泪"}, {318, "/崇拜"}, {282, "/敬礼"},
}

// The kinds of scripted events, with how often each comes.
type kind int

const (
	kindGroupText kind = iota
	kindGroupFace
	kindGroupAtBot
	kindGroupReply
	kindGroupImage
	kindGroupArk
	kindGroupForward
	kindGroupFile
	kindPrivateText
	kindPrivateImage
	kindPoke
	kindGroupRecall
	kindGroupIncrease
	kindGroupDecrease
	kindFriendRequest
	kindFriendAdd
	numKinds
)

var kindWeights = [numKinds]int{
	kindGroupText: 30, kindGroupFace: 8, kindGroupAtBot: 8, kindGroupReply: 8, kindGroupImage: 8,
	kindGroupArk: 3, kindGroupForward: 3, kindGroupFile: 3, kindPrivateText: 12,
	kindPrivateImage: 3, kindPoke: 4, kindGroupRecall: 3, kindGroupIncrease: 2,
	kindGroupDecrease: 2, kindFriendRequest: 1, kindFriendAdd: 1,
}

// step advances the script by one tick: the replies that are due, or else one scripted event.
// It returns the events to push, marshalled.
func (w *world) step(now time.Time, base string) [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out [][]byte
	left := w.pending[:0]
	for _, p := range w.pending {
		p.ticks--
		if p.ticks > 0 {
			left = append(left, p)
			continue
		}
		out = append(out, eventJSON(w.answer(now, p)))
	}
	w.pending = left
	if len(out) > 0 {
		return out
	}
	for try := 0; try < int(numKinds); try++ {
		if evs := w.scripted(now, w.pickKind(), base); len(evs) > 0 {
			for _, e := range evs {
				out = append(out, eventJSON(e))
			}
			return out
		}
	}
	return nil
}

func (w *world) pickKind() kind {
	total := 0
	for _, n := range kindWeights {
		total += n
	}
	r := w.rng.IntN(total)
	for k, n := range kindWeights {
		if r < n {
			return kind(k)
		}
		r -= n
	}
	return kindGroupText
}

func pick[T any](w *world, xs []T) T { return xs[w.rng.IntN(len(xs))] }

func text(s string) onebot.Segment {
	return onebot.Segment{Type: "text", Data: map[string]any{"text": s}}
}

func face(id int, faceText string) onebot.Segment {
	return onebot.Segment{Type: "face", Data: map[string]any{
		"id": strconv.Itoa(id), "raw": map[string]any{"faceIndex": id, "faceText": faceText, "faceType": 1},
	}}
}

func at(id int64, name string) onebot.Segment {
	return onebot.Segment{Type: "at", Data: map[string]any{"qq": strconv.FormatInt(id, 10), "name": name}}
}

func reply(id int64) onebot.Segment {
	return onebot.Segment{Type: "reply", Data: map[string]any{"id": strconv.FormatInt(id, 10)}}
}

// speaker picks a group and one of its members who is not the demo account.
func (w *world) speaker() (*groupState, Member) {
	g := pick(w, w.groups)
	for {
		if m := pick(w, g.members); m.UserID != SelfID {
			return g, m
		}
	}
}

// lastGroupMessage is the newest stored message of a group not sent by the demo account.
func (w *world) lastGroupMessage(gid int64) *message {
	for i := len(w.order) - 1; i >= 0; i-- {
		if m := w.msgs[w.order[i]]; m.GroupID == gid && m.UserID != SelfID {
			return m
		}
	}
	return nil
}

// scripted makes the events of one kind, or none when the kind cannot happen now (nothing to
// recall, nobody left to join).
func (w *world) scripted(now time.Time, k kind, base string) []any {
	switch k {
	case kindGroupText, kindGroupFace, kindGroupAtBot, kindGroupReply, kindGroupImage,
		kindGroupArk, kindGroupForward:
		g, m := w.speaker()
		segs := w.groupContent(now, k, g, m, base)
		if segs == nil {
			return nil
		}
		return []any{w.newMessage(now, g.info.GroupID, m.UserID, 0, segs)}
	case kindGroupFile:
		g, m := w.speaker()
		f := pick(w, demoFiles)
		fileID := "/" + strconv.FormatInt(w.nextID, 16) + "-" + f.path
		msg := w.newMessage(now, g.info.GroupID, m.UserID, 0, []onebot.Segment{{Type: "file", Data: map[string]any{
			"file": f.name, "file_id": fileID, "file_size": strconv.Itoa(len(f.body)), "url": base + fileRoute + f.path,
		}}})
		return []any{msg, notice(now, "group_upload", map[string]any{
			"group_id": g.info.GroupID, "user_id": m.UserID,
			"file": map[string]any{"id": fileID, "name": f.name, "size": len(f.body), "busid": 102},
		})}
	case kindPrivateText, kindPrivateImage:
		f := pick(w, w.friends)
		segs := []onebot.Segment{text(pick(w, privateLines))}
		if k == kindPrivateImage {
			segs = []onebot.Segment{text("给你看看这个"), w.image(base)}
		}
		return []any{w.newMessage(now, 0, f.UserID, f.UserID, segs)}
	case kindPoke:
		if w.rng.IntN(3) == 0 {
			f := pick(w, w.friends)
			return []any{notice(now, "notify", map[string]any{
				"sub_type": "poke", "user_id": f.UserID, "sender_id": f.UserID, "target_id": SelfID,
				"raw_info": pokeInfo("戳了戳", "你"),
			})}
		}
		g, m := w.speaker()
		return []any{notice(now, "notify", map[string]any{
			"sub_type": "poke", "group_id": g.info.GroupID, "user_id": m.UserID, "target_id": SelfID,
			"raw_info": pokeInfo("戳了戳", SelfNickname),
		})}
	case kindGroupRecall:
		g := pick(w, w.groups)
		last := w.lastGroupMessage(g.info.GroupID)
		if last == nil {
			return nil
		}
		w.forget(last.MessageID)
		return []any{notice(now, "group_recall", map[string]any{
			"group_id": g.info.GroupID, "user_id": last.UserID, "operator_id": last.UserID, "message_id": last.MessageID,
		})}
	case kindGroupIncrease:
		return w.joinSomeone(now)
	case kindGroupDecrease:
		return w.leaveSomeone(now)
	case kindFriendRequest:
		if len(w.strangers) == 0 {
			return nil
		}
		id := pick(w, w.strangers)
		w.flagSeq++
		flag := strconv.FormatInt(id, 10) + "-" + strconv.Itoa(w.flagSeq)
		w.requests[flag] = id
		comment := pick(w, friendRequestLines)
		if comment == "我是%s的朋友" {
			comment = "我是" + pick(w, w.friends).Nickname + "的朋友"
		}
		return []any{map[string]any{
			"time": now.Unix(), "self_id": SelfID, "post_type": "request", "request_type": "friend",
			"user_id": id, "comment": comment, "flag": flag,
		}}
	case kindFriendAdd:
		if len(w.strangers) == 0 {
			return nil
		}
		return []any{w.befriend(now, pick(w, w.strangers))}
	}
	return nil
}

func (w *world) groupContent(now time.Time, k kind, g *groupState, m Member, base string) []onebot.Segment {
	switch k {
	case kindGroupFace:
		f := pick(w, faces)
		return []onebot.Segment{text(pick(w, []string{"哈哈", "好耶", "辛苦了", "晚安"})), face(f.id, f.text)}
	case kindGroupAtBot:
		self, _ := g.member(SelfID)
		name := self.Card
		if name == "" {
			name = SelfNickname
		}
		return []onebot.Segment{at(SelfID, name), text(pick(w, atBotLines))}
	case kindGroupReply:
		last := w.lastGroupMessage(g.info.GroupID)
		if last == nil || last.UserID == m.UserID {
			return nil
		}
		return []onebot.Segment{reply(last.MessageID), text(pick(w, replyLines))}
	case kindGroupImage:
		return []onebot.Segment{w.image(base)}
	case kindGroupArk:
		var card string
		if w.rng.IntN(2) == 0 {
			other := pick(w, w.groups)
			card = onebottest.GroupCard(strconv.FormatInt(other.info.GroupID, 10), other.info.GroupName)
		} else {
			f := pick(w, w.friends)
			card = onebottest.FriendCard(strconv.FormatInt(f.UserID, 10), f.Nickname)
		}
		return []onebot.Segment{{Type: "json", Data: map[string]any{"data": card}}}
	case kindGroupForward:
		return []onebot.Segment{w.forward(now, g)}
	}
	return []onebot.Segment{text(pick(w, groupLines))}
}

// image is an image segment pointing at one of the demo's own pictures on loopback.
func (w *world) image(base string) onebot.Segment {
	img := pick(w, demoImages)
	return onebot.Segment{Type: "image", Data: map[string]any{
		"summary": "", "file": img.file, "sub_type": 0, "url": base + imageRoute + img.file,
		"file_size": strconv.Itoa(len(imageBytes(img.file))),
	}}
}

// forward is a merged-forward summary: an id for get_forward_msg, and its content inline, as
// NapCat gives it.
func (w *world) forward(now time.Time, g *groupState) onebot.Segment {
	var nodes []*message
	for i := 0; i < 3; i++ {
		_, m := w.speaker()
		p, _ := personByID(m.UserID)
		w.nextID++
		nodes = append(nodes, &message{
			SelfID: SelfID, UserID: m.UserID, Time: now.Add(-time.Duration(30-i) * time.Minute).Unix(),
			MessageID: w.nextID, RealID: w.nextID, MessageType: "group", SubType: "normal",
			Sender: sender{UserID: m.UserID, Nickname: p.nickname, Card: m.Card}, Font: 14,
			Message: []onebot.Segment{text(pick(w, groupLines))}, MessageFormat: "array",
			PostType: "message", GroupID: g.info.GroupID,
		})
		nodes[i].RawMessage = rawMessage(nodes[i].Message)
	}
	w.nextID++
	id := strconv.FormatInt(7_400_000_000_000_000_000+w.nextID, 10)
	w.keepForward(id, nodes)
	return onebot.Segment{Type: "forward", Data: map[string]any{"id": id, "content": nodes}}
}

func pokeInfo(action, target string) []any {
	return []any{
		map[string]any{"col": "1", "nm": "", "type": "qq", "uid": ""},
		map[string]any{"jp": "", "src": "http://tianquan.gtimg.cn/nudgeaction/item/0/expression.jpg", "type": "img"},
		map[string]any{"txt": action, "type": "nor"},
		map[string]any{"col": "1", "nm": target, "tp": "0", "type": "qq", "uid": ""},
	}
}

func notice(now time.Time, typ string, fields map[string]any) map[string]any {
	fields["time"], fields["self_id"], fields["post_type"], fields["notice_type"] = now.Unix(), SelfID, "notice", typ
	return fields
}

// joinSomeone adds someone who is not yet in a group to it (group_increase).
func (w *world) joinSomeone(now time.Time) []any {
	g := pick(w, w.groups)
	for _, p := range w.rng.Perm(len(people)) {
		who := people[p]
		if _, i := g.member(who.id); i >= 0 || len(g.members) >= 10 {
			continue
		}
		g.members = append(g.members, w.newMember(g.info.GroupID, memberSeed{id: who.id, role: "member"}, now))
		g.info.MemberCount = len(g.members)
		admin := g.members[0].UserID
		return []any{notice(now, "group_increase", map[string]any{
			"sub_type": "approve", "group_id": g.info.GroupID, "operator_id": admin, "user_id": who.id,
		})}
	}
	return nil
}

// leaveSomeone has a plain member leave a group (group_decrease), never below four members.
func (w *world) leaveSomeone(now time.Time) []any {
	g := pick(w, w.groups)
	if len(g.members) <= 4 {
		return nil
	}
	for _, i := range w.rng.Perm(len(g.members)) {
		m := g.members[i]
		if m.Role != "member" || m.UserID == SelfID {
			continue
		}
		g.members = append(g.members[:i], g.members[i+1:]...)
		g.info.MemberCount = len(g.members)
		return []any{notice(now, "group_decrease", map[string]any{
			"sub_type": "leave", "group_id": g.info.GroupID, "operator_id": m.UserID, "user_id": m.UserID,
		})}
	}
	return nil
}

// befriend makes a stranger a friend and returns the friend_add notice.
func (w *world) befriend(now time.Time, id int64) map[string]any {
	for i, s := range w.strangers {
		if s == id {
			w.strangers = append(w.strangers[:i], w.strangers[i+1:]...)
			break
		}
	}
	if _, ok := w.friend(id); !ok {
		p, _ := personByID(id)
		w.friends = append(w.friends, Friend{UserID: id, Nickname: p.nickname, Sex: p.sex, Age: p.age, Level: 20 + int(id%40)})
	}
	return notice(now, "friend_add", map[string]any{"user_id": id})
}

// answer is the message someone sends back to the console's message.
func (w *world) answer(now time.Time, p pendingReply) *message {
	segs := []onebot.Segment{text(pick(w, answerLines))}
	if w.rng.IntN(2) == 0 || p.to.GroupID != 0 {
		segs = append([]onebot.Segment{reply(p.to.MessageID)}, segs...)
	}
	if p.to.GroupID != 0 {
		return w.newMessage(now, p.to.GroupID, p.from, 0, segs)
	}
	return w.newMessage(now, 0, p.from, p.from, segs)
}

// maybeAnswer schedules, most of the time, someone's answer to a message the console sent: the
// friend it went to, or a member of the group.
func (w *world) maybeAnswer(m *message) {
	if w.rng.IntN(10) >= 7 || len(w.pending) >= 20 {
		return
	}
	from := m.TargetID
	if m.GroupID != 0 {
		g := w.group(m.GroupID)
		for {
			if x := pick(w, g.members); x.UserID != SelfID {
				from = x.UserID
				break
			}
		}
	} else if _, ok := w.friend(from); !ok {
		return
	}
	w.pending = append(w.pending, pendingReply{ticks: 1 + w.rng.IntN(2), to: m, from: from})
}
