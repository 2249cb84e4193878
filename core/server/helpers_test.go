package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/server"
	"ucbi-console/internal/testkit"
	"ucbi-console/store"
)

// testWait bounds every wait: nothing should take long; it keeps a broken test from hanging.
const testWait = 20 * time.Second

const consoleToken = "console-token-1234"

// console is a running console on loopback over a real store in a temp dir.
type console struct {
	t    *testing.T
	db   *store.DB
	d    *core.Dispatcher
	rt   *server.Runtime
	srv  *endpoint.Server
	base string // http://127.0.0.1:port
}

// startConsole stores the sources and bots, starts the runtime and an endpoint with its doors.
func startConsole(t *testing.T, sources []core.Source, bots []core.Bot, mod func(*server.Config)) *console {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Store(t, db, sources, bots)
	d := core.NewDispatcher(db, db, db)
	server.Register(d)
	for _, s := range sources {
		if err := d.ValidateSource(s); err != nil {
			t.Fatalf("source %s: %v", s.ID, err)
		}
	}
	cfg := server.Config{Dispatcher: d, Sources: db, Events: db, Bots: db, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	rt, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rt.NewEndpoint(endpoint.Options{Listen: "127.0.0.1:0", Token: consoleToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c := &console{t: t, db: db, d: d, rt: rt, srv: srv, base: "http://" + srv.Addr()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		if err := rt.Close(); err != nil {
			t.Errorf("runtime close: %v", err)
		}
		srv.Shutdown(ctx)
		db.Close()
	})
	return c
}

// do makes one request to the endpoint with the console's token.
func (c *console) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+consoleToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// poll is a long-polling consumer: GET /events after an id, until a message event whose text
// contains want comes; it returns that event.
func (c *console) poll(after *uint64, want string) core.Event {
	c.t.Helper()
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		status, body := c.do("GET", "/events?limit=100&timeout=5&after="+itoa(*after), nil)
		if status != 200 {
			c.t.Fatalf("GET /events: %d %s", status, body)
		}
		var resp struct {
			Events []core.Event `json:"events"`
			Next   uint64       `json:"next"`
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			c.t.Fatalf("GET /events: %v: %s", err, body)
		}
		*after = resp.Next
		for _, ev := range resp.Events {
			if ev.Type == core.EventMessage && strings.Contains(string(ev.Data), want) {
				return ev
			}
		}
	}
	c.t.Fatalf("no message event saying %q reached the long-polling consumer", want)
	return core.Event{}
}

// waitFor polls cond every few ms until it holds, failing after testWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// linkUp waits until a source's event link is up.
func (c *console) linkUp(id string) {
	c.t.Helper()
	waitFor(c.t, "source "+id+"'s link to come up", func() bool {
		up, _, known := c.rt.Events.Intake.Live(id)
		return known && up
	})
}

// linkedTo waits until source id's link is up at both ends: the console counts a link up
// once its handshake is answered, a moment before the fake has filed the connection among
// those it pushes to — an event emitted in that moment reaches no one (CI lost one so).
func (c *console) linkedTo(id string, fake *onebottest.Server) {
	c.t.Helper()
	c.linkUp(id)
	waitFor(c.t, "the fake to push to source "+id+"'s link", func() bool { return fake.EventLinks() > 0 })
}

// historyHas waits until history has an ok row of action from origin to target.
func (c *console) historyHas(origin, action, target string) {
	c.t.Helper()
	waitFor(c.t, "history row "+origin+" "+action+" "+target, func() bool {
		rows, _, err := c.db.HistoryScan(0, 200, store.HistoryFilter{Action: action})
		if err != nil {
			c.t.Fatal(err)
		}
		for _, r := range rows {
			if r.Origin == origin && r.Target == target && r.Outcome == core.OutcomeOK {
				return true
			}
		}
		return false
	})
}

// storeFilter is a history filter on one origin.
func storeFilter(origin string) store.HistoryFilter { return store.HistoryFilter{Origin: origin} }

// storeFilterSource is a history filter on send_message rows of one source.
func storeFilterSource(id string) store.HistoryFilter {
	return store.HistoryFilter{Source: id, Action: "send_message"}
}
