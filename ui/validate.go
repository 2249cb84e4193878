package ui

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"ucbi-console/core"
)

// sourceProblems is the one rule set the GUI applies to a message source before saving it:
// the fields an operator fills, named in the form's words, then the engine's own rules for the
// rest (flavor, token, the adapter's URL rules), so the form never saves what the engine would
// refuse. Empty: the source is fine.
func sourceProblems(src core.Source, d *core.Dispatcher) []string {
	var problems []string
	switch {
	case src.ID == "":
		problems = append(problems, L("An id is required."))
	case strings.ContainsAny(src.ID, `/\`) || strings.IndexFunc(src.ID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		problems = append(problems, L("The id must not contain spaces or slashes."))
	}
	if src.Via == "" {
		problems = append(problems, L("Choose a via."))
	}
	// Without an HTTP URL, actions go over the source's WebSocket (its ws URL, or the reverse
	// link the open layer opens).
	overWS := src.WSURL != "" || src.Events == core.LinkWSReverse
	if src.URL != "" || !overWS {
		if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, L("The URL must start with http:// or https:// and name a host."))
		}
	}
	if len(problems) > 0 {
		return problems
	}
	if err := validateSource(src, d); err != nil {
		return []string{errorText(err)}
	}
	return nil
}

// validateSource is the engine's check of a source: the dispatcher's (core.ValidateSource,
// the one rule set the store and the CLI use too, then the adapter's own), else
// core.ValidateSource and the open layer's settings checks.
func validateSource(src core.Source, d *core.Dispatcher) error {
	if d != nil {
		if err := d.ValidateSource(src); err != nil {
			return errors.New(errorText(err))
		}
		return nil
	}
	if err := core.ValidateSource(src); err != nil {
		return errors.New(errorText(err))
	}
	l, ok := openLayerOf(src.Via)
	if !ok {
		return fmt.Errorf(L("This console does not speak %q."), src.Via)
	}
	return l.checkSource(src)
}
