package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// actionsRig opens the Actions screen at 1024×640 over a fake NapCat.
func actionsRig(t *testing.T, lang string) (*rig, *actionsScreen) {
	t.Helper()
	r := newRig(t, rigOptions{
		screen: "actions", lang: lang, bot: true, size: fyne.NewSize(1024, 640),
		sources: []core.Source{{ID: "napcat-main", Via: onebot.Via, Flavor: "napcat", Default: true}},
	})
	s, ok := r.open("actions").(*actionsScreen)
	if !ok {
		t.Fatal("the actions screen is not registered")
	}
	r.idle()
	r.ui(func() {
		if _, ok := s.source.selected(); !ok {
			t.Fatalf("no source selected; options %v", s.source.sel.Options)
		}
	})
	return r, s
}

// selectAction searches the catalog for name and selects it in the list.
func (r *rig) selectAction(s *actionsScreen, name string) {
	r.t.Helper()
	r.typeIn(s.search, name)
	r.ui(func() {
		for i, row := range s.rows {
			if row.heading == "" && row.action.Name == name {
				s.list.Select(i)
				return
			}
		}
		r.t.Fatalf("%s is not in the catalog list after searching for it", name)
	})
}

func (s *actionsScreen) field(name string) *actionsField {
	for _, f := range s.fields {
		if f.p.Name == name {
			return f
		}
	}
	return nil
}

// savedRowButtons finds the run and delete buttons of the saved row labelled label.
func (r *rig) savedRowButtons(s *actionsScreen, label string) (run, del *widget.Button) {
	r.t.Helper()
	r.ui(func() {
		walk(s.savedList, func(o fyne.CanvasObject) {
			c, ok := o.(*fyne.Container)
			if !ok || len(c.Objects) != 2 {
				return
			}
			lb, ok := c.Objects[0].(*widget.Label)
			btns, ok2 := c.Objects[1].(*fyne.Container)
			if !ok || !ok2 || lb.Text != label || len(btns.Objects) != 2 {
				return
			}
			run, _ = btns.Objects[0].(*widget.Button)
			del, _ = btns.Objects[1].(*widget.Button)
		})
	})
	if run == nil || del == nil {
		r.t.Fatalf("no saved row %q", label)
	}
	return run, del
}

func TestActionsSendSaveRerun(t *testing.T) {
	r, s := actionsRig(t, "en")

	// Pick an action from the catalog, fill the example, send it to the fake NapCat.
	r.selectAction(s, "get_group_member_list")
	r.tap(s.exampleB)
	r.ui(func() {
		if f := s.field("group_id"); f == nil || f.entry.Text != "123456789" {
			t.Fatalf("after Fill an example, group_id field = %+v", f)
		}
	})
	r.tap(s.sendBtn)
	r.wait("actions.send")
	r.ui(func() {
		if !strings.Contains(s.status.Text, "OK — get_group_member_list answered in") || !strings.Contains(s.status.Text, " ms") {
			t.Errorf("status = %q", s.status.Text)
		}
		if !strings.Contains(s.response.Text, `"nickname": "张三"`) {
			t.Errorf("response = %s", s.response.Text)
		}
	})
	if n := r.bot.Count("get_group_member_list"); n != 1 {
		t.Fatalf("the backend got get_group_member_list %d times, want 1", n)
	}
	reqs := r.bot.Requests()
	if got := reqs[len(reqs)-1].Params["group_id"]; got != json.Number("123456789") {
		t.Errorf("the backend got group_id %#v, want the number 123456789", got)
	}
	// The call is in history as the GUI's *action.
	hist, err := r.db.HistoryPage(0, 1, store.HistoryFilter{})
	if err != nil || len(hist) != 1 || hist[0].Action != "*get_group_member_list" || hist[0].Origin != core.OriginGUI {
		t.Errorf("history = %+v, %v", hist, err)
	}

	// A bad id is named, and nothing is sent.
	r.typeIn(s.field("group_id").entry, "12a")
	r.tap(s.sendBtn)
	r.ui(func() {
		if !strings.Contains(s.status.Text, "group_id") || !strings.Contains(s.status.Text, "digits only") {
			t.Errorf("status after a bad id = %q", s.status.Text)
		}
	})
	if n := r.bot.Count("get_group_member_list"); n != 1 {
		t.Errorf("a bad id was sent")
	}
	r.typeIn(s.field("group_id").entry, "123456789")

	// Save it under a name and group.
	r.tap(s.saveBtn)
	r.ui(func() {
		top := r.w.Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("Save… opened no dialog")
		}
		var name *widget.Entry
		var group *widget.SelectEntry
		walk(top, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Entry:
				if name == nil {
					name = x
				}
			case *widget.SelectEntry:
				group = x
			}
		})
		if name == nil || group == nil {
			t.Fatal("the save dialog has no name or group field")
		}
		test.Type(name, "成员列表")
		test.Type(group, "运维")
	})
	r.tapDialogButton("Save")
	r.wait("actions.saved")
	saved, err := r.db.Requests()
	if err != nil || len(saved) != 1 {
		t.Fatalf("saved requests = %+v, %v", saved, err)
	}
	if sr := saved[0]; sr.Name != "成员列表" || sr.Group != "运维" || sr.Action != "get_group_member_list" ||
		sr.Source != "napcat-main" || string(sr.Params) != `{"group_id":123456789}` {
		t.Errorf("saved = %+v (params %s)", sr, sr.Params)
	}

	// Re-run it in one click from the Saved tab, with the form changed meanwhile.
	r.ui(func() { s.tabs.SelectIndex(1) })
	r.idle()
	r.selectAction(s, "get_status")
	run, del := r.savedRowButtons(s, "成员列表 · get_group_member_list")
	r.tap(run)
	r.wait("actions.send")
	if n := r.bot.Count("get_group_member_list"); n != 2 {
		t.Errorf("after Run the backend got get_group_member_list %d times, want 2", n)
	}
	r.ui(func() {
		if s.selected == nil || s.selected.Name != "get_group_member_list" || s.field("group_id").entry.Text != "123456789" {
			t.Errorf("Run did not load the saved request into the form")
		}
		if !strings.Contains(s.response.Text, "张三") {
			t.Errorf("response after Run = %s", s.response.Text)
		}
	})

	// Delete it (after confirming).
	r.tap(del)
	r.tapDialogButton("Delete")
	r.wait("actions.saved")
	if saved, _ := r.db.Requests(); len(saved) != 0 {
		t.Errorf("after delete: %+v", saved)
	}
	r.ui(func() {
		if !strings.Contains(s.savedNote.Text, "No saved requests yet") {
			t.Errorf("saved note = %q", s.savedNote.Text)
		}
	})
}

