package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot/onebottest"
)

// run runs one command line against a data dir and returns its exit code and output.
func run(t *testing.T, data string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(append(args, "--data", data), &out, &errb, nil)
	return code, out.String(), errb.String()
}

func TestSourceLifecycle(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: "napcat", Token: "s3cret-token-value", Nickname: "小助手", SelfID: 10001})
	defer fake.Close()
	data := t.TempDir()

	code, out, errs := run(t, data, "source", "add", "--id", "napcat", "--via", "coolq-http-api", "--url", fake.URL(), "--token", "s3cret-token-value", "--flavor", "napcat", "--default")
	if code != 0 || !strings.Contains(out, "saved source napcat") || strings.Contains(out+errs, "s3cret-token-value") {
		t.Fatalf("source add: code %d out %q err %q", code, out, errs)
	}
	code, out, _ = run(t, data, "source", "list")
	if code != 0 || !strings.Contains(out, "napcat") || !strings.Contains(out, "yes") || strings.Contains(out, "s3cret-token-value") || !strings.Contains(out, "s3****ue") {
		t.Fatalf("source list: %d %q", code, out)
	}
	code, out, errs = run(t, data, "source", "test", "napcat")
	if code != 0 || !strings.Contains(out, "logged in as 小助手 (10001)") {
		t.Fatalf("source test: %d %q %q", code, out, errs)
	}
	// the test call is in history
	code, out, _ = run(t, data, "history", "--json")
	if code != 0 {
		t.Fatalf("history: %d", code)
	}
	var rec core.HistoryRecord
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil || rec.Action != "get_login_info" || rec.Origin != core.OriginCLI || rec.Outcome != core.OutcomeOK {
		t.Fatalf("history row: %+v %v (%q)", rec, err, out)
	}
	if strings.Contains(out, "s3cret-token-value") {
		t.Fatal("the token leaked into history")
	}
	code, out, _ = run(t, data, "source", "remove", "napcat")
	if code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %d %q", code, out)
	}
	code, _, errs = run(t, data, "source", "remove", "napcat")
	if code != 1 || !strings.Contains(errs, "napcat") {
		t.Fatalf("removing twice: %d %q", code, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	data := t.TempDir()
	cases := [][]string{
		{"bogus"},
		{"source"},
		{"source", "add", "--id", "x"},
		{"source", "remove"},
		{"history", "--limit", "0"},
		{"history", "--limit", "x"},
		{"ark", "--group", "1", "--user", "2"},
		{"ark"},
		{"serve", "extra"},
	}
	for _, args := range cases {
		code, _, errs := run(t, data, args...)
		if code != 2 || !strings.Contains(errs, "usage:") {
			t.Errorf("%v: want exit 2 with usage, got %d %q", args, code, errs)
		}
	}
	code, _, errs := run(t, data, "source", "add", "--id", "x", "--url", "ftp://nope")
	if code != 1 || !strings.Contains(errs, "URL") && !strings.Contains(errs, "url") {
		t.Errorf("bad url: %d %q", code, errs)
	}
	code, _, errs = run(t, data, "source", "add", "--id", "x", "--url", "http://127.0.0.1:1", "--flavor", "qq-nt")
	if code != 1 || !strings.Contains(errs, "flavor") {
		t.Errorf("bad flavor: %d %q", code, errs)
	}
}

func TestDataDirInUse(t *testing.T) {
	data := t.TempDir()
	env, err := OpenEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	code, _, errs := run(t, data, "source", "list")
	if code != 1 || !strings.Contains(errs, "is in use by another ucbi-console") {
		t.Fatalf("second instance: %d %q", code, errs)
	}
	if fi, err := os.Stat(filepath.Join(data, "ucbi-console.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("db file mode: %v %v", fi, err)
	}
}

func TestArkCommand(t *testing.T) {
	fake := onebottest.New(onebottest.Options{Flavor: "napcat"})
	defer fake.Close()
	data := t.TempDir()
	if code, _, errs := run(t, data, "source", "add", "--id", "nc", "--url", fake.URL(), "--flavor", "napcat"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := run(t, data, "ark", "--source", "nc", "--group", "736368697")
	if code != 0 || !strings.Contains(out, "736368697") {
		t.Fatalf("ark preview: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, data, "ark", "--group", "736368697", "--json")
	if code != 0 || !json.Valid([]byte(out)) || strings.HasSuffix(out, "\n\n") {
		t.Fatalf("ark --json: %d %q", code, out)
	}
	gq := onebottest.New(onebottest.Options{Flavor: "go-cqhttp"})
	defer gq.Close()
	if code, _, errs := run(t, data, "source", "add", "--id", "gq", "--url", gq.URL(), "--flavor", "go-cqhttp"); code != 0 {
		t.Fatal(errs)
	}
	code, _, errs = run(t, data, "ark", "--source", "gq", "--user", "1049509241")
	if code != 1 || !strings.Contains(errs, "cannot generate") {
		t.Fatalf("go-cqhttp ark: %d %q", code, errs)
	}
	if gq.Count("ArkSharePeer") != 0 {
		t.Fatal("go-cqhttp was asked for a card it cannot make")
	}
}

func TestSourceURLNeverPrintsItsToken(t *testing.T) {
	data := t.TempDir()
	code, out, errs := run(t, data, "source", "add", "--id", "q", "--url", "http://127.0.0.1:1/onebot?access_token=url-secret-42")
	if code != 0 || strings.Contains(out+errs, "url-secret-42") || !strings.Contains(out, "http://127.0.0.1:1/onebot?…") {
		t.Fatalf("source add: %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, data, "source", "list")
	if code != 0 || strings.Contains(out, "url-secret-42") || !strings.Contains(out, "?…") {
		t.Fatalf("source list: %d %q", code, out)
	}
}
