package ark

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
)

// samplesDir holds the real cards of shared/reference/ark-samples (signatures shortened),
// copied into the package so that a clone tests on its own.
var samplesDir = "testdata"

func readSample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatalf("sample card %s is missing (expected under %s, copied from shared/reference/ark-samples): %v",
			name, samplesDir, err)
	}
	return string(b)
}

// diffCards reports every field of got that differs from want.
func diffCards(t *testing.T, got, want Card) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", gv.Type().Field(i).Name, g, w)
		}
	}
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file string
		want Card
	}{
		{
			file: "friend-contact-lua.json",
			want: Card{
				Kind: KindFriend, App: "com.tencent.contact.lua", BizSrc: "cardshare.cardshare", View: "contact", Ver: "0.0.0.1",
				Title:     "暗世现",
				AvatarURL: "https://thirdqq.qlogo.cn/g?b=oidb&k=c9w2AbCd&kti=aHIhAbCd&s=140",
				Subtitle:  "账号：1049509241",
				Tag:       "推荐好友",
				TagIcon:   "",
				Links: []Link{{
					URL:      "mqqapi://card/show_pslcard?src_type=internal&source=sharecard&version=1&uin=1049509241",
					Platform: PlatformMobile, OpensOutsideQQ: false,
				}},
				Prompt:  "推荐联系人：暗世现",
				Created: time.Date(2025, 7, 12, 8, 49, 7, 0, time.UTC),
				Width:   526, Height: 225,
				UIN: "1049509241",
			},
		},
		{
			file: "group-namecard-contact-lua.json",
			want: Card{
				Kind: KindGroupNameCard, App: "com.tencent.contact.lua", BizSrc: "qun.share", View: "contact", Ver: "0.0.0.1",
				Title:     "学府超市特惠版ʳ",
				AvatarURL: "https://p.qlogo.cn/gh/1032574526/1032574526_1/100",
				Subtitle:  "商品1折起，每天抢免单！",
				Tag:       "群名片",
				TagIcon:   "",
				Links: []Link{
					{URL: "mqqapi://card/show_pslcard?authSig=AbCdEf&card_type=group&uin=1032574526", Platform: PlatformMobile},
					{URL: "tencent://groupwpa/?jump_from=&uin=1032574526&subcmd=all", Platform: PlatformPC},
				},
				Prompt:  "群名片: 学府超市特惠版ʳ",
				Created: time.Date(2026, 9, 11, 3, 18, 11, 0, time.UTC),
				Width:   526, Height: 225,
				GroupCode: "1032574526",
			},
		},
		{
			file: "group-troopsharecard.json",
			want: Card{
				Kind: KindGroup, App: "com.tencent.troopsharecard", View: "contact", Ver: "1.0.0.30",
				Title:     "LR26710测试",
				AvatarURL: "https://p.qlogo.cn/gh/736368697/736368697/100",
				Subtitle:  "111",
				Tag:       "推荐群聊",
				TagIcon:   "https://p.qlogo.cn/gh/736368697/736368697/100",
				Links: []Link{{
					URL:      "http://qm.qq.com/cgi-bin/qm/qr?_wv=1027&k=XYXhAbCdEf&authKey=mo%2BduAbCd&noverify=0&group_code=736368697",
					Platform: PlatformMobile, OpensOutsideQQ: true,
				}},
				Prompt:  "推荐群聊: LR26710测试",
				Created: time.Date(2025, 3, 23, 3, 23, 18, 0, time.UTC),
				Width:   526, Height: 225, // the card has no width/height: the defaults
				GroupCode: "736368697",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readSample(t, tt.file)
			got, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.want.Raw = raw
			diffCards(t, got, tt.want)
			file, _ := os.ReadFile(filepath.Join(samplesDir, tt.file))
			if !bytes.Equal([]byte(got.Raw), file) {
				t.Errorf("Raw is not byte-equal to the file (%d bytes, file %d)", len(got.Raw), len(file))
			}
		})
	}
}

