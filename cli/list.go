package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"ucbi-console/store"
)

// listing is what `source list` and `bot list` differ in; printList does the rest.
type listing[T any] struct {
	name   string                       // the command, for its flags ("bot list")
	read   func(*store.DB) ([]T, error) // the stored rows
	mask   func(*T)                     // hides every token, secret and URL query, for both outputs
	empty  string                       // printed instead of an empty table
	header []string                     // the table's column names
	row    func(T) []string             // one row's cells, in header's order
}

// printList is a stored list printed as a table, or with --json as one JSON array; either way
// each row has been through mask first, so no output shows a token.
func printList[T any](c *command, args []string, l listing[T]) error {
	fs := c.flags(l.name)
	asJSON := fs.Bool("json", false, "print JSON (tokens and secrets masked)")
	env, err := c.openParsed(fs, args)
	if err != nil {
		return err
	}
	defer env.Close()
	rows, err := l.read(env.DB)
	if err != nil {
		return err
	}
	for i := range rows {
		l.mask(&rows[i])
	}
	if *asJSON {
		return json.NewEncoder(c.stdout).Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(c.stdout, l.empty)
		return nil
	}
	tw := newTable(c.stdout, l.header...)
	for _, r := range rows {
		tableRow(tw, l.row(r)...)
	}
	return tw.Flush()
}

// newTable starts a table with columns two spaces apart under the given header.
func newTable(w io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	tableRow(tw, header...)
	return tw
}

func tableRow(tw *tabwriter.Writer, cells ...string) {
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}
