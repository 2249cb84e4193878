package store

import (
	"fmt"
	"testing"
	"time"
)

func TestContactsCache(t *testing.T) {
	db := openTest(t)
	list, at, err := db.ContactsOf("napcat", "friend")
	if err != nil || len(list) != 0 || !at.IsZero() {
		t.Fatalf("never fetched: %v, %v, %v", list, at, err)
	}
	friends := []Contact{{Kind: "friend", ID: "10001", Name: "Alice", Remark: "同事"}, {Kind: "friend", ID: "10002", Name: "鲍勃"}}
	groups := []Contact{{Kind: "group", ID: "700001", Name: "运维群", MemberCount: 312}}
	before := time.Now()
	must(t, db.PutContacts("napcat", "friend", friends))
	must(t, db.PutContacts("napcat", "group", groups))
	must(t, db.PutContacts("lagrange", "group", nil))

	got, at, err := db.ContactsOf("napcat", "friend")
	if err != nil || fmt.Sprint(got) != fmt.Sprint(friends) || at.Before(before.Add(-time.Second)) {
		t.Errorf("friends = %v at %v, %v", got, at, err)
	}
	got, _, _ = db.ContactsOf("napcat", "group")
	if fmt.Sprint(got) != fmt.Sprint(groups) {
		t.Errorf("groups = %v", got)
	}
	got, at, _ = db.ContactsOf("lagrange", "group")
	if len(got) != 0 || at.IsZero() {
		t.Errorf("an empty fetched list = %v at %v; want empty with a fetch time", got, at)
	}
	// Replace.
	must(t, db.PutContacts("napcat", "friend", friends[1:]))
	if got, _, _ = db.ContactsOf("napcat", "friend"); len(got) != 1 || got[0].ID != "10002" {
		t.Errorf("after replace: %v", got)
	}
	for _, bad := range []struct{ src, kind string }{{"", "friend"}, {"napcat", "member"}, {"a\x00b", "group"}} {
		if err := db.PutContacts(bad.src, bad.kind, nil); err == nil {
			t.Errorf("PutContacts(%q, %q) succeeded", bad.src, bad.kind)
		}
		if _, _, err := db.ContactsOf(bad.src, bad.kind); err == nil {
			t.Errorf("ContactsOf(%q, %q) succeeded", bad.src, bad.kind)
		}
	}
}

func TestSearchContacts(t *testing.T) {
	list := []Contact{
		{Kind: "friend", ID: "10001", Name: "Alice Smith", Remark: "同事"},
		{Kind: "friend", ID: "20002", Name: "鲍勃", Remark: "Bob from QA"},
		{Kind: "group", ID: "700001", Name: "运维值班群"},
	}
	tests := []struct {
		q    string
		want []string // ids
	}{
		{"", []string{"10001", "20002", "700001"}},
		{"   ", []string{"10001", "20002", "700001"}},
		{"alice", []string{"10001"}},
		{"SMITH", []string{"10001"}},
		{"同事", []string{"10001"}},
		{"bob", []string{"20002"}},
		{"鲍", []string{"20002"}},
		{"值班", []string{"700001"}},
		{"0001", []string{"10001", "700001"}},
		{" qa ", []string{"20002"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		got := SearchContacts(list, tt.q)
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("SearchContacts(%q) = %v, want %v", tt.q, ids, tt.want)
		}
	}
	all := SearchContacts(list, "")
	all[0].Name = "changed"
	if list[0].Name != "Alice Smith" {
		t.Error("SearchContacts returned the caller's slice, not a copy")
	}
}
