package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"ucbi-console/core"

	bolt "go.etcd.io/bbolt"
)

// scanChunk is how many rows one read transaction walks before it is closed and a new one
// continues from where it stopped; a read transaction held for long delays the writer when the
// file has to grow (bbolt remaps under a lock that waits for readers).
const scanChunk = 10_000

// maxHistoryScan bounds how many rows one HistoryPage call examines.
const maxHistoryScan = 200_000

// historySeqPrefix is how json.Marshal of a core.HistoryRecord with Seq 0 begins (Seq is its
// first field): the journal splices the real seq in when it indexes the row.
const historySeqPrefix = `{"seq":0`

// AppendHistory stores r as the newest history row. It sets r.Seq (and r.Time when zero) and
// returns once the row is durable on disk. Rows from concurrent callers share one sync (group
// commit). r must not be changed until the call returns; if it fails r.Seq is left at zero.
func (db *DB) AppendHistory(r *core.HistoryRecord) error {
	if r == nil {
		return errors.New("append history: no record given")
	}
	recs := make([]jrec, 1)
	if err := encodeHistory(r, &recs[0]); err != nil {
		return err
	}
	if err := db.hist.append(recs, nil); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	r.Seq = recs[0].seq
	return nil
}

// BulkAppendHistory stores rows in order as the newest history rows, all made durable by one
// sync, and sets each one's Seq (and Time when zero). For importing and filling test stores;
// a row that cannot be encoded fails the whole call before anything is stored.
func (db *DB) BulkAppendHistory(rows []core.HistoryRecord) error {
	recs := make([]jrec, len(rows))
	for i := range rows {
		if err := encodeHistory(&rows[i], &recs[i]); err != nil {
			return err
		}
	}
	if err := db.hist.append(recs, nil); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	for i := range rows {
		rows[i].Seq = recs[i].seq
	}
	return nil
}

// encodeHistory prepares r's journal record. It runs on the caller's goroutine, so concurrent
// callers encode in parallel and the writer only copies bytes.
func encodeHistory(r *core.HistoryRecord, rec *jrec) error {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Seq = 0
	val, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("append history: encode record (action %q): %w", r.Action, err)
	}
	if !bytes.HasPrefix(val, []byte(historySeqPrefix)) {
		return fmt.Errorf("append history: encode record: %w", errBadPayload)
	}
	*rec = jrec{kind: kindData, payload: val}
	return nil
}

