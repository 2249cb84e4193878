package ui

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"github.com/go-text/typesetting/font"
)

func TestFindAndLoadCJKFont(t *testing.T) {
	fonts := findCJKFonts()
	if len(fonts) == 0 {
		t.Skip("no CJK font on this machine (install fonts-wqy-microhei)")
	}
	data, err := os.ReadFile(fonts[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, mono := range []bool{false, true} {
		res, err := fontFace(data, "x", mono)
		if err != nil {
			if mono {
				continue // not every CJK font has a monospace face
			}
			t.Fatalf("%s: %v", fonts[0], err)
		}
		f, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := f.NominalGlyph('测'); !ok {
			t.Errorf("%s (mono %v) has no 测", fonts[0], mono)
		}
	}

	// With the font in the theme, Han text measures one em per character whatever Fyne's
	// fallback does.
	a := test.NewApp()
	th := &appTheme{mode: themeLight}
	if err := th.loadCJK(fonts[0]); err != nil {
		t.Fatal(err)
	}
	a.Settings().SetTheme(th)
	if !hanRenders() {
		t.Error("Han text does not measure as real glyphs with the loaded font")
	}
}

func TestSetupFontsReportsFallbackOrFont(t *testing.T) {
	a := test.NewApp()
	th := &appTheme{}
	rep := setupFonts(a, th)
	switch {
	case rep.fallback:
		if th.text != nil {
			t.Error("with a working fallback the theme keeps Fyne's fonts")
		}
	case rep.path != "":
		if th.text == nil {
			t.Error("a loaded font must be in the theme")
		}
	default:
		if !strings.Contains(rep.warning, "fonts-wqy-microhei") {
			t.Errorf("warning %q", rep.warning)
		}
	}
	t.Logf("font report: %+v", rep)
}

// The index check that spares the start-up from loading the CJK font must agree with Fyne:
// when the index says Han text is covered, Fyne's fallback really draws Han glyphs.
func TestSystemFontsCoverHanAgreesWithFallback(t *testing.T) {
	if !systemFontsCoverHan() {
		t.Skip("no system font covers Han text here (or Fyne does not use system fonts in this build)")
	}
	a := test.NewApp()
	a.Settings().SetTheme(&appTheme{mode: themeLight})
	if !hanRenders() {
		t.Error("the font index says Han text is covered, but Fyne's fallback draws boxes")
	}
}

// The faces after the theme's own — Fyne's colour emoji, its symbols, the system CJK font —
// are found in every text style the app uses. third_party/_fyne patches Fyne to load them
// when a rune first needs them instead of for every style: this holds either way.
func TestFallbackFacesInEveryStyle(t *testing.T) {
	a := test.NewApp()
	a.Settings().SetTheme(&appTheme{mode: themeLight})
	han := systemFontsCoverHan()
	for _, style := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}, {Monospace: true}, {Underline: true}} {
		// The emoji: drawn in colour (text is black on the light theme's background).
		txt := canvas.NewText("😀", color.Black)
		txt.TextStyle, txt.TextSize = style, 40
		w := test.NewTempWindow(t, txt)
		w.Resize(fyne.NewSize(80, 80))
		if n := colourfulPixels(w.Canvas().Capture()); n < 100 {
			t.Errorf("style %+v: the emoji has %d colourful pixels: not drawn from the colour emoji font", style, n)
		}
		if han {
			const size = 100
			if wd := fyne.MeasureText("中文", size, style).Width; wd < 0.93*2*size {
				t.Errorf("style %+v: Han text measures %.0f for two em-wide glyphs at %d: drawn as boxes", style, wd, size)
			}
		}
	}
}

// colourfulPixels counts the pixels whose channels differ clearly (not grey, black or white).
func colourfulPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if max(r, g, bl)-min(r, g, bl) > 0x3000 {
				n++
			}
		}
	}
	return n
}