func TestParseTitle(t *testing.T) {
	tests := []struct {
		name, contact, prompt, want string
	}{
		{"nickname wins", `"nickname":"甲"`, "推荐联系人：乙", "甲"},
		{"nickname trimmed", `"nickname":"  甲 "`, "推荐联系人：乙", "甲"},
		{"empty nickname", `"nickname":""`, "推荐联系人：乙", "乙"},
		{"blank nickname", `"nickname":"   "`, "推荐联系人：乙", "乙"},
		{"null nickname", `"nickname":null`, "推荐联系人：乙", "乙"},
		{"contact full-width colon", ``, "推荐联系人：暗世现", "暗世现"},
		{"contact ascii colon", ``, "推荐联系人:暗世现", "暗世现"},
		{"contact ascii colon space", ``, "推荐联系人: 暗世现", "暗世现"},
		{"group ascii colon space", ``, "推荐群聊: LR26710测试", "LR26710测试"},
		{"group full-width colon", ``, "推荐群聊：LR26710测试", "LR26710测试"},
		{"namecard ascii colon", ``, "群名片:学府", "学府"},
		{"namecard space before colon", ``, "群名片 : 学府", "学府"},
		{"namecard full-width space", ``, "群名片：\u3000学府", "学府"},
		{"no prefix", ``, "随便一个卡片", "随便一个卡片"},
		{"prefix without colon kept", ``, "推荐联系人暗世现", "推荐联系人暗世现"},
		{"other label kept", ``, "[分享]推荐联系人：x", "[分享]推荐联系人：x"},
		{"only the prefix", ``, "推荐群聊: ", ""},
		{"no prompt", ``, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := `{"app":"com.tencent.contact.lua","prompt":` + quoteJSON(tt.prompt) + `,"meta":{"contact":{` + tt.contact + `}}}`
			c, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse(%s): %v", raw, err)
			}
			if c.Title != tt.want {
				t.Errorf("Title = %q, want %q", c.Title, tt.want)
			}
			if c.Prompt != tt.prompt {
				t.Errorf("Prompt = %q, want %q (unchanged)", c.Prompt, tt.prompt)
			}
		})
	}
}

