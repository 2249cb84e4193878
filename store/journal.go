package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The journal is how history rows and events become durable cheaply.
//
// A bbolt commit costs two fdatasync calls and rewrites every page it touches, so committing
// each burst of rows to bbolt before answering made the store a quarter of the console's CPU.
// Instead an append goes to an append-only journal file: one writer goroutine takes every
// record queued while the previous batch was being synced, writes them in one write and syncs
// once (fdatasync), and only then answers the callers. The journal is
// the durable record; bbolt is an index built behind it by a second goroutine, in transactions
// as full as the backlog makes them. Readers wait until the index has caught up with every
// record acknowledged before they asked, so what was appended is always found.
//
// Files: <data dir>/journal/<name>-<segment number, 16 hex digits>.wal. A segment is
// preallocated (segmentSize bytes); when a batch does not fit, the writer starts the next one.
// A segment is deleted once the index holds all of its records (and on a clean Close all are).
//
// Record frame, little endian: length u32 (of what follows the CRC), CRC-32C u32 (of what
// follows the CRC), kind u8, seq u64, payload. A length of zero is the preallocated end. On
// Open every segment left behind is read back: a record whose length runs past the file, whose
// CRC fails, or whose seq is not the next one is a torn tail (a write the crash cut short,
// never acknowledged) and ends the replay. Records the index does not hold yet are indexed,
// then the segments are deleted and a fresh one started — a torn tail is never written after.

// Record kinds.
const (
	kindData   byte = 1 // a row of the journal's bucket: it gets the next seq
	kindCursor byte = 2 // an event cursor: payload = name; seq holds the position
)

