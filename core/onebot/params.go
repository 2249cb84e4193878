package onebot

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"

	"ucbi-console/core"
)

// HTTPParams reads an action's parameters from an HTTP request the way OneBot 11
// implementations do: query parameters, then a form body (Content-Type
// application/x-www-form-urlencoded) or a JSON object (with or without Content-Type; a
// form-labelled body that starts with '{' is JSON, as curl -d sends it); a null or empty body
// is {}. Body fields win over query ones; access_token is never a parameter.
//
// It returns the JSON object the backend gets — a JSON body with no query parameters byte for
// byte — and the echo as sent (nil when absent). The body must be valid UTF-8 JSON nested at
// most core.MaxJSONDepth levels (CodeBadJSON); a bad query or form is CodeBadParam / CodeBadJSON.
// Alongside an error, echo is set when the body could be read (a refusal echoes it).
func HTTPParams(rawQuery, contentType string, raw []byte) (params []byte, echo json.RawMessage, err *core.Error) {
	trimmed := bytes.TrimSpace(raw)
	if !utf8.Valid(trimmed) {
		return nil, nil, core.Fail(core.CodeBadJSON, "json.utf8", "")
	}
	var query url.Values
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, nil, core.Errorf(core.CodeBadParam, "the query string could not be parsed: %v", err)
		}
		delete(q, "access_token")
		if len(q) > 0 {
			query = q
		}
	}
	jsonBody, accessToken := false, false
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
	case isForm(contentType) && trimmed[0] != '{':
		form, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil, nil, core.Errorf(core.CodeBadJSON, "the form body could not be parsed: %v", err)
		}
		if query == nil {
			query = url.Values{}
		}
		for k, v := range form {
			query[k] = v
		}
		delete(query, "access_token")
	default:
		if trimmed[0] != '{' {
			if json.Valid(trimmed) {
				return nil, nil, core.Fail(core.CodeBadJSON, "json.not_object", "", "kind", core.JSONKind(trimmed))
			}
			return nil, nil, core.Errorf(core.CodeBadJSON, "the body is not valid JSON (nor a form: send Content-Type application/x-www-form-urlencoded for one)")
		}
		if err := core.CheckJSON(trimmed); err != nil {
			return nil, nil, err
		}
		jsonBody = true
		eachField(trimmed, func(key []byte, escaped bool, value []byte) {
			switch fieldKey(key, escaped) {
			case "echo":
				echo = value
			case "access_token":
				accessToken = true
			}
		})
	}
	if jsonBody && query == nil && !accessToken {
		// The common case: a JSON object, nothing to merge: forwarded byte for byte.
		return trimmed, echo, nil
	}
	all := make(map[string]json.RawMessage, len(query)+8)
	for k, vs := range query {
		if len(vs) == 0 {
			continue
		}
		v := vs[len(vs)-1]
		if !utf8.ValidString(v) || !utf8.ValidString(k) {
			return nil, echo, core.Errorf(core.CodeBadParam, "parameter %q is not valid UTF-8", strings.ToValidUTF8(k, "?"))
		}
		all[k], _ = json.Marshal(v)
	}
	if jsonBody {
		eachField(trimmed, func(key []byte, escaped bool, value []byte) {
			all[fieldKey(key, escaped)] = value
		})
	}
	delete(all, "access_token")
	b, merr := json.Marshal(all)
	if merr != nil { // every value is valid JSON (scanned or marshalled): cannot happen
		return nil, echo, core.Errorf(core.CodeBadJSON, "the parameters could not be encoded: %v", merr)
	}
	if e, ok := all["echo"]; ok {
		echo = e
	}
	return b, echo, nil
}

func isForm(contentType string) bool {
	ct := strings.TrimSpace(contentType)
	const form = "application/x-www-form-urlencoded"
	return len(ct) >= len(form) && strings.EqualFold(ct[:len(form)], form)
}
