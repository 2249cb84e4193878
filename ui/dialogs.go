package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Every dialog of the app opens through showDialog (or the file helpers below, which use it).
//
// Why one function: Fyne 2.8.1's *dialog.FileDialog builds its pop-up only in Show. Its Resize
// calls its own MinSize first, and MinSize reads f.dialog.win — a nil pointer until Show has run.
// So `d.Resize(…); d.Show()` on a file dialog panics on the first click (History → Export did,
// every time). The other dialogs tolerate that order today (their pop-up is made by the
// constructor), but their MinSize before Show is the pop-up's minimum before any layout, so a
// size computed from it is wrong anyway. Show first, then size — for every dialog, in one place.

// sizedDialog is what showDialog needs of a dialog (dialog.Dialog and *dialog.FileDialog both
// have it).
type sizedDialog interface {
	Show()
	Resize(fyne.Size)
	MinSize() fyne.Size
}

// showDialog shows d, then sizes it: width w (0: its own), height h (0: its own minimum), both
// kept inside the window and never below the dialog's minimum.
func (e *env) showDialog(d sizedDialog, w, h float32) {
	d.Show()
	least := d.MinSize()
	size := fyne.NewSize(max(w, least.Width), max(h, least.Height))
	if c := e.win.Canvas(); c != nil {
		room := c.Size()
		if room.Width > 0 && room.Height > 0 {
			// a dialog never grows past the window (Fyne would push it off screen)
			size.Width = max(least.Width, min(size.Width, room.Width-2*dialogMargin))
			size.Height = max(least.Height, min(size.Height, room.Height-2*dialogMargin))
		}
	}
	d.Resize(size)
	// The pop-up was centred for its size at Show; a refresh of its overlay centres it again
	// for the new size (else it grows down and right, past the window's edge).
	if top := e.win.Canvas().Overlays().Top(); top != nil {
		top.Refresh()
	}
}

// dialogMargin is the room left between a dialog and the window's edge.
const dialogMargin = 16

// showError shows an error in words (engine errors through errorText).
func (e *env) showError(err error) {
	if err == nil {
		return
	}
	e.showDialog(dialog.NewCustom(L("Error"), L("OK"), wrapLabel(errorText(err)), e.win), 420, 0)
}

// confirm asks a yes/no question with translated buttons.
func (e *env) confirm(title, message, yes string, onYes func()) {
	d := dialog.NewCustomConfirm(title, yes, L("Cancel"), wrapLabel(message), func(ok bool) {
		if ok {
			onYes()
		}
	}, e.win)
	e.showDialog(d, 420, 0)
}

// showForm opens a form dialog of the given width and focuses its first entry.
func (e *env) showForm(title, confirm string, items []*widget.FormItem, w float32, onConfirm func(bool)) dialog.Dialog {
	d := dialog.NewForm(title, confirm, L("Cancel"), items, onConfirm, e.win)
	e.showDialog(d, w, 0)
	for _, it := range items {
		if en, ok := it.Widget.(*widget.Entry); ok && !en.Disabled() {
			e.win.Canvas().Focus(en)
			break
		}
	}
	return d
}

// fileDialogSize is what the file dialogs ask for (kept inside the window by showDialog).
var fileDialogSize = fyne.NewSize(800, 560)

// saveFile asks where to save a file named name; done gets the open writer (never nil). A
// failure to open is shown; cancelling does nothing.
func (e *env) saveFile(name string, done func(fyne.URIWriteCloser)) *dialog.FileDialog {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			e.showError(err)
			return
		}
		if w != nil {
			done(w)
		}
	}, e.win)
	d.SetFileName(name)
	e.showDialog(d, fileDialogSize.Width, fileDialogSize.Height)
	return d
}

// openFile asks for a file to open; done gets its path. A failure to open is shown; cancelling
// does nothing.
func (e *env) openFile(done func(path string)) *dialog.FileDialog {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			e.showError(err)
			return
		}
		if rc == nil {
			return
		}
		p := rc.URI().Path()
		if cerr := rc.Close(); cerr != nil {
			fyne.LogError("close "+p, cerr)
		}
		if p == "" {
			e.showError(errors.New(L("The chosen file has no path on this computer.")))
			return
		}
		done(p)
	}, e.win)
	e.showDialog(d, fileDialogSize.Width, fileDialogSize.Height)
	return d
}
