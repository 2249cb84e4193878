package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// showCallDetail shows the history row of a logged call, as History's detail does: what it
// was, its outcome, the UCBI request and the response, with a way to History.
func (s *endpointScreen) showCallDetail(rec core.HistoryRecord) {
	outcome, imp := historyOutcomeText(rec)
	out := wrapLabel(outcome)
	out.Importance = imp
	info := widget.NewForm(
		widget.NewFormItem(L("Time"), widget.NewLabel(rec.Time.Local().Format("2006-01-02 15:04:05.000"))),
		widget.NewFormItem(L("Origin"), widget.NewLabel(rec.Origin)),
		widget.NewFormItem(L("Source"), widget.NewLabel(rec.Source)),
		widget.NewFormItem(L("Target"), widget.NewLabel(rec.Target)),
		widget.NewFormItem(L("Latency"), widget.NewLabel(formatLatency(rec.Latency()))),
		widget.NewFormItem(L("Outcome"), out),
	)
	mono := func(text string) fyne.CanvasObject {
		l := widget.NewLabelWithStyle(clip(text), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		l.Wrapping = fyne.TextWrapBreak
		l.Selectable = true
		return l
	}
	body := container.NewVScroll(container.NewVBox(info,
		widget.NewCard(L("Request"), "", mono(prettyJSON(rec.Request))),
		widget.NewCard(L("Response"), "", mono(prettyJSON(rec.Response)))))
	var d dialog.Dialog
	inHistory := widget.NewButton(L("Open History"), func() {
		d.Hide()
		s.e.openScreen("history")
	})
	content := container.NewBorder(nil, container.NewHBox(inHistory), nil, nil, body)
	d = dialog.NewCustom(fmt.Sprintf("#%d  %s", rec.Seq, rec.Action), L("Close"), content, s.e.win)
	s.e.showDialog(d, 760, 560)
}
