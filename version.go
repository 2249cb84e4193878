package main

import (
	_ "embed"
	"regexp"
)

// fyneAppTOML is the packaging metadata; its Version is the one version of the program, so
// `ucbi-console --version`, the desktop package and the About box cannot disagree.
//
//go:embed FyneApp.toml
var fyneAppTOML string

var versionLine = regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`)

// appVersion is FyneApp.toml's Version ("dev" if the file has none).
func appVersion() string {
	if m := versionLine.FindStringSubmatch(fyneAppTOML); m != nil {
		return m[1]
	}
	return "dev"
}
