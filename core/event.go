package core

import (
	"encoding/json"
	"time"
)

// Event types of a UCBI event's root "type".
const (
	EventMessage = "message"
	EventNotice  = "notice"
	EventMeta    = "meta_event"
)

// Meta events UCBI defines (data.meta_event).
const (
	MetaSourceUp   = "message_source_up"
	MetaSourceDown = "message_source_down"
)

// Event is a UCBI event as it reaches applications: {id, type, time, context, data}.
//
// ID is ours, not UCBI's: a stable, strictly increasing number assigned when the event is stored,
// which a consumer resumes from (GET /events?after=ID, SSE's Last-Event-ID, the POST deliverer's
// cursor). Time is in whole seconds, as the open layers send it.
type Event struct {
	ID      uint64          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Time    int64           `json:"time"`
	Context *Context        `json:"context"` // null for meta events
	Data    json.RawMessage `json:"data"`
}

// MessageEventData is data of a "message" event. Extra holds `*`-prefixed fields
// ("*message_id", "*self", "*sent" for the bot's own messages…), marshalled flat beside the rest.
type MessageEventData struct {
	Type           string  `json:"type"` // private, group, discuss
	Message        Message `json:"message"`
	SenderID       ID      `json:"sender_id,omitempty"`
	SenderTID      ID      `json:"sender_tid,omitempty"`
	SenderName     string  `json:"sender_name,omitempty"`
	SenderMarkname string  `json:"sender_markname,omitempty"`
	Sender         string  `json:"sender,omitempty"` // display name: card, else nickname
	SenderRole     string  `json:"sender_role,omitempty"`
	GroupID        ID      `json:"group_id,omitempty"`
	GroupTID       ID      `json:"group_tid,omitempty"`
	GroupName      string  `json:"group_name,omitempty"`
	DiscussID      ID      `json:"discuss_id,omitempty"`
	DiscussTID     ID      `json:"discuss_tid,omitempty"`
	DiscussName    string  `json:"discuss_name,omitempty"`
	// MessageID is the open layer's id of this message ("*message_id": UCBI has no such field,
	// but a reply quote and a recall need it).
	MessageID ID `json:"*message_id,omitempty"`
	// Sent marks the bot's own message (OneBot 11 post_type message_sent).
	Sent bool `json:"*sent,omitempty"`
}

// NoticeEventData is data of a "notice" event: notice is a UCBI notice name or a `*` one.
type NoticeEventData struct {
	Notice    string `json:"notice"`
	Content   string `json:"content,omitempty"`
	UserID    ID     `json:"user_id,omitempty"`
	UserTID   ID     `json:"user_tid,omitempty"`
	GroupID   ID     `json:"group_id,omitempty"`
	GroupTID  ID     `json:"group_tid,omitempty"`
	DiscussID ID     `json:"discuss_id,omitempty"`
	// Fields holds the open layer's own fields of the notice, `*`-prefixed keys, kept as sent.
	Fields map[string]json.RawMessage `json:"-"`
}

// MetaEventData is data of a "meta_event": which source went up or down.
type MetaEventData struct {
	MetaEvent string          `json:"meta_event"`
	Platform  string          `json:"platform"`
	Via       string          `json:"via"`
	Extra     json.RawMessage `json:"extra,omitempty"`
	Reason    string          `json:"*reason,omitempty"`
}

// StoredEvent is one event as the console keeps it: the UCBI form and the open layer's raw JSON
// (exactly as received, for bots that want it unchanged), with where and when it arrived.
type StoredEvent struct {
	ID       uint64          `json:"id"`
	Source   string          `json:"source"`
	Via      string          `json:"via"`
	Received time.Time       `json:"received"`
	Kind     string          `json:"kind"` // the open layer's own kind, e.g. "message.group", "meta_event.heartbeat"
	Event    Event           `json:"event"`
	Raw      json.RawMessage `json:"raw,omitempty"`
}

// EventLog is what the event path needs from storage. AppendEvents assigns each event the next
// ID and returns only once all are durable. EventsAfter returns events with ID > after, oldest
// first, at most limit. Cursors are named durable positions (one per POST consumer).
type EventLog interface {
	AppendEvents(evs []*StoredEvent) error
	EventsAfter(after uint64, limit int) ([]StoredEvent, error)
	LastEventID() (uint64, error)
	Cursor(name string) (uint64, error)
	SetCursor(name string, id uint64) error
}

// Event links of a message source: how its open layer hands out events.
const (
	LinkNone      = "none"
	LinkWS        = "ws"         // we dial the open layer's WebSocket server
	LinkWSReverse = "ws-reverse" // the open layer dials GET /report/{source}
	LinkHTTPPost  = "http-post"  // the open layer POSTs to /report/{source}
	LinkSSE       = "sse"        // we GET {url}/_events
	LinkPoll      = "poll"       // we long-poll (Openwx check_event, OneBot 12 get_latest_events)
)

// Bot modes (issue 12): how a bot is connected to the console's OneBot 11 hub.
const (
	BotWS        = "ws"         // the bot dials the endpoint (GET /, /api, /event)
	BotWSReverse = "ws-reverse" // the console dials the bot's URL
	BotHTTPPost  = "http-post"  // the console POSTs events to the bot's URL
)

// Bot is a OneBot 11 bot served by the console's hub. Token is what the bot presents (ws) or is
// sent (ws-reverse); Secret signs events POSTed to it. Neither is ever logged or shown unmasked.
type Bot struct {
	ID     string `json:"id"`
	Source string `json:"source,omitempty"` // "" = the default source
	Mode   string `json:"mode"`
	URL    string `json:"url,omitempty"`
	Token  string `json:"token,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// EndpointSettings are the endpoint's settings, stored once: the GUI edits them, serve reads
// them, and serve's flags override them for that run.
type EndpointSettings struct {
	Listen       string   `json:"listen,omitempty"`
	Root         string   `json:"root,omitempty"`
	Token        string   `json:"token,omitempty"`
	Rate         float64  `json:"rate,omitempty"` // calls per second per token, 0 = unlimited
	AllowOrigins []string `json:"allow_origins,omitempty"`
	Metrics      bool     `json:"metrics,omitempty"`
	AutoStart    *bool    `json:"auto_start,omitempty"` // GUI: start with the app if it was running (default on)
	Running      bool     `json:"running,omitempty"`    // GUI: it was running when the app closed
	PostURLs     []string `json:"post_urls,omitempty"`
	PostSecret   string   `json:"post_secret,omitempty"`
}

// EventDecoder turns one raw event of an open layer, exactly as received, into the event to
// store: Event (the UCBI form), Kind and Raw filled; ID and Received are set by the intake.
// An error names what is wrong with the input (it is logged and counted, never stored).
// nil, nil or an empty Event.Type = a sign of life (a heartbeat, a lifecycle "connect"), not
// stored: the intake counts it as skipped, and the link it came over counts it as traffic.
type EventDecoder func(src Source, raw []byte) (*StoredEvent, error)
