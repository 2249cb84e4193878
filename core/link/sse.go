package link

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxEvent bounds one Server-Sent Event (all its data lines together).
const DefaultMaxEvent = 4 << 20

// DefaultSSESilence is how long a stream may send nothing before it is dropped and redialled
// when SSEConfig.Silence is unset: without a limit a half-open stream (the server gone, no FIN)
// would hang forever. Open layers send an event or a ":" keep-alive well within it.
const DefaultSSESilence = 60 * time.Second

// SSEConfig configures a Server-Sent Events link the console dials and keeps dialling (NapCat
// httpSseServers and LLOneBot: GET {url}/_events).
type SSEConfig struct {
	// URL is the stream's full http:// or https:// URL.
	URL string
	// Token is sent as "Authorization: Bearer <Token>", and as ?access_token= when TokenQuery.
	Token      string
	TokenQuery bool
	Header     http.Header

	MinBackoff, MaxBackoff time.Duration // 1 s, 30 s by default
	DialTimeout            time.Duration // until the response headers; 10 s by default
	// Silence: a stream that sends nothing (no event, no comment) for this long is dropped and
	// redialled. 0 = DefaultSSESilence; negative = never.
	Silence time.Duration
	// MaxEvent bounds one event in bytes; a bigger one drops the stream (DefaultMaxEvent).
	MaxEvent int

	// OnEvent gets each event's data (its data lines joined by "\n"), in order, on the link's
	// goroutine: hand it on rather than block. data is the caller's to keep.
	OnEvent func(data []byte)
	// OnState: as ClientConfig.OnState.
	OnState func(State)
}

// SSE keeps one Server-Sent Events stream up, resuming with Last-Event-ID when the server gives
// ids. It is safe for concurrent use.
type SSE struct {
	cfg    SSEConfig
	reqURL string
	shown  string
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	keeper keeper
	lastID atomic.Value // string
}

// NewSSE checks the configuration and starts the stream in the background.
func NewSSE(cfg SSEConfig) (*SSE, error) {
	reqURL, shown, err := linkURL(cfg.URL, "stream", map[string]string{"http": "http", "https": "https"},
		"http://127.0.0.1:3000/_events", cfg.Token, cfg.TokenQuery)
	if err != nil {
		return nil, err
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.MaxEvent <= 0 {
		cfg.MaxEvent = DefaultMaxEvent
	}
	if cfg.Silence == 0 {
		cfg.Silence = DefaultSSESilence
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = cfg.DialTimeout
	tr.DialContext = (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	s := &SSE{
		cfg:    cfg,
		reqURL: reqURL,
		shown:  shown,
		// No overall timeout (a stream lasts), no redirects (a login page is not a stream).
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		done:   make(chan struct{}),
		keeper: keeper{on: cfg.OnState},
	}
	s.lastID.Store("")
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go func() {
		defer close(s.done)
		defer tr.CloseIdleConnections()
		redial(s.ctx, Backoff{Min: cfg.MinBackoff, Max: cfg.MaxBackoff}, &s.keeper, s.session)
	}()
	return s, nil
}

// URL is the stream's URL fit to show.
func (s *SSE) URL() string { return s.shown }

// State is the link's current state.
func (s *SSE) State() State { return s.keeper.get() }

// Close stops the stream and returns once it has stopped.
func (s *SSE) Close() {
	s.cancel()
	<-s.done
}

// session holds one stream from request to end.
func (s *SSE) session() (time.Time, string) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.reqURL, nil)
	if err != nil {
		return time.Time{}, "cannot build the request: " + s.redact(err.Error())
	}
	for k, v := range s.cfg.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	if id := s.lastID.Load().(string); id != "" {
		req.Header.Set("Last-Event-ID", id)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if s.ctx.Err() != nil {
			return time.Time{}, "closed"
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return time.Time{}, fmt.Sprintf("%s did not answer within %s", s.shown, s.cfg.DialTimeout)
		}
		return time.Time{}, fmt.Sprintf("cannot reach %s: %s", s.shown, s.redact(err.Error()))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return time.Time{}, fmt.Sprintf("%s refused the token (HTTP %d)", s.shown, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return time.Time{}, fmt.Sprintf("%s answered HTTP %d, not an event stream", s.shown, resp.StatusCode)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "text/event-stream" {
		return time.Time{}, fmt.Sprintf("%s answered %q, not text/event-stream", s.shown, ct)
	}
	upAt := time.Now()
	s.keeper.set(true, "connected")

	var silent atomic.Bool
	var watchdog *time.Timer
	if s.cfg.Silence > 0 {
		watchdog = time.AfterFunc(s.cfg.Silence, func() { silent.Store(true); cancel() })
		defer watchdog.Stop()
	}
	err = readEvents(resp.Body, s.cfg.MaxEvent, func() {
		if watchdog != nil {
			watchdog.Reset(s.cfg.Silence)
		}
	}, func(id string, data []byte) {
		if id != "" {
			s.lastID.Store(id)
		}
		if s.cfg.OnEvent != nil {
			s.cfg.OnEvent(data)
		}
	})
	switch {
	case s.ctx.Err() != nil:
		return upAt, "closed"
	case silent.Load():
		return upAt, fmt.Sprintf("silent: nothing for %s", s.cfg.Silence)
	case errors.Is(err, io.EOF):
		return upAt, "the server ended the stream"
	case errors.Is(err, errEventTooBig):
		return upAt, fmt.Sprintf("the server sent an event larger than %d bytes", s.cfg.MaxEvent)
	}
	return upAt, "connection lost: " + s.redact(err.Error())
}

func (s *SSE) redact(t string) string {
	t = strings.ReplaceAll(t, s.reqURL, s.shown)
	if s.cfg.Token != "" {
		t = strings.ReplaceAll(t, s.cfg.Token, "****")
		t = strings.ReplaceAll(t, url.QueryEscape(s.cfg.Token), "****")
	}
	return t
}

var errEventTooBig = errors.New("event too big")

// readEvents parses a text/event-stream until it ends: seen is called for every line (comments
// included: servers send ":" keep-alives), emit for every event with data (its id, or "").
// Fields other than data and id (event, retry) are read and ignored. It returns io.EOF at the
// end of the stream, errEventTooBig when a line or an event grows past max.
func readEvents(r io.Reader, max int, seen func(), emit func(id string, data []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var data []byte
	var hasData bool
	var id string
	for {
		line, err := readLine(br, max)
		if err != nil {
			return err
		}
		seen()
		if len(line) == 0 { // a blank line dispatches the event
			if hasData {
				emit(id, data)
			}
			data, hasData = nil, false
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			if len(data)+len(value) > max {
				return errEventTooBig
			}
			data = append(data, value...)
			hasData = true
		case "id":
			if !bytes.ContainsRune(value, 0) {
				id = string(value)
			}
		}
	}
}

// readLine reads one line (ended by \n or \r\n) of at most max bytes, without its ending.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > max+2 {
			return nil, errEventTooBig
		}
		line = append(line, part...)
		switch {
		case err == nil:
			line = line[:len(line)-1]
			return bytes.TrimSuffix(line, []byte("\r")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		}
		return nil, err
	}
}
