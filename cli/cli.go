// Package cli is ucbi-console's command line — one of the two front doors beside ui/ — and the
// program's wiring: the subcommands that run without a display (serve, source, history, ark)
// and the set-up they share with the desktop app (data dir, store, dispatcher with every
// adapter). main.go hands it the arguments and a function that opens the window.
package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/core/onebot"
	"ucbi-console/core/server"
	"ucbi-console/store"
)

// Env is what every command works with: the data dir, the open store and a dispatcher with
// every adapter registered.
type Env struct {
	DataDir    string
	DB         *store.DB
	Dispatcher *core.Dispatcher
}

// OpenEnv opens the store in dataDir and builds the dispatcher over it.
func OpenEnv(dataDir string) (*Env, error) {
	db, err := store.Open(dataDir)
	if err != nil {
		return nil, err
	}
	return newEnv(dataDir, db), nil
}

func newEnv(dataDir string, db *store.DB) *Env {
	return &Env{DataDir: dataDir, DB: db, Dispatcher: NewDispatcher(db)}
}

// NewDispatcher builds a dispatcher over a store with every adapter the console speaks.
func NewDispatcher(db *store.DB) *core.Dispatcher {
	d := core.NewDispatcher(db, db, db)
	server.Register(d)
	return d
}

// Close closes the store (committing queued history first).
func (e *Env) Close() error { return e.DB.Close() }

// DefaultDataDir is $UCBI_CONSOLE_DATA, else <user config dir>/ucbi-console.
func DefaultDataDir() string {
	if d := os.Getenv("UCBI_CONSOLE_DATA"); d != "" {
		return d
	}
	if base, err := os.UserConfigDir(); err == nil {
		return filepath.Join(base, "ucbi-console")
	}
	return ".ucbi-console"
}

// GUIFunc opens the desktop app on an environment and returns when the window closes.
type GUIFunc func(*Env) error

const usage = `usage:
  ucbi-console                                  open the desktop app
  ucbi-console demo                             start the built-in demo open layer, add it as source "demo", open the app
  ucbi-console serve [--listen 127.0.0.1:5800] [--root /] [--token T] [--rate N] [--allow-origin O]
                     [--post-url URL]... [--post-secret S] [--metrics]
  ucbi-console source add --id ID [--via coolq-http-api|mojo-weixin-openwx|onebot-12] [--url URL] [--token T]
                     [--events none|ws|ws-reverse|http-post|sse|poll] [--ws-url URL] [--secret S] [--self-id N]
                     [--platform P] [--flavor napcat|go-cqhttp|lagrange|llonebot|generic] [--default]
  ucbi-console source list | source remove ID | source test ID
  ucbi-console bot add --id ID [--source SRC] (--mode ws | --mode ws-reverse --url WS_URL | --mode http-post --url URL) [--token T] [--secret S]
  ucbi-console bot list | bot remove ID
  ucbi-console events [--limit N] [--json] [--follow]
  ucbi-console history [--limit N] [--json]
  ucbi-console ark --source ID (--group N | --user N | --phone P) [--json]
  ucbi-console --version
every command takes --data DIR (default $UCBI_CONSOLE_DATA, else the user config dir)
`

// Version is the program's version, printed by --version (main sets it from FyneApp.toml).
var Version = "dev"

// Run runs one command line and returns the process exit code: 0 done, 1 failed, 2 usage.
func Run(args []string, stdout, stderr io.Writer, gui GUIFunc) int {
	c := &command{stdout: stdout, stderr: stderr}
	err := c.run(args, gui)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ucbi-console: %v\n\n%s", err, usage)
		return 2
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ucbi-console: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	stdout, stderr io.Writer
	dataDir        string
	name           string // the command running ("source add"), as its flags are named
}

// flags makes a flag set with --data, quiet on errors (Run prints the usage once).
func (c *command) flags(name string) *flag.FlagSet {
	c.name = name
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.dataDir, "data", c.dataDir, "data directory")
	return fs
}

