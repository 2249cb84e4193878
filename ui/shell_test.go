package ui

import (
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
	}
	for _, id := range []string{"compose", "ark", "history", "contexts", "sources", "endpoint", "settings"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("screen %q is not registered", id)
		}
	}
	if !(ids["compose"] < ids["ark"] && ids["ark"] < ids["history"] && ids["history"] < ids["contexts"] && ids["contexts"] < ids["sources"] && ids["sources"] < ids["endpoint"] && ids["endpoint"] < ids["settings"]) {
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

func TestScreenListRejectsRepeatsAndGaps(t *testing.T) {
	if err := checkScreens(registeredScreens()); err != nil {
		t.Fatal(err)
	}
	defs := registeredScreens()
	if err := checkScreens(append(defs, defs[2])); err == nil {
		t.Error("a screen listed twice is accepted")
	}
	broken := defs[0]
	broken.id, broken.build = "nobuild", nil
	if err := checkScreens([]screenDef{broken}); err == nil {
		t.Error("a screen without build is accepted")
	}
}
