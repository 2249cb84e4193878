package onebot

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
)

// Segment is one OneBot 11 message segment in array form.
type Segment struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

// segmentSupport is what OneBot 11 can send (SupportedSegments): every kind UCBI defines but
// file (no such segment: files go through upload_*_file actions) and rich (UCBI only receives it).
// The flavors send the same kinds; what one implementation lacks (go-cqhttp has no contact card,
// say) is its own failure, passed back with its retcode.
var segmentSupport = func() map[string]string {
	m := core.UCBISegmentSupport()
	m["file"] = core.SupportReason("support.onebot11.file")
	return m
}()

var _ core.SegmentSupport = (*Adapter)(nil)

// SupportedSegments tells, for every UCBI segment kind ("*" standing for every open-layer specific
// one), whether OneBot 11 can send it: "" when it can, else why not (core.SegmentSupport).
func (a *Adapter) SupportedSegments() map[string]string { return SupportedSegments() }

// SupportedSegments is Adapter.SupportedSegments without an adapter (for forms before a source
// exists).
func SupportedSegments() map[string]string { return maps.Clone(segmentSupport) }

// ToOneBot maps a UCBI message to OneBot 11 array segments. Errors are *core.Error naming the
// segment by index: CodeBadMessage for a segment that is wrong, CodeUnsupported for one OneBot 11
// cannot carry (file, rich).
//
// Mapping (values the mapping produces are strings; OneBot implementations coerce them):
//
//	text                → text{text}
//	image/audio/video   → image/record/video{file}: url (http(s) with a host, base64://) as given,
//	                      else path as file:///abs (absolute, no ".." element), else data as
//	                      base64://; media_id alone → unsupported (OneBot 11 has no media ids)
//	file                → unsupported (OneBot 11 has no file segment; NapCat uploads files with
//	                      upload_private_file / upload_group_file)
//	at                  → at{qq: user_id | user_tid} (a QQ number, or "all" = everyone)
//	contact / group     → contact{type: "qq" | "group", id} (a QQ number)
//	link                → share{url, title (url when absent), content, image}
//	location            → location{lat, lon, content: description, title}
//	*face               → face{id}
//	*name               → name{data with a leading '*' stripped from its keys}
//	rich                → unsupported; any other type → bad message
//
// On the mapped types, '*'-prefixed data keys are open-layer fields and are passed on without
// the '*' (image {"*type": "flash"} → image{file, type: "flash"}) unless the mapping already set
// that key; other keys of the UCBI data (user_name, media_id…) have no OneBot meaning and are left
// out. Data of '*' types is passed on with the values as given.
func ToOneBot(m core.Message) ([]Segment, error) {
	if len(m) == 0 {
		return nil, core.Errorf(core.CodeBadMessage, "the message is empty: a message needs at least one segment")
	}
	out := make([]Segment, 0, len(m))
	for i, s := range m {
		seg, err := segmentToOneBot(s)
		if err != nil {
			err.Message = fmt.Sprintf("segment %d (%s): %s", i, s.Type, err.Message)
			if err.Field != "" {
				err.Field = fmt.Sprintf("params.message[%d].%s", i, err.Field)
			}
			return nil, err
		}
		out = append(out, seg)
	}
	return out, nil
}

