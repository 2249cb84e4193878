// Package catalog describes every OneBot 11 action an operator may want to call: the spec's own,
// go-cqhttp's extensions and NapCat's. Each action carries its parameters (type, whether required,
// enum values, default), a one-line description in Chinese and English and an example params
// object, so that a screen can generate a form, fill an example and explain what it calls.
//
// The catalog is read-only data built into the binary; All, Lookup and Search hand out copies.
// It says what the open layers document, not what a given backend accepts: an action missing
// here can still be called (raw JSON), and one listed here may be refused by an older backend.
package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ucbi-console/core"
)

// Origin says which open layer defines an action.
type Origin string

// The origins, in the order screens list them.
const (
	OneBot11 Origin = "onebot11"  // the OneBot 11 spec (botuniverse/onebot-11)
	GoCQHTTP Origin = "go-cqhttp" // go-cqhttp's extensions, most also in NapCat and Lagrange
	NapCat   Origin = "napcat"    // NapCat's own extensions
)

// Origins lists the origins in display order.
func Origins() []Origin { return []Origin{OneBot11, GoCQHTTP, NapCat} }

// Type is a parameter's kind, which decides the form field and how its text becomes JSON.
type Type string

// Parameter types.
const (
	ID      Type = "id"      // a QQ / group number: digits, sent as a JSON number
	Int     Type = "int"     // an integer (may be negative)
	Bool    Type = "bool"    // true or false
	String  Type = "string"  // free text
	Enum    Type = "enum"    // one of Param.Enum (a string)
	Message Type = "message" // a message: a CQ-code string or an array of {type, data} segments
	JSON    Type = "json"    // a JSON object
	Array   Type = "array"   // a JSON array
)

// Text is a short text in both UI languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In is the text in lang ("zh…" for Chinese, anything else for English).
func (t Text) In(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return t.ZH
	}
	return t.EN
}

// Param is one parameter of an action.
type Param struct {
	Name     string   `json:"name"`
	Type     Type     `json:"type"`
	Required bool     `json:"required,omitempty"`
	Enum     []string `json:"enum,omitempty"`    // the allowed values of an Enum param
	Default  any      `json:"default,omitempty"` // what the backend assumes when it is left out
	Desc     Text     `json:"desc"`
}

// Action is one callable action.
type Action struct {
	Name   string  `json:"name"`
	Origin Origin  `json:"origin"`
	Desc   Text    `json:"desc"`
	Params []Param `json:"params,omitempty"`
	// Example is a params object that fills every required parameter with a plausible value.
	Example map[string]any `json:"example"`
}

// Param returns the parameter called name.
func (a Action) Param(name string) (Param, bool) {
	for _, p := range a.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ExampleJSON is Example as an indented JSON object ("{}" for an action without params).
func (a Action) ExampleJSON() string {
	if len(a.Example) == 0 {
		return "{}"
	}
	b, err := json.MarshalIndent(a.Example, "", "  ")
	if err != nil { // cannot happen for the literals in data.go (the test marshals them all)
		return "{}"
	}
	return string(b)
}

// All returns every action, grouped by origin (in Origins order), sorted by name within one.
func All() []Action {
	out := make([]Action, len(actions))
	copy(out, actions)
	return out
}

// Lookup finds an action by its exact name.
func Lookup(name string) (Action, bool) {
	if i, ok := byName[name]; ok {
		return actions[i], true
	}
	return Action{}, false
}

// Search returns the actions whose name or description (either language) contains q, ignoring
// case and surrounding spaces, in All's order. An empty q matches everything.
func Search(q string) []Action {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return All()
	}
	var out []Action
	for _, a := range actions {
		if strings.Contains(strings.ToLower(a.Name), q) ||
			strings.Contains(strings.ToLower(a.Desc.EN), q) ||
			strings.Contains(a.Desc.ZH, q) {
			out = append(out, a)
		}
	}
	return out
}

var (
	actions []Action       // sorted: origin order, then name
	byName  map[string]int // index into actions
)

