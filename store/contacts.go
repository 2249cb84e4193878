package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Contact kinds.
const (
	kindFriend = "friend"
	kindGroup  = "group"
)

// Contact is one cached friend or group of a message source.
type Contact struct {
	Kind        string `json:"kind"` // "friend" or "group"
	ID          string `json:"id"`
	Name        string `json:"name"`
	Remark      string `json:"remark,omitempty"`
	MemberCount int    `json:"member_count,omitempty"`
}

// contactList is the stored value: the list and when it was fetched.
type contactList struct {
	Fetched time.Time `json:"fetched"`
	List    []Contact `json:"list"`
}

// PutContacts replaces the cached list of kind ("friend" or "group") of a source and records
// now as its fetch time.
func (db *DB) PutContacts(sourceID, kind string, list []Contact) error {
	key, err := contactsKey(sourceID, kind)
	if err != nil {
		return err
	}
	if list == nil {
		list = []Contact{}
	}
	v, err := json.Marshal(contactList{Fetched: time.Now(), List: list})
	if err != nil {
		return fmt.Errorf("encode %s list of %q: %w", kind, sourceID, err)
	}
	err = db.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContacts).Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("save %s list of %q: %w", kind, sourceID, err)
	}
	return nil
}

// ContactsOf returns the cached list of kind of a source and when it was fetched: an empty list
// and the zero time when it never was.
func (db *DB) ContactsOf(sourceID, kind string) ([]Contact, time.Time, error) {
	key, err := contactsKey(sourceID, kind)
	if err != nil {
		return nil, time.Time{}, err
	}
	var cl contactList
	err = db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketContacts).Get(key)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &cl); err != nil {
			return fmt.Errorf("cached %s list of %q is unreadable: %v", kind, sourceID, err)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return cl.List, cl.Fetched, nil
}

// SearchContacts returns the contacts whose name, remark or id contains q, ignoring case; an
// empty (or blank) q returns them all. The result is a new slice.
func SearchContacts(list []Contact, q string) []Contact {
	q = strings.TrimSpace(q)
	if q == "" {
		return slices.Clone(list)
	}
	f := newFolder(q)
	var out []Contact
	for _, c := range list {
		if f.in(c.Name) || f.in(c.Remark) || f.in(c.ID) {
			out = append(out, c)
		}
	}
	return out
}

func contactsKey(sourceID, kind string) ([]byte, error) {
	switch {
	case sourceID == "":
		return nil, errors.New("contacts: no message source given")
	case strings.ContainsRune(sourceID, 0):
		return nil, fmt.Errorf("contacts: message source id %q contains a NUL byte", sourceID)
	case kind != kindFriend && kind != kindGroup:
		return nil, fmt.Errorf("contacts: kind must be %q or %q, not %q", kindFriend, kindGroup, kind)
	}
	return []byte(sourceID + "\x00" + kind), nil
}

// deleteContactsOf drops every cached list of a source.
func deleteContactsOf(tx *bolt.Tx, sourceID string) error {
	b := tx.Bucket(bucketContacts)
	for _, kind := range []string{kindFriend, kindGroup} {
		if err := b.Delete([]byte(sourceID + "\x00" + kind)); err != nil {
			return fmt.Errorf("drop cached %s list of %q: %w", kind, sourceID, err)
		}
	}
	return nil
}
