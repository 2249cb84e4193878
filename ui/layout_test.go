package ui

import (
	"regexp"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// Every screen fits the smallest window the app supports, in both languages: switching to it
// does not grow the window, and no widget lies outside it.
func TestEveryScreenFits1024x640(t *testing.T) {
	size := fyne.NewSize(1024, 640)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t, rigOptions{lang: lang, bot: true, size: size,
				sources: []core.Source{{ID: "napcat-主号", Via: onebot.Via, Flavor: "napcat", Default: true}}})
			r.idle()
			for _, d := range registeredScreens() {
				r.open(d.id)
				r.idle()
				r.ui(func() {
					content := r.w.Canvas().Content()
					if min := content.MinSize(); min.Width > size.Width || min.Height > size.Height {
						t.Errorf("%s needs %v, more than the %v window", d.id, min, size)
					}
					if got := r.w.Canvas().Size(); got != size {
						t.Errorf("switching to %s made the window %v", d.id, got)
						r.w.Resize(size)
					}
					relayout(content)
					checkInside(t, content, fyne.NewPos(0, 0), size)
					walk(content, func(o fyne.CanvasObject) {
						hint := ""
						switch en := o.(type) {
						case *widget.Entry:
							hint = en.PlaceHolder
						case *composeEntry:
							hint = en.PlaceHolder
						}
						if looksLikeAValue.MatchString(hint) {
							t.Errorf("%s: the placeholder %q reads as a value; make it a hint (exampleHint)", d.id, hint)
						}
					})
				})
			}
		})
	}
}

// looksLikeAValue matches placeholders an operator could take for a filled field: a number, an
// address, a bare name.
var looksLikeAValue = regexp.MustCompile(`^([0-9.:]+|https?://[^…]*|[a-z0-9_-]+|/)$`)
