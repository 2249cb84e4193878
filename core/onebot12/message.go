package onebot12

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Segment is one OneBot 12 message segment.
type Segment struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

// Upload is an upload_file call a send needs first: its file_id goes into segment Index.
type Upload struct {
	Index  int
	Params map[string]any
}

var segmentSupport = adapterkit.SegmentSupport{
	"text":     "",
	"at":       "", // mention; user_id "all" is mention_all
	"image":    "",
	"audio":    "", // voice; with "*type": "audio", OneBot 12's audio
	"video":    "",
	"file":     "",
	"location": "",
	"link":     core.SupportReason("support.onebot12.link"),
	"contact":  core.SupportReason("support.onebot12.contact"),
	"group":    core.SupportReason("support.onebot12.group"),
	"rich":     core.SupportReason("support.rich"),
	"*":        "", // *reply → reply, *qq.face → qq.face: the implementation decides
}

var _ core.SegmentSupport = (*Adapter)(nil)

// SupportedSegments tells, for every UCBI segment kind ("*" standing for all open-layer specific
// ones), whether OneBot 12 can send it: "" when it can, else why not. Whether an implementation
// supports a given segment is its own answer (retcode 10005, CodeUnsupported).
func (a *Adapter) SupportedSegments() map[string]string { return SupportedSegments() }

// SupportedSegments is Adapter.SupportedSegments without an adapter.
func SupportedSegments() map[string]string { return segmentSupport.Copy() }

// BuildSend is the send_message params a send becomes, and the uploads it needs first (their
// file_ids are still empty in the segments). Nothing is uploaded for a message that is wrong.
func BuildSend(t core.Target, m core.Message) (map[string]any, []Upload, error) {
	id := strings.TrimSpace(t.ID)
	p := map[string]any{}
	switch t.Type {
	case core.TypePrivate:
		p["detail_type"], p["user_id"] = "private", id
	case core.TypeGroup:
		p["detail_type"], p["group_id"] = "group", id
	case core.TypeDiscuss:
		guild, channel, ok := strings.Cut(id, "/")
		if !ok || strings.TrimSpace(guild) == "" || strings.TrimSpace(channel) == "" {
			return nil, nil, core.Errorf(core.CodeBadParam, "a OneBot 12 channel target is \"guild_id/channel_id\", not %q", adapterkit.Short(id))
		}
		p["detail_type"], p["guild_id"], p["channel_id"] = "channel", strings.TrimSpace(guild), strings.TrimSpace(channel)
	case "":
		return nil, nil, core.Errorf(core.CodeMissingParam, "the send has no target type (private, group or discuss)")
	default:
		return nil, nil, core.Errorf(core.CodeBadParam, "target type must be private, group or discuss, not %q", t.Type)
	}
	if id == "" {
		return nil, nil, core.Errorf(core.CodeMissingParam, "the %s target has no id", t.Type)
	}
	segs, uploads, err := ToOneBot12(m)
	if err != nil {
		return nil, nil, err
	}
	p["message"] = segs
	return p, uploads, nil
}

// ToOneBot12 maps a UCBI message to OneBot 12 segments and the uploads its media need:
//
//	text → text; at → mention{user_id} ("all" → mention_all)
//	image, audio, video, file → image, voice (audio with "*type": "audio"), video, file {file_id}:
//	    media_id is used as the file_id as it is; otherwise upload_file by url (http/https),
//	    path, or data (Base64)
//	location → location{latitude, longitude, title, content: description}
//	*name → name (*reply → reply, *qq.face → qq.face), data keys without a leading '*'
//	link, contact, group, rich → CodeUnsupported
//
// '*'-prefixed data keys of mapped types are passed on without the '*'.
func ToOneBot12(m core.Message) ([]Segment, []Upload, error) {
	if len(m) == 0 {
		return nil, nil, core.Errorf(core.CodeBadMessage, "the message is empty: a message needs at least one segment")
	}
	out := make([]Segment, 0, len(m))
	var uploads []Upload
	for i, s := range m {
		seg, up, err := segmentTo(s)
		if err != nil {
			err.Message = fmt.Sprintf("segment %d (%s): %s", i, s.Type, err.Message)
			return nil, nil, err
		}
		if up != nil {
			uploads = append(uploads, Upload{Index: i, Params: up})
		}
		out = append(out, seg)
	}
	return out, uploads, nil
}

