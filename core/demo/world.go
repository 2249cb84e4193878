package demo

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"ucbi-console/core/onebot"
)

// The demo account and its contacts. Ids are small and memorable so that a person trying the
// console can type them; names, cards and titles are what a Chinese QQ account really shows.
const (
	SelfID       = 10001
	SelfNickname = "演示机器人"
)

// Friend is one entry of get_friend_list (NapCat's fields).
type Friend struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Remark   string `json:"remark"`
	Sex      string `json:"sex"`
	Age      int    `json:"age"`
	Level    int    `json:"level"`
}

// Group is one entry of get_group_list (NapCat's fields).
type Group struct {
	GroupID        int64  `json:"group_id"`
	GroupName      string `json:"group_name"`
	GroupRemark    string `json:"group_remark"`
	GroupAllShut   int    `json:"group_all_shut"`
	MemberCount    int    `json:"member_count"`
	MaxMemberCount int    `json:"max_member_count"`
}

// Member is one entry of get_group_member_list (NapCat's fields).
type Member struct {
	GroupID         int64  `json:"group_id"`
	UserID          int64  `json:"user_id"`
	Nickname        string `json:"nickname"`
	Card            string `json:"card"`
	Sex             string `json:"sex"`
	Age             int    `json:"age"`
	Area            string `json:"area"`
	Level           string `json:"level"`
	QQLevel         int    `json:"qq_level"`
	JoinTime        int64  `json:"join_time"`
	LastSentTime    int64  `json:"last_sent_time"`
	TitleExpireTime int64  `json:"title_expire_time"`
	Unfriendly      bool   `json:"unfriendly"`
	CardChangeable  bool   `json:"card_changeable"`
	IsRobot         bool   `json:"is_robot"`
	ShutUpTimestamp int64  `json:"shut_up_timestamp"`
	Role            string `json:"role"`
	Title           string `json:"title"`
}

// person is anyone the demo knows: friends, group members, people who ask to be friends.
type person struct {
	id       int64
	nickname string
	sex      string
	age      int
	area     string
}

var people = []person{
	{SelfID, SelfNickname, "unknown", 0, "深圳"},
	{10002, "张三", "male", 28, "北京"},
	{10003, "李四", "male", 31, "上海"},
	{10004, "王小美", "female", 24, "杭州"},
	{10005, "赵铁柱", "male", 35, "成都"},
	{10006, "陈晓雨", "female", 22, "广州"},
	{10007, "林一一", "female", 26, "厦门"},
	{10008, "周末", "male", 29, "南京"},      // not a friend: sends a friend request
	{10009, "吴桐", "female", 27, "武汉"},    // not a friend: joins groups, may become one
	{10010, "郑好", "male", 33, "西安"},      // not a friend
	{30001, "路人甲", "unknown", 0, "天津"},   // group member only
	{30002, "Alice", "female", 25, "苏州"}, // group member only
	{30003, "技术宅小王", "male", 23, "长沙"},
}

func personByID(id int64) (person, bool) {
	for _, p := range people {
		if p.id == id {
			return p, true
		}
	}
	return person{}, false
}

var initialFriends = []Friend{
	{UserID: 10002, Nickname: "张三", Remark: "老张"},
	{UserID: 10003, Nickname: "李四"},
	{UserID: 10004, Nickname: "王小美", Remark: "小美"},
	{UserID: 10005, Nickname: "赵铁柱"},
	{UserID: 10006, Nickname: "陈晓雨", Remark: "雨"},
	{UserID: 10007, Nickname: "林一一"},
}

// strangers can ask to become friends (friend request, then friend_add once approved).
var initialStrangers = []int64{10008, 10009, 10010}

type groupSeed struct {
	group   Group
	members []memberSeed
}

type memberSeed struct {
	id    int64
	card  string
	role  string
	title string
}

var initialGroups = []groupSeed{
	{Group{GroupID: 20001, GroupName: "UCBI 演示群", MaxMemberCount: 200}, []memberSeed{
		{SelfID, "小助手", "owner", "群主大人"},
		{10002, "老张-运维", "admin", "元老"},
		{10004, "小美", "member", "活跃分子"},
		{10005, "", "member", ""},
		{10006, "晓雨 | 设计", "member", ""},
		{30001, "", "member", "潜水员"},
		{30002, "Alice", "member", ""},
	}},
	{Group{GroupID: 20002, GroupName: "机器人开发交流", MaxMemberCount: 500}, []memberSeed{
		{10003, "李四（群主）", "owner", "创始人"},
		{SelfID, "演示机器人-Bot", "admin", ""},
		{10002, "张三", "member", "Go 大佬"},
		{10007, "一一-前端", "member", ""},
		{30003, "小王 NapCat 用户", "member", "提问专家"},
		{30002, "", "member", ""},
	}},
	{Group{GroupID: 20003, GroupName: "周末羽毛球小队", MaxMemberCount: 50}, []memberSeed{
		{10005, "铁柱队长", "owner", "队长"},
		{10006, "", "admin", ""},
		{10004, "小美", "member", ""},
		{10007, "", "member", ""},
		{SelfID, "", "member", ""},
	}},
}

