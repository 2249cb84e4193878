package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

func TestContextsCreateRenameDelete(t *testing.T) {
	r := newRig(t, rigOptions{screen: "contexts",
		sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, URL: "http://127.0.0.1:3000", Default: true}}})
	r.wait("contexts.loaded")
	r.idle()
	s := r.e.screen("contexts").(*contextsScreen)

	// Validation.
	r.typeIn(s.id, "12ab")
	r.tap(s.saveBtn)
	r.ui(func() {
		if !strings.Contains(s.problems.Text, "A name is required.") || !strings.Contains(s.problems.Text, "The id must be a number") {
			t.Errorf("problems %q", s.problems.Text)
		}
	})

	// Create.
	r.typeIn(s.name, "测试群")
	r.typeIn(s.id, "20001")
	r.ui(func() {
		if s.source.Selected != "napcat-主号" || s.typeValue() != core.TypeGroup {
			t.Errorf("defaults: source %q type %q", s.source.Selected, s.typeValue())
		}
	})
	r.tap(s.saveBtn)
	r.wait("contexts.saved")
	r.wait("contexts.loaded")
	list, err := r.db.Contexts()
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %+v %v", list, err)
	}
	c := list[0].Context
	if list[0].Name != "测试群" || c.Type != core.TypeGroup || c.GroupID != "20001" || c.Via != onebot.Via || contextSource(c) != "napcat-主号" {
		t.Errorf("stored context %+v", list[0])
	}
	if !r.hasText("Group 20001") {
		t.Errorf("the list should show the target; texts %q", r.windowTexts())
	}

	// Rename through the dialog.
	r.ui(func() { s.list.Select(0) })
	r.tap(s.renameBtn)
	var entry *widget.Entry
	r.ui(func() {
		walk(r.w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if en, ok := o.(*widget.Entry); ok && entry == nil {
				entry = en
			}
		})
	})
	if entry == nil {
		t.Fatal("no entry in the rename dialog")
	}
	r.ui(func() { entry.SetText("测试群 2") })
	r.tapDialogButton("Rename")
	r.wait("contexts.renamed")
	r.wait("contexts.loaded")
	list, _ = r.db.Contexts()
	if len(list) != 1 || list[0].Name != "测试群 2" {
		t.Errorf("after rename %+v", list)
	}

	// Use in Compose marks it used (and switches screens when Compose exists).
	var used core.Context
	r.ui(func() {
		r.e.useContext = func(c core.Context) { used = c }
		s.list.Select(0)
	})
	r.tap(s.useBtn)
	r.wait("contexts.touched")
	if used.GroupID != "20001" {
		t.Errorf("useContext got %+v", used)
	}
	if list, _ = r.db.Contexts(); list[0].Used.IsZero() {
		t.Error("Use did not mark the context used")
	}

	// Delete, confirmed.
	r.ui(func() { s.list.Select(0) })
	r.tap(s.deleteBtn)
	r.tapDialogButton("Delete")
	r.wait("contexts.deleted")
	r.wait("contexts.loaded")
	if list, _ = r.db.Contexts(); len(list) != 0 {
		t.Errorf("after delete %+v", list)
	}
}

func TestContextFromHistoryRow(t *testing.T) {
	r := newRig(t, rigOptions{screen: "history",
		sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, URL: "http://127.0.0.1:3000", Default: true}}})
	r.wait("history.page")
	r.ui(func() {
		r.e.saveContextFrom(core.HistoryRecord{Seq: 7, Source: "napcat-主号", Target: "private:10002"})
	})
	r.idle()
	s := r.e.screen("contexts").(*contextsScreen)
	r.ui(func() {
		if r.e.sh.current != "contexts" {
			t.Errorf("showing %q", r.e.sh.current)
		}
		if s.typeValue() != core.TypePrivate || s.id.Text != "10002" || s.source.Selected != "napcat-主号" || s.name.Text != "Private 10002" {
			t.Errorf("prefilled: type %q id %q source %q name %q", s.typeValue(), s.id.Text, s.source.Selected, s.name.Text)
		}
	})
	r.tap(s.saveBtn)
	r.wait("contexts.saved")
	list, _ := r.db.Contexts()
	if len(list) != 1 || list[0].Context.UserID != "10002" {
		t.Errorf("stored %+v", list)
	}
}

func TestContextsReloadKeepsEditsAndDiscussion(t *testing.T) {
	r := newRig(t, rigOptions{screen: "contexts",
		sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, URL: "http://127.0.0.1:3000", Default: true}},
		seed: func(db *store.DB) {
			must(t, db.PutContext("a group", core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20001"}.WithSource("napcat-主号")))
			must(t, db.PutContext("b discuss", core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeDiscuss, DiscussID: "30001"}.WithSource("napcat-主号")))
		}})
	r.wait("contexts.loaded")
	r.idle()
	s := r.e.screen("contexts").(*contextsScreen)

	// an unsaved edit survives a reload (another screen changed the contexts)
	r.ui(func() { s.list.Select(0) })
	r.typeIn(s.id, "29999")
	r.ui(func() { r.e.notify(topicContexts) })
	r.wait("contexts.loaded")
	r.ui(func() {
		if s.id.Text != "29999" || s.selected != "a group" {
			t.Errorf("after a reload: id %q selected %q", s.id.Text, s.selected)
		}
		if s.useBtn.Disabled() {
			t.Error("a group context can be used in Compose")
		}
		// a discussion context cannot be used in Compose, and says why
		s.list.Select(1)
		if !s.useBtn.Disabled() || !strings.Contains(s.note.Text, "private or group") {
			t.Errorf("discussion: use enabled %v, note %q", !s.useBtn.Disabled(), s.note.Text)
		}
	})
}
