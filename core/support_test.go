package core_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// TestSegmentSupportReasons: every adapter says something about every kind UCBI defines, and
// every reason it gives has a message key, so the UI can say it in Chinese too.
func TestSegmentSupportReasons(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"onebot 11": onebot.SupportedSegments(),
		"onebot 12": onebot12.SupportedSegments(),
		"openwx":    openwx.SupportedSegments(),
		"ucbi":      core.UCBISegmentSupport(),
	} {
		if got, want := slices.Sorted(maps.Keys(m)), slices.Sorted(slices.Values(core.SegmentKinds)); !slices.Equal(got, want) {
			t.Errorf("%s: kinds %v, want %v", name, got, want)
		}
		if m["text"] != "" || m["rich"] == "" {
			t.Errorf("%s: text must be sendable and rich never: %q %q", name, m["text"], m["rich"])
		}
		for kind, why := range m {
			if why == "" {
				continue
			}
			key := core.SupportReasonKey(why)
			if !strings.HasPrefix(key, "support.") {
				t.Errorf("%s/%s: reason %q has no support.* key", name, kind, why)
				continue
			}
			if zh := core.LocalizeSupport(why, "zh-CN"); zh == why || zh == "" {
				t.Errorf("%s/%s: no Chinese for %q", name, kind, why)
			}
			if en := core.LocalizeSupport(why, "en"); en != why {
				t.Errorf("%s/%s: English %q is not the reason %q", name, kind, en, why)
			}
		}
	}
	if got := core.LocalizeSupport("an adapter's own words", "zh"); got != "an adapter's own words" {
		t.Errorf("a reason without a key changed: %q", got)
	}
	// The maps are copies: a caller's change does not reach the next caller.
	m := onebot.SupportedSegments()
	m["text"] = "changed"
	if onebot.SupportedSegments()["text"] != "" {
		t.Error("onebot.SupportedSegments hands out its own map")
	}
}

// TestDispatcherSupportedSegments: Compose asks the dispatcher by source id and gets the source's
// adapter's answer; an unknown source is an error naming it.
func TestDispatcherSupportedSegments(t *testing.T) {
	d := core.NewDispatcher(sources{
		{ID: "qq", Via: onebot.Via, URL: "http://127.0.0.1:1"},
		{ID: "wx", Via: openwx.Via, URL: "http://127.0.0.1:2", Default: true},
	}, nil, nil)
	d.Register(onebot.Via, onebot.Factory)
	d.Register(openwx.Via, openwx.Factory)
	qq, err := d.SupportedSegments("qq")
	if err != nil {
		t.Fatal(err)
	}
	if qq["file"] == "" || qq["rich"] == "" || qq["location"] != "" || qq["*"] != "" {
		t.Errorf("OneBot 11: %v", qq)
	}
	wx, err := d.SupportedSegments("") // the default source
	if err != nil {
		t.Fatal(err)
	}
	if wx["location"] == "" || wx["file"] != "" {
		t.Errorf("Openwx: %v", wx)
	}
	if _, err := d.SupportedSegments("nope"); err == nil || core.AsError(err).Code != core.CodeUnknownSource {
		t.Errorf("unknown source: %v", err)
	}
}

type sources []core.Source

func (s sources) Sources() ([]core.Source, error) { return s, nil }
