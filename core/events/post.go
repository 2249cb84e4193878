package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ucbi-console/core"
)

// Replier sends a message to an event's context: the answer of a POST consumer that replies
// {"reply": message}. The coordinator wires it to the dispatcher (send_message with that
// context), so the send is recorded in history. message is the consumer's JSON as given (a
// string or an array of UCBI segments); the dispatcher validates it.
type Replier interface {
	Reply(ctx context.Context, to core.Context, message json.RawMessage) error
}

// Headers of a POST delivery.
const (
	HeaderEventID   = "X-UCBI-Event-ID"
	HeaderSignature = "X-Signature"
)

// PostOptions tune a PostDeliverer; zero values take the defaults.
type PostOptions struct {
	Secret     string        // signs each body: X-Signature: sha1=<hex HMAC-SHA1(secret, body)>
	Timeout    time.Duration // per POST; 0 = 10 s
	MinBackoff time.Duration // first retry delay; 0 = 1 s
	MaxBackoff time.Duration // retry delay cap; 0 = 30 s
	Client     *http.Client  // nil = a client of its own with Timeout; redirects are never followed
	Replier    Replier       // nil = {"reply": …} answers are ignored
}

// PostDeliverer POSTs every event, one per request and in order, to one URL. Its position is a
// durable cursor in the event log (named by CursorName(rawURL)): a consumer that was down gets
// everything after its last acknowledged event when it is back, also after a restart. A
// delivery is acknowledged by any 2xx answer; anything else is retried with capped, jittered
// backoff (the event id travels in X-UCBI-Event-ID and in the body, so a consumer can tell a
// retry). After a crash the events since the last saved cursor may be delivered again — but
// never a consumer's reply: the cursor is saved past an event before its reply is sent.
type PostDeliverer struct {
	in     *Intake
	url    string
	shown  string
	cursor string
	opts   PostOptions
	client *http.Client
	stats  *consumerCounter
}

// CursorName is the event-log cursor of a POST URL: a hash, because the URL may hold a token.
func CursorName(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return "post:" + hex.EncodeToString(sum[:12])
}

// NewPostDeliverer delivers in's events to url.
func NewPostDeliverer(in *Intake, rawURL string, opts PostOptions) *PostDeliverer {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	client := &http.Client{Timeout: opts.Timeout}
	if opts.Client != nil {
		c := *opts.Client
		client = &c
	}
	// Never follow a redirect: Go turns a 301/302/303 POST into a GET without the body, and the
	// consumer's answer to that GET would acknowledge an event it never got.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	shown := core.Source{URL: rawURL}.ShownURL()
	return &PostDeliverer{
		in: in, url: rawURL, shown: shown, cursor: CursorName(rawURL), opts: opts, client: client,
		stats: in.stats.standing("post " + shown),
	}
}

// Run delivers until ctx ends, saving the cursor as it goes and before it returns.
func (d *PostDeliverer) Run(ctx context.Context) error {
	cursor, err := d.in.log.Cursor(d.cursor)
	if err != nil {
		return fmt.Errorf("POST deliverer %s: reading its cursor: %w", d.shown, err)
	}
	saved := cursor
	save := func() bool {
		if cursor == saved {
			return true
		}
		if err := d.in.log.SetCursor(d.cursor, cursor); err != nil {
			d.in.logger.Error("POST deliverer: cursor not saved", "url", d.shown, "error", err.Error())
			return false
		}
		saved = cursor
		return true
	}
	defer save()
	d.stats.cursor.Store(cursor)
	for {
		evs, err := d.in.log.EventsAfter(cursor, catchUpPage)
		if err != nil {
			d.in.logger.Error("POST deliverer: event log unreadable", "url", d.shown, "error", err.Error())
			if !d.pause(ctx, d.opts.MaxBackoff) {
				return nil
			}
			continue
		}
		if len(evs) == 0 {
			save()
			if err := d.in.WaitAfter(ctx, cursor); err != nil {
				return nil
			}
			continue
		}
		for i := range evs {
			ev := &evs[i]
			answer, ok := d.deliver(ctx, ev, save)
			if !ok {
				return nil
			}
			cursor = ev.ID
			d.stats.deliveredUpTo(ev.ID)
			if message := d.replyOf(ev, answer); message != nil {
				// The cursor is durable BEFORE the reply is sent: a send must never be
				// repeated, and without this a crash (kill -9) before the page's save would
				// redeliver the event and send its reply a second time. A crash between the
				// save and the send loses the reply instead; that is the side to err on.
				if !save() {
					d.in.logger.Warn("POST consumer's reply not sent: the cursor could not be saved first", "url", d.shown, "id", ev.ID)
					continue
				}
				d.sendReply(ctx, ev, message)
			}
		}
		save()
	}
}

