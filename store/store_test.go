package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if want := filepath.Join(dir, "ucbi-console.db"); db.Path() != want {
		t.Errorf("Path() = %q, want %q", db.Path(), want)
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %v, want 0600", got)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode = %v, want 0700", got)
	}
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

func TestOpenRestrictsLooseFileMode(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode after reopen = %v, want 0600", got)
	}
}

func TestOpenTwiceIsInUse(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	start := time.Now()
	db2, err := Open(dir)
	elapsed := time.Since(start)
	if err == nil {
		db2.Close()
		t.Fatal("second Open of the same directory succeeded")
	}
	if !errors.Is(err, ErrInUse) {
		t.Errorf("second Open error = %v, want one wrapping ErrInUse", err)
	}
	if !strings.Contains(err.Error(), db.Path()) {
		t.Errorf("error %q does not name the file", err)
	}
	if elapsed < 900*time.Millisecond || elapsed > 2500*time.Millisecond {
		t.Errorf("second Open gave up after %v, want about 1s", elapsed)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err = Open(dir)
	if err != nil {
		t.Fatalf("Open after the first was closed: %v", err)
	}
	db2.Close()
}

func openTestAt(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := core.Source{ID: "napcat-main", Via: "onebot11", URL: "http://127.0.0.1:3000", Token: "tok-123456789", Default: true}
	must(t, db.PutSource(src))
	must(t, db.PutContext("ops group", core.Context{Platform: "qq", Via: "onebot11", Type: "group", GroupID: "123"}))
	must(t, db.PutSetting("theme", "dark"))
	for i := range 3 {
		r := sampleRecord(i)
		must(t, db.AppendHistory(&r))
	}
	card := core.CardRecord{Source: "napcat-main", Target: "group:1", Outcome: "ok", ArkJSON: `{"app":"x"}`}
	must(t, db.AppendCard(&card))
	must(t, db.Close())

	db, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if got, err := db.Source("napcat-main"); err != nil || got != src {
		t.Errorf("Source after reopen = %+v, %v; want %+v", got, err, src)
	}
	if list, err := db.Contexts(); err != nil || len(list) != 1 || list[0].Context.GroupID != "123" {
		t.Errorf("Contexts after reopen = %+v, %v", list, err)
	}
	if v, ok, err := db.Setting("theme"); err != nil || !ok || v != "dark" {
		t.Errorf("Setting after reopen = %q %v %v", v, ok, err)
	}
	if n, err := db.HistoryCount(); err != nil || n != 3 {
		t.Errorf("HistoryCount after reopen = %d, %v; want 3", n, err)
	}
	r := sampleRecord(9)
	must(t, db.AppendHistory(&r))
	if r.Seq != 4 {
		t.Errorf("first seq after reopen = %d, want 4", r.Seq)
	}
	if c, err := db.Card(card.ID); err != nil || c.ArkJSON != card.ArkJSON {
		t.Errorf("Card after reopen = %+v, %v", c, err)
	}
}

func TestSchemaVersion(t *testing.T) {
	tests := []struct {
		stored  string
		wantErr string // "" means Open must succeed
	}{
		{"1", ""},
		{"2", "schema version 2"},
		{"99", "schema version 99"},
		{"0", "not valid"},
		{"one", "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.stored, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			must(t, db.PutSetting("k", "v"))
			must(t, db.bolt.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketMeta).Put(metaSchema, []byte(tt.stored))
			}))
			must(t, db.Close())
			db, err = Open(dir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Open with schema %s: %v", tt.stored, err)
				}
				db.Close()
				return
			}
			if err == nil {
				db.Close()
				t.Fatalf("Open accepted schema %q", tt.stored)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			// The refused file was left alone and is not locked.
			db, err = Open(dir)
			if err == nil {
				db.Close()
				t.Error("second Open accepted the file")
			} else if errors.Is(err, ErrInUse) {
				t.Errorf("refused Open left the file locked: %v", err)
			}
		})
	}
}

func TestCloseIsIdempotentAndLaterCallsFail(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	must(t, db.Close())
	must(t, db.Close())
	calls := map[string]func() error{
		"AppendHistory": func() error { r := sampleRecord(1); return db.AppendHistory(&r) },
		"HistoryPage":   func() error { _, err := db.HistoryPage(0, 10, HistoryFilter{}); return err },
		"HistoryGet":    func() error { _, err := db.HistoryGet(1); return err },
		"HistoryCount":  func() error { _, err := db.HistoryCount(); return err },
		"ExportHistory": func() error { _, err := db.ExportHistory(new(strings.Builder), HistoryFilter{}); return err },
		"Sources":       func() error { _, err := db.Sources(); return err },
		"Source":        func() error { _, err := db.Source("x"); return err },
		"PutSource":     func() error { return db.PutSource(core.Source{ID: "x", Via: "v", URL: "u"}) },
		"DeleteSource":  func() error { return db.DeleteSource("x") },
		"Contexts":      func() error { _, err := db.Contexts(); return err },
		"PutContext":    func() error { return db.PutContext("x", core.Context{}) },
		"AppendCard":    func() error { return db.AppendCard(&core.CardRecord{}) },
		"Cards":         func() error { _, err := db.Cards(0, 1); return err },
		"Setting":       func() error { _, _, err := db.Setting("x"); return err },
		"PutSetting":    func() error { return db.PutSetting("x", "y") },
		"PutContacts":   func() error { return db.PutContacts("x", "friend", nil) },
		"ContactsOf":    func() error { _, _, err := db.ContactsOf("x", "friend"); return err },
	}
	for name, call := range calls {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s after Close: err = %v, want one saying the store is closed", name, err)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
