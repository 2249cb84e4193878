package store

import (
	"errors"
	"strings"
	"testing"

	"ucbi-console/core"
)

const secretToken = "SECRET-TOKEN-do-not-leak"

func TestPutSourceValidation(t *testing.T) {
	ok := core.Source{ID: "napcat-main", Via: "onebot11", URL: "http://h:1/?access_token=" + secretToken, Token: secretToken}
	tests := []struct {
		name    string
		edit    func(s *core.Source)
		wantErr string // "" means valid
	}{
		{"valid", func(s *core.Source) {}, ""},
		{"valid 64 chars", func(s *core.Source) { s.ID = strings.Repeat("源", 64) }, ""},
		{"empty id", func(s *core.Source) { s.ID = "" }, "needs an id"},
		{"space in id", func(s *core.Source) { s.ID = "a b" }, "spaces"},
		{"tab in id", func(s *core.Source) { s.ID = "a\tb" }, "spaces"},
		{"NUL in id", func(s *core.Source) { s.ID = "a\x00b" }, "control"},
		{"slash in id", func(s *core.Source) { s.ID = "a/b" }, "slashes"},
		{"backslash in id", func(s *core.Source) { s.ID = `a\b` }, "slashes"},
		{"65 chars", func(s *core.Source) { s.ID = strings.Repeat("x", 65) }, "longer than 64"},
		{"bad utf-8", func(s *core.Source) { s.ID = "a\xffb" }, "UTF-8"},
		{"empty via", func(s *core.Source) { s.Via = " " }, "needs a via"},
		{"empty url", func(s *core.Source) { s.URL = "" }, "needs a url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			s := ok
			tt.edit(&s)
			err := db.PutSource(s)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("PutSource: %v", err)
				}
				if got, err := db.Source(s.ID); err != nil || got != s {
					t.Errorf("Source = %+v, %v", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("PutSource(%q) accepted", s.ID)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secretToken) {
				t.Errorf("error %q leaks the token", err)
			}
			if list, _ := db.Sources(); len(list) != 0 {
				t.Errorf("invalid source was stored: %+v", list)
			}
		})
	}
}

func TestSourcesCRUD(t *testing.T) {
	db := openTest(t)
	if list, err := db.Sources(); err != nil || len(list) != 0 {
		t.Fatalf("Sources of a new store = %v, %v", list, err)
	}
	for _, id := range []string{"zeta", "alpha", "mid"} {
		must(t, db.PutSource(core.Source{ID: id, Via: "onebot11", URL: "http://" + id, Token: secretToken}))
	}
	assertSourceIDs(t, db, "alpha", "mid", "zeta")

	// Replace keeps one entry and takes the new values.
	must(t, db.PutSource(core.Source{ID: "mid", Via: "satori", URL: "http://new", TimeoutMS: 2500}))
	assertSourceIDs(t, db, "alpha", "mid", "zeta")
	if got, err := db.Source("mid"); err != nil || got.Via != "satori" || got.Token != "" || got.TimeoutMS != 2500 {
		t.Errorf("Source(mid) = %+v, %v", got, err)
	}

	must(t, db.DeleteSource("alpha"))
	assertSourceIDs(t, db, "mid", "zeta")

	for name, err := range map[string]error{
		"Source":       func() error { _, err := db.Source("alpha"); return err }(),
		"DeleteSource": db.DeleteSource("alpha"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing source: err = %v, want ErrNotFound", name, err)
		} else if !strings.Contains(err.Error(), `no message source "alpha"`) {
			t.Errorf("%s error %q does not name the source", name, err)
		}
	}
}

func assertSourceIDs(t *testing.T, db *DB, want ...string) {
	t.Helper()
	list, err := db.Sources()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Sources() ids = %v, want %v", got, want)
	}
}

func TestSourceDefaultIsExclusive(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	put := func(id string, def bool) {
		t.Helper()
		must(t, db.PutSource(core.Source{ID: id, Via: "onebot11", URL: "http://x", Default: def}))
	}
	defaults := func(db *DB) string {
		t.Helper()
		list, err := db.Sources()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range list {
			if s.Default {
				ids = append(ids, s.ID)
			}
		}
		return strings.Join(ids, ",")
	}
	steps := []struct {
		id   string
		def  bool
		want string
	}{
		{"a", true, "a"},
		{"b", true, "b"},
		{"c", false, "b"},
		{"a", true, "a"},
		{"a", false, ""}, // no magic: clearing the only default leaves none
		{"c", true, "c"},
	}
	for i, st := range steps {
		put(st.id, st.def)
		if got := defaults(db); got != st.want {
			t.Fatalf("step %d (put %s default=%v): defaults = %q, want %q", i, st.id, st.def, got, st.want)
		}
	}
	// The cleared flags were written, not just changed in memory.
	must(t, db.Close())
	db2 := openTestAt(t, dir)
	if got := defaults(db2); got != "c" {
		t.Errorf("defaults after reopen = %q, want c", got)
	}
}

func TestSourcesReturnsCopies(t *testing.T) {
	db := openTest(t)
	must(t, db.PutSource(core.Source{ID: "a", Via: "onebot11", URL: "http://a", Token: "t1"}))
	must(t, db.PutSource(core.Source{ID: "b", Via: "onebot11", URL: "http://b"}))
	list, err := db.Sources()
	if err != nil {
		t.Fatal(err)
	}
	list[0].Token = "changed"
	list[1] = core.Source{ID: "evil"}
	_ = append(list[:1], core.Source{ID: "appended"})
	again, err := db.Sources()
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Token != "t1" || again[1].ID != "b" || len(again) != 2 {
		t.Errorf("changing a returned slice changed the store: %+v", again)
	}
	if s, _ := db.Source("a"); s.Token != "t1" {
		t.Errorf("Source(a).Token = %q after the caller changed its copy", s.Token)
	}
}

func TestDeleteSourceDropsItsContacts(t *testing.T) {
	db := openTest(t)
	must(t, db.PutSource(core.Source{ID: "a", Via: "onebot11", URL: "http://a"}))
	must(t, db.PutContacts("a", "friend", []Contact{{Kind: "friend", ID: "1", Name: "x"}}))
	must(t, db.PutContacts("ab", "friend", []Contact{{Kind: "friend", ID: "2", Name: "y"}}))
	must(t, db.DeleteSource("a"))
	if list, at, err := db.ContactsOf("a", "friend"); err != nil || len(list) != 0 || !at.IsZero() {
		t.Errorf("contacts of a deleted source = %v, %v, %v", list, at, err)
	}
	if list, _, err := db.ContactsOf("ab", "friend"); err != nil || len(list) != 1 {
		t.Errorf("contacts of another source = %v, %v", list, err)
	}
}

// Sources is called by the dispatcher on every request, concurrently with edits.
func TestSourcesConcurrentWithWrites(t *testing.T) {
	db := openTest(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			_ = db.PutSource(core.Source{ID: "s" + string(rune('a'+i)), Via: "v", URL: "u", Default: i%2 == 0})
		}
	}()
	for {
		select {
		case <-done:
			list, _ := db.Sources()
			if len(list) != 20 {
				t.Errorf("len(Sources()) = %d, want 20", len(list))
			}
			return
		default:
			list, err := db.Sources()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range list {
				if s.Default {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("Sources() shows %d defaults at once", n)
			}
		}
	}
}
