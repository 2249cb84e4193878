package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"ucbi-console/internal/testkit"

	"ucbi-console/core"
	"ucbi-console/internal/testwait"
)

// consumer is a POST-URL application: it records what it acknowledged.
type consumer struct {
	srv    *httptest.Server
	up     atomic.Bool
	secret string
	answer func(ev core.Event) string

	mu       sync.Mutex
	got      []core.Event
	attempts int
	badSig   int
}

func newConsumer(t *testing.T, secret string) *consumer {
	c := &consumer{secret: secret}
	c.up.Store(true)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.attempts++
		if !c.up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if c.secret != "" && CheckSignature(c.secret, r.Header.Get(HeaderSignature), body) != nil {
			c.badSig++
		}
		var ev core.Event
		if err := json.Unmarshal(body, &ev); err != nil || strconv.FormatUint(ev.ID, 10) != r.Header.Get(HeaderEventID) {
			t.Errorf("delivery %s: id header %q, %v", body, r.Header.Get(HeaderEventID), err)
		}
		c.got = append(c.got, ev)
		if c.answer != nil {
			io.WriteString(w, c.answer(ev))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *consumer) received() []core.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]core.Event(nil), c.got...)
}

func fastPost(secret string) PostOptions {
	return PostOptions{Secret: secret, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Timeout: 5 * time.Second}
}

// runDeliverer runs d until the returned stop is called; stop waits for Run to return.
func runDeliverer(d *PostDeliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	return func() { cancel(); <-done }
}

type recordedReply struct {
	to  core.Context
	msg string
}

type fakeReplier struct {
	mu      sync.Mutex
	replies []recordedReply
}

func (f *fakeReplier) Reply(_ context.Context, to core.Context, m json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = append(f.replies, recordedReply{to, string(m)})
	return nil
}

func TestPostDelivererSignsOrdersRetriesAndReplies(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	c := newConsumer(t, "s3cret")
	c.answer = func(ev core.Event) string {
		if ev.ID == 2 {
			return `{"reply":"pong"}`
		}
		return `{}`
	}
	// The first two attempts fail: delivery retries the same event, then goes on in order.
	c.up.Store(false)
	replier := &fakeReplier{}
	opts := fastPost("s3cret")
	opts.Replier = replier
	d := NewPostDeliverer(in, c.srv.URL+"/hook?access_token=tok", opts)
	for n := range 3 {
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	stop := runDeliverer(d)
	defer stop()
	testwait.Until(t, "two failed attempts", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.attempts >= 2
	})
	c.up.Store(true)
	testwait.Until(t, "3 deliveries", func() bool { return len(c.received()) == 3 })
	for i, ev := range c.received() {
		if ev.ID != uint64(i+1) {
			t.Errorf("delivery %d has id %d", i, ev.ID)
		}
	}
	c.mu.Lock()
	if c.badSig != 0 {
		t.Errorf("%d bad signatures", c.badSig)
	}
	c.mu.Unlock()
	testwait.Until(t, "the reply and the count", func() bool {
		replier.mu.Lock()
		defer replier.mu.Unlock()
		return len(replier.replies) == 1 && in.Stats().Consumers["post "+core.Source{URL: c.srv.URL + "/hook?x"}.ShownURL()].Cursor == 3
	})
	replier.mu.Lock()
	if len(replier.replies) != 1 || replier.replies[0].msg != `"pong"` || replier.replies[0].to.Via != testVia {
		t.Errorf("replies = %+v", replier.replies)
	}
	replier.mu.Unlock()
	st := in.Stats().Consumers
	var found bool
	for name, cs := range st {
		if strings.HasPrefix(name, "post ") {
			found = true
			if strings.Contains(name, "tok") || cs.Delivered != 3 || cs.Failures < 2 {
				t.Errorf("consumer stats %q = %+v", name, cs)
			}
		}
	}
	if !found {
		t.Errorf("no post consumer in stats %v", st)
	}
}

