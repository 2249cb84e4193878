package core

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The small rules every package applies the same way, each in one copy: a JSON null, a caller's
// text cut short for a message, a document's nesting, digits, a source's settings, a target.

// IsNull reports whether a raw JSON value is absent or null.
func IsNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// Snippet is s fit to quote in a message: one line (runs of white space become one space),
// valid UTF-8 (bad bytes and unprintable runes become U+FFFD), at most max runes, "…" marking a
// cut. Callers pick max by where the text goes (an error about an id: 40; a backend's body: 160).
func Snippet(s string, max int) string {
	s = strings.TrimSpace(s)
	var sb strings.Builder
	n, space := 0, false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '\uFFFD'
		case unicode.IsSpace(r):
			s = s[size:]
			space = true
			continue
		case !unicode.IsPrint(r):
			r = '\uFFFD'
		}
		if n >= max {
			sb.WriteString("…")
			return sb.String()
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
			n++
		}
		space = false
		sb.WriteRune(r)
		n++
		s = s[size:]
	}
	return sb.String()
}

// MaxJSONDepth bounds the nesting of any JSON a caller sends: nothing the console takes nests
// deeper than a few levels (a forward message's nodes the most); a deeper document is an attack
// on the decoders, not a call.
const MaxJSONDepth = 64

// CheckJSON refuses a body that is not one valid JSON value or nests deeper than MaxJSONDepth,
// before any decoder sees it (CodeBadJSON).
func CheckJSON(body []byte) *Error {
	if !json.Valid(body) {
		var v json.RawMessage
		err := json.Unmarshal(body, &v)
		return Fail(CodeBadJSON, "json.invalid", "", "detail", errText(err))
	}
	if JSONDepth(body) > MaxJSONDepth {
		return Fail(CodeBadJSON, "json.too_deep", "", "max", itoa(MaxJSONDepth))
	}
	return nil
}

// JSONDepth is the deepest nesting of objects and arrays in b, strings skipped. It does not
// validate (json.Valid does), so a caller can refuse absurdly deep input before parsing it.
// The one depth rule for requests, events and everything else that takes JSON.
func JSONDepth(b []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
	return deepest
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaxSourceID is the longest message source id accepted, in characters.
const MaxSourceID = 64

// ValidateSource checks what every message source must have, whatever its open layer: an id
// that can sit in a URL path (/s/{source}/…) and a history row, a via and a URL — or, for a
// source whose actions go over its WebSocket event link, a ws_url or a ws-reverse link. Its messages
// never include the token or the URL. Dispatcher.ValidateSource adds the adapter's own checks.
func ValidateSource(s Source) error {
	switch {
	case s.ID == "":
		return Fail(CodeMissingParam, "source.id_missing", "id")
	case !utf8.ValidString(s.ID):
		return Fail(CodeBadParam, "source.id_utf8", "id", "id", Snippet(s.ID, 40))
	case utf8.RuneCountInString(s.ID) > MaxSourceID:
		return Fail(CodeBadParam, "source.id_long", "id", "id", Snippet(s.ID, 40), "max", itoa(MaxSourceID))
	case strings.IndexFunc(s.ID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return Fail(CodeBadParam, "source.id_space", "id", "id", Snippet(s.ID, 40))
	case strings.ContainsAny(s.ID, `/\`):
		return Fail(CodeBadParam, "source.id_slash", "id", "id", s.ID)
	case strings.TrimSpace(s.Via) == "":
		return Fail(CodeMissingParam, "source.via_missing", "via", "id", s.ID)
	case strings.TrimSpace(s.URL) == "" && strings.TrimSpace(s.WSURL) == "" && s.Events != LinkWSReverse:
		// Without an HTTP URL, actions go over the WebSocket (its ws_url, or the reverse link).
		return Fail(CodeMissingParam, "source.url_missing", "url", "id", s.ID)
	}
	return nil
}

// ParseTarget is the inverse of Target.String: "group:123" → {group, 123}. "user:" (what Ark
// rows said before they said "private:") reads as private. ok is false for anything else.
func ParseTarget(s string) (Target, bool) {
	typ, id, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || id == "" {
		return Target{}, false
	}
	switch typ {
	case TypePrivate, "user":
		return Target{Type: TypePrivate, ID: id}, true
	case TypeGroup, TypeDiscuss:
		return Target{Type: typ, ID: id}, true
	}
	return Target{}, false
}
