package cli

import (
	"context"
	"errors"
	"fmt"

	"ucbi-console/core"
)

// DemoSource is the source id the demo is added as.
const DemoSource = "demo"

// StartDemo starts the built-in demo open layer in this process and returns the source that
// reaches it and a function that stops it. It is a seam: engineer J's core/demo fills it
// (demo.Start(ctx, demo.Options{}) → d.Source(), d.Close) once it is on main; until then
// `ucbi-console demo` says the build has no demo.
var StartDemo func(ctx context.Context) (core.Source, func() error, error)

// demo starts the demo open layer, stores it as source "demo" and opens the app on it; the
// demo stops when the app closes.
func (c *command) demo(args []string, gui GUIFunc) error {
	fs := c.flags("demo")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments, got %q", pos[0])
	}
	if StartDemo == nil {
		return errors.New("this build has no demo open layer")
	}
	if gui == nil {
		return errors.New("this build has no desktop app")
	}
	env, err := c.open()
	if err != nil {
		return err
	}
	defer env.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, stop, err := StartDemo(ctx)
	if err != nil {
		return fmt.Errorf("demo: %v", err)
	}
	defer stop()
	src.ID = DemoSource
	if err := env.Dispatcher.ValidateSource(src); err != nil {
		return fmt.Errorf("demo: %v", err)
	}
	if err := env.DB.PutSource(src); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "demo open layer on %s, added as source %q\n", src.ShownURL(), src.ID)
	return gui(env)
}