// A consumer that was down gets everything after its last acknowledged event, also when the
// console restarted in between (a new deliverer over the same log).
func TestPostConsumerDownThenUpGetsEverythingFromItsCursor(t *testing.T) {
	log := NewMemLog()
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	c := newConsumer(t, "")
	submit := func(from, to int) {
		for n := from; n < to; n++ {
			if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	submit(0, 5)
	stop := runDeliverer(NewPostDeliverer(in, c.srv.URL, fastPost("")))
	testwait.Until(t, "first 5 acknowledged", func() bool {
		return in.Stats().Consumers["post "+c.srv.URL].Cursor == 5
	})
	stop() // the console stops; the cursor is saved
	if cur, _ := log.Cursor(CursorName(c.srv.URL)); cur != 5 {
		t.Fatalf("saved cursor %d, want 5", cur)
	}

	c.up.Store(false)
	submit(5, 10)
	stop = runDeliverer(NewPostDeliverer(in, c.srv.URL, fastPost(""))) // "after a restart"
	defer stop()
	testwait.Until(t, "attempts while the consumer is down", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.attempts >= 8
	})
	submit(10, 12)
	c.up.Store(true)
	testwait.Until(t, "all 12 delivered", func() bool { return len(c.received()) == 12 })
	for i, ev := range c.received() {
		if ev.ID != uint64(i+1) {
			t.Fatalf("delivery %d has id %d: redelivered or out of order", i, ev.ID)
		}
	}
	testwait.Until(t, "cursor saved at 12", func() bool { cur, _ := log.Cursor(CursorName(c.srv.URL)); return cur == 12 })
}

func TestSignatureCheck(t *testing.T) {
	body := []byte(`{"post_type":"message"}`)
	good := Sign("k", body)
	for _, tc := range []struct {
		header string
		want   error
	}{
		{good, nil},
		{strings.ToUpper(good[:5]) + strings.ToUpper(good[5:]), nil}, // Lagrange: upper case
		{"", ErrNoSignature},
		{"sha1=", ErrBadSignature},
		{"sha1=zz", ErrBadSignature},
		{"sha256=" + good[5:], ErrBadSignature},
		{Sign("other", body), ErrBadSignature},
	} {
		if err := CheckSignature("k", tc.header, body); err != tc.want {
			t.Errorf("%q: %v, want %v", tc.header, err, tc.want)
		}
	}
}

// cursorLog is a MemLog whose SetCursor can be made to fail.
type cursorLog struct {
	*MemLog
	failCursor atomic.Bool
}

func (l *cursorLog) SetCursor(name string, id uint64) error {
	if l.failCursor.Load() {
		return errors.New("disk full")
	}
	return l.MemLog.SetCursor(name, id)
}

// replyFunc is a Replier made of a function.
type replyFunc func(ctx context.Context, to core.Context, m json.RawMessage) error

func (f replyFunc) Reply(ctx context.Context, to core.Context, m json.RawMessage) error {
	return f(ctx, to, m)
}

// A consumer's reply is a send, and a send is never repeated: the cursor is durable past the
// event before its reply goes out, so a crash (kill -9, nothing saved on the way out) cannot
// deliver the event again and send its reply twice. When the cursor cannot be saved, the
// reply is not sent.
func TestPostReplyIsSentOnlyOnceTheCursorIsDurable(t *testing.T) {
	log := &cursorLog{MemLog: NewMemLog()}
	in := startIntake(t, log, IntakeOptions{})
	ctx := testCtx(t)
	c := newConsumer(t, "")
	c.answer = func(ev core.Event) string { return fmt.Sprintf(`{"reply":"%d"}`, ev.ID) }
	name := CursorName(c.srv.URL)
	type sent struct{ id, cursorAtSend uint64 }
	replies := make(chan sent, 16)
	opts := fastPost("")
	opts.Replier = replyFunc(func(_ context.Context, _ core.Context, m json.RawMessage) error {
		var id string
		_ = json.Unmarshal(m, &id)
		n, _ := strconv.ParseUint(id, 10, 64)
		cur, _ := log.Cursor(name)
		replies <- sent{n, cur}
		return nil
	})
	for n := range 3 {
		if _, err := in.Submit(ctx, src("a"), msg("a", n)); err != nil {
			t.Fatal(err)
		}
	}
	stop := runDeliverer(NewPostDeliverer(in, c.srv.URL, opts))
	defer stop()
	for want := uint64(1); want <= 3; want++ {
		r := testwait.Recv(t, replies, "a reply")
		if r.id != want || r.cursorAtSend < r.id {
			t.Fatalf("reply to event %d sent with the cursor at %d (want event %d, cursor ≥ it)", r.id, r.cursorAtSend, want)
		}
	}

	log.failCursor.Store(true)
	if _, err := in.Submit(ctx, src("a"), msg("a", 3)); err != nil {
		t.Fatal(err)
	}
	// The stats' cursor moves before the reply is decided on; stop waits for that decision.
	testwait.Until(t, "event 4 delivered", func() bool { return in.Stats().Consumers["post "+c.srv.URL].Cursor == 4 })
	stop()
	select {
	case r := <-replies:
		t.Fatalf("reply to event %d sent although the cursor could not be saved", r.id)
	default:
	}
}

// A consumer that redirects is not followed: Go would turn the POST into a body-less GET, and
// the answer to that GET would acknowledge (and even reply to) an event never received. The
// redirect is a failed delivery naming where it points, retried, and the cursor stays put.
func TestPostDelivererDoesNotFollowRedirects(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var logs testkit.LockedBuffer
			log := NewMemLog()
			in := startIntake(t, log, IntakeOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			var followed, attempts atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				http.Redirect(w, r, "/new?token=S3CRET", code)
			})
			mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
				followed.Add(1)
				io.WriteString(w, `{"reply":"page"}`)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			replier := &fakeReplier{}
			opts := fastPost("")
			opts.Replier = replier
			if _, err := in.Submit(testCtx(t), src("a"), msg("a", 0)); err != nil {
				t.Fatal(err)
			}
			stop := runDeliverer(NewPostDeliverer(in, srv.URL+"/old", opts))
			testwait.Until(t, "retried redirects", func() bool { return attempts.Load() >= 3 })
			stop()
			if n := followed.Load(); n != 0 {
				t.Errorf("the redirect was followed %d times", n)
			}
			if cur, _ := log.Cursor(CursorName(srv.URL + "/old")); cur != 0 {
				t.Errorf("cursor %d: a redirect acknowledged the event", cur)
			}
			if len(replier.replies) != 0 {
				t.Errorf("replies %v", replier.replies)
			}
			out := logs.String()
			if !strings.Contains(out, "redirected to "+srv.URL+"/new?…") || !strings.Contains(out, "configure the final URL") || strings.Contains(out, "S3CRET") {
				t.Errorf("log does not name the redirect (or shows its token):\n%s", out)
			}
		})
	}
}
