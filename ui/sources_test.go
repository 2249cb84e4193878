package ui

import (
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

func TestSourcesAddTestRemove(t *testing.T) {
	r := newRig(t, rigOptions{screen: "sources", bot: true})
	r.wait("sources.loaded")
	s := r.e.screen("sources").(*sourcesScreen)
	if !r.hasText("No sources yet") {
		t.Errorf("an empty list should say so; texts: %q", r.windowTexts())
	}

	// Validation: nothing filled in.
	r.tap(s.saveBtn)
	r.ui(func() {
		if !s.problems.Visible() || !strings.Contains(s.problems.Text, "An id is required.") ||
			!strings.Contains(s.problems.Text, "The URL must start with http://") {
			t.Errorf("validation messages: %q", s.problems.Text)
		}
	})
	r.typeIn(s.timeout, "abc")
	r.tap(s.saveBtn)
	r.ui(func() {
		if !strings.Contains(s.problems.Text, "The timeout must be a number of seconds") {
			t.Errorf("timeout validation: %q", s.problems.Text)
		}
	})

	// Add one.
	const token = "backend-secret-token-42"
	r.typeIn(s.id, "napcat-主号")
	r.typeIn(s.url, r.bot.URL())
	r.typeIn(s.token, token)
	r.typeIn(s.timeout, "5")
	r.ui(func() { s.flavor.SetSelected("napcat") })
	r.tap(s.saveBtn)
	r.wait("sources.saved")
	r.wait("sources.loaded")

	got, err := r.db.Source("napcat-主号")
	if err != nil {
		t.Fatal(err)
	}
	want := core.Source{ID: "napcat-主号", Via: onebot.Via, URL: r.bot.URL(), Token: token, Flavor: "napcat", Default: true, TimeoutMS: 5000}
	if got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	r.ui(func() {
		if len(s.sources) != 1 || s.sources[0].ID != "napcat-主号" {
			t.Errorf("listed %+v", s.sources)
		}
	})
	if !r.hasText("napcat-主号 ★") || !r.hasText(core.MaskedToken(token)) {
		t.Errorf("the row should show the id, the default star and the masked token; texts: %q", r.windowTexts())
	}
	if r.hasText(token) {
		t.Errorf("the token is shown in full")
	}
	if !r.hasText("1 source") {
		t.Errorf("the status bar should count the source; texts: %q", r.windowTexts())
	}

	// A duplicate id is refused.
	r.ui(func() { s.onAdd() })
	r.typeIn(s.id, "napcat-主号")
	r.typeIn(s.url, "http://127.0.0.1:1")
	r.tap(s.saveBtn)
	r.ui(func() {
		if !strings.Contains(s.problems.Text, "already exists") {
			t.Errorf("duplicate id: %q", s.problems.Text)
		}
	})

	// Select it and test it: the fake's nickname and id show.
	r.ui(func() { s.list.Select(0) })
	r.tap(s.testBtn)
	r.wait("sources.tested")
	r.ui(func() {
		if !strings.Contains(s.result.Text, "Logged in as 测试机器人 (10001) in ") || !strings.HasSuffix(s.result.Text, " ms") {
			t.Errorf("test result: %q", s.result.Text)
		}
		if s.status["napcat-主号"] != statusUp {
			t.Errorf("status after a good test: %d", s.status["napcat-主号"])
		}
	})

	// Editing keeps the token when the entry stays empty.
	r.typeIn(s.url, r.bot.URL()+"/")
	r.tap(s.saveBtn)
	r.wait("sources.saved")
	r.wait("sources.loaded")
	if got, _ := r.db.Source("napcat-主号"); got.Token != token || got.URL != r.bot.URL()+"/" {
		t.Errorf("after edit: %+v", got)
	}

	// A source that is down says so in words.
	r.bot.Close()
	r.ui(func() { s.list.Select(0) })
	r.tap(s.testBtn)
	r.wait("sources.tested")
	r.ui(func() {
		if s.result.Text == "" || strings.Contains(s.result.Text, "goroutine") || s.status["napcat-主号"] != statusDown {
			t.Errorf("test of a dead source: %q status %d", s.result.Text, s.status["napcat-主号"])
		}
	})

	// Remove, with confirmation.
	r.ui(func() { s.list.Select(0) })
	r.tap(s.removeBtn)
	r.tapDialogButton("Remove")
	r.wait("sources.removed")
	r.wait("sources.loaded")
	if list, _ := r.db.Sources(); len(list) != 0 {
		t.Errorf("after remove: %+v", list)
	}
	r.ui(func() {
		if len(s.sources) != 0 {
			t.Errorf("still listed: %+v", s.sources)
		}
	})
}

func TestSourcesProbeDots(t *testing.T) {
	r := newRig(t, rigOptions{screen: "sources", bot: true, sources: []core.Source{
		{ID: "up", Via: onebot.Via, Flavor: "napcat"},
		{ID: "down", Via: onebot.Via, URL: "http://127.0.0.1:1", Flavor: "napcat", Default: true},
	}})
	r.wait("sources.probed")
	s := r.e.screen("sources").(*sourcesScreen)
	r.ui(func() {
		if s.status["up"] != statusUp || s.status["down"] != statusDown {
			t.Errorf("status %v", s.status)
		}
	})
}

func TestSourcesListHidesURLSecrets(t *testing.T) {
	const secret = "url-secret-token-77"
	const pass = "url-password-88"
	r := newRig(t, rigOptions{screen: "sources", sources: []core.Source{
		{ID: "leaky", Via: onebot.Via, URL: "http://bot:" + pass + "@127.0.0.1:1/api?access_token=" + secret},
	}})
	r.wait("sources.loaded")
	s := r.e.screen("sources").(*sourcesScreen)
	// Editing shows the URL with its secrets masked, and saving it unchanged keeps them.
	r.ui(func() { s.list.Select(0) })
	if r.hasText(secret) || r.hasText(pass) {
		t.Errorf("the edit form shows a secret of the URL; texts: %q", r.windowTexts())
	}
	r.ui(func() { s.onSave() })
	r.wait("sources.saved")
	r.wait("sources.loaded")
	if got, err := r.db.Source("leaky"); err != nil || !strings.Contains(got.URL, secret) || !strings.Contains(got.URL, pass) {
		t.Fatalf("saving an unedited URL lost its secrets: %q %v", got.URL, err)
	}
	r.ui(func() { s.list.UnselectAll() })
	if r.hasText(secret) || r.hasText(pass) {
		t.Errorf("a secret of the URL is shown; texts: %q", r.windowTexts())
	}
	if !r.hasText("http://127.0.0.1:1/api?…") {
		t.Errorf("the URL should show without user info and query; texts: %q", r.windowTexts())
	}
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"https://u:p@h/x?access_token=t#f", "https://h/x?…"},
		{"http://h/?", "http://h/?…"},
	} {
		if got := (core.Source{URL: tc.in}).ShownURL(); got != tc.want {
			t.Errorf("ShownURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURLSecretsMaskedForEditing(t *testing.T) {
	saved := "http://bot:pa55word@127.0.0.1:3000/onebot?access_token=napcat-secret&x=1"
	shown := maskURLSecrets(saved)
	if strings.Contains(shown, "pa55word") || strings.Contains(shown, "napcat-secret") || !strings.Contains(shown, "access_token=****") {
		t.Fatalf("masked URL still shows a secret: %s", shown)
	}
	if back := restoreURLSecrets(shown, saved); back != "http://bot:pa55word@127.0.0.1:3000/onebot?access_token=napcat-secret&x=1" {
		t.Fatalf("an unedited URL must keep its secrets on save: %s", back)
	}
	edited := strings.Replace(shown, "access_token=****", "access_token=new-one", 1)
	if back := restoreURLSecrets(edited, saved); !strings.Contains(back, "access_token=new-one") || !strings.Contains(back, "pa55word") {
		t.Fatalf("a retyped token must win, the untouched password stay: %s", back)
	}
	if got := maskURLSecrets("http://127.0.0.1:3000"); got != "http://127.0.0.1:3000" {
		t.Fatalf("a URL without secrets is shown as is: %s", got)
	}
}
