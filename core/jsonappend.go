package core

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string exactly as encoding/json writes it — json.Marshal
// when escapeHTML, an Encoder with SetEscapeHTML(false) when not — without reflection: as it is
// when it needs no escape (the usual case), else through encoding/json.
func AppendJSONString(dst []byte, s string, escapeHTML bool) []byte {
	if !needsEscape(s, escapeHTML) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// needsEscape reports whether encoding/json writes s other than as it is between quotes.
func needsEscape(s string, escapeHTML bool) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\':
			return true
		case escapeHTML && (c == '<' || c == '>' || c == '&'):
			return true
		case c >= 0x80:
			ascii = false
		}
	}
	if ascii {
		return false
	}
	// Bad UTF-8 becomes U+FFFD; U+2028 and U+2029 are always escaped.
	return !utf8.ValidString(s) || containsLineSeparator(s)
}

func containsLineSeparator(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xE2 && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return true
		}
	}
	return false
}