// indexHistory keeps the row counter in step with the rows the journal indexes.
func indexHistory(tx *bolt.Tx, recs []jrec) error {
	var n uint64
	for _, r := range recs {
		if r.kind == kindData {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return addHistoryRows(tx, n)
}

// addHistoryRows adds n to the row counter kept in the meta bucket.
func addHistoryRows(tx *bolt.Tx, n uint64) error {
	meta := tx.Bucket(bucketMeta)
	cur := keyU64(meta.Get(metaHistoryRows))
	if err := meta.Put(metaHistoryRows, u64key(cur+n)); err != nil {
		return fmt.Errorf("update history row count: %w", err)
	}
	return nil
}

// historyView is view for history reads: it first waits until the index holds every row
// acknowledged before the call.
func (db *DB) historyView(fn func(tx *bolt.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	if err := db.hist.caughtUp(); err != nil {
		return err
	}
	return db.view(fn)
}

// HistoryFilter selects history rows. Empty fields match everything.
type HistoryFilter struct {
	Origin, Source, Action, Outcome string // exact match
	// Target matches exactly ("group:123"), or as a prefix when it ends with ':' ("group:").
	Target string
	// Text is a case-insensitive substring of Message, Target, Action, Source, Text, MessageID
	// or ErrorCode.
	Text string
}

// Match reports whether r passes the filter.
func (f HistoryFilter) Match(r *core.HistoryRecord) bool {
	if r == nil {
		return false
	}
	return f.compile().match(r)
}

// isZero reports whether the filter selects every row.
func (f HistoryFilter) isZero() bool { return f == HistoryFilter{} }

// matcher is a HistoryFilter prepared for matching many rows.
type matcher struct {
	f      HistoryFilter
	text   folder
	hasTxt bool
	// rawText says the Text query can be looked for in a row's stored JSON: that holds every
	// field's text verbatim except characters JSON escapes, and the query has none of those.
	rawText bool
	// rawFields are byte strings every matching row's stored JSON contains, such as
	// `"action":"send_group_msg"` (json.Marshal writes a field as "name":"value", no spaces).
	rawFields [][]byte
}

func (f HistoryFilter) compile() *matcher {
	m := &matcher{f: f}
	field := func(name, value string, exact bool) {
		if value == "" || !jsonVerbatim(value) {
			return
		}
		needle := `"` + name + `":"` + value
		if exact {
			needle += `"`
		}
		m.rawFields = append(m.rawFields, []byte(needle))
	}
	field("origin", f.Origin, true)
	field("source", f.Source, true)
	field("action", f.Action, true)
	field("outcome", f.Outcome, true)
	field("target", f.Target, !strings.HasSuffix(f.Target, ":"))
	if f.Text != "" {
		m.hasTxt = true
		m.text = newFolder(f.Text)
		m.rawText = jsonVerbatim(f.Text)
	}
	return m
}

// jsonVerbatim reports whether encoding/json writes s inside a string unchanged: it escapes
// control characters, '"', '\\', '<', '>', '&', U+2028 and U+2029, and replaces invalid UTF-8.
func jsonVerbatim(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' ||
			r == '\u2028' || r == '\u2029' || r == utf8.RuneError
	})
}

// preCheck is a cheap test on a row's stored JSON: false means the row cannot match, true
// means it has to be decoded to know.
func (m *matcher) preCheck(raw []byte) bool {
	for _, needle := range m.rawFields {
		if !bytes.Contains(raw, needle) {
			return false
		}
	}
	if m.rawText && len(raw) > 0 {
		// The string shares raw's memory only for the duration of the call.
		return m.text.in(unsafe.String(&raw[0], len(raw)))
	}
	return true
}

func (m *matcher) match(r *core.HistoryRecord) bool {
	f := &m.f
	if (f.Origin != "" && r.Origin != f.Origin) ||
		(f.Source != "" && r.Source != f.Source) ||
		(f.Action != "" && r.Action != f.Action) ||
		(f.Outcome != "" && r.Outcome != f.Outcome) {
		return false
	}
	if f.Target != "" {
		if strings.HasSuffix(f.Target, ":") {
			if !strings.HasPrefix(r.Target, f.Target) {
				return false
			}
		} else if r.Target != f.Target {
			return false
		}
	}
	if m.hasTxt {
		t := &m.text
		return t.in(r.Message) || t.in(r.Target) || t.in(r.Action) || t.in(r.Source) ||
			t.in(r.Text) || t.in(r.MessageID) || t.in(r.ErrorCode)
	}
	return true
}

// folder finds a substring under Unicode simple case folding (the equivalence of
// strings.EqualFold) without allocating.
type folder struct {
	q string
	// leads are the first bytes of the case variants of q's first rune (at most 4 variants
	// exist in Unicode); every match starts with one of them.
	leads  [4]byte
	nLeads int
}

func newFolder(q string) folder {
	f := folder{q: q}
	r0, _ := utf8.DecodeRuneInString(q)
	var buf [utf8.UTFMax]byte
	r := r0
	for {
		utf8.EncodeRune(buf[:], r)
		if f.nLeads < len(f.leads) && !slices.Contains(f.leads[:f.nLeads], buf[0]) {
			f.leads[f.nLeads] = buf[0]
			f.nLeads++
		}
		if r = unicode.SimpleFold(r); r == r0 {
			break
		}
	}
	return f
}

// in reports whether s contains q, ignoring case.
func (f *folder) in(s string) bool {
	if f.q == "" {
		return true
	}
	// next[j] is the position of the next leads[j] at or after pos (len(s) when none):
	// strings.IndexByte jumps between candidates far faster than a byte-by-byte loop.
	var next [4]int
	for j := range f.nLeads {
		next[j] = -1
	}
	for pos := 0; ; {
		i := len(s)
		for j := range f.nLeads {
			if next[j] < pos {
				if k := strings.IndexByte(s[pos:], f.leads[j]); k < 0 {
					next[j] = len(s)
				} else {
					next[j] = pos + k
				}
			}
			i = min(i, next[j])
		}
		if i == len(s) {
			return false
		}
		// A lead byte never occurs inside a UTF-8 sequence, so every candidate is a rune start.
		if hasPrefixFold(s[i:], f.q) {
			return true
		}
		pos = i + 1
	}
}

// hasPrefixFold reports whether s begins with q under simple case folding.
func hasPrefixFold(s, q string) bool {
	for _, qr := range q {
		if s == "" {
			return false
		}
		var sr rune
		var n int
		if s[0] < utf8.RuneSelf {
			sr, n = rune(s[0]), 1
		} else {
			sr, n = utf8.DecodeRuneInString(s)
		}
		if sr != qr && !equalFoldRune(sr, qr) {
			return false
		}
		s = s[n:]
	}
	return true
}

func equalFoldRune(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// HistoryPage returns up to limit rows (clamped to 1..1000) that pass f, newest first, all with
// Seq < before; before == 0 starts at the newest row. To read the next page pass the Seq of the
// last row returned.
//
// With a filter the scan is bounded (see HistoryScan): a filtered page can come back shorter
// than limit, or empty, although older matching rows exist. Callers that page through a
// filter should use HistoryScan, which says where to go on.
func (db *DB) HistoryPage(before uint64, limit int, f HistoryFilter) ([]core.HistoryRecord, error) {
	rows, _, err := db.HistoryScan(before, limit, f)
	return rows, err
}

// HistoryScan is HistoryPage that also returns the cursor to continue from: pass next as
// before to read on; next == 0 means no older rows remain. It examines at most 200,000 rows
// per call, in read transactions of at most 10,000 rows each (so no transaction is held for
// long), which bounds the cost of a rare filter over a large history.
func (db *DB) HistoryScan(before uint64, limit int, f HistoryFilter) ([]core.HistoryRecord, uint64, error) {
	limit = clampLimit(limit)
	m := f.compile()
	out := make([]core.HistoryRecord, 0, min(limit, 128))
	if err := db.historyView(func(*bolt.Tx) error { return nil }); err != nil {
		return nil, 0, fmt.Errorf("read history: %w", err)
	}
	next, err := db.scanNewest(bucketHistory, before, maxHistoryScan, func(seq uint64, v []byte) (bool, error) {
		if !m.preCheck(v) {
			return false, nil
		}
		var r core.HistoryRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, fmt.Errorf("history row %d is unreadable: %v", seq, err)
		}
		r.Seq = seq
		if !m.match(&r) {
			return false, nil
		}
		out = append(out, r)
		return len(out) == limit, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read history: %w", err)
	}
	return out, next, nil
}

// scanNewest calls fn for the rows of a sequence-keyed bucket from the newest with key < before
// (before == 0: the newest) back to the oldest, until fn says stop or maxScan rows were seen.
// v is only valid during the call. It uses one short read transaction per scanChunk rows.
// It returns the key of the last row seen (to continue from), or 0 when the oldest row was
// passed and nothing older remains.
func (db *DB) scanNewest(bucket []byte, before uint64, maxScan int, fn func(seq uint64, v []byte) (stop bool, err error)) (uint64, error) {
	scanned := 0
	for scanned < maxScan {
		more, exhausted := false, false
		err := db.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucket).Cursor()
			var k, v []byte
			if before == 0 {
				k, v = c.Last()
			} else if k, _ = c.Seek(u64key(before)); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			for n := 0; ; k, v = c.Prev() {
				if k == nil {
					exhausted = true
					return nil
				}
				if n == scanChunk || scanned == maxScan {
					more = scanned < maxScan
					return nil
				}
				n++
				scanned++
				seq := keyU64(k)
				before = seq
				stop, err := fn(seq, v)
				if err != nil || stop {
					return err
				}
			}
		})
		if err != nil {
			return 0, err
		}
		if exhausted {
			return 0, nil
		}
		if !more {
			return before, nil
		}
	}
	return before, nil
}