func TestParseTitleWithoutMeta(t *testing.T) {
	c, err := Parse(`{"app":"x","prompt":"推荐群聊: 无meta"}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindOther || c.Title != "无meta" {
		t.Errorf("Kind, Title = %q, %q; want other, 无meta", c.Kind, c.Title)
	}
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestParseURLs(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"http upgraded", `"http://thirdqq.qlogo.cn/g?b=oidb&s=140"`, "https://thirdqq.qlogo.cn/g?b=oidb&s=140"},
		{"escaped slashes", `"http:\/\/p.qlogo.cn\/gh\/1\/1\/100"`, "https://p.qlogo.cn/gh/1/1/100"},
		{"upper-case scheme", `"HTTP://p.qlogo.cn/a"`, "https://p.qlogo.cn/a"},
		{"https kept", `"https://p.qlogo.cn/a"`, "https://p.qlogo.cn/a"},
		{"mixed-case https", `"HtTpS://p.qlogo.cn/a"`, "https://p.qlogo.cn/a"},
		{"spaces trimmed", `"  http://p.qlogo.cn/a "`, "https://p.qlogo.cn/a"},
		{"not http", `"ftp://p.qlogo.cn/a"`, ""},
		{"javascript", `"javascript:alert(1)"`, ""},
		{"protocol-relative", `"//p.qlogo.cn/a"`, ""},
		{"no host", `"http://"`, ""},
		{"bad URL", `"http://a b\u0000/"`, ""},
		{"empty", `""`, ""},
		{"null", `null`, ""},
		{"number", `12`, ""},
		{"object", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(`{"meta":{"contact":{"avatar":` + tt.value + `,"tagIcon":` + tt.value + `}}}`)
			if err != nil {
				t.Fatal(err)
			}
			if c.AvatarURL != tt.want {
				t.Errorf("AvatarURL = %q, want %q", c.AvatarURL, tt.want)
			}
			if c.TagIcon != tt.want {
				t.Errorf("TagIcon = %q, want %q", c.TagIcon, tt.want)
			}
		})
	}
}

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name, contact string
		want          []Link
	}{
		{"none", `{}`, nil},
		{"empty strings", `{"jumpUrl":"","pcJumpUrl":"  "}`, nil},
		{"mobile only", `{"jumpUrl":"mqqapi://card/show_pslcard?uin=1"}`,
			[]Link{{URL: "mqqapi://card/show_pslcard?uin=1", Platform: PlatformMobile}}},
		{"pc only", `{"pcJumpUrl":"tencent://message/?uin=1"}`,
			[]Link{{URL: "tencent://message/?uin=1", Platform: PlatformPC}}},
		{"mobile then pc", `{"pcJumpUrl":"https://qm.qq.com/q/x","jumpUrl":"http://qm.qq.com/cgi-bin/qm/qr?k=1"}`,
			[]Link{
				{URL: "http://qm.qq.com/cgi-bin/qm/qr?k=1", Platform: PlatformMobile, OpensOutsideQQ: true},
				{URL: "https://qm.qq.com/q/x", Platform: PlatformPC, OpensOutsideQQ: true},
			}},
		{"link not upgraded", `{"jumpUrl":"HTTP://qm.qq.com/x"}`,
			[]Link{{URL: "HTTP://qm.qq.com/x", Platform: PlatformMobile, OpensOutsideQQ: true}}},
		{"unknown scheme stays in QQ", `{"jumpUrl":"javascript:alert(1)"}`,
			[]Link{{URL: "javascript:alert(1)", Platform: PlatformMobile}}},
		{"wrong types", `{"jumpUrl":{},"pcJumpUrl":[1]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(`{"meta":{"contact":` + tt.contact + `}}`)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Links, tt.want) {
				t.Errorf("Links = %#v, want %#v", c.Links, tt.want)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		name, raw string
		want      Kind
	}{
		{"troopsharecard", `{"app":"com.tencent.troopsharecard","meta":{"contact":{}}}`, KindGroup},
		{"troopsharecard wins over tag", `{"app":"com.tencent.troopsharecard","meta":{"contact":{"tag":"推荐好友"}}}`, KindGroup},
		{"qun.share", `{"app":"com.tencent.contact.lua","bizsrc":"qun.share","meta":{"contact":{}}}`, KindGroupNameCard},
		{"tag 群名片", `{"app":"com.tencent.contact.lua","meta":{"contact":{"tag":"群名片"}}}`, KindGroupNameCard},
		{"tag 群名片 on another app", `{"app":"x","meta":{"contact":{"tag":"群名片"}}}`, KindGroupNameCard},
		{"qun.share on another app", `{"app":"x","bizsrc":"qun.share","meta":{"contact":{}}}`, KindOther},
		{"bot", `{"app":"com.tencent.contact.lua","bizsrc":"cardshare.cardshare","meta":{"contact":{"tag":"机器人"}}}`, KindBot},
		{"tag 推荐群聊", `{"app":"com.tencent.contact.lua","meta":{"contact":{"tag":"推荐群聊"}}}`, KindGroup},
		{"cardshare", `{"app":"com.tencent.contact.lua","bizsrc":"cardshare.cardshare","meta":{"contact":{}}}`, KindFriend},
		{"tag 推荐好友", `{"app":"com.tencent.contact.lua","meta":{"contact":{"tag":"推荐好友"}}}`, KindFriend},
		{"tag with spaces", `{"meta":{"contact":{"tag":" 推荐好友 "}}}`, KindFriend},
		{"unknown tag", `{"app":"com.tencent.contact.lua","meta":{"contact":{"tag":"推荐公众号"}}}`, KindOther},
		{"no meta", `{"app":"com.tencent.troopsharecard","bizsrc":"qun.share"}`, KindOther},
		{"meta without contact", `{"app":"com.tencent.troopsharecard","meta":{"news":{}}}`, KindOther},
		{"contact not an object", `{"app":"com.tencent.troopsharecard","meta":{"contact":"x"}}`, KindOther},
		{"meta a string", `{"app":"com.tencent.troopsharecard","meta":"contact"}`, KindOther},
		{"empty object", `{}`, KindOther},
		{"music card", `{"app":"com.tencent.music.lua","view":"music","meta":{"music":{"title":"x"}}}`, KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.Kind != tt.want {
				t.Errorf("Kind = %q, want %q", c.Kind, tt.want)
			}
		})
	}
}

