package core

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

// memSources is an in-memory SourceStore.
type memSources []Source

func (m memSources) Sources() ([]Source, error) { return append([]Source(nil), m...), nil }

// memHistory records rows in memory.
type memHistory struct {
	mu   sync.Mutex
	rows []HistoryRecord
	err  error
}

func (h *memHistory) AppendHistory(r *HistoryRecord) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	r.Seq = uint64(len(h.rows) + 1)
	h.rows = append(h.rows, *r)
	return nil
}

// recAdapter records what the dispatcher asked of it.
type recAdapter struct {
	src   Source
	mu    sync.Mutex
	sends []Target
	msgs  []Message
	ext   []string
	fail  error
}

func (a *recAdapter) GetLoginInfo(context.Context) (LoginInfo, error) {
	if a.fail != nil {
		return LoginInfo{}, a.fail
	}
	return LoginInfo{UserID: "10001", UserTID: "10001", UserName: "bot-" + a.src.ID}, nil
}

func (a *recAdapter) Send(_ context.Context, t Target, m Message) (SendResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t.Type == TypeDiscuss {
		return SendResult{}, Errorf(CodeUnsupported, "discussion groups are not supported by OneBot 11")
	}
	a.sends = append(a.sends, t)
	a.msgs = append(a.msgs, m)
	return SendResult{MessageID: "42"}, nil
}

func (a *recAdapter) Extension(_ context.Context, name string, params map[string]json.RawMessage) (json.RawMessage, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ext = append(a.ext, name)
	return json.RawMessage(`{"ok":true}`), nil
}

type testRig struct {
	d        *Dispatcher
	hist     *memHistory
	adapters map[string]*recAdapter
}

func newRig(t *testing.T, sources ...Source) *testRig {
	t.Helper()
	r := &testRig{hist: &memHistory{}, adapters: map[string]*recAdapter{}}
	r.d = NewDispatcher(memSources(sources), r.hist, nil)
	var mu sync.Mutex
	r.d.Register("coolq-http-api", func(s Source) (Adapter, error) {
		mu.Lock()
		defer mu.Unlock()
		a := &recAdapter{src: s}
		r.adapters[s.ID] = a
		return a, nil
	})
	return r
}

func call(t *testing.T, d *Dispatcher, body string) (any, *Error) {
	t.Helper()
	req, err := DecodeRequest([]byte(body))
	if err != nil {
		return nil, AsError(err)
	}
	data, err := d.Call(context.Background(), OriginUCBI, req)
	return data, AsError(err)
}

func TestRouting(t *testing.T) {
	one := []Source{{ID: "2", Via: "coolq-http-api", URL: "http://x"}}
	two := []Source{{ID: "a", Via: "coolq-http-api", URL: "http://a"}, {ID: "b", Via: "coolq-http-api", URL: "http://b"}}
	twoDefault := []Source{{ID: "a", Via: "coolq-http-api", URL: "http://a"}, {ID: "b", Via: "coolq-http-api", URL: "http://b", Default: true}}
	cases := []struct {
		name    string
		sources []Source
		context string
		want    string // source id, or "!code"
	}{
		{"config_id number", one, `{"via":"coolq-http-api","extra":{"config_id":2}}`, "2"},
		{"config_id string", one, `{"via":"coolq-http-api","extra":{"config_id":"2"}}`, "2"},
		{"no extra, only source", one, `{"via":"coolq-http-api"}`, "2"},
		{"no context at all, only source", one, ``, "2"},
		{"unknown via", one, `{"via":"mojo-weixin-openwx"}`, "!" + CodeUnknownVia},
		{"unknown config_id", one, `{"via":"coolq-http-api","extra":{"config_id":7}}`, "!" + CodeUnknownSource},
		{"two sources, no default", two, `{"via":"coolq-http-api"}`, "!" + CodeAmbiguousSource},
		{"two sources, default", twoDefault, `{"via":"coolq-http-api"}`, "b"},
		{"two sources, named", twoDefault, `{"via":"coolq-http-api","extra":{"config_id":"a"}}`, "a"},
		{"no sources", nil, `{"via":"coolq-http-api"}`, "!" + CodeUnknownSource},
		{"extra not an object", one, `{"via":"coolq-http-api","extra":[1]}`, "!" + CodeBadParam},
		{"config_id wrong type", one, `{"via":"coolq-http-api","extra":{"config_id":true}}`, "!" + CodeBadParam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, c.sources...)
			body := `{"action":"get_login_info"}`
			if c.context != "" {
				body = `{"action":"get_login_info","context":` + c.context + `}`
			}
			data, err := call(t, r.d, body)
			if strings.HasPrefix(c.want, "!") {
				if err == nil || err.Code != c.want[1:] {
					t.Fatalf("want error %s, got %v (%v)", c.want[1:], err, data)
				}
				if err.Message == "" {
					t.Fatal("error without a message")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := data.(LoginInfo).UserName; got != "bot-"+c.want {
				t.Fatalf("routed to %q, want bot-%s", got, c.want)
			}
		})
	}
}

