package ui

import (
	"bytes"
	"os"
	"strings"
	"testing"

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
