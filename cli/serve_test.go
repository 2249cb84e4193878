package cli

import (
	"flag"
	"io"
	"reflect"
	"testing"

	"ucbi-console/core"
	"ucbi-console/store"
)

// TestServeOptions: serve starts from the stored endpoint settings (the GUI's) and each flag
// given overrides its setting — rate and origins included; flags not given change nothing.
func TestServeOptions(t *testing.T) {
	t.Setenv("UCBI_CONSOLE_TOKEN", "")
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := core.EndpointSettings{Listen: "127.0.0.1:5901", Root: "/ucbi", Token: "stored-token-123", Rate: 3, AllowOrigins: []string{"http://a.example"}}
	if err := db.PutEndpointSettings(stored); err != nil {
		t.Fatal(err)
	}
	parse := func(args ...string) *flag.FlagSet {
		c := &command{stdout: io.Discard, stderr: io.Discard}
		fs := c.flags("serve")
		fs.String("listen", "", "")
		fs.String("root", "", "")
		fs.String("token", "", "")
		fs.Float64("rate", 0, "")
		var origins multiFlag
		fs.Var(&origins, "allow-origin", "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	cases := []struct {
		name string
		args []string
		want [5]any
	}{
		{"stored", nil, [5]any{"127.0.0.1:5901", "/ucbi", "stored-token-123", 3.0, []string{"http://a.example"}}},
		{"flags override", []string{"--listen", "127.0.0.1:0", "--rate", "7.5", "--allow-origin", "http://b", "--allow-origin", "http://c", "--token", "flag-token"},
			[5]any{"127.0.0.1:0", "/ucbi", "flag-token", 7.5, []string{"http://b", "http://c"}}},
		{"rate 0 given turns the limit off", []string{"--rate", "0"}, [5]any{"127.0.0.1:5901", "/ucbi", "stored-token-123", 0.0, []string{"http://a.example"}}},
	}
	for _, c := range cases {
		o, err := serveOptions(db, parse(c.args...))
		got := [5]any{o.Listen, o.Root, o.Token, o.RateLimit, o.AllowOrigins}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v %v, want %v", c.name, got, err, c.want)
		}
	}
}
