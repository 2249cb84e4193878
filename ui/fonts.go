package ui

// Chinese text and fonts — what Fyne 2.8.1 really does (read in its source, then tried):
//
//   - Fyne's bundled font (Noto Sans) has no Han glyphs. For a rune its faces lack, the painter
//     (internal/painter/font.go: dynamicFontMap.ResolveFace → lookupRuneFont) asks go-text's
//     fontscan for a system font covering the rune's script, so with fonts-wqy-microhei (or any
//     CJK font) installed Chinese renders although the theme never names a CJK font.
//   - The GL driver and the test driver share that painter, so the same fallback applies to a
//     real window and to test Canvas().Capture() (tried: a headless Capture of "你好" renders
//     WenQuanYi glyphs next to Noto Sans Latin).
//   - Two cases break it, and then every Han character is drawn as U+FFFD boxes:
//     1. built with -tags ci or -tags test (internal/painter/font_testhelper.go does not load
//     system fonts at all);
//     2. fontscan cannot keep its index: it needs os.UserCacheDir() (no $HOME and no
//     $XDG_CACHE_HOME, as under some CI runners or systemd units), and gives up otherwise.
//   - A theme's Font() may return any single-face TTF/OTF (go-text's ParseTTF); a .ttc
//     collection (wqy-microhei.ttc, NotoSansCJK-Regular.ttc) is refused as it is.
//
// So setupFonts first asks fontscan's index of system fonts (the one Fyne's fallback reads, a
// small file in the user cache directory) whether some font covers Han text: that loads no
// font, and a CJK font costs ~20 MB of Go heap and ~0.25 s of parsing once loaded (go-text
// copies its tables and parses every glyph), which an English window whose first screen has
// no Han text need not pay at start — Fyne loads the font itself at the first Han character.
// Where the index is not used by Fyne (case 1 or 2 above, or the index says no), it measures
// whether Han text gets real glyphs (a Han character is one em wide; the stand-in box is
// narrower). When it does, the theme keeps Fyne's fonts (Latin stays in Noto Sans). When it
// does not, it finds a CJK font on disk (fc-list, else a scan of the usual font directories),
// pulls one face out of the collection (opentype tables → WriteTTF) and makes the theme
// return it for text — the same path for the real window and for `make screenshots`.
// UCBI_CJK_FONT=/path/to/font.ttf forces a font. When no CJK font exists at all, a banner says
// which package to install.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/fontscan"
)

// fontWarning is shown in English on purpose: without a CJK font a Chinese banner would be
// boxes.
const fontWarning = "No Chinese font found: install fonts-wqy-microhei (Debian/Ubuntu: sudo apt install fonts-wqy-microhei)"

// fontReport says how Chinese text is rendered.
type fontReport struct {
	fallback bool   // Fyne's system-font fallback renders Han glyphs
	path     string // the CJK font file loaded into the theme ("" = none)
	warning  string // shown as a banner when Chinese cannot render
}

// hanProbe is measured to see whether Han glyphs are real (one em each).
const hanProbe = "测试中文字体"

// hanRenders reports whether the current theme (with Fyne's fallback) draws real Han glyphs.
func hanRenders() bool {
	const size = 100
	w := fyne.MeasureText(hanProbe, size, fyne.TextStyle{}).Width
	return w >= 0.93*size*float32(len([]rune(hanProbe)))
}

