package core

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBodyBytes bounds a request body on every route of the endpoint.
const MaxBodyBytes = 1 << 20

// DecodeRequest parses a UCBI request body. Every error is an *Error that names the field at
// fault (CodeBadJSON for a body that is not a JSON object, CodeBadParam for a wrong type).
func DecodeRequest(body []byte) (Request, error) {
	var req Request
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return req, Fail(CodeBadJSON, "request.empty", "")
	}
	top, derr := DecodeRequestObject(body)
	if derr != nil {
		return req, derr
	}
	raw, ok := top["action"]
	if !ok || IsNull(raw) {
		return req, Fail(CodeMissingParam, "param.required", "action")
	}
	if err := json.Unmarshal(raw, &req.Action); err != nil {
		return req, Fail(CodeBadParam, "param.not_string", "action", "kind", JSONKind(raw))
	}
	// The action is matched exactly as written: " get_login_info" or "get_login_info\n" is not
	// get_login_info, and neither is GET_LOGIN_INFO (refused as an unknown action).
	if strings.TrimSpace(req.Action) == "" {
		return req, Fail(CodeMissingParam, "param.empty", "action")
	}
	if strings.IndexFunc(req.Action, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return req, Fail(CodeBadParam, "action.form", "action", "value", quoteExact(req.Action))
	}
	if raw, ok := top["context"]; ok && !IsNull(raw) {
		c, err := DecodeContext(raw)
		if err != nil {
			return req, err
		}
		req.Context = &c
	}
	if raw, ok := top["params"]; ok && !IsNull(raw) {
		if bytes.TrimSpace(raw)[0] != '{' {
			return req, Fail(CodeBadParam, "param.not_object", "params", "kind", JSONKind(raw))
		}
		if err := json.Unmarshal(raw, &req.Params); err != nil {
			return req, Fail(CodeBadParam, "param.invalid", "params", "detail", err.Error())
		}
		// OneBot-style bots put their token in the parameters too: it is never a parameter
		// (it would reach the backend and the history row).
		delete(req.Params, "access_token")
	}
	return req, nil
}

// DecodeRequestObject checks that a body is one JSON object (valid UTF-8, not too deep) and
// returns its fields raw. It serves the OneBot routes, whose params are the whole body.
func DecodeRequestObject(body []byte) (map[string]json.RawMessage, *Error) {
	body = bytes.TrimSpace(body)
	if !utf8.Valid(body) {
		return nil, Fail(CodeBadJSON, "json.utf8", "")
	}
	if err := CheckJSON(body); err != nil {
		return nil, err
	}
	if len(body) == 0 || body[0] != '{' {
		return nil, Fail(CodeBadJSON, "json.not_object", "", "kind", JSONKind(body))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, Fail(CodeBadJSON, "json.invalid", "", "detail", err.Error())
	}
	return fields, nil
}

