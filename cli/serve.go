package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/core/server"
	"ucbi-console/store"
)

func (c *command) serve(args []string) error {
	fs := c.flags("serve")
	// Each flag overrides the stored setting only when given (serveSettings).
	fs.String("listen", endpoint.DefaultListen, "address to listen on")
	fs.String("root", "/", "path of the UCBI API")
	fs.String("token", "", "token bots must send (default $UCBI_CONSOLE_TOKEN, else the stored one)")
	fs.Float64("rate", 0, "calls per second allowed per token (0 = no limit)")
	var origins, postURLs multiFlag
	fs.Var(&origins, "allow-origin", "origin allowed by CORS (repeatable)")
	fs.Var(&postURLs, "post-url", "URL every event is POSTed to (repeatable)")
	fs.String("post-secret", "", "signs the event POSTs (X-Signature)")
	fs.Bool("metrics", false, "serve GET /metrics (behind the token)")
	env, err := c.openParsed(fs, args)
	if err != nil {
		return err
	}
	defer env.Close()
	set, err := serveSettings(env.DB, fs)
	if err != nil {
		return err
	}
	opts := endpointOptions(set)
	opts.Log = lockedWriter(c.stdout)
	logger := slog.New(slog.NewTextHandler(lockedWriter(c.stderr), nil))
	rt, err := StartRuntime(env, set, logger)
	if err != nil {
		return err
	}
	srv, err := rt.NewEndpoint(opts)
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		rt.Close()
		return err
	}
	defer writeServing(env.DataDir, srv.Addr())() // before the line that says serve is up
	c.printServing(env, srv.Addr(), set, rt)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	stopped := make(chan struct{})
	go func() { srv.Wait(); close(stopped) }()
	var failed error
	select {
	case s := <-sig:
		fmt.Fprintf(c.stdout, "received %v: finishing in-flight calls\n", s)
	case <-stopped:
		failed = errors.New("the endpoint stopped unexpectedly")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The event path first: long polls and streams end when it stops, so the endpoint's
	// shutdown does not wait for them; in-flight calls still finish.
	rtErr := rt.Close()
	if err := srv.Shutdown(ctx); err != nil && failed == nil {
		failed = fmt.Errorf("shutdown: %v", err)
	}
	if rtErr != nil && failed == nil {
		failed = fmt.Errorf("events: %v", rtErr)
	}
	if failed != nil {
		return failed
	}
	fmt.Fprintln(c.stdout, "stopped")
	return nil
}

// StartRuntime starts the console's event half and bots over an environment (what serve runs,
// and what the desktop app starts beside its endpoint): set gives the POST URLs, their secret
// and whether /metrics is served. logger nil = slog.Default().
func StartRuntime(env *Env, set core.EndpointSettings, logger *slog.Logger) (*server.Runtime, error) {
	db := env.DB
	return server.Start(context.Background(), server.Config{
		Dispatcher: env.Dispatcher, Sources: db, Events: db, Bots: db,
		PostURLs: set.PostURLs, PostSecret: set.PostSecret,
		Metrics: set.Metrics, Sizes: storeSizes(db), Logger: logger,
	})
}

// storeSizes reads the history and event store sizes for /metrics.
func storeSizes(db *store.DB) func() (uint64, uint64) {
	return func() (uint64, uint64) {
		h, _ := db.HistoryCount()
		n, _, _, _ := db.EventCount()
		return uint64(max(h, 0)), uint64(max(n, 0))
	}
}

// printServing says where serve listens and what it serves: one line per source (its event
// link) and per bot, never a token.
func (c *command) printServing(env *Env, addr string, set core.EndpointSettings, rt *server.Runtime) {
	sources, _ := env.DB.Sources()
	bots := rt.Hub.Bots()
	fmt.Fprintf(c.stdout, "ucbi-console serving on http://%s (UCBI: POST %s; OneBot 11: POST /<action>, bots' WebSocket: ws://%s/; events: GET /events, /events/stream) — %d message source(s), %d bot(s), data in %s\n",
		addr, set.Root, addr, len(sources), len(bots), env.DataDir)
	for _, s := range sources {
		actions := s.ShownURL()
		if strings.TrimSpace(s.URL) == "" {
			actions = "over the WebSocket"
		}
		fmt.Fprintf(c.stdout, "  source %s: %s, actions %s, events %s%s\n", s.ID, s.Via, actions, linkName(s), eventsWhere(s, addr))
	}
	for _, b := range bots {
		where := b.URL // already without user info or query
		if b.Mode == core.BotWS {
			where = "dials ws://" + addr + "/"
		}
		fmt.Fprintf(c.stdout, "  bot %s: %s %s, on %s\n", b.ID, b.Mode, where, botSource(b.Source))
	}
	for _, u := range set.PostURLs {
		fmt.Fprintf(c.stdout, "  events POSTed to %s\n", shownURL(u))
	}
	if set.Metrics {
		fmt.Fprintf(c.stdout, "  metrics: GET http://%s/metrics\n", addr)
	}
}

// eventsWhere says where an open layer sends the events of a link it opens.
func eventsWhere(s core.Source, addr string) string {
	switch s.Events {
	case core.LinkWSReverse:
		return " (the open layer dials ws://" + addr + "/report/" + s.ID + ")"
	case core.LinkHTTPPost:
		return " (the open layer POSTs to http://" + addr + "/report/" + s.ID + ")"
	case core.LinkWS:
		return " from " + shownURL(s.WSURL)
	}
	return ""
}

// serveSettings are serve's settings: the stored ones (the GUI edits them), then
// $UCBI_CONSOLE_TOKEN for the token, then every flag given on the command line.
func serveSettings(db *store.DB, fs *flag.FlagSet) (core.EndpointSettings, error) {
	set, err := db.EndpointSettings()
	if err != nil {
		return core.EndpointSettings{}, err
	}
	if t := os.Getenv("UCBI_CONSOLE_TOKEN"); t != "" {
		set.Token = t
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "listen":
			set.Listen = f.Value.String()
		case "root":
			set.Root = f.Value.String()
		case "token":
			set.Token = f.Value.String()
		case "rate":
			set.Rate = f.Value.(flag.Getter).Get().(float64)
		case "allow-origin":
			set.AllowOrigins = []string(*f.Value.(*multiFlag))
		case "post-url":
			set.PostURLs = []string(*f.Value.(*multiFlag))
		case "post-secret":
			set.PostSecret = f.Value.String()
		case "metrics":
			set.Metrics = f.Value.(flag.Getter).Get().(bool)
		}
	})
	if set.Listen == "" {
		set.Listen = endpoint.DefaultListen
	}
	if set.Root == "" {
		set.Root = "/"
	}
	return set, nil
}

// endpointOptions are the endpoint's options from the settings.
func endpointOptions(set core.EndpointSettings) endpoint.Options {
	return endpoint.Options{Listen: set.Listen, Root: set.Root, Token: set.Token, RateLimit: set.Rate, AllowOrigins: set.AllowOrigins}
}

// serveOptions are the endpoint's options for serve (serveSettings, as endpoint options).
func serveOptions(db *store.DB, fs *flag.FlagSet) (endpoint.Options, error) {
	set, err := serveSettings(db, fs)
	if err != nil {
		return endpoint.Options{}, err
	}
	return endpointOptions(set), nil
}
