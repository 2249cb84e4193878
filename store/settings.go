package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Setting returns the value stored under key; ok is false when there is none.
func (db *DB) Setting(key string) (value string, ok bool, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSettings).Get([]byte(key))
		if v != nil {
			value, ok = string(v), true // string() copies out of the transaction
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("read setting %q: %w", key, err)
	}
	return value, ok, nil
}

// PutSetting stores value under key (which must not be empty), replacing any previous value.
func (db *DB) PutSetting(key, value string) error {
	if key == "" {
		return errors.New("a setting needs a key")
	}
	err := db.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSettings).Put([]byte(key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	return nil
}
