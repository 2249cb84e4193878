package onebot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"ucbi-console/core"
)

// fakeCaller answers every action as an open layer over a WebSocket would: with its own echo.
type fakeCaller struct{ actions []string }

func (f *fakeCaller) Call(_ context.Context, action string, params json.RawMessage) ([]byte, error) {
	f.actions = append(f.actions, action)
	return []byte(`{"status":"ok","retcode":0,"data":{"message_id":7,"user_id":10001,"nickname":"bot"},"message":"","wording":"","echo":"ucbi-1-1"}`), nil
}

// TestActionsOverWebSocket: a source with no HTTP URL and a WebSocket link takes every action
// over the caller — typed calls and passed-through ones — and the door's echo, not the
// caller's, is what a bot gets back; before a caller is attached the call says why it failed.
func TestActionsOverWebSocket(t *testing.T) {
	src := core.Source{ID: "ws", Via: Via, Events: core.LinkWS, WSURL: "ws://127.0.0.1:1/"}
	if !ActionsOverWebSocket(src) || ActionsOverWebSocket(core.Source{URL: "http://x", Events: core.LinkWS, WSURL: "ws://x"}) {
		t.Fatal("ActionsOverWebSocket is wrong")
	}
	bare, err := New(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.GetLoginInfo(context.Background()); core.AsError(err).Code != core.CodeBackendDown || !strings.Contains(err.Error(), "WebSocket") {
		t.Errorf("without a link: %v", err)
	}
	fc := &fakeCaller{}
	a, err := NewWithCaller(src, fc)
	if err != nil {
		t.Fatal(err)
	}
	info, err := a.GetLoginInfo(context.Background())
	if err != nil || info.UserID != "10001" {
		t.Fatalf("login info %+v %v", info, err)
	}
	res, err := a.Send(context.Background(), core.Target{Type: core.TypeGroup, ID: "5"}, core.Message{{Type: "text", Data: map[string]any{"text": "hi"}}})
	if err != nil || res.MessageID != "7" {
		t.Fatalf("send %+v %v", res, err)
	}
	rep := a.ForwardRaw(context.Background(), "send_group_msg", []byte(`{"group_id":5,"message":"hi"}`), json.RawMessage(`{"bot":1}`))
	if rep.Err != nil || !strings.Contains(string(rep.Body), `"echo":{"bot":1}`) || strings.Contains(string(rep.Body), "ucbi-1-1") {
		t.Errorf("forwarded reply %s %v", rep.Body, rep.Err)
	}
	if strings.Join(fc.actions, ",") != "get_login_info,send_group_msg,send_group_msg" {
		t.Errorf("actions over the caller: %v", fc.actions)
	}
}