func segmentToOneBot(s core.Segment) (Segment, *core.Error) {
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := s.Str(k); ok {
				if v = strings.TrimSpace(v); v != "" {
					return v
				}
			}
		}
		return ""
	}
	var out Segment
	switch s.Type {
	case "text":
		text := s.Text
		if text == "" {
			if v, ok := s.Str("text"); ok {
				text = v
			}
		}
		if text == "" {
			return out, core.Errorf(core.CodeBadMessage, "text is empty")
		}
		out = Segment{Type: "text", Data: map[string]any{"text": text}}
	case "image", "audio", "video":
		file, err := mediaFile(s)
		if err != nil {
			return out, err
		}
		typ := map[string]string{"image": "image", "audio": "record", "video": "video"}[s.Type]
		out = Segment{Type: typ, Data: map[string]any{"file": file}}
	case "file":
		return out, core.Fail(core.CodeUnsupported, "segment.file_onebot11", "type")
	case "at":
		key, id := idField(s, "user_id", "user_tid")
		if id == "" {
			return out, core.Errorf(core.CodeBadMessage, "data needs user_id or user_tid (or \"all\")")
		}
		if id != "all" && !isQQNumber(id) {
			return out, core.Fail(core.CodeBadMessage, "segment.at_qq", "data."+key, "value", strconv.Quote(short(id)))
		}
		out = Segment{Type: "at", Data: map[string]any{"qq": id}}
	case "contact", "group":
		// A recommended friend (contact) or group: OneBot 11's contact segment of type qq or group.
		who, kind := "user", "qq"
		if s.Type == "group" {
			who, kind = "group", "group"
		}
		key, id := idField(s, who+"_id", who+"_tid")
		if id == "" {
			return out, core.Errorf(core.CodeBadMessage, "data needs %s_id or %s_tid", who, who)
		}
		if !isQQNumber(id) {
			return out, core.Fail(core.CodeBadMessage, "send.not_qq_number", "data."+key, "value", strconv.Quote(short(id)))
		}
		out = Segment{Type: "contact", Data: map[string]any{"type": kind, "id": id}}
	case "link":
		u := str("url")
		if u == "" {
			return out, core.Errorf(core.CodeBadMessage, "data needs url")
		}
		d := map[string]any{"url": u, "title": u}
		if t := str("title"); t != "" {
			d["title"] = t
		}
		if c := str("content"); c != "" {
			d["content"] = c
		}
		if img := str("image"); img != "" {
			d["image"] = img
		}
		out = Segment{Type: "share", Data: d}
	case "location":
		d := map[string]any{}
		for _, k := range [][2]string{{"latitude", "lat"}, {"longitude", "lon"}} {
			v := str(k[0])
			if v == "" {
				return out, core.Errorf(core.CodeBadMessage, "data needs latitude and longitude")
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return out, core.Errorf(core.CodeBadMessage, "data.%s must be a number, not %q", k[0], v)
			}
			d[k[1]] = v
		}
		if c := str("description"); c != "" {
			d["content"] = c
		}
		if t := str("title"); t != "" {
			d["title"] = t
		}
		out = Segment{Type: "location", Data: d}
	case "rich":
		return out, core.Fail(core.CodeUnsupported, "segment.rich", "type")
	default:
		name, ok := strings.CutPrefix(s.Type, "*")
		if !ok {
			return out, core.Errorf(core.CodeBadMessage,
				"unknown segment type %q (open-layer specific types start with '*', e.g. *face)", s.Type)
		}
		if strings.TrimSpace(name) == "" {
			return out, core.Errorf(core.CodeBadMessage, "segment type %q names no OneBot type", s.Type)
		}
		out = Segment{Type: name, Data: passThrough(s.Data)}
		if name == "face" {
			id, _ := (core.Segment{Data: out.Data}).Str("id")
			if strings.TrimSpace(id) == "" {
				return out, core.Errorf(core.CodeBadMessage, "data needs id (the QQ face id)")
			}
			out.Data["id"] = strings.TrimSpace(id)
		}
		return out, nil
	}
	// Open-layer fields of a mapped type.
	for _, k := range sortedKeys(s.Data) {
		name, ok := strings.CutPrefix(k, "*")
		if !ok || name == "" || s.Data[k] == nil {
			continue
		}
		if _, set := out.Data[name]; !set {
			out.Data[name] = s.Data[k]
		}
	}
	return out, nil
}

