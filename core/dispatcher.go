package core

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SourceStore lists the configured message sources. The dispatcher asks on every call, so the
// answer must be cheap (the store keeps them in memory).
type SourceStore interface {
	Sources() ([]Source, error)
}

// HistorySink records one history row; it returns once the row is durable.
type HistorySink interface {
	AppendHistory(*HistoryRecord) error
}

// CardSink records a generated Ark card.
type CardSink interface {
	AppendCard(*CardRecord) error
}

// Dispatcher routes UCBI calls to the adapter of the message source their context names, and
// records one history row per call.
type Dispatcher struct {
	sources SourceStore
	history HistorySink // nil: no history (direct benchmarks)
	cards   CardSink

	factories map[string]AdapterFactory

	mu       sync.Mutex
	adapters map[string]adapterEntry
	probes   map[string]probeEntry

	// ProbeTTL is how long ^get_available_contexts trusts a probe; ProbeTimeout bounds one.
	ProbeTTL     time.Duration
	ProbeTimeout time.Duration

	// observer hears every history row once it is written (metrics); live answers whether a
	// source's event link is up (^get_available_contexts prefers it to a probe).
	observer atomic.Pointer[func(*HistoryRecord)]
	live     atomic.Pointer[func(sourceID string) (up, known bool)]

	// background counts calls still running after their door answered (ForwardLater).
	background sync.WaitGroup
}

type adapterEntry struct {
	src Source
	a   Adapter
}

type probeEntry struct {
	at time.Time
	ok bool
}

// NewDispatcher makes a dispatcher over the given sources. history and cards may be nil.
func NewDispatcher(sources SourceStore, history HistorySink, cards CardSink) *Dispatcher {
	return &Dispatcher{
		sources:      sources,
		history:      history,
		cards:        cards,
		factories:    map[string]AdapterFactory{},
		adapters:     map[string]adapterEntry{},
		probes:       map[string]probeEntry{},
		ProbeTTL:     15 * time.Second,
		ProbeTimeout: 2 * time.Second,
	}
}

// Register makes an adapter available for a via. Registering a via again replaces its factory
// and drops the adapters the old one built (the running console swaps in adapters that can use
// the sources' WebSocket links).
func (d *Dispatcher) Register(via string, f AdapterFactory) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.factories[via] = f
	for id, e := range d.adapters {
		if e.src.Via == via {
			delete(d.adapters, id)
		}
	}
}

// ObserveHistory makes fn hear every history row the dispatcher writes, after it is written
// (from the caller's goroutine: fn must be quick). nil stops it. Metrics count calls this way,
// so their figures cannot disagree with History.
func (d *Dispatcher) ObserveHistory(fn func(*HistoryRecord)) {
	if fn == nil {
		d.observer.Store(nil)
		return
	}
	d.observer.Store(&fn)
}

// UseLiveState makes ^get_available_contexts ask fn first: a source whose event link state is
// known (up or down) is available when its link is up, without a probe; an unknown one is
// probed as before. nil goes back to probing only.
func (d *Dispatcher) UseLiveState(fn func(sourceID string) (up, known bool)) {
	if fn == nil {
		d.live.Store(nil)
		return
	}
	d.live.Store(&fn)
}

