package onebot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/adapterkit"
	"ucbi-console/core/link"
)

// Caller runs one OneBot action on some transport and returns the reply envelope's bytes,
// for ParseEnvelope(200, reply). Errors are *core.Error (CodeBackendDown, CodeBackendTimeout,
// CodeUnknownAction). An adapter whose source has no HTTP URL uses one instead of HTTP.
type Caller interface {
	Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error)
}

// Sender is a live link frames can be queued on: *link.Conn and *link.Client are Senders.
type Sender = link.Sender

// WSCaller runs OneBot 11 actions over a WebSocket: frames {action, params, echo}, replies
// matched by echo (link.Calls, the one matcher every WebSocket link uses), any number of
// concurrent callers, each call bounded by the timeout and never retried (a resent send is a
// duplicate message). Every incoming frame is offered to HandleFrame; the frames it does not take
// are events. The link it sends on is Attached when it comes up and Detached when it goes down;
// a call pending on a link that goes away fails at once.
type WSCaller struct{ calls *link.Calls }

// NewWSCaller makes a caller whose calls each wait at most timeout (a source's Timeout()).
func NewWSCaller(timeout time.Duration) *WSCaller {
	return &WSCaller{calls: link.NewCalls(timeout)}
}

// Attach makes s the link calls go over (replacing any other: calls pending on it fail).
func (w *WSCaller) Attach(s Sender) { w.calls.Attach(s) }

// Detach says the link s went down, and why (see link.Calls.Detach).
func (w *WSCaller) Detach(s Sender, reason string) { w.calls.Detach(s, reason) }

// HandleFrame takes a frame that answers one of this caller's calls and reports true; any other
// frame (an event, a lifecycle frame) gives false.
func (w *WSCaller) HandleFrame(frame []byte) bool { return w.calls.HandleFrame(frame) }

// Call runs one action over the attached link and returns the reply frame (an envelope with our
// echo). params nil means {}.
func (w *WSCaller) Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error) {
	if !adapterkit.ValidName(action) {
		return nil, core.Errorf(core.CodeUnknownAction,
			"%q is not a OneBot action name (letters, digits, '_', '-' and '.' only)", short(action))
	}
	return w.calls.Call(ctx, action, ActionFrame(action, params))
}

// ActionFrame is the builder of a OneBot 11 action frame {action, params, echo} for
// link.Calls.Call; params nil (or null) means {}.
func ActionFrame(action string, params json.RawMessage) func(echo string) ([]byte, error) {
	if len(bytes.TrimSpace(params)) == 0 || bytes.Equal(bytes.TrimSpace(params), []byte("null")) {
		params = json.RawMessage("{}")
	}
	return func(echo string) ([]byte, error) {
		return json.Marshal(struct {
			Action string          `json:"action"`
			Params json.RawMessage `json:"params"`
			Echo   string          `json:"echo"`
		}{action, params, echo})
	}
}

// WSLink is a source's forward WebSocket link (NapCat websocketServers): the console dials
// Source.WSURL with the token (Authorization: Bearer and ?access_token), redials it with backoff,
// declares it down after 2 × HeartbeatMS of silence, takes actions over it (Call) and hands every
// other frame to OnEvent.
type WSLink struct {
	caller *WSCaller
	client *link.Client
	// refused is set when the open layer answered the handshake with NapCat's 1403 frame.
	refused atomic.Bool
}

// WSLinkConfig configures a WSLink.
type WSLinkConfig struct {
	Source core.Source
	// OnEvent gets every frame that is not an action's reply, in order, on the link's reading
	// goroutine (decode it with DecodeEvent, hand it on; do not block).
	OnEvent func(raw []byte)
	// OnState gets the link's state changes (up; down with the reason). Reasons never hold the
	// token.
	OnState func(link.State)
	// MinBackoff and MaxBackoff override the 1 s → 30 s redial backoff (tests).
	MinBackoff, MaxBackoff time.Duration
}

// Silence is how long a source's link may stay quiet before it is declared down: twice its
// heartbeat interval (30 s when it sets none).
func Silence(src core.Source) time.Duration {
	hb := time.Duration(src.HeartbeatMS) * time.Millisecond
	if hb <= 0 {
		hb = 30 * time.Second
	}
	return 2 * hb
}

// DialWS starts a source's forward WebSocket link (in the background: OnState says how it goes).
func DialWS(cfg WSLinkConfig) (*WSLink, error) {
	src := cfg.Source
	if strings.TrimSpace(src.WSURL) == "" {
		return nil, core.Errorf(core.CodeBadParam, "source %q has no ws_url to dial", src.ID)
	}
	l := &WSLink{caller: NewWSCaller(src.Timeout())}
	ready := make(chan struct{}) // l.client is set: state changes may come before NewClient returns
	var err error
	l.client, err = link.NewClient(link.ClientConfig{
		URL: src.WSURL, Token: src.Token, TokenQuery: true,
		Header:     http.Header{"User-Agent": {"ucbi-console"}},
		MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff,
		Conn: link.ConnOptions{
			Silence: Silence(src),
			OnFrame: func(c *link.Conn, frame []byte) {
				if l.caller.HandleFrame(frame) {
					return
				}
				if isTokenRefusal(frame) {
					l.refused.Store(true)
					c.CloseWith(1008, "token refused")
					return
				}
				if cfg.OnEvent != nil {
					cfg.OnEvent(frame)
				}
			},
		},
		OnState: func(st link.State) {
			<-ready
			if st.Up {
				l.caller.Attach(l.client)
			} else {
				// The flag is consumed by the down of the connection that was refused (its
				// frame can come before its up is reported, never after its down).
				if l.refused.Swap(false) {
					st.Reason = "the backend refused the token (retcode 1403): check the source's token"
				}
				l.caller.Detach(l.client, st.Reason)
			}
			if cfg.OnState != nil {
				cfg.OnState(st)
			}
		},
	})
	if err != nil {
		return nil, core.Errorf(core.CodeBadParam, "source %q: ws_url: %v", src.ID, err)
	}
	close(ready)
	return l, nil
}

// Call runs one action over the link (see WSCaller.Call).
func (l *WSLink) Call(ctx context.Context, action string, params json.RawMessage) ([]byte, error) {
	return l.caller.Call(ctx, action, params)
}

// State is the link's current state.
func (l *WSLink) State() link.State { return l.client.State() }

// Close stops the link.
func (l *WSLink) Close() { l.client.Close() }

// isTokenRefusal recognises NapCat's answer to a bad token on a WebSocket: a failure envelope
// with retcode 1403 (or 1401) and no echo, sent before it closes.
func isTokenRefusal(frame []byte) bool {
	if !bytes.Contains(frame, []byte("140")) {
		return false
	}
	var r struct {
		Status   string          `json:"status"`
		Retcode  int             `json:"retcode"`
		Echo     json.RawMessage `json:"echo"`
		PostType json.RawMessage `json:"post_type"`
	}
	if json.Unmarshal(frame, &r) != nil || len(r.PostType) > 0 {
		return false
	}
	return r.Status == "failed" && (r.Retcode == 1403 || r.Retcode == 1401) && !present(r.Echo)
}
