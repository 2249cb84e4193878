package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"ucbi-console/core"
)

// screens is the window's navigation, read top to bottom: the order here is the order shown
// (and Ctrl+1…9 follow it). id is stable (saved as the last screen, used by env.openScreen);
// title is English and goes through L when shown; build is called the first time the screen
// is opened, and again after a language switch. (A function, not a package variable: the
// screens reach back to the shell, which reads this list — Go forbids that cycle in an
// initializer.)
func screens() []screenDef {
	return []screenDef{
		{id: "inbox", title: "Inbox", icon: navIcon(theme.IconNameMailReply), build: func(e *env) screen { return newInboxScreen(e) }},
		{id: "conversations", title: "Conversations", icon: navIcon(theme.IconNameAccount), build: func(e *env) screen { return newConversationsScreen(e) }},
		{id: "compose", title: "Compose", icon: navIcon(theme.IconNameMailSend), build: func(e *env) screen { return newComposeScreen(e) }},
		{id: "ark", title: "Ark cards", icon: navIcon(theme.IconNameAccount), build: func(e *env) screen { return newArkScreen(e) }},
		{id: "actions", title: "Actions", icon: navIcon(theme.IconNameMediaPlay), build: func(e *env) screen { return newActionsScreen(e) }},
		{id: "history", title: "History", icon: navIcon(theme.IconNameHistory), build: func(e *env) screen { return newHistoryScreen(e) }},
		{id: "contexts", title: "Contexts", icon: navIcon(theme.IconNameList), build: func(e *env) screen { return newContextsScreen(e) }},
		{id: "sources", title: "Sources", icon: navIcon(theme.IconNameStorage), build: func(e *env) screen { return newSourcesScreen(e) }},
		{id: "endpoint", title: "Endpoint", icon: navIcon(theme.IconNameComputer), build: func(e *env) screen { return newEndpointScreen(e) }},
		{id: "settings", title: "Settings", icon: navIcon(theme.IconNameSettings), build: func(e *env) screen { return newSettingsScreen(e) }},
	}
}

// screen is one page of the window.
type screen interface {
	content() fyne.CanvasObject
}

// screenShower is implemented by screens that want to know when they are shown (to refresh).
type screenShower interface {
	shown()
}

// contextTaker is implemented by the screen that env.useContext hands a context to (Compose).
type contextTaker interface {
	takeContext(c core.Context)
}

// screenDef is one entry of the navigation.
type screenDef struct {
	id    string
	title string // English; shown through L
	icon  fyne.Resource
	build func(*env) screen
}

// navIcon is a theme icon usable in a package-level value (before the app exists); it follows
// the current theme's colours when drawn. (theme.XIcon() would ask the current app for its
// theme, and at package init there is none.)
func navIcon(n fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(n)
}

// checkScreens reports a list whose entries are incomplete or whose ids repeat.
func checkScreens(defs []screenDef) error {
	seen := map[string]bool{}
	for _, d := range defs {
		if d.id == "" || d.title == "" || d.icon == nil || d.build == nil {
			return fmt.Errorf("ui: screen %q is incomplete", d.id)
		}
		if seen[d.id] {
			return fmt.Errorf("ui: screen %q is listed twice", d.id)
		}
		seen[d.id] = true
	}
	return nil
}

// registeredScreens returns the screens in navigation order. A broken list is a programming
// mistake that a test catches; it panics loudly rather than showing a half navigation.
func registeredScreens() []screenDef {
	defs := screens()
	if err := checkScreens(defs); err != nil {
		panic(err)
	}
	return defs
}
