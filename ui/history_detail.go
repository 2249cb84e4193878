package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/hub"
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
	outcome, outcomeImp := historyOutcomeText(*r)
	// The outcome and latency head the detail: in a narrow window the fields are a tab away.
	short, _ := outcomeLabel(r.Outcome, r.ErrorCode)
	s.title.SetText(fmt.Sprintf("#%d  %s · %s · %s", r.Seq, r.Action, short, formatLatency(r.Latency())))
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
	ucbi, ob := historyRequests(*r, s.sources)
	s.request.SetText(clip(ucbi))
	s.onebotReq.SetText(clip(ob))
	s.response.SetText(clip(prettyJSON(r.Response)))
	s.updateSendAgain()
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

// botOrigins are the doors where bots call in OneBot 11's own form: their rows hold the OneBot
// action and parameters, not a UCBI request.
var botOrigins = map[string]bool{core.OriginOneBot: true, core.OriginOneBotWS: true, hub.OriginOneBotPost: true}

// openLayerRow reports whether a row holds an open-layer action and its parameters rather than a
// UCBI request: a bot's call, or a recommend card asked for by name (the GUI's Ark screen
// records the card request itself).
func openLayerRow(r core.HistoryRecord) bool {
	return botOrigins[r.Origin] || r.Action == "ArkSharePeer" || r.Action == "send_ark_share"
}

// resendRequest is the UCBI request that makes a recorded call again, or why there is none.
// A UCBI caller's row (the GUI, the UCBI endpoint, the CLI) holds its request; a bot's row holds
// the OneBot action and parameters, which UCBI passes through as *action to the same source.
func resendRequest(r core.HistoryRecord, sources []core.Source) (core.Request, string) {
	if openLayerRow(r) {
		if r.Source == "" {
			return core.Request{}, L("This call never reached a message source: there is nothing to send again.")
		}
		i := slices.IndexFunc(sources, func(src core.Source) bool { return src.ID == r.Source })
		if i < 0 {
			return core.Request{}, fmt.Sprintf(L("The message source %q no longer exists."), r.Source)
		}
		params, err := core.DecodeRequestObject(orEmptyObject(r.Request))
		if err != nil || r.Action == "" || strings.ContainsAny(r.Action, "*^/ ") {
			return core.Request{}, L("The recorded request is not a OneBot action with a JSON object of parameters.")
		}
		ctx := sources[i].ContextOf()
		return core.Request{Action: "*" + r.Action, Context: &ctx, Params: params}, ""
	}
	switch r.Origin {
	case core.OriginGUI, core.OriginUCBI, core.OriginCLI:
	default:
		return core.Request{}, fmt.Sprintf(L("Calls from %q cannot be sent again."), r.Origin)
	}
	if len(r.Request) == 0 {
		return core.Request{}, L("The request was not recorded.")
	}
	req, err := core.DecodeRequest(r.Request)
	if err != nil || req.Action == "" || req.Action != r.Action {
		return core.Request{}, L("The recorded request is not a whole UCBI request (a call refused before it was read).")
	}
	return req, ""
}

// orEmptyObject is raw, or {} when nothing was recorded (an action without parameters).
func orEmptyObject(raw json.RawMessage) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}")
	}
	return raw
}

// historyRequests are a recorded call's request in both forms: UCBI, and the OneBot 11 request
// the backend received. A bot's call was OneBot to begin with (its UCBI form is what Send again
// sends); a UCBI send becomes the OneBot request the open layer builds for it.
func historyRequests(r core.HistoryRecord, sources []core.Source) (ucbi, ob string) {
	if openLayerRow(r) {
		ob = "POST /" + r.Action + "\n" + prettyJSON(orEmptyObject(r.Request))
		req, why := resendRequest(r, sources)
		if why != "" {
			return fmt.Sprintf(L("(none: the call was recorded in OneBot form; %s)"), why), ob
		}
		return segPrettyJSON(req), ob
	}
	ucbi = prettyJSON(r.Request)
	req, err := core.DecodeRequest(r.Request)
	if len(r.Request) == 0 || err != nil {
		return ucbi, L("(none: the request could not be read)")
	}
	via := ""
	if i := slices.IndexFunc(sources, func(src core.Source) bool { return src.ID == r.Source }); i >= 0 {
		via = sources[i].Via
	} else if req.Context != nil {
		via = req.Context.Via
	}
	layer, ok := openLayerOf(via)
	if !ok {
		return ucbi, L("(this source does not speak OneBot 11)")
	}
	switch {
	case strings.HasPrefix(req.Action, "*"):
		return ucbi, "POST /" + strings.TrimPrefix(req.Action, "*") + "\n" + segPrettyJSON(req.Params)
	case isSendAction(req.Action):
		t, tok := contextFromTarget(r.Target)
		var m core.Message
		if !tok || json.Unmarshal(req.Params["message"], &m) != nil {
			return ucbi, L("(none: the request could not be read)")
		}
		preview, err := layer.previewSend(t.Target(), m)
		if err != nil {
			return ucbi, fmt.Sprintf(L("(no request: %s)"), errorText(err))
		}
		return ucbi, preview
	}
	return ucbi, L("(answered by the console: no OneBot request of its own)")
}

// updateSendAgain enables Send again for the selected call, or says why it cannot be.
func (s *historyScreen) updateSendAgain() {
	why := ""
	if s.sel == nil {
		why = " "
	} else {
		_, why = resendRequest(*s.sel, s.sources)
	}
	if why == "" {
		s.sendBtn.Enable()
	} else {
		s.sendBtn.Disable()
	}
	setLine(s.sendWhy, widget.LowImportance, strings.TrimSpace(why))
}

func (s *historyScreen) onSendAgain() {
	if s.sel == nil {
		return
	}
	req, why := resendRequest(*s.sel, s.sources)
	if why != "" {
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
			s.updateSendAgain()
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
