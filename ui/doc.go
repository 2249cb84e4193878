// Package ui is UCBI Console's desktop window: a shell (navigation on the left, the current
// screen on the right, a status bar at the bottom) and one file per screen.
//
// The package never imports fyne.io/fyne/v2/app: main.go makes the app and calls Create, so
// every screen can be driven headless with fyne.io/fyne/v2/test.
//
// # Where things are
//
//   - screens.go: the list of screens, top to bottom, and what a screen is.
//   - shell.go: the window's frame (navigation, menus, shortcuts, status bar).
//   - env.go: what every screen gets (dependencies, background work, pub/sub, settings);
//     debounce.go: the filter entries' debouncer.
//   - dialogs.go: every dialog opens through env.showDialog (show first, then size).
//   - outcome.go: errorText, the one way an engine error becomes words, and how a failed or
//     timed-out send is labelled.
//   - calls.go: the typed results the GUI reads from the dispatcher.
//   - openlayer.go: what differs per open layer (OneBot 11 today): previews, contact lists;
//     validate.go: the one rule set for a message source.
//   - i18n.go + i18n/*.json: the texts in each language.
//   - layout.go: small layouts and the shared columns widget.
//   - one file (or a few, compose_*.go) per screen.
//
// # Threading
//
// Widget callbacks run on the UI goroutine. Anything that blocks (HTTP, bbolt) runs through
// env.run: the work happens in a goroutine, the function it returns is applied on the UI
// goroutine (fyne.Do). Screens never touch a widget from the work half.
package ui
