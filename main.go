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
	// The console's event half and bots run while the window is open (core/server, as serve
	// runs them): every source's event link, deliveries, the bot hub. The app's endpoint gets
	// their doors, the Inbox their events. /metrics and the POST URLs are read here, once.
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
	a.Lifecycle().SetOnStarted(func() { go releaseStartupGarbage(30 * time.Second) })
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

// releaseStartupGarbage gives the start-up's garbage back to the OS once the app is idle.
// Building the first screen parses fonts (Fyne's, for every text style) and allocates about
// twice what stays live; the collector would keep that much heap mapped until the background
// scavenger slowly returns it (~10 MB of resident memory for minutes). Idle means that less than
// 1 MiB was allocated in the last half second (the first frame is painted and nothing is
// loading); it gives up after limit. It runs once: later growth is the runtime's to manage.
func releaseStartupGarbage(limit time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	deadline := time.Now().Add(limit)
	last := read()
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		now := read()
		if now-last < 1<<20 {
			debug.FreeOSMemory()
			return
		}
		last = now
	}
}
