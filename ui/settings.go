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
	notify   *widget.Check
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

	// The Inbox's switch, shown here too: one setting (inbox.notify), on by default.
	s.notify = widget.NewCheck(L("Desktop notifications for private messages and @-mentions while the window is not focused"), nil)
	if h := hubOf(e); h != nil {
		s.notify.SetChecked(h.notifyOn.Load())
		s.notify.OnChanged = h.setNotify
		e.listen(topicEvents, func() { // the Inbox may have switched it
			if on := h.notifyOn.Load(); on != s.notify.Checked {
				s.notify.SetChecked(on)
			}
		})
	} else {
		e.run("settings.notify", func() func() {
			v, _, _ := e.deps.Store.Setting(keyInboxNotify)
			return func() {
				s.notify.SetChecked(v != "off")
				s.notify.OnChanged = func(on bool) {
					e.putSetting(keyInboxNotify, map[bool]string{true: "on", false: "off"}[on])
				}
			}
		})
	}
	return s
}

// shown picks up a change made on the Inbox.
func (s *settingsScreen) shown() {
	if h := hubOf(s.e); h != nil && h.notifyOn.Load() != s.notify.Checked {
		s.notify.SetChecked(h.notifyOn.Load())
	}
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
	notify := widget.NewForm(widget.NewFormItem("", s.notify))
	appearance := widget.NewForm(
		widget.NewFormItem(L("Language"), s.language),
		widget.NewFormItem(L("Theme"), s.theme),
		widget.NewFormItem(L("Chinese text"), wrapLabel(fonts)),
		widget.NewFormItem(L("Shortcuts"), widget.NewLabel(fmt.Sprintf(L("Ctrl+1 … Ctrl+%d switch screens"), min(9, len(e.sh.defs))))),
	)
	data := widget.NewForm(widget.NewFormItem(L("Data directory"), dataDir))
	about := widget.NewForm(
		widget.NewFormItem(L("Version"), widget.NewLabel(version)),
		widget.NewFormItem("", wrapLabel(L("UCBI Console sits between your chat backends (OneBot 11, OneBot 12, Openwx) and your bots: it shows what comes in, sends by hand, and serves the UCBI API and OneBot 11 to your bots."))),
	)
	box := container.NewVBox(
		widget.NewCard(L("Appearance"), "", appearance),
		widget.NewCard(L("Notifications"), "", notify),
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
