package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// The UI is written in English; English strings are the keys. The texts shown live in
// i18n/<language>.json (embedded): zh.json translates every key, en.json lists every key with
// its English wording (usually the key itself), so the two files are the catalog of everything
// the window says. A key missing from a language's file is shown as the key.

//go:embed i18n/*.json
var i18nFiles embed.FS

// languages are the UI languages; the first is the fallback.
var languages = []string{"en", "zh"}

var (
	i18nMu   sync.RWMutex
	language = "en"
	tables   = loadTables()
)

// loadTables reads every language's file. A broken file is a build mistake (the files are
// embedded), so it stops the program at start-up with the file's name, and a test catches it.
func loadTables() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, code := range languages {
		t, err := readTable(code)
		if err != nil {
			panic(err)
		}
		out[code] = t
	}
	return out
}

func readTable(code string) (map[string]string, error) {
	b, err := i18nFiles.ReadFile("i18n/" + code + ".json")
	if err != nil {
		return nil, fmt.Errorf("ui: translations %s: %w", code, err)
	}
	t := map[string]string{}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("ui: translations i18n/%s.json: %w", code, err)
	}
	return t, nil
}

// translation is key's text in lang, and whether lang's file has it.
func translation(lang, key string) (string, bool) {
	v, ok := tables[lang][key]
	return v, ok
}

// L translates an English UI string into the current language (the key itself when there is
// no translation).
func L(key string) string {
	i18nMu.RLock()
	lang := language
	i18nMu.RUnlock()
	if v, ok := translation(lang, key); ok && v != "" {
		return v
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
