// Package testwait is how tests wait for something without sleeping: a value from a channel,
// or a condition polled with a deadline. The deadline only bounds a broken test; it is not a
// timing assertion.
package testwait

import (
	"testing"
	"time"
)

// Bound is how long a test waits before it fails as stuck.
const Bound = 10 * time.Second

// Recv returns the next value of ch, failing the test when none comes within Bound.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Bound)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// Until polls cond (every millisecond) until it holds, failing the test when it does not
// within Bound.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Bound)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