// passThrough copies the data of a '*' segment, stripping a leading '*' from keys; a plain key
// wins over its starred twin. Nulls are dropped.
func passThrough(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for _, k := range sortedKeys(data) {
		v := data[k]
		if v == nil {
			continue
		}
		name, starred := strings.CutPrefix(k, "*")
		if name == "" {
			continue
		}
		if _, plain := data[name]; starred && plain && data[name] != nil {
			continue
		}
		out[name] = v
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mediaFile picks the OneBot "file" of an image, audio or video segment.
//
// Preference: url, then path, then data. A URL is fetched by the backend itself, so it works
// wherever the backend runs and keeps the request small (the request is shown live in the UI and
// stored in history). A path is read by the backend from its own disk: small too, but only right
// when the backend shares the file system. Inline data always works but makes the request as
// large as the media plus a third, so it is the last resort, used when it is all there is.
func mediaFile(s core.Segment) (string, *core.Error) {
	get := func(k string) string {
		v, _ := s.Str(k)
		return strings.TrimSpace(v)
	}
	if u, ok := s.Str("url"); ok {
		// UCBI's rule (core.ValidateMessage): http(s) with a host, or base64://. A file on the
		// backend's machine is data.path, never a file: URL.
		if rest, b64 := strings.CutPrefix(u, "base64://"); b64 && core.IsBase64(rest) {
			return u, nil
		}
		if !core.IsHTTPURL(u) {
			return "", core.Fail(core.CodeBadMessage, "segment.url_form", "data.url", "value", strconv.Quote(short(u)))
		}
		return u, nil
	}
	if p := get("path"); p != "" {
		return fileURI(p)
	}
	if d := get("data"); d != "" {
		b64, err := normalizeBase64(d)
		if err != nil {
			return "", err
		}
		return "base64://" + b64, nil
	}
	if id := get("media_id"); id != "" {
		// OneBot 11 has no media ids; a received image's url (kept on the segment) re-sends it.
		return "", core.Fail(core.CodeUnsupported, "segment.media_id_onebot11", "data.media_id")
	}
	return "", core.Errorf(core.CodeBadMessage, "needs url, path or data")
}

// idField is the first of keys the segment has a non-empty value for, and that value.
func idField(s core.Segment, keys ...string) (key, id string) {
	for _, k := range keys {
		if v, ok := s.Str(k); ok {
			if v = strings.TrimSpace(v); v != "" {
				return k, v
			}
		}
	}
	return keys[0], ""
}

// isQQNumber reports whether id is a QQ number as OneBot 11 takes one: a positive 64-bit
// integer written in plain digits (no sign, no leading zero).
func isQQNumber(id string) bool {
	_, ok := qqNumber(id)
	return ok
}

func qqNumber(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == id
}

// fileURI turns an absolute path into a file:/// URI. POSIX paths ("/srv/a.png") and Windows drive
// paths ("C:\pics\a.png", sent as file:///C:/pics/a.png) are accepted; a relative path, or one with
// a ".." element, is refused: the backend resolves it against a directory nobody chose.
// Only what would break the URI is percent-encoded ('%', '#', '?', '\', spaces, control characters);
// other characters, Chinese file names included, stay readable. NapCat (fileURLToPath), go-cqhttp
// (url.Parse) and Lagrange (Uri.LocalPath) all decode it.
func fileURI(p string) (string, *core.Error) {
	if strings.ContainsRune(p, 0) {
		return "", core.Errorf(core.CodeBadMessage, "data.path contains a NUL byte")
	}
	for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return "", core.Errorf(core.CodeBadMessage, "data.path must not contain \"..\": %q", short(p))
		}
	}
	var abs string
	switch {
	case strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//"):
		abs = p
	case len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'):
		abs = "/" + strings.ReplaceAll(p, "\\", "/")
	default:
		return "", core.Errorf(core.CodeBadMessage,
			"data.path must be an absolute path on the backend's machine (/… or C:\\…), not %q", short(p))
	}
	var sb strings.Builder
	sb.WriteString("file://")
	for i := 0; i < len(abs); i++ {
		c := abs[i]
		if c <= ' ' || c == 0x7f || c == '%' || c == '#' || c == '?' || c == '\\' {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String(), nil
}

// fileURLPath is the local path of a file:// URL ("file:///C:/x" → "C:/x").
func fileURLPath(u string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("not a valid file URL: %q", short(u))
	}
	if pu.Host != "" && pu.Host != "localhost" {
		return "", fmt.Errorf("file URLs naming another host are not supported: %q", short(u))
	}
	p := pu.Path
	if len(p) >= 3 && p[0] == '/' && isLetter(p[1]) && p[2] == ':' {
		p = p[1:]
	}
	return p, nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// normalizeBase64 accepts standard or URL-safe Base64, padded or not, with whitespace, with or
// without a "base64://" or "data:…;base64," prefix, and returns padded standard Base64 (what
// go-cqhttp decodes strictly).
func normalizeBase64(d string) (string, *core.Error) {
	d = strings.TrimPrefix(d, "base64://")
	if strings.HasPrefix(d, "data:") {
		if i := strings.Index(d, ";base64,"); i >= 0 {
			d = d[i+len(";base64,"):]
		}
	}
	if strings.ContainsAny(d, " \t\r\n") {
		d = strings.Join(strings.Fields(d), "")
	}
	if _, err := base64.StdEncoding.DecodeString(d); err == nil {
		return d, nil
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(d); err == nil {
			return base64.StdEncoding.EncodeToString(b), nil
		}
	}
	return "", core.Errorf(core.CodeBadMessage, "data.data is not valid Base64")
}

func short(s string) string { return core.Snippet(s, 80) }

// FromOneBot maps OneBot 11 segments (as received in events or from get_msg) to a UCBI message.
// Every segment gets a text stand-in ("[图片]", "@10001"). Types with a UCBI equivalent are mapped
// back (image/record/video → image/audio/video with url, path or data from file; at; contact →
// contact or group; share → link; location), and their OneBot fields that UCBI has no name for
// are kept with a '*' prefix; every other type becomes "*type" with its data as is. It is the
// inverse of ToOneBot on what ToOneBot produces.
func FromOneBot(segs []Segment) core.Message {
	out := make(core.Message, 0, len(segs))
	for _, s := range segs {
		out = append(out, segmentFromOneBot(s))
	}
	return out
}

func segmentFromOneBot(s Segment) core.Segment {
	str := func(k string) string {
		v, _ := (core.Segment{Data: s.Data}).Str(k)
		return v
	}
	// rest copies the OneBot keys not consumed by the mapping, '*'-prefixed.
	rest := func(d map[string]any, used ...string) map[string]any {
		return adapterkit.KeepUnnamed(d, s.Data, used...)
	}
	switch s.Type {
	case "text":
		return core.Segment{Type: "text", Text: str("text")}
	case "image", "record", "video", "file":
		d := map[string]any{}
		used := []string{"url"}
		if u := str("url"); isHTTP(u) {
			d["url"] = u
		}
		f := strings.TrimSpace(str("file"))
		switch {
		case isHTTP(f):
			if _, ok := d["url"]; !ok {
				d["url"] = f
			}
			used = append(used, "file")
		case strings.HasPrefix(strings.ToLower(f), "file://"):
			if p, err := fileURLPath(f); err == nil {
				d["path"] = p
				used = append(used, "file")
			}
		case strings.HasPrefix(f, "base64://"):
			d["data"] = strings.TrimPrefix(f, "base64://")
			used = append(used, "file")
		}
		typ := map[string]string{"image": "image", "record": "audio", "video": "video", "file": "file"}[s.Type]
		text := map[string]string{"image": "[图片]", "record": "[语音]", "video": "[视频]", "file": "[文件]"}[s.Type]
		return core.Segment{Type: typ, Text: text, Data: rest(d, used...)}
	case "at":
		qq := idString(s.Data["qq"])
		text := "@" + qq
		if qq == "all" {
			text = "@全体成员"
		} else if n := str("name"); n != "" {
			text = "@" + n
		}
		return core.Segment{Type: "at", Text: text, Data: rest(map[string]any{"user_id": qq}, "qq")}
	case "contact":
		id := idString(s.Data["id"])
		switch str("type") {
		case "group":
			return core.Segment{Type: "group", Text: "[推荐群聊]", Data: rest(map[string]any{"group_id": id}, "type", "id")}
		case "qq", "":
			return core.Segment{Type: "contact", Text: "[推荐联系人]", Data: rest(map[string]any{"user_id": id}, "type", "id")}
		}
	case "share":
		d := map[string]any{"url": str("url")}
		for _, k := range []string{"title", "content", "image"} {
			if v := str(k); v != "" {
				d[k] = v
			}
		}
		text := "[链接]"
		if t := str("title"); t != "" && t != str("url") {
			text = "[链接:" + t + "]"
		}
		return core.Segment{Type: "link", Text: text, Data: rest(d, "url", "title", "content", "image")}
	case "location":
		d := map[string]any{"latitude": str("lat"), "longitude": str("lon")}
		if c := str("content"); c != "" {
			d["description"] = c
		}
		return core.Segment{Type: "location", Text: "[位置]", Data: rest(d, "lat", "lon", "content")}
	case "face":
		text := "[表情]"
		if raw, ok := s.Data["raw"].(map[string]any); ok {
			if ft, ok := raw["faceText"].(string); ok && strings.TrimPrefix(ft, "/") != "" {
				text = "[表情:" + strings.TrimPrefix(ft, "/") + "]"
			}
		}
		return core.Segment{Type: "*face", Text: text, Data: copyData(s.Data)}
	}
	text, ok := standIns[s.Type]
	if !ok {
		text = "[" + s.Type + "]"
	}
	return core.Segment{Type: "*" + s.Type, Text: text, Data: copyData(s.Data)}
}

var standIns = map[string]string{
	"reply": "[回复]", "forward": "[合并转发]", "node": "[转发消息]", "json": "[卡片]", "xml": "[卡片]",
	"poke": "[戳一戳]", "dice": "[骰子]", "rps": "[猜拳]", "shake": "[窗口抖动]", "music": "[音乐]",
	"mface": "[表情]", "markdown": "[Markdown]", "anonymous": "[匿名]", "redbag": "[红包]",
	"gift": "[礼物]", "tts": "[语音]", "cardimage": "[图片]", "contact": "[推荐]",
}

func copyData(d map[string]any) map[string]any {
	if d == nil {
		return nil
	}
	out := make(map[string]any, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isHTTP(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// idString renders an id value (string or number) as a string.
func idString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(v)
}