// DecodeContext parses a UCBI context object, naming the field when one has the wrong type.
func DecodeContext(raw json.RawMessage) (Context, error) {
	var c Context
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return c, Fail(CodeBadParam, "param.not_object", "context", "kind", JSONKind(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return c, Fail(CodeBadParam, "param.invalid", "context", "detail", err.Error())
	}
	strs := []struct {
		name string
		dst  *string
	}{{"platform", &c.Platform}, {"via", &c.Via}, {"type", &c.Type}}
	for _, f := range strs {
		v, ok := fields[f.name]
		if !ok || IsNull(v) {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return c, Fail(CodeBadParam, "param.not_string", "context."+f.name, "kind", JSONKind(v))
		}
	}
	ids := []struct {
		name string
		dst  *ID
	}{
		{"user_id", &c.UserID}, {"user_tid", &c.UserTID},
		{"group_id", &c.GroupID}, {"group_tid", &c.GroupTID},
		{"discuss_id", &c.DiscussID}, {"discuss_tid", &c.DiscussTID},
	}
	for _, f := range ids {
		v, ok := fields[f.name]
		if !ok {
			continue
		}
		id, err := decodeID(v)
		if err != nil {
			return c, Fail(CodeBadParam, "param.invalid", "context."+f.name, "detail", err.Error())
		}
		*f.dst = ID(id)
	}
	if c.Type != "" && c.Type != TypePrivate && c.Type != TypeGroup && c.Type != TypeDiscuss {
		return c, Fail(CodeBadParam, "param.type", "context.type", "value", strconv.Quote(c.Type))
	}
	if v, ok := fields["extra"]; ok && !IsNull(v) {
		c.Extra = append(json.RawMessage(nil), bytes.TrimSpace(v)...)
		if _, err := c.ConfigID(); err != nil {
			return c, Errorf(CodeBadParam, "%v", err)
		}
	}
	return c, nil
}

// paramID finds an id for kind ("user", "group", "discuss"): params' kind_id, then kind_tid,
// then the context's. An id of the wrong type is an error naming the field.
func paramID(params map[string]json.RawMessage, c *Context, kind string) (string, error) {
	for _, name := range []string{kind + "_id", kind + "_tid"} {
		raw, ok := params[name]
		if !ok {
			continue
		}
		id, err := decodeID(raw)
		if err != nil {
			return "", Fail(CodeBadParam, "param.invalid", "params."+name, "detail", err.Error())
		}
		if id != "" {
			return id, nil
		}
	}
	if c == nil {
		return "", nil
	}
	switch kind {
	case "user":
		return string(firstID(c.UserID, c.UserTID)), nil
	case "group":
		return string(firstID(c.GroupID, c.GroupTID)), nil
	case "discuss":
		return string(firstID(c.DiscussID, c.DiscussTID)), nil
	}
	return "", nil
}

// paramMessage decodes and validates params.message.
func paramMessage(params map[string]json.RawMessage) (Message, error) {
	raw, ok := params["message"]
	if !ok || IsNull(raw) {
		return nil, Fail(CodeMissingParam, "param.required", "params.message")
	}
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, Fail(CodeBadMessage, "param.invalid", "params.message", "detail", err.Error())
	}
	if err := ValidateMessage(m); err != nil {
		return nil, err
	}
	return m, nil
}

// ValidateMessage applies UCBI's rules for a message that is to be sent: at least one segment;
// rich segments cannot be sent; an unknown type must be open-layer specific (start with '*');
// each known type carries the data it needs. Errors name the segment by index.
func ValidateMessage(m Message) error {
	if len(m) == 0 {
		return Fail(CodeBadMessage, "message.empty", "params.message")
	}
	for i, s := range m {
		if err := validateSegment(s); err != nil {
			// The segment's index and type lead the English message; the field names the
			// segment for every language.
			err.Message = fmt.Sprintf("segment %d (%s): %s", i, s.Type, err.Message)
			err.Field = fmt.Sprintf("params.message[%d].%s", i, err.Field)
			return err
		}
	}
	return nil
}

func validateSegment(s Segment) *Error {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if v, ok := s.Str(k); ok && strings.TrimSpace(v) != "" {
				return true
			}
		}
		return false
	}
	need := func(what string, keys ...string) *Error {
		if has(keys...) {
			return nil
		}
		return Fail(CodeBadMessage, "segment.needs", "data", "what", what)
	}
	switch s.Type {
	case "text":
		if s.Text == "" {
			return Fail(CodeBadMessage, "segment.text_empty", "text")
		}
	case "image", "audio", "video", "file":
		// media_id alone names media the open layer already holds (a received OneBot 12 or
		// Openwx segment): whether the target can send by it is the adapter's to say.
		if err := need("url, path, data or media_id", "url", "path", "data", "media_id"); err != nil {
			return err
		}
		if s.Data["url"] != nil { // null is absent
			return checkURL(s, "url", true)
		}
	case "at", "contact": // at's user_id may be "all"
		if err := checkIDs(s, "user_id", "user_tid"); err != nil {
			return err
		}
		return need("user_id or user_tid", "user_id", "user_tid")
	case "group":
		if err := checkIDs(s, "group_id", "group_tid"); err != nil {
			return err
		}
		return need("group_id or group_tid", "group_id", "group_tid")
	case "link":
		if err := need("url", "url"); err != nil {
			return err
		}
		if err := checkURL(s, "url", false); err != nil {
			return err
		}
		if s.Data["image"] != nil {
			return checkURL(s, "image", false)
		}
	case "location":
		for _, c := range []struct {
			key string
			max float64
		}{{"latitude", 90}, {"longitude", 180}} {
			if err := checkCoordinate(s, c.key, c.max); err != nil {
				return err
			}
		}
	case "rich":
		return Fail(CodeUnsupported, "segment.rich", "type")
	default:
		if !strings.HasPrefix(s.Type, "*") || len(s.Type) < 2 {
			return Fail(CodeBadMessage, "segment.unknown_type", "type", "value", strconv.Quote(s.Type))
		}
	}
	return nil
}

