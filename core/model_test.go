package core

import "testing"

func TestShownURL(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:3000":                           "http://127.0.0.1:3000",
		"http://h:3000/onebot?access_token=napcat-secret": "http://h:3000/onebot?…",
		"https://user:pass@h/x":                           "https://h/x",
		"http://h/?":                                      "http://h/?…",
		"http://u:p@h:3000/x y%zz?access_token=t":         "http://h:3000/x y%zz", // unparsable: cut by hand
	}
	for in, want := range cases {
		if got := (Source{URL: in}).ShownURL(); got != want {
			t.Errorf("ShownURL(%q) = %q, want %q", in, got, want)
		}
	}
}
