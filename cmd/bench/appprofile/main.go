// Command appprofile is the desktop app (as main.go starts it) with a CPU profile of its first
// seconds, to find what delays the first frame:
//
//	go build -tags migrated_fynedo -o /tmp/appprofile ./cmd/bench/appprofile
//	DISPLAY=:99 LIBGL_ALWAYS_SOFTWARE=1 /tmp/appprofile --data /tmp/d   # writes appprofile.prof
//	go tool pprof -top -cum /tmp/appprofile appprofile.prof
//
// UCBI_PROFILE (default appprofile.prof) names the profile; UCBI_PROFILE_SECONDS (default 4)
// how long it runs before the app exits; it then prints the Go heap against VmRSS and writes a
// heap profile to $UCBI_PROFILE.heap.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"ucbi-console/assets"
	"ucbi-console/cli"
	"ucbi-console/core/endpoint"
	"ucbi-console/ui"
)

// rss is the VmRSS line of /proc/self/status.
func rss() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return "VmRSS unknown"
}

func main() {
	out := os.Getenv("UCBI_PROFILE")
	if out == "" {
		out = "appprofile.prof"
	}
	secs, err := strconv.ParseFloat(os.Getenv("UCBI_PROFILE_SECONDS"), 64)
	if err != nil || secs <= 0 {
		secs = 4
	}
	f, err := os.Create(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		time.Sleep(time.Duration(secs * float64(time.Second)))
		pprof.StopCPUProfile()
		f.Close()
		// Where the resident memory is: the Go heap (and a heap profile beside the CPU one)
		// against the process's VmRSS; the rest is C (GL driver, GLFW) and mapped files.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "appprofile: Go heap in use %d MiB, Go runtime total (Sys) %d MiB; %s\n",
			ms.HeapInuse>>20, ms.Sys>>20, rss())
		// The heap profile below is of the live heap: what a collection keeps, not the garbage
		// the last cycle left; and what the process holds once that garbage is given back.
		runtime.GC()
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "appprofile: after a GC: Go heap live %d MiB, in use %d MiB\n", ms.HeapAlloc>>20, ms.HeapInuse>>20)
		debug.FreeOSMemory()
		fmt.Fprintf(os.Stderr, "appprofile: after FreeOSMemory: %s\n", rss())
		if h, err := os.Create(out + ".heap"); err == nil {
			_ = pprof.WriteHeapProfile(h)
			h.Close()
		}
		os.Exit(0)
	}()
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, func(env *cli.Env) error {
		fmt.Fprintf(os.Stderr, "appprofile: store open after %s\n", time.Since(start).Round(time.Millisecond))
		a := app.NewWithID("io.github.ucbi.console")
		a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
		a.Lifecycle().SetOnStarted(func() {
			fmt.Fprintf(os.Stderr, "appprofile: started after %s\n", time.Since(start).Round(time.Millisecond))
		})
		w := ui.Create(a, ui.Deps{Store: env.DB, Dispatcher: env.Dispatcher,
			EndpointDefaults: endpoint.Options{Listen: endpoint.DefaultListen, Root: "/"}, DataDir: env.DataDir, Version: "profile"})
		fmt.Fprintf(os.Stderr, "appprofile: ui.Create returned after %s\n", time.Since(start).Round(time.Millisecond))
		w.ShowAndRun()
		return nil
	}))
}