const (
	frameHeader  = 4 + 4     // length, CRC
	recordHeader = 1 + 8     // kind, seq
	maxRecord    = 256 << 20 // a longer length field is a torn or foreign frame
	// defaultSegmentSize is the size after which the writer starts a new segment.
	defaultSegmentSize = 64 << 20
	// zeroAhead is how far past the write position a segment is filled with zeros.
	zeroAhead = 1 << 20
	// maxJournalBatch caps the records one sync covers, so the first callers of a huge burst
	// do not wait for all of it to be written.
	maxJournalBatch = 4096
	// gatherRounds bounds how often a gathering writer lets other goroutines run before a sync.
	gatherRounds = 4
	// maxIndexBatch caps the records one index transaction holds.
	maxIndexBatch = 20_000
	// journalQueue is how many appends may wait for the writer before an append blocks.
	journalQueue = 1024
	// indexLinger is how long the indexer gathers records before it commits them, unless a
	// reader is waiting for them: every bbolt commit costs two syncs and page rewrites, so
	// under load fewer, fuller index commits are much cheaper. The journal already made the
	// records durable; only reads wait for the index, and they hurry it (consumers following
	// the stream read the in-memory recent events and never wait). Each commit also maps
	// into the process the right-edge pages the previous one wrote (bbolt reads through its
	// mmap): at 50 ms a 1,000 events/s flood grew the app's RSS by 32 MB of such pages over
	// 100,000 events, at 500 ms by 4 MB (bench --only inbox).
	indexLinger = 500 * time.Millisecond
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// jrec is one journal record.
type jrec struct {
	kind    byte
	seq     uint64
	payload []byte
}

// journalReq is one append waiting for the writer.
type journalReq struct {
	recs []jrec
	// onDurable, when set, runs on the writer goroutine once the records are durable, before
	// the caller is answered (in journal order).
	onDurable func()
	done      chan error // buffered; receives exactly one result
}

// idxItem is what the writer hands the indexer: durable records, or a segment to delete once
// everything handed over before it is indexed.
type idxItem struct {
	recs    []jrec
	retired string // path of a finished segment
}

// journalConfig says what a journal is for.
type journalConfig struct {
	name   string // file prefix and the noun in errors: "history", "events"
	bucket []byte // where kindData records are indexed, keyed by u64key(seq)
	// seqPrefix is how every kindData payload begins: the record's JSON with its seq field
	// first and zero ({"seq":0). The index stores it with the real seq spliced in.
	seqPrefix string
	// onIndex, when set, runs inside every index transaction after the data records are put:
	// counters, cursors, retention.
	onIndex func(tx *bolt.Tx, recs []jrec) error
	recent  int // how many newest durable data records to keep in memory (0: none)
	// gather: the writer lets runnable goroutines add their appends before each sync (see
	// writer); for appends that come one per caller, each holding its caller (history).
	gather      bool
	segmentSize int64 // 0: defaultSegmentSize
}

// journal is one append-only log with its writer and indexer goroutines.
type journal struct {
	cfg  journalConfig
	dir  string
	bolt *bolt.DB

	closeMu sync.RWMutex // orders appends against close, like DB.closeMu
	closed  atomic.Bool
	reqCh   chan *journalReq
	stop    chan struct{}
	idxCh   chan idxItem
	wDone   chan struct{}
	iDone   chan struct{}

	// writer state
	seg     *os.File
	segPath string
	segNo   uint64
	segOff  int64
	filled  int64 // the segment holds zeros (or records) up to here
	zeros   []byte
	nextSeq uint64
	broken  error // a failed write or sync: the journal refuses appends from then on
	buf     []byte

	durable atomic.Uint64 // newest seq synced to the journal
	indexed atomic.Uint64 // newest seq committed to the index

	idxMu     sync.Mutex
	idxNotify chan struct{} // closed and replaced after every index commit
	hurry     chan struct{} // a reader waits for the index: commit now (capacity 1)
	idxErr    error         // a failed index transaction: readers report it

	recentMu sync.Mutex
	ring     []jrec // newest durable data records: a circle of cfg.recent slots (allocated on first use)
	ringHead int    // the oldest record's slot
	ringLen  int    // how many slots hold records
	ringSize int    // the circle's size: cfg.recent unless keepRecent changed it

	commits    atomic.Uint64 // journal syncs (group commits)
	commitHook func()        // tests: runs before every sync
}

func segmentName(name string, no uint64) string { return fmt.Sprintf("%s-%016x.wal", name, no) }

// openJournal replays what a previous run left in dir into the index, removes it and starts a
// fresh segment, then starts the writer and indexer.
func openJournal(bdb *bolt.DB, dir string, cfg journalConfig) (*journal, error) {
	if cfg.segmentSize <= 0 {
		cfg.segmentSize = defaultSegmentSize
	}
	j := &journal{cfg: cfg, dir: dir, bolt: bdb, ringSize: cfg.recent,
		reqCh: make(chan *journalReq, journalQueue), stop: make(chan struct{}),
		idxCh: make(chan idxItem, 256), wDone: make(chan struct{}), iDone: make(chan struct{}),
		idxNotify: make(chan struct{}), hurry: make(chan struct{}, 1)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	last, err := j.replay()
	if err != nil {
		return nil, err
	}
	j.nextSeq = last + 1
	j.durable.Store(last)
	j.indexed.Store(last)
	if err := j.newSegment(); err != nil {
		return nil, err
	}
	go j.writer()
	go j.indexer()
	return j, nil
}

// replay indexes the records of segments left behind (after a crash) and removes the segments.
// It returns the newest seq there is.
func (j *journal) replay() (uint64, error) {
	var watermark uint64
	if err := j.bolt.View(func(tx *bolt.Tx) error {
		watermark = tx.Bucket(j.cfg.bucket).Sequence()
		return nil
	}); err != nil {
		return 0, err
	}
	paths, maxNo, err := j.segments()
	if err != nil {
		return 0, err
	}
	j.segNo = maxNo
	last := watermark
	var pending []jrec
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := j.bolt.Update(func(tx *bolt.Tx) error { return j.index(tx, pending) })
		pending = pending[:0]
		return err
	}
	prev := uint64(0) // seq of the previous data record read (0: none yet)
	torn := false
	for _, p := range paths {
		if torn {
			break
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return 0, fmt.Errorf("read %s journal %s: %w", j.cfg.name, p, err)
		}
		for off := 0; ; {
			r, n, ok := decodeFrame(b[off:])
			if !ok {
				// The end of what was written (a zero length), or a torn tail.
				torn = n < 0
				break
			}
			off += n
			if r.kind == kindData {
				if prev != 0 && r.seq != prev+1 {
					torn = true // a stale frame behind a tear: not part of this run's record
					break
				}
				prev = r.seq
				if r.seq <= watermark {
					continue // already indexed before the crash
				}
				last = r.seq
			}
			pending = append(pending, r)
			if len(pending) >= maxIndexBatch {
				if err := flush(); err != nil {
					return 0, fmt.Errorf("re-index %s journal: %w", j.cfg.name, err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return 0, fmt.Errorf("re-index %s journal: %w", j.cfg.name, err)
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil {
			return 0, fmt.Errorf("remove replayed journal %s: %w", p, err)
		}
	}
	if len(paths) > 0 {
		syncDir(j.dir)
	}
	return last, nil
}

// segments lists this journal's segment files, oldest first, and the highest segment number.
func (j *journal) segments() ([]string, uint64, error) {
	ents, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("list journal directory: %w", err)
	}
	type seg struct {
		no   uint64
		path string
	}
	var segs []seg
	prefix := j.cfg.name + "-"
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, ".wal") {
			continue
		}
		no, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(n, prefix), ".wal"), 16, 64)
		if err != nil {
			continue
		}
		segs = append(segs, seg{no, filepath.Join(j.dir, n)})
	}
	slices.SortFunc(segs, func(a, b seg) int { return cmpU64(a.no, b.no) })
	var paths []string
	var maxNo uint64
	for _, s := range segs {
		paths = append(paths, s.path)
		maxNo = s.no
	}
	return paths, maxNo, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decodeFrame reads one record from the front of b. n is its size; ok false with n == 0 is a
// clean end (zero length or nothing left), with n < 0 a torn frame.
func decodeFrame(b []byte) (r jrec, n int, ok bool) {
	if len(b) < frameHeader {
		if len(b) > 0 && !allZero(b) {
			return r, -1, false
		}
		return r, 0, false
	}
	length := binary.LittleEndian.Uint32(b)
	if length == 0 {
		return r, 0, false
	}
	if length < recordHeader || length > maxRecord || int(length) > len(b)-frameHeader {
		return r, -1, false
	}
	body := b[frameHeader : frameHeader+int(length)]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[4:]) {
		return r, -1, false
	}
	r = jrec{kind: body[0], seq: binary.LittleEndian.Uint64(body[1:]), payload: body[recordHeader:]}
	if r.kind != kindData && r.kind != kindCursor {
		return jrec{}, -1, false
	}
	return r, frameHeader + int(length), true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// appendFrame appends r's frame to buf.
func appendFrame(buf []byte, r jrec) []byte {
	start := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(recordHeader+len(r.payload)))
	buf = binary.LittleEndian.AppendUint32(buf, 0) // CRC, filled below
	buf = append(buf, r.kind)
	buf = binary.LittleEndian.AppendUint64(buf, r.seq)
	buf = append(buf, r.payload...)
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(buf[start+frameHeader:], crcTable))
	return buf
}