// Vias lists the open layers this dispatcher speaks, sorted.
func (d *Dispatcher) Vias() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.factories))
	for v := range d.factories {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// sendTarget resolves the target of a send action from params, then context.
func sendTarget(req Request, typ string) (Target, error) {
	if typ == "" {
		if raw, ok := req.Params["type"]; ok && !IsNull(raw) {
			if err := json.Unmarshal(raw, &typ); err != nil {
				return Target{}, Fail(CodeBadParam, "param.not_string", "params.type", "kind", JSONKind(raw))
			}
		} else if req.Context != nil {
			typ = req.Context.Type
		}
		switch typ {
		case TypePrivate, TypeGroup, TypeDiscuss:
		case "":
			return Target{}, Fail(CodeMissingParam, "send.type_missing", "params.type")
		default:
			return Target{}, Fail(CodeBadParam, "param.type", "params.type", "value", strconv.Quote(typ))
		}
	}
	kind := map[string]string{TypePrivate: "user", TypeGroup: "group", TypeDiscuss: "discuss"}[typ]
	id, err := paramID(req.Params, req.Context, kind)
	if err != nil {
		return Target{}, err
	}
	if id == "" {
		return Target{}, Fail(CodeMissingParam, "send.id_missing", kind+"_id", "action", req.Action, "kind", kind)
	}
	return Target{Type: typ, ID: id}, nil
}

// extensionTarget picks a target out of an extension call's params for history, best effort.
func extensionTarget(params map[string]json.RawMessage) string {
	for _, k := range []struct{ field, typ string }{{"group_id", TypeGroup}, {"user_id", TypePrivate}} {
		if raw, ok := params[k.field]; ok {
			if id, err := decodeID(raw); err == nil && id != "" {
				return Target{Type: k.typ, ID: id}.String()
			}
		}
	}
	return ""
}

// Route picks the message source and adapter for a context: context.via picks the adapter,
// context.extra.config_id the source; with no config_id the only source of that via, or the
// default one, is used. A nil context or one without via goes to the default source.
func (d *Dispatcher) Route(c *Context) (Source, Adapter, error) {
	sources, err := d.sources.Sources()
	if err != nil {
		return Source{}, nil, Errorf(CodeInternal, "cannot read the message sources: %v", err)
	}
	var via, configID string
	if c != nil {
		via = c.Via
		if configID, err = c.ConfigID(); err != nil {
			return Source{}, nil, Errorf(CodeBadParam, "%v", err)
		}
	}
	if via != "" {
		d.mu.Lock()
		_, known := d.factories[via]
		d.mu.Unlock()
		if !known {
			return Source{}, nil, Fail(CodeUnknownVia, "route.no_adapter", "context.via", "via", strconv.Quote(via), "vias", strings.Join(d.Vias(), ", "))
		}
	}
	src, err := pickSource(sources, via, configID)
	if err != nil {
		return Source{}, nil, err
	}
	a, err := d.adapter(src)
	return src, a, err
}

func pickSource(sources []Source, via, configID string) (Source, error) {
	if len(sources) == 0 {
		return Source{}, Fail(CodeUnknownSource, "route.no_sources", "")
	}
	if configID != "" {
		for _, s := range sources {
			if s.ID == configID {
				if via != "" && s.Via != via {
					return Source{}, Fail(CodeUnknownSource, "route.wrong_via", "context.via", "source", strconv.Quote(s.ID), "has", s.Via, "via", via)
				}
				return s, nil
			}
		}
		return Source{}, Fail(CodeUnknownSource, "route.no_source", "context.extra.config_id", "source", strconv.Quote(configID), "configured", describeSources(sources))
	}
	var fit []Source
	for _, s := range sources {
		if via == "" || s.Via == via {
			fit = append(fit, s)
		}
	}
	if len(fit) == 0 {
		return Source{}, Fail(CodeUnknownVia, "route.no_source_of_via", "context.via", "via", strconv.Quote(via), "configured", describeSources(sources))
	}
	if len(fit) == 1 {
		return fit[0], nil
	}
	for _, s := range fit {
		if s.Default {
			return s, nil
		}
	}
	return Source{}, Fail(CodeAmbiguousSource, "route.ambiguous", "context.extra.config_id", "configured", describeSources(fit))
}

func describeSources(sources []Source) string {
	parts := make([]string, len(sources))
	for i, s := range sources {
		parts[i] = fmt.Sprintf("%s (%s)", s.ID, s.Via)
	}
	return strings.Join(parts, ", ")
}

// SourceAdapter returns a source by id ("" = the default source, or the only one) and its adapter.
func (d *Dispatcher) SourceAdapter(id string) (Source, Adapter, error) {
	sources, err := d.sources.Sources()
	if err != nil {
		return Source{}, nil, Errorf(CodeInternal, "cannot read the message sources: %v", err)
	}
	src, err := pickSource(sources, "", id)
	if err != nil {
		return Source{}, nil, err
	}
	a, err := d.adapter(src)
	return src, a, err
}

// SupportedSegments tells which segment kinds a source ("" = the default one) can send, for
// Compose: every kind of SegmentKinds → "" when it can, else why not (LocalizeSupport says it in
// the user's language). The adapter's SegmentSupport answer, UCBI's own rules for what it leaves
// out or when it has none.
func (d *Dispatcher) SupportedSegments(sourceID string) (map[string]string, error) {
	_, a, err := d.SourceAdapter(sourceID)
	if err != nil {
		return nil, err
	}
	out := UCBISegmentSupport()
	if s, ok := a.(SegmentSupport); ok {
		for kind, why := range s.SupportedSegments() {
			out[kind] = why
		}
	}
	return out, nil
}

// adapter returns the cached adapter of a source, rebuilding it when the source's settings
// changed (one client per source, reused across calls).
func (d *Dispatcher) adapter(src Source) (Adapter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.adapters[src.ID]; ok && e.src == src {
		return e.a, nil
	}
	f, ok := d.factories[src.Via]
	if !ok {
		return nil, Errorf(CodeUnknownVia, "message source %q uses via %q, which this console does not speak", src.ID, src.Via)
	}
	a, err := f(src)
	if err != nil {
		return nil, Errorf(CodeBadParam, "message source %q is misconfigured: %v", src.ID, err)
	}
	d.adapters[src.ID] = adapterEntry{src: src, a: a}
	return a, nil
}

// ContextInfo is one entry of ^get_contexts.
type ContextInfo struct {
	Platform  string          `json:"platform"`
	Via       string          `json:"via"`
	Extra     json.RawMessage `json:"extra"`
	Available bool            `json:"available"`
}

func (d *Dispatcher) contexts(ctx context.Context, onlyAvailable bool) ([]ContextInfo, error) {
	sources, err := d.sources.Sources()
	if err != nil {
		return nil, Errorf(CodeInternal, "cannot read the message sources: %v", err)
	}
	avail := d.Probe(ctx, sources)
	out := []ContextInfo{}
	for i, s := range sources {
		if onlyAvailable && !avail[i] {
			continue
		}
		c := s.ContextOf()
		out = append(out, ContextInfo{Platform: c.Platform, Via: c.Via, Extra: c.Extra, Available: avail[i]})
	}
	return out, nil
}

// Probe tells, for each source, whether it is available: its event link is up, when the live
// state (UseLiveState) knows it, else it answered get_login_info recently. Probes run
// concurrently, are bounded by ProbeTimeout and cached for ProbeTTL.
func (d *Dispatcher) Probe(ctx context.Context, sources []Source) []bool {
	out := make([]bool, len(sources))
	var wg sync.WaitGroup
	now := time.Now()
	var live func(string) (bool, bool)
	if p := d.live.Load(); p != nil {
		live = *p
	}
	for i, s := range sources {
		if live != nil {
			if up, known := live(s.ID); known {
				out[i] = up
				continue
			}
		}
		d.mu.Lock()
		p, ok := d.probes[s.ID]
		d.mu.Unlock()
		if ok && now.Sub(p.at) < d.ProbeTTL {
			out[i] = p.ok
			continue
		}
		wg.Add(1)
		go func(i int, s Source) {
			defer wg.Done()
			ok := false
			if a, err := d.adapter(s); err == nil {
				// Not the caller's context: a caller that hangs up must not mark the
				// source unavailable for everyone for ProbeTTL.
				pctx, cancel := context.WithTimeout(context.Background(), d.ProbeTimeout)
				_, err = a.GetLoginInfo(pctx)
				cancel()
				ok = err == nil
			}
			d.mu.Lock()
			d.probes[s.ID] = probeEntry{at: time.Now(), ok: ok}
			d.mu.Unlock()
			out[i] = ok
		}(i, s)
	}
	wg.Wait()
	return out
}

// arkSharePeer calls the adapter and stores the card (made or refused) in the card list.
func (d *Dispatcher) arkSharePeer(ctx context.Context, src Source, a Adapter, r ArkRequest) (ArkResult, error) {
	sharer, ok := a.(ArkSharer)
	if !ok {
		return ArkResult{}, Fail(CodeUnsupported, "ark.unsupported", "", "via", src.Via)
	}
	res, err := sharer.ArkSharePeer(ctx, r)
	if e := AsError(err); e != nil && e.Code == CodeBackendFailed {
		// The backend took the request and said no (NapCat: "group_id or user_id is required"
		// for a phone number alone): in the seed's terms that is a card that could not be
		// made — errCode and errMsg carry the backend's own retcode and words.
		res = ArkResult{ErrCode: e.Retcode, ErrMsg: e.BackendText}
		if res.ErrCode == 0 {
			res.ErrCode = -1
		}
		if res.ErrMsg == "" {
			res.ErrMsg = e.Message
		}
		err = nil
	}
	if err != nil {
		return res, err
	}
	res.ArkJSON = strings.TrimRight(res.ArkJSON, " \t\r\n")
	if res.ErrCode == 0 && res.ArkJSON == "" {
		// Older NapCat answers "ok" with empty data when it made nothing: errCode 0 must
		// always carry a card, so this is the backend's failure, said as such.
		return res, Fail(CodeBackendBadReply, "ark.no_card", "")
	}
	if d.cards != nil {
		card := &CardRecord{Time: time.Now(), Source: src.ID, Target: r.Target(), Outcome: OutcomeOK,
			ErrCode: res.ErrCode, ErrMsg: res.ErrMsg, ArkJSON: res.ArkJSON}
		if res.ErrCode != 0 {
			card.Outcome = OutcomeError
		}
		if err := d.cards.AppendCard(card); err != nil {
			return res, Errorf(CodeInternal, "the card was made but could not be stored: %v", err)
		}
	}
	return res, nil
}