func TestParseIDs(t *testing.T) {
	tests := []struct {
		name, raw      string
		uin, groupCode string
	}{
		{"friend uin from jumpUrl",
			`{"bizsrc":"cardshare.cardshare","meta":{"contact":{"contact":"账号：2","jumpUrl":"mqqapi://card/show_pslcard?src_type=internal&uin=1049509241"}}}`,
			"1049509241", ""},
		{"friend uin from contact",
			`{"bizsrc":"cardshare.cardshare","meta":{"contact":{"contact":"账号：1049509241"}}}`, "1049509241", ""},
		{"contact with ascii colon and space",
			`{"meta":{"contact":{"tag":"推荐好友","contact":"账号: 12345"}}}`, "12345", ""},
		{"contact digits end at text",
			`{"meta":{"contact":{"tag":"推荐好友","contact":"账号：12345（备注）"}}}`, "12345", ""},
		{"contact without digits",
			`{"meta":{"contact":{"tag":"推荐好友","contact":"账号：未知"}}}`, "", ""},
		{"contact without 账号",
			`{"meta":{"contact":{"tag":"推荐好友","contact":"12345"}}}`, "", ""},
		{"non-digit uin skipped for contact",
			`{"meta":{"contact":{"tag":"推荐好友","contact":"账号：777","jumpUrl":"mqqapi://x?uin=abc"}}}`, "777", ""},
		{"second uin value used when first is bad",
			`{"meta":{"contact":{"tag":"推荐好友","jumpUrl":"mqqapi://x?uin=&uin=55"}}}`, "55", ""},
		{"bot uin",
			`{"meta":{"contact":{"tag":"机器人","jumpUrl":"mqqapi://card/show_pslcard?uin=3889000000"}}}`, "3889000000", ""},
		{"card_type=group makes uin a group code",
			`{"app":"com.tencent.contact.lua","meta":{"contact":{"jumpUrl":"mqqapi://card/show_pslcard?authSig=A&card_type=group&uin=1032574526"}}}`,
			"", "1032574526"},
		{"group_code",
			`{"app":"com.tencent.troopsharecard","meta":{"contact":{"jumpUrl":"http://qm.qq.com/cgi-bin/qm/qr?k=x&group_code=736368697"}}}`,
			"", "736368697"},
		{"group_code before card_type uin",
			`{"meta":{"contact":{"tag":"推荐群聊","jumpUrl":"mqqapi://x?card_type=group&uin=1&group_code=2"}}}`, "", "2"},
		{"groupwpa pc link",
			`{"meta":{"contact":{"tag":"群名片","pcJumpUrl":"tencent://groupwpa/?jump_from=&uin=1032574526&subcmd=all"}}}`,
			"", "1032574526"},
		{"pc link that is not groupwpa",
			`{"meta":{"contact":{"tag":"推荐好友","pcJumpUrl":"tencent://message/?uin=99"}}}`, "", ""},
		{"group card never gets a uin",
			`{"app":"com.tencent.troopsharecard","meta":{"contact":{"contact":"账号：1","jumpUrl":"mqqapi://x?uin=5"}}}`, "", ""},
		{"fragment and bad escapes",
			`{"meta":{"contact":{"tag":"推荐好友","jumpUrl":"mqqapi://x?k=%zz&uin=42#uin=43"}}}`, "42", ""},
		{"no query", `{"meta":{"contact":{"tag":"推荐好友","jumpUrl":"mqqapi://x"}}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.UIN != tt.uin || c.GroupCode != tt.groupCode {
				t.Errorf("UIN, GroupCode = %q, %q; want %q, %q", c.UIN, c.GroupCode, tt.uin, tt.groupCode)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name, config  string
		created       time.Time
		width, height int
	}{
		{"absent", ``, time.Time{}, 526, 225},
		{"numbers", `"config":{"ctime":1752310147,"width":600,"height":300}`, time.Unix(1752310147, 0).UTC(), 600, 300},
		{"strings", `"config":{"ctime":"1752310147","width":"600","height":" 300 "}`, time.Unix(1752310147, 0).UTC(), 600, 300},
		{"whole floats", `"config":{"ctime":1.752310147e9,"width":600.0}`, time.Unix(1752310147, 0).UTC(), 600, 225},
		{"fractions", `"config":{"ctime":1752310147.5,"width":600.5}`, time.Time{}, 526, 225},
		{"zero and negative", `"config":{"ctime":0,"width":0,"height":-1}`, time.Time{}, 526, 225},
		{"wrong types", `"config":{"ctime":true,"width":{},"height":[225]}`, time.Time{}, 526, 225},
		{"not digits", `"config":{"ctime":"yesterday","width":"wide"}`, time.Time{}, 526, 225},
		{"huge", `"config":{"ctime":99999999999999999999,"width":1e300,"height":9223372036854775807}`, time.Time{}, 526, 225},
		{"past year 9999", `"config":{"ctime":253402300800}`, time.Time{}, 526, 225},
		{"config a string", `"config":"normal"`, time.Time{}, 526, 225},
		{"config null", `"config":null`, time.Time{}, 526, 225},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := `{"app":"a"` + map[bool]string{true: "", false: ","}[tt.config == ""] + tt.config + `}`
			c, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse(%s): %v", raw, err)
			}
			if !c.Created.Equal(tt.created) || c.Created.Location() != time.UTC {
				t.Errorf("Created = %v, want %v (UTC)", c.Created, tt.created)
			}
			if c.Width != tt.width || c.Height != tt.height {
				t.Errorf("size = %d×%d, want %d×%d", c.Width, c.Height, tt.width, tt.height)
			}
		})
	}
}

func TestParseWrongTypes(t *testing.T) {
	tests := []struct {
		name, raw string
		check     func(t *testing.T, c Card)
	}{
		{"nickname a number", `{"meta":{"contact":{"nickname":12345,"tag":"推荐好友"}}}`, func(t *testing.T, c Card) {
			if c.Title != "12345" || c.Kind != KindFriend {
				t.Errorf("Title, Kind = %q, %q; want 12345, friend", c.Title, c.Kind)
			}
		}},
		{"nickname an object", `{"prompt":"推荐联系人：x","meta":{"contact":{"nickname":{"a":1}}}}`, func(t *testing.T, c Card) {
			if c.Title != "x" {
				t.Errorf("Title = %q, want the prompt's x", c.Title)
			}
		}},
		{"meta a string", `{"app":"com.tencent.contact.lua","ver":"1","prompt":"推荐联系人：y","meta":"z"}`, func(t *testing.T, c Card) {
			if c.Kind != KindOther || c.App != "com.tencent.contact.lua" || c.Ver != "1" || c.Title != "y" || c.Links != nil {
				t.Errorf("got %+v", c)
			}
		}},
		{"top-level fields of wrong type", `{"app":true,"bizsrc":["x"],"view":null,"ver":1.5,"prompt":{}}`, func(t *testing.T, c Card) {
			if c.App != "" || c.BizSrc != "" || c.View != "" || c.Ver != "1.5" || c.Prompt != "" {
				t.Errorf("got App %q BizSrc %q View %q Ver %q Prompt %q", c.App, c.BizSrc, c.View, c.Ver, c.Prompt)
			}
		}},
		{"contact fields of wrong type", `{"meta":{"contact":{"contact":[],"tag":false,"avatar":1,"tagIcon":{}}}}`, func(t *testing.T, c Card) {
			if c.Subtitle != "" || c.Tag != "" || c.AvatarURL != "" || c.TagIcon != "" {
				t.Errorf("got %+v", c)
			}
		}},
		{"meta an array", `{"meta":[{"contact":{}}]}`, func(t *testing.T, c Card) {
			if c.Kind != KindOther {
				t.Errorf("Kind = %q", c.Kind)
			}
		}},
		{"duplicate keys: last wins", `{"app":"x","app":"com.tencent.troopsharecard","meta":{"contact":{}}}`, func(t *testing.T, c Card) {
			if c.Kind != KindGroup {
				t.Errorf("Kind = %q", c.Kind)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.Raw != tt.raw {
				t.Errorf("Raw changed")
			}
			tt.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"empty", "", "the ark card is empty"},
		{"blank", " \n\t", "the ark card is empty"},
		{"truncated", `{"app":"x"`, "not valid JSON: it ends early"},
		{"syntax", `{"app":}`, "not valid JSON: invalid character '}' looking for beginning of value (at byte 8)"},
		{"single quotes", `{'app':'x'}`, "not valid JSON"},
		{"array", `[{"app":"x"}]`, "must be a JSON object, not an array"},
		{"string", `"{}"`, "must be a JSON object, not a string"},
		{"number", `42`, "must be a JSON object, not a number"},
		{"bool", `true`, "must be a JSON object, not a boolean"},
		{"null", `null`, "must be a JSON object, not null"},
		{"two objects", `{} {}`, "more data after its JSON (at byte 3)"},
		{"trailing garbage", "{}\nx", "more data after its JSON (at byte 3)"},
		{"invalid UTF-8 outside strings", "\xff{}", "not valid JSON"},
		{"byte-order mark", "\ufeff{}", "not valid JSON"},
		{"too deep", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var e *core.Error
			if !errors.As(err, &e) || e.Code != core.CodeBadJSON {
				t.Errorf("error %#v is not a *core.Error with code %s", err, core.CodeBadJSON)
			}
			if !reflect.DeepEqual(c, Card{}) {
				t.Errorf("a failed Parse returned %+v, want the zero Card", c)
			}
		})
	}
}

func TestParseKeepsRaw(t *testing.T) {
	raws := []string{
		"  {\"prompt\":\"a\\u003cb\\/c\"}\n\n",
		"{\"meta\":{\"contact\":{\"nickname\":\"\xff\xfe\"}}}\r\n",
		`{"z":1,"a":2,"config":{"token":"x"}}`,
	}
	for _, raw := range raws {
		c, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse(%q): %v", raw, err)
		}
		if c.Raw != raw {
			t.Errorf("Raw = %q, want %q", c.Raw, raw)
		}
	}
}

func TestTextPreview(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"group-troopsharecard.json", "" +
			"Recommended group (com.tencent.troopsharecard)\n" +
			"Title:         LR26710测试\n" +
			"Tag:           推荐群聊\n" +
			"Subtitle:      111\n" +
			"Avatar:        https://p.qlogo.cn/gh/736368697/736368697/100\n" +
			"Link (mobile): http://qm.qq.com/cgi-bin/qm/qr?_wv=1027&k=XYXhAbCdEf&authKey=mo%2BduAbCd&noverify=0&group_code=736368697 (opens in browser)\n" +
			"Created:       2025-03-23T03:23:18Z\n" +
			"Size:          526×225\n" +
			"Group:         736368697\n"},
		{"friend-contact-lua.json", "" +
			"Recommended friend (com.tencent.contact.lua)\n" +
			"Title:         暗世现\n" +
			"Tag:           推荐好友\n" +
			"Subtitle:      账号：1049509241\n" +
			"Avatar:        https://thirdqq.qlogo.cn/g?b=oidb&k=c9w2AbCd&kti=aHIhAbCd&s=140\n" +
			"Link (mobile): mqqapi://card/show_pslcard?src_type=internal&source=sharecard&version=1&uin=1049509241 (opens in QQ)\n" +
			"Created:       2025-07-12T08:49:07Z\n" +
			"Size:          526×225\n" +
			"QQ:            1049509241\n"},
		{"group-namecard-contact-lua.json", "" +
			"Group name card (com.tencent.contact.lua)\n" +
			"Title:         学府超市特惠版ʳ\n" +
			"Tag:           群名片\n" +
			"Subtitle:      商品1折起，每天抢免单！\n" +
			"Avatar:        https://p.qlogo.cn/gh/1032574526/1032574526_1/100\n" +
			"Link (mobile): mqqapi://card/show_pslcard?authSig=AbCdEf&card_type=group&uin=1032574526 (opens in QQ)\n" +
			"Link (pc):     tencent://groupwpa/?jump_from=&uin=1032574526&subcmd=all (opens in QQ)\n" +
			"Created:       2026-09-11T03:18:11Z\n" +
			"Size:          526×225\n" +
			"Group:         1032574526\n"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := Parse(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.TextPreview(); got != tt.want {
				t.Errorf("TextPreview =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTextPreviewEdgeCases(t *testing.T) {
	c, err := Parse(`{"meta":{"contact":{"nickname":"a\u001b[2Jb\u202ecba\nc","contact":"\u0000"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := c.TextPreview()
	want := "Ark card (unrecognised kind)\n" +
		"Title:         a\uFFFD[2Jb\uFFFDcba\uFFFDc\n" +
		"Subtitle:      \uFFFD\n" +
		"Size:          526×225\n"
	if got != want {
		t.Errorf("TextPreview = %q, want %q", got, want)
	}
	if !strings.Contains(c.Title, "\u001b") {
		t.Errorf("Title was sanitised in the Card itself: %q", c.Title)
	}

	if got := (Card{}).TextPreview(); got != "Ark card (unrecognised kind)\n" {
		t.Errorf("zero Card preview = %q", got)
	}
	if got := (Card{Kind: "weird", Created: time.Unix(0, 1)}).TextPreview(); !strings.Contains(got, "Created:       1970-01-01T00:00:00Z") {
		t.Errorf("preview %q lacks the UTC creation time", got)
	}
}
