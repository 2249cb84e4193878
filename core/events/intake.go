package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"ucbi-console/core"
)

// ErrClosed is returned once the intake has stopped: nothing more is accepted.
var ErrClosed = errors.New("the event intake is stopped")

// Defaults of IntakeOptions.
const (
	DefaultMaxEventBytes = 1 << 20
	DefaultMaxDepth      = 64
	DefaultMaxBatch      = 1024
	DefaultQueueSize     = 8192
)

// IntakeOptions tune an Intake; zero values take the defaults.
type IntakeOptions struct {
	Logger        *slog.Logger
	MaxEventBytes int // a bigger raw event is refused ("too large")
	MaxDepth      int // deeper JSON nesting is refused ("too deep")
	MaxBatch      int // events per group commit, at most
	QueueSize     int // events waiting for a commit; Accept blocks when it is full
	Now           func() time.Time
}

// Intake decodes raw events from the links, group-commits them to the event log and wakes the
// subscribers and deliverers. It also keeps the live state of every source's event link.
//
// Producers call Accept (or Submit) concurrently; one committer goroutine (Run) takes whatever
// has queued up while the previous commit was in flight and appends it in one AppendEvents call,
// so many producers share one commit. Ids follow queue order, so the events one producer
// accepts one after the other keep their order.
type Intake struct {
	log    core.EventLog
	opts   IntakeOptions
	logger *slog.Logger

	decMu    sync.RWMutex
	decoders map[string]core.EventDecoder

	queue    chan *Ticket
	closeMu  sync.RWMutex
	closed   bool
	started  atomic.Bool
	stopping chan struct{} // closed when Run begins to stop: waiters wake up
	done     chan struct{} // closed when Run has committed the last queued event

	// The newest committed id, and a channel closed (and replaced) at every commit.
	notifyMu sync.Mutex
	lastID   uint64
	changed  chan struct{}

	subsMu    sync.RWMutex
	subs      map[*Subscription]struct{}
	subsEnded bool // the intake stopped: new subscriptions end at once

	// liveOrder keeps a state change and the queueing of its meta event together, so the
	// stored up/down events are in the order the table changed.
	liveOrder sync.Mutex
	liveMu    sync.RWMutex
	live      map[string]linkState

	// Taps (tap.go): live views of the events as they are queued, by source ("" = all).
	tapsMu    sync.RWMutex
	taps      map[string]map[*Tap]struct{}
	tapsEnded bool
	tapCount  atomic.Int64 // how many taps there are: enqueue skips the taps when none
	orders    sync.Map     // source id → *sync.Mutex (sourceOrder)

	stats stats
}

type linkState struct {
	up     bool
	since  time.Time
	reason string
}

