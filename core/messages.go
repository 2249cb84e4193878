package core

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Languages the engine's messages are written in.
const (
	LangEnglish = "en"
	LangChinese = "zh"
)

//go:embed messages/*.json
var messageFiles embed.FS

// messages holds each language's templates by key. Keys of an Error's message ("send.text_empty")
// and one per error code ("code.bad_param") for errors made without a key. A template names its
// values in braces: {field} is Error.Field, any other {name} Error.Args[name].
var messages = loadMessages()

func loadMessages() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{LangEnglish, LangChinese} {
		b, err := messageFiles.ReadFile("messages/" + lang + ".json")
		if err != nil {
			panic(fmt.Sprintf("core: messages/%s.json is not embedded: %v", lang, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("core: messages/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}

// MessageKeys lists every key of a language's templates (for the test that checks both
// languages have every key).
func MessageKeys(lang string) []string {
	var keys []string
	for k := range messages[lang] {
		keys = append(keys, k)
	}
	return keys
}

// normLang maps "zh", "zh-CN", "zh_Hans"… to LangChinese and anything else to LangEnglish.
func normLang(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return LangChinese
	}
	return LangEnglish
}

// fill puts field and args into a template.
func fill(tmpl, field string, args map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	pairs := []string{"{field}", field}
	for k, v := range args {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// render is the error's keyed message in a language ("" when its key has no template there).
func (e *Error) render(lang string) string {
	t, ok := messages[lang][e.Key]
	if !ok {
		return ""
	}
	return fill(t, e.Field, e.Args)
}

// Localize says err in a language ("zh…" Chinese, else English), naming the field it is about.
// In English it is the error's own message; in Chinese a keyed error is its key's template and
// any other its code's sentence, followed by the backend's codes and own words when a backend
// failed.
func Localize(err error, lang string) string {
	if err == nil {
		return ""
	}
	e := AsError(err)
	lang = normLang(lang)
	if lang == LangEnglish {
		return e.Message // the key's template, with any context the engine added
	}
	if e.Key != "" {
		if s := e.render(lang); s != "" {
			return s
		}
	}
	m := messages[lang]
	s, ok := m["code."+e.Code]
	if !ok {
		s = m["code."+CodeInternal]
	}
	if e.Field != "" {
		s = fill(m["with_field"], e.Field, map[string]string{"message": s})
	}
	if e.Retcode != 0 || e.HTTPStatus != 0 {
		s += fill(m["backend_codes"], "", map[string]string{"retcode": strconv.Itoa(e.Retcode), "http": strconv.Itoa(e.HTTPStatus)})
	}
	if t := strings.TrimSpace(e.BackendText); t != "" {
		s += fill(m["backend_said"], "", map[string]string{"text": t})
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// supportPrefix starts the keys of the reasons an open layer cannot send a segment kind.
const supportPrefix = "support."

// supportKeys finds a reason's key from its English text (SegmentSupport maps carry the text).
var supportKeys = func() map[string]string {
	out := map[string]string{}
	for k, v := range messages[LangEnglish] {
		if strings.HasPrefix(k, supportPrefix) {
			out[v] = k
		}
	}
	return out
}()

// SupportReason is the English reason of a "support.*" key, as SegmentSupport maps carry it
// (adapters fill their maps with it, so that every reason can be said in every language). A key
// with no template is returned as it is.
func SupportReason(key string) string {
	if t, ok := messages[LangEnglish][key]; ok {
		return t
	}
	return key
}

// SupportReasonKey is the "support.*" key of a reason a SegmentSupport map gave ("" when the
// reason is not one of the console's: an adapter's own words).
func SupportReasonKey(reason string) string { return supportKeys[reason] }

// LocalizeSupport says a reason from a SegmentSupport map in a language ("zh…" Chinese, else
// English). A reason without a key is returned unchanged.
func LocalizeSupport(reason, lang string) string {
	if key := supportKeys[reason]; key != "" {
		if t, ok := messages[normLang(lang)][key]; ok {
			return t
		}
	}
	return reason
}