// newSegment starts the next segment file and makes its name durable.
func (j *journal) newSegment() error {
	j.segNo++
	path := filepath.Join(j.dir, segmentName(j.cfg.name, j.segNo))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s journal: %w", j.cfg.name, err)
	}
	syncDir(j.dir)
	j.seg, j.segPath, j.segOff, j.filled = f, path, 0, 0
	return nil
}

// syncDir makes a directory's entries (a new or removed file) durable; best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// append queues records and returns once they are durable (or failed). Data records get their
// seq set in recs.
func (j *journal) append(recs []jrec, onDurable func()) error {
	req := &journalReq{recs: recs, onDurable: onDurable, done: make(chan error, 1)}
	j.closeMu.RLock()
	if j.closed.Load() {
		j.closeMu.RUnlock()
		return errClosed
	}
	j.reqCh <- req // the writer runs until close holds closeMu, so this cannot block forever
	j.closeMu.RUnlock()
	return <-req.done
}

// writer is the only goroutine that writes the journal.
func (j *journal) writer() {
	defer close(j.wDone)
	defer close(j.idxCh)
	batch := make([]*journalReq, 0, 64)
	for {
		stopping := false
		select {
		case req := <-j.reqCh:
			batch = append(batch, req)
		case <-j.stop:
			stopping = true
		}
		n := 0
		for _, r := range batch {
			n += len(r.recs)
		}
		// take adds every append already queued to the batch (up to the cap) and says how many.
		take := func() int {
			took := 0
			for n < maxJournalBatch {
				select {
				case req := <-j.reqCh:
					batch = append(batch, req)
					n += len(req.recs)
					took++
				default:
					return took
				}
			}
			return took
		}
		take()
		// gather: before the sync, let the goroutines that can run now run first, for as long
		// as they keep adding appends (a few rounds at most). A sync costs the same for one row as
		// for many (here a context switch or more besides the disk's flush), and the rows of calls
		// whose answers are already in would otherwise each wait for a sync of their own. No
		// timer: when nothing else is runnable, Gosched returns at once and the sync starts.
		for round := 0; j.cfg.gather && len(batch) > 0 && round < gatherRounds && n < maxJournalBatch; round++ {
			runtime.Gosched()
			if take() == 0 {
				break
			}
		}
		if len(batch) > 0 {
			j.commit(batch)
			clear(batch)
			batch = batch[:0]
		}
		if stopping && len(j.reqCh) == 0 {
			if j.seg != nil {
				_ = j.seg.Close()
				if j.broken == nil {
					j.idxCh <- idxItem{retired: j.segPath}
				}
			}
			return
		}
	}
}

