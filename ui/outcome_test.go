package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

func TestSendFailureWording(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		unknown bool
	}{
		{"timeout", core.Errorf(core.CodeBackendTimeout, "the backend did not answer within 1s"), true},
		{"unreadable reply", core.Errorf(core.CodeBackendBadReply, "the backend answered HTML"), true},
		{"refused by the backend", &core.Error{Code: core.CodeBackendFailed, Message: "the backend failed", Retcode: 100, BackendText: "bad group"}, false},
		{"unreachable", core.Errorf(core.CodeBackendDown, "cannot reach the backend"), false},
		{"bad input", core.Errorf(core.CodeBadMessage, "the message is empty"), false},
		{"not an engine error", errors.New("disk full"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			imp, text := sendFailureText("Not sent: %s", tc.err)
			if tc.unknown {
				if imp != widget.WarningImportance || !strings.HasPrefix(text, "Outcome unknown: ") || !strings.Contains(text, "check the chat") {
					t.Errorf("%v → %v %q", tc.err, imp, text)
				}
				if label, _ := outcomeLabel(core.OutcomeError, core.AsError(tc.err).Code); label != "Outcome unknown" {
					t.Errorf("list label %q", label)
				}
				return
			}
			if imp != widget.DangerImportance || !strings.HasPrefix(text, "Not sent: ") {
				t.Errorf("%v → %v %q", tc.err, imp, text)
			}
		})
	}
	if _, text := sendFailureText("Not sent: %s", tests[2].err); !strings.Contains(text, "retcode 100: bad group") {
		t.Errorf("the backend's retcode is missing: %q", text)
	}
}

// A send whose backend never answers is "结果未知" (never "未发送") in Compose, Ark and History,
// with the advice to look at the chat before sending again.
func TestTimedOutSendIsOutcomeUnknownEverywhere(t *testing.T) {
	r := newRig(t, rigOptions{screen: "compose", lang: "zh", bot: true,
		sources: []core.Source{{ID: "napcat", Via: onebot.Via, Flavor: "napcat", Default: true, TimeoutMS: 300}}})
	r.idle()
	const unknown, notSent = "结果未知", "未发送"

	// Ark: make a card while the backend answers, then send it while it does not.
	ark := r.arkCard("10002")
	r.bot.SetDelay(time.Minute)
	ctx := core.Context{Type: core.TypeGroup, GroupID: "20001", Via: onebot.Via}.WithSource("napcat")
	r.ui(func() { ark.sendCardTo(ctx, ark.raw, ark.card, false) })
	r.wait("ark.send")
	r.ui(func() {
		if !strings.HasPrefix(ark.status.Text, unknown) || strings.Contains(ark.status.Text, notSent) || ark.status.Importance != widget.WarningImportance {
			t.Errorf("Ark after a timeout: %q", ark.status.Text)
		}
	})

	// Compose.
	s := r.open("compose").(*composeScreen)
	r.ui(func() {
		s.setType(core.TypeGroup)
		test.Type(s.idEntry, "20001")
		test.Type(s.rows[0].fields["text"], "你好")
	})
	r.tap(s.sendBtn)
	r.wait("compose.send")
	r.ui(func() {
		if !strings.HasPrefix(s.result.Text, unknown) || strings.Contains(s.result.Text, notSent) || !strings.Contains(s.result.Text, "聊天") {
			t.Errorf("Compose after a timeout: %q", s.result.Text)
		}
	})

	// History: the list and the detail.
	h := r.open("history").(*historyScreen)
	r.ui(func() { r.e.notify(topicHistory) })
	r.wait("history.newer")
	r.ui(func() {
		if len(h.rows) < 2 {
			t.Fatalf("history rows %+v", h.rows)
		}
		c := newHistoryColumns()
		h.updateRow(0, c)
		if got := c.labels[5].Text; got != unknown {
			t.Errorf("history list outcome %q", got)
		}
		h.list.Select(0)
		if got := h.metaVals["Outcome"].Text; !strings.HasPrefix(got, unknown) || !strings.Contains(got, "聊天") {
			t.Errorf("history detail outcome %q", got)
		}
	})
	// Sending it again asks first, with the same advice.
	r.tap(h.sendBtn)
	if txt := strings.Join(r.overlayTexts(), "\n"); !strings.Contains(txt, "聊天") {
		t.Errorf("send again does not warn: %q", txt)
	}
	r.tapDialogButton(L("Cancel"))
	r.bot.SetDelay(0)
}

// In Chinese, an engine error is said in Chinese, and an error that is not the engine's (a
// failed image download, a file that cannot be written) keeps its own words instead of
// becoming "内部错误"; a first letter is raised only when it is an ASCII letter, never by
// cutting a Chinese character in half.
func TestErrorTextInChinese(t *testing.T) {
	SetLanguage("zh")
	t.Cleanup(func() { SetLanguage("en") })
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("HTTP 404"), "HTTP 404"},
		{errors.New("open /x: permission denied"), "Open /x: permission denied"},
		{errors.New("连接超时"), "连接超时"},
		{core.Errorf(core.CodeInternal, "boom"), "内部错误"},
	}
	for _, tc := range tests {
		if got := errorText(tc.err); got != tc.want {
			t.Errorf("errorText(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
