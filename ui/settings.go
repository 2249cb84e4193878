package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Language choices, in the order of the select.
var languageCodes = []string{"system", "en", "zh"}

// settingsScreen: language, theme, where the data is, version.
type settingsScreen struct {
	e        *env
	language *widget.Select
	theme    *widget.RadioGroup
}

func newSettingsScreen(e *env) *settingsScreen {
	s := &settingsScreen{e: e}
	// "English" and "中文" are written in their own language on purpose.
	s.language = widget.NewSelect([]string{L("System language"), "English", "中文"}, nil)
	s.theme = widget.NewRadioGroup(translate([]string{"System", "Light", "Dark"}), nil)
	s.theme.Horizontal = true
	s.theme.Required = true

	// Show the current choices, then listen.
	s.language.SetSelectedIndex(indexOf(languageCodes, e.sh.langChoice()))
	s.theme.SetSelected(L(themeTitle(e.sh.theme.mode)))
	s.language.OnChanged = func(string) { s.onLanguage() }
	s.theme.OnChanged = func(string) { s.onTheme() }
	return s
}

func themeTitle(mode string) string {
	switch mode {
	case themeLight:
		return "Light"
	case themeDark:
		return "Dark"
	}
	return "System"
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 0
}

func (s *settingsScreen) content() fyne.CanvasObject {
	e := s.e
	fonts := L("System fonts (Fyne's fallback)")
	switch {
	case e.sh.fonts.path != "":
		fonts = fmt.Sprintf(L("Loaded from %s"), e.sh.fonts.path)
	case e.sh.fonts.warning != "":
		fonts = e.sh.fonts.warning
	}
	dataDir := widget.NewLabel(e.deps.DataDir)
	dataDir.Selectable = true
	dataDir.Wrapping = fyne.TextWrapBreak
	version := e.deps.Version
	if version == "" {
		version = "dev"
	}
	appearance := widget.NewForm(
		widget.NewFormItem(L("Language"), s.language),
		widget.NewFormItem(L("Theme"), s.theme),
		widget.NewFormItem(L("Chinese text"), wrapLabel(fonts)),
		widget.NewFormItem(L("Shortcuts"), widget.NewLabel(fmt.Sprintf(L("Ctrl+1 … Ctrl+%d switch screens"), min(9, len(e.sh.defs))))),
	)
	data := widget.NewForm(widget.NewFormItem(L("Data directory"), dataDir))
	about := widget.NewForm(
		widget.NewFormItem(L("Version"), widget.NewLabel(version)),
		widget.NewFormItem("", wrapLabel(L("UCBI Console sends messages through your QQ bot backends (OneBot 11) and serves the UCBI API to your bots."))),
	)
	box := container.NewVBox(
		widget.NewCard(L("Appearance"), "", appearance),
		widget.NewCard(L("Data"), "", data),
		widget.NewCard(L("About"), "", about),
	)
	return container.NewVScroll(container.NewPadded(box))
}

func (s *settingsScreen) onLanguage() {
	i := s.language.SelectedIndex()
	if i < 0 || i >= len(languageCodes) {
		return
	}
	code := languageCodes[i]
	if code == s.e.sh.langChoice() {
		return
	}
	s.e.setLanguage(code)
}

func (s *settingsScreen) onTheme() {
	mode := themeSystem
	switch s.theme.Selected {
	case L("Light"):
		mode = themeLight
	case L("Dark"):
		mode = themeDark
	}
	if mode != s.e.sh.theme.mode {
		s.e.setTheme(mode)
	}
}
