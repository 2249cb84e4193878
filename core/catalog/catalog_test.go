package catalog

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestEntriesWellFormed checks every entry the way a form generator relies on it: unique names,
// both languages, known types, non-empty enums, and an example that fills every required
// parameter with a value of the right type and names no parameter the action lacks.
func TestEntriesWellFormed(t *testing.T) {
	all := All()
	if len(all) < 100 {
		t.Errorf("the catalog has %d actions; expected the spec's, go-cqhttp's and NapCat's (100+)", len(all))
	}
	seen := map[string]bool{}
	for _, a := range all {
		if a.Name == "" || strings.TrimSpace(a.Name) != a.Name {
			t.Errorf("action %q: bad name", a.Name)
		}
		if seen[a.Name] {
			t.Errorf("action %q listed twice", a.Name)
		}
		seen[a.Name] = true
		if !slices.Contains(Origins(), a.Origin) {
			t.Errorf("%s: unknown origin %q", a.Name, a.Origin)
		}
		if a.Desc.ZH == "" || a.Desc.EN == "" {
			t.Errorf("%s: description missing a language: %+v", a.Name, a.Desc)
		}
		if a.Example == nil {
			t.Errorf("%s: no example (use an empty map for an action without params)", a.Name)
		}
		params := map[string]bool{}
		for _, p := range a.Params {
			if params[p.Name] {
				t.Errorf("%s: parameter %s listed twice", a.Name, p.Name)
			}
			params[p.Name] = true
			if p.Desc.ZH == "" || p.Desc.EN == "" {
				t.Errorf("%s.%s: description missing a language", a.Name, p.Name)
			}
			switch p.Type {
			case ID, Int, Bool, String, Message, JSON, Array:
				if len(p.Enum) > 0 {
					t.Errorf("%s.%s: enum values on a %s parameter", a.Name, p.Name, p.Type)
				}
			case Enum:
				if len(p.Enum) == 0 {
					t.Errorf("%s.%s: enum without values", a.Name, p.Name)
				}
			default:
				t.Errorf("%s.%s: unknown type %q", a.Name, p.Name, p.Type)
			}
			if ex, ok := a.Example[p.Name]; ok {
				if err := checkValue(p, ex); err != nil {
					t.Errorf("%s: example %s: %v", a.Name, p.Name, err)
				}
			} else if p.Required {
				t.Errorf("%s: example leaves out required %s", a.Name, p.Name)
			}
			if p.Default != nil {
				if err := checkValue(p, p.Default); err != nil {
					t.Errorf("%s: default of %s: %v", a.Name, p.Name, err)
				}
			}
		}
		for k := range a.Example {
			if !params[k] {
				t.Errorf("%s: example has %s, which is not a parameter", a.Name, k)
			}
		}
		// The example survives the form: each value formatted and parsed back is the same JSON.
		texts := map[string]string{}
		for k, v := range a.Example {
			raw, _ := json.Marshal(v)
			p, _ := a.Param(k)
			texts[k] = p.FormatValue(raw)
		}
		got, err := a.BuildParams(texts)
		if err != nil {
			t.Errorf("%s: example does not go through the form: %v", a.Name, err)
			continue
		}
		for k, v := range a.Example {
			want, _ := json.Marshal(v)
			if !jsonEqual(got[k], want) {
				t.Errorf("%s: %s round trip = %s, want %s", a.Name, k, got[k], want)
			}
		}
	}
	for _, name := range []string{"send_private_msg", "get_version_info", "clean_cache", "send_group_forward_msg", ".handle_quick_operation",
		"_get_vip_info", "ArkSharePeer", "set_msg_emoji_like", "friend_poke", "nc_get_user_status", "translate_en2zh"} {
		if !seen[name] {
			t.Errorf("%s is missing", name)
		}
	}
}

// checkValue reports whether v (a Go literal from data.go) has p's type.
func checkValue(p Param, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return err
	}
	bad := func() error { return errors.New("has the wrong type for " + string(p.Type) + ": " + string(raw)) }
	switch p.Type {
	case ID:
		if f, ok := x.(float64); !ok || f <= 0 || f != float64(int64(f)) {
			return bad()
		}
	case Int:
		if f, ok := x.(float64); !ok || f != float64(int64(f)) {
			return bad()
		}
	case Bool:
		if _, ok := x.(bool); !ok {
			return bad()
		}
	case String:
		if _, ok := x.(string); !ok {
			return bad()
		}
	case Enum:
		if s, ok := x.(string); !ok || !slices.Contains(p.Enum, s) {
			return bad()
		}
	case Message:
		switch x.(type) {
		case string, []any:
		default:
			return bad()
		}
	case JSON:
		if _, ok := x.(map[string]any); !ok {
			return bad()
		}
	case Array:
		if _, ok := x.([]any); !ok {
			return bad()
		}
	}
	return nil
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func TestGroupedByOrigin(t *testing.T) {
	all := All()
	last := -1
	rank := map[Origin]int{OneBot11: 0, GoCQHTTP: 1, NapCat: 2}
	for _, a := range all {
		if rank[a.Origin] < last {
			t.Fatalf("%s (%s) comes after a later origin", a.Name, a.Origin)
		}
		last = rank[a.Origin]
	}
	// All hands out a copy.
	all[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Error("All returned the catalog itself, not a copy")
	}
}

