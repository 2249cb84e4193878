package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRequestsCRUD(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ban := &SavedRequest{Name: " 禁言十分钟 ", Group: " 群管 ", Action: "set_group_ban", Source: "napcat-main",
		Params: json.RawMessage(`{ "group_id": 123456789, "user_id": 12345678901234567, "duration": 600 }`)}
	must(t, db.PutRequest(ban))
	if ban.ID == 0 || ban.Name != "禁言十分钟" || ban.Group != "群管" || ban.Created.IsZero() || !ban.Updated.Equal(ban.Created) {
		t.Fatalf("after PutRequest: %+v", ban)
	}
	if string(ban.Params) != `{"group_id":123456789,"user_id":12345678901234567,"duration":600}` {
		t.Errorf("params stored as %s, want compact and with the id exact", ban.Params)
	}
	must(t, db.PutRequest(&SavedRequest{Name: "version", Action: "get_version_info"}))
	must(t, db.PutRequest(&SavedRequest{Name: "踢人", Group: "群管", Action: "set_group_kick", Params: json.RawMessage(`{"group_id":1,"user_id":2}`)}))
	must(t, db.PutRequest(&SavedRequest{Name: "poke", Group: "napcat", Action: "friend_poke", Params: json.RawMessage(`{"user_id":2}`)}))

	groups, err := db.RequestGroups()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		for _, r := range g.Requests {
			got = append(got, g.Name+"/"+r.Name)
		}
	}
	if want := "/version napcat/poke 群管/禁言十分钟 群管/踢人"; strings.Join(got, " ") != want {
		t.Errorf("RequestGroups = %v, want %s (ungrouped first, then by group and name)", got, want)
	}
	if v, _ := db.Request(groups[0].Requests[0].ID); string(v.Params) != "{}" {
		t.Errorf("a request saved without params has %s, want {}", v.Params)
	}

	// Update keeps Created, refuses a name that another request of the group has.
	upd := *ban
	upd.Params = json.RawMessage(`{"group_id":123456789,"user_id":1,"duration":60}`)
	must(t, db.PutRequest(&upd))
	if !upd.Created.Equal(ban.Created) || upd.Updated.Before(ban.Updated) {
		t.Errorf("update changed Created or did not advance Updated: %+v", upd)
	}
	clash := upd
	clash.Name = "踢人"
	if err := db.PutRequest(&clash); !errors.Is(err, ErrRequestExists) || !strings.Contains(err.Error(), "踢人") {
		t.Errorf("renaming onto another request's name: err = %v", err)
	}
	dup := &SavedRequest{Name: "踢人", Group: "群管", Action: "get_status"}
	if err := db.PutRequest(dup); !errors.Is(err, ErrRequestExists) || dup.ID != 0 {
		t.Errorf("adding a duplicate: err = %v, id = %d", err, dup.ID)
	}
	must(t, db.PutRequest(&SavedRequest{Name: "踢人", Group: "other", Action: "get_status"})) // same name, other group: fine

	// The store hands out copies.
	r1, _ := db.Request(ban.ID)
	r1.Params[0] = 'X'
	if r2, _ := db.Request(ban.ID); r2.Params[0] != '{' {
		t.Error("Request returned bytes aliasing the store")
	}

	// Delete; a missing id is ErrNotFound for every call that takes one.
	must(t, db.DeleteRequest(ban.ID))
	if _, err := db.Request(ban.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Request after delete: %v", err)
	}
	if err := db.DeleteRequest(ban.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteRequest twice: %v", err)
	}
	gone := upd
	if err := db.PutRequest(&gone); !errors.Is(err, ErrNotFound) {
		t.Errorf("PutRequest of a deleted id: %v", err)
	}

	// Everything survives a reopen of the file.
	before, _ := db.Requests()
	must(t, db.Close())
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, err := db.Requests()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || len(after) != 4 {
		t.Fatalf("after reopen: %d requests, before %d (want 4)", len(after), len(before))
	}
	for i := range after {
		if after[i].ID != before[i].ID || string(after[i].Params) != string(before[i].Params) || !after[i].Created.Equal(before[i].Created) {
			t.Errorf("request %d changed across reopen: %+v vs %+v", i, after[i], before[i])
		}
	}
}

func TestRequestValidation(t *testing.T) {
	db := openTest(t)
	must(t, db.PutRequest(&SavedRequest{Name: "keep", Action: "get_status"}))
	long := strings.Repeat("名", 101)
	for _, tc := range []struct {
		r    SavedRequest
		want string
	}{
		{SavedRequest{Name: "  ", Action: "get_status"}, "needs a name"},
		{SavedRequest{Name: long, Action: "get_status"}, "longer than 100"},
		{SavedRequest{Name: "x", Group: long, Action: "get_status"}, "group is longer"},
		{SavedRequest{Name: "x", Action: " "}, "needs an action"},
		{SavedRequest{Name: "x", Action: "get status"}, "contains spaces"},
		{SavedRequest{Name: "x", Action: "*get_status"}, "without UCBI's *"},
		{SavedRequest{Name: "x", Action: "get_status", Params: json.RawMessage(`[1,2]`)}, "must be a JSON object"},
		{SavedRequest{Name: "x", Action: "get_status", Params: json.RawMessage(`"s"`)}, "must be a JSON object"},
		{SavedRequest{Name: "x", Action: "get_status", Params: json.RawMessage(`{"a":`)}, "not valid JSON"},
	} {
		r := tc.r
		err := db.PutRequest(&r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PutRequest(%+v): err = %v, want it to say %q", tc.r, err, tc.want)
		}
	}
	if err := db.PutRequest(nil); err == nil {
		t.Error("PutRequest(nil) succeeded")
	}
	list, err := db.Requests()
	if err != nil || len(list) != 1 || list[0].Name != "keep" {
		t.Errorf("after refused saves: %+v, %v; want only the request saved first", list, err)
	}
}
