package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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
	if req.Action = strings.TrimSpace(req.Action); req.Action == "" {
		return req, Fail(CodeMissingParam, "param.empty", "action")
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
		return need("url, path or data", "url", "path", "data")
	case "at", "contact":
		return need("user_id or user_tid", "user_id", "user_tid")
	case "group":
		return need("group_id or group_tid", "group_id", "group_tid")
	case "link":
		return need("url", "url")
	case "location":
		for _, k := range []string{"latitude", "longitude"} {
			v, ok := s.Str(k)
			if !ok {
				return Fail(CodeBadMessage, "segment.needs", "data", "what", "latitude and longitude")
			}
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				return Fail(CodeBadMessage, "param.not_number", "data."+k, "value", strconv.Quote(v))
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
