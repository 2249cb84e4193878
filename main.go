// Command ucbi-console is a desktop console (and, with a subcommand, a headless server) for
// people who run chat bots through UCBI. See README.md for the commands.
package main

import (
	"os"

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
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, runGUI))
}

// runGUI opens the desktop app; only this file imports Fyne's app package.
func runGUI(env *cli.Env) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	a := app.NewWithID("io.github.ucbi.console")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := ui.Create(a, ui.Deps{
		Store:            env.DB,
		Dispatcher:       env.Dispatcher,
		EndpointDefaults: endpoint.Options{Listen: endpoint.DefaultListen, Root: "/"},
		DataDir:          env.DataDir,
		Version:          version,
	})
	w.ShowAndRun()
	return nil
}
