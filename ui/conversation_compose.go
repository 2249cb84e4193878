package ui

import "ucbi-console/core"

// takeMessage is "Open in Compose" from a conversation: the reply's context becomes the target
// and its segments (quote, @, text, image) become Compose's rows, to be finished there
// (messageTaker). It lives beside the conversation code because only the reply box calls it; it
// uses Compose's own row API (addRow, setField), nothing of its layout.
func (s *composeScreen) takeMessage(c core.Context, m core.Message) {
	s.setContext(c)
	s.plain.SetChecked(false)
	for len(s.rows) > 0 {
		s.removeSegment(s.rows[0])
	}
	for _, seg := range m {
		switch seg.Type {
		case "text":
			s.addRow("text").setField("text", seg.Text)
		case "*reply":
			id, _ := seg.Str("id")
			s.addRow("*reply").setField("id", id)
		case "at":
			id, _ := seg.Str("user_id")
			s.addRow("at").setField("user_id", id)
		case "image":
			r := s.addRow("image")
			for _, k := range []string{"url", "path"} {
				if v, ok := seg.Str(k); ok {
					r.setField(k, v)
				}
			}
		}
	}
	if len(s.rows) == 0 {
		s.addRow("text")
	}
}
