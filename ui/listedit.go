package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Sources, Contexts and the Endpoint's Bots tab are one kind of screen: a list of stored items
// beside a form that edits the selected one (or a new one). These are the pieces they share.

// emptyListHint is the text shown over a list while it has no rows (hidden until then).
func emptyListHint(text string) *widget.Label {
	l := wrapLabel(text)
	l.Alignment = fyne.TextAlignCenter
	l.Hide()
	return l
}

// problemsLabel says what is wrong with a form, or why saving it failed; it takes no room while
// there is nothing to say (showProblems).
func problemsLabel() *widget.Label {
	l := wrapLabel("")
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// showProblems puts text in a problemsLabel ("" hides it).
func showProblems(l *widget.Label, text string) { setLine(l, widget.DangerImportance, text) }

// showRows has a reloaded list show its n rows: the empty hint when there are none, and no
// row selected but at (the row of the item the form edits; -1 for none). refill has selecting
// it fill the form from the stored item again; without it the form keeps what the operator
// typed (maybe unsaved).
func showRows(list *widget.List, empty *widget.Label, n, at int, refill bool) {
	if n == 0 {
		empty.Show()
	} else {
		empty.Hide()
	}
	list.UnselectAll()
	if at >= 0 && at < n {
		if !refill {
			onSelected := list.OnSelected
			list.OnSelected = nil
			defer func() { list.OnSelected = onSelected }()
		}
		list.Select(at)
	}
	list.Refresh()
}

// listFormSplit lays the list (under its bar, with the empty hint over it) beside the form,
// which scrolls; offset is the list's share of the width.
func listFormSplit(bar fyne.CanvasObject, list *widget.List, empty *widget.Label, form fyne.CanvasObject, offset float64) *container.Split {
	left := container.NewBorder(bar, nil, nil, nil, container.NewStack(list, container.NewVBox(container.NewPadded(empty))))
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(form)))
	split.Offset = offset
	return split
}

// findByID is the item with the id, and whether there is one.
func findByID[T any](items []T, id string, idOf func(T) string) (T, bool) {
	for _, it := range items {
		if idOf(it) == id {
			return it, true
		}
	}
	var zero T
	return zero, false
}
