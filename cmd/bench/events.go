package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ucbi-console/core"
	"ucbi-console/store"
)

// benchEvent is a group message event as the intake stores it: the UCBI form and the raw
// OneBot 11 JSON as NapCat sends it (about 400 bytes).
func benchEvent(i int) *core.StoredEvent {
	text := "今晚八点开会，请大家准时参加 #" + strconv.Itoa(i)
	group := strconv.Itoa(20001 + i%37)
	user := strconv.Itoa(10000 + i%101)
	data, _ := json.Marshal(core.MessageEventData{Type: "group", Message: core.Message{{Type: "text", Data: map[string]any{"text": text}}},
		SenderID: core.ID(user), Sender: "用户" + user, SenderRole: "member", GroupID: core.ID(group), MessageID: core.ID(strconv.Itoa(i))})
	raw := `{"self_id":10001,"user_id":` + user + `,"time":1767225600,"message_id":` + strconv.Itoa(i) +
		`,"message_seq":` + strconv.Itoa(i) + `,"real_id":` + strconv.Itoa(i) + `,"message_type":"group","sender":{"user_id":` + user +
		`,"nickname":"用户` + user + `","card":"","role":"member"},"raw_message":"` + text + `","font":14,"sub_type":"normal","message":[{"type":"text","data":{"text":"` +
		text + `"}}],"message_format":"array","post_type":"message","group_id":` + group + `}`
	return &core.StoredEvent{Source: "napcat", Via: core.LinkWS, Kind: "message.group",
		Event: core.Event{Type: core.EventMessage, Time: 1767225600,
			Context: &core.Context{Platform: "qq", Via: "onebot11", Type: "group", GroupID: core.ID(group)}, Data: data},
		Raw: json.RawMessage(raw)}
}

// benchEvents measures the event store: appends with group commit, bytes per stored event, and
// reading the stream back the way a consumer follows it.
func benchEvents(c config, tmp string) error {
	fmt.Printf("\nEvents (the same journal as history, indexed into bbolt behind it; retention %d)\n", store.DefaultEventRetention)
	dir := filepath.Join(tmp, "events")
	db, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	fi0, err := os.Stat(db.Path())
	if err != nil {
		return err
	}

	// 32 appenders of one event each: links delivering events one at a time.
	n, took, err := appendEventsFor(db, 32, 1, c.duration)
	if err != nil {
		return err
	}
	fmt.Printf("  append, 32 appenders × 1 event:     %8.0f events/s  (%d events)\n", float64(n)/took.Seconds(), n)
	// One appender of batches of 100: an intake that gathers what arrived while it wrote.
	n2, took2, err := appendEventsFor(db, 1, 100, c.duration)
	if err != nil {
		return err
	}
	fmt.Printf("  append, 1 appender × 100 per call:  %8.0f events/s  (%d events)\n", float64(n2)/took2.Seconds(), n2)

	// Following the stream: read everything back 1,000 at a time from the first event.
	total, oldest, _, err := db.EventCount() // waits for the index
	if err != nil {
		return err
	}
	start := time.Now()
	read := 0
	for after := oldest - 1; ; {
		page, err := db.EventsAfter(after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		read += len(page)
		after = page[len(page)-1].ID
	}
	readTook := time.Since(start)
	if read != total {
		return fmt.Errorf("read back %d events of %d", read, total)
	}
	fmt.Printf("  read back in pages of 1,000:        %8.0f events/s  (%d events)\n", float64(read)/readTook.Seconds(), read)
	fi, err := os.Stat(db.Path())
	if err != nil {
		return err
	}
	pages, err := db.EventBytes()
	if err != nil {
		return err
	}
	raw := len(benchEvent(1).Raw)
	fmt.Printf("  stored: %.0f bytes per event in bbolt pages (raw OneBot JSON %d bytes + the UCBI form); the file grew %.1f MB\n",
		float64(pages)/float64(total), raw, float64(fi.Size()-fi0.Size())/1e6)
	return nil
}

// appendEventsFor appends events from `appenders` goroutines, `per` events per call, for d.
func appendEventsFor(db *store.DB, appenders, per int, d time.Duration) (int, time.Duration, error) {
	return workFor(appenders, d, 5_000_000, func(i int) (int, error) {
		evs := make([]*core.StoredEvent, per)
		for j := range evs {
			evs[j] = benchEvent(i*per + j)
		}
		return per, db.AppendEvents(evs)
	})
}
