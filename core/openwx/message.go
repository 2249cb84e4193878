package openwx

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Segment kinds and why Openwx cannot send the ones it cannot: "" = it can.
var segmentSupport = adapterkit.SegmentSupport{
	"text":     "",
	"at":       "", // written as "@name " text: web WeChat has no mention by id
	"image":    "",
	"audio":    "", // sent as a media file
	"video":    "",
	"file":     "",
	"link":     core.SupportReason("support.openwx.link"),
	"location": core.SupportReason("support.openwx.location"),
	"contact":  core.SupportReason("support.openwx.contact"),
	"group":    core.SupportReason("support.openwx.group"),
	"rich":     core.SupportReason("support.rich"),
	"*":        core.SupportReason("support.openwx.own_types"),
}

var _ core.SegmentSupport = (*Adapter)(nil)

// SupportedSegments tells, for every UCBI segment kind ("*" standing for all open-layer specific
// ones), whether Openwx can send it: "" when it can, else why not. Beyond kinds, a message is
// either text (text and at segments) or exactly one media segment: Openwx sends one or the other
// per call. Media go by url or path (media_path) or media_id, never inline data.
func (a *Adapter) SupportedSegments() map[string]string { return SupportedSegments() }

// SupportedSegments is Adapter.SupportedSegments without an adapter (for forms before a source
// exists).
func SupportedSegments() map[string]string { return segmentSupport.Copy() }

// BuildSend is the exact Openwx request a send becomes: the route and its form. Errors are
// *core.Error: CodeUnsupported for discussion groups and for what Openwx cannot send,
// CodeBadMessage / CodeMissingParam / CodeBadParam naming what is wrong.
func BuildSend(t core.Target, m core.Message) (string, url.Values, error) {
	var route string
	var keys []string // the prefixes this route accepts besides a bare id
	switch t.Type {
	case core.TypePrivate:
		route, keys = "send_friend_message", []string{"account", "displayname", "markname"}
	case core.TypeGroup:
		route, keys = "send_group_message", []string{"displayname"}
	case core.TypeDiscuss:
		return "", nil, core.Errorf(core.CodeUnsupported, "WeChat has no discussion groups (Openwx sends to friends and groups)")
	case "":
		return "", nil, core.Errorf(core.CodeMissingParam, "the send has no target type (private or group)")
	default:
		return "", nil, core.Errorf(core.CodeBadParam, "target type must be private or group, not %q", t.Type)
	}
	id := strings.TrimSpace(t.ID)
	if id == "" {
		return "", nil, core.Errorf(core.CodeMissingParam, "the %s target has no id", t.Type)
	}
	form := url.Values{}
	key, name := "id", id
	if k, v, ok := strings.Cut(id, ":"); ok && !strings.HasPrefix(id, "@") {
		found := false
		for _, allowed := range keys {
			if k == allowed {
				found = true
			}
		}
		if !found && (k == "account" || k == "displayname" || k == "markname") {
			return "", nil, core.Errorf(core.CodeBadParam, "%s cannot name its target by %s (it takes an id or %s:)", route, k, strings.Join(keys, ":, "))
		}
		if found {
			if strings.TrimSpace(v) == "" {
				return "", nil, core.Errorf(core.CodeMissingParam, "the target %q names no %s", id, k)
			}
			key, name = k, strings.TrimSpace(v)
		}
	}
	form.Set(key, name)
	content, err := Content(m)
	if err != nil {
		return "", nil, err
	}
	for k, vs := range content {
		form[k] = vs
	}
	return route, form, nil
}

// Content is the message part of an Openwx send or reply: {content} for text, or {media_path} /
// {media_id} for one media segment.
func Content(m core.Message) (url.Values, error) {
	if len(m) == 0 {
		return nil, core.Errorf(core.CodeBadMessage, "the message is empty: a message needs at least one segment")
	}
	var text strings.Builder
	var media url.Values
	for i, s := range m {
		fail := func(code, format string, args ...any) error {
			return core.Errorf(code, "segment %d (%s): %s", i, s.Type, fmt.Sprintf(format, args...))
		}
		switch s.Type {
		case "text":
			t := s.Text
			if t == "" {
				t, _ = s.Str("text")
			}
			if t == "" {
				return nil, fail(core.CodeBadMessage, "text is empty")
			}
			text.WriteString(t)
		case "at":
			name := firstStr(s, "user", "user_name", "user_markname")
			if name == "" {
				return nil, fail(core.CodeUnsupported, "WeChat mentions are \"@name\" text: give data.user, user_name or user_markname")
			}
			text.WriteString("@" + name + " ")
		case "image", "audio", "video", "file":
			if media != nil {
				return nil, fail(core.CodeUnsupported, "Openwx sends one media file per message: send each in its own call")
			}
			media = url.Values{}
			switch {
			case firstStr(s, "url") != "":
				media.Set("media_path", firstStr(s, "url"))
			case firstStr(s, "path") != "":
				media.Set("media_path", firstStr(s, "path"))
			case firstStr(s, "media_id") != "":
				media.Set("media_id", firstStr(s, "media_id"))
			case firstStr(s, "data") != "":
				return nil, fail(core.CodeUnsupported, "Openwx takes media by path or URL (media_path) or media_id, not inline data")
			default:
				return nil, fail(core.CodeBadMessage, "data needs url, path or media_id")
			}
		default:
			kind := s.Type
			if strings.HasPrefix(kind, "*") {
				kind = "*"
			}
			why, known := segmentSupport[kind]
			if !known {
				return nil, fail(core.CodeBadMessage, "unknown segment type (open-layer specific types start with '*')")
			}
			return nil, fail(core.CodeUnsupported, "%s", why)
		}
	}
	if media != nil && text.Len() > 0 {
		return nil, core.Errorf(core.CodeUnsupported, "Openwx sends either text or one media file per message, not both: send them in separate calls")
	}
	if media != nil {
		return media, nil
	}
	return url.Values{"content": {text.String()}}, nil
}

func firstStr(s core.Segment, keys ...string) string {
	for _, k := range keys {
		if v, ok := s.Str(k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ReplyBody is the JSON answer to an Openwx report that replies to the reported message:
// {"reply": text, "code": 0} or {"reply": "", "media": path-or-URL, "code": 0}. Openwx takes no
// media_id here.
func ReplyBody(m core.Message) ([]byte, error) {
	c, err := Content(m)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"code": 0}
	switch {
	case c.Has("content"):
		body["reply"] = c.Get("content")
	case c.Has("media_path"):
		body["reply"] = ""
		body["media"] = c.Get("media_path")
	default:
		return nil, core.Errorf(core.CodeUnsupported, "a reply to an Openwx report carries media by path or URL only, not media_id")
	}
	return json.Marshal(body)
}