func TestActionsRawJSON(t *testing.T) {
	r, s := actionsRig(t, "en")
	r.selectAction(s, "set_group_ban")
	r.tap(s.exampleB)
	r.ui(func() { s.raw.SetChecked(true) })
	r.ui(func() {
		var m map[string]any
		if err := json.Unmarshal([]byte(s.rawParams.Text), &m); err != nil || m["duration"] != float64(600) || m["group_id"] != float64(123456789) {
			t.Errorf("raw params carried from the form = %s (%v)", s.rawParams.Text, err)
		}
	})

	// An action the catalog lacks is sent as typed; NapCat's "unsupported" answer is shown.
	r.typeIn(s.rawName, "no_such_action")
	r.typeIn(s.rawParams, `{"x": 12345678901234567}`)
	r.tap(s.sendBtn)
	r.wait("actions.send")
	r.ui(func() {
		if !strings.Contains(s.status.Text, "Failed after") {
			t.Errorf("status = %q", s.status.Text)
		}
		if !strings.Contains(s.response.Text, `"error": "backend_failed"`) {
			t.Errorf("response = %s", s.response.Text)
		}
	})
	reqs := r.bot.Requests()
	if last := reqs[len(reqs)-1]; last.Action != "no_such_action" || last.Params["x"] != json.Number("12345678901234567") {
		t.Errorf("the backend got %s %v; want no_such_action with x exact", last.Action, last.Params)
	}

	// Params that are not an object are refused before sending.
	r.typeIn(s.rawParams, `[1]`)
	r.tap(s.sendBtn)
	r.ui(func() {
		if !strings.Contains(s.status.Text, "JSON object") {
			t.Errorf("status after array params = %q", s.status.Text)
		}
	})

	// Back to the form with a catalog name: the raw params fill it.
	r.typeIn(s.rawName, "set_group_card")
	r.typeIn(s.rawParams, `{"group_id": 1, "user_id": 2, "card": "值班"}`)
	r.ui(func() { s.raw.SetChecked(false) })
	r.ui(func() {
		if s.selected == nil || s.selected.Name != "set_group_card" || s.field("card").entry.Text != "值班" || s.field("user_id").entry.Text != "2" {
			t.Errorf("leaving raw mode did not fill the set_group_card form")
		}
	})
}

// TestActionsFitsSmallWindow: at 1024×640, with the longest form and a response shown, the
// window content still fits (the window would otherwise grow by itself), in both languages.
func TestActionsFitsSmallWindow(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			r, s := actionsRig(t, lang)
			r.selectAction(s, "set_qq_profile")
			r.tap(s.exampleB)
			r.tap(s.sendBtn)
			r.wait("actions.send")
			r.ui(func() {
				min := r.w.Content().MinSize()
				if min.Width > 1024 || min.Height > 640 {
					t.Errorf("content needs %v, more than 1024×640", min)
				}
				if lang == "zh" && !r.hasTextLocked("填入示例") {
					t.Error("the screen is not in Chinese")
				}
			})
		})
	}
}

// hasTextLocked is hasText for callers already holding the UI lock.
func (r *rig) hasTextLocked(sub string) bool {
	for _, t := range texts(r.w.Canvas().Content()) {
		if strings.Contains(t, sub) {
			return true
		}
	}
	return false
}

// A saved request whose source was removed is not run through another source.
func TestActionsSavedSourceGone(t *testing.T) {
	r, s := actionsRig(t, "en")
	must(t, r.db.PutRequest(&store.SavedRequest{Name: "status", Action: "get_status", Source: "removed-source"}))
	r.ui(func() {
		s.tabs.SelectIndex(1)
		s.refreshSaved()
	})
	r.wait("actions.saved")
	run, _ := r.savedRowButtons(s, "status · get_status")
	r.tap(run)
	r.idle()
	r.ui(func() {
		if !strings.Contains(s.status.Text, `"removed-source"`) || !strings.Contains(s.status.Text, "no longer exists") {
			t.Errorf("status = %q", s.status.Text)
		}
	})
	if n := r.bot.Count("get_status"); n != 0 {
		t.Errorf("the request was sent %d times through another source", n)
	}
}