func TestUnknownViaListsWhatIsConfigured(t *testing.T) {
	r := newRig(t, Source{ID: "napcat", Via: "coolq-http-api", URL: "http://x"})
	_, err := call(t, r.d, `{"action":"get_login_info","context":{"via":"coolq-http-api","extra":{"config_id":"nope"}}}`)
	if err == nil || !strings.Contains(err.Message, "napcat (coolq-http-api)") {
		t.Fatalf("error should list configured sources, got %v", err)
	}
}

func TestSendRules(t *testing.T) {
	src := Source{ID: "2", Via: "coolq-http-api", URL: "http://x"}
	cases := []struct {
		name   string
		body   string
		target string // "type:id" or "!code"
		msg    string // PlainText of the message sent
	}{
		{"private from params", `{"action":"send_private_message","params":{"user_id":123,"message":"hi"}}`, "private:123", "hi"},
		{"private from context", `{"action":"send_private_message","context":{"via":"coolq-http-api","user_id":"456"},"params":{"message":"hi"}}`, "private:456", "hi"},
		{"params win over context", `{"action":"send_group_message","context":{"group_id":"1"},"params":{"group_id":"2","message":"x"}}`, "group:2", "x"},
		{"tid accepted", `{"action":"send_group_message","params":{"group_tid":"77","message":"x"}}`, "group:77", "x"},
		{"context tid", `{"action":"send_private_message","context":{"user_tid":88},"params":{"message":"x"}}`, "private:88", "x"},
		{"send_message type from params", `{"action":"send_message","params":{"type":"group","group_id":5,"message":"x"}}`, "group:5", "x"},
		{"send_message type from context", `{"action":"send_message","context":{"type":"private","user_id":"9"},"params":{"message":"x"}}`, "private:9", "x"},
		{"send_message no type", `{"action":"send_message","params":{"user_id":"9","message":"x"}}`, "!" + CodeMissingParam, ""},
		{"send_message bad type", `{"action":"send_message","params":{"type":"channel","user_id":"9","message":"x"}}`, "!" + CodeBadParam, ""},
		{"missing id", `{"action":"send_group_message","params":{"message":"x"}}`, "!" + CodeMissingParam, ""},
		{"id wrong type", `{"action":"send_group_message","params":{"group_id":{},"message":"x"}}`, "!" + CodeBadParam, ""},
		{"id float", `{"action":"send_group_message","params":{"group_id":1.5,"message":"x"}}`, "!" + CodeBadParam, ""},
		{"discuss unsupported", `{"action":"send_discuss_message","params":{"discuss_id":"3","message":"x"}}`, "!" + CodeUnsupported, ""},
		{"segments", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"text","text":"你好啊～"},{"type":"image","text":"[图片]","data":{"path":"/tmp/pic.jpg"}}]}}`, "group:1", "你好啊～[图片]"},
		{"empty string message", `{"action":"send_group_message","params":{"group_id":"1","message":""}}`, "!" + CodeBadMessage, ""},
		{"empty array message", `{"action":"send_group_message","params":{"group_id":"1","message":[]}}`, "!" + CodeBadMessage, ""},
		{"missing message", `{"action":"send_group_message","params":{"group_id":"1"}}`, "!" + CodeMissingParam, ""},
		{"rich refused", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"rich","text":"r","data":{"url":"u"}}]}}`, "!" + CodeUnsupported, ""},
		{"unknown type refused", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"sticker","text":"s"}]}}`, "!" + CodeBadMessage, ""},
		{"starred type passes", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"*face","text":"[表情]","data":{"id":"14"}}]}}`, "group:1", "[表情]"},
		{"image without source", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"text","text":"a"},{"type":"image","text":"[图片]","data":{}}]}}`, "!" + CodeBadMessage, ""},
		{"segment not object", `{"action":"send_group_message","params":{"group_id":"1","message":[3]}}`, "!" + CodeBadMessage, ""},
		{"message a number", `{"action":"send_group_message","params":{"group_id":"1","message":3}}`, "!" + CodeBadMessage, ""},
		{"at needs user", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"at","text":"@"}]}}`, "!" + CodeBadMessage, ""},
		{"location numbers", `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"location","text":"loc","data":{"latitude":"x","longitude":1}}]}}`, "!" + CodeBadMessage, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, src)
			data, err := call(t, r.d, c.body)
			if strings.HasPrefix(c.target, "!") {
				if err == nil || err.Code != c.target[1:] {
					t.Fatalf("want %s, got err=%v data=%v", c.target[1:], err, data)
				}
				if a := r.adapters["2"]; a != nil && len(a.sends) > 0 {
					t.Fatalf("a refused call reached the adapter: %v", a.sends)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if data.(SendResult).MessageID != "42" {
				t.Fatalf("message id not passed back: %#v", data)
			}
			a := r.adapters["2"]
			if got := a.sends[0].String(); got != c.target {
				t.Fatalf("target %s, want %s", got, c.target)
			}
			if got := a.msgs[0].PlainText(); got != c.msg {
				t.Fatalf("message %q, want %q", got, c.msg)
			}
		})
	}
}