// NewIntake returns an intake over log; it starts numbering after the log's last event. Run
// must be running for anything to be committed.
func NewIntake(log core.EventLog, opts IntakeOptions) (*Intake, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxEventBytes <= 0 {
		opts.MaxEventBytes = DefaultMaxEventBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	last, err := log.LastEventID()
	if err != nil {
		return nil, fmt.Errorf("reading the last event id: %w", err)
	}
	return &Intake{
		log:      log,
		opts:     opts,
		logger:   opts.Logger,
		decoders: map[string]core.EventDecoder{},
		queue:    make(chan *Ticket, opts.QueueSize),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
		lastID:   last,
		changed:  make(chan struct{}),
		subs:     map[*Subscription]struct{}{},
		live:     map[string]linkState{},
		stats:    newStats(),
	}, nil
}

// Log is the event log the intake appends to.
func (in *Intake) Log() core.EventLog { return in.log }

// RegisterDecoder sets the decoder of the open layer via (e.g. "coolq-http-api" → OneBot 11).
func (in *Intake) RegisterDecoder(via string, dec core.EventDecoder) {
	in.decMu.Lock()
	defer in.decMu.Unlock()
	in.decoders[via] = dec
}

func (in *Intake) decoder(via string) core.EventDecoder {
	in.decMu.RLock()
	defer in.decMu.RUnlock()
	return in.decoders[via]
}

// Ticket is one accepted event on its way to the log.
type Ticket struct {
	ev   *core.StoredEvent
	done chan struct{}
	err  error
}

// Wait returns the event's id once it is durable, or the commit's error. A nil Ticket (an
// event the decoder chose not to keep) waits for nothing and returns id 0.
func (t *Ticket) Wait(ctx context.Context) (uint64, error) {
	if t == nil {
		return 0, nil
	}
	select {
	case <-t.done:
		if t.err != nil {
			return 0, t.err
		}
		return t.ev.ID, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// DecodeError is an event refused before it was stored: Reason is a short, fixed category
// (counted per source), Err the details (logged).
type DecodeError struct {
	Source string
	Reason string
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("event from source %q refused: %s", e.Source, e.Reason)
	}
	return fmt.Sprintf("event from source %q refused: %s: %v", e.Source, e.Reason, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Reasons an event is refused (the stats' decode-failure keys).
const (
	ReasonEmpty     = "empty"
	ReasonTooLarge  = "too large"
	ReasonBadUTF8   = "bad UTF-8"
	ReasonNotJSON   = "not JSON"
	ReasonTooDeep   = "nested too deep"
	ReasonNoDecoder = "no decoder for the via"
	ReasonRejected  = "rejected by the decoder"
	ReasonNotEvent  = "neither an event nor an action reply"
)

// Reasoner is implemented by decoder errors that carry their own short category.
type Reasoner interface{ Reason() string }

// Accept checks and decodes one raw event of src and queues it for the next commit. It returns
// once the event is queued (blocking while the queue is full); Ticket.Wait waits for the commit.
// raw must not be changed afterwards. A refused event returns a *DecodeError, already logged
// and counted. A sign of life — the decoder returned nil, or an event with an empty Event.Type
// (a heartbeat, a lifecycle "connect") — is counted as skipped, neither stored nor delivered,
// and returns a nil Ticket. (A link's silence watch counts every frame itself, so the link still
// sees it as traffic.)
func (in *Intake) Accept(ctx context.Context, src core.Source, raw []byte) (*Ticket, error) {
	ev, derr := in.decode(src, raw)
	if derr != nil {
		in.refuse(derr)
		return nil, derr
	}
	if ev == nil {
		in.stats.skipped(src.ID)
		return nil, nil
	}
	return in.enqueue(ctx, ev)
}

// Submit is Accept and Wait: it returns the event's id once it is durable.
func (in *Intake) Submit(ctx context.Context, src core.Source, raw []byte) (uint64, error) {
	t, err := in.Accept(ctx, src, raw)
	if err != nil {
		return 0, err
	}
	return t.Wait(ctx)
}

// Append queues an event already in its stored form (Source and Event set) for the next commit.
func (in *Intake) Append(ctx context.Context, ev *core.StoredEvent) (*Ticket, error) {
	if ev.Received.IsZero() {
		ev.Received = in.opts.Now()
	}
	return in.enqueue(ctx, ev)
}

func (in *Intake) decode(src core.Source, raw []byte) (*core.StoredEvent, *DecodeError) {
	refuse := func(reason string, err error) *DecodeError {
		return &DecodeError{Source: src.ID, Reason: reason, Err: err}
	}
	if reason, err := checkRaw(raw, in.opts.MaxEventBytes, in.opts.MaxDepth); reason != "" {
		return nil, refuse(reason, err)
	}
	dec := in.decoder(src.Via)
	if dec == nil {
		return nil, refuse(ReasonNoDecoder, fmt.Errorf("via %q has no event decoder", src.Via))
	}
	ev, err := safeDecode(dec, src, raw)
	if err != nil {
		reason := ReasonRejected
		var r Reasoner
		if errors.As(err, &r) && r.Reason() != "" {
			reason = r.Reason()
		}
		return nil, refuse(reason, err)
	}
	if ev == nil || ev.Event.Type == "" {
		// A sign of life, not an event: storing it would hand consumers an empty event.
		return nil, nil
	}
	ev.ID = 0
	ev.Source = src.ID
	if ev.Via == "" {
		ev.Via = src.Via
	}
	ev.Received = in.opts.Now()
	if ev.Raw == nil {
		ev.Raw = json.RawMessage(raw)
	}
	return ev, nil
}

// safeDecode runs a decoder so that a panic in it is a refused event, not a dead link.
func safeDecode(dec core.EventDecoder, src core.Source, raw []byte) (ev *core.StoredEvent, err error) {
	defer func() {
		if p := recover(); p != nil {
			ev, err = nil, fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return dec(src, raw)
}

// refuse logs and counts a refused event. The log line names the source, the reason and the
// error, never the raw bytes (which may be anything) nor a token.
func (in *Intake) refuse(e *DecodeError) {
	in.stats.refused(e.Source, e.Reason)
	in.logger.Warn("event refused", "source", e.Source, "reason", e.Reason, "error", errString(e.Err))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (in *Intake) enqueue(ctx context.Context, ev *core.StoredEvent) (*Ticket, error) {
	t := &Ticket{ev: ev, done: make(chan struct{})}
	in.closeMu.RLock()
	defer in.closeMu.RUnlock()
	if in.closed {
		return nil, ErrClosed
	}
	if in.tapCount.Load() > 0 {
		// The taps see the source's events in queue order: the queueing and the offer happen
		// under the source's lock. The copy is taken before the committer may set the ids.
		order := in.sourceOrder(ev.Source)
		order.Lock()
		defer order.Unlock()
		snap := *ev
		if err := in.queueTicket(ctx, t); err != nil {
			return nil, err
		}
		in.tapOut(snap)
		return t, nil
	}
	if err := in.queueTicket(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (in *Intake) queueTicket(ctx context.Context, t *Ticket) error {
	in.stats.queued.Add(1)
	select {
	case in.queue <- t:
		return nil
	case <-ctx.Done():
		in.stats.queued.Add(-1)
		return ctx.Err()
	}
}

// Run commits queued events until ctx is done; then it stops accepting, commits what is
// already queued (in-flight commits finish), ends the subscriptions and returns.
func (in *Intake) Run(ctx context.Context) error {
	if !in.started.CompareAndSwap(false, true) {
		return errors.New("the event intake is already running")
	}
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		in.commitLoop()
	}()
	<-ctx.Done()
	close(in.stopping)
	// Producers blocked on a full queue still get in: the committer keeps draining until the
	// queue is closed, which happens only once no producer holds closeMu.
	in.closeMu.Lock()
	in.closed = true
	close(in.queue)
	in.closeMu.Unlock()
	<-loopDone
	in.endTaps()
	in.subsMu.Lock()
	in.subsEnded = true
	for s := range in.subs {
		s.end(ErrClosed)
	}
	in.subsMu.Unlock()
	close(in.done)
	return nil
}

// Done is closed once the intake has stopped and committed everything it accepted.
func (in *Intake) Done() <-chan struct{} { return in.done }

func (in *Intake) commitLoop() {
	batch := make([]*Ticket, 0, in.opts.MaxBatch)
	evs := make([]*core.StoredEvent, 0, in.opts.MaxBatch)
	for t := range in.queue {
		batch = append(batch[:0], t)
	drain:
		for len(batch) < in.opts.MaxBatch {
			select {
			case t, ok := <-in.queue:
				if !ok {
					break drain
				}
				batch = append(batch, t)
			default:
				break drain
			}
		}
		evs = evs[:0]
		for _, t := range batch {
			evs = append(evs, t.ev)
		}
		in.commit(batch, evs)
		clear(batch)
		clear(evs)
	}
}

func (in *Intake) commit(batch []*Ticket, evs []*core.StoredEvent) {
	err := in.log.AppendEvents(evs)
	in.stats.queued.Add(-int64(len(batch)))
	if err != nil {
		in.stats.commitFailed(len(evs))
		in.logger.Error("events not stored", "count", len(evs), "error", err.Error())
		err = fmt.Errorf("the event log could not store the event: %w", err)
	} else {
		in.stats.committed(evs)
		last := uint64(0)
		for _, ev := range evs {
			ev.Event.ID = ev.ID
			last = max(last, ev.ID)
		}
		// notify before publish: Subscribe relies on it (see there).
		in.notify(last)
		in.publish(evs)
	}
	for _, t := range batch {
		t.err = err
		close(t.done)
	}
}

// notify records the newest id and wakes everyone waiting for it.
func (in *Intake) notify(last uint64) {
	in.notifyMu.Lock()
	if last > in.lastID {
		in.lastID = last
	}
	close(in.changed)
	in.changed = make(chan struct{})
	in.notifyMu.Unlock()
}

// LastID is the id of the newest committed event.
func (in *Intake) LastID() uint64 {
	in.notifyMu.Lock()
	defer in.notifyMu.Unlock()
	return in.lastID
}

// WaitAfter returns nil as soon as an event newer than after is committed, ctx's error when
// ctx ends first, and ErrClosed when the intake stops.
func (in *Intake) WaitAfter(ctx context.Context, after uint64) error {
	for {
		in.notifyMu.Lock()
		last, ch := in.lastID, in.changed
		in.notifyMu.Unlock()
		if last > after {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-in.stopping:
			return ErrClosed
		}
	}
}

// SourceUp records that src's event link is up and, when that changes the state, stores a
// message_source_up meta event.
func (in *Intake) SourceUp(src core.Source, reason string) { in.setLive(src, true, reason) }

// SourceDown records that src's event link is down (dropped, silent, refused) and, when that
// changes the state, stores a message_source_down meta event.
func (in *Intake) SourceDown(src core.Source, reason string) { in.setLive(src, false, reason) }

func (in *Intake) setLive(src core.Source, up bool, reason string) {
	in.liveOrder.Lock()
	defer in.liveOrder.Unlock()
	now := in.opts.Now()
	in.liveMu.Lock()
	prev, known := in.live[src.ID]
	if known && prev.up == up {
		in.liveMu.Unlock()
		return
	}
	in.liveMu.Unlock()

	// The meta event is queued before the state is published, so whoever sees the source up
	// (and then sends it events) finds the up event stored ahead of theirs.
	ev := metaEvent(src, up, reason, now)
	if _, err := in.enqueue(context.Background(), ev); err != nil {
		in.logger.Info("link state not stored", "source", src.ID, "up", up, "reason", reason, "error", err.Error())
	}
	in.liveMu.Lock()
	in.live[src.ID] = linkState{up: up, since: now, reason: reason}
	in.liveMu.Unlock()
	in.logger.Info("event link state", "source", src.ID, "up", up, "reason", reason)
}

func metaEvent(src core.Source, up bool, reason string, now time.Time) *core.StoredEvent {
	name := core.MetaSourceDown
	if up {
		name = core.MetaSourceUp
	}
	c := src.ContextOf()
	data, _ := json.Marshal(core.MetaEventData{MetaEvent: name, Platform: c.Platform, Via: c.Via, Extra: c.Extra, Reason: reason})
	return &core.StoredEvent{
		Source:   src.ID,
		Via:      src.Via,
		Received: now,
		Kind:     core.EventMeta + "." + name,
		Event:    core.Event{Type: core.EventMeta, Time: now.Unix(), Data: data},
	}
}

// Live is the event link state of a source: up or not, since when; known is false when no link
// of it has reported yet (the dispatcher then falls back to probing).
func (in *Intake) Live(sourceID string) (up bool, since time.Time, known bool) {
	in.liveMu.RLock()
	defer in.liveMu.RUnlock()
	st, ok := in.live[sourceID]
	return st.up, st.since, ok
}
