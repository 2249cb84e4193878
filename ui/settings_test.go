package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2/theme"
)

func TestLanguageSwitchShowsChinese(t *testing.T) {
	r := newRig(t, rigOptions{screen: "settings"})
	r.idle()
	if !r.hasText("Language") || r.hasText("语言") {
		t.Fatalf("English first; texts %q", r.windowTexts())
	}
	s := r.e.screen("settings").(*settingsScreen)
	r.ui(func() { s.language.SetSelectedIndex(2) }) // 中文
	r.wait("setting." + keyLang)
	if v, _, _ := r.db.Setting(keyLang); v != "zh" {
		t.Errorf("saved language %q", v)
	}
	for _, want := range []string{"语言", "主题", "历史记录", "消息源", "本地接口", "设置"} {
		if !r.hasText(want) {
			t.Errorf("no %q after switching to Chinese; texts %q", want, r.windowTexts())
		}
	}
	r.ui(func() {
		if r.e.sh.current != "settings" {
			t.Errorf("showing %q after the rebuild", r.e.sh.current)
		}
		if got := r.w.Title(); got != "UCBI Console" {
			t.Errorf("title %q", got)
		}
	})

	// And back.
	s = r.e.screen("settings").(*settingsScreen)
	r.ui(func() { s.language.SetSelectedIndex(1) })
	r.wait("setting." + keyLang)
	if !r.hasText("Language") || r.hasText("语言") {
		t.Errorf("back to English; texts %q", r.windowTexts())
	}
}

func TestThemeSwitch(t *testing.T) {
	r := newRig(t, rigOptions{screen: "settings", theme: themeLight})
	r.idle()
	bg := func() color.Color {
		var c color.Color
		r.ui(func() { c = r.app.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantDark) })
		return c
	}
	light := bg()
	s := r.e.screen("settings").(*settingsScreen)
	r.ui(func() { s.theme.SetSelected("Dark") })
	r.wait("setting." + keyTheme)
	if v, _, _ := r.db.Setting(keyTheme); v != themeDark {
		t.Errorf("saved theme %q", v)
	}
	if dark := bg(); dark == light {
		t.Errorf("background did not change: %v", dark)
	}
}

func TestSystemLanguage(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "zh"},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANGUAGE": "zh_TW:en", "LANG": "en_US.UTF-8"}, "zh"},
		{map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "zh"},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"},
	} {
		for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
			t.Setenv(k, c.env[k])
		}
		if got := systemLanguage(); got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}
