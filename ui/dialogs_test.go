package ui

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// Every dialog of the app opens in the test driver without a panic, at the smallest window the
// app supports, and lies inside the window. History → Export used to panic here on the first
// click: Fyne 2.8.1's FileDialog.Resize reads its pop-up before Show has made it.
func TestEveryDialogOpens(t *testing.T) {
	r := newRig(t, rigOptions{
		bot:     true,
		size:    fyne.NewSize(1024, 640),
		sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true}},
		seed: func(db *store.DB) {
			must(t, db.PutContext("测试群", core.Context{Type: core.TypeGroup, GroupID: "20001", Via: onebot.Via}.WithSource("napcat")))
		},
	})
	r.idle()

	compose := func() *composeScreen { return r.open("compose").(*composeScreen) }
	dialogs := []struct {
		name string
		open func()
	}{
		{"error", func() { r.ui(func() { r.e.showError(errors.New("something went wrong")) }) }},
		{"confirm", func() { r.ui(func() { r.e.confirm("Title", "Sure?", "Yes", func() {}) }) }},
		{"history export (file save)", func() {
			s := r.open("history").(*historyScreen)
			r.tap(s.exportBtn)
		}},
		{"compose file open", func() {
			s := compose()
			r.ui(func() { s.pickFile(func(string) {}) })
		}},
		{"compose save context", func() {
			s := compose()
			r.typeIn(&s.idEntry.Entry, "20001")
			r.tap(s.saveBtn)
		}},
		{"compose contact picker", func() {
			s := compose()
			r.tap(s.pickBtn)
			r.wait("compose.contacts")
		}},
		{"contexts rename", func() {
			s := r.open("contexts").(*contextsScreen)
			r.wait("contexts.loaded")
			r.ui(func() { s.list.Select(0) })
			r.tap(s.renameBtn)
		}},
		{"ark send", func() {
			s := r.arkCard("10002")
			r.tap(s.sendBtn)
			r.wait("ark.contexts")
		}},
	}
	parent := r.t
	defer func() { r.t = parent }()
	for _, d := range dialogs {
		t.Run(d.name, func(t *testing.T) {
			r.t = t
			r.drain()
			var before int
			r.ui(func() { before = len(r.w.Canvas().Overlays().List()) })
			d.open()
			r.idle()
			r.ui(func() {
				ov := r.w.Canvas().Overlays()
				if len(ov.List()) <= before {
					t.Fatalf("no dialog opened")
				}
				top := ov.Top()
				win := r.w.Canvas().Size()
				checkInside(t, top, fyne.NewPos(0, 0), win)
				ov.Remove(top)
			})
		})
	}
}

// checkInside fails for every visible object under o (at pos) that reaches outside win.
func checkInside(t *testing.T, o fyne.CanvasObject, pos fyne.Position, win fyne.Size) {
	t.Helper()
	const slack = 1 // rounding
	var visit func(o fyne.CanvasObject, at fyne.Position)
	visit = func(o fyne.CanvasObject, at fyne.Position) {
		if o == nil || !o.Visible() {
			return
		}
		p := at.Add(o.Position())
		sz := o.Size()
		if sz.Width > 0 && sz.Height > 0 && (p.X < -slack || p.Y < -slack || p.X+sz.Width > win.Width+slack || p.Y+sz.Height > win.Height+slack) {
			t.Errorf("%T at %v size %v lies outside the %v window", o, p, sz, win)
			return // its children would repeat it
		}
		switch x := o.(type) {
		case *container.Scroll:
			return // it clips what it holds: only the scroll itself has to fit
		case *fyne.Container:
			for _, c := range x.Objects {
				visit(c, p)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				visit(c, p)
			}
		}
	}
	visit(o, pos)
}
