package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// showDetail shows one call (nil: none).
func (s *historyScreen) showDetail(r *core.HistoryRecord) {
	s.sel = r
	s.setNote(widget.MediumImportance, "")
	if s.detailBox == nil {
		return
	}
	if r == nil {
		s.detailBox.Objects[0].Hide()
		s.placeholder.Show()
		return
	}
	s.detailBox.Objects[0].Show()
	s.placeholder.Hide()
	s.title.SetText(fmt.Sprintf("#%d  %s", r.Seq, r.Action))
	outcome, outcomeImp := historyOutcomeText(*r)
	vals := map[string]string{
		"Time":       r.Time.Local().Format("2006-01-02 15:04:05.000"),
		"Origin":     r.Origin,
		"Source":     r.Source,
		"Target":     r.Target,
		"Outcome":    outcome,
		"Latency":    formatLatency(r.Latency()),
		"Message ID": r.MessageID,
		"Message":    r.Message,
	}
	for k, v := range vals {
		if v == "" {
			v = "—"
		}
		s.metaVals[k].SetText(v)
	}
	s.metaVals["Outcome"].Importance = outcomeImp
	s.metaVals["Outcome"].Refresh()
	s.request.SetText(clip(prettyJSON(r.Request)))
	s.response.SetText(clip(prettyJSON(r.Response)))
	if _, ok := ucbiRequest(*r); ok {
		s.sendBtn.Enable()
	} else {
		s.sendBtn.Disable()
	}
	if _, ok := contextFromTarget(r.Target); ok {
		s.saveCtxBtn.Enable()
	} else {
		s.saveCtxBtn.Disable()
	}
}

// historyOutcomeText is a call's outcome for the detail: "ok", or the error with its code and
// retcode, or — for a send that timed out — "Outcome unknown" with the advice to look first.
func historyOutcomeText(r core.HistoryRecord) (string, widget.Importance) {
	if r.Outcome != core.OutcomeError {
		return r.Outcome, widget.SuccessImportance
	}
	label, imp := outcomeLabel(r.Outcome, r.ErrorCode)
	parts := []string{r.Outcome}
	if outcomeUnknown(r.ErrorCode) {
		parts = []string{label}
	}
	if r.ErrorCode != "" {
		parts = append(parts, r.ErrorCode)
	}
	if r.Retcode != 0 {
		parts = append(parts, fmt.Sprintf("retcode %d", r.Retcode))
	}
	text := strings.Join(parts, " · ")
	if r.Text != "" {
		text += "\n" + r.Text
	}
	if outcomeUnknown(r.ErrorCode) && isSendAction(r.Action) {
		text += "\n" + L("The backend may have sent it: check the chat before sending again.")
	}
	return text, imp
}

// prettyJSON indents JSON (or shows it as it is when it is not JSON).
func prettyJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return L("(none)")
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// clip keeps a label from holding megabytes.
func clip(s string) string {
	const maxShown = 20000
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n… " + L("(truncated)")
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// ucbiRequest returns the UCBI request a row recorded, when it is one that can be sent again:
// only rows from UCBI callers (the GUI, the UCBI endpoint, the CLI) hold a UCBI request body.
func ucbiRequest(r core.HistoryRecord) (core.Request, bool) {
	switch r.Origin {
	case core.OriginGUI, core.OriginUCBI, core.OriginCLI:
	default:
		return core.Request{}, false
	}
	if len(r.Request) == 0 {
		return core.Request{}, false
	}
	req, err := core.DecodeRequest(r.Request)
	if err != nil || req.Action == "" || req.Action != r.Action {
		return core.Request{}, false
	}
	return req, true
}

func (s *historyScreen) onSendAgain() {
	if s.sel == nil {
		return
	}
	req, ok := ucbiRequest(*s.sel)
	if !ok {
		return
	}
	target := s.sel.Target
	if target == "" {
		target = s.sel.Source
	}
	question := fmt.Sprintf(L("Send again %s to %s?"), req.Action, target)
	if outcomeUnknown(s.sel.ErrorCode) && isSendAction(req.Action) {
		question += "\n\n" + L("The backend may have sent it: check the chat before sending again.")
	}
	s.e.confirm(L("Send again"), question, L("Send again"), func() {
		s.sendAgain(req)
	})
}

// setNote shows the line under the detail's buttons (hidden while empty, so the detail does not
// scroll for nothing).
func (s *historyScreen) setNote(imp widget.Importance, text string) {
	setLine(s.note, imp, text)
}

// sendAgain re-runs a recorded request through the dispatcher (origin gui).
func (s *historyScreen) sendAgain(req core.Request) {
	d := s.e.deps.Dispatcher
	s.sendBtn.Disable()
	s.activity.Show()
	s.activity.Start()
	s.setNote(widget.MediumImportance, L("Sending…"))
	s.e.run("history.sent", func() func() {
		data, err := d.Call(context.Background(), core.OriginGUI, req)
		return func() {
			s.activity.Stop()
			s.activity.Hide()
			if s.sel != nil {
				if _, ok := ucbiRequest(*s.sel); ok {
					s.sendBtn.Enable()
				} else {
					s.sendBtn.Disable()
				}
			} else {
				s.sendBtn.Disable()
			}
			if err != nil {
				s.setNote(sendFailureText("Sending again failed: %s", err))
			} else {
				if b, _ := json.Marshal(data); len(b) > 0 && string(b) != "null" && string(b) != "{}" {
					s.setNote(widget.SuccessImportance, fmt.Sprintf(L("Sent again: %s"), clip(string(b))))
				} else {
					s.setNote(widget.SuccessImportance, L("Sent again."))
				}
			}
			s.e.notify(topicHistory)
		}
	})
}

// contextFromTarget turns a history target ("group:123", "private:1", "user:1", "discuss:9")
// into a context without routing (the caller adds via and source).
func contextFromTarget(target string) (core.Context, bool) {
	kind, id, ok := strings.Cut(target, ":")
	if !ok || strings.TrimSpace(id) == "" {
		return core.Context{}, false
	}
	cid := core.ID(strings.TrimSpace(id))
	switch kind {
	case core.TypeGroup:
		return core.Context{Type: core.TypeGroup, GroupID: cid}, true
	case core.TypePrivate, "user":
		return core.Context{Type: core.TypePrivate, UserID: cid}, true
	case core.TypeDiscuss:
		return core.Context{Type: core.TypeDiscuss, DiscussID: cid}, true
	}
	return core.Context{}, false
}

func (s *historyScreen) onSaveContext() {
	if s.sel != nil {
		s.e.saveContextFrom(*s.sel)
	}
}

func (s *historyScreen) onExport() {
	s.e.saveFile("ucbi-history-"+time.Now().Format("20060102-150405")+".jsonl", func(w fyne.URIWriteCloser) {
		s.exportTo(w, w.URI().Path())
	})
}

// exportTo writes the rows passing the current filter to w as JSON lines, off the UI goroutine.
func (s *historyScreen) exportTo(w io.WriteCloser, name string) {
	f := s.filter
	s.exportBtn.Disable()
	s.activity.Show()
	s.activity.Start()
	s.count.SetText(L("Exporting…"))
	s.e.run("history.exported", func() func() {
		n, err := s.e.deps.Store.ExportHistory(w, f)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return func() {
			s.exportBtn.Enable()
			s.activity.Stop()
			s.activity.Hide()
			s.updateCount()
			if err != nil {
				s.e.showError(fmt.Errorf(L("Export failed: %s"), errorText(err)))
				return
			}
			s.count.SetText(fmt.Sprintf(L("Exported %d calls to %s"), n, name))
		}
	})
}
