package onebot

import (
	"encoding/json"
	"strings"
)

var (
	textEscaper    = strings.NewReplacer("&", "&amp;", "[", "&#91;", "]", "&#93;")
	valueEscaper   = strings.NewReplacer("&", "&amp;", "[", "&#91;", "]", "&#93;", ",", "&#44;")
	valueUnescaper = strings.NewReplacer("&#44;", ",", "&#91;", "[", "&#93;", "]", "&amp;", "&")
)

// EscapeCQ escapes text for the CQ-code string form: & [ ] in text, and also , inside a CQ code's
// type, keys and values (inValue).
func EscapeCQ(s string, inValue bool) string {
	if inValue {
		return valueEscaper.Replace(s)
	}
	return textEscaper.Replace(s)
}

// UnescapeCQ reverses EscapeCQ (in one pass: "&amp;#91;" becomes "&#91;", not "[").
func UnescapeCQ(s string) string { return valueUnescaper.Replace(s) }

// ParseCQ parses the CQ-code string form of a message ("hi [CQ:face,id=14]") into array segments.
// Text is unescaped; so are a code's type, keys and values. It never fails: a "[CQ:" that is not
// closed, or a code with an empty type, is text. Adjacent text is merged and empty text dropped;
// [CQ:text,text=…] is text. Every segment has a non-nil Data; values are strings.
func ParseCQ(s string) []Segment {
	var out []Segment
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, Segment{Type: "text", Data: map[string]any{"text": text.String()}})
			text.Reset()
		}
	}
	for len(s) > 0 {
		i := strings.Index(s, "[CQ:")
		if i < 0 {
			text.WriteString(UnescapeCQ(s))
			break
		}
		text.WriteString(UnescapeCQ(s[:i]))
		s = s[i:]
		end := strings.IndexByte(s, ']')
		if end < 0 {
			text.WriteString(UnescapeCQ(s))
			break
		}
		body := s[len("[CQ:"):end]
		parts := strings.Split(body, ",")
		typ := UnescapeCQ(parts[0])
		if typ == "" {
			text.WriteString(UnescapeCQ(s[:end+1]))
			s = s[end+1:]
			continue
		}
		data := make(map[string]any, len(parts)-1)
		for _, p := range parts[1:] {
			if p == "" {
				continue
			}
			k, v, _ := strings.Cut(p, "=")
			data[UnescapeCQ(k)] = UnescapeCQ(v)
		}
		s = s[end+1:]
		if typ == "text" {
			t, _ := data["text"].(string)
			text.WriteString(t)
			continue
		}
		flush()
		out = append(out, Segment{Type: typ, Data: data})
	}
	flush()
	return out
}

// ToCQ renders array segments as a CQ-code string: text escaped, other segments as
// [CQ:type,key=value,…] with keys sorted. Non-string values are written in their JSON form.
func ToCQ(segs []Segment) string {
	var sb strings.Builder
	for _, s := range segs {
		if s.Type == "text" {
			t, _ := s.Data["text"].(string)
			sb.WriteString(EscapeCQ(t, false))
			continue
		}
		sb.WriteString("[CQ:")
		sb.WriteString(EscapeCQ(s.Type, true))
		for _, k := range sortedKeys(s.Data) {
			sb.WriteByte(',')
			sb.WriteString(EscapeCQ(k, true))
			sb.WriteByte('=')
			sb.WriteString(EscapeCQ(valueString(s.Data[k]), true))
		}
		sb.WriteByte(']')
	}
	return sb.String()
}

func valueString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool, float64, int, int64:
		b, _ := json.Marshal(v)
		return string(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
