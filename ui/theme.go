package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme modes saved under "ui.theme".
const (
	themeSystem = "system"
	themeLight  = "light"
	themeDark   = "dark"
)

// appTheme is Fyne's default theme with a forced light or dark variant (mode "light"/"dark";
// anything else follows the system) and, when Fyne's own font fallback cannot find Chinese
// glyphs, a CJK font loaded from the system at runtime (see fonts.go).
type appTheme struct {
	mode string
	text fyne.Resource // CJK font for text (nil: Fyne's default font and its fallback)
	mono fyne.Resource // CJK font for monospace text (nil: text, or Fyne's default)
}

var _ fyne.Theme = (*appTheme)(nil)

// copy returns a new theme value: SetTheme with a fresh pointer always repaints.
func (t *appTheme) copy() *appTheme {
	c := *t
	return &c
}

func (t *appTheme) variant(v fyne.ThemeVariant) fyne.ThemeVariant {
	switch t.mode {
	case themeLight:
		return theme.VariantLight
	case themeDark:
		return theme.VariantDark
	}
	return v
}

func (t *appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	v = t.variant(v)
	if n == theme.ColorNamePlaceHolder {
		// Fyne's placeholder grey is close enough to text that an example ("napcat") reads as
		// a filled field; hints are paler, further from the text colour in both variants.
		if v == theme.VariantDark {
			return color.NRGBA{R: 0x7c, G: 0x7c, B: 0x7c, A: 0xff}
		}
		return color.NRGBA{R: 0xa6, G: 0xa6, B: 0xa6, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Symbol || t.text == nil:
		return theme.DefaultTheme().Font(s)
	case s.Monospace && t.mono != nil:
		return t.mono
	}
	return t.text
}

func (t *appTheme) Icon(n fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(n)
}

func (t *appTheme) Size(n fyne.ThemeSizeName) float32 {
	return theme.DefaultTheme().Size(n)
}