// commit writes one batch with one write and one sync, answers its callers and hands the
// records to the indexer.
func (j *journal) commit(batch []*journalReq) {
	if j.broken != nil {
		for _, req := range batch {
			req.done <- j.broken
		}
		return
	}
	buf := j.buf[:0]
	var recs []jrec
	seq := j.nextSeq
	for _, req := range batch {
		for i := range req.recs {
			r := &req.recs[i]
			if r.kind == kindData {
				r.seq = seq
				seq++
			}
			buf = appendFrame(buf, *r)
			recs = append(recs, *r)
		}
	}
	err := j.write(buf)
	if cap(buf) <= 4<<20 {
		j.buf = buf
	}
	if err != nil {
		// Whether the failed write reached the disk is unknown (and after a failed fsync the
		// kernel may have dropped the pages): refuse everything from here on rather than risk
		// acknowledging a row twice or on top of a hole. The next Open replays what is there.
		j.broken = fmt.Errorf("%s journal: %w", j.cfg.name, err)
		for _, req := range batch {
			for i := range req.recs {
				req.recs[i].seq = 0
			}
			req.done <- j.broken
		}
		return
	}
	j.nextSeq = seq
	j.commits.Add(1)
	j.durable.Store(seq - 1)
	if j.cfg.recent > 0 {
		j.remember(recs)
	}
	for _, req := range batch {
		if req.onDurable != nil {
			req.onDurable()
		}
		req.done <- nil
	}
	j.idxCh <- idxItem{recs: recs}
}

