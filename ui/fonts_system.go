//go:build !ci && !test

package ui

// fyneUsesSystemFonts mirrors Fyne's internal/painter/font_prod.go: in this build its painter
// falls back to system fonts (through fontscan's index) for runes its own fonts lack.
const fyneUsesSystemFonts = true
