package core

import (
	"bytes"
	"encoding/json"
	"testing"
)

func marshalString(s string, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "中文", "a\"b", "a\\b", "<b>&", "\x01\x1f\x7f", "\u2028\u2029", "bad\xff", "\xe2\x80", "\t\n\r\b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, esc := range []bool{true, false} {
			if got, want := AppendJSONString([]byte("x"), s, esc), append([]byte("x"), marshalString(s, esc)...); !bytes.Equal(got, want) {
				t.Fatalf("AppendJSONString(%q, %v) = %s, want %s", s, esc, got, want)
			}
		}
	})
}
