package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ucbi-console/core"
)

// Long-polling limits.
const (
	DefaultPollLimit = 100
	MaxPollLimit     = 1000
	MaxPollTimeout   = 120 * time.Second
)

// PollResponse is the body of GET /events: the events after the asked id, oldest first, and
// the id to ask after next time (the last event's id, or the asked id when there is none).
type PollResponse struct {
	Events []core.Event `json:"events"`
	Next   uint64       `json:"next"`
}

// LongPoll serves GET /events?after=ID&limit=N&timeout=S.
//
//   - after: the last id the consumer has; absent = only events newer than now.
//   - limit: at most this many events (1…1000, default 100).
//   - timeout: seconds (fractions allowed, 0…120, default 0) to wait when nothing is newer.
//
// A wrong parameter is a 400 naming it. Mount it behind the endpoint's auth.
func LongPoll(in *Intake) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, core.Errorf(core.CodeMethodNotAllowed, "GET /events takes GET, not %s", r.Method))
			return
		}
		q := r.URL.Query()
		after, err := afterParam(in, q.Get("after"), q.Has("after"), "after")
		if err != nil {
			writeError(w, err)
			return
		}
		limit := DefaultPollLimit
		if v := q.Get("limit"); q.Has("limit") {
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1 || n > MaxPollLimit {
				writeError(w, core.Errorf(core.CodeBadParam, "limit: must be a whole number from 1 to %d, not %q", MaxPollLimit, v))
				return
			}
			limit = n
		}
		var timeout time.Duration
		if v := q.Get("timeout"); q.Has("timeout") {
			f, perr := strconv.ParseFloat(v, 64)
			if perr != nil || f < 0 || f > MaxPollTimeout.Seconds() || f != f {
				writeError(w, core.Errorf(core.CodeBadParam, "timeout: must be a number of seconds from 0 to %d, not %q", int(MaxPollTimeout.Seconds()), v))
				return
			}
			timeout = time.Duration(f * float64(time.Second))
		}

		// The body is PollResponse, written from the events' stored JSON as it is, in a buffer
		// kept between polls: a page of 1,000 events is ~0.5 MB, grown afresh every poll before.
		bp := getPollBody()
		defer putPollBody(bp)
		body := append((*bp)[:0], `{"events":[`...)
		n, next := 0, after
		collect := func(id uint64, event []byte) error {
			if n > 0 {
				body = append(body, ',')
			}
			body = append(body, event...)
			n, next = n+1, id
			return nil
		}
		err = in.eachEventJSON(after, limit, collect)
		if err == nil && n == 0 && timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			werr := in.WaitAfter(ctx, after)
			cancel()
			if werr == nil {
				err = in.eachEventJSON(after, limit, collect)
			}
		}
		if err != nil {
			in.logger.Error("long poll: event log unreadable", "error", err.Error())
			writeError(w, core.Errorf(core.CodeInternal, "the event log could not be read"))
			return
		}
		body = append(body, `],"next":`...)
		body = strconv.AppendUint(body, next, 10)
		body = append(body, "}\n"...)
		*bp = body
		in.countDelivered("longpoll", n, next)
		// With its length known the answer goes out in one write, not in 4 KB chunks.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
}

// pollBodies keeps a few long-poll answer buffers between polls. Not a sync.Pool: that is
// emptied at every GC, which under a flood comes every few thousand events.
var pollBodies = make(chan *[]byte, 4)

// maxKeptPollBody: a buffer that grew past it is not kept.
const maxKeptPollBody = 2 << 20

func getPollBody() *[]byte {
	select {
	case b := <-pollBodies:
		return b
	default:
		b := make([]byte, 0, 64<<10)
		return &b
	}
}

func putPollBody(b *[]byte) {
	if cap(*b) > maxKeptPollBody {
		return
	}
	select {
	case pollBodies <- b:
	default:
	}
}

// eventJSONLog is an event log that hands out its events already encoded for delivery, so
// they are written as stored instead of decoded and encoded again (store.DB is one). fn gets
// each event's UCBI form with its id, JSON without HTML escaping, valid only during the call.
type eventJSONLog interface {
	EachEventJSON(after uint64, limit int, fn func(id uint64, event []byte) error) error
}

