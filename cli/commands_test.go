package cli

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/store"
)

// TestSourceAddLinks: source add takes the event link flags and the other open layers, with
// its rules said as usage errors (exit 2) naming the flag.
func TestSourceAddLinks(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args []string
		code int
		has  string
	}{
		{[]string{"--id", "ws", "--url", "http://127.0.0.1:3000", "--events", "ws", "--ws-url", "ws://127.0.0.1:3001", "--token", "tok-abcdef-123"}, 0, "events ws"},
		{[]string{"--id", "wsonly", "--ws-url", "ws://127.0.0.1:3001/?access_token=q-secret-4242"}, 0, "actions over the WebSocket"},
		{[]string{"--id", "rev", "--events", "ws-reverse", "--self-id", "10001"}, 0, "events ws-reverse"},
		{[]string{"--id", "post", "--url", "http://127.0.0.1:3000", "--events", "http-post", "--secret", "s3cret-abcdef"}, 0, "events http-post"},
		{[]string{"--id", "sse", "--url", "http://127.0.0.1:3000", "--events", "sse"}, 0, "events sse"},
		{[]string{"--id", "wx", "--via", "mojo-weixin-openwx", "--url", "http://127.0.0.1:3000", "--events", "poll", "--platform", "wechat"}, 0, "mojo-weixin-openwx"},
		{[]string{"--id", "ob12", "--via", "onebot-12", "--ws-url", "ws://127.0.0.1:6700", "--platform", "qq"}, 0, "onebot-12"},
		{[]string{"--id", "bad", "--events", "ws", "--url", "http://127.0.0.1:3000"}, 2, "--events ws needs --ws-url"},
		{[]string{"--id", "bad", "--events", "carrier-pigeon", "--url", "http://x"}, 2, "--events must be"},
		{[]string{"--id", "bad"}, 2, "needs --url"},
		{[]string{"--id", "bad", "--via", "nope", "--url", "http://x"}, 1, "nope"},
	}
	for _, c := range cases {
		code, out, errs := run(t, data, append([]string{"source", "add"}, c.args...)...)
		if code != c.code || !strings.Contains(out+errs, c.has) {
			t.Errorf("source add %v: %d %q %q", c.args, code, out, errs)
		}
		if strings.Contains(out+errs, "tok-abcdef-123") || strings.Contains(out+errs, "s3cret-abcdef") || strings.Contains(out+errs, "q-secret-4242") {
			t.Errorf("source add %v printed a secret", c.args)
		}
	}
	code, out, _ := run(t, data, "source", "list")
	if code != 0 || !strings.Contains(out, "ws ws://127.0.0.1:3001") || !strings.Contains(out, "(actions over the WebSocket)") || strings.Contains(out, "tok-abcdef-123") || strings.Contains(out, "q-secret-4242") {
		t.Errorf("source list: %q", out)
	}
	code, out, _ = run(t, data, "source", "list", "--json")
	if code != 0 || strings.Contains(out, "s3cret-abcdef") || strings.Contains(out, "q-secret-4242") || !strings.Contains(out, `"secret":"s3****ef"`) {
		t.Errorf("source list --json: %q", out)
	}
}

// TestBotCommands: bot add checks the mode's needs and the whole list; list masks tokens and
// secrets; remove removes.
func TestBotCommands(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := run(t, data, "source", "add", "--id", "qq", "--url", "http://127.0.0.1:3000"); code != 0 {
		t.Fatal(errs)
	}
	cases := []struct {
		args []string
		code int
		has  string
	}{
		{[]string{"--id", "koishi", "--mode", "ws", "--token", "koishi-token-123456"}, 0, "saved bot koishi: ws"},
		{[]string{"--id", "nonebot", "--mode", "ws-reverse", "--url", "ws://127.0.0.1:8080/onebot/v11/ws", "--token", "nb-token-123456", "--source", "qq"}, 0, "ws-reverse ws://127.0.0.1:8080/onebot/v11/ws on source qq"},
		{[]string{"--id", "zero", "--mode", "http-post", "--url", "http://127.0.0.1:5700/", "--secret", "zero-secret-123456"}, 0, "http-post"},
		{[]string{"--id", "x", "--mode", "ws-reverse"}, 2, "needs --url"},
		{[]string{"--id", "x", "--mode", "carrier"}, 2, "--mode"},
		{[]string{"--mode", "ws"}, 2, "--id"},
		{[]string{"--id", "x", "--mode", "ws", "--source", "nope"}, 1, "nope"},
		{[]string{"--id", "twin", "--mode", "ws", "--token", "koishi-token-123456"}, 1, "token"},
	}
	for _, c := range cases {
		code, out, errs := run(t, data, append([]string{"bot", "add"}, c.args...)...)
		if code != c.code || !strings.Contains(out+errs, c.has) {
			t.Errorf("bot add %v: %d %q %q", c.args, code, out, errs)
		}
	}
	code, out, _ := run(t, data, "bot", "list")
	for _, secret := range []string{"koishi-token-123456", "nb-token-123456", "zero-secret-123456"} {
		if strings.Contains(out, secret) {
			t.Errorf("bot list shows a secret: %q", out)
		}
	}
	if code != 0 || !strings.Contains(out, "ko****56") || !strings.Contains(out, "nonebot") || !strings.Contains(out, "ze****56") {
		t.Errorf("bot list: %q", out)
	}
	if code, out, _ := run(t, data, "bot", "remove", "zero"); code != 0 || !strings.Contains(out, "removed bot zero") {
		t.Errorf("bot remove: %d %q", code, out)
	}
	if code, _, _ := run(t, data, "bot", "remove", "zero"); code != 1 {
		t.Errorf("removing twice: %d", code)
	}
}

