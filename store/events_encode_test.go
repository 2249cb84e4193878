package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"ucbi-console/core"
)

// encodeEventReflect is how events were encoded before encodeEvent was written by hand: the
// reference it must agree with byte for byte.
func encodeEventReflect(ev *core.StoredEvent) ([]byte, error) {
	se := storedEvent{Source: ev.Source, Via: ev.Via, Received: ev.Received, Kind: ev.Kind, Event: ev.Event}
	se.Event.ID = 0
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&se); err != nil {
		return nil, err
	}
	val := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if raw := bytes.TrimSpace(ev.Raw); len(raw) > 0 {
		val = append(val[:len(val)-1], `,"raw":`...)
		val = append(val, raw...)
		val = append(val, '}')
	}
	return val, nil
}

func TestEncodeEventIsWhatEncodingJSONWrites(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 4, 5, 123456789, time.FixedZone("CST", 8*3600))
	ctx := core.Context{Platform: "qq", Via: "coolq-http-api", Type: "group", GroupID: "20001", GroupTID: "20001", UserID: "10001"}.WithSource("napcat")
	cases := []core.StoredEvent{
		{Source: "napcat", Via: "coolq-http-api", Received: at, Kind: "message.group",
			Event: core.Event{ID: 7, Type: "message", Time: 1767225600, Context: &ctx, Data: json.RawMessage(`{"type":"group","message":[{"type":"text","text":"你好 <b>&</b>"}]}`)},
			Raw:   json.RawMessage(` {"post_type":"message"} `)},
		{Source: "a\"b\\c\n\u2028<>&\x01", Via: "", Received: at.UTC(), Kind: "meta_event.message_source_up",
			Event: core.Event{Type: "meta_event", Time: 1, Data: json.RawMessage("{ \"a\" : [ 1 , 2 ] ,\n \"b\":\"x y\" }")}},
		{Source: "s", Received: time.Unix(0, 0), Event: core.Event{Type: "notice", Context: &core.Context{}, Data: nil}},
		{Source: "s", Received: at, Event: core.Event{Type: "notice", Context: &core.Context{Extra: json.RawMessage(` {"config_id": 1} `)}, Data: json.RawMessage(`"\u2028"`)}},
		{Source: "bad\xffutf8", Kind: "k\u2029", Received: at, Event: core.Event{Type: "message", Data: json.RawMessage(`{}`)}, Raw: json.RawMessage("{\"x\":\"\xff\"}")},
	}
	for i, ev := range cases {
		want, werr := encodeEventReflect(&ev)
		got, gerr := encodeEvent(&ev)
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
			t.Errorf("case %d:\n got %s (%v)\nwant %s (%v)", i, got, gerr, want, werr)
		}
	}
	// What encoding/json refuses, encodeEvent refuses.
	for i, ev := range []core.StoredEvent{
		{Event: core.Event{Data: json.RawMessage(`{`)}},
		{Event: core.Event{Data: json.RawMessage{}}},
		{Event: core.Event{Context: &core.Context{Extra: json.RawMessage(`[1,`)}, Data: json.RawMessage(`1`)}},
		{Received: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Event: core.Event{Data: json.RawMessage(`1`)}},
		{Event: core.Event{Data: json.RawMessage(`1`)}, Raw: json.RawMessage(`{"a"`)},
	} {
		if _, err := encodeEvent(&ev); err == nil {
			t.Errorf("bad case %d: encoded, want an error", i)
		}
	}
}
