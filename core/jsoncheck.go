package core

import "unicode/utf8"

// ValidJSON reports whether b is exactly one JSON value (whitespace around it allowed) that is
// valid UTF-8 throughout and nests objects and arrays at most maxDepth deep (maxDepth ≤ 0: no
// bound): what utf8.Valid, JSONDepth(b) <= maxDepth and json.Valid accept together, in one pass
// and without allocating. It is the fast path of every check of raw JSON on the event path; where
// it says false, callers that must say why (not UTF-8, too deep, not JSON) ask the slow checks.
func ValidJSON(b []byte, maxDepth int) bool {
	ok, _ := scanJSON(b, maxDepth)
	return ok
}

// CompactJSON reports whether b is valid JSON (and UTF-8) without a byte of whitespace outside
// its strings: what json.Compact would copy unchanged, so it can be written as it is.
func CompactJSON(b []byte) bool {
	ok, compact := scanJSON(b, 0)
	return ok && compact
}

// scanJSON is ValidJSON; compact says whether it met no whitespace outside strings.
func scanJSON(b []byte, maxDepth int) (valid, compact bool) {
	var inline [64]byte
	stack := inline[:0] // the open containers, '{' or '['
	s := jsonScan{b: b}
	i := s.space(0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return false, false
		}
		switch c := b[i]; c {
		case '{', '[':
			if maxDepth > 0 && len(stack) >= maxDepth {
				return false, false
			}
			stack = append(stack, c)
			i = s.space(i + 1)
			if i < len(b) && b[i] == c+2 { // '{'+2 = '}', '['+2 = ']'
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				var ok bool
				if i, ok = s.objectKey(i); !ok {
					return false, false
				}
			}
			continue
		case '"':
			var ok bool
			if i, ok = scanJSONString(b, i); !ok {
				return false, false
			}
		case 't':
			if !hasLiteral(b, i, "true") {
				return false, false
			}
			i += 4
		case 'f':
			if !hasLiteral(b, i, "false") {
				return false, false
			}
			i += 5
		case 'n':
			if !hasLiteral(b, i, "null") {
				return false, false
			}
			i += 4
		default:
			var ok bool
			if i, ok = scanJSONNumber(b, i); !ok {
				return false, false
			}
		}
		// A value ended at i: close what it ends, then expect the next member or element.
		for {
			i = s.space(i)
			if len(stack) == 0 {
				return i == len(b), !s.spaced
			}
			if i >= len(b) {
				return false, false
			}
			top := stack[len(stack)-1]
			if b[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return false, false
			}
			i = s.space(i + 1)
			if top == '{' {
				var ok bool
				if i, ok = s.objectKey(i); !ok {
					return false, false
				}
			}
			break
		}
	}
}

// jsonScan notes whether scanJSON skipped any whitespace.
type jsonScan struct {
	b      []byte
	spaced bool
}

func (s *jsonScan) space(i int) int {
	j := skipSpace(s.b, i)
	if j != i {
		s.spaced = true
	}
	return j
}

// objectKey scans `"key" :` and the space after it; it returns where the member's value starts.
func (s *jsonScan) objectKey(i int) (int, bool) {
	b := s.b
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := scanJSONString(b, i)
	if !ok {
		return i, false
	}
	i = s.space(i)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	return s.space(i + 1), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// plainStringByte marks the bytes a JSON string holds as they are: printable ASCII but '"' and '\\'.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanJSONString scans the string starting at b[i] == '"' and returns the index after its
// closing quote; ok is false for a control character, a bad escape, bad UTF-8 or no end.
func scanJSONString(b []byte, i int) (int, bool) {
	i++
	for i < len(b) {
		c := b[i]
		if plainStringByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, false
				}
				i += 6
			default:
				return i, false
			}
		case c < 0x20:
			return i, false
		default: // c >= 0x80: a multi-byte character
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false
			}
			i += size
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanJSONNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? from b[i].
func scanJSONNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, false
	}
	switch {
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
