package ui

import (
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// sourceChooser is a message-source select together with the list its options came from, so the
// chosen option maps back to its source. Compose and Ark keep the same pair by hand today; they
// can move onto this type.
type sourceChooser struct {
	sel     *widget.Select
	sources []core.Source
}

func newSourceChooser(placeholder string) *sourceChooser {
	c := &sourceChooser{sel: widget.NewSelect(nil, nil)}
	c.sel.PlaceHolder = placeholder
	return c
}

// set lists the sources and selects want, else the current choice if it is still there, else the
// default source, else the first (see fillSourceSelect).
func (c *sourceChooser) set(list []core.Source, want string) {
	if want == "" {
		if cur, ok := c.selected(); ok {
			want = cur.ID
		}
	}
	c.sources = list
	fillSourceSelect(c.sel, list, want)
}

// selected is the chosen source.
func (c *sourceChooser) selected() (core.Source, bool) {
	i := c.sel.SelectedIndex()
	if i < 0 || i >= len(c.sources) {
		return core.Source{}, false
	}
	return c.sources[i], true
}
