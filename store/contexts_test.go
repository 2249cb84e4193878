package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
)

func TestContextsCRUD(t *testing.T) {
	db := openTest(t)
	grp := core.Context{Platform: "qq", Via: "onebot11", Type: "group", GroupID: "123456",
		Extra: json.RawMessage(`{"config_id":"napcat-main","n":12345678901234567890}`)}
	must(t, db.PutContext("  运维群 ", grp))
	must(t, db.PutContext("alice", core.Context{Type: "private", UserID: "42"}))
	if err := db.PutContext("  ", grp); err == nil {
		t.Error("PutContext with a blank name succeeded")
	}

	list, err := db.Contexts()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alice" || list[1].Name != "运维群" {
		t.Fatalf("Contexts() = %+v, want alice then 运维群 (sorted, trimmed)", list)
	}
	got := list[1]
	if string(got.Context.Extra) != string(grp.Extra) || got.Context.GroupID != "123456" {
		t.Errorf("stored context = %+v, want %+v", got.Context, grp)
	}
	if got.Created.IsZero() || !got.Used.IsZero() {
		t.Errorf("Created=%v Used=%v, want Created set and Used zero", got.Created, got.Used)
	}

	// Overwrite keeps Created.
	time.Sleep(5 * time.Millisecond)
	must(t, db.PutContext("运维群", core.Context{Type: "group", GroupID: "999"}))
	list, _ = db.Contexts()
	if list[1].Context.GroupID != "999" || !list[1].Created.Equal(got.Created) {
		t.Errorf("after overwrite: %+v (Created was %v)", list[1], got.Created)
	}

	must(t, db.TouchContext("alice"))
	list, _ = db.Contexts()
	if time.Since(list[0].Used) > time.Minute {
		t.Errorf("TouchContext did not set Used: %v", list[0].Used)
	}

	if err := db.RenameContext("alice", "运维群"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("rename onto an existing name: err = %v", err)
	}
	must(t, db.RenameContext("alice", " bob "))
	must(t, db.RenameContext("bob", "bob")) // renaming to itself is a no-op
	list, _ = db.Contexts()
	if len(list) != 2 || list[0].Name != "bob" || list[0].Context.UserID != "42" || list[0].Used.IsZero() {
		t.Errorf("after rename: %+v", list)
	}
	if err := db.RenameContext("bob", ""); err == nil {
		t.Error("rename to a blank name succeeded")
	}

	must(t, db.DeleteContext("bob"))
	for name, err := range map[string]error{
		"RenameContext": db.RenameContext("bob", "carol"),
		"DeleteContext": db.DeleteContext("bob"),
		"TouchContext":  db.TouchContext("bob"),
	} {
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `no saved context "bob"`) {
			t.Errorf("%s of a missing context: err = %v", name, err)
		}
	}
	list, _ = db.Contexts()
	if len(list) != 1 {
		t.Errorf("Contexts() after delete = %+v", list)
	}
}
