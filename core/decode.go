package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes bounds a request body on every route of the endpoint.
const MaxBodyBytes = 1 << 20

// maxDepth bounds JSON nesting in a request: nothing UCBI takes is nested deeper than a few
// levels, and a deep document is an attack on the decoder, not a call.
const maxDepth = 64

// DecodeRequest parses a UCBI request body. Every error is an *Error that names the field at
// fault (CodeBadJSON for a body that is not a JSON object, CodeBadParam for a wrong type).
func DecodeRequest(body []byte) (Request, error) {
	var req Request
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return req, Errorf(CodeBadJSON, "the body is empty: send a JSON object {\"action\", \"context\", \"params\"}")
	}
	top, derr := DecodeRequestObject(body)
	if derr != nil {
		return req, derr
	}
	raw, ok := top["action"]
	if !ok || isNull(raw) {
		return req, Errorf(CodeMissingParam, "\"action\" is required")
	}
	if err := json.Unmarshal(raw, &req.Action); err != nil {
		return req, Errorf(CodeBadParam, "\"action\" must be a string, not %s", JSONKind(raw))
	}
	if req.Action = strings.TrimSpace(req.Action); req.Action == "" {
		return req, Errorf(CodeMissingParam, "\"action\" is empty")
	}
	if raw, ok := top["context"]; ok && !isNull(raw) {
		c, err := DecodeContext(raw)
		if err != nil {
			return req, err
		}
		req.Context = &c
	}
	if raw, ok := top["params"]; ok && !isNull(raw) {
		if bytes.TrimSpace(raw)[0] != '{' {
			return req, Errorf(CodeBadParam, "\"params\" must be an object, not %s", JSONKind(raw))
		}
		if err := json.Unmarshal(raw, &req.Params); err != nil {
			return req, Errorf(CodeBadParam, "\"params\": %v", err)
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
		return nil, Errorf(CodeBadJSON, "the body is not valid UTF-8")
	}
	if err := checkJSON(body); err != nil {
		return nil, AsError(err)
	}
	if len(body) == 0 || body[0] != '{' {
		return nil, Errorf(CodeBadJSON, "the body must be a JSON object, not %s", JSONKind(body))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, Errorf(CodeBadJSON, "the body is not valid JSON: %v", err)
	}
	return fields, nil
}

// DecodeContext parses a UCBI context object, naming the field when one has the wrong type.
func DecodeContext(raw json.RawMessage) (Context, error) {
	var c Context
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return c, Errorf(CodeBadParam, "\"context\" must be an object, not %s", JSONKind(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return c, Errorf(CodeBadParam, "\"context\": %v", err)
	}
	strs := []struct {
		name string
		dst  *string
	}{{"platform", &c.Platform}, {"via", &c.Via}, {"type", &c.Type}}
	for _, f := range strs {
		v, ok := fields[f.name]
		if !ok || isNull(v) {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return c, Errorf(CodeBadParam, "context.%s must be a string, not %s", f.name, JSONKind(v))
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
			return c, Errorf(CodeBadParam, "context.%s: %v", f.name, err)
		}
		*f.dst = ID(id)
	}
	if c.Type != "" && c.Type != TypePrivate && c.Type != TypeGroup && c.Type != TypeDiscuss {
		return c, Errorf(CodeBadParam, "context.type must be private, group or discuss, not %q", c.Type)
	}
	if v, ok := fields["extra"]; ok && !isNull(v) {
		c.Extra = append(json.RawMessage(nil), bytes.TrimSpace(v)...)
		if _, err := c.ConfigID(); err != nil {
			return c, Errorf(CodeBadParam, "%v", err)
		}
	}
	return c, nil
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// checkJSON rejects bodies that are not one JSON value or nest deeper than maxDepth, before any
// decoding into Go values.
func checkJSON(body []byte) *Error {
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return Errorf(CodeBadJSON, "the body is not valid JSON: %v", err)
	}
	depth, inString, escaped := 0, false, false
	for _, c := range body {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > maxDepth {
				return Errorf(CodeBadJSON, "the body nests deeper than %d levels", maxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
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
			return "", Errorf(CodeBadParam, "params.%s: %v", name, err)
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
	if !ok || isNull(raw) {
		return nil, Errorf(CodeMissingParam, "params.message is required")
	}
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, Errorf(CodeBadMessage, "params.message: %v", err)
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
		return Errorf(CodeBadMessage, "params.message is empty: a message needs at least one segment")
	}
	for i, s := range m {
		if err := validateSegment(s); err != nil {
			err.Message = fmt.Sprintf("segment %d (%s): %s", i, s.Type, err.Message)
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
		return Errorf(CodeBadMessage, "data needs %s", what)
	}
	switch s.Type {
	case "text":
		if s.Text == "" {
			return Errorf(CodeBadMessage, "text is empty")
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
				return Errorf(CodeBadMessage, "data needs latitude and longitude")
			}
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				return Errorf(CodeBadMessage, "data.%s must be a number, not %q", k, v)
			}
		}
	case "rich":
		return Errorf(CodeUnsupported, "rich segments cannot be sent (UCBI receives them only)")
	default:
		if !strings.HasPrefix(s.Type, "*") || len(s.Type) < 2 {
			return Errorf(CodeBadMessage, "unknown segment type %q (open-layer specific types start with '*', e.g. *face)", s.Type)
		}
	}
	return nil
}
