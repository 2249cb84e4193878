package events

import (
	"fmt"
	"unicode/utf8"

	"ucbi-console/core"
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
	case core.ValidJSON(raw, maxDepth):
		return "", nil // the one pass every good event takes; the rest says why a bad one is bad
	case !utf8.Valid(raw):
		return ReasonBadUTF8, nil
	}
	if d := core.JSONDepth(raw); d > maxDepth {
		return ReasonTooDeep, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	return ReasonNotJSON, nil
}
