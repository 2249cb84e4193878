package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// Every string these screens show goes through L and has a Chinese translation.
func TestComposeArkCardTranslations(t *testing.T) {
	fset := token.NewFileSet()
	for _, file := range []string{"compose.go", "segments.go", "ark.go", "cardview.go", "avatar.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "L" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			i18nMu.RLock()
			_, has := translation("zh", key)
			i18nMu.RUnlock()
			if !has {
				t.Errorf("%s: L(%q) has no Chinese translation", fset.Position(lit.Pos()), key)
			}
			return true
		})
	}
	// the segment kinds and their field labels are translated through L(variable)
	for _, k := range segmentKinds {
		for _, key := range []string{k.label} {
			if _, has := translation("zh", key); !has {
				t.Errorf("segment kind label %q has no translation", key)
			}
		}
		for _, f := range fieldsOf(k.typ) {
			if _, has := translation("zh", f.label); !has {
				t.Errorf("field label %q has no translation", f.label)
			}
		}
	}
}
