package store

import (
	"reflect"
	"testing"

	"ucbi-console/core"
)

// TestEndpointSettings: stored once, read back whole (rate and origins included), and the
// GUI's older per-key settings are read when no document is stored yet.
func TestEndpointSettings(t *testing.T) {
	db := openTest(t)
	if err := db.PutSetting("endpoint.listen", "127.0.0.1:5900"); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting("endpoint.token", "legacy-token"); err != nil {
		t.Fatal(err)
	}
	got, err := db.EndpointSettings()
	if err != nil || got.Listen != "127.0.0.1:5900" || got.Token != "legacy-token" || got.Root != "" {
		t.Fatalf("legacy settings: %+v %v", got, err)
	}
	want := core.EndpointSettings{Listen: "127.0.0.1:5801", Root: "/ucbi", Token: "t0k3n-abcdef", Rate: 2.5,
		AllowOrigins: []string{"http://localhost:5173", "https://bot.example"}}
	if err := db.PutEndpointSettings(want); err != nil {
		t.Fatal(err)
	}
	got, err = db.EndpointSettings()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
}
