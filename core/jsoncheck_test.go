package core

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// validJSONSlow is what ValidJSON must agree with: the three checks it replaces.
func validJSONSlow(b []byte, maxDepth int) bool {
	return utf8.Valid(b) && (maxDepth <= 0 || JSONDepth(b) <= maxDepth) && json.Valid(b)
}

var validJSONCases = []string{
	``, ` `, `{}`, `[]`, ` {} `, `{`, `}`, `[`, `]`, `{]`, `[}`, `{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`,
	`{a:1}`, `[1,2,3]`, `[1,,2]`, `[,1]`, `[1,]`, `"x"`, `"x`, `"\"\\\/\b\f\n\r\t\u00e9"`, `"\x"`, `"\u12"`,
	`"\u12G4"`, "\"a\x01\"", "\"\t\"", `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`,
	`1e+`, `-1.5e10`, `true`, `false`, `null`, `tru`, `nul`, `truex`, `nullnull`, `1 2`, `{} {}`,
	`[[[[]]]]`, `{"a":{"b":[{"c":null}]}}`, "\"\xff\"", "\"\xed\xa0\x80\"", "\"中文\"", "{\"中\":\"文\"}",
	"\xef\xbb\xbf{}", `{"a":1 "b":2}`, `{"a" : 1 , "b" : [ true , false ] }`, "[1]\n", "\n[1]", `[-]`,
	`["a",{"b":"c"},[1,2],null]`, `{"":""}`, `[1e309]`, `{"a":[}`, `{"a":1}}`, `[1]]`,
}

// compactJSONSlow: valid UTF-8 JSON that json.Compact leaves as it is.
func compactJSONSlow(b []byte) bool {
	var buf bytes.Buffer
	return utf8.Valid(b) && json.Compact(&buf, b) == nil && bytes.Equal(buf.Bytes(), b)
}

func TestValidJSONAgreesWithTheSlowChecks(t *testing.T) {
	for _, c := range validJSONCases {
		if got, want := CompactJSON([]byte(c)), compactJSONSlow([]byte(c)); got != want {
			t.Errorf("CompactJSON(%q) = %v, want %v", c, got, want)
		}
		for _, d := range []int{0, 1, 2, 3, 64} {
			if got, want := ValidJSON([]byte(c), d), validJSONSlow([]byte(c), d); got != want {
				t.Errorf("ValidJSON(%q, %d) = %v, want %v", c, d, got, want)
			}
		}
	}
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	for _, d := range []int{0, 64, 99, 100, 101} {
		if got, want := ValidJSON([]byte(deep), d), validJSONSlow([]byte(deep), d); got != want {
			t.Errorf("ValidJSON(100 deep, %d) = %v, want %v", d, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c), 3)
	}
	f.Fuzz(func(t *testing.T, b []byte, d int) {
		d %= 8
		if got, want := ValidJSON(b, d), validJSONSlow(b, d); got != want {
			t.Fatalf("ValidJSON(%q, %d) = %v, want %v", b, d, got, want)
		}
		if got, want := CompactJSON(b), compactJSONSlow(b); got != want {
			t.Fatalf("CompactJSON(%q) = %v, want %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	ev := []byte(`{"self_id":10001,"user_id":10005,"time":1796000000,"message_id":6,"message_seq":6,"real_id":6,"message_type":"group","sender":{"user_id":10005,"nickname":"用户10005","card":"","role":"member"},"raw_message":"今晚八点开会，请大家准时参加 stamp=1796000000000000000; #6","font":14,"sub_type":"normal","message":[{"type":"text","data":{"text":"今晚八点开会，请大家准时参加 stamp=1796000000000000000; #6"}}],"message_format":"array","post_type":"message","group_id":20006}`)
	b.Run("ValidJSON", func(b *testing.B) {
		for b.Loop() {
			ValidJSON(ev, 64)
		}
	})
	b.Run("slow", func(b *testing.B) {
		for b.Loop() {
			validJSONSlow(ev, 64)
		}
	})
}
