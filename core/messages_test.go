package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// TestMessagesBothLanguages: every message key has an English and a Chinese template using the
// same placeholders, and every error code has its sentence in both.
func TestMessagesBothLanguages(t *testing.T) {
	en, zh := MessageKeys(LangEnglish), MessageKeys(LangChinese)
	slices.Sort(en)
	slices.Sort(zh)
	if !slices.Equal(en, zh) {
		t.Fatalf("keys differ:\nen %v\nzh %v", en, zh)
	}
	for _, k := range en {
		pe, pz := placeholder.FindAllString(messages[LangEnglish][k], -1), placeholder.FindAllString(messages[LangChinese][k], -1)
		slices.Sort(pe)
		slices.Sort(pz)
		// Chinese may leave out a detail only English has (a decoder's own words), never add one.
		for _, p := range pz {
			if p != "{field}" && !slices.Contains(pe, p) { // Error.Field is always there
				t.Errorf("%s: zh uses %s, en does not", k, p)
			}
		}
		if strings.TrimSpace(messages[LangChinese][k]) == "" {
			t.Errorf("%s: empty zh template", k)
		}
	}
	for code := range codeStatus {
		for _, lang := range []string{LangEnglish, LangChinese} {
			if messages[lang]["code."+code] == "" {
				t.Errorf("code %s has no %s sentence", code, lang)
			}
		}
	}
}

// TestEveryKeyUsedExists: every key the engine passes to Fail (read from the source) has a
// template, so no error is said in English alone.
func TestEveryKeyUsedExists(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "onebot", "ark", "onebot12", "openwx"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 1 {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if name != "Fail" && name != "SupportReason" {
				return true
			}
			keyArg := 1
			if name == "SupportReason" {
				keyArg = 0
			}
			if len(call.Args) <= keyArg {
				return true
			}
			lit, ok := call.Args[keyArg].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: %s's key must be a literal", fset.Position(call.Pos()), name)
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			used++
			for _, lang := range []string{LangEnglish, LangChinese} {
				if _, ok := messages[lang][key]; !ok {
					t.Errorf("%s: key %q has no %s template", fset.Position(call.Pos()), key, lang)
				}
			}
			return true
		})
	}
	if used < 30 {
		t.Fatalf("only %d keyed errors found: is the scan reading the sources?", used)
	}
}

// TestLocalize: a keyed error is said in Chinese naming its field; an error without a key is
// its code's sentence with the backend's own words; English is the error's own message.
func TestLocalize(t *testing.T) {
	empty := ValidateMessage(Message{{Type: "text"}})
	cases := []struct {
		name string
		err  error
		lang string
		want []string
		not  []string
	}{
		{"empty text, zh", empty, "zh-CN", []string{"params.message[0].text", "文本为空"}, []string{"empty"}},
		{"empty text, en", empty, "en", []string{"segment 0 (text): text is empty"}, nil},
		{"missing param, zh", Fail(CodeMissingParam, "param.required", "params.message"), "zh", []string{"params.message", "缺少"}, []string{"required"}},
		{"ark rule, zh", Fail(CodeMissingParam, "ark.one_required", "group_id"), "zh", []string{"group_id", "phoneNumber"}, []string{"required"}},
		{"unkeyed, zh", Errorf(CodeBackendTimeout, "the backend did not answer within 10s"), "zh", []string{"后端未在时限内回答"}, []string{"did not"}},
		{"backend, zh", &Error{Code: CodeBackendFailed, Message: "backend failed (retcode 100): EMPTY_MSG_ERR", Retcode: 100, BackendText: "EMPTY_MSG_ERR"}, "zh",
			[]string{"后端返回失败", "100", "EMPTY_MSG_ERR"}, []string{"backend failed"}},
		{"plain error, en", os.ErrNotExist, "en", []string{"file does not exist"}, nil},
	}
	for _, c := range cases {
		got := Localize(c.err, c.lang)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q still says %q", c.name, got, n)
			}
		}
	}
	if Localize(nil, "zh") != "" {
		t.Error("nil error said something")
	}
}

// TestParseTarget: the inverse of Target.String, and the "user:" of older Ark rows reads as
// private.
func TestParseTarget(t *testing.T) {
	for _, tt := range []Target{{TypeGroup, "1"}, {TypePrivate, "2"}, {TypeDiscuss, "3"}} {
		if got, ok := ParseTarget(tt.String()); !ok || got != tt {
			t.Errorf("ParseTarget(%q) = %v %v", tt.String(), got, ok)
		}
	}
	if got, ok := ParseTarget("user:10002"); !ok || got != (Target{TypePrivate, "10002"}) {
		t.Errorf("user: → %v %v", got, ok)
	}
	for _, bad := range []string{"", "group:", "phone:138", "nonsense", ":1"} {
		if _, ok := ParseTarget(bad); ok {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
	if got := (ArkRequest{UserID: "5"}).Target(); got != "private:5" {
		t.Errorf("Ark user target = %q, want private:5", got)
	}
}

// TestSnippet: one line, bounded, valid UTF-8.
func TestSnippet(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"  a \n\t b  ", 10, "a b"},
		{"你好世界", 2, "你好…"},
		{"ab\xffc", 10, "ab\uFFFDc"},
		{"abc", 3, "abc"},
	}
	for _, c := range cases {
		if got := Snippet(c.in, c.max); got != c.want {
			t.Errorf("Snippet(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
