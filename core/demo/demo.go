// Package demo is a built-in OneBot 11 open layer that runs inside the console process on
// loopback, so that every screen can be tried with nothing else installed (`ucbi-console demo`,
// "Try the demo").
//
// It plays a NapCat account in use: a bot account (10001 "演示机器人") with six friends and three
// groups whose members have cards, roles and titles, and a scripted, randomized stream of what
// such an account sees every few seconds — group chatter with text, faces, @ the bot, replies,
// pictures (served by the demo itself, so no internet is needed), recommend cards (the real Ark
// samples), merged forwards and files; private messages; joins, leaves, recalls, pokes, friend
// requests and new friends; heartbeats. What the console sends is stored, answered with a
// message_id, reported as a message_sent event, and often answered a tick or two later, so the
// inbox shows a conversation.
//
// Transport, as NapCat's httpServers and websocketServers: actions at POST /{action} (GET with a
// query works too); a forward WebSocket at GET / (events and actions), /api (actions only) and
// /event (events only); an optional token as "Authorization: Bearer" or ?access_token. Answers,
// retcodes and the bad-token frame are NapCat's.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// What get_version_info answers.
const (
	AppName = "UCBI Demo"
	Version = "1.0.0"
)

// SourceID is the id of the source Source returns.
const SourceID = "demo"

// Defaults.
const (
	DefaultInterval  = 4 * time.Second
	DefaultHeartbeat = 30 * time.Second // NapCat's heartInterval
)

// Options configure a demo. The zero value listens on 127.0.0.1:0, without a token, and emits
// an event every DefaultInterval.
type Options struct {
	Listen    string        // host:port; "" = 127.0.0.1:0
	Token     string        // required on actions and WebSockets when set
	Interval  time.Duration // between scripted events; 0 = DefaultInterval
	Heartbeat time.Duration // between heartbeats; 0 = DefaultHeartbeat
	Seed      uint64        // the script's randomness; 0 = random

	// Ticks, when set, drives the script instead of a ticker every Interval: each value received
	// emits the replies that are due or else one scripted event. Tests use it to get events at
	// once; HeartbeatTicks does the same for heartbeats.
	Ticks          <-chan time.Time
	HeartbeatTicks <-chan time.Time
	// Now gives event times; nil = time.Now.
	Now func() time.Time
}

// Demo is a running demo open layer. Its methods are safe for concurrent use.
type Demo struct {
	opts  Options
	world *world
	hub   *hub
	ln    net.Listener
	srv   *http.Server
	base  string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the script and every WebSocket connection
	once   sync.Once
}

// Start listens and starts the script. The demo stops when ctx ends or Close is called.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		opts.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("demo: cannot listen on %s: %w", opts.Listen, err)
	}
	d := &Demo{opts: opts, ln: ln, hub: newHub(), base: "http://" + ln.Addr().String()}
	d.world = newWorld(opts.Seed, opts.Now())
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.srv = &http.Server{
		Handler:           d,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return d.ctx },
	}
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.cancel()
		}
	}()
	go func() {
		defer d.wg.Done()
		d.run()
	}()
	go func() {
		select {
		case <-ctx.Done():
			d.Close()
		case <-d.ctx.Done():
		}
	}()
	return d, nil
}

// URL is where actions are POSTed: http://127.0.0.1:PORT.
func (d *Demo) URL() string { return d.base }

// WSURL is the forward WebSocket carrying events and actions: ws://127.0.0.1:PORT/.
func (d *Demo) WSURL() string { return "ws" + strings.TrimPrefix(d.base, "http") + "/" }

// Source is a ready-to-store source for the demo: OneBot 11 (NapCat flavor), actions over HTTP,
// events over the forward WebSocket.
func (d *Demo) Source() core.Source {
	return core.Source{
		ID: SourceID, Via: onebot.Via, URL: d.URL(), Token: d.opts.Token, Flavor: "napcat",
		Platform: "qq", Events: core.LinkWS, WSURL: d.WSURL(), SelfID: fmt.Sprint(SelfID),
		HeartbeatMS: int(d.opts.Heartbeat / time.Millisecond),
	}
}

// Close stops the script, closes every WebSocket (1001, going away) and the listener, and waits
// for them. It is safe to call more than once.
func (d *Demo) Close() error {
	var err error
	d.once.Do(func() {
		d.cancel()
		err = d.srv.Close()
		d.hub.closeAll()
		d.wg.Wait()
	})
	return err
}

// run is the script: scripted events on every tick, heartbeats on theirs.
func (d *Demo) run() {
	ticks, beats := d.opts.Ticks, d.opts.HeartbeatTicks
	if ticks == nil {
		t := time.NewTicker(d.opts.Interval)
		defer t.Stop()
		ticks = t.C
	}
	if beats == nil {
		t := time.NewTicker(d.opts.Heartbeat)
		defer t.Stop()
		beats = t.C
	}
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-ticks:
			for _, ev := range d.world.step(d.now(), d.base) {
				d.hub.broadcast(ev)
			}
		case <-beats:
			d.hub.broadcast(d.heartbeat())
		}
	}
}

func (d *Demo) heartbeat() []byte {
	return eventJSON(map[string]any{
		"time": d.now().Unix(), "self_id": SelfID, "post_type": "meta_event", "meta_event_type": "heartbeat",
		"status": map[string]any{"online": true, "good": true}, "interval": d.opts.Heartbeat.Milliseconds(),
	})
}

func (d *Demo) lifecycle() []byte {
	return eventJSON(map[string]any{
		"time": d.now().Unix(), "self_id": SelfID, "post_type": "meta_event", "meta_event_type": "lifecycle",
		"sub_type": "connect",
	})
}