// checkURL applies UCBI's rule for a segment's URL: a well-formed http or https URL with a host
// — or, for media (base64 true), base64://… with valid Base64. A file on the backend's machine
// belongs in data.path: file:, javascript:, a bare "http://" and every other form are refused.
func checkURL(s Segment, key string, base64OK bool) *Error {
	field := "data." + key
	raw, isString := s.Data[key].(string)
	if !isString {
		v, _ := s.Str(key)
		return Fail(CodeBadMessage, "segment.url_form", field, "value", quoteExact(v))
	}
	if rest, ok := strings.CutPrefix(raw, "base64://"); ok && base64OK {
		if !IsBase64(rest) {
			return Fail(CodeBadMessage, "segment.base64", field)
		}
		return nil
	}
	if !IsHTTPURL(raw) {
		if base64OK {
			return Fail(CodeBadMessage, "segment.url_form", field, "value", quoteExact(raw))
		}
		return Fail(CodeBadMessage, "segment.http_url", field, "value", quoteExact(raw))
	}
	return nil
}

// IsHTTPURL reports whether s is a well-formed absolute http or https URL with a host: no
// spaces or control characters anywhere, no empty host ("http://", "http:///x"), parseable.
func IsHTTPURL(s string) bool {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return false
	}
	return u.Host != "" && u.Hostname() != ""
}

// IsBase64 reports whether s is non-empty Base64, standard or URL-safe, padded or not.
func IsBase64(s string) bool {
	if s == "" {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

// checkIDs: each of keys that is present is an id as UCBI writes one — a string (not empty, no
// spaces around it or control characters) or a whole number; never a boolean, a fraction or an object.
// Whether it must be digits is the open layer's rule (OneBot 11: QQ numbers).
func checkIDs(s Segment, keys ...string) *Error {
	for _, k := range keys {
		v, ok := s.Data[k]
		if !ok || v == nil {
			continue
		}
		bad := ""
		switch v := v.(type) {
		case string:
			if v == "" || !wellFormedID(v) {
				bad = quoteExact(v)
			}
		case json.Number:
			if _, err := strconv.ParseInt(v.String(), 10, 64); err != nil {
				bad = v.String()
			}
		case float64: // a message built in code rather than decoded
			if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
				bad = strconv.FormatFloat(v, 'g', -1, 64)
			}
		case int, int64:
		default:
			str, _ := s.Str(k)
			if str == "" {
				str = kindOf(v)
			}
			bad = str
		}
		if bad != "" {
			return Fail(CodeBadMessage, "segment.id_form", "data."+k, "value", bad)
		}
	}
	return nil
}

// checkCoordinate: data[key] is a number, or a string holding one exactly (both are accepted, as
// OneBot 11 sends them as strings), finite and within ±max.
func checkCoordinate(s Segment, key string, max float64) *Error {
	v, ok := s.Str(key)
	if !ok {
		if _, present := s.Data[key]; !present || s.Data[key] == nil {
			return Fail(CodeBadMessage, "segment.needs", "data", "what", "latitude and longitude")
		}
		v = kindOf(s.Data[key])
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Fail(CodeBadMessage, "param.not_number", "data."+key, "value", quoteExact(v))
	}
	if f < -max || f > max {
		m := strconv.FormatFloat(max, 'f', -1, 64)
		return Fail(CodeBadMessage, "segment.range", "data."+key, "min", "-"+m, "max", m, "value", v)
	}
	return nil
}

// kindOf names the JSON type of a decoded value ("an object"…), as JSONKind does for a raw one.
func kindOf(v any) string {
	b, _ := json.Marshal(v)
	return JSONKind(b)
}

// quoteExact quotes a caller's value for a message as it was sent (a newline shows as \n),
// cut to 60 runes.
func quoteExact(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return strconv.Quote(s)
}