// systemFontsCoverHan reports whether Fyne's system-font fallback will find a font for every
// rune of hanProbe, from fontscan's index alone (no font is loaded). It reads the same index,
// through the same once-only scan, that Fyne's painter reads at its first text, so the scan is
// not done twice. False when Fyne does not use system fonts in this build or the index cannot
// be kept: then only measuring tells.
func systemFontsCoverHan() bool {
	if !fyneUsesSystemFonts {
		return false
	}
	// fontscan keeps its index in os.UserCacheDir(); without one Fyne gives the fallback up.
	if _, err := os.UserCacheDir(); err != nil {
		return false
	}
	fps, err := fontscan.SystemFonts(quietLogger{}, "")
	if err != nil {
		return false
	}
	for _, r := range hanProbe {
		covered := false
		for i := range fps {
			if fps[i].Runes.Contains(r) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// quietLogger drops fontscan's warnings about unreadable font files, as Fyne's painter does.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// setupFonts decides whether th must carry a CJK font, and sets it (see the comment above).
// It runs once at start-up, on the UI goroutine before the window shows.
func setupFonts(a fyne.App, th *appTheme) fontReport {
	if p := os.Getenv("UCBI_CJK_FONT"); p != "" {
		if err := th.loadCJK(p); err == nil {
			return fontReport{path: p}
		} else {
			fyne.LogError("UCBI_CJK_FONT", err)
		}
	}
	if systemFontsCoverHan() {
		return fontReport{fallback: true}
	}
	a.Settings().SetTheme(th.copy())
	if hanRenders() {
		return fontReport{fallback: true}
	}
	for _, p := range findCJKFonts() {
		if err := th.loadCJK(p); err == nil {
			return fontReport{path: p}
		}
	}
	return fontReport{warning: fontWarning}
}

// loadCJK loads the font at path (a .ttf/.otf, or one face of a .ttc) into the theme.
func (t *appTheme) loadCJK(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text, err := fontFace(data, filepath.Base(path), false)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	mono, err := fontFace(data, filepath.Base(path), true)
	if err != nil {
		mono = text
	}
	t.text, t.mono = text, mono
	return nil
}

// fontFace returns one face of a font file as a single-face TTF resource. For a collection it
// prefers Simplified Chinese faces, and "Mono" faces when mono is set (mono fails when the file
// has no monospace face).
func fontFace(data []byte, name string, mono bool) (fyne.Resource, error) {
	lds, err := ot.NewLoaders(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	best, bestScore := -1, -1
	for i, ld := range lds {
		desc, _ := font.Describe(ld, nil)
		fam := strings.ToLower(desc.Family)
		isMono := strings.Contains(fam, "mono")
		if isMono != mono {
			continue
		}
		score := 1
		if strings.Contains(fam, " sc") || strings.Contains(fam, "micro hei") || strings.Contains(fam, "zenhei") || strings.Contains(fam, "zen hei") {
			score = 2
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil, errors.New("no suitable face in the font file")
	}
	out := data
	if len(lds) > 1 || bytes.HasPrefix(data, []byte("ttcf")) {
		ld := lds[best]
		tags := ld.Tables()
		sort.Slice(tags, func(i, j int) bool { return tags[i] < tags[j] })
		tables := make([]ot.Table, 0, len(tags))
		for _, tag := range tags {
			raw, err := ld.RawTable(tag)
			if err != nil {
				return nil, err
			}
			tables = append(tables, ot.Table{Tag: tag, Content: raw})
		}
		out = ot.WriteTTF(tables)
	}
	if _, err := font.ParseTTF(bytes.NewReader(out)); err != nil {
		return nil, err
	}
	return fyne.NewStaticResource(fmt.Sprintf("%s#%d", name, best), out), nil
}

// cjkFontNames ranks font file names (lower case) by preference; the first match wins.
var cjkFontNames = []string{
	"wqy-microhei", "wqy-zenhei", "notosanscjksc", "notosanssc", "notosanscjk", "sourcehansans",
	"notoserifcjk", "droidsansfallback", "msyh", "simhei", "simsun", "pingfang", "hiragino sans gb",
	"stheiti", "wqy",
}

func cjkRank(path string) int {
	base := strings.ToLower(filepath.Base(path))
	for i, n := range cjkFontNames {
		if strings.Contains(base, n) {
			return i
		}
	}
	return len(cjkFontNames)
}

func isOutlineFont(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ttf", ".ttc", ".otf", ".otc":
		return true
	}
	return false
}

// findCJKFonts lists CJK font files, best first: fc-list's answer for :lang=zh, else (no
// fontconfig) the known files in the usual font directories.
func findCJKFonts() []string {
	var found []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] && isOutlineFont(p) {
			seen[p] = true
			found = append(found, p)
		}
	}
	if _, err := exec.LookPath("fc-list"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "fc-list", ":lang=zh", "file").Output()
		cancel()
		if err == nil {
			for _, line := range strings.Split(string(out), "\n") {
				add(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ":")))
			}
		}
	}
	if len(found) == 0 {
		for _, dir := range fontDirs() {
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				if cjkRank(p) < len(cjkFontNames) {
					add(p)
				}
				return nil
			})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return cjkRank(found[i]) < cjkRank(found[j]) })
	return found
}

func fontDirs() []string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		return []string{filepath.Join(os.Getenv("WINDIR"), "Fonts"), filepath.Join(os.Getenv("LOCALAPPDATA"), "Microsoft", "Windows", "Fonts")}
	case "darwin":
		return []string{"/System/Library/Fonts", "/Library/Fonts", filepath.Join(home, "Library", "Fonts")}
	}
	dirs := []string{"/usr/share/fonts", "/usr/local/share/fonts"}
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".local", "share", "fonts"), filepath.Join(home, ".fonts"))
	}
	return dirs
}

// fontBanner is the warning shown at the top of the window when Chinese cannot render.
func fontBanner(msg string) fyne.CanvasObject {
	r, g, b, _ := theme.Color(theme.ColorNameWarning).RGBA()
	bg := canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x55})
	bg.CornerRadius = theme.InputRadiusSize()
	lb := widget.NewLabelWithStyle(msg, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	lb.Wrapping = fyne.TextWrapWord
	row := container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, lb)
	return container.NewPadded(container.NewStack(bg, container.NewPadded(row)))
}
