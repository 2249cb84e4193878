package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// fixedWidth lays out one object at a fixed width and full height.
type fixedWidth struct{ width float32 }

func (f *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.width, h)
}

func (f *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// wrapLabel is a word-wrapped label for messages.
func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// setLine shows text in l with imp, and hides l while text is empty (a status line takes no
// room when it has nothing to say).
func setLine(l *widget.Label, imp widget.Importance, text string) {
	l.Importance = imp
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// exampleHint is a placeholder that shows an example value as a hint ("e.g. napcat"), so it
// does not read as a value already filled in.
func exampleHint(example string) string {
	return fmt.Sprintf(L("e.g. %s"), example)
}

// heading is a bold title label.
func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// columns is a row of truncating labels. Each column has a preferred width (0: it takes what
// is left) and a minimum. Untitled columns keep their preferred widths; titled ones (see titled)
// may shrink down to their title's width when the window is narrow, in proportion, so a header
// is never cut and a screen still fits a small window. A header and its rows made with the same
// widths and titles lay out alike, so they line up.
type columns struct {
	widget.BaseWidget
	layout *columnsLayout
	labels []*widget.Label
	box    *fyne.Container
}

func newColumns(widths ...float32) *columns {
	c := &columns{layout: newColumnsLayout(widths)}
	objs := make([]fyne.CanvasObject, len(widths))
	c.labels = make([]*widget.Label, len(widths))
	for i := range c.labels {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		c.labels[i] = l
		objs[i] = l
	}
	c.box = container.New(c.layout, objs...)
	c.ExtendBaseWidget(c)
	return c
}

// titled lets each column shrink to the width its (bold) title needs.
func (c *columns) titled(titles ...string) *columns {
	for i := range c.layout.mins {
		t := ""
		if i < len(titles) {
			t = titles[i]
		}
		w := widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}).MinSize().Width
		c.layout.mins[i] = w
		c.layout.prefs[i] = max(c.layout.prefs[i], w)
	}
	return c
}

func (c *columns) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.box) }

// set fills the columns in order and resets their importance; follow with importance calls,
// then show. Labels are refreshed every time (a theme change must reach rows whose text did
// not change).
func (c *columns) set(texts ...string) *columns {
	for i, l := range c.labels {
		l.Text = ""
		if i < len(texts) {
			l.Text = texts[i]
		}
		l.Importance = widget.MediumImportance
	}
	return c
}

func (c *columns) importance(i int, imp widget.Importance) *columns {
	c.labels[i].Importance = imp
	return c
}

// show refreshes the row after set.
func (c *columns) show() {
	for _, l := range c.labels {
		l.Refresh()
	}
}

// bold makes column i bold (all columns when i < 0).
func (c *columns) bold(i int) *columns {
	for j, l := range c.labels {
		if i < 0 || i == j {
			l.TextStyle.Bold = true
		}
	}
	return c
}

// columnsLayout places the columns: preferred widths when there is room (the flexible ones
// share the rest), else every column between its minimum and its preferred width, the same
// fraction of the way for all.
type columnsLayout struct {
	flex  []bool
	prefs []float32
	mins  []float32
}

const minFlexWidth = 80

func newColumnsLayout(widths []float32) *columnsLayout {
	l := &columnsLayout{flex: make([]bool, len(widths)), prefs: make([]float32, len(widths)), mins: make([]float32, len(widths))}
	for i, w := range widths {
		if w <= 0 {
			l.flex[i], w = true, minFlexWidth
		}
		l.prefs[i], l.mins[i] = w, w
	}
	return l
}

func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for i, o := range objs {
		h = max(h, o.MinSize().Height)
		w += l.mins[i]
	}
	return fyne.NewSize(w, h)
}

func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, w := range l.widths(size.Width) {
		objs[i].Move(fyne.NewPos(x, 0))
		objs[i].Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

// widths are the columns' widths in a row of width total.
func (l *columnsLayout) widths(total float32) []float32 {
	out := make([]float32, len(l.prefs))
	var sumPref, sumMin float32
	flex := 0
	for i := range l.prefs {
		sumPref += l.prefs[i]
		sumMin += l.mins[i]
		if l.flex[i] {
			flex++
		}
	}
	if total >= sumPref {
		extra := total - sumPref
		for i := range out {
			out[i] = l.prefs[i]
			if l.flex[i] {
				out[i] += extra / float32(flex)
			}
		}
		return out
	}
	k := float32(0)
	if sumPref > sumMin {
		k = max(0, (total-sumMin)/(sumPref-sumMin))
	}
	for i := range out {
		out[i] = l.mins[i] + (l.prefs[i]-l.mins[i])*k
	}
	return out
}