func str(s core.Segment, keys ...string) string {
	for _, k := range keys {
		if v, ok := s.Str(k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func segmentTo(s core.Segment) (Segment, map[string]any, *core.Error) {
	var out Segment
	var upload map[string]any
	switch s.Type {
	case "text":
		t := s.Text
		if t == "" {
			t, _ = s.Str("text")
		}
		if t == "" {
			return out, nil, core.Errorf(core.CodeBadMessage, "text is empty")
		}
		return Segment{Type: "text", Data: map[string]any{"text": t}}, nil, nil
	case "at":
		id := str(s, "user_id", "user_tid")
		switch id {
		case "":
			return out, nil, core.Errorf(core.CodeBadMessage, "data needs user_id or user_tid (or \"all\")")
		case "all":
			out = Segment{Type: "mention_all", Data: map[string]any{}}
		default:
			out = Segment{Type: "mention", Data: map[string]any{"user_id": id}}
		}
	case "image", "audio", "video", "file":
		typ := map[string]string{"image": "image", "audio": "voice", "video": "video", "file": "file"}[s.Type]
		if s.Type == "audio" && str(s, "*type") == "audio" {
			typ = "audio"
		}
		out = Segment{Type: typ, Data: map[string]any{"file_id": ""}}
		if id := str(s, "media_id", "*file_id"); id != "" {
			out.Data["file_id"] = id
			break
		}
		var err *core.Error
		if upload, err = uploadParams(s); err != nil {
			return out, nil, err
		}
	case "location":
		d := map[string]any{"title": str(s, "title", "*title"), "content": str(s, "description")}
		for _, k := range []string{"latitude", "longitude"} {
			v, ok := s.Data[k]
			f, good := number(v)
			if !ok || !good {
				return out, nil, core.Errorf(core.CodeBadMessage, "data.%s must be a number", k)
			}
			d[k] = f
		}
		out = Segment{Type: "location", Data: d}
	case "link", "contact", "group", "rich":
		return out, nil, core.Errorf(core.CodeUnsupported, "%s", segmentSupport[s.Type])
	default:
		name, ok := strings.CutPrefix(s.Type, "*")
		if !ok || strings.TrimSpace(name) == "" {
			return out, nil, core.Errorf(core.CodeBadMessage, "unknown segment type %q (open-layer specific types start with '*', e.g. *reply or *qq.face)", s.Type)
		}
		d := map[string]any{}
		for _, k := range sortedKeys(s.Data) {
			if s.Data[k] == nil {
				continue
			}
			bare := strings.TrimPrefix(k, "*")
			if _, plain := s.Data[bare]; bare != k && plain {
				continue // a plain key wins over its starred twin
			}
			d[bare] = s.Data[k]
		}
		return Segment{Type: name, Data: d}, nil, nil
	}
	for _, k := range sortedKeys(s.Data) {
		name, ok := strings.CutPrefix(k, "*")
		if !ok || name == "" || name == "type" || name == "file_id" || s.Data[k] == nil {
			continue
		}
		if _, set := out.Data[name]; !set {
			out.Data[name] = s.Data[k]
		}
	}
	return out, upload, nil
}

// uploadParams is the upload_file request for a media segment: by URL when there is one (small,
// and the implementation fetches it), else by path on the implementation's machine, else inline.
func uploadParams(s core.Segment) (map[string]any, *core.Error) {
	name := str(s, "name", "*name")
	base := func(p string) string {
		if name != "" {
			return name
		}
		if b := path.Base(strings.ReplaceAll(p, "\\", "/")); b != "." && b != "/" && b != "" {
			return b
		}
		return s.Type
	}
	if u := str(s, "url"); u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, core.Errorf(core.CodeBadMessage, "data.url must be an http(s) URL, not %q (use data.path for a file on the implementation's machine)", adapterkit.Short(u))
		}
		return map[string]any{"type": "url", "url": u, "name": base(pu.Path)}, nil
	}
	if p := str(s, "path"); p != "" {
		if strings.ContainsRune(p, 0) {
			return nil, core.Errorf(core.CodeBadMessage, "data.path contains a NUL byte")
		}
		return map[string]any{"type": "path", "path": p, "name": base(p)}, nil
	}
	if d := str(s, "data"); d != "" {
		d = strings.TrimPrefix(d, "base64://")
		if strings.HasPrefix(d, "data:") {
			if i := strings.Index(d, ";base64,"); i >= 0 {
				d = d[i+len(";base64,"):]
			}
		}
		d = strings.Join(strings.Fields(d), "")
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(d); err != nil {
				return nil, core.Errorf(core.CodeBadMessage, "data.data is not valid Base64")
			}
		}
		return map[string]any{"type": "data", "data": base64.StdEncoding.EncodeToString(b), "name": base("")}, nil
	}
	return nil, core.Errorf(core.CodeBadMessage, "data needs url, path, data or media_id")
}

