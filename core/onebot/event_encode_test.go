package onebot

import (
	"bytes"
	"encoding/json"
	"testing"

	"ucbi-console/core"
)

func TestAppendMessageDataIsWhatJSONMarshalWrites(t *testing.T) {
	cases := []core.MessageEventData{
		{},
		{Type: "group", Message: core.Message{{Type: "text", Text: "你好 <b>&amp;</b> \"q\" \u2028"}},
			SenderID: "1", SenderTID: "1", SenderName: "n\x01", SenderMarkname: "m", Sender: "s", SenderRole: "member",
			GroupID: "2", GroupTID: "2", GroupName: "g<>", DiscussID: "3", DiscussTID: "3", DiscussName: "d",
			MessageID: "99", Sent: true},
		{Type: "private", Message: core.Message{}},
		{Type: "private", Message: core.Message{{Type: "image", Data: map[string]any{"url": "http://x/?a=1&b=<2>", "n": json.Number("12"), "z": nil, "list": []any{true, "中"}}}, {Type: "at", Text: "@all", Data: map[string]any{}}}},
		{Type: "bad\xffutf8", SenderName: "\u2029"},
	}
	for i, d := range cases {
		want, _ := json.Marshal(d)
		got, err := appendMessageData([]byte("prefix"), &d)
		if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("case %d:\n got %s (%v)\nwant prefix%s", i, got, err, want)
		}
	}
}
