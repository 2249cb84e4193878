package cli

import (
	"fmt"
	"slices"

	"ucbi-console/core"
	"ucbi-console/core/hub"
	"ucbi-console/store"
)

func (c *command) bot(args []string) error {
	if len(args) == 0 {
		return usagef("bot needs a subcommand: add, list or remove")
	}
	switch args[0] {
	case "add":
		return c.botAdd(args[1:])
	case "list", "ls":
		return c.botList(args[1:])
	case "remove", "rm":
		return c.botRemove(args[1:])
	}
	return usagef("unknown bot subcommand %q (add, list, remove)", args[0])
}

func (c *command) botAdd(args []string) error {
	fs := c.flags("bot add")
	var b core.Bot
	fs.StringVar(&b.ID, "id", "", "bot id")
	fs.StringVar(&b.Source, "source", "", "message source the bot uses (default: the default source)")
	fs.StringVar(&b.Mode, "mode", "", "ws (the bot dials the console), ws-reverse (the console dials the bot) or http-post (the console POSTs events to the bot)")
	fs.StringVar(&b.URL, "url", "", "the bot's URL (ws-reverse: its WebSocket; http-post: where events are POSTed)")
	fs.StringVar(&b.Token, "token", "", "the bot's token (ws: what it presents; ws-reverse: what it is sent)")
	fs.StringVar(&b.Secret, "secret", "", "signs the events POSTed to the bot (X-Signature)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case b.ID == "":
		return usagef("bot add needs --id")
	case b.Mode != core.BotWS && b.Mode != core.BotWSReverse && b.Mode != core.BotHTTPPost:
		return usagef("bot add needs --mode ws, ws-reverse or http-post")
	case b.Mode != core.BotWS && b.URL == "":
		return usagef("--mode %s needs --url (the bot's address)", b.Mode)
	case b.Mode == core.BotWS && b.URL != "":
		return usagef("--mode ws takes no --url: the bot dials the console")
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	if b.Source != "" {
		if _, err := env.DB.Source(b.Source); err != nil {
			return err
		}
	}
	bots, err := env.DB.Bots()
	if err != nil {
		return err
	}
	bots = slices.DeleteFunc(bots, func(o core.Bot) bool { return o.ID == b.ID })
	if err := hub.CheckBots(append(bots, b)); err != nil {
		return err
	}
	if err := env.DB.PutBot(b); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "saved bot %s: %s%s on %s (token %s, secret %s)\n", b.ID, b.Mode, botWhere(b), botSource(b.Source),
		orNone(core.MaskedToken(b.Token)), orNone(core.MaskedToken(b.Secret)))
	return nil
}

func botWhere(b core.Bot) string {
	if b.URL == "" {
		return ""
	}
	return " " + shownURL(b.URL)
}

// botSource names the message source a bot uses.
func botSource(source string) string {
	if source == "" {
		return "the default source"
	}
	return "source " + source
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (c *command) botList(args []string) error {
	return printList(c, args, listing[core.Bot]{
		name: "bot list",
		read: (*store.DB).Bots,
		mask: func(b *core.Bot) {
			b.Token, b.Secret, b.URL = core.MaskedToken(b.Token), core.MaskedToken(b.Secret), shownURL(b.URL)
		},
		empty:  "no bots yet: add one with ucbi-console bot add --id ID --mode ws --token T",
		header: []string{"ID", "MODE", "URL", "SOURCE", "TOKEN", "SECRET"},
		row:    func(b core.Bot) []string { return []string{b.ID, b.Mode, b.URL, b.Source, b.Token, b.Secret} },
	})
}

func (c *command) botRemove(args []string) error {
	return c.removeByID(args, "bot", func(db *store.DB, id string) error { return db.DeleteBot(id) })
}
