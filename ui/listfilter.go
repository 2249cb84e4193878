package ui

import (
	"slices"

	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// History and the Inbox are long lists read page by page under a filter; these are the pieces
// they share.

// emptyWords say over a list why it has no rows: older rows are still being searched, there
// are none at all, or none match the filter.
type emptyWords struct{ searching, none, noMatch string }

// show puts the right words in l, or hides it when the list has rows.
func (w emptyWords) show(l *widget.Label, rows int, searching, filtered bool) {
	why := w.noMatch
	switch {
	case rows > 0:
		l.Hide()
		return
	case searching:
		why = w.searching
	case !filtered:
		why = w.none
	}
	l.SetText(why)
	l.Show()
}

// setSourceOptions fills a source filter: "All sources" then each source's id, keeping the
// selection when that source is still there.
func setSourceOptions(sel *widget.Select, list []core.Source) {
	opts := []string{L("All sources")}
	for _, src := range list {
		opts = append(opts, src.ID)
	}
	prev := sel.Selected
	sel.Options = opts
	sel.Selected = opts[0]
	if slices.Contains(opts, prev) {
		sel.Selected = prev
	}
	sel.Refresh()
}
