package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

// Compose offers only the segment kinds the chosen source can send, and says why one is missing
// (OneBot 11 has no file segment) — in the menu and on a row already there.
func TestComposeOffersOnlySupportedSegments(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			SetLanguage(lang)
			t.Cleanup(func() { SetLanguage("en") })
			f := newScreenFixture(t)
			s := newTestCompose(f)
			support, err := f.d.SupportedSegments("napcat")
			if err != nil || support["file"] == "" {
				t.Fatalf("OneBot 11 should say why it cannot send a file: %v %v", support, err)
			}
			why := core.LocalizeSupport(support["file"], Language())
			var file, text bool
			f.ui(func() {
				for _, it := range s.addMenuItems() {
					switch {
					case strings.HasPrefix(it.Label, L("File")):
						file = true
						if !it.Disabled || !strings.Contains(it.Label, why) {
							t.Errorf("file item %q (disabled %v), want disabled with %q", it.Label, it.Disabled, why)
						}
					case it.Label == L("Text"):
						text = true
						if it.Disabled {
							t.Error("text is offered disabled")
						}
					}
				}
			})
			if !file || !text {
				t.Fatalf("menu lacks file (%v) or text (%v)", file, text)
			}
			// a file row that came in some other way (a draft, an older version) says why too
			f.ui(func() {
				test.Type(s.idEntry, "20001")
				test.Type(s.rows[0].fields["text"], "hi")
				r := s.addRow("file")
				r.setField("url", "https://example.com/a.zip")
				if !strings.Contains(r.errText.Text, why) || !s.sendBtn.Disabled() {
					t.Errorf("file row: problem %q, send enabled %v", r.errText.Text, !s.sendBtn.Disabled())
				}
			})
		})
	}
}

// Switching private/group never carries an id into the other field: a typed id is cleared, the
// ids of a context handed in are converted (its sender, its group), and switching back sends the
// handed context unchanged.
func TestComposeTypeSwitchConvertsOrClears(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	f.ui(func() {
		s.setType(core.TypeGroup)
		test.Type(s.idEntry, "20001")
		test.Type(s.rows[0].fields["text"], "hi")
		s.setType(core.TypePrivate)
		if s.idEntry.Text != "" || s.request != nil {
			t.Errorf("group id carried into private: entry %q, request %v", s.idEntry.Text, s.request != nil)
		}
	})

	handed := core.Context{Platform: "qq", Via: "coolq-http-api", Type: core.TypeGroup, GroupID: "20001", UserID: "10002",
		Extra: json.RawMessage(`{"config_id":"napcat","self_id":"42","message_id":"777"}`)}
	f.ui(func() {
		s.takeContext(handed)
		if s.request == nil || !contextsEqual(*s.request.Context, handed) {
			t.Fatalf("handed context not sent as it is: %s", s.ucbiView.Text)
		}
		s.setType(core.TypePrivate)
		if s.idEntry.Text != "10002" {
			t.Errorf("private after a group event: id %q, want the sender 10002", s.idEntry.Text)
		}
		if c := s.request.Context; c.Type != core.TypePrivate || c.UserID != "10002" || c.GroupID != "" {
			t.Errorf("private target = %+v", c)
		}
		s.setType(core.TypeGroup)
		if s.idEntry.Text != "20001" || !contextsEqual(*s.request.Context, handed) {
			t.Errorf("back to group: id %q, context %+v", s.idEntry.Text, s.request.Context)
		}
		// an edited id is a new target: built from the source, the event's extra gone
		s.idEntry.SetText("20002")
		if c := s.request.Context; c.GroupID != "20002" || strings.Contains(string(c.Extra), "message_id") {
			t.Errorf("edited target = %+v", c)
		}
	})
}

func contextsEqual(a, b core.Context) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// A context handed in (from the Inbox) reaches the backend's history row unchanged.
func TestComposeSendsAHandedContextUnchanged(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	handed := core.Context{Platform: "qq", Via: "coolq-http-api", Type: core.TypeGroup, GroupID: "20001", UserID: "10002",
		Extra: json.RawMessage(`{"config_id":"napcat","self_id":"42"}`)}
	f.ui(func() {
		s.takeMessage(handed, core.Message{{Type: "text", Text: "回复"}})
		test.Tap(s.sendBtn)
	})
	f.wait()
	recs, err := f.db.HistoryPage(0, 1, store.HistoryFilter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("history: %v %v", recs, err)
	}
	req, err := core.DecodeRequest(recs[0].Request)
	if err != nil || !contextsEqual(*req.Context, handed) {
		t.Fatalf("recorded context %s (err %v), want %+v", recs[0].Request, err, handed)
	}
}