// maxStored bounds the messages get_msg and the history actions can find.
const maxStored = 1000

// world is the demo account's state: its contacts, the messages it has seen, and the replies
// it owes. One mutex guards it all, the random source included.
type world struct {
	mu        sync.Mutex
	rng       *rand.Rand
	start     time.Time
	friends   []Friend
	strangers []int64
	groups    []*groupState
	msgs      map[int64]*message // by message_id
	order     []int64            // message ids, oldest first, at most maxStored
	nextID    int64
	nextSeq   int64
	pending   []pendingReply
	requests  map[string]int64 // friend request flag → user id
	flagSeq   int
	forwards  map[string][]*message // forward id → its messages, for get_forward_msg
	fwdOrder  []string              // forward ids, oldest first, at most maxForwards
}

// maxForwards bounds the merged forwards get_forward_msg can find.
const maxForwards = 100

type groupState struct {
	info    Group
	members []Member
}

// pendingReply is a message someone will send in a few ticks, in answer to the console.
type pendingReply struct {
	ticks int
	to    *message // the console's message being answered
	from  int64
}

func newWorld(seed uint64, now time.Time) *world {
	w := &world{
		rng:       rand.New(rand.NewPCG(seed, seed^0x5eed)),
		start:     now,
		friends:   append([]Friend(nil), initialFriends...),
		strangers: append([]int64(nil), initialStrangers...),
		msgs:      map[int64]*message{},
		requests:  map[string]int64{},
		forwards:  map[string][]*message{},
	}
	for i := range w.friends {
		p, _ := personByID(w.friends[i].UserID)
		w.friends[i].Sex, w.friends[i].Age, w.friends[i].Level = p.sex, p.age, 20+int(p.id%40)
	}
	w.nextID = 1_100_000_000 + int64(w.rng.IntN(1_000_000))*100
	w.nextSeq = 5000 + int64(w.rng.IntN(1000))
	for _, gs := range initialGroups {
		g := &groupState{info: gs.group}
		for i, ms := range gs.members {
			g.members = append(g.members, w.newMember(g.info.GroupID, ms, now.Add(-time.Duration(400-i*37)*24*time.Hour)))
		}
		g.info.MemberCount = len(g.members)
		w.groups = append(w.groups, g)
	}
	return w
}

func (w *world) newMember(gid int64, ms memberSeed, joined time.Time) Member {
	p, _ := personByID(ms.id)
	m := Member{
		GroupID: gid, UserID: ms.id, Nickname: p.nickname, Card: ms.card, Sex: p.sex, Age: p.age,
		Area: p.area, Level: strconv.Itoa(1 + int(ms.id%7)), QQLevel: 10 + int(ms.id%50),
		JoinTime: joined.Unix(), LastSentTime: w.start.Add(-time.Duration(ms.id%90) * time.Minute).Unix(),
		CardChangeable: true, Role: ms.role, Title: ms.title, IsRobot: ms.id == SelfID,
	}
	if ms.title != "" {
		m.TitleExpireTime = -1
	}
	return m
}

func (w *world) group(id int64) *groupState {
	for _, g := range w.groups {
		if g.info.GroupID == id {
			return g
		}
	}
	return nil
}

func (g *groupState) member(id int64) (Member, int) {
	for i, m := range g.members {
		if m.UserID == id {
			return m, i
		}
	}
	return Member{}, -1
}

func (w *world) friend(id int64) (Friend, bool) {
	for _, f := range w.friends {
		if f.UserID == id {
			return f, true
		}
	}
	return Friend{}, false
}

