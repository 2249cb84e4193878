//go:build ci || test

package ui

// fyneUsesSystemFonts mirrors Fyne's internal/painter/font_testhelper.go: with -tags ci or
// -tags test its painter loads no system fonts, so Han text needs a CJK font in the theme.
const fyneUsesSystemFonts = false
