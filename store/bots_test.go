package store

import (
	"errors"
	"strings"
	"testing"

	"ucbi-console/core"
)

func TestBotsValidationAndCRUD(t *testing.T) {
	dir := t.TempDir()
	db := openTestAt(t, dir)
	const secret = "s3cret-token-value"
	tests := []struct {
		name string
		bot  core.Bot
		want string // "" = accepted
	}{
		{"ws without url", core.Bot{ID: "koishi", Mode: core.BotWS, Token: secret}, ""},
		{"ws-reverse", core.Bot{ID: "nonebot", Mode: core.BotWSReverse, URL: "ws://127.0.0.1:8080/onebot/v11/ws", Token: secret}, ""},
		{"wss reverse", core.Bot{ID: "remote", Source: "napcat", Mode: core.BotWSReverse, URL: "WSS://bot.example.com/ws"}, ""},
		{"http-post", core.Bot{ID: "yunzai", Mode: core.BotHTTPPost, URL: "https://bot.example.com/onebot", Secret: secret}, ""},
		{"empty id", core.Bot{Mode: core.BotWS}, "needs an id"},
		{"blank id", core.Bot{ID: "  ", Mode: core.BotWS}, "needs an id"},
		{"long id", core.Bot{ID: strings.Repeat("b", 65), Mode: core.BotWS}, "at most 64"},
		{"control in id", core.Bot{ID: "a\nb", Mode: core.BotWS}, "printable"},
		{"unknown mode", core.Bot{ID: "x", Mode: "websocket"}, `mode "websocket" is not one of ws, ws-reverse, http-post`},
		{"no mode", core.Bot{ID: "x"}, `mode "" is not one of`},
		{"ws-reverse needs url", core.Bot{ID: "x", Mode: core.BotWSReverse, Token: secret}, "needs a url"},
		{"http-post needs url", core.Bot{ID: "x", Mode: core.BotHTTPPost}, "needs a url"},
		{"ws-reverse with http url", core.Bot{ID: "x", Mode: core.BotWSReverse, URL: "http://h/ws"}, "ws:// or wss://"},
		{"http-post with ws url", core.Bot{ID: "x", Mode: core.BotHTTPPost, URL: "ws://h/"}, "http:// or https://"},
		{"url without host", core.Bot{ID: "x", Mode: core.BotHTTPPost, URL: "http:///path"}, "with a host"},
		{"relative url", core.Bot{ID: "x", Mode: core.BotHTTPPost, URL: "/onebot"}, "absolute"},
		{"ws with bad url", core.Bot{ID: "x", Mode: core.BotWS, URL: "ftp://h/"}, "ws:// or wss://"},
		{"credentials in url", core.Bot{ID: "x", Mode: core.BotHTTPPost, URL: "http://u:" + secret + "@h/"}, "not in the url"},
	}
	for _, tt := range tests {
		err := db.PutBot(tt.bot)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		case err != nil && strings.Contains(err.Error(), secret):
			t.Errorf("%s: the error shows the secret: %v", tt.name, err)
		}
	}
	bots, err := db.Bots()
	must(t, err)
	var idList []string
	for _, b := range bots {
		idList = append(idList, b.ID)
	}
	if strings.Join(idList, ",") != "koishi,nonebot,remote,yunzai" {
		t.Fatalf("Bots = %v", idList)
	}
	// Replace, delete, and what survives a reopen.
	must(t, db.PutBot(core.Bot{ID: "koishi", Mode: core.BotWSReverse, URL: "ws://127.0.0.1:5140/onebot", Token: "new"}))
	must(t, db.DeleteBot("yunzai"))
	if err := db.DeleteBot("yunzai"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteBot of a missing bot: %v", err)
	}
	must(t, db.Close())
	db = openTestAt(t, dir)
	bots, err = db.Bots()
	must(t, err)
	if len(bots) != 3 || bots[0] != (core.Bot{ID: "koishi", Mode: core.BotWSReverse, URL: "ws://127.0.0.1:5140/onebot", Token: "new"}) {
		t.Errorf("Bots after reopen = %+v", bots)
	}
}