// parse parses flags that may come before, between or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseFlags parses the flags of a command that takes no positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef("%s takes flags only, got %q", fs.Name(), pos[0])
	}
	return err
}

func (c *command) run(args []string, gui GUIFunc) error {
	c.dataDir = DefaultDataDir()
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintf(c.stdout, "ucbi-console %s\n", Version)
		return nil
	}
	// Global flags (only --data) may come before the subcommand.
	top := c.flags("ucbi-console")
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	args = top.Args()
	if len(args) == 0 {
		if gui == nil {
			return errors.New("this build has no desktop app")
		}
		env, err := c.open()
		if err != nil {
			return err
		}
		defer env.Close()
		return gui(env)
	}
	switch args[0] {
	case "serve":
		return c.serve(args[1:])
	case "source":
		return c.source(args[1:])
	case "history":
		return c.history(args[1:])
	case "ark":
		return c.ark(args[1:])
	case "bot", "bots":
		return c.bot(args[1:])
	case "events":
		return c.events(args[1:])
	case "demo":
		return c.demo(args[1:], gui)
	case "help", "-h", "--help":
		return flag.ErrHelp
	}
	return usagef("unknown command %q", args[0])
}

// openParsed parses the flags of a command that takes no positional arguments, then opens the
// data dir.
func (c *command) openParsed(fs *flag.FlagSet, args []string) (*Env, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return c.open()
}

