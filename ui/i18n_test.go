package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Every string the UI looks up (L("…"), translate([]string{…}), the format given to
// sendFailureText) has a Chinese translation, in every file of the package.
func TestShellScreensTranslations(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "L" && id.Name != "translate" && id.Name != "sendFailureText") {
				return true
			}
			var lits []*ast.BasicLit
			switch a := call.Args[0].(type) {
			case *ast.BasicLit:
				lits = append(lits, a)
			case *ast.CompositeLit:
				for _, el := range a.Elts {
					if bl, ok := el.(*ast.BasicLit); ok {
						lits = append(lits, bl)
					}
				}
			}
			for _, lit := range lits {
				key, _ := strconv.Unquote(lit.Value)
				if _, has := translation("zh", key); !has {
					t.Errorf("%s: %q has no Chinese translation", fset.Position(lit.Pos()), key)
				}
			}
			return true
		})
	}
	var keys []string
	for _, d := range registeredScreens() {
		keys = append(keys, d.title)
	}
	keys = append(keys, historyOutcomes...)
	for _, v := range contextTypeTitles {
		keys = append(keys, v)
	}
	keys = append(keys, "Time", "Origin", "Source", "Target", "Outcome", "Latency", "Message ID", "Message")
	for _, k := range keys {
		if _, has := translation("zh", k); !has {
			t.Errorf("%q has no Chinese translation", k)
		}
	}
}

// The language files list the same keys, no translation is empty, and a translation keeps the
// key's format verbs for the same arguments (a lost %s would print "%!(EXTRA …)"); a
// translation may reorder them with explicit argument indexes (%[2]q).
func TestLanguageFilesAgree(t *testing.T) {
	verbs := argVerbs
	en, zh := tables["en"], tables["zh"]
	if len(en) == 0 || len(zh) == 0 {
		t.Fatalf("empty tables: en %d, zh %d", len(en), len(zh))
	}
	for _, code := range languages {
		if _, err := readTable(code); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in zh.json, not in en.json", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("%q has an empty translation", k)
		}
		if a, b := verbs(k), verbs(v); a != b {
			t.Errorf("%q → %q: verbs %q vs %q", k, v, a, b)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%q is in en.json, not in zh.json", k)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0-9.]*([a-zA-Z%])`)

// argVerbs lists a format string's verbs by the argument each one prints ("1:s 2:q"), so a
// translation that reorders arguments with %[n] still matches its key.
func argVerbs(format string) string {
	byArg := map[int]string{}
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		if m[3] == "%" {
			continue
		}
		if m[2] != "" {
			next, _ = strconv.Atoi(m[2])
		}
		byArg[next] += m[3]
		next++
	}
	args := make([]int, 0, len(byArg))
	for a := range byArg {
		args = append(args, a)
	}
	sort.Ints(args)
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = strconv.Itoa(a) + ":" + byArg[a]
	}
	return strings.Join(parts, " ")
}
