package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"ucbi-console/store"
)

// inUseAdvice says, per command, what to do instead while another ucbi-console (serve, or the
// app) holds the data file: bbolt lets one process have it, and that process keeps it for as
// long as it runs.
var inUseAdvice = map[string]string{
	"":              "give this one another data dir with --data (only one can use a data dir at a time)", // serve, demo, the app
	"source add":    "add the source on the app's Sources screen",
	"source remove": "remove it on the app's Sources screen",
	"source list":   "see them on the app's Sources screen",
	"source test":   "test it on the app's Sources screen",
	"bot add":       "add the bot on the Bots tab of the app's Endpoint screen",
	"bot remove":    "remove it on the Bots tab of the app's Endpoint screen",
	"bot list":      "see them on the Bots tab of the app's Endpoint screen",
	"events":        "follow the running one with `ucbi-console events --follow`",
	"history":       "see it on the app's History screen",
	"ark":           "make the card on the app's Ark cards screen",
}

// errInUse is the one line a command says when the data file is held by another ucbi-console.
type errInUse struct {
	dir, advice string
}

func (e errInUse) Error() string {
	return fmt.Sprintf("the data file in %s is in use by another ucbi-console (serve, or the app): stop it first, or %s", e.dir, e.advice)
}

func (e errInUse) Unwrap() error { return store.ErrInUse }

// openStore opens the data dir's store for the command running, saying so in one line when
// another ucbi-console holds it.
func (c *command) openStore() (*store.DB, error) {
	db, err := store.Open(c.dataDir)
	if errors.Is(err, store.ErrInUse) {
		advice, ok := inUseAdvice[c.name]
		if !ok {
			advice = inUseAdvice[""]
		}
		return nil, errInUse{dir: c.dataDir, advice: advice}
	}
	return db, err
}

// servingFile holds, while serve runs, the address its endpoint listens on (never its token):
// a command that cannot open the store serve holds (events --follow) finds the console by it.
const servingFile = "serving.addr"

// writeServing records where serve listens; the returned func removes the record.
func writeServing(dataDir, addr string) (remove func()) {
	path := filepath.Join(dataDir, servingFile)
	if err := os.WriteFile(path, []byte(addr+"\n"), 0o600); err != nil {
		return func() {} // only a convenience for events --follow
	}
	return func() { os.Remove(path) }
}

// servingAddr is the address a running serve recorded in dataDir ("" when none).
func servingAddr(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, servingFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
