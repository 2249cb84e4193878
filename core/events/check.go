package events

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// checkRaw refuses what no decoder should see: nothing, too much, bad UTF-8, not JSON, or
// nesting deeper than maxDepth (a cheap guard against stack-hungry input). It returns the
// reason ("" when the input is fine) and the details.
func checkRaw(raw []byte, maxBytes, maxDepth int) (string, error) {
	switch {
	case len(raw) == 0:
		return ReasonEmpty, nil
	case len(raw) > maxBytes:
		return ReasonTooLarge, fmt.Errorf("%d bytes, more than the limit of %d", len(raw), maxBytes)
	case !utf8.Valid(raw):
		return ReasonBadUTF8, nil
	}
	if d := jsonDepth(raw); d > maxDepth {
		return ReasonTooDeep, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if !json.Valid(raw) {
		return ReasonNotJSON, nil
	}
	return "", nil
}

// jsonDepth is the deepest nesting of objects and arrays in b, strings skipped. It does not
// validate; json.Valid does that afterwards, on input known not to be absurdly deep.
func jsonDepth(b []byte) int {
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
