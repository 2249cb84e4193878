package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// responsePane is the one way a screen shows what a call it made came to: a status line (the
// outcome in words, with the time it took), the answer formatted as JSON — the backend's data,
// or the UCBI error body of a failure — and Copy. Compose and Actions both use it, so an answer
// reads the same wherever it was asked for.
type responsePane struct {
	copyText func(string) // puts text on the clipboard

	status  *widget.Label
	body    *widget.Entry
	copyBtn *widget.Button
	root    fyne.CanvasObject
}

func newResponsePane(copyText func(string)) *responsePane {
	p := &responsePane{copyText: copyText}
	p.status = wrapLabel("")
	p.body = widget.NewMultiLineEntry()
	p.body.TextStyle = fyne.TextStyle{Monospace: true}
	p.body.Wrapping = fyne.TextWrapBreak
	p.body.SetPlaceHolder(L("The answer of the next call shows here."))
	p.copyBtn = widget.NewButtonWithIcon(L("Copy"), theme.ContentCopyIcon(), p.onCopy)
	p.copyBtn.Disable()
	head := container.NewBorder(nil, nil, heading(L("Response")), p.copyBtn, p.status)
	p.root = container.NewBorder(head, nil, nil, nil, p.body)
	return p
}

func (p *responsePane) content() fyne.CanvasObject { return p.root }

// setStatus shows a line about the call (sending…, a problem with the form, copied…).
func (p *responsePane) setStatus(imp widget.Importance, text string) {
	p.status.Importance = imp
	p.status.SetText(text)
}

// showCall shows a finished call: ok is the status when it succeeded (with its time); a failure
// is worded here, "Outcome unknown" when the backend may have carried it out.
func (p *responsePane) showCall(ok string, res any, err error, elapsed time.Duration) {
	ms := elapsed.Milliseconds()
	switch {
	case err == nil:
		p.show(widget.SuccessImportance, ok, res, nil)
	case outcomeUnknown(core.AsError(err).Code):
		p.show(widget.WarningImportance, fmt.Sprintf(L("Outcome unknown after %d ms: %s — check the chat before sending again."), ms, errorText(err)), nil, err)
	default:
		p.show(widget.DangerImportance, fmt.Sprintf(L("Failed after %d ms: %s"), ms, errorText(err)), nil, err)
	}
}

// show shows a finished call: status (worded by the caller, with its time) and the answer —
// res formatted, or for a failure the error body the UCBI endpoint would have answered.
func (p *responsePane) show(imp widget.Importance, status string, res any, err error) {
	p.setStatus(imp, status)
	if err != nil {
		p.body.SetText(actionsIndent(core.ErrorBody(core.AsError(err))))
	} else {
		p.body.SetText(actionsIndent(res))
	}
	p.copyBtn.Enable()
}

// stale keeps the last answer but says it belongs to a call made before the form changed.
func (p *responsePane) stale() {
	if p.body.Text == "" || p.status.Importance == widget.LowImportance {
		return
	}
	p.setStatus(widget.LowImportance, L("The answer to the previous send (the message has changed since)."))
}

func (p *responsePane) onCopy() {
	if p.body.Text == "" {
		return
	}
	p.copyText(p.body.Text)
	p.setStatus(widget.MediumImportance, L("Copied to the clipboard."))
}
