package ui

import (
	"strings"
	"sync"
)

// The UI is written in English; English strings are the keys. Each screen file registers its
// Chinese translations in an init func with addZH, so screens never edit a shared table.

var (
	i18nMu   sync.RWMutex
	language = "en"
	zh       = map[string]string{}
)

// addZH registers Chinese translations (English → 中文).
func addZH(m map[string]string) {
	i18nMu.Lock()
	defer i18nMu.Unlock()
	for k, v := range m {
		zh[k] = v
	}
}

// L translates an English UI string into the current language (the key itself when there is
// no translation).
func L(key string) string {
	i18nMu.RLock()
	defer i18nMu.RUnlock()
	if language == "zh" {
		if v, ok := zh[key]; ok {
			return v
		}
	}
	return key
}

// SetLanguage switches the UI language: "zh" for Chinese, anything else for English.
func SetLanguage(lang string) {
	i18nMu.Lock()
	defer i18nMu.Unlock()
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		language = "zh"
	} else {
		language = "en"
	}
}

// Language is the current UI language ("zh" or "en").
func Language() string {
	i18nMu.RLock()
	defer i18nMu.RUnlock()
	return language
}
