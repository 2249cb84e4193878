package onebot

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A small scanner over a JSON object that is already known to be valid (json.Valid): it hands
// out the top-level fields as raw slices of the input, without decoding them into Go values.
// The proxy uses it on every request and every backend reply, where only a handful of
// fields matter and the document itself is passed on untouched.

// eachField calls fn with every top-level field of the object b, in order (a key that appears
// twice is handed out twice: the caller keeps the last, as encoding/json and JSON.parse do).
// key is the raw key between its quotes; escaped says it holds a backslash escape (compare it
// with fieldKey). It returns false when b is not an object; on input that is not valid JSON it
// stops early without panicking.
func eachField(b []byte, fn func(key []byte, escaped bool, value []byte)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return true
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '"' {
			return true
		}
		end, escaped := stringEnd(b, i)
		if end < 0 {
			return true
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return true
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend <= i {
			return true
		}
		fn(key, escaped, b[i:vend])
		i = vend
	}
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

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string that starts at b[i] ('"'), and whether it
// holds an escape; -1 when it does not end.
func stringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}

// valueEnd returns the index just past the value that starts at b[i] (i itself when there is
// none).
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		if end < 0 {
			return i
		}
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				if end < 0 {
					return i
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return i
	}
	j := i
	for ; j < len(b); j++ {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return j
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

// eachElement calls fn with every element of the array b (valid JSON) and its index, in order,
// until fn returns false. It returns false when b is not an array.
func eachElement(b []byte, fn func(i int, value []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i++
	for n := 0; ; {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == ']' {
			return true
		}
		if b[i] == ',' {
			i++
			continue
		}
		end := valueEnd(b, i)
		if end <= i {
			return true
		}
		if !fn(n, b[i:end]) {
			return true
		}
		n++
		i = end
	}
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