// HistoryGet returns the history row with this seq, or an error wrapping ErrNotFound.
func (db *DB) HistoryGet(seq uint64) (core.HistoryRecord, error) {
	var r core.HistoryRecord
	err := db.historyView(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketHistory).Get(u64key(seq))
		if v == nil {
			return notFound("no history row %d", seq)
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("history row %d is unreadable: %v", seq, err)
		}
		r.Seq = seq
		return nil
	})
	if err != nil {
		return core.HistoryRecord{}, err
	}
	return r, nil
}

// HistoryCount is the number of history rows (a counter kept with the rows, not a scan).
func (db *DB) HistoryCount() (int, error) {
	var n uint64
	err := db.historyView(func(tx *bolt.Tx) error {
		n = keyU64(tx.Bucket(bucketMeta).Get(metaHistoryRows))
		return nil
	})
	return int(n), err
}

// exportChunk is how many rows ExportHistory copies per read transaction; they are written to w
// after the transaction has closed, so a slow w never holds the file.
const exportChunk = 2000

// ExportHistory writes the rows that pass f to w as JSON lines, oldest first, and returns how
// many it wrote. Rows appended after the export started are not included.
func (db *DB) ExportHistory(w io.Writer, f HistoryFilter) (int, error) {
	m := f.compile()
	filtered := !f.isZero()
	bw := bufio.NewWriterSize(w, 64<<10)
	var last, after uint64 // last: newest seq at the start; after: resume point
	if err := db.historyView(func(tx *bolt.Tx) error {
		last = tx.Bucket(bucketHistory).Sequence()
		return nil
	}); err != nil {
		return 0, fmt.Errorf("export history: %w", err)
	}
	written := 0
	var lines [][]byte
	for after < last {
		lines = lines[:0]
		err := db.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketHistory).Cursor()
			k, v := c.Seek(u64key(after + 1))
			for n := 0; ; k, v = c.Next() {
				if k == nil || keyU64(k) > last {
					after = last // reached the end of what there was when the export started
					return nil
				}
				if n == scanChunk || len(lines) == exportChunk {
					return nil // continue after `after` in a new transaction
				}
				n++
				seq := keyU64(k)
				after = seq
				if filtered {
					if !m.preCheck(v) {
						continue
					}
					var r core.HistoryRecord
					if err := json.Unmarshal(v, &r); err != nil {
						return fmt.Errorf("history row %d is unreadable: %v", seq, err)
					}
					r.Seq = seq
					if !m.match(&r) {
						continue
					}
				}
				// The stored value is json.Marshal output: compact, on one line, seq included.
				line := make([]byte, len(v)+1)
				copy(line, v)
				line[len(v)] = '\n'
				lines = append(lines, line)
			}
		})
		if err != nil {
			return written, fmt.Errorf("export history: %w", err)
		}
		for _, l := range lines {
			if _, err := bw.Write(l); err != nil {
				return written, fmt.Errorf("export history: write: %w", err)
			}
			written++
		}
	}
	if err := bw.Flush(); err != nil {
		return written, fmt.Errorf("export history: write: %w", err)
	}
	return written, nil
}

// HistoryCommits is how many journal syncs (group commits) the history writer has made since
// Open: with the number of rows appended it shows how many rows share each sync.
func (db *DB) HistoryCommits() uint64 { return db.hist.commits.Load() }