func number(v any) (float64, bool) {
	var f float64
	s := adapterkit.IDString(v)
	if s == "" {
		return 0, false
	}
	_, err := fmt.Sscan(s, &f)
	return f, err == nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FromOneBot12 maps OneBot 12 segments (of an event) to a UCBI message, every segment with a text
// stand-in: text; mention → at{user_id}; mention_all → at{user_id: "all"}; image, voice, audio,
// video, file → image, audio (audio with "*type": "audio"), video, file with media_id = file_id
// (and url when the implementation gives one); location → location; any other type t → "*t" with
// its data as is (reply → *reply, qq.face → *qq.face). Fields UCBI has no name for are kept
// '*'-prefixed.
func FromOneBot12(segs []Segment) core.Message {
	out := make(core.Message, 0, len(segs))
	for _, s := range segs {
		out = append(out, segmentFrom(s))
	}
	return out
}

func segmentFrom(s Segment) core.Segment {
	get := func(k string) string { return adapterkit.Str(s.Data, k) }
	rest := func(d map[string]any, used ...string) map[string]any {
		return adapterkit.KeepUnnamed(d, s.Data, used...)
	}
	switch s.Type {
	case "text":
		return core.Segment{Type: "text", Text: get("text")}
	case "mention":
		id := adapterkit.IDString(s.Data["user_id"])
		return core.Segment{Type: "at", Text: "@" + id, Data: rest(map[string]any{"user_id": id}, "user_id")}
	case "mention_all":
		return core.Segment{Type: "at", Text: "@全体成员", Data: rest(map[string]any{"user_id": "all"})}
	case "image", "voice", "audio", "video", "file":
		typ := map[string]string{"image": "image", "voice": "audio", "audio": "audio", "video": "video", "file": "file"}[s.Type]
		text := map[string]string{"image": "[图片]", "voice": "[语音]", "audio": "[音频]", "video": "[视频]", "file": "[文件]"}[s.Type]
		d := map[string]any{"media_id": get("file_id")}
		used := []string{"file_id"}
		if u := get("url"); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			d["url"] = u
			used = append(used, "url")
		}
		if s.Type == "audio" {
			d["*type"] = "audio"
		}
		return core.Segment{Type: typ, Text: text, Data: rest(d, used...)}
	case "location":
		d := map[string]any{"latitude": s.Data["latitude"], "longitude": s.Data["longitude"]}
		if c := get("content"); c != "" {
			d["description"] = c
		}
		return core.Segment{Type: "location", Text: "[位置]", Data: rest(d, "latitude", "longitude", "content")}
	}
	text := map[string]string{"reply": "[回复]"}[s.Type]
	if text == "" {
		text = "[" + s.Type + "]"
	}
	d := make(map[string]any, len(s.Data))
	for k, v := range s.Data {
		d[k] = v
	}
	return core.Segment{Type: "*" + s.Type, Text: text, Data: d}
}
