package core_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot/onebottest"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/onebot12/onebot12test"
	"ucbi-console/core/openwx"
	"ucbi-console/core/openwx/openwxtest"
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

// TestMediaIDResend: a media segment carrying only a media_id (as received from OneBot 12 or
// Openwx) passes the dispatcher and is sent by that id, with no upload; OneBot 11, which has no
// media ids, refuses it naming the field, before any call.
func TestMediaIDResend(t *testing.T) {
	ob12 := onebot12test.New(onebot12test.Options{})
	defer ob12.Close()
	wx := openwxtest.New(openwxtest.Options{})
	defer wx.Close()
	ob11 := onebottest.New(onebottest.Options{})
	defer ob11.Close()
	d := core.NewDispatcher(sources{
		{ID: "ob12", Via: onebot12.Via, URL: ob12.URL(), Default: true},
		{ID: "wx", Via: openwx.Via, URL: wx.URL()},
		{ID: "qq", Via: onebot.Via, URL: ob11.URL()},
	}, nil, nil)
	d.Register(onebot12.Via, onebot12.Factory)
	d.Register(openwx.Via, openwx.Factory)
	d.Register(onebot.Via, onebot.Factory)
	send := func(source, userID string, seg string) error {
		var m core.Message
		if err := json.Unmarshal([]byte("["+seg+"]"), &m); err != nil {
			t.Fatal(err)
		}
		_, err := d.Send(context.Background(), core.OriginUCBI, source, core.Target{Type: core.TypePrivate, ID: userID}, m)
		return err
	}

	// OneBot 12: the first send uploads; the file_id it got is the media_id a received segment has.
	if err := send("ob12", "10002", `{"type":"image","text":"[图片]","data":{"url":"https://example.com/a.png"}}`); err != nil {
		t.Fatal(err)
	}
	reqs := ob12.Requests()
	last := reqs[len(reqs)-1]
	fileID := last.Params["message"].([]any)[0].(map[string]any)["data"].(map[string]any)["file_id"].(string)
	uploads := ob12.Count("upload_file")
	if err := send("ob12", "10002", `{"type":"image","text":"[图片]","data":{"media_id":`+strconv.Quote(fileID)+`}}`); err != nil {
		t.Fatalf("OneBot 12 by media_id: %v", err)
	}
	if ob12.Count("upload_file") != uploads || ob12.Count("send_message") != 2 {
		t.Fatalf("media_id re-send: uploads %d→%d, sends %d", uploads, ob12.Count("upload_file"), ob12.Count("send_message"))
	}

	// Openwx: media_id goes on as Openwx's media_id.
	if err := send("wx", openwxtest.Friends[0].ID, `{"type":"image","text":"[图片]","data":{"media_id":"media-1"}}`); err != nil {
		t.Fatalf("Openwx by media_id: %v", err)
	}
	if r := wx.Requests(); len(r) == 0 || r[len(r)-1].Params.Get("media_id") != "media-1" {
		t.Fatalf("Openwx did not get the media_id: %+v", r)
	}

	// OneBot 11: refused, naming the field, nothing sent.
	err := send("qq", "10002", `{"type":"image","text":"[图片]","data":{"media_id":"m1"}}`)
	if e := core.AsError(err); e == nil || e.Code != core.CodeUnsupported || e.Field != "params.message[0].data.media_id" {
		t.Fatalf("OneBot 11 by media_id: %+v", e)
	}
	if n := ob11.Count(""); n != 0 {
		t.Fatalf("the refused send reached OneBot 11: %d calls", n)
	}
}