// write puts buf at the end of the current segment (starting the next one when it does not
// fit) and syncs it.
func (j *journal) write(buf []byte) error {
	if j.segOff > 0 && j.segOff+int64(len(buf)) > j.cfg.segmentSize {
		if err := j.seg.Close(); err != nil {
			return err
		}
		j.idxCh <- idxItem{retired: j.segPath}
		j.seg = nil
		if err := j.newSegment(); err != nil {
			return err
		}
	}
	if end := j.segOff + int64(len(buf)); end > j.filled {
		// Zeros ahead of the records, made durable by this batch's sync: the syncs of the
		// batches that follow only overwrite blocks the file already has.
		grow := max(zeroAhead, end-j.filled)
		if j.zeros == nil {
			j.zeros = make([]byte, zeroAhead)
		}
		for off := j.filled; off < j.filled+grow; off += zeroAhead {
			if _, err := j.seg.WriteAt(j.zeros[:min(zeroAhead, j.filled+grow-off)], off); err != nil {
				return err
			}
		}
		j.filled += grow
	}
	if _, err := j.seg.WriteAt(buf, j.segOff); err != nil {
		return err
	}
	j.segOff += int64(len(buf))
	if j.commitHook != nil {
		j.commitHook()
	}
	return datasync(j.seg)
}

// remember keeps the newest durable data records in memory for readers that follow the tail.
// A circle of fixed size: the oldest slot is overwritten, so memory holds exactly cfg.recent
// records (a slice trimmed from the front kept up to twice that reachable).
func (j *journal) remember(recs []jrec) {
	j.recentMu.Lock()
	defer j.recentMu.Unlock()
	for _, r := range recs {
		if r.kind != kindData {
			continue
		}
		if j.ring == nil {
			j.ring = make([]jrec, max(j.ringSize, 1))
		}
		j.ring[(j.ringHead+j.ringLen)%len(j.ring)] = r
		if j.ringLen < len(j.ring) {
			j.ringLen++
		} else {
			j.ringHead = (j.ringHead + 1) % len(j.ring)
		}
	}
}

// keepRecent resizes the in-memory tail to n records (at least 1), keeping the newest.
func (j *journal) keepRecent(n int) {
	n = max(n, 1)
	j.recentMu.Lock()
	defer j.recentMu.Unlock()
	j.ringSize = n
	if j.ring == nil {
		return
	}
	keep := min(n, j.ringLen)
	ring := make([]jrec, n)
	for k := range keep {
		ring[k] = j.ring[(j.ringHead+j.ringLen-keep+k)%len(j.ring)]
	}
	j.ring, j.ringHead, j.ringLen = ring, 0, keep
}

// recentAfter returns up to limit durable data records with seq > after from memory, oldest
// first. ok is false when memory does not reach back to after+1 (read the index instead).
func (j *journal) recentAfter(after uint64, limit int) (recs []jrec, ok bool) {
	if after == math.MaxUint64 {
		return nil, true // nothing is newer (after+1 would wrap to 0)
	}
	j.recentMu.Lock()
	defer j.recentMu.Unlock()
	if j.ringLen == 0 {
		return nil, after >= j.durable.Load()
	}
	first := j.ring[j.ringHead].seq
	if after+1 < first {
		return nil, false
	}
	// Compared as uint64: a huge after would turn negative as an int and panic the slice.
	off := after + 1 - first
	if off >= uint64(j.ringLen) {
		return nil, true
	}
	i := int(off)
	end := min(j.ringLen, i+limit)
	recs = make([]jrec, 0, end-i)
	for k := i; k < end; k++ {
		recs = append(recs, j.ring[(j.ringHead+k)%len(j.ring)])
	}
	return recs, true
}

