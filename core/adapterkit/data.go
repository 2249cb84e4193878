package adapterkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Flat marshals v (a struct of an event's data) with extra's keys added beside its own fields:
// UCBI puts open-layer fields ("*message_id", "*params"…) flat in data. A key of v wins over the
// same key in extra.
func Flat(v any, extra map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, x := range extra {
		if _, set := m[k]; set || x == nil {
			continue
		}
		raw, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", k, err)
		}
		m[k] = raw
	}
	return json.Marshal(m)
}

// IDString renders an id value as decoded with UseNumber (string or number) as a string; objects,
// arrays and booleans give "".
func IDString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// Seconds reads a time given as a number or a numeric string of seconds (possibly fractional, as
// OneBot 12 sends it) and returns whole seconds, rounded down. ok is false for anything else.
func Seconds(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

// DecodeObject decodes a JSON object keeping numbers as json.Number (so 64-bit ids survive).
func DecodeObject(raw []byte) (map[string]any, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return m, nil
}

// Str reads m[key] as text: strings as they are, numbers in their JSON form.
func Str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// Int reads a whole number given as a JSON number or a numeric string (retcodes, Openwx's code).
func Int(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// SegmentSupport says, for each UCBI segment kind ("*" standing for every open-layer specific
// one), whether an open layer can send it: "" when it can, else why not, in words for the user.
type SegmentSupport map[string]string

// Copy is a copy the caller may change.
func (s SegmentSupport) Copy() map[string]string {
	out := make(map[string]string, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}

// KeepUnnamed copies into d the fields of data a mapping did not use (used; nil values are left
// out), each under a '*' prefix: a segment mapped to UCBI keeps what UCBI has no name for.
func KeepUnnamed(d, data map[string]any, used ...string) map[string]any {
	for k, v := range data {
		if v == nil || slices.Contains(used, k) {
			continue
		}
		d["*"+k] = v
	}
	return d
}
