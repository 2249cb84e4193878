package openwx_test

import (
	"context"
	"encoding/json"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/onebot12/onebot12test"
	"ucbi-console/core/openwx"
	"ucbi-console/core/openwx/openwxtest"
)

type memSources []core.Source

func (m memSources) Sources() ([]core.Source, error) { return append([]core.Source(nil), m...), nil }

// One dispatcher speaks OneBot 11, OneBot 12 and Openwx: a context taken from an event of each
// replies unchanged through the same UCBI call, and ^get_contexts lists each with its platform.
func TestContextFromEventRepliesUnchanged(t *testing.T) {
	wx := fake(t, openwxtest.Options{})
	ob12 := onebot12test.New(onebot12test.Options{Selves: []onebot12test.Self{{Platform: "wechat", UserID: "wxid_bot"}}})
	t.Cleanup(ob12.Close)
	ob11 := onebottest.New(onebottest.Options{})
	t.Cleanup(ob11.Close)
	sources := memSources{
		{ID: "qq", Via: onebot.Via, URL: ob11.URL(), Default: true},
		{ID: "wx", Via: openwx.Via, URL: wx.URL(), Platform: openwx.Platform},
		{ID: "cwc", Via: onebot12.Via, URL: ob12.URL(), Platform: "wechat"},
	}
	d := core.NewDispatcher(sources, nil, nil)
	d.Register(onebot.Via, onebot.Factory)
	d.Register(openwx.Via, openwx.Factory)
	d.Register(onebot12.Via, onebot12.Factory)

	reply := func(t *testing.T, ev *core.StoredEvent) core.SendResult {
		t.Helper()
		params := map[string]json.RawMessage{"message": json.RawMessage(`"收到"`)}
		res, err := d.Call(context.Background(), core.OriginUCBI, core.Request{Action: "send_message", Context: ev.Event.Context, Params: params})
		if err != nil {
			t.Fatalf("reply to %s: %v", ev.Kind, err)
		}
		return res.(core.SendResult)
	}

	// Openwx: friend and group messages, ids are _tids.
	f, g := openwxtest.Friends[0], openwxtest.Groups[0]
	for _, report := range []any{openwxtest.FriendMessage("1", f, "在吗"), openwxtest.GroupMessage("2", g, f, "大家好"), openwxtest.SentMessage("3", f, "我")} {
		raw, _ := json.Marshal(report)
		ev, err := openwx.Decode(sources[1], raw)
		if err != nil {
			t.Fatal(err)
		}
		// the context survives the wire: what a bot receives is what it sends back
		b, _ := json.Marshal(ev.Event.Context)
		var c core.Context
		json.Unmarshal(b, &c)
		ev.Event.Context = &c
		reply(t, ev)
	}
	reqs := wx.Requests()
	if len(reqs) != 3 || reqs[0].Params.Get("id") != f.ID || reqs[1].Params.Get("id") != g.ID || reqs[2].Params.Get("id") != f.ID {
		t.Errorf("Openwx got %+v", reqs)
	}

	// OneBot 12: private, group and channel messages.
	for _, e := range []map[string]any{
		ob12.Event("message", "private", "", map[string]any{"message_id": "a", "message": []any{}, "alt_message": "hi", "user_id": "wxid_1"}),
		ob12.Event("message", "group", "", map[string]any{"message_id": "b", "message": []any{}, "alt_message": "hi", "user_id": "wxid_1", "group_id": "123@chatroom"}),
		ob12.Event("message", "channel", "", map[string]any{"message_id": "c", "message": []any{}, "alt_message": "hi", "user_id": "wxid_1", "guild_id": "g", "channel_id": "c"}),
	} {
		raw, _ := json.Marshal(e)
		ev, err := onebot12.Decode(sources[2], raw)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Event.Context.Platform != "wechat" {
			t.Errorf("platform = %s", ev.Event.Context.Platform)
		}
		if res := reply(t, ev); res.MessageID == "" {
			t.Error("no message id")
		}
	}
	var targets []string
	for _, r := range ob12.Requests() {
		targets = append(targets, r.Params["detail_type"].(string))
	}
	if len(targets) != 3 || targets[0] != "private" || targets[1] != "group" || targets[2] != "channel" {
		t.Errorf("OneBot 12 got %v", targets)
	}

	// OneBot 11: a context built the way its events carry it.
	qq := sources[0].ContextOf()
	qq.Type, qq.GroupID = core.TypeGroup, "20001"
	reply(t, &core.StoredEvent{Kind: "message.group", Event: core.Event{Context: &qq}})
	if ob11.Count("send_group_msg") != 1 {
		t.Error("OneBot 11 got no send")
	}

	got, err := d.Call(context.Background(), core.OriginUCBI, core.Request{Action: "^get_contexts"})
	if err != nil {
		t.Fatal(err)
	}
	platforms := map[string]string{}
	for _, c := range got.([]core.ContextInfo) {
		platforms[c.Via] = c.Platform
		if !c.Available {
			t.Errorf("%s is not available", c.Via)
		}
	}
	if platforms[openwx.Via] != "wechat" || platforms[onebot12.Via] != "wechat" || platforms[onebot.Via] != "qq" {
		t.Errorf("contexts = %v", platforms)
	}
}
