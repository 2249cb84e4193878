package adapterkit

import (
	"encoding/json"
	"testing"
)

func TestSecondsAndInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		secs int64
		ok   bool
	}{
		{`1442542632`, 1442542632, true}, {`"1442542632"`, 1442542632, true}, {`1632847927.805`, 1632847927, true},
		{`"x"`, 0, false}, {`null`, 0, false}, {`{}`, 0, false}, {`1e300`, 0, false},
	} {
		if secs, ok := Seconds(json.RawMessage(tc.in)); secs != tc.secs || ok != tc.ok {
			t.Errorf("Seconds(%s) = %d, %v", tc.in, secs, ok)
		}
	}
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{{`-6`, -6, true}, {`"0"`, 0, true}, {`1.5`, 0, false}, {`"a"`, 0, false}} {
		if n, ok := Int(json.RawMessage(tc.in)); n != tc.n || ok != tc.ok {
			t.Errorf("Int(%s) = %d, %v", tc.in, n, ok)
		}
	}
}

func TestFlat(t *testing.T) {
	b, err := Flat(struct {
		A string `json:"a"`
	}{"x"}, map[string]any{"a": "lost", "*b": 1, "*nil": nil})
	if err != nil || string(b) != `{"*b":1,"a":"x"}` {
		t.Errorf("Flat = %s, %v", b, err)
	}
}
