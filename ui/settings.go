package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func init() {
	registerScreen(70, "settings", "Settings", navIcon(theme.IconNameSettings), func(e *env) screen { return newSettingsScreen(e) })
	addZH(map[string]string{
		"Appearance":                      "外观",
		"Language":                        "语言",
		"Theme":                           "主题",
		"System language":                 "跟随系统",
		"Data":                            "数据",
		"Data directory":                  "数据目录",
		"About":                           "关于",
		"Version":                         "版本",
		"Chinese text":                    "中文显示",
		"System fonts (Fyne's fallback)":  "系统字体（Fyne 自动回退）",
		"Loaded from %s":                  "从 %s 加载",
		"Shortcuts":                       "快捷键",
		"Ctrl+1 … Ctrl+%d switch screens": "Ctrl+1 … Ctrl+%d 切换页面",
		"UCBI Console sends messages through your QQ bot backends (OneBot 11) and serves the UCBI API to your bots.": "UCBI 控制台通过你的 QQ 机器人后端（OneBot 11）发送消息，并为你的机器人提供 UCBI 接口。",
	})
}

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
