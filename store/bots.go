package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// maxBotID bounds a bot's id.
const maxBotID = 64

// validateBot checks a bot before it is stored; errors name the field and never hold a token.
func validateBot(b core.Bot) error {
	switch {
	case strings.TrimSpace(b.ID) == "":
		return errors.New("a bot needs an id")
	case len(b.ID) > maxBotID:
		return fmt.Errorf("a bot's id is at most %d bytes", maxBotID)
	case strings.ContainsFunc(b.ID, func(r rune) bool { return unicode.IsControl(r) || r == '\uFFFD' }):
		return errors.New("a bot's id must be printable text")
	}
	var schemes []string
	switch b.Mode {
	case core.BotWS:
		if b.URL == "" {
			return nil // the bot dials us: it needs no URL
		}
		schemes = []string{"ws", "wss"}
	case core.BotWSReverse:
		schemes = []string{"ws", "wss"}
	case core.BotHTTPPost:
		schemes = []string{"http", "https"}
	default:
		return fmt.Errorf("bot %q: mode %q is not one of %s, %s, %s", b.ID, b.Mode, core.BotWS, core.BotWSReverse, core.BotHTTPPost)
	}
	if b.URL == "" {
		return fmt.Errorf("bot %q: mode %s needs a url", b.ID, b.Mode)
	}
	u, err := url.Parse(b.URL)
	if err != nil || u.Host == "" || !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("bot %q: the url must be an absolute %s:// URL with a host", b.ID, strings.Join(schemes, ":// or "))
	}
	if u.User != nil {
		return fmt.Errorf("bot %q: put credentials in the token, not in the url", b.ID)
	}
	return nil
}

// Bots returns every bot of the OneBot hub, sorted by id.
func (db *DB) Bots() ([]core.Bot, error) {
	var out []core.Bot
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBots).ForEach(func(k, v []byte) error {
			var b core.Bot
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("bot %q is unreadable: %v", k, err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read bots: %w", err)
	}
	return out, nil // bbolt iterates in key order: sorted by id
}

// PutBot adds b or replaces the bot with its id, after checking it (see validateBot).
func (db *DB) PutBot(b core.Bot) error {
	if err := validateBot(b); err != nil {
		return err
	}
	v, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("save bot %q: %w", b.ID, err)
	}
	if err := db.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBots).Put([]byte(b.ID), v) }); err != nil {
		return fmt.Errorf("save bot %q: %w", b.ID, err)
	}
	return nil
}

// DeleteBot removes the bot with this id, or returns an error wrapping ErrNotFound.
func (db *DB) DeleteBot(id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBots)
		if b.Get([]byte(id)) == nil {
			return notFound("no bot %q", id)
		}
		return b.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete bot: %w", err)
	}
	return nil
}
