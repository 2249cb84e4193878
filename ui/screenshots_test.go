package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// TestScreenshots renders every registered screen with Chinese sample data into
// $UCBI_SCREENSHOTS/<id>.png (light theme, 1200×800) and one dark one. `make screenshots`
// runs it. Chinese renders through the same font path as the real window (fonts.go).
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("UCBI_SCREENSHOTS")
	if dir == "" {
		t.Skip("set UCBI_SCREENSHOTS=<dir> to render the screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, rigOptions{screen: "settings", lang: "zh", bot: true, theme: themeLight,
		size: fyne.NewSize(1200, 800),
		sources: []core.Source{
			{ID: "napcat-主号", Via: onebot.Via, Flavor: "napcat", Default: true, Token: "napcat-token-0123456789"},
			{ID: "gocq-备用号", Via: onebot.Via, URL: "http://127.0.0.1:1", Flavor: "go-cqhttp", TimeoutMS: 5000},
			{ID: "lagrange-测试", Via: onebot.Via, URL: "http://127.0.0.1:8083", Flavor: "lagrange"},
		},
		seed: seedScreenshotData,
		// Settings shows where the data lives: a real user's path, not the test's temp dir.
		deps: func(d *Deps) { d.DataDir = "/home/bot/.local/share/ucbi-console" },
	})
	settle := r.idle // every screen's background work goes through env.run
	settle()

	// Some real traffic: a card, calls through the endpoint (so the log and history show them).
	if _, _, err := r.d.ArkSharePeer(context.Background(), core.OriginGUI, "napcat-主号", core.ArkRequest{GroupID: "20001"}); err != nil {
		t.Logf("ark card: %v", err)
	}
	ep := r.open("endpoint").(*endpointScreen)
	settle()
	r.ui(func() { ep.r.set.Token = "ucbi-token-abcdef0123456789"; ep.listen.SetText("127.0.0.1:0") })
	r.tap(ep.startBtn)
	r.wait("endpoint.start")
	for _, body := range []string{
		`{"action":"send_group_message","context":{"group_id":"20001"},"params":{"message":"今晚八点开会，请准时参加"}}`,
		`{"action":"send_private_message","context":{"user_id":"10002"},"params":{"message":"你好，张三"}}`,
		`{"action":"^get_available_contexts"}`,
	} {
		req, _ := http.NewRequest("POST", "http://"+r.e.ep.address()+"/", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.e.ep.set.Token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		r.wait("endpoint.call")
	}
	settle()

	// fillCompose makes the message an operator would send: the saved group 测试群 as the target,
	// some text, a picture and an @ of 张三, so both previews show a full request and Send is on.
	fillCompose := func() {
		s := r.e.screen("compose").(*composeScreen)
		c := core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20001"}.WithSource("napcat-主号")
		r.ui(func() {
			s.useSavedContext(store.NamedContext{Name: "测试群", Context: c})
			s.rows[0].fields["text"].SetText("大家好，今晚八点开会")
			img := s.addRow("image")
			img.fields["url"].SetText("https://example.com/images/agenda.png")
			at := s.addRow("at")
			at.userName = "张三" // as the Pick… dialog sets it
			at.fields["user_id"].SetText("10002")
			s.leftScroll.ScrollToTop()
		})
		settle()
		r.ui(func() {
			if s.sendBtn.Disabled() || s.problems.Visible() {
				t.Errorf("compose: Send disabled=%v, problems %q", s.sendBtn.Disabled(), s.problems.Text)
			}
		})
	}
	prepare := map[string]func(){
		"compose": fillCompose,
		"ark": func() {
			// A friend card first, then the group card that stays on screen: the past list
			// shows both (and the card made through the dispatcher above).
			s := r.e.screen("ark").(*arkScreen)
			for _, x := range []struct{ kind, id string }{{L("QQ number"), "10002"}, {L("Group number"), "20001"}} {
				r.ui(func() {
					s.kind.SetSelected(x.kind)
					s.idEntry.SetText(x.id)
				})
				r.tap(s.genBtn)
				r.wait("ark.generate")
			}
			settle() // the avatar
			r.ui(func() {
				if s.card == nil || s.raw == "" || len(s.records) < 2 {
					t.Errorf("ark: card %v, %d bytes of JSON, %d past cards", s.card != nil, len(s.raw), len(s.records))
				}
			})
		},
		"history": func() {
			s := r.e.screen("history").(*historyScreen)
			r.ui(func() { s.reload() })
			r.wait("history.page")
			// the group message sent through the endpoint: a full request and its message id
			r.ui(func() {
				for i, rec := range s.rows {
					if rec.Action == "send_group_message" && rec.Origin == core.OriginUCBI && rec.Outcome == core.OutcomeOK {
						s.list.Select(i)
						return
					}
				}
				t.Errorf("history: no group message to select")
			})
		},
		"sources": func() {
			s := r.e.screen("sources").(*sourcesScreen)
			r.wait("sources.probed")
			r.ui(func() { s.list.Select(indexOfSource(s.sources, "napcat-主号")) })
			r.tap(s.testBtn)
			r.wait("sources.tested")
		},
		"contexts": func() {
			s := r.e.screen("contexts").(*contextsScreen)
			r.ui(func() {
				for i, nc := range s.items {
					if nc.Name == "测试群" {
						s.list.Select(i)
					}
				}
			})
		},
	}
	shoot := func(name string) {
		t.Helper()
		settle()
		r.ui(func() {
			f, err := os.Create(filepath.Join(dir, name+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for i := 0; i < 2; i++ { // twice: wrapped labels' heights follow their new widths
				relayout(r.w.Canvas().Content())
				for _, o := range r.w.Canvas().Overlays().List() {
					relayout(o)
				}
			}
			if err := png.Encode(f, r.w.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
		})
		if r.hasText("napcat-token-0123456789") || r.hasText("ucbi-token-abcdef0123456789") {
			t.Errorf("%s shows a token in full", name)
		}
	}
	for _, d := range registeredScreens() {
		r.open(d.id)
		settle()
		if p := prepare[d.id]; p != nil {
			p()
		}
		shoot(d.id)
	}

	// One dark.
	st := r.open("settings").(*settingsScreen)
	r.ui(func() { st.theme.SetSelected(L("Dark")) })
	r.wait("setting." + keyTheme)
	r.open("history")
	prepare["history"]()
	shoot("history-dark")
	r.ui(func() { st.theme.SetSelected(L("Light")) })
	r.wait("setting." + keyTheme)

	// And Compose in English (the window is rebuilt in the new language).
	st = r.open("settings").(*settingsScreen)
	r.ui(func() { st.language.SetSelected("English") })
	r.wait("setting." + keyLang)
	r.open("compose")
	settle()
	fillCompose()
	shoot("compose-en")
}

func indexOfSource(list []core.Source, id string) int {
	for i, s := range list {
		if s.ID == id {
			return i
		}
	}
	return 0
}

// seedScreenshotData fills history and contexts with believable Chinese data.
func seedScreenshotData(db *store.DB) {
	msgs := []struct{ action, target, msg, outcome, code, text, origin, source string }{
		{"send_group_message", "group:20001", "大家好，今晚八点在群里开周会", "ok", "", "", "ucbi", "napcat-主号"},
		{"send_private_message", "private:10002", "张三，你的快递到了[图片]", "ok", "", "", "gui", "napcat-主号"},
		{"send_group_message", "group:20002", "机器人已更新到 v2.3，新增天气查询功能", "ok", "", "", "ucbi", "napcat-主号"},
		{"send_group_message", "group:736368697", "[表情:微笑] 欢迎新成员！", "error", "backend_failed", "账号被风控，发送失败 (retcode 1200)", "onebot", "gocq-备用号"},
		{"get_login_info", "", "", "ok", "", "", "cli", "napcat-主号"},
		{"send_private_message", "private:1049509241", "测试好友：明天下午三点见", "ok", "", "", "ucbi", "napcat-主号"},
		{"send_group_message", "group:20001", "本周值班：李四、王五", "error", "backend_unreachable", "无法连接到 http://127.0.0.1:1：连接被拒绝", "ucbi", "gocq-备用号"},
		{"ArkSharePeer", "group:20001", "", "ok", "", "", "gui", "napcat-主号"},
	}
	start := time.Now().Add(-2 * time.Hour)
	for i := 0; i < 64; i++ {
		m := msgs[i%len(msgs)]
		rec := core.HistoryRecord{
			Time: start.Add(time.Duration(i) * 97 * time.Second), Origin: m.origin, Source: m.source,
			Action: m.action, Target: m.target, Message: m.msg, Outcome: m.outcome, ErrorCode: m.code,
			Text: m.text, LatencyUS: int64(8000 + (i*7919)%90000),
		}
		if m.outcome == "ok" && strings.HasPrefix(m.action, "send_") {
			rec.MessageID = fmt.Sprint(1800000 + i)
		}
		c, _ := contextFromTarget(m.target)
		c.Via = onebot.Via
		c = c.WithSource(m.source)
		req := core.Request{Action: m.action, Context: &c}
		if m.msg != "" {
			req.Params = map[string]json.RawMessage{"message": mustJSON(m.msg)}
		}
		rec.Request = mustJSON(req)
		if m.outcome == "ok" {
			rec.Response = mustJSON(map[string]string{"message_id": rec.MessageID})
		} else {
			rec.Response = mustJSON(map[string]string{"error": m.code, "message": m.text})
		}
		_ = db.AppendHistory(&rec)
	}
	ctxs := []struct {
		name string
		c    core.Context
	}{
		{"测试群", core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20001"}.WithSource("napcat-主号")},
		{"机器人开发交流", core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "20002"}.WithSource("napcat-主号")},
		{"备用号值班群", core.Context{Platform: "qq", Via: onebot.Via, Type: core.TypeGroup, GroupID: "736368697"}.WithSource("gocq-备用号")},
	}
	for _, x := range ctxs {
		_ = db.PutContext(x.name, x.c)
	}
	_ = db.TouchContext("机器人开发交流")
	_ = db.TouchContext("测试群")
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
