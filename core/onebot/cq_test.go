package onebot_test

import (
	"reflect"
	"testing"

	"ucbi-console/core/onebot"
)

func text(s string) onebot.Segment {
	return onebot.Segment{Type: "text", Data: map[string]any{"text": s}}
}

func seg(typ string, kv ...string) onebot.Segment {
	d := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return onebot.Segment{Type: typ, Data: d}
}

func TestParseCQ(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []onebot.Segment
	}{
		{"empty", "", nil},
		{"plain text", "hello", []onebot.Segment{text("hello")}},
		{"text escapes", "a&amp;b&#91;c&#93;d&#44;e", []onebot.Segment{text("a&b[c]d,e")}},
		{"one pass unescape", "&amp;#91;", []onebot.Segment{text("&#91;")}},
		{"face", "[CQ:face,id=14]", []onebot.Segment{seg("face", "id", "14")}},
		{"text around codes", "hi [CQ:at,qq=10002] there[CQ:face,id=1]",
			[]onebot.Segment{text("hi "), seg("at", "qq", "10002"), text(" there"), seg("face", "id", "1")}},
		{"value escapes", "[CQ:share,url=http://h/?a=1&amp;b=2,title=a&#44;b&#91;c&#93;]",
			[]onebot.Segment{seg("share", "url", "http://h/?a=1&b=2", "title", "a,b[c]")}},
		{"value with =", "[CQ:image,file=base64://aGk=]", []onebot.Segment{seg("image", "file", "base64://aGk=")}},
		{"no params", "[CQ:shake]", []onebot.Segment{seg("shake")}},
		{"key without value", "[CQ:poke,id]", []onebot.Segment{seg("poke", "id", "")}},
		{"empty param skipped", "[CQ:dice,]", []onebot.Segment{seg("dice")}},
		{"unterminated code is text", "a[CQ:face,id=1", []onebot.Segment{text("a[CQ:face,id=1")}},
		{"empty type is text", "[CQ:]x", []onebot.Segment{text("[CQ:]x")}},
		{"escaped brackets are not a code", "&#91;CQ:face,id=1&#93;", []onebot.Segment{text("[CQ:face,id=1]")}},
		{"lone brackets are text", "[not a code] ]", []onebot.Segment{text("[not a code] ]")}},
		{"CQ text code merges with text", "a[CQ:text,text=b&#44;c]d", []onebot.Segment{text("ab,cd")}},
		{"adjacent codes", "[CQ:face,id=1][CQ:face,id=2]", []onebot.Segment{seg("face", "id", "1"), seg("face", "id", "2")}},
		{"unicode", "你好[CQ:at,qq=all]世界", []onebot.Segment{text("你好"), seg("at", "qq", "all"), text("世界")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := onebot.ParseCQ(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseCQ(%q)\n got  %#v\n want %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapeCQ(t *testing.T) {
	tests := []struct {
		in      string
		inValue bool
		want    string
	}{
		{"a&b[c]d,e", false, "a&amp;b&#91;c&#93;d,e"},
		{"a&b[c]d,e", true, "a&amp;b&#91;c&#93;d&#44;e"},
		{"&#91;", false, "&amp;#91;"},
		{"plain", true, "plain"},
	}
	for _, tc := range tests {
		got := onebot.EscapeCQ(tc.in, tc.inValue)
		if got != tc.want {
			t.Errorf("EscapeCQ(%q, %v) = %q, want %q", tc.in, tc.inValue, got, tc.want)
		}
		if back := onebot.UnescapeCQ(got); back != tc.in {
			t.Errorf("UnescapeCQ(%q) = %q, want %q", got, back, tc.in)
		}
	}
}

func TestToCQ(t *testing.T) {
	segs := []onebot.Segment{
		text("a&[b],c"),
		seg("share", "url", "http://h/?a=1&b=2", "title", "x,y"),
		{Type: "face", Data: map[string]any{"id": 14}},
	}
	want := "a&amp;&#91;b&#93;,c[CQ:share,title=x&#44;y,url=http://h/?a=1&amp;b=2][CQ:face,id=14]"
	if got := onebot.ToCQ(segs); got != want {
		t.Fatalf("ToCQ = %q\nwant   %q", got, want)
	}
	back := onebot.ParseCQ(want)
	segs[2] = seg("face", "id", "14") // CQ codes carry strings
	if !reflect.DeepEqual(back, segs) {
		t.Errorf("ParseCQ(ToCQ(x)) = %#v\nwant %#v", back, segs)
	}
}
