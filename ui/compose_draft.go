package ui

import (
	"encoding/json"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// keyComposeDraft is the setting that keeps Compose's draft across restarts.
const keyComposeDraft = "compose.draft"

// composeDraft is what Compose holds — target and message — as it is saved: a restart (or a
// crash) loses nothing the operator typed.
type composeDraft struct {
	Source string `json:"source,omitempty"`
	Type   string `json:"type,omitempty"`
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"` // the picked contact's name
	// Context is the whole context handed in, while the target is still it.
	Context *core.Context     `json:"context,omitempty"`
	Plain   bool              `json:"plain,omitempty"`
	Text    string            `json:"text,omitempty"`
	Rows    []composeDraftRow `json:"rows,omitempty"`
}

// composeDraftRow is one segment row: its kind and what its fields hold.
type composeDraftRow struct {
	Type     string            `json:"type"`
	Fields   map[string]string `json:"fields,omitempty"`
	All      bool              `json:"all,omitempty"`       // at: @everyone
	UserName string            `json:"user_name,omitempty"` // at/contact/group: the picked name
}

// draft is the form as a composeDraft.
func (s *composeScreen) draft() composeDraft {
	d := composeDraft{
		Type:  s.selectedType(),
		ID:    s.idEntry.Text,
		Name:  s.targetName,
		Plain: s.plain.Checked,
		Text:  s.plainEntry.Text,
	}
	src, ok := s.selectedSource()
	if ok {
		d.Source = src.ID
	}
	if h, ok := s.handedTarget(src, d.Type, d.ID); ok {
		d.Context = &h
	}
	for _, r := range s.rows {
		dr := composeDraftRow{Type: r.typ, Fields: map[string]string{}, UserName: r.userName}
		for k, e := range r.fields {
			if e.Text != "" {
				dr.Fields[k] = e.Text
			}
		}
		dr.All = r.all != nil && r.all.Checked
		d.Rows = append(d.Rows, dr)
	}
	return d
}

// noteDraft takes the form as it is now (on the UI goroutine) and saves it after a pause in
// typing. The debounced save only writes what was taken: it never reads a widget.
func (s *composeScreen) noteDraft() {
	b, err := json.Marshal(s.draft())
	if err != nil {
		fyne.LogError("compose draft", err)
		return
	}
	s.draftMu.Lock()
	s.draftJSON = string(b)
	s.draftMu.Unlock()
	s.draftSave.trigger()
}

// saveDraft stores the draft last taken.
func (s *composeScreen) saveDraft() {
	s.draftMu.Lock()
	v := s.draftJSON
	s.draftMu.Unlock()
	s.e.putSetting(keyComposeDraft, v)
}

// loadDraft reads the saved draft in the background and puts it in the form, unless the
// operator (or a context handed in) changed the form meanwhile.
func (s *composeScreen) loadDraft() {
	st := s.e.deps.Store
	s.e.run("compose.draft", func() func() {
		v, ok, err := st.Setting(keyComposeDraft)
		if err != nil {
			return func() {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot read the saved draft: %s"), errorText(err)))
			}
		}
		if !ok || v == "" {
			return nil
		}
		var d composeDraft
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			fyne.LogError("compose draft", err)
			return nil
		}
		return func() {
			if s.changes == 0 {
				s.restoreDraft(d)
			}
		}
	})
}

// restoreDraft puts d in the form.
func (s *composeScreen) restoreDraft(d composeDraft) {
	s.restoring = true
	defer func() {
		s.restoring = false
		s.refresh()
	}()
	target := core.Context{Type: d.Type}.WithSource(d.Source)
	switch d.Type {
	case core.TypePrivate:
		target.UserID = core.ID(d.ID)
	case core.TypeGroup:
		target.GroupID = core.ID(d.ID)
	}
	if d.Context != nil {
		s.setContext(*d.Context)
	} else {
		s.setTarget(target)
	}
	s.targetName = d.Name
	for len(s.rows) > 0 {
		s.removeSegment(s.rows[0])
	}
	for _, dr := range d.Rows {
		if !knownSegmentKind(dr.Type) {
			continue
		}
		r := s.addRow(dr.Type)
		for k, v := range dr.Fields {
			r.setField(k, v)
		}
		if r.all != nil && dr.All {
			r.all.SetChecked(true)
		}
		r.userName = dr.UserName
	}
	if len(s.rows) == 0 {
		s.addRow("text")
	}
	s.plainEntry.SetText(d.Text)
	s.plain.SetChecked(d.Plain)
}

// knownSegmentKind reports whether typ is a row kind of the Add segment menu.
func knownSegmentKind(typ string) bool {
	for _, k := range segmentKinds {
		if k.typ == typ {
			return true
		}
	}
	return false
}