func TestSegmentErrorNamesIndex(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"})
	_, err := call(t, r.d, `{"action":"send_group_message","params":{"group_id":"1","message":[{"type":"text","text":"a"},{"type":"image","text":"[图片]"}]}}`)
	if err == nil || !strings.Contains(err.Message, "segment 1 (image)") || !strings.Contains(err.Message, "url, path, data or media_id") {
		t.Fatalf("error should name segment 1 and what it needs: %v", err)
	}
}

func TestExtensionAndMeta(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"}, Source{ID: "3", Via: "coolq-http-api", URL: "http://y", Default: true})
	if _, err := call(t, r.d, `{"action":"*get_group_member_list","context":{"via":"coolq-http-api","extra":{"config_id":2}},"params":{"group_id":1}}`); err != nil {
		t.Fatal(err)
	}
	if got := r.adapters["2"].ext; len(got) != 1 || got[0] != "get_group_member_list" {
		t.Fatalf("extension not passed without its star: %v", got)
	}
	data, err := call(t, r.d, `{"action":"^get_contexts"}`)
	if err != nil {
		t.Fatal(err)
	}
	ctxs := data.([]ContextInfo)
	if len(ctxs) != 2 || ctxs[0].Via != "coolq-http-api" || string(ctxs[0].Extra) != `{"config_id":"2"}` || !ctxs[0].Available {
		t.Fatalf("^get_contexts: %+v", ctxs)
	}
	r.adapters["3"].fail = Errorf(CodeBackendDown, "down")
	r.d.probes = map[string]probeEntry{} // forget the cached probe
	data, err = call(t, r.d, `{"action":"^get_available_contexts"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := data.([]ContextInfo); len(got) != 1 || string(got[0].Extra) != `{"config_id":"2"}` {
		t.Fatalf("^get_available_contexts should list only source 2: %+v", got)
	}
	for _, bad := range []string{`{"action":"^nope"}`, `{"action":"send_fax"}`, `{"action":"*"}`} {
		if _, err := call(t, r.d, bad); err == nil || err.Code != CodeUnknownAction {
			t.Fatalf("%s: want unknown_action, got %v", bad, err)
		}
	}
}

func TestHistoryRowPerCall(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"})
	_, _ = call(t, r.d, `{"action":"send_group_message","params":{"group_id":"1","message":"你好"}}`)
	_, _ = call(t, r.d, `{"action":"send_group_message","params":{"group_id":"1","message":[]}}`)
	if len(r.hist.rows) != 2 {
		t.Fatalf("want 2 rows, got %d", len(r.hist.rows))
	}
	ok, bad := r.hist.rows[0], r.hist.rows[1]
	if ok.Outcome != OutcomeOK || ok.Source != "2" || ok.Target != "group:1" || ok.Message != "你好" || ok.MessageID != "42" || ok.Origin != OriginUCBI {
		t.Fatalf("ok row: %+v", ok)
	}
	if bad.Outcome != OutcomeError || bad.ErrorCode != CodeBadMessage || bad.Text == "" {
		t.Fatalf("error row: %+v", bad)
	}
	// A history failure turns a success into an error that says the call was made.
	r.hist.err = errors.New("disk full")
	if _, err := call(t, r.d, `{"action":"send_group_message","params":{"group_id":"1","message":"x"}}`); err == nil || err.Code != CodeInternal || !strings.Contains(err.Message, "was made") {
		t.Fatalf("want internal error mentioning the call was made, got %v", err)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	cases := []struct{ body, code, mention string }{
		{``, CodeBadJSON, "empty"},
		{`{`, CodeBadJSON, "not valid JSON"},
		{`[]`, CodeBadJSON, "object"},
		{`{"action":1}`, CodeBadParam, "action"},
		{`{"context":{}}`, CodeMissingParam, "action"},
		{`{"action":" "}`, CodeMissingParam, "action"},
		{`{"action":" get_login_info"}`, CodeBadParam, "action"},
		{`{"action":"get_login_info\n"}`, CodeBadParam, `\n`},
		{`{"action":"get_login_info\t"}`, CodeBadParam, "action"},
		{`{"action":"get login info"}`, CodeBadParam, "action"},
		{`{"action":"get_login_info\u0000"}`, CodeBadParam, "action"},
		{`{"action":"x","context":{"user_id":" 123"}}`, CodeBadParam, "context.user_id"},
		{`{"action":"x","context":{"group_id":"123\n"}}`, CodeBadParam, "context.group_id"},
		{`{"action":"x","context":{"extra":{"config_id":" napcat"}}}`, CodeBadParam, "config_id"},
		{`{"action":"x","context":"c"}`, CodeBadParam, "context"},
		{`{"action":"x","context":{"via":3}}`, CodeBadParam, "context.via"},
		{`{"action":"x","context":{"user_id":true}}`, CodeBadParam, "context.user_id"},
		{`{"action":"x","context":{"user_id":123456789012345678901234}}`, CodeBadParam, "context.user_id"},
		{`{"action":"x","context":{"type":"channel"}}`, CodeBadParam, "context.type"},
		{`{"action":"x","params":[1]}`, CodeBadParam, "params"},
		{"{\"action\":\"\xff\"}", CodeBadJSON, "UTF-8"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), CodeBadJSON, "nests"},
	}
	for _, c := range cases {
		_, err := DecodeRequest([]byte(c.body))
		e := AsError(err)
		if e == nil || e.Code != c.code || !strings.Contains(e.Message, c.mention) {
			t.Errorf("%q: want %s mentioning %q, got %v", c.body, c.code, c.mention, e)
		}
	}
	req, err := DecodeRequest([]byte(`{"action":"send_private_message","context":{"via":"coolq-http-api","user_id":12345678,"extra":{"config_id":2}},"params":{"message":"hi"}}`))
	if err != nil || req.Context.UserID != "12345678" || req.Action != "send_private_message" {
		t.Fatalf("decode: %+v %v", req, err)
	}
	if b, _ := json.Marshal(req.Context); !strings.Contains(string(b), `"user_id":"12345678"`) {
		t.Fatalf("ids must be emitted as strings: %s", b)
	}
	req, err = DecodeRequest([]byte(`{"action":"*get_group_list","params":{"access_token":"napcat-secret","no_cache":true}}`))
	if err != nil || req.Params["access_token"] != nil || req.Params["no_cache"] == nil {
		t.Fatalf("a token in params must never be a parameter: %v %v", req.Params, err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"action":"send_private_message","context":{"via":"coolq-http-api","user_id":"1","extra":{"config_id":2}},"params":{"message":[{"type":"text","text":"hi"}]}}`,
		`{"action":"send_message","params":{"type":"group","group_id":1,"message":"x"}}`,
		`{"action":"*x","params":{"a":[1,{"b":null}]}}`, `[]`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	d := NewDispatcher(memSources{{ID: "1", Via: "coolq-http-api", URL: "http://x"}}, nil, nil)
	d.Register("coolq-http-api", func(s Source) (Adapter, error) { return &recAdapter{src: s}, nil })
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest(body)
		if err != nil {
			if AsError(err).Code == CodeInternal {
				t.Fatalf("decode error without a caller code: %v", err)
			}
			return
		}
		if _, err := d.Call(context.Background(), OriginUCBI, req); err != nil && AsError(err).Code == CodeInternal {
			t.Fatalf("a caller's request gave an internal error: %v", err)
		}
	})
}

// TestSupportedSegmentsWithoutAnswer: an adapter that does not implement SegmentSupport is taken
// to send what UCBI allows — every kind but rich.
func TestSupportedSegmentsWithoutAnswer(t *testing.T) {
	r := newRig(t, Source{ID: "2", Via: "coolq-http-api", URL: "http://x"})
	got, err := r.d.SupportedSegments("2")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range SegmentKinds {
		if (got[k] == "") == (k == "rich") {
			t.Errorf("%s: %q", k, got[k])
		}
	}
}
