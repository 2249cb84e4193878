package link

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Default backoff of a client link: 1 s doubling to 30 s, jittered.
const (
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 30 * time.Second
	DefaultDialTimeout = 10 * time.Second
)

// Backoff is a capped, jittered exponential delay: the n-th wait is drawn from [d/2, d] with
// d = min(Min·2ⁿ, Max), so that links dropped together do not all redial at the same instant.
// The zero value waits 1 s → 30 s. It is not safe for concurrent use.
type Backoff struct {
	Min, Max time.Duration
	attempt  int
}

// Next is the wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < b.attempt && d < hi; i++ {
		d *= 2
	}
	if d > hi {
		d = hi
	}
	b.attempt++
	half := d / 2
	return half + rand.N(d-half+1)
}

func maxBackoff(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultMaxBackoff
	}
	return d
}

// Wait sleeps for the next delay, or until ctx ends (false then).
func (b *Backoff) Wait(ctx context.Context) bool {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Reset starts again from Min (after a link that stayed up).
func (b *Backoff) Reset() { b.attempt = 0 }

// State is a link's state, as reported on every change.
type State struct {
	Up     bool
	Reason string    // why it went down, or "connected"
	Since  time.Time // when it changed
}

// ClientConfig configures a link the console dials and keeps dialling.
type ClientConfig struct {
	// URL is ws:// or wss:// (http:// and https:// are taken as ws:// and wss://).
	URL string
	// Token is sent as "Authorization: <TokenScheme> <Token>" ("Bearer" unless said), and also
	// as ?access_token= when TokenQuery is set. It never appears in a reason or an error.
	Token       string
	TokenScheme string
	TokenQuery  bool
	// Header holds extra handshake headers (X-Self-ID, X-Client-Role, User-Agent for a reverse
	// WebSocket to a bot).
	Header http.Header

	MinBackoff, MaxBackoff time.Duration // 1 s, 30 s by default
	DialTimeout            time.Duration // the whole handshake; 10 s by default
	// HTTPClient makes the handshake (custom TLS, a proxy); nil = a plain client. Redirects
	// are never followed.
	HTTPClient *http.Client
	// Prepare, when set, runs before each dial (with a context that ends when the client is
	// closed) and gives headers to add to that handshake — ones only known at dial time (a
	// bot's X-Self-ID). Its error is that attempt's down reason; the client backs off and
	// tries again.
	Prepare func(ctx context.Context) (http.Header, error)

	// Conn configures each live connection: Silence (2 × the peer's heartbeat interval),
	// queue, limits, OnFrame. Its OnClose is the client's own; use OnState.
	Conn ConnOptions
	// OnState is called on every change: up once a handshake succeeds, down (with the reason)
	// when a dial fails or a live connection ends; a link failing the same way again is not
	// reported again. Calls are sequential, from the client's goroutine.
	OnState func(State)
	// OnConnect is called with each new live connection before frames are read from it (and
	// before the up state is reported); Send may be used in it (a hello frame) and so may
	// Close (the frames already queued are written first).
	OnConnect func(*Conn)
}

// Client keeps one WebSocket link up: it dials, and when the link drops or goes silent it redials
// after a backoff, until Close. It is safe for concurrent use.
type Client struct {
	cfg     ClientConfig
	dialURL string
	shown   string // the URL fit for reasons: no user info, no query

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	keeper keeper
	mu     sync.Mutex
	cur    *Conn
}

// NewClient checks the configuration and starts the link (in the background: the first state
// change says how the first dial went).
func NewClient(cfg ClientConfig) (*Client, error) {
	dialURL, shown, err := linkURL(cfg.URL, "link", map[string]string{"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"},
		"ws://127.0.0.1:3001", cfg.Token, cfg.TokenQuery)
	if err != nil {
		return nil, err
	}
	if cfg.TokenScheme == "" {
		cfg.TokenScheme = "Bearer"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	c := &Client{cfg: cfg, dialURL: dialURL, shown: shown, done: make(chan struct{}), keeper: keeper{on: cfg.OnState}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	return c, nil
}

// URL is the link's URL fit to show (no user info, no query).
func (c *Client) URL() string { return c.shown }

// State is the link's current state.
func (c *Client) State() State { return c.keeper.get() }

// Conn is the live connection, or nil while the link is down.
func (c *Client) Conn() *Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Send queues a frame on the live connection (see Conn.Send); ErrDown while the link is down.
func (c *Client) Send(ctx context.Context, frame []byte) error {
	conn := c.Conn()
	if conn == nil {
		return ErrDown
	}
	return conn.Send(ctx, frame)
}

// Close stops the link: the live connection is closed with reason "closed" and no redial
// follows. It returns once the link has stopped.
func (c *Client) Close() {
	c.cancel()
	<-c.done
}

// Done is closed once the link has stopped after Close.
func (c *Client) Done() <-chan struct{} { return c.done }

func (c *Client) run() {
	defer close(c.done)
	redial(c.ctx, Backoff{Min: c.cfg.MinBackoff, Max: c.cfg.MaxBackoff}, &c.keeper, func() (time.Time, string) {
		conn, err := c.dial()
		if err != nil {
			return time.Time{}, err.Error()
		}
		upAt := time.Now()
		c.mu.Lock()
		c.cur = conn
		c.mu.Unlock()
		if c.cfg.OnConnect != nil {
			c.cfg.OnConnect(conn)
		}
		conn.start()
		c.keeper.set(true, "connected")
		select {
		case <-conn.Done():
		case <-c.ctx.Done():
			conn.Close("closed")
			<-conn.Done()
		}
		c.mu.Lock()
		c.cur = nil
		c.mu.Unlock()
		return upAt, conn.Reason()
	})
}

// dial makes one attempt. Its error names the URL without the token and says what failed.
func (c *Client) dial() (*Conn, error) {
	h := c.cfg.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.cfg.Prepare != nil {
		extra, err := c.cfg.Prepare(c.ctx)
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			h[k] = v
		}
	}
	if c.cfg.Token != "" {
		h.Set("Authorization", c.cfg.TokenScheme+" "+c.cfg.Token)
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.DialTimeout)
	defer cancel()
	hc := http.Client{}
	if c.cfg.HTTPClient != nil {
		hc = *c.cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ws, resp, err := websocket.Dial(ctx, c.dialURL, &websocket.DialOptions{HTTPHeader: h, HTTPClient: &hc})
	if err != nil {
		switch {
		case resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
			return nil, fmt.Errorf("%s refused the token (HTTP %d)", c.shown, resp.StatusCode)
		case resp != nil:
			return nil, fmt.Errorf("%s did not accept a WebSocket (HTTP %d)", c.shown, resp.StatusCode)
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("%s: the handshake did not finish within %s", c.shown, c.cfg.DialTimeout)
		}
		return nil, fmt.Errorf("cannot reach %s: %s", c.shown, c.redact(err.Error()))
	}
	var rh http.Header
	if resp != nil {
		rh = resp.Header
	}
	return newConn(ws, rh, c.cfg.Conn), nil
}

// redact removes the token (and the URL with its query) from a transport error's text.
func (c *Client) redact(s string) string {
	// The library reports the handshake's URL in its http(s) form.
	httpURL := "http" + strings.TrimPrefix(c.dialURL, "ws")
	s = strings.ReplaceAll(strings.ReplaceAll(s, c.dialURL, c.shown), httpURL, c.shown)
	if c.cfg.Token != "" {
		s = strings.ReplaceAll(s, c.cfg.Token, "****")
		s = strings.ReplaceAll(s, url.QueryEscape(c.cfg.Token), "****")
	}
	return s
}

// keeper holds a link's state and reports its changes.
type keeper struct {
	mu    sync.Mutex
	state State
	on    func(State)
}

func (k *keeper) get() State {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// set records a state and reports it when it changed: up ↔ down, or a down link's reason. A
// link failing the same way on every attempt reports once.
func (k *keeper) set(up bool, reason string) {
	k.mu.Lock()
	changed := k.state.Since.IsZero() || k.state.Up != up || k.state.Reason != reason
	if changed {
		k.state = State{Up: up, Reason: reason, Since: time.Now()}
	}
	st := k.state
	k.mu.Unlock()
	if changed && k.on != nil {
		k.on(st)
	}
}

// redial runs sessions until ctx is done. session makes one attempt and, when it got the link
// up, holds it until it ends; it returns when the link came up (zero if it never did) and why the
// attempt or the link ended. Between attempts it waits a backoff, which starts from the bottom
// again after a link that stayed up for the longest backoff (one that drops at once, as with a
// refused token, keeps backing off).
func redial(ctx context.Context, b Backoff, k *keeper, session func() (time.Time, string)) {
	for {
		upAt, reason := session()
		if ctx.Err() != nil {
			k.set(false, "closed")
			return
		}
		k.set(false, reason)
		if !upAt.IsZero() && time.Since(upAt) >= maxBackoff(b.Max) {
			b.Reset()
		}
		if !b.Wait(ctx) {
			k.set(false, "closed")
			return
		}
	}
}

// linkURL checks a link's URL and token: the scheme (lower-cased) must be a key of schemes and
// becomes its value; the token must fit in a header. It returns the URL to dial (with
// ?access_token= when tokenQuery) and the URL fit to show (no user info, no query).
func linkURL(raw, what string, schemes map[string]string, example, token string, tokenQuery bool) (dial, shown string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || strings.TrimSpace(raw) == "" {
		return "", "", fmt.Errorf("the %s URL is not a valid URL (like %s)", what, example)
	}
	scheme, ok := schemes[strings.ToLower(u.Scheme)]
	if !ok {
		return "", "", fmt.Errorf("the %s URL must start like %s, not %q", what, example, u.Scheme+"://")
	}
	u.Scheme = scheme
	if u.Host == "" {
		return "", "", fmt.Errorf("the %s URL has no host", what)
	}
	if strings.IndexFunc(token, func(r rune) bool { return r < 0x21 || r == 0x7f }) >= 0 {
		return "", "", fmt.Errorf("the token contains spaces or control characters, which a header cannot carry")
	}
	sh := *u
	sh.User, sh.RawQuery, sh.ForceQuery, sh.Fragment = nil, "", false, ""
	if token != "" && tokenQuery {
		q := u.Query()
		q.Set("access_token", token)
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	return u.String(), sh.String(), nil
}
