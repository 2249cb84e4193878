package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"fyne.io/fyne/v2"
)

func TestRegistryOrderAndShell(t *testing.T) {
	defs := registeredScreens()
	ids := map[string]int{}
	for i, d := range defs {
		ids[d.id] = i
		if d.icon == nil || d.title == "" || d.build == nil {
			t.Errorf("screen %q is incomplete", d.id)
		}
		if i > 0 && defs[i-1].order > d.order {
			t.Errorf("not sorted at %q", d.id)
		}
	}
	for _, id := range []string{"history", "contexts", "sources", "endpoint", "settings"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("screen %q is not registered", id)
		}
	}
	if !(ids["history"] < ids["contexts"] && ids["contexts"] < ids["sources"] && ids["sources"] < ids["endpoint"] && ids["endpoint"] < ids["settings"]) {
		t.Errorf("navigation order %v", ids)
	}

	r := newRig(t, rigOptions{screen: "settings"})
	r.idle()
	r.ui(func() {
		if r.w.Title() != "UCBI Console" {
			t.Errorf("title %q", r.w.Title())
		}
		if r.e.sh.current != "settings" {
			t.Errorf("the saved screen is not shown first: %q", r.e.sh.current)
		}
	})
	if !r.hasText("No sources yet") || !r.hasText("Endpoint: stopped") {
		t.Errorf("status bar; texts %q", r.windowTexts())
	}

	// Ctrl+n switches to the n-th screen and remembers it.
	n := ids["sources"]
	r.shortcut(n)
	r.wait("setting." + keyScreen)
	r.ui(func() {
		if r.e.sh.current != "sources" {
			t.Errorf("Ctrl+%d shows %q", n+1, r.e.sh.current)
		}
	})
	if v, _, _ := r.db.Setting(keyScreen); v != "sources" {
		t.Errorf("saved screen %q", v)
	}

	// Closing saves the window size.
	r.ui(func() { r.w.Resize(fyne.NewSize(1000, 700)) })
	r.ui(func() { r.w.Close() })
	r.idle()
	w, _, _ := r.db.Setting(keyWidth)
	h, _, _ := r.db.Setting(keyHeight)
	if wi, _ := strconv.Atoi(w); wi < 900 {
		t.Errorf("saved width %q height %q", w, h)
	}
}

func TestRegisterScreenTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	registerScreen(99, "history", "again", nil, nil)
}

// Every string the shell and its screens show goes through L and has a Chinese translation.
func TestShellScreensTranslations(t *testing.T) {
	fset := token.NewFileSet()
	for _, file := range []string{"app.go", "theme.go", "fonts.go", "settings.go", "sources.go", "history.go", "contexts.go", "endpoint.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "L" && id.Name != "translate") {
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
				i18nMu.RLock()
				_, has := zh[key]
				i18nMu.RUnlock()
				if !has {
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
		if _, has := zh[k]; !has {
			t.Errorf("%q has no Chinese translation", k)
		}
	}
}