// indexer commits durable records into bbolt, as many per transaction as are waiting.
func (j *journal) indexer() {
	defer close(j.iDone)
	var recs []jrec
	var retired []string
	for {
		item, ok := <-j.idxCh
		if !ok {
			return
		}
		recs, retired = recs[:0], retired[:0]
		add := func(it idxItem) {
			recs = append(recs, it.recs...)
			if it.retired != "" {
				retired = append(retired, it.retired)
			}
		}
		add(item)
		linger := time.NewTimer(indexLinger)
	gather:
		for len(recs) < maxIndexBatch {
			select {
			case it, ok := <-j.idxCh:
				if !ok {
					break gather // closing: commit what there is
				}
				add(it)
			case <-linger.C:
				break gather
			case <-j.hurry:
				// A reader waits: take what is already queued and commit.
				for len(recs) < maxIndexBatch {
					select {
					case it, ok := <-j.idxCh:
						if !ok {
							break gather
						}
						add(it)
						continue
					default:
					}
					break gather
				}
			}
		}
		linger.Stop()
		j.idxMu.Lock()
		failed := j.idxErr != nil
		j.idxMu.Unlock()
		if failed {
			continue // keep the writer flowing; the journal keeps the records for the next Open
		}
		var last uint64
		for _, r := range recs {
			if r.kind == kindData {
				last = r.seq
			}
		}
		var err error
		if len(recs) > 0 {
			err = j.bolt.Update(func(tx *bolt.Tx) error { return j.index(tx, recs) })
		}
		j.idxMu.Lock()
		if err != nil {
			j.idxErr = fmt.Errorf("index %s: %w", j.cfg.name, err)
		} else if last > 0 {
			j.indexed.Store(last)
		}
		close(j.idxNotify)
		j.idxNotify = make(chan struct{})
		j.idxMu.Unlock()
		if err == nil {
			for _, p := range retired {
				_ = os.Remove(p)
			}
		}
		clear(recs)
	}
}

// index puts records into bbolt inside tx: data rows under their seq, then the owner's part.
func (j *journal) index(tx *bolt.Tx, recs []jrec) error {
	b := tx.Bucket(j.cfg.bucket)
	b.FillPercent = appendFillPercent
	var last uint64
	for _, r := range recs {
		if r.kind != kindData {
			continue
		}
		// bbolt keeps a reference to the value until commit: each needs its own memory, spliced
		// into once (a seq adds at most 20 digits to the zero). One slab for the transaction
		// was slower: a fresh large allocation page-faults in.
		val := withSeq(make([]byte, 0, len(r.payload)+20), r.payload, len(j.cfg.seqPrefix), r.seq)
		if err := b.Put(u64key(r.seq), val); err != nil {
			return fmt.Errorf("write %s row %d: %w", j.cfg.name, r.seq, err)
		}
		last = r.seq
	}
	if last > b.Sequence() {
		if err := b.SetSequence(last); err != nil {
			return err
		}
	}
	if j.cfg.onIndex != nil {
		return j.cfg.onIndex(tx, recs)
	}
	return nil
}

// withSeq appends payload to dst with the zero of its leading seq field (prefixLen bytes,
// e.g. {"seq":0) replaced by seq.
func withSeq(dst, payload []byte, prefixLen int, seq uint64) []byte {
	dst = append(dst, payload[:prefixLen-1]...)
	dst = strconv.AppendUint(dst, seq, 10)
	return append(dst, payload[prefixLen:]...)
}

// caughtUp waits until the index holds every record acknowledged before the call.
func (j *journal) caughtUp() error {
	target := j.durable.Load()
	for {
		j.idxMu.Lock()
		err, done, wait := j.idxErr, j.indexed.Load() >= target, j.idxNotify
		j.idxMu.Unlock()
		switch {
		case err != nil:
			return err
		case done:
			return nil
		}
		select {
		case j.hurry <- struct{}{}:
		default: // already asked
		}
		select {
		case <-wait:
		case <-j.iDone:
			j.idxMu.Lock()
			err, done = j.idxErr, j.indexed.Load() >= target
			j.idxMu.Unlock()
			if err != nil {
				return err
			}
			if !done {
				return errClosed
			}
			return nil
		}
	}
}

// close lets the writer finish what is queued, then the indexer, and waits for both.
func (j *journal) close() {
	j.closeMu.Lock()
	j.closed.Store(true)
	j.closeMu.Unlock()
	close(j.stop)
	<-j.wDone
	<-j.iDone
}

// errBadPayload is returned for a data payload that does not start as the journal expects.
var errBadPayload = errors.New("record does not begin with its seq field")
