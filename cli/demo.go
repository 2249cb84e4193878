package cli

import (
	"context"
	"errors"
	"fmt"

	"ucbi-console/core"
	"ucbi-console/core/demo"
)

// DemoSource is the source id the demo is added as.
const DemoSource = demo.SourceID

// StartDemo starts the built-in demo open layer (core/demo) in this process and returns the
// source that reaches it and a function that stops it. A variable so that tests can stand in.
var StartDemo = func(ctx context.Context) (core.Source, func() error, error) {
	d, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		return core.Source{}, nil, err
	}
	return d.Source(), d.Close, nil
}

// demo starts the demo open layer, stores it as source "demo" and opens the app on it; the
// demo stops when the app closes.
func (c *command) demo(args []string, gui GUIFunc) error {
	fs := c.flags("demo")
	if err := parseFlags(fs, args); err != nil {
		return err
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
