// Command ucbi-console is a desktop console (and, with a subcommand, a headless server) for
// people who run chat bots through UCBI. See README.md for the commands.
package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"ucbi-console/assets"
	"ucbi-console/cli"
	"ucbi-console/core/endpoint"
	"ucbi-console/ui"
)

// version is FyneApp.toml's Version (version.go); -ldflags "-X main.version=…" may override it.
var version = appVersion()

func main() {
	cli.Version = version
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, runGUI))
}

// runGUI opens the desktop app; only this file imports Fyne's app package.
func runGUI(env *cli.Env) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	if err := startWindowSystem(); err != nil {
		return err
	}
	// The console's event half and bots run while the window is open (core/server, as serve
	// runs them): every source's event link, deliveries, the bot hub. The app's endpoint gets
	// their doors, the Inbox their events. /metrics and the POST URLs are read here, once.
	// The window follows the newest events and pages older ones from the store: it need not
	// keep serve's 8,192 in memory (~14 MB under a flood); apps polling the app's endpoint
	// from further back read the index.
	env.DB.KeepRecentEvents(1024)
	set, err := env.DB.EndpointSettings()
	if err != nil {
		return err
	}
	rt, err := cli.StartRuntime(env, set, nil)
	if err != nil {
		return err
	}
	defer rt.Close()
	runtime := ui.ServerRuntime(rt)
	a := app.NewWithID("io.github.ucbi.console")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	if os.Getenv("GOGC") == "" {
		// A window that follows an event flood keeps what it shows (rows, chats, glyphs) live;
		// the default GOGC=100 lets the heap reach twice that before collecting. 50 keeps the
		// app ~20 MB smaller under a 1,000 events/s flood (bench --only inbox) for a little
		// more collector CPU; an operator's GOGC still wins.
		debug.SetGCPercent(50)
	}
	go releaseIdleGarbage()
	w := ui.Create(a, ui.Deps{
		Store:            env.DB,
		Dispatcher:       env.Dispatcher,
		EndpointDefaults: endpoint.Options{Listen: endpoint.DefaultListen, Root: "/"},
		Runtime:          runtime,
		Events:           ui.NewEventFeed(env.DB, runtime),
		StartDemo:        cli.StartDemo, // the same start as `ucbi-console demo`
		DataDir:          env.DataDir,
		Version:          version,
	})
	w.ShowAndRun()
	return nil
}

// releaseIdleGarbage gives the heap's garbage back to the OS each time the app turns idle after
// a burst of work. Building a screen allocates several times what stays live (the first one
// parses Fyne's fonts for every text style: ~40 MB allocated for ~18 MB kept); the collector
// keeps that much heap mapped, and the background scavenger returns it only over minutes, so
// an app that sits open would hold ~10–40 MB of garbage. Here: when at least 8 MiB were
// allocated since the last release and less than 1 MiB in the last second (nothing painting or
// loading), one debug.FreeOSMemory (a collection, ~10–20 ms of CPU). A steady flood is never
// idle and is left to the runtime; so is a quiet app. It never returns.
func releaseIdleGarbage() {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	released, last := uint64(0), read()
	for {
		time.Sleep(time.Second)
		now := read()
		if now-released >= 8<<20 && now-last < 1<<20 {
			debug.FreeOSMemory()
			now = read()
			released = now
		}
		last = now
	}
}