// deliver POSTs one event until it is acknowledged and returns the consumer's answer; ok is
// false when ctx ended first. Before it waits to retry it saves the cursor, so a restart
// resumes at this event. It acts on nothing: the caller does, once the cursor is saved.
func (d *PostDeliverer) deliver(ctx context.Context, ev *core.StoredEvent, save func() bool) (answer []byte, ok bool) {
	ev.Event.ID = ev.ID
	body, err := json.Marshal(ev.Event)
	if err != nil { // cannot happen for a stored event; don't let it block the queue
		d.in.logger.Error("POST deliverer: event not encodable, skipped", "id", ev.ID, "error", err.Error())
		return nil, true
	}
	backoff := d.opts.MinBackoff
	for attempt := 1; ; attempt++ {
		answer, err := d.post(ctx, ev.ID, body)
		if err == nil {
			return answer, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		d.stats.failures.Add(1)
		d.in.logger.Warn("POST delivery failed, will retry", "url", d.shown, "id", ev.ID, "attempt", attempt, "error", err.Error())
		save()
		if !d.pause(ctx, jitter(backoff)) {
			return nil, false
		}
		backoff = min(backoff*2, d.opts.MaxBackoff)
	}
}

// jitter spreads a delay over [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func (d *PostDeliverer) pause(ctx context.Context, delay time.Duration) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// maxReplyBytes bounds what is read of a consumer's answer.
const maxReplyBytes = 1 << 20

func (d *PostDeliverer) post(ctx context.Context, id uint64, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("bad URL: %v", redactURLError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "UCBI-Console")
	req.Header.Set(HeaderEventID, strconv.FormatUint(id, 10))
	if d.opts.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(d.opts.Secret, body))
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, fmt.Errorf("the consumer redirected to %s (%s); configure the final URL", redirectTarget(resp), resp.Status)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("the consumer answered %s", resp.Status)
	}
	return reply, nil
}

// redirectTarget is where a redirect points, fit to show (no user info, no query).
func redirectTarget(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return "no Location"
	}
	return core.Source{URL: loc.String()}.ShownURL()
}

// redactURLError drops the URL from a *url.Error (it may hold ?access_token=).
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// replyOf is the message of a {"reply": message} answer, nil for any other answer ("nothing
// to do"), when no Replier is set, or when the event has no context to reply to.
func (d *PostDeliverer) replyOf(ev *core.StoredEvent, answer []byte) json.RawMessage {
	answer = bytes.TrimSpace(answer)
	if len(answer) == 0 || answer[0] != '{' || d.opts.Replier == nil {
		return nil
	}
	var a struct {
		Reply json.RawMessage `json:"reply"`
	}
	if json.Unmarshal(answer, &a) != nil || len(a.Reply) == 0 || string(a.Reply) == "null" {
		return nil
	}
	if ev.Event.Context == nil {
		d.in.logger.Warn("POST consumer replied to an event without a context; ignored", "url", d.shown, "id", ev.ID)
		return nil
	}
	return a.Reply
}

// sendReply sends a consumer's reply to the event's context. A failed reply is logged, not
// retried (a send is never retried), and the event stays delivered.
func (d *PostDeliverer) sendReply(ctx context.Context, ev *core.StoredEvent, message json.RawMessage) {
	if err := d.opts.Replier.Reply(ctx, *ev.Event.Context, message); err != nil {
		d.in.logger.Warn("POST consumer's reply not sent", "url", d.shown, "id", ev.ID, "error", err.Error())
	}
}

// Sign is the X-Signature value of body: "sha1=" and the hex HMAC-SHA1 of body with secret
// (what OneBot 11 open layers send and check).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrNoSignature and ErrBadSignature are what CheckSignature finds wrong.
var (
	ErrNoSignature  = errors.New("no X-Signature: sha1=… header")
	ErrBadSignature = errors.New("X-Signature does not match the body")
)

// CheckSignature checks an X-Signature header against body: the hex may be upper or lower
// case (Lagrange sends upper case); the comparison is constant-time.
func CheckSignature(secret, header string, body []byte) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrNoSignature
	}
	algo, hexSum, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(algo, "sha1") {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return ErrBadSignature
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}