// eachEventJSON walks the events after after as eventJSONLog does, encoding them here when the
// log cannot (to the same bytes).
func (in *Intake) eachEventJSON(after uint64, limit int, fn func(id uint64, event []byte) error) error {
	if l, ok := in.log.(eventJSONLog); ok {
		return l.EachEventJSON(after, limit, fn)
	}
	evs, err := in.log.EventsAfter(after, limit)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, ev := range evs {
		ev.Event.ID = ev.ID
		buf.Reset()
		if err := enc.Encode(ev.Event); err != nil {
			return fmt.Errorf("event %d cannot be encoded: %v", ev.ID, err)
		}
		if err := fn(ev.ID, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
			return err
		}
	}
	return nil
}

// afterParam reads a resume id; absent means "from now".
func afterParam(in *Intake, v string, present bool, name string) (uint64, error) {
	if !present {
		return in.LastID(), nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, core.Errorf(core.CodeBadParam, "%s: must be an event id (a whole number ≥ 0), not %q", name, v)
	}
	return n, nil
}

// countDelivered counts deliveries of a per-request consumer (long polling, SSE) under name.
func (in *Intake) countDelivered(name string, n int, last uint64) {
	if n == 0 {
		return
	}
	c := in.stats.standing(name)
	c.delivered.Add(uint64(n))
	c.advance(last)
}

// StreamOptions tune the SSE stream.
type StreamOptions struct {
	Heartbeat    time.Duration // a comment line when idle this long; 0 = 15 s
	WriteTimeout time.Duration // a client that takes longer to take one write is dropped; 0 = 10 s
}

// Stream serves GET /events/stream as Server-Sent Events: "id: <event id>" and "data: <UCBI
// event JSON>" per event, a ": heartbeat" comment when idle. It resumes after Last-Event-ID (or
// ?after=ID); with neither it starts with events newer than now. Mount it behind the auth.
func Stream(in *Intake, opts StreamOptions) http.Handler {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeError(w, core.Errorf(core.CodeMethodNotAllowed, "GET /events/stream takes GET, not %s", r.Method))
			return
		}
		var (
			cursor uint64
			err    error
		)
		if v := r.Header.Get("Last-Event-ID"); v != "" {
			cursor, err = afterParam(in, v, true, "Last-Event-ID")
		} else {
			cursor, err = afterParam(in, r.URL.Query().Get("after"), r.URL.Query().Has("after"), "after")
		}
		if err != nil {
			writeError(w, err)
			return
		}
		rc := http.NewResponseController(w)
		h := w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		write := func(b []byte) error {
			_ = rc.SetWriteDeadline(time.Now().Add(opts.WriteTimeout))
			if _, err := w.Write(b); err != nil {
				return err
			}
			return rc.Flush()
		}
		if write([]byte(": ok\n\n")) != nil {
			return
		}
		ctx := r.Context()
		var buf []byte
		for {
			buf = buf[:0]
			n := 0
			err := in.eachEventJSON(cursor, catchUpPage, func(id uint64, event []byte) error {
				buf = append(buf, "id: "...)
				buf = strconv.AppendUint(buf, id, 10)
				buf = append(buf, "\ndata: "...)
				buf = append(buf, event...)
				buf = append(buf, "\n\n"...)
				cursor, n = id, n+1
				return nil
			})
			if err != nil {
				in.logger.Error("event stream: event log unreadable", "error", err.Error())
				return
			}
			if n > 0 {
				if write(buf) != nil {
					return
				}
				in.countDelivered("sse", n, cursor)
				continue
			}
			wctx, cancel := context.WithTimeout(ctx, opts.Heartbeat)
			werr := in.WaitAfter(wctx, cursor)
			cancel()
			switch {
			case werr == nil:
			case ctx.Err() != nil, errors.Is(werr, ErrClosed):
				return
			default: // idle for a heartbeat's time
				if write([]byte(": heartbeat\n\n")) != nil {
					return
				}
			}
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with the endpoint's error body and the status of its code.
func writeError(w http.ResponseWriter, err error) {
	e := core.AsError(err)
	writeJSON(w, e.Status(), core.ErrorBody(e))
}
