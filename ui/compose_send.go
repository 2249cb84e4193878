package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

// ---------------------------------------------------------------------------------------------
// Send

func (s *composeScreen) onSend() {
	if !s.touched {
		// Ctrl+Enter on a fresh screen: what is missing is now an error, not a hint.
		s.touched = true
		s.refresh()
	}
	if s.sending || s.request == nil {
		return
	}
	req := *s.request
	s.sending = true
	s.sendBtn.Disable()
	s.progress.Show()
	s.progress.Start()
	s.setResult(widget.MediumImportance, L("Sending…"))
	d := s.e.deps.Dispatcher
	s.e.run("compose.send", func() func() {
		start := time.Now()
		res, err := callSend(context.Background(), d, req)
		elapsed := time.Since(start)
		return func() {
			s.sending = false
			s.progress.Stop()
			s.progress.Hide()
			s.showSendResult(res, err, elapsed)
			s.refresh()
			s.e.notify(topicHistory)
		}
	})
}

func (s *composeScreen) showSendResult(res core.SendResult, err error, elapsed time.Duration) {
	imp, text := sendResultText(res, err, elapsed)
	s.setResult(imp, text)
	s.pane.showCall(text, res, err, elapsed)
}

// setResult shows the outcome line under the message (hidden while empty).
func (s *composeScreen) setResult(imp widget.Importance, text string) {
	s.result.Importance, s.result.Text = imp, text
	if text == "" {
		s.result.Hide()
	} else {
		s.result.Show()
	}
	s.result.Refresh()
	composeLayoutNow(s.root, s.bottom)
}

// composeLayoutNow lays containers out again, outermost first: a label that starts wrapping onto
// more lines does not make its parents make room by itself.
func composeLayoutNow(cs ...*fyne.Container) {
	for _, c := range cs {
		if c != nil && c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
	}
}

// sendResultText is "Sent — message id 123 (45 ms)" or the failure in words ("Outcome unknown"
// for a send that may have gone out).
func sendResultText(res core.SendResult, err error, elapsed time.Duration) (widget.Importance, string) {
	if err != nil {
		return sendFailureText("Not sent: %s", err)
	}
	ms := elapsed.Milliseconds()
	if res.MessageID != "" {
		return widget.SuccessImportance, fmt.Sprintf(L("Sent — message id %s (%d ms)"), res.MessageID, ms)
	}
	return widget.SuccessImportance, fmt.Sprintf(L("Sent (%d ms)"), ms)
}

// ---------------------------------------------------------------------------------------------
// Saved contexts and recent targets

type composeRecent struct {
	source string
	target core.Target
}

func (s *composeScreen) onSavedAndRecent() {
	st := s.e.deps.Store
	s.e.run("compose.targets", func() func() {
		saved, serr := st.Contexts()
		recs, rerr := st.HistoryPage(0, 200, store.HistoryFilter{})
		recent := composeRecentTargets(recs, 10)
		return func() {
			if serr != nil {
				s.e.showError(fmt.Errorf(L("Cannot read the saved contexts: %s"), errorText(serr)))
				return
			}
			if rerr != nil {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("Cannot read the recent sends: %s"), errorText(rerr)))
			}
			s.showTargetsMenu(saved, recent)
		}
	})
}

// composeRecentTargets are the distinct targets of recent sends, newest first.
func composeRecentTargets(recs []core.HistoryRecord, max int) []composeRecent {
	seen := map[string]bool{}
	var out []composeRecent
	for _, r := range recs {
		if !strings.HasPrefix(r.Action, "send_") || r.Target == "" || r.Source == "" {
			continue
		}
		typ, id, ok := strings.Cut(r.Target, ":")
		if !ok || (typ != core.TypePrivate && typ != core.TypeGroup) || id == "" {
			continue
		}
		key := r.Source + "\x00" + r.Target
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, composeRecent{source: r.Source, target: core.Target{Type: typ, ID: id}})
		if len(out) == max {
			break
		}
	}
	return out
}

func (s *composeScreen) showTargetsMenu(saved []store.NamedContext, recent []composeRecent) {
	var items []*fyne.MenuItem
	header := func(t string) {
		it := fyne.NewMenuItem(t, nil)
		it.Disabled = true
		items = append(items, it)
	}
	header(L("Saved contexts"))
	if len(saved) == 0 {
		header("  " + L("Nothing saved yet"))
	}
	for _, nc := range saved {
		nc := nc
		label := nc.Name
		if t := nc.Context.Target(); t.Type != "" {
			label += " — " + t.String()
		}
		if id, _ := nc.Context.ConfigID(); id != "" {
			label += " · " + id
		}
		items = append(items, fyne.NewMenuItem(label, func() { s.useSavedContext(nc) }))
	}
	items = append(items, fyne.NewMenuItemSeparator())
	header(L("Recent targets"))
	if len(recent) == 0 {
		header("  " + L("No recent sends"))
	}
	for _, rt := range recent {
		rt := rt
		items = append(items, fyne.NewMenuItem(rt.target.String()+" · "+rt.source, func() { s.useRecent(rt) }))
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), s.e.win.Canvas(),
		fyne.NewPos(0, s.recentBtn.Size().Height), s.recentBtn)
}

func (s *composeScreen) useSavedContext(nc store.NamedContext) {
	s.setContext(nc.Context)
	s.targetName = nc.Name
	s.refresh()
	st := s.e.deps.Store
	s.e.run("compose.touch", func() func() {
		if err := st.TouchContext(nc.Name); err != nil {
			fyne.LogError("touch context", err)
		}
		return nil
	})
}

func (s *composeScreen) useRecent(rt composeRecent) {
	c := core.Context{Type: rt.target.Type}.WithSource(rt.source)
	if rt.target.Type == core.TypeGroup {
		c.GroupID = core.ID(rt.target.ID)
	} else {
		c.UserID = core.ID(rt.target.ID)
	}
	s.setTarget(c)
}

func (s *composeScreen) onSaveContext() {
	ctx, err := s.target()
	if err != nil {
		s.e.showError(err)
		return
	}
	name := widget.NewEntry()
	name.SetText(s.targetName)
	if name.Text == "" {
		name.SetText(ctx.Target().String())
	}
	s.e.showForm(L("Save context"), L("Save"), []*widget.FormItem{widget.NewFormItem(L("Name"), name)}, 420, func(ok bool) {
		if ok {
			s.saveContext(strings.TrimSpace(name.Text), ctx)
		}
	})
}

// saveContext stores ctx under name in the background.
func (s *composeScreen) saveContext(name string, ctx core.Context) {
	if name == "" {
		s.e.showError(errors.New(L("The name is empty.")))
		return
	}
	st := s.e.deps.Store
	s.e.run("compose.save", func() func() {
		list, err := st.Contexts()
		exists := false
		for _, nc := range list {
			if nc.Name == name {
				exists = true
			}
		}
		if err == nil && !exists {
			err = st.PutContext(name, ctx)
		}
		return func() {
			if err != nil {
				s.e.showError(err)
				return
			}
			if exists {
				s.setResult(widget.DangerImportance, fmt.Sprintf(L("A context named %q already exists."), name))
				return
			}
			s.setResult(widget.SuccessImportance, fmt.Sprintf(L("Saved as context “%s”."), name))
			s.e.notify(topicContexts)
		}
	})
}
