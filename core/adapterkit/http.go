// Package adapterkit is what the adapters of open layers share: checking a source's URL and
// token, one resty client per source set up the house way (timeout, no retries, no redirects, no
// logging, Bearer token), transport failures as *core.Error values that never show the token or
// the URL's query, and small readers of loosely typed JSON (ids, times, flat event data).
//
// The OneBot 11, OneBot 12 and Openwx adapters all use it: one copy of this logic.
package adapterkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"ucbi-console/core"
)

// MaxReplyBytes bounds a backend's reply body.
const MaxReplyBytes = 32 << 20

// Endpoint is a source's URL split for use: Base is scheme://host/prefix without a trailing slash
// and without the query; Query (which may hold ?access_token=) is added to every request and never
// shown; Shown is Base without user info, fit for messages.
type Endpoint struct {
	Base  string
	Query string
	Shown string
	token string
}

// Parse checks a source's URL (http or https with a host) and token (no spaces or control
// characters: a header cannot carry them). Errors are CodeBadParam naming the source.
func Parse(src core.Source) (Endpoint, error) {
	if strings.IndexFunc(src.Token, func(r rune) bool { return r < 0x21 || r == 0x7f }) >= 0 {
		return Endpoint{}, core.Errorf(core.CodeBadParam, "source %q: the token contains spaces or control characters, which an HTTP header cannot carry", src.ID)
	}
	raw := strings.TrimSpace(src.URL)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return Endpoint{}, core.Errorf(core.CodeBadParam, "source %q: url is not a valid URL (like http://127.0.0.1:3000)", src.ID)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return Endpoint{}, core.Errorf(core.CodeBadParam, "source %q: url must start with http:// or https://", src.ID)
	}
	if u.Host == "" || u.Hostname() == "" {
		return Endpoint{}, core.Errorf(core.CodeBadParam, "source %q: url has no host", src.ID)
	}
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	e := Endpoint{Query: u.RawQuery, token: src.Token}
	u.RawQuery, u.ForceQuery = "", false
	e.Base = u.String()
	u.User = nil
	e.Shown = u.String()
	return e, nil
}

// URL is Base + path + the source's query.
func (e Endpoint) URL(path string) string {
	u := e.Base + path
	if e.Query != "" {
		u += "?" + e.Query
	}
	return u
}

// Redact removes the token and the URL's query from a text that came from the transport.
func (e Endpoint) Redact(s string) string {
	if e.token != "" {
		s = strings.ReplaceAll(s, e.token, "****")
	}
	if e.Query != "" {
		s = strings.ReplaceAll(s, e.Query, "****")
	}
	return s
}

// NewClient is the one HTTP client of a source: the source's timeout, no retries (a retried send
// is a duplicate message), no cookie jar, no logging, no redirects (a 3xx is reported, not
// followed: it would turn a POST into a GET), replies bounded by MaxReplyBytes, and the token as
// "Authorization: Bearer" when there is one.
func NewClient(src core.Source, timeout time.Duration) *resty.Client {
	noRedirect := resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	c := resty.NewWithClient(&http.Client{})
	if t, ok := c.GetClient().Transport.(*http.Transport); ok {
		// resty keeps GOMAXPROCS+1 idle connections per host: concurrent calls would redial.
		t.MaxIdleConnsPerHost = 64
	}
	c.SetTimeout(timeout)
	c.SetRetryCount(0)
	c.SetLogger(quietLogger{})
	c.SetDisableWarn(true)
	c.SetResponseBodyLimit(MaxReplyBytes)
	c.SetRedirectPolicy(noRedirect)
	c.SetHeader("User-Agent", "ucbi-console")
	if src.Token != "" {
		c.SetAuthToken(src.Token)
	}
	return c
}

// quietLogger drops resty's log lines: nothing about a call is logged from here.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// TransportError turns a failed request into CodeBackendTimeout (the source's limit or the
// caller's deadline passed, or the caller cancelled) or CodeBackendDown. where is "POST http://…"
// for the message; limit is the source's timeout; took how long the call ran.
func (e Endpoint) TransportError(ctx context.Context, where string, limit time.Duration, err error, took time.Duration) *core.Error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return core.Errorf(core.CodeBackendTimeout, "the call was cancelled before the backend answered (%s)", where)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if dl, ok := ctx.Deadline(); ok && time.Until(dl)+took < limit {
			return core.Errorf(core.CodeBackendTimeout, "the backend did not answer before the call's deadline (%s, after %s)",
				where, took.Round(time.Millisecond))
		}
		return core.Errorf(core.CodeBackendTimeout, "the backend did not answer within %s (%s)", limit, where)
	case errors.Is(err, resty.ErrResponseBodyTooLarge):
		return core.Errorf(core.CodeBackendBadReply, "the backend's reply is larger than %d MiB (%s)", MaxReplyBytes>>20, where)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return core.Errorf(core.CodeBackendDown,
			"the backend closed the connection without answering (%s): the action may or may not have run", where)
	}
	return core.Errorf(core.CodeBackendDown, "cannot reach the backend (%s): %s", where, e.Redact(inner.Error()))
}

// ValidName reports whether name can be an action or route name: letters, digits, '_', '-', '.',
// not "." or "..", at most 128 bytes. Anything else could reach a different path on the backend.
func ValidName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// snippetRunes bounds the part of a backend's body quoted in an error.
const snippetRunes = 120

// Snippet is a one-line, bounded, valid-UTF-8 excerpt of a body for an error message.
func Snippet(b []byte) string {
	var sb strings.Builder
	n, space := 0, false
	s := strings.TrimSpace(string(b))
	for len(s) > 0 && n < snippetRunes {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '\uFFFD'
		case unicode.IsSpace(r):
			space = true
			continue
		case !unicode.IsPrint(r):
			r = '\uFFFD'
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
			n++
		}
		space = false
		sb.WriteRune(r)
		n++
	}
	if strings.TrimSpace(s) != "" {
		sb.WriteString("…")
	}
	return sb.String()
}

// BadReply is CodeBackendBadReply for an answer that is not the protocol's: what it was, and a
// short quote of it.
func BadReply(protocol string, status int, body []byte) *core.Error {
	var what string
	t := strings.TrimSpace(string(body))
	switch {
	case t == "":
		what = "an empty body"
	case strings.HasPrefix(t, "<"):
		what = "an HTML page (is the URL pointing at something else?)"
	default:
		what = "something that is not a " + protocol + " reply"
	}
	msg := fmt.Sprintf("backend answered HTTP %d with %s", status, what)
	if s := Snippet(body); s != "" {
		msg += ": " + fmt.Sprintf("%q", s)
	}
	e := &core.Error{Code: core.CodeBackendBadReply, Message: msg}
	if status != http.StatusOK {
		e.HTTPStatus = status
	}
	return e
}

// Short cuts a caller's text to 80 runes for an error message.
func Short(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