// An @ in a private chat is flagged on its row, and Send waits.
func TestComposeAtInPrivateChatIsFlagged(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	f.ui(func() {
		s.setType(core.TypePrivate)
		test.Type(s.idEntry, "10002")
		at := s.addRow("at")
		test.Type(at.fields["user_id"], "10003")
		if !strings.Contains(at.errText.Text, "private chat") || !s.sendBtn.Disabled() {
			t.Errorf("@ in private: row %q, send enabled %v", at.errText.Text, !s.sendBtn.Disabled())
		}
		s.setType(core.TypeGroup)
		test.Type(s.idEntry, "20001")
		if at.errText.Visible() {
			t.Errorf("@ in a group flagged: %q", at.errText.Text)
		}
	})
}

// The result line belongs to the message that was sent: it goes when the message or the target
// changes. The response pane shows the answer as Actions does (formatted, its time, Copy) and
// keeps it, marked as the previous send's.
func TestComposeResultLineAndResponsePane(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	f.ui(func() {
		test.Type(s.idEntry, "20001")
		test.Type(s.rows[0].fields["text"], "hi")
		test.Tap(s.sendBtn)
	})
	f.wait()
	f.ui(func() {
		if !s.result.Visible() || !strings.Contains(s.result.Text, "message id") {
			t.Fatalf("result %q", s.result.Text)
		}
		if !strings.Contains(s.pane.body.Text, `"message_id"`) || !strings.Contains(s.pane.status.Text, "ms") ||
			s.pane.status.Importance != widget.SuccessImportance || s.pane.copyBtn.Disabled() {
			t.Fatalf("pane: status %q body %q", s.pane.status.Text, s.pane.body.Text)
		}
		test.Tap(s.pane.copyBtn)
		if got := f.app.Clipboard().Content(); got != s.pane.body.Text {
			t.Errorf("copied %q", got)
		}
		test.Type(s.rows[0].fields["text"], "!")
		if s.result.Visible() {
			t.Errorf("the result line stayed after an edit: %q", s.result.Text)
		}
		if s.pane.status.Importance != widget.LowImportance || !strings.Contains(s.pane.body.Text, "message_id") {
			t.Errorf("pane after an edit: %q (%v)", s.pane.status.Text, s.pane.status.Importance)
		}
	})
	// a failure: the UCBI error body, and the words
	f.fake.Close()
	f.ui(func() { test.Tap(s.sendBtn) })
	f.wait()
	f.ui(func() {
		if !strings.Contains(s.pane.body.Text, `"error"`) || s.pane.status.Importance == widget.SuccessImportance {
			t.Errorf("pane after a failure: %q / %q", s.pane.status.Text, s.pane.body.Text)
		}
		s.setType(core.TypePrivate)
		if s.result.Visible() {
			t.Errorf("the result line stayed after the target changed: %q", s.result.Text)
		}
	})
}

// The draft — target and every segment — survives closing the app: a new Compose over the same
// store shows it again.
func TestComposeDraftSurvivesARestart(t *testing.T) {
	f := newScreenFixture(t)
	s := newTestCompose(f)
	f.ui(func() {
		s.setType(core.TypePrivate)
		test.Type(s.idEntry, "10002")
		test.Type(s.rows[0].fields["text"], "草稿")
		img := s.addRow("image")
		img.setField("url", "https://example.com/a.png")
		face := s.addRow("*face")
		face.setField("id", "14")
	})
	f.wait() // the debounced save
	want := ""
	f.ui(func() { want = s.ucbiView.Text })

	s2 := newTestCompose(f)
	f.ui(func() {
		if s2.selectedType() != core.TypePrivate || s2.idEntry.Text != "10002" || len(s2.rows) != 3 {
			t.Fatalf("restored: type %q id %q rows %d", s2.selectedType(), s2.idEntry.Text, len(s2.rows))
		}
		if s2.ucbiView.Text != want {
			t.Errorf("restored request:\n%s\nwant\n%s", s2.ucbiView.Text, want)
		}
		if s2.touched || s2.result.Visible() {
			t.Error("a restored draft is not an edit")
		}
	})

	// a context handed in before the draft is read wins over the draft
	var s3 *composeScreen
	f.ui(func() {
		s3 = newComposeScreen(f.e)
		s3.takeContext(core.Context{Type: core.TypeGroup, GroupID: "30003"}.WithSource("napcat"))
	})
	f.wait()
	f.ui(func() {
		if s3.idEntry.Text != "30003" {
			t.Errorf("the draft overwrote a handed context: %q", s3.idEntry.Text)
		}
	})
}
