package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ucbi-console/core"
)

func TestCardArkJSONRoundTrip(t *testing.T) {
	db := openTest(t)
	arks := []string{
		// Escaped slashes, a raw newline, unicode, HTML-ish characters and escapes that a JSON
		// re-encoder would change: all must come back exactly.
		"{\"app\":\"com.tencent.miniapp_01\",\"desc\":\"\",\"view\":\"notification\",\n" +
			"\"meta\":{\"detail_1\":{\"title\":\"小程序 ✨ 測試\",\"url\":\"https:\\/\\/m.q.qq.com\\/a\\/s\\/abc?x=1&y=<2>\"," +
			"\"preview\":\"\\u0041\\u4e2d\",\"host\":{\"uin\":1234567890123456789,\"nick\":\"😀\"}}},\"config\":{\"token\":\"9f8e\\\"7d\"}}",
		"",
		"  not even json \t\r\n\u2028\u2029 ",
		"\\/\\/\\/",
	}
	var ids []uint64
	for _, ark := range arks {
		c := core.CardRecord{Source: "napcat-main", Target: "group:123", Outcome: "ok", ArkJSON: ark}
		must(t, db.AppendCard(&c))
		if c.ID == 0 || c.Time.IsZero() {
			t.Fatalf("AppendCard left ID=%d Time=%v", c.ID, c.Time)
		}
		ids = append(ids, c.ID)
	}
	for i, id := range ids {
		c, err := db.Card(id)
		if err != nil {
			t.Fatal(err)
		}
		if c.ArkJSON != arks[i] {
			t.Errorf("card %d ArkJSON changed:\n got %q\nwant %q", id, c.ArkJSON, arks[i])
		}
	}
	list, err := db.Cards(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range list {
		if want := arks[len(arks)-1-i]; c.ArkJSON != want {
			t.Errorf("Cards()[%d] ArkJSON = %q, want %q", i, c.ArkJSON, want)
		}
	}
	bad := core.CardRecord{Source: "s", ArkJSON: "{\"a\":\"\xff\"}"}
	if err := db.AppendCard(&bad); err == nil || !strings.Contains(err.Error(), "UTF-8") || bad.ID != 0 {
		t.Errorf("AppendCard with invalid UTF-8: err = %v, ID = %d", err, bad.ID)
	}
}

func TestCardsPaging(t *testing.T) {
	db := openTest(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := range 25 {
		c := core.CardRecord{Source: "s", Target: "group:1", Outcome: "ok", ErrCode: i, Time: at}
		must(t, db.AppendCard(&c))
		if c.ID != uint64(i+1) || !c.Time.Equal(at) {
			t.Fatalf("card %d: ID=%d Time=%v", i, c.ID, c.Time)
		}
	}
	tests := []struct {
		before    uint64
		limit     int
		wantFirst uint64
		wantLen   int
	}{
		{0, 10, 25, 10},
		{16, 10, 15, 10},
		{6, 10, 5, 5},
		{1, 10, 0, 0},
		{0, 0, 25, 1},
		{0, 9999, 25, 25},
	}
	for _, tt := range tests {
		list, err := db.Cards(tt.before, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tt.wantLen || (len(list) > 0 && list[0].ID != tt.wantFirst) {
			t.Errorf("Cards(%d, %d): %d cards starting at %v, want %d starting at %d", tt.before, tt.limit, len(list), list, tt.wantLen, tt.wantFirst)
			continue
		}
		for i, c := range list {
			if c.ID != tt.wantFirst-uint64(i) || c.ErrCode != int(c.ID)-1 {
				t.Errorf("Cards(%d, %d)[%d] = id %d errcode %d", tt.before, tt.limit, i, c.ID, c.ErrCode)
			}
		}
	}
	if _, err := db.Card(26); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no card 26") {
		t.Errorf("Card(26): err = %v", err)
	}
}
