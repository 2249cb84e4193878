package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// adaptivePanes shows the same panes side by side, in splits whose dividers the operator
// moves, when there is room for each to be read (the space is at least wideFrom wide), and
// one at a time under tabs when there is not. The panes are the same objects in both: only
// which of the two holds them on screen changes, when the width crosses wideFrom.
type adaptivePanes struct {
	host     *fyne.Container // holds split or tabs, whichever is in use
	split    *container.Split
	tabs     *container.AppTabs
	panes    []fyne.CanvasObject
	wideFrom float32
	wide     bool
}

// newAdaptivePanes lays out panes (titled for their tabs) side by side from wideFrom up: each
// split gives the pane before it offsets[i] of what is left (the last pane takes the rest).
// Narrower, the tab of pane first is shown until the operator picks another.
func newAdaptivePanes(wideFrom float32, titles []string, panes []fyne.CanvasObject, offsets []float64, first int) *adaptivePanes {
	a := &adaptivePanes{panes: panes, wideFrom: wideFrom}
	items := make([]*container.TabItem, len(panes))
	for i, p := range panes {
		items[i] = container.NewTabItem(titles[i], p)
	}
	a.tabs = container.NewAppTabs(items...)
	a.tabs.SelectIndex(first)
	// The splits nest from the right: panes[0] | (panes[1] | (… | last)).
	var right fyne.CanvasObject = panes[len(panes)-1]
	for i := len(panes) - 2; i >= 0; i-- {
		s := container.NewHSplit(panes[i], right)
		s.Offset = offsets[i]
		right, a.split = s, s
	}
	a.host = container.New(a, a.tabs)
	return a
}

// content is what goes on screen.
func (a *adaptivePanes) content() fyne.CanvasObject { return a.host }

// Layout puts the panes in the splits or the tabs for this width, then lays that out.
func (a *adaptivePanes) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if wide := size.Width >= a.wideFrom; wide != a.wide { // built narrow: host starts with the tabs
		a.wide = wide
		var in fyne.CanvasObject = a.tabs
		if wide {
			in = a.split
		}
		sel := a.tabs.SelectedIndex()
		for i, p := range a.panes {
			// The tabs hide every pane but theirs; side by side all show.
			if wide || i == sel {
				p.Show()
			} else {
				p.Hide()
			}
		}
		a.host.Objects = []fyne.CanvasObject{in}
		in.Refresh()
	}
	in := a.host.Objects[0]
	in.Move(fyne.NewPos(0, 0))
	in.Resize(size)
}

// MinSize is the tabs': the panes one at a time are what the smallest window shows.
func (a *adaptivePanes) MinSize(_ []fyne.CanvasObject) fyne.Size { return a.tabs.MinSize() }