// open opens the data dir with the dispatcher over it (openStore says why it cannot).
func (c *command) open() (*Env, error) {
	db, err := c.openStore()
	if err != nil {
		return nil, err
	}
	return newEnv(c.dataDir, db), nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (c *command) source(args []string) error {
	if len(args) == 0 {
		return usagef("source needs a subcommand: add, list, remove or test")
	}
	switch args[0] {
	case "add":
		return c.sourceAdd(args[1:])
	case "list":
		return c.sourceList(args[1:])
	case "remove", "rm":
		return c.sourceRemove(args[1:])
	case "test":
		return c.sourceTest(args[1:])
	}
	return usagef("unknown source subcommand %q (add, list, remove, test)", args[0])
}

func (c *command) sourceAdd(args []string) error {
	fs := c.flags("source add")
	var s core.Source
	fs.StringVar(&s.ID, "id", "", "source id")
	fs.StringVar(&s.Via, "via", onebot.Via, "open layer: coolq-http-api, mojo-weixin-openwx or onebot-12")
	fs.StringVar(&s.URL, "url", "", "open layer's HTTP API URL")
	fs.StringVar(&s.Token, "token", "", "open layer's access token")
	fs.StringVar(&s.Flavor, "flavor", "", "napcat, go-cqhttp, lagrange, llonebot or generic (coolq-http-api)")
	fs.BoolVar(&s.Default, "default", false, "make this the default source")
	fs.IntVar(&s.TimeoutMS, "timeout-ms", 0, "backend timeout in ms (default 10000)")
	fs.StringVar(&s.Events, "events", core.LinkNone, "event link: none, ws, ws-reverse, http-post, sse or poll")
	fs.StringVar(&s.WSURL, "ws-url", "", "open layer's WebSocket server (--events ws); with no --url, actions go over it")
	fs.StringVar(&s.Secret, "secret", "", "checks X-Signature on events the open layer POSTs (--events http-post)")
	fs.StringVar(&s.SelfID, "self-id", "", "the account's id (matches a reverse WebSocket's X-Self-ID)")
	fs.StringVar(&s.Platform, "platform", "", "the account's platform (qq unless said; wechat for Openwx)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkSourceFlags(&s); err != nil {
		return err
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	if err := env.Dispatcher.ValidateSource(s); err != nil {
		return err
	}
	if err := env.DB.PutSource(s); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "saved source %s: %s %s (%s%s%s)\n", s.ID, s.Via, shownActions(s), describeLink(s),
		map[bool]string{true: ", default"}[s.Default], tokenNote(s.Token))
	return nil
}

// checkSourceFlags applies source add's own rules before the source's: an id, a known event
// link, --ws-url with --events ws, and a way to take actions (--url, or a WebSocket link).
func checkSourceFlags(s *core.Source) error {
	if s.ID == "" {
		return usagef("source add needs --id")
	}
	switch s.Events {
	case core.LinkNone, core.LinkWS, core.LinkWSReverse, core.LinkHTTPPost, core.LinkSSE, core.LinkPoll:
	default:
		return usagef("--events must be none, ws, ws-reverse, http-post, sse or poll, not %q", s.Events)
	}
	if s.Events == core.LinkNone {
		s.Events = ""
	}
	if s.Events == core.LinkWS && s.WSURL == "" {
		return usagef("--events ws needs --ws-url (the open layer's WebSocket server, e.g. ws://127.0.0.1:3001)")
	}
	if s.WSURL != "" && s.Events == "" {
		s.Events = core.LinkWS // --ws-url alone: that is the link
	}
	if s.URL == "" && s.WSURL == "" && s.Events != core.LinkWSReverse {
		return usagef("source add needs --url (or --ws-url, or --events ws-reverse, for actions over a WebSocket)")
	}
	if s.Via == onebot.Via && s.Flavor == "" {
		s.Flavor = "generic"
	}
	return nil
}

// shownActions says where a source's actions go.
func shownActions(s core.Source) string {
	if strings.TrimSpace(s.URL) == "" {
		return "(actions over the WebSocket)"
	}
	return s.ShownURL()
}

// describeLink names a source's event link (and flavor).
func describeLink(s core.Source) string {
	out := "events " + linkName(s)
	if s.Flavor != "" {
		out = "flavor " + s.Flavor + ", " + out
	}
	return out
}

// linkName is the source's event link as the commands write it ("none" for no link).
func linkName(s core.Source) string { return cmp.Or(s.Events, core.LinkNone) }

func tokenNote(tok string) string {
	if tok == "" {
		return ", no token"
	}
	return ", token " + core.MaskedToken(tok)
}

func (c *command) sourceList(args []string) error {
	return printList(c, args, listing[core.Source]{
		name: "source list",
		read: (*store.DB).Sources,
		mask: func(s *core.Source) {
			s.Token, s.Secret = core.MaskedToken(s.Token), core.MaskedToken(s.Secret)
			s.URL, s.WSURL = shownURL(s.URL), shownURL(s.WSURL)
		},
		empty:  "no message sources yet: add one with ucbi-console source add --id ID --url URL",
		header: []string{"ID", "VIA", "URL", "FLAVOR", "EVENTS", "DEFAULT", "TOKEN"},
		row: func(s core.Source) []string {
			link := linkName(s)
			if link == core.LinkWS {
				link += " " + s.WSURL
			}
			return []string{s.ID, s.Via, shownActions(s), s.Flavor, link, map[bool]string{true: "yes"}[s.Default], s.Token}
		},
	})
}

// shownURL is a URL fit to print (core.Source.ShownURL): no user info, no query.
func shownURL(u string) string {
	if u == "" {
		return ""
	}
	return core.Source{URL: u}.ShownURL()
}

func (c *command) sourceRemove(args []string) error {
	return c.removeByID(args, "source", func(db *store.DB, id string) error { return db.DeleteSource(id) })
}

// removeByID is `source remove ID` and `bot remove ID`: one id, removed from the store.
func (c *command) removeByID(args []string, what string, remove func(*store.DB, string) error) error {
	fs := c.flags(what + " remove")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s remove takes one %s id", what, what)
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	if err := remove(env.DB, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "removed %s %s\n", what, pos[0])
	return nil
}

func (c *command) sourceTest(args []string) error {
	fs := c.flags("source test")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("source test takes one source id")
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	src, err := env.DB.Source(pos[0])
	if err != nil {
		return err
	}
	start := time.Now()
	info, err := env.Dispatcher.LoginInfo(context.Background(), core.OriginCLI, src.ID)
	if err != nil {
		return fmt.Errorf("source %s: %v", src.ID, err)
	}
	fmt.Fprintf(c.stdout, "source %s: logged in as %s (%s), answered in %s\n", src.ID, info.UserName, info.UserID, time.Since(start).Round(time.Millisecond))
	return nil
}

func (c *command) history(args []string) error {
	fs := c.flags("history")
	limit := fs.Int("limit", 20, "how many rows, newest first")
	asJSON := fs.Bool("json", false, "print JSON lines")
	var f store.HistoryFilter
	fs.StringVar(&f.Source, "source", "", "only this source")
	fs.StringVar(&f.Action, "action", "", "only this action")
	fs.StringVar(&f.Outcome, "outcome", "", "ok or error")
	fs.StringVar(&f.Text, "search", "", "text to look for")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return usagef("--limit must be at least 1")
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	var rows []core.HistoryRecord
	for before := uint64(0); len(rows) < *limit; {
		// HistoryScan's cursor, not the last row: a filtered read is bounded and may come back
		// short while older matches remain.
		page, next, err := env.DB.HistoryScan(before, min(*limit-len(rows), 1000), f)
		if err != nil {
			return err
		}
		rows = append(rows, page...)
		if next == 0 {
			break
		}
		before = next
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(c.stdout, "no calls in history yet")
		return nil
	}
	tw := newTable(c.stdout, "SEQ", "TIME", "ORIGIN", "SOURCE", "ACTION", "TARGET", "OUTCOME", "LATENCY", "DETAIL")
	for _, r := range rows {
		detail := r.Message
		if r.Outcome != core.OutcomeOK {
			detail = r.Text
		} else if r.MessageID != "" {
			detail = strings.TrimSpace(detail + " → message " + r.MessageID)
		}
		tableRow(tw, strconv.FormatUint(r.Seq, 10), r.Time.Local().Format("2006-01-02 15:04:05"), r.Origin, r.Source,
			r.Action, r.Target, r.Outcome, r.Latency().Round(time.Microsecond).String(), core.Snippet(detail, 80))
	}
	return tw.Flush()
}

func (c *command) ark(args []string) error {
	fs := c.flags("ark")
	source := fs.String("source", "", "message source id (default: the default source)")
	var r core.ArkRequest
	fs.StringVar(&r.GroupID, "group", "", "group number")
	fs.StringVar(&r.UserID, "user", "", "QQ number")
	fs.StringVar(&r.Phone, "phone", "", "phone number")
	asJSON := fs.Bool("json", false, "print the card's raw JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var given []string
	for _, g := range []struct{ name, v string }{{"--group", r.GroupID}, {"--user", r.UserID}, {"--phone", r.Phone}} {
		if g.v != "" {
			given = append(given, g.name)
		}
	}
	if len(given) != 1 {
		sort.Strings(given)
		return usagef("ark needs exactly one of --group, --user or --phone (got %d: %s)", len(given), strings.Join(given, ", "))
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	res, src, err := env.Dispatcher.ArkSharePeer(context.Background(), core.OriginCLI, *source, r)
	if err != nil {
		return err
	}
	if res.ErrCode != 0 {
		return fmt.Errorf("source %s could not make the card (errCode %d): %s", src.ID, res.ErrCode, res.ErrMsg)
	}
	if *asJSON {
		fmt.Fprintln(c.stdout, res.ArkJSON)
		return nil
	}
	card, err := ark.Parse(res.ArkJSON)
	if err != nil {
		return fmt.Errorf("source %s returned a card that cannot be read: %v", src.ID, err)
	}
	fmt.Fprint(c.stdout, card.TextPreview())
	return nil
}

// lockedWriter serialises writes: the endpoint logs from many handler goroutines at once.
func lockedWriter(w io.Writer) io.Writer { return &syncWriter{w: w} }

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
