package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// AppendCard stores c as the newest generated card and sets c.ID (and c.Time when zero).
// c.ArkJSON is stored as a JSON string and comes back byte-for-byte; since a JSON string can only
// carry valid UTF-8, an ArkJSON that is not valid UTF-8 is refused rather than altered.
func (db *DB) AppendCard(c *core.CardRecord) error {
	if c == nil {
		return errors.New("append card: no record given")
	}
	if !utf8.ValidString(c.ArkJSON) {
		return errors.New("append card: the card's ark JSON is not valid UTF-8 and cannot be stored unchanged")
	}
	if c.Time.IsZero() {
		c.Time = time.Now()
	}
	rec := *c
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCards)
		b.FillPercent = appendFillPercent
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("allocate card id: %w", err)
		}
		rec.ID = id
		v, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode card: %w", err)
		}
		if err := b.Put(u64key(id), v); err != nil {
			return fmt.Errorf("write card %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append card: %w", err)
	}
	c.ID = rec.ID
	return nil
}

// Cards returns up to limit cards (clamped to 1..1000), newest first, all with ID < before;
// before == 0 starts at the newest.
func (db *DB) Cards(before uint64, limit int) ([]core.CardRecord, error) {
	limit = clampLimit(limit)
	out := make([]core.CardRecord, 0, min(limit, 128))
	_, err := db.scanNewest(bucketCards, before, limit, func(id uint64, v []byte) (bool, error) {
		c, err := decodeCard(id, v)
		if err != nil {
			return false, err
		}
		out = append(out, c)
		return len(out) == limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read cards: %w", err)
	}
	return out, nil
}

// Card returns the card with this id, or an error wrapping ErrNotFound.
func (db *DB) Card(id uint64) (core.CardRecord, error) {
	var c core.CardRecord
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCards).Get(u64key(id))
		if v == nil {
			return notFound("no card %d", id)
		}
		var err error
		c, err = decodeCard(id, v)
		return err
	})
	if err != nil {
		return core.CardRecord{}, err
	}
	return c, nil
}

func decodeCard(id uint64, v []byte) (core.CardRecord, error) {
	var c core.CardRecord
	if err := json.Unmarshal(v, &c); err != nil {
		return core.CardRecord{}, fmt.Errorf("card %d is unreadable: %v", id, err)
	}
	c.ID = id
	return c, nil
}