// message is a OneBot 11 message as NapCat reports it, in events (post_type message or
// message_sent) and from get_msg. It is never changed once made, so it may be marshalled
// without the world's lock.
type message struct {
	SelfID        int64            `json:"self_id"`
	UserID        int64            `json:"user_id"`
	Time          int64            `json:"time"`
	MessageID     int64            `json:"message_id"`
	MessageSeq    int64            `json:"message_seq"`
	RealID        int64            `json:"real_id"`
	RealSeq       string           `json:"real_seq"`
	MessageType   string           `json:"message_type"`
	Sender        sender           `json:"sender"`
	RawMessage    string           `json:"raw_message"`
	Font          int              `json:"font"`
	SubType       string           `json:"sub_type"`
	Message       []onebot.Segment `json:"message"`
	MessageFormat string           `json:"message_format"`
	PostType      string           `json:"post_type"`
	GroupID       int64            `json:"group_id,omitempty"`
	GroupName     string           `json:"group_name,omitempty"`
	TargetID      int64            `json:"target_id,omitempty"`
}

type sender struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Card     string `json:"card"`
	Role     string `json:"role,omitempty"`
	Title    string `json:"title,omitempty"`
}

// newMessage makes and stores a message from user in a group (gid != 0) or a private chat with
// peer. A message from the demo account itself is a message_sent.
func (w *world) newMessage(now time.Time, gid, from, peer int64, segs []onebot.Segment) *message {
	w.nextID += 1 + int64(w.rng.IntN(7))
	w.nextSeq++
	m := &message{
		SelfID: SelfID, UserID: from, Time: now.Unix(), MessageID: w.nextID, MessageSeq: w.nextSeq,
		RealID: w.nextID, RealSeq: strconv.FormatInt(w.nextSeq, 10), Font: 14, Message: segs,
		RawMessage: rawMessage(segs), MessageFormat: "array", PostType: "message",
	}
	if from == SelfID {
		m.PostType = "message_sent"
	}
	p, ok := personByID(from)
	if !ok {
		p = person{id: from, nickname: "QQ用户" + strconv.FormatInt(from, 10)}
	}
	m.Sender = sender{UserID: from, Nickname: p.nickname}
	if gid != 0 {
		m.MessageType, m.SubType, m.GroupID = "group", "normal", gid
		if g := w.group(gid); g != nil {
			m.GroupName = g.info.GroupName
			if mem, i := g.member(from); i >= 0 {
				m.Sender.Card, m.Sender.Role, m.Sender.Title = mem.Card, mem.Role, mem.Title
				g.members[i].LastSentTime = now.Unix()
			}
		}
	} else {
		m.MessageType, m.SubType = "private", "friend"
		if _, ok := w.friend(peer); !ok {
			m.SubType = "other"
		}
		if from == SelfID {
			m.TargetID = peer
		}
	}
	w.store(m)
	return m
}

// rawMessage is a message's raw_message as NapCat writes it: CQ codes with the segments' plain
// values only (a face's raw object or a forward's inline content stay out).
func rawMessage(segs []onebot.Segment) string {
	plain := make([]onebot.Segment, len(segs))
	for i, s := range segs {
		plain[i] = onebot.Segment{Type: s.Type, Data: map[string]any{}}
		for k, v := range s.Data {
			switch v.(type) {
			case map[string]any, []any, []*message:
			default:
				plain[i].Data[k] = v
			}
		}
	}
	return onebot.ToCQ(plain)
}

func (w *world) store(m *message) {
	w.msgs[m.MessageID] = m
	w.order = append(w.order, m.MessageID)
	if len(w.order) > maxStored {
		delete(w.msgs, w.order[0])
		w.order = append(w.order[:0], w.order[1:]...)
	}
}

func (w *world) forget(id int64) {
	delete(w.msgs, id)
	for i, x := range w.order {
		if x == id {
			w.order = append(w.order[:i], w.order[i+1:]...)
			return
		}
	}
}

// history is the last count stored messages of one chat, oldest first.
func (w *world) history(gid, peer int64, count int) []*message {
	var out []*message
	for i := len(w.order) - 1; i >= 0 && len(out) < count; i-- {
		m := w.msgs[w.order[i]]
		switch {
		case gid != 0 && m.GroupID == gid:
		case gid == 0 && m.MessageType == "private" && (m.UserID == peer || m.TargetID == peer):
		default:
			continue
		}
		out = append(out, m)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (w *world) keepForward(id string, nodes []*message) {
	w.forwards[id] = nodes
	w.fwdOrder = append(w.fwdOrder, id)
	if len(w.fwdOrder) > maxForwards {
		delete(w.forwards, w.fwdOrder[0])
		w.fwdOrder = append(w.fwdOrder[:0], w.fwdOrder[1:]...)
	}
}

// eventJSON marshals an event. The demo's events are plain maps and structs of strings and
// numbers, so it does not fail; if it ever did, the event is dropped (nil) rather than sent broken.
func eventJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
