// Package store keeps UCBI Console's durable state in one bbolt file, ucbi-console.db, in the
// data directory: message sources (with their tokens), saved contexts, call history, generated
// Ark cards, settings, the cached friend/group lists of each source, the events received from
// open layers (with the durable cursors of their consumers) and the bots of the OneBot hub.
//
// One process owns the file at a time: Open takes bbolt's file lock and gives up after a second
// with ErrInUse. Every value handed out is a copy made inside its transaction, so callers may
// keep and change what they get.
//
// History rows and events, the two streams written on every call and every received event, are
// made durable in an append-only journal beside the file (journal.go): one writer per stream
// syncs everything queued while the previous sync ran in one write and one fdatasync (group
// commit), answers, and bbolt indexes the rows behind it. Reads wait for the index to hold
// every row acknowledged before they started, so nothing appended is ever missing from a read.
//
// Tokens are stored (the sources need them) but never appear in an error returned from here.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrInUse is returned (wrapped with the file's path) when another ucbi-console, or another
// Open in this process, holds the data file's lock.
var ErrInUse = errors.New("data dir in use by another ucbi-console")

// ErrNotFound is returned, wrapped with what was looked for, when a source, context, history
// row or card does not exist. Test with errors.Is.
var ErrNotFound = errors.New("not found")

// errClosed is returned by every call made after Close.
var errClosed = errors.New("the ucbi-console store is closed")

// fileName is the name of the data file inside the data directory.
const fileName = "ucbi-console.db"

// schemaVersion is the layout this build reads and writes. Open refuses a file with a higher
// version: an older build must not scribble over data it does not understand.
const schemaVersion = 1

// Bucket names. All are created by Open, so no method has to cope with a missing bucket.
var (
	bucketMeta     = []byte("meta")
	bucketSources  = []byte("sources")
	bucketContexts = []byte("contexts")
	bucketHistory  = []byte("history")
	bucketCards    = []byte("cards")
	bucketSettings = []byte("settings")
	bucketContacts = []byte("contacts")
	bucketEvents   = []byte("events")
	bucketCursors  = []byte("cursors")
	bucketBots     = []byte("bots")

	allBuckets = [][]byte{bucketMeta, bucketSources, bucketContexts, bucketHistory, bucketCards, bucketSettings,
		bucketContacts, bucketEvents, bucketCursors, bucketBots}
)

// Keys of the meta bucket.
var (
	metaSchema      = []byte("schema")       // decimal schema version
	metaHistoryRows = []byte("history_rows") // 8-byte big-endian count of history rows
)

// appendFillPercent is the fill factor of buckets whose keys only ever grow (history, cards):
// with bbolt's default of 0.5 every page left behind by an append stays half empty.
const appendFillPercent = 0.95

// lockTimeout is how long Open waits for the file lock before reporting ErrInUse.
const lockTimeout = time.Second

// DB is an open data file. All methods are safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	// hist and events are the journals of the two append-only streams (see journal.go).
	hist   *journal
	events *journal
	// eventKeep is how many of the newest events are kept (retention); see SetEventRetention.
	eventKeep atomic.Int64
	// cursorMu guards cursors, the durable positions of event consumers, which the events
	// journal's writer updates in journal order once each SetCursor is durable.
	cursorMu sync.Mutex
	cursors  map[string]uint64

	// srcMu serialises source writes so that the cache is swapped in commit order.
	srcMu sync.Mutex
	// sources is the sorted, immutable list of sources; writers replace it after each commit.
	sources atomic.Pointer[[]core.Source]
}

// Open opens (creating if needed) the data file in dir, indexes whatever a crash left in the
// journals and starts their writers. The directory is created with mode 0700, the file with
// mode 0600 and the journals in dir/journal.
func Open(dir string) (*DB, error) {
	if dir == "" {
		return nil, errors.New("open store: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, fileName)
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s is locked", ErrInUse, path)
		}
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	// The file holds tokens: if an older build or a copy left it readable by others, fix that.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			_ = bdb.Close()
			return nil, fmt.Errorf("restrict permissions of %s: %w", path, err)
		}
	}
	db := &DB{bolt: bdb, path: path}
	db.eventKeep.Store(DefaultEventRetention)
	if err := db.init(); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	if err := db.openJournals(filepath.Join(dir, journalDir)); err != nil {
		if db.hist != nil {
			db.hist.close()
		}
		_ = bdb.Close()
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	return db, nil
}

// init creates the buckets, checks or sets the schema version and loads the source cache.
func (db *DB) init() error {
	var list []core.Source
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %q: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if raw := meta.Get(metaSchema); raw == nil {
			if err := meta.Put(metaSchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
				return fmt.Errorf("write schema version: %w", err)
			}
		} else {
			v, err := strconv.Atoi(string(raw))
			switch {
			case err != nil || v < 1:
				return fmt.Errorf("the schema version %q stored in the file is not valid; the file is damaged or not ucbi-console's", raw)
			case v > schemaVersion:
				return fmt.Errorf("the file has schema version %d but this ucbi-console only understands version %d or older; use a newer ucbi-console", v, schemaVersion)
			}
		}
		if meta.Get(metaHistoryRows) == nil {
			// A file that has no counter yet (only possible if it was made by hand or by a
			// pre-release build) gets one by counting once.
			n := tx.Bucket(bucketHistory).Stats().KeyN
			if err := meta.Put(metaHistoryRows, u64key(uint64(n))); err != nil {
				return fmt.Errorf("write history row count: %w", err)
			}
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

// journalDir is the journals' directory inside the data directory.
const journalDir = "journal"

// openJournals replays and starts the history and event journals.
func (db *DB) openJournals(dir string) error {
	var err error
	db.hist, err = openJournal(db.bolt, dir, journalConfig{
		name: "history", bucket: bucketHistory, seqPrefix: historySeqPrefix, onIndex: indexHistory,
		gather: true,
	})
	if err != nil {
		return err
	}
	db.events, err = openJournal(db.bolt, dir, journalConfig{
		name: "events", bucket: bucketEvents, seqPrefix: eventSeqPrefix, onIndex: db.indexEvents,
		recent: recentEvents,
	})
	if err != nil {
		return err
	}
	return db.loadCursors()
}

// Close makes every history row and event already queued durable and indexed, stops the
// journals and closes the file. Calling it again does nothing and returns the first result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.hist.close()
		db.events.close()
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("close data file %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// Path is the data file's path.
func (db *DB) Path() string { return db.path }

// view runs fn in a read transaction, reporting use after Close clearly.
func (db *DB) view(fn func(tx *bolt.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	err := db.bolt.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// update runs fn in a write transaction, reporting use after Close clearly.
func (db *DB) update(fn func(tx *bolt.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	err := db.bolt.Update(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// notFoundError names what was not found and matches ErrNotFound under errors.Is.
type notFoundError struct{ what string }

func (e *notFoundError) Error() string { return e.what }
func (e *notFoundError) Unwrap() error { return ErrNotFound }

func notFound(format string, args ...any) error {
	return &notFoundError{what: fmt.Sprintf(format, args...)}
}

// u64key is the 8-byte big-endian key of a sequence number, so that byte order is seq order.
func u64key(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// keyU64 decodes a key made by u64key (0 for a malformed key).
func keyU64(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// clampLimit bounds a page size to [1, maxPage].
func clampLimit(limit int) int {
	return min(max(limit, 1), maxPage)
}

// maxPage is the largest page HistoryPage and Cards return.
const maxPage = 1000
