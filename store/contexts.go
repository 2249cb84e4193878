package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// NamedContext is a context the operator saved under a name.
type NamedContext struct {
	Name    string       `json:"name"`
	Context core.Context `json:"context"`
	Created time.Time    `json:"created"`
	Used    time.Time    `json:"used,omitempty"`
}

// Contexts returns the saved contexts sorted by name.
func (db *DB) Contexts() ([]NamedContext, error) {
	var list []NamedContext
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContexts).ForEach(func(k, v []byte) error {
			nc, err := decodeContext(k, v)
			if err != nil {
				return err
			}
			list = append(list, nc)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// PutContext saves c under name (trimmed; must not be empty), replacing any context of that
// name. A replaced context keeps its Created and Used times.
func (db *DB) PutContext(name string, c core.Context) error {
	name, err := contextName(name)
	if err != nil {
		return err
	}
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContexts)
		nc := NamedContext{Name: name, Context: c, Created: time.Now()}
		if v := b.Get([]byte(name)); v != nil {
			if old, err := decodeContext([]byte(name), v); err == nil {
				nc.Created, nc.Used = old.Created, old.Used
			}
		}
		return putContext(b, nc)
	})
}

// RenameContext renames a saved context. It fails (wrapping ErrNotFound) when oldName does not
// exist and refuses when a context named newName already does.
func (db *DB) RenameContext(oldName, newName string) error {
	oldName = strings.TrimSpace(oldName)
	newName, err := contextName(newName)
	if err != nil {
		return err
	}
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContexts)
		v := b.Get([]byte(oldName))
		if v == nil {
			return notFound("no saved context %q", oldName)
		}
		if oldName == newName {
			return nil
		}
		if b.Get([]byte(newName)) != nil {
			return fmt.Errorf("cannot rename saved context %q: a context named %q already exists", oldName, newName)
		}
		nc, err := decodeContext([]byte(oldName), v)
		if err != nil {
			return err
		}
		nc.Name = newName
		if err := b.Delete([]byte(oldName)); err != nil {
			return fmt.Errorf("rename saved context %q: %w", oldName, err)
		}
		return putContext(b, nc)
	})
}

// DeleteContext removes a saved context (error wrapping ErrNotFound when there is none).
func (db *DB) DeleteContext(name string) error {
	name = strings.TrimSpace(name)
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContexts)
		if b.Get([]byte(name)) == nil {
			return notFound("no saved context %q", name)
		}
		if err := b.Delete([]byte(name)); err != nil {
			return fmt.Errorf("delete saved context %q: %w", name, err)
		}
		return nil
	})
}

// TouchContext records that a saved context was just used (for the "recent" list).
func (db *DB) TouchContext(name string) error {
	name = strings.TrimSpace(name)
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContexts)
		v := b.Get([]byte(name))
		if v == nil {
			return notFound("no saved context %q", name)
		}
		nc, err := decodeContext([]byte(name), v)
		if err != nil {
			return err
		}
		nc.Used = time.Now()
		return putContext(b, nc)
	})
}

func contextName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("a saved context needs a name")
	}
	return name, nil
}

func putContext(b *bolt.Bucket, nc NamedContext) error {
	v, err := json.Marshal(nc)
	if err != nil {
		return fmt.Errorf("encode saved context %q: %w", nc.Name, err)
	}
	if err := b.Put([]byte(nc.Name), v); err != nil {
		return fmt.Errorf("save context %q: %w", nc.Name, err)
	}
	return nil
}

// decodeContext decodes a stored context; the copy it returns does not alias v.
func decodeContext(k, v []byte) (NamedContext, error) {
	var nc NamedContext
	if err := json.Unmarshal(v, &nc); err != nil {
		return NamedContext{}, fmt.Errorf("saved context %q is unreadable: %v", k, err)
	}
	nc.Name = string(k)
	return nc, nil
}