// TestEventsCommand: events prints the newest stored events, oldest first, as lines or JSON.
func TestEventsCommand(t *testing.T) {
	data := t.TempDir()
	db, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &core.Context{Platform: "qq", Via: "coolq-http-api", Type: "group", GroupID: "5", Extra: []byte(`{"config_id":"qq"}`)}
	var evs []*core.StoredEvent
	for _, text := range []string{"first", "second", "third"} {
		evs = append(evs, &core.StoredEvent{Source: "qq", Via: "coolq-http-api", Kind: "message.group",
			Event: core.Event{Type: core.EventMessage, Time: 1700000000, Context: ctx,
				Data: []byte(`{"type":"group","message":[{"type":"text","text":"` + text + `"}],"sender":"Ann","group_id":"5"}`)}})
	}
	if err := db.AppendEvents(evs); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errs := run(t, data, "events", "--limit", "2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], "second") || !strings.Contains(lines[1], "group 5 · Ann: third") || !strings.Contains(lines[1], "qq\tmessage.group") {
		t.Fatalf("events: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, data, "events", "--json", "--limit", "1")
	if code != 0 || !strings.HasPrefix(out, `{"id":3,"type":"message"`) {
		t.Fatalf("events --json: %q", out)
	}
	// --follow needs a running console: with none, it says so (exit 1), not hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db, _ = store.Open(data)
	db.PutEndpointSettings(core.EndpointSettings{Listen: addr})
	db.Close()
	code, _, errs = run(t, data, "events", "--follow", "--limit", "0")
	if code != 1 || !strings.Contains(errs, "no console is serving events on http://"+addr) {
		t.Fatalf("events --follow without a console: %d %q", code, errs)
	}
}

// TestVersionAndServeFailure: --version prints the version; serve on a port in use fails
// with exit code 1 and says why.
func TestVersionAndServeFailure(t *testing.T) {
	Version = "9.8.7"
	if code, out, _ := run(t, t.TempDir(), "--version"); code != 0 || out != "ucbi-console 9.8.7\n" {
		t.Errorf("--version: %d %q", code, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errs := run(t, t.TempDir(), "serve", "--listen", ln.Addr().String())
	if code != 1 || !strings.Contains(errs, "address already in use") {
		t.Errorf("serve on a busy port: %d %q", code, errs)
	}
}

// TestDemoCommand: demo starts the demo open layer, stores it as source "demo" and opens the
// app on an environment whose dispatcher reaches it; the demo stops when the app closes.
func TestDemoCommand(t *testing.T) {
	data := t.TempDir()
	var who string
	gui := func(env *Env) error {
		info, err := env.Dispatcher.LoginInfo(context.Background(), core.OriginGUI, DemoSource)
		who = info.UserID
		return err
	}
	var out, errb bytes.Buffer
	if code := Run([]string{"demo", "--data", data}, &out, &errb, gui); code != 0 || who != "10001" {
		t.Fatalf("demo: %d %q %q (logged in as %q)", code, out.String(), errb.String(), who)
	}
	db, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src, err := db.Source(DemoSource)
	if err != nil || src.Events != core.LinkWS {
		t.Fatalf("the demo source: %+v %v", src, err)
	}
}
