// Package kittest holds test helpers shared by the adapters' tests.
package kittest

import (
	"errors"
	"strings"
	"testing"

	"ucbi-console/core"
)

// WantCode fails unless err is a *core.Error with code, and when its text shows secret (a token
// must never reach an error). It returns the error for further checks.
func WantCode(t testing.TB, err error, code, secret string) *core.Error {
	t.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %#v, want a *core.Error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	if secret != "" && strings.Contains(e.Error(), secret) {
		t.Fatalf("the token leaks into the error: %v", e)
	}
	return e
}