func TestSearch(t *testing.T) {
	names := func(list []Action) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.Name)
		}
		return out
	}
	for _, tc := range []struct {
		q       string
		want    []string // must be among the results
		notWant []string
	}{
		{q: "  SEND_GROUP_MSG ", want: []string{"send_group_msg"}, notWant: []string{"get_status"}},
		{q: "禁言", want: []string{"set_group_ban", "set_group_whole_ban", "get_group_shut_list"}, notWant: []string{"send_msg"}},
		{q: "poke", want: []string{"friend_poke", "group_poke", "send_poke"}},
		{q: "essence", want: []string{"set_essence_msg", "delete_essence_msg", "get_essence_msg_list"}},
		{q: "OCR", want: []string{"ocr_image"}},
		{q: "", want: []string{"send_private_msg", "ArkSharePeer"}},
	} {
		got := names(Search(tc.q))
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("Search(%q) = %v, want it to include %s", tc.q, got, w)
			}
		}
		for _, w := range tc.notWant {
			if slices.Contains(got, w) {
				t.Errorf("Search(%q) includes %s", tc.q, w)
			}
		}
	}
	if got := Search("no such action anywhere"); len(got) != 0 {
		t.Errorf("Search of nonsense = %v", names(got))
	}
}

func TestLookup(t *testing.T) {
	a, ok := Lookup("set_group_ban")
	if !ok || a.Origin != OneBot11 || len(a.Params) != 3 {
		t.Fatalf("Lookup(set_group_ban) = %+v, %v", a, ok)
	}
	if _, ok := Lookup("Set_Group_Ban"); ok {
		t.Error("Lookup is exact; a differently cased name was found")
	}
	if got := a.ExampleJSON(); !strings.Contains(got, `"duration": 600`) {
		t.Errorf("ExampleJSON = %s", got)
	}
}

func TestParseValue(t *testing.T) {
	enumP := Param{Name: "type", Type: Enum, Enum: []string{"add", "invite"}}
	for _, tc := range []struct {
		p       Param
		in      string
		want    string // JSON; "" means an error is expected
		errPart string
	}{
		{Param{Name: "user_id", Type: ID}, " 987654321 ", "987654321", ""},
		{Param{Name: "user_id", Type: ID}, "98765432a", "", "digits only"},
		{Param{Name: "user_id", Type: ID}, "-5", "", "digits only"},
		{Param{Name: "user_id", Type: ID}, "99999999999999999999", "", "too large"},
		{Param{Name: "duration", Type: Int}, "-1", "-1", ""},
		{Param{Name: "duration", Type: Int}, "+60", "60", ""},
		{Param{Name: "duration", Type: Int}, "1.5", "", "whole number"},
		{Param{Name: "enable", Type: Bool}, "True", "true", ""},
		{Param{Name: "enable", Type: Bool}, "0", "false", ""},
		{Param{Name: "enable", Type: Bool}, "maybe", "", "true or false"},
		{enumP, "invite", `"invite"`, ""},
		{enumP, "join", "", "add, invite"},
		{Param{Name: "message", Type: Message}, "hi [CQ:face,id=1]", `"hi [CQ:face,id=1]"`, ""},
		{Param{Name: "message", Type: Message}, `[{"type":"at","data":{"qq":12345678901234567}}]`, `[{"type":"at","data":{"qq":12345678901234567}}]`, ""},
		{Param{Name: "message", Type: Message}, `[{"type":`, "", "not valid"},
		{Param{Name: "context", Type: JSON}, `{"a": 1}`, `{"a":1}`, ""},
		{Param{Name: "context", Type: JSON}, `[1]`, "", "JSON object"},
		{Param{Name: "words", Type: Array}, `["a", "b"]`, `["a","b"]`, ""},
		{Param{Name: "words", Type: Array}, `{}`, "", "JSON array"},
		{Param{Name: "card", Type: String}, "  值班  ", `"  值班  "`, ""},
	} {
		got, err := tc.p.ParseValue(tc.in)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), tc.p.Name) {
				t.Errorf("%s.ParseValue(%q) = %s, %v; want an error naming the parameter and saying %q", tc.p.Name, tc.in, got, err, tc.errPart)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s.ParseValue(%q) = %s, %v; want %s", tc.p.Name, tc.in, got, err, tc.want)
		}
	}
	if _, err := (Param{Name: "x", Type: Int}).ParseValue("   "); !errors.Is(err, ErrEmpty) {
		t.Errorf("blank text: err = %v, want ErrEmpty", err)
	}
}

func TestBuildParams(t *testing.T) {
	a, _ := Lookup("set_group_add_request")
	_, err := a.BuildParams(map[string]string{"approve": "yes", "sub_type": "join"})
	if err == nil || !strings.Contains(err.Error(), "set_group_add_request needs flag") || !strings.Contains(err.Error(), "sub_type") {
		t.Errorf("missing flag and a bad enum: err = %v", err)
	}
	got, err := a.BuildParams(map[string]string{"flag": "f1", "sub_type": "add", "approve": "false", "reason": ""})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if string(b) != `{"approve":false,"flag":"f1","sub_type":"add"}` {
		t.Errorf("BuildParams = %s", b)
	}
}

func TestTextIn(t *testing.T) {
	x := Text{ZH: "中", EN: "en"}
	if x.In("zh_CN") != "中" || x.In("en") != "en" || x.In("") != "en" {
		t.Error("Text.In picks the wrong language")
	}
}