func init() {
	actions = slices.Clone(data)
	rank := map[Origin]int{}
	for i, o := range Origins() {
		rank[o] = i
	}
	slices.SortStableFunc(actions, func(a, b Action) int {
		if r := rank[a.Origin] - rank[b.Origin]; r != 0 {
			return r
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	byName = make(map[string]int, len(actions))
	for i, a := range actions {
		byName[a.Name] = i
	}
}

// ---------------------------------------------------------------------------------------------
// Form values ↔ JSON

// ErrEmpty is returned by ParseValue for blank text: the parameter is left out of the call.
var ErrEmpty = errors.New("empty")

// ParseValue turns what an operator typed into the JSON value of parameter p. Blank text gives
// ErrEmpty (leave the parameter out); anything else that does not fit p.Type gives an error in
// words naming the parameter.
func (p Param) ParseValue(text string) (json.RawMessage, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, ErrEmpty
	}
	switch p.Type {
	case ID:
		if !core.IsDigits(s) {
			return nil, fmt.Errorf("%s: an id is digits only, not %q", p.Name, s)
		}
		if _, err := strconv.ParseUint(s, 10, 63); err != nil {
			return nil, fmt.Errorf("%s: %s is too large for an id", p.Name, s)
		}
		return json.RawMessage(s), nil
	case Int:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return nil, fmt.Errorf("%s: %q is not a whole number", p.Name, s)
		}
		return json.RawMessage(strings.TrimLeft(s, "+")), nil
	case Bool:
		switch strings.ToLower(s) {
		case "true", "1", "yes":
			return json.RawMessage("true"), nil
		case "false", "0", "no":
			return json.RawMessage("false"), nil
		}
		return nil, fmt.Errorf("%s: %q is not true or false", p.Name, s)
	case Enum:
		if !slices.Contains(p.Enum, s) {
			return nil, fmt.Errorf("%s: %q is not one of %s", p.Name, s, strings.Join(p.Enum, ", "))
		}
		return json.Marshal(s)
	case Message:
		if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
			if _, err := decodeAny(s); err != nil {
				return nil, fmt.Errorf("%s: the message looks like JSON but is not valid: %v", p.Name, err)
			}
			return compact(s)
		}
		return json.Marshal(text) // CQ-code string, sent as typed (spaces kept)
	case JSON:
		v, err := decodeAny(s)
		if err != nil {
			return nil, fmt.Errorf("%s: not valid JSON: %v", p.Name, err)
		}
		if _, ok := v.(map[string]any); !ok {
			return nil, fmt.Errorf("%s: must be a JSON object {…}", p.Name)
		}
		return compact(s)
	case Array:
		v, err := decodeAny(s)
		if err != nil {
			return nil, fmt.Errorf("%s: not valid JSON: %v", p.Name, err)
		}
		if _, ok := v.([]any); !ok {
			return nil, fmt.Errorf("%s: must be a JSON array […]", p.Name)
		}
		return compact(s)
	}
	return json.Marshal(text) // String (and anything unknown) as typed
}

// FormatValue is the text a form field shows for a JSON value of p (the inverse of ParseValue).
func (p Param) FormatValue(raw json.RawMessage) string {
	v, err := decodeAny(string(raw))
	if err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number, bool:
		return strings.TrimSpace(string(raw))
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// BuildParams turns form texts (parameter name → text) into a params object for a, leaving out
// blank ones. It fails, naming them, when required parameters are blank or a value does not fit.
func (a Action) BuildParams(texts map[string]string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	var missing []string
	var errs []error
	for _, p := range a.Params {
		raw, err := p.ParseValue(texts[p.Name])
		switch {
		case errors.Is(err, ErrEmpty):
			if p.Required {
				missing = append(missing, p.Name)
			}
		case err != nil:
			errs = append(errs, err)
		default:
			out[p.Name] = raw
		}
	}
	if len(missing) > 0 {
		errs = append([]error{fmt.Errorf("%s needs %s", a.Name, strings.Join(missing, ", "))}, errs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// compact is valid JSON text without insignificant spaces, numbers kept exactly as typed.
func compact(s string) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeAny decodes JSON text keeping numbers as json.Number (ids stay exact).
func decodeAny(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}
