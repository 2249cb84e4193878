package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Saved requests are calls the operator keeps to run again (the Actions screen's "saved cases"):
// an open-layer action name, its params object, the source to send through, filed under a group.
// They live in their own bucket keyed by an 8-byte big-endian id.
//
// The bucket joins allBuckets here, so Open creates it in files made before it existed. That is
// why no schema bump is needed: a file gains the bucket the first time this build opens it, and
// an older build simply never looks at it.
var bucketRequests = []byte("requests")

func init() { allBuckets = append(allBuckets, bucketRequests) }

// Limits of a saved request, in characters (params in bytes).
const (
	maxRequestName   = 100
	maxRequestGroup  = 100
	maxRequestAction = 100
	maxRequestParams = 1 << 20
)

// ErrRequestExists is returned (wrapped, naming the request) when a saved request with the same
// group and name already exists: saving over it must be asked for by giving its ID.
var ErrRequestExists = errors.New("a saved request with this name already exists in this group")

// SavedRequest is one saved call.
type SavedRequest struct {
	ID     uint64 `json:"id"`
	Name   string `json:"name"`
	Group  string `json:"group,omitempty"` // "" is the ungrouped group
	Action string `json:"action"`          // the open layer's action name, without UCBI's "*"
	// Params is a JSON object (compact once stored).
	Params json.RawMessage `json:"params"`
	// Source is the message source's id; "" means the default source.
	Source  string    `json:"source,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// RequestGroup is the saved requests of one group.
type RequestGroup struct {
	Name     string
	Requests []SavedRequest
}

// PutRequest validates r and saves it. With r.ID == 0 it is added (r.ID, r.Created and
// r.Updated are set); otherwise the saved request with that ID is replaced, keeping its Created
// (an error wrapping ErrNotFound when there is none). Another request of the same group and name
// is never overwritten: that is an error wrapping ErrRequestExists. Name, group and action are
// trimmed; params are stored compact, an empty one as {}.
func (db *DB) PutRequest(r *SavedRequest) error {
	if r == nil {
		return errors.New("save request: no request given")
	}
	rec, err := normalizeRequest(*r)
	if err != nil {
		return err
	}
	now := time.Now()
	err = db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRequests)
		if rec.ID != 0 {
			v := b.Get(u64key(rec.ID))
			if v == nil {
				return notFound("no saved request %d", rec.ID)
			}
			old, err := decodeRequest(u64key(rec.ID), v)
			if err != nil {
				return err
			}
			rec.Created = old.Created
		} else {
			rec.Created = now
		}
		rec.Updated = now
		if err := b.ForEach(func(k, v []byte) error {
			other, err := decodeRequest(k, v)
			if err != nil {
				return nil // an unreadable row cannot be a duplicate; Requests reports it
			}
			if other.ID != rec.ID && other.Group == rec.Group && other.Name == rec.Name {
				return fmt.Errorf("%w: %q in group %q", ErrRequestExists, rec.Name, rec.Group)
			}
			return nil
		}); err != nil {
			return err
		}
		if rec.ID == 0 {
			id, err := b.NextSequence()
			if err != nil {
				return fmt.Errorf("allocate saved request id: %w", err)
			}
			rec.ID = id
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode saved request %q: %w", rec.Name, err)
		}
		if err := b.Put(u64key(rec.ID), v); err != nil {
			return fmt.Errorf("save request %q: %w", rec.Name, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save request: %w", err)
	}
	*r = rec
	return nil
}

// Request returns the saved request with this id, or an error wrapping ErrNotFound.
func (db *DB) Request(id uint64) (SavedRequest, error) {
	var r SavedRequest
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRequests).Get(u64key(id))
		if v == nil {
			return notFound("no saved request %d", id)
		}
		var err error
		r, err = decodeRequest(u64key(id), v)
		return err
	})
	if err != nil {
		return SavedRequest{}, err
	}
	return r, nil
}

// Requests returns every saved request sorted by group, then name (ungrouped first).
func (db *DB) Requests() ([]SavedRequest, error) {
	var list []SavedRequest
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRequests).ForEach(func(k, v []byte) error {
			r, err := decodeRequest(k, v)
			if err != nil {
				return err
			}
			list = append(list, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read saved requests: %w", err)
	}
	slices.SortFunc(list, func(a, b SavedRequest) int {
		if c := strings.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return list, nil
}

// RequestGroups returns the saved requests grouped, groups in name order (ungrouped first).
func (db *DB) RequestGroups() ([]RequestGroup, error) {
	list, err := db.Requests()
	if err != nil {
		return nil, err
	}
	return GroupRequests(list), nil
}

// GroupRequests groups a list sorted as Requests returns it.
func GroupRequests(list []SavedRequest) []RequestGroup {
	var out []RequestGroup
	for _, r := range list {
		if len(out) == 0 || out[len(out)-1].Name != r.Group {
			out = append(out, RequestGroup{Name: r.Group})
		}
		g := &out[len(out)-1]
		g.Requests = append(g.Requests, r)
	}
	return out
}

// DeleteRequest removes a saved request (an error wrapping ErrNotFound when there is none).
func (db *DB) DeleteRequest(id uint64) error {
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRequests)
		if b.Get(u64key(id)) == nil {
			return notFound("no saved request %d", id)
		}
		if err := b.Delete(u64key(id)); err != nil {
			return fmt.Errorf("delete saved request %d: %w", id, err)
		}
		return nil
	})
}

// normalizeRequest trims and checks a request, returning the copy to store.
func normalizeRequest(r SavedRequest) (SavedRequest, error) {
	r.Name = strings.TrimSpace(r.Name)
	r.Group = strings.TrimSpace(r.Group)
	r.Action = strings.TrimSpace(r.Action)
	r.Source = strings.TrimSpace(r.Source)
	switch {
	case r.Name == "":
		return r, errors.New("a saved request needs a name")
	case utf8.RuneCountInString(r.Name) > maxRequestName:
		return r, fmt.Errorf("the saved request's name is longer than %d characters", maxRequestName)
	case utf8.RuneCountInString(r.Group) > maxRequestGroup:
		return r, fmt.Errorf("the saved request's group is longer than %d characters", maxRequestGroup)
	case r.Action == "":
		return r, fmt.Errorf("saved request %q needs an action name", r.Name)
	case utf8.RuneCountInString(r.Action) > maxRequestAction:
		return r, fmt.Errorf("the action name of saved request %q is longer than %d characters", r.Name, maxRequestAction)
	case strings.IndexFunc(r.Action, unicode.IsSpace) >= 0:
		return r, fmt.Errorf("the action name %q of saved request %q contains spaces", r.Action, r.Name)
	case strings.HasPrefix(r.Action, "*"):
		return r, fmt.Errorf("save the action name of %q without UCBI's *: %q", r.Name, strings.TrimPrefix(r.Action, "*"))
	}
	p := bytes.TrimSpace(r.Params)
	if len(p) == 0 {
		p = []byte("{}")
	}
	if len(p) > maxRequestParams {
		return r, fmt.Errorf("the params of saved request %q are larger than %d bytes", r.Name, maxRequestParams)
	}
	if !json.Valid(p) {
		return r, fmt.Errorf("the params of saved request %q are not valid JSON", r.Name)
	}
	if p[0] != '{' {
		return r, fmt.Errorf("the params of saved request %q must be a JSON object {…}", r.Name)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, p); err != nil {
		return r, fmt.Errorf("the params of saved request %q are not valid JSON: %v", r.Name, err)
	}
	r.Params = buf.Bytes()
	return r, nil
}

// decodeRequest decodes a stored request; the copy it returns does not alias v.
func decodeRequest(k, v []byte) (SavedRequest, error) {
	var r SavedRequest
	if err := json.Unmarshal(v, &r); err != nil {
		return SavedRequest{}, fmt.Errorf("saved request %d is unreadable: %v", keyU64(k), err)
	}
	r.ID = keyU64(k)
	return r, nil
}
