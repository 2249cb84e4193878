package onebot

import (
	"bytes"
	"encoding/json"
	"strconv"

	"ucbi-console/core"
)

// The scanner itself is core's (core/jsonscan.go); these are its short names here, and the
// helpers that read what it hands out.

func eachField(b []byte, fn func(key []byte, escaped bool, value []byte)) bool {
	return core.EachJSONField(b, fn)
}

func eachElement(b []byte, fn func(i int, value []byte) bool) bool {
	return core.EachJSONElement(b, fn)
}

// fieldKey is a field's key as a string, its escapes decoded. Small enough to be inlined: a
// caller that only compares the key (a switch) then converts it on the stack, without an
// allocation per field.
func fieldKey(raw []byte, escaped bool) string {
	if escaped {
		return unescapedKey(raw)
	}
	return string(raw)
}

func unescapedKey(raw []byte) string {
	var s string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if json.Unmarshal(quoted, &s) != nil {
		return string(raw)
	}
	return s
}

// rawString is the value of a raw JSON string: its bytes as they are when it has no escape
// (valid JSON then holds the text verbatim), else decoded. ok is false for anything but a string.
func rawString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// wholeNumber is a raw JSON value that is a whole number fitting in 64 bits, as written (what
// encoding/json's json.Number holds); ok is false for anything else.
func wholeNumber(raw []byte) (string, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 19 || (digits[0] == '0' && len(digits) > 1) {
		return "", false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	s := string(raw)
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "", false
	}
	return s, true
}
