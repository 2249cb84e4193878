package ui

import (
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

// heading is a bold title label.
func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// columns is a row of truncating labels with fixed widths; a width of 0 takes what is left.
type columns struct {
	widget.BaseWidget
	widths []float32
	labels []*widget.Label
	box    *fyne.Container
}

func newColumns(widths ...float32) *columns {
	c := &columns{widths: widths}
	objs := make([]fyne.CanvasObject, len(widths))
	c.labels = make([]*widget.Label, len(widths))
	for i := range c.labels {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		c.labels[i] = l
		objs[i] = l
	}
	c.box = container.New(&columnsLayout{widths: widths}, objs...)
	c.ExtendBaseWidget(c)
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

type columnsLayout struct{ widths []float32 }

const minFlexWidth = 80

func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for i, o := range objs {
		h = max(h, o.MinSize().Height)
		if l.widths[i] > 0 {
			w += l.widths[i]
		} else {
			w += minFlexWidth
		}
	}
	return fyne.NewSize(w, h)
}

func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	fixed, flex := float32(0), 0
	for _, w := range l.widths {
		if w > 0 {
			fixed += w
		} else {
			flex++
		}
	}
	flexW := float32(minFlexWidth)
	if flex > 0 {
		flexW = max((size.Width-fixed)/float32(flex), minFlexWidth)
	}
	x := float32(0)
	for i, o := range objs {
		w := l.widths[i]
		if w <= 0 {
			w = flexW
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}
