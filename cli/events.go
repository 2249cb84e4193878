package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/endpoint"
	"ucbi-console/store"
)

// events prints the newest stored events, oldest first; --follow then keeps printing new ones
// as the running console (serve, or the app's endpoint) stores them, by long-polling its
// GET /events — events arrive through the console that holds the links, not this command.
func (c *command) events(args []string) error {
	fs := c.flags("events")
	limit := fs.Int("limit", 20, "how many of the newest events")
	asJSON := fs.Bool("json", false, "print one UCBI event (JSON) per line")
	follow := fs.Bool("follow", false, "keep printing new events from the running console")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit must be at least 0")
	}
	set := core.EndpointSettings{Listen: endpoint.DefaultListen}
	var after *uint64 // nil: only events newer than now
	db, err := c.openStore()
	switch {
	case err == nil:
		stored, serr := db.EndpointSettings()
		if serr == nil && stored.Listen != "" {
			set = stored
		}
		last, lerr := lastEvents(db, *limit)
		if lerr == nil {
			for _, ev := range last {
				c.printEvent(ev.Event, ev.Source, *asJSON)
			}
			id, _ := db.LastEventID()
			after = &id
		}
		db.Close()
		if lerr != nil {
			return lerr
		}
	case errors.Is(err, store.ErrInUse) && *follow:
		// A running console holds the store: follow it from now on, where serve said it
		// listens (the stored setting cannot be read while it holds the file).
		if addr := servingAddr(c.dataDir); addr != "" {
			set.Listen = addr
		}
	default:
		return err
	}
	if !*follow {
		return nil
	}
	if t := os.Getenv("UCBI_CONSOLE_TOKEN"); t != "" {
		set.Token = t
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return c.followEvents(ctx, set, after, *asJSON)
}

// lastEvents reads the newest n events, oldest first.
func lastEvents(db *store.DB, n int) ([]core.StoredEvent, error) {
	var out []core.StoredEvent
	for before := uint64(0); len(out) < n; {
		page, next, err := db.EventsBefore(before, min(n-len(out), 1000), store.EventFilter{})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == 0 || len(page) == 0 {
			break
		}
		before = next
	}
	slices.Reverse(out)
	return out, nil
}

// followEvents long-polls GET /events of the endpoint set describes until ctx ends.
func (c *command) followEvents(ctx context.Context, set core.EndpointSettings, after *uint64, asJSON bool) error {
	base := "http://" + set.Listen + "/events"
	client := &http.Client{}
	for {
		q := url.Values{"timeout": {"30"}, "limit": {"100"}}
		if after != nil {
			q.Set("after", strconv.FormatUint(*after, 10))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		if set.Token != "" {
			req.Header.Set("Authorization", "Bearer "+set.Token)
		}
		resp, err := client.Do(req)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("no console is serving events on http://%s (start `ucbi-console serve`, or the endpoint in the app): %v", set.Listen, errors.Unwrap(err))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET http://%s/events answered %d: %s", set.Listen, resp.StatusCode, core.Snippet(string(body), 160))
		}
		var page struct {
			Events []core.Event `json:"events"`
			Next   uint64       `json:"next"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("GET http://%s/events: %v", set.Listen, err)
		}
		for _, ev := range page.Events {
			c.printEvent(ev, "", asJSON)
		}
		next := page.Next
		after = &next
	}
}

// printEvent prints one event: its JSON, or a line of id, time, source, type and what it says.
func (c *command) printEvent(ev core.Event, source string, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(ev)
		fmt.Fprintln(c.stdout, string(b))
		return
	}
	if source == "" && ev.Context != nil {
		source, _ = ev.Context.ConfigID()
	}
	kind, text := ev.Type, ""
	switch ev.Type {
	case core.EventMessage:
		var d core.MessageEventData
		if json.Unmarshal(ev.Data, &d) == nil {
			kind += "." + d.Type
			who := d.Sender
			if who == "" {
				who = string(d.SenderID)
			}
			where := ""
			if d.GroupID != "" {
				where = "group " + string(d.GroupID) + " · "
			}
			text = where + who + ": " + d.Message.PlainText()
		}
	case core.EventNotice:
		var d struct {
			Notice string `json:"notice"`
		}
		if json.Unmarshal(ev.Data, &d) == nil {
			text = d.Notice
		}
	case core.EventMeta:
		var d core.MetaEventData
		if json.Unmarshal(ev.Data, &d) == nil {
			text = d.MetaEvent
			if d.Reason != "" {
				text += " (" + d.Reason + ")"
			}
			if source == "" {
				source, _ = core.Context{Extra: d.Extra}.ConfigID()
			}
		}
	}
	fmt.Fprintf(c.stdout, "%d\t%s\t%s\t%s\t%s\n", ev.ID, time.Unix(ev.Time, 0).Local().Format("2006-01-02 15:04:05"), source, kind, core.Snippet(text, 120))
}
