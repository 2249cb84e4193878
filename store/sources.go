package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// Sources returns every message source, sorted by ID. It is served from memory (the dispatcher
// calls it on every request) and returns a fresh copy each time.
func (db *DB) Sources() ([]core.Source, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	return slices.Clone(*db.sources.Load()), nil
}

// Source returns the source with this id, or an error wrapping ErrNotFound.
func (db *DB) Source(id string) (core.Source, error) {
	if db.closed.Load() {
		return core.Source{}, errClosed
	}
	list := *db.sources.Load()
	i, ok := slices.BinarySearchFunc(list, id, func(s core.Source, id string) int { return strings.Compare(s.ID, id) })
	if !ok {
		return core.Source{}, notFound("no message source %q", id)
	}
	return list[i], nil
}

// PutSource adds or replaces the source with s.ID. When s.Default is set every other source
// loses its Default flag in the same transaction; nothing else is changed on the caller's behalf.
func (db *DB) PutSource(s core.Source) error {
	if err := validateSource(s); err != nil {
		return err
	}
	val, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode message source %q: %w", s.ID, err)
	}
	return db.writeSources(func(b *bolt.Bucket) error {
		if s.Default {
			if err := clearDefaults(b, s.ID); err != nil {
				return err
			}
		}
		if err := b.Put([]byte(s.ID), val); err != nil {
			return fmt.Errorf("save message source %q: %w", s.ID, err)
		}
		return nil
	})
}

// DeleteSource removes the source with this id (error wrapping ErrNotFound when there is none)
// together with its cached friend and group lists, which belong to that account only.
func (db *DB) DeleteSource(id string) error {
	return db.writeSources(func(b *bolt.Bucket) error {
		if b.Get([]byte(id)) == nil {
			return notFound("no message source %q", id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return fmt.Errorf("delete message source %q: %w", id, err)
		}
		return deleteContactsOf(b.Tx(), id)
	})
}

// writeSources runs fn on the sources bucket in a write transaction and, once it has committed,
// replaces the in-memory list with what the transaction left in the bucket.
func (db *DB) writeSources(fn func(b *bolt.Bucket) error) error {
	db.srcMu.Lock()
	defer db.srcMu.Unlock()
	var list []core.Source
	err := db.update(func(tx *bolt.Tx) error {
		if err := fn(tx.Bucket(bucketSources)); err != nil {
			return err
		}
		var err error
		list, err = readSources(tx)
		return err
	})
	if err != nil {
		return err
	}
	db.sources.Store(&list)
	return nil
}

// clearDefaults removes the Default flag from every source but keep.
func clearDefaults(b *bolt.Bucket, keep string) error {
	type change struct {
		key []byte
		val []byte
	}
	var changes []change // a bucket must not be written while a cursor walks it
	err := b.ForEach(func(k, v []byte) error {
		if string(k) == keep {
			return nil
		}
		var s core.Source
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("stored message source %q is unreadable: %v", k, err)
		}
		if !s.Default {
			return nil
		}
		s.Default = false
		nv, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encode message source %q: %w", s.ID, err)
		}
		changes = append(changes, change{key: slices.Clone(k), val: nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := b.Put(c.key, c.val); err != nil {
			return fmt.Errorf("clear default of message source %q: %w", c.key, err)
		}
	}
	return nil
}

// readSources decodes the sources bucket, in key (= ID) order.
func readSources(tx *bolt.Tx) ([]core.Source, error) {
	b := tx.Bucket(bucketSources)
	list := make([]core.Source, 0, b.Stats().KeyN)
	err := b.ForEach(func(k, v []byte) error {
		var s core.Source
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("stored message source %q is unreadable: %v", k, err)
		}
		s.ID = string(k) // the key is authoritative
		list = append(list, s)
		return nil
	})
	return list, err
}

// validateSource checks what every source must have (core.ValidateSource: one rule set for the
// store, the CLI and the GUI). Its messages never include the token or URL.
func validateSource(s core.Source) error { return core.ValidateSource(s) }
