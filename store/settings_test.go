package store

import (
	"testing"
)

func TestSettings(t *testing.T) {
	db := openTest(t)
	steps := []struct {
		put    bool
		key    string
		value  string
		wantOK bool
	}{
		{false, "theme", "", false},
		{true, "theme", "dark", true},
		{true, "theme", "light", true},
		{true, "empty", "", true}, // an empty value is still a value
		{false, "other", "", false},
		{true, "语言", "中文", true},
	}
	for i, st := range steps {
		if st.put {
			must(t, db.PutSetting(st.key, st.value))
		}
		v, ok, err := db.Setting(st.key)
		if err != nil || ok != st.wantOK || v != st.value {
			t.Errorf("step %d: Setting(%q) = %q, %v, %v; want %q, %v", i, st.key, v, ok, err, st.value, st.wantOK)
		}
	}
	if err := db.PutSetting("", "x"); err == nil {
		t.Error("PutSetting with an empty key succeeded")
	}
}
