package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLinuxPackage builds the desktop package the way a release does (scripts/dev package:
// Fyne's own tool, pinned), unpacks it, and checks what an installer relies on: the desktop
// entry, the icon, the install Makefile, and a binary that runs and reports the version that
// FyneApp.toml declares. It builds the whole app without -race, so -short skips it.
func TestLinuxPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the package build compiles the whole app")
	}
	for _, tool := range []string{"bash", "tar", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile(filepath.Join(root, "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(toml)
	if m == nil {
		t.Fatal("FyneApp.toml has no Version")
	}
	version := string(m[1])

	cmd := exec.Command("bash", "scripts/dev", "package")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/dev package: %v\n%s", err, stderr.String())
	}
	tarball := filepath.Join(root, strings.TrimSpace(lastLine(string(out))))
	if !strings.Contains(filepath.Base(tarball), version) || !strings.HasSuffix(tarball, ".tar.xz") {
		t.Fatalf("package %q is not a .tar.xz named for version %s", tarball, version)
	}
	if after, _ := os.ReadFile(filepath.Join(root, "FyneApp.toml")); !bytes.Equal(after, toml) {
		t.Errorf("packaging rewrote FyneApp.toml")
	}

	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xJf", tarball, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("unpack: %v\n%s", err, out)
	}
	pkg := filepath.Join(dir, "ucbi-console")
	for _, f := range []string{"Makefile", "usr/local/bin/ucbi-console", "usr/local/share/pixmaps/io.github.ucbi.console.png"} {
		if _, err := os.Stat(filepath.Join(pkg, f)); err != nil {
			t.Errorf("package lacks %s: %v", f, err)
		}
	}
	entry, err := os.ReadFile(filepath.Join(pkg, "usr/local/share/applications/io.github.ucbi.console.desktop"))
	if err != nil {
		t.Fatalf("desktop entry: %v", err)
	}
	for _, want := range []string{"Type=Application", "Name=UCBI Console", "Exec=ucbi-console", "Icon=io.github.ucbi.console", "Categories=Network;Chat;Development;", "Keywords=", "Comment="} {
		if !strings.Contains(string(entry), want) {
			t.Errorf("desktop entry lacks %q:\n%s", want, entry)
		}
	}
	mk, _ := os.ReadFile(filepath.Join(pkg, "Makefile"))
	for _, target := range []string{"install:", "user-install:"} {
		if !strings.Contains(string(mk), target) {
			t.Errorf("package Makefile has no %s target", target)
		}
	}

	// The packaged binary runs without a display for --version.
	bin := exec.Command(filepath.Join(pkg, "usr/local/bin/ucbi-console"), "--version")
	bin.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "UCBI_CONSOLE_DATA="+t.TempDir())
	got, err := bin.CombinedOutput()
	if err != nil {
		t.Fatalf("ucbi-console --version: %v\n%s", err, got)
	}
	if !strings.Contains(string(got), version) {
		t.Errorf("--version printed %q, want it to name %s", got, version)
	}

	// make user-install puts the three files under a home directory.
	home := t.TempDir()
	inst := exec.Command("make", "user-install")
	inst.Dir = pkg
	inst.Env = append(os.Environ(), "HOME="+home)
	if out, err := inst.CombinedOutput(); err != nil {
		t.Fatalf("make user-install: %v\n%s", err, out)
	}
	for _, f := range []string{".local/bin/ucbi-console", ".local/share/applications/io.github.ucbi.console.desktop"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("user-install left no %s: %v", f, err)
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
