// Package ark handles QQ recommend-contact / recommend-group Ark cards: it reads a card's JSON into
// a Card for previews (Parse, Card.TextPreview), and it is the codec of the console's own
// POST /ArkSharePeer endpoint as the seed describes it (DecodeSeedRequest, SeedReply, OKReply,
// FailReply, FailFromError). Everything here is a pure function: no I/O, no HTTP.
//
// A card's JSON is signed by the server (config.token): Card.Raw keeps it byte-for-byte, and
// nothing in this package ever re-encodes a card.
package ark

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ucbi-console/core"
)

// Kind is what a card recommends.
type Kind string

// Card kinds.
const (
	KindFriend        Kind = "friend"         // 推荐好友 (com.tencent.contact.lua, bizsrc cardshare.cardshare)
	KindGroup         Kind = "group"          // 推荐群聊 (com.tencent.troopsharecard)
	KindGroupNameCard Kind = "group_namecard" // 群名片 (com.tencent.contact.lua, bizsrc qun.share)
	KindBot           Kind = "bot"            // 机器人
	KindOther         Kind = "other"          // parseable, but not a card we know
)

// Link platforms.
const (
	PlatformMobile = "mobile" // meta.contact.jumpUrl
	PlatformPC     = "pc"     // meta.contact.pcJumpUrl
)

// Default layout of a contact card when config carries none.
const (
	DefaultWidth  = 526
	DefaultHeight = 225
)

// Link is where tapping the card goes.
type Link struct {
	URL      string
	Platform string // PlatformMobile or PlatformPC
	// OpensOutsideQQ is true for http(s) links (they open in a browser); mqqapi://, tencent://
	// and anything else open only inside QQ.
	OpensOutsideQQ bool
}

// Card is what a preview shows of an Ark card. Fields the card lacks are left empty.
type Card struct {
	Kind   Kind
	App    string // app
	BizSrc string // bizsrc
	View   string // view
	Ver    string // ver

	// Title is meta.contact.nickname, else prompt without its 推荐联系人：/推荐群聊: /群名片:
	// prefix.
	Title string
	// AvatarURL is meta.contact.avatar as https (http is upgraded); "" when absent or not a
	// http(s) URL with a host.
	AvatarURL string
	// Subtitle is meta.contact.contact: "账号：<uin>" for a friend, the introduction of a group.
	Subtitle string
	Tag      string // meta.contact.tag: 推荐好友, 推荐群聊, 群名片, 机器人 …
	TagIcon  string // meta.contact.tagIcon, https-upgraded like AvatarURL; "" when null or empty
	// Links are jumpUrl (mobile) then pcJumpUrl (pc), each only when non-empty.
	Links  []Link
	Prompt string // prompt: the text a chat list shows

	Created time.Time // config.ctime (unix seconds) in UTC; zero when absent or invalid
	Width   int       // config.width, DefaultWidth when absent or invalid
	Height  int       // config.height, DefaultHeight when absent or invalid

	// UIN is the recommended friend's (or bot's) QQ number: uin= in jumpUrl (unless it has
	// card_type=group), else the digits after 账号： in Subtitle. Never set for group kinds.
	UIN string
	// GroupCode is the group's number: group_code= in jumpUrl, or uin= when jumpUrl has
	// card_type=group, or uin= of a pcJumpUrl to groupwpa.
	GroupCode string

	// Raw is the card JSON exactly as given to Parse: sending it edited breaks its signature.
	Raw string
}

// Parse reads a card's JSON. It fails only when raw is not one JSON object (the error names the
// problem, code core.CodeBadJSON); fields of the wrong type are treated as absent, numbers given
// for text are used as text. Parse never panics.
func Parse(raw string) (Card, error) {
	c := Card{Raw: raw, Width: DefaultWidth, Height: DefaultHeight}
	root, err := decodeObject(raw)
	if err != nil {
		return Card{}, err
	}

	c.App = text(root["app"])
	c.BizSrc = text(root["bizsrc"])
	c.View = text(root["view"])
	c.Ver = text(root["ver"])
	c.Prompt = text(root["prompt"])

	if config, ok := root["config"].(map[string]any); ok {
		if sec, ok := positiveInt(config["ctime"]); ok && sec <= maxUnix {
			c.Created = time.Unix(sec, 0).UTC()
		}
		if w, ok := positiveInt(config["width"]); ok && w <= maxSize {
			c.Width = int(w)
		}
		if h, ok := positiveInt(config["height"]); ok && h <= maxSize {
			c.Height = int(h)
		}
	}

	var contact map[string]any
	if meta, ok := root["meta"].(map[string]any); ok {
		contact, _ = meta["contact"].(map[string]any)
	}
	jump, pcJump := "", ""
	if contact != nil {
		c.Title = strings.TrimSpace(text(contact["nickname"]))
		c.AvatarURL = httpsURL(text(contact["avatar"]))
		c.Subtitle = text(contact["contact"])
		c.Tag = strings.TrimSpace(text(contact["tag"]))
		c.TagIcon = httpsURL(text(contact["tagIcon"]))
		jump = strings.TrimSpace(text(contact["jumpUrl"]))
		pcJump = strings.TrimSpace(text(contact["pcJumpUrl"]))
	}
	if c.Title == "" {
		c.Title = stripPromptPrefix(c.Prompt)
	}
	if jump != "" {
		c.Links = append(c.Links, Link{URL: jump, Platform: PlatformMobile, OpensOutsideQQ: isHTTP(jump)})
	}
	if pcJump != "" {
		c.Links = append(c.Links, Link{URL: pcJump, Platform: PlatformPC, OpensOutsideQQ: isHTTP(pcJump)})
	}
	c.Kind = kindOf(c, contact != nil)

	jq := queryOf(jump)
	groupCard := strings.EqualFold(jq.Get("card_type"), "group")
	switch {
	case digitsParam(jq, "group_code") != "":
		c.GroupCode = digitsParam(jq, "group_code")
	case groupCard && digitsParam(jq, "uin") != "":
		c.GroupCode = digitsParam(jq, "uin")
	case isGroupWPA(pcJump):
		c.GroupCode = digitsParam(queryOf(pcJump), "uin")
	}
	if c.Kind != KindGroup && c.Kind != KindGroupNameCard {
		if !groupCard {
			c.UIN = digitsParam(jq, "uin")
		}
		if c.UIN == "" {
			c.UIN = accountIn(c.Subtitle)
		}
	}
	return c, nil
}

// Sanity bounds: a ctime past year 9999 does not format as RFC 3339, and a card is never
// wider than this.
const (
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
	maxSize = 100000
)

// decodeObject decodes raw as exactly one JSON object (surrounding whitespace allowed), with
// numbers kept as json.Number.
func decodeObject(raw string) (map[string]any, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, core.Errorf(core.CodeBadJSON, "the ark card is empty")
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, core.Errorf(core.CodeBadJSON, "the ark card is not valid JSON: %s", describeJSONError(err, raw))
	}
	if rest := strings.TrimLeft(raw[dec.InputOffset():], " \t\r\n"); rest != "" {
		return nil, core.Errorf(core.CodeBadJSON, "the ark card has more data after its JSON (at byte %d)", len(raw)-len(rest))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, core.Errorf(core.CodeBadJSON, "the ark card must be a JSON object, not %s", kindOfValue(v))
	}
	return obj, nil
}

// describeJSONError adds where a syntax error is, and says "ends early" for truncated input.
func describeJSONError(err error, raw string) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("it ends early (after %d bytes)", len(raw))
	}
	return err.Error()
}

// kindOfValue names the JSON type of a decoded value, for error messages.
func kindOfValue(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// text returns a string value as it is and a number in its JSON form; anything else is "".
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// positiveInt reads a whole positive number given as a JSON number (1.0 counts) or a string of
// digits.
func positiveInt(v any) (int64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n > 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f <= 0 || f >= 1<<62 {
		return 0, false
	}
	return int64(f), true
}

// httpsURL returns an http(s) URL with a host as https, or "".
func httpsURL(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case hasPrefixFold(s, "https://"):
		s = "https://" + s[len("https://"):]
	case hasPrefixFold(s, "http://"):
		s = "https://" + s[len("http://"):]
	default:
		return ""
	}
	if u, err := url.Parse(s); err != nil || u.Host == "" {
		return ""
	}
	return s
}

func isHTTP(s string) bool { return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// promptPrefixes are the labels QQ puts before the name in a card's prompt.
var promptPrefixes = []string{"推荐联系人", "推荐群聊", "群名片"}

// stripPromptPrefix removes "推荐联系人：", "推荐群聊: ", "群名片:" … (full-width or ASCII colon,
// spaces around it optional) from a prompt; a prompt without one is returned trimmed.
func stripPromptPrefix(p string) string {
	p = strings.TrimSpace(p)
	for _, pre := range promptPrefixes {
		rest, ok := strings.CutPrefix(p, pre)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \u3000")
		if r, ok := cutColon(rest); ok {
			return strings.TrimSpace(r)
		}
	}
	return p
}

func cutColon(s string) (string, bool) {
	if r, ok := strings.CutPrefix(s, "："); ok {
		return r, true
	}
	return strings.CutPrefix(s, ":")
}

// kindOf applies the kind rules in order; a card without meta.contact is always KindOther.
func kindOf(c Card, hasContact bool) Kind {
	switch {
	case !hasContact:
		return KindOther
	case c.App == "com.tencent.troopsharecard":
		return KindGroup
	case (c.App == "com.tencent.contact.lua" && c.BizSrc == "qun.share") || c.Tag == "群名片":
		return KindGroupNameCard
	case c.Tag == "机器人":
		return KindBot
	case c.Tag == "推荐群聊":
		return KindGroup
	case c.BizSrc == "cardshare.cardshare" || c.Tag == "推荐好友":
		return KindFriend
	}
	return KindOther
}

// queryOf parses the query of a URL-ish string (mqqapi://…?a=b, tencent://groupwpa/?…). Bad
// escapes spoil only their own pair.
func queryOf(s string) url.Values {
	_, q, ok := strings.Cut(s, "?")
	if !ok {
		return url.Values{}
	}
	q, _, _ = strings.Cut(q, "#")
	v, _ := url.ParseQuery(q)
	return v
}

// digitsParam is the first value of key that is all ASCII digits, or "".
func digitsParam(q url.Values, key string) string {
	for _, v := range q[key] {
		if v = strings.TrimSpace(v); core.IsDigits(v) {
			return v
		}
	}
	return ""
}

func isGroupWPA(s string) bool {
	head, _, _ := strings.Cut(s, "?")
	return strings.Contains(strings.ToLower(head), "groupwpa")
}

// accountIn returns the digits after 账号： (or 账号:) in a friend card's contact line.
func accountIn(s string) string {
	_, rest, ok := strings.Cut(s, "账号")
	if !ok {
		return ""
	}
	rest, ok = cutColon(strings.TrimLeft(rest, " \u3000"))
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " \u3000")
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	return rest[:end]
}

// kindLabels are TextPreview's headings.
var kindLabels = map[Kind]string{
	KindFriend:        "Recommended friend",
	KindGroup:         "Recommended group",
	KindGroupNameCard: "Group name card",
	KindBot:           "Recommended bot",
	KindOther:         "Ark card (unrecognised kind)",
}

// TextPreview renders the card as lines of text for the CLI: kind, title, tag, subtitle,
// avatar, links, creation time (RFC 3339, UTC), size and ids. Empty fields are left out.
// Control and bidi-override characters from the card are shown as U+FFFD so a hostile card
// cannot rewrite the terminal; Raw is untouched.
func (c Card) TextPreview() string {
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-14s %s\n", label+":", printable(value))
		}
	}
	heading, ok := kindLabels[c.Kind]
	if !ok {
		heading = kindLabels[KindOther]
	}
	b.WriteString(heading)
	if c.App != "" {
		b.WriteString(" (" + printable(c.App) + ")")
	}
	b.WriteByte('\n')
	line("Title", c.Title)
	line("Tag", c.Tag)
	line("Subtitle", c.Subtitle)
	line("Avatar", c.AvatarURL)
	for _, l := range c.Links {
		where := "opens in QQ"
		if l.OpensOutsideQQ {
			where = "opens in browser"
		}
		line("Link ("+l.Platform+")", l.URL+" ("+where+")")
	}
	if !c.Created.IsZero() {
		line("Created", c.Created.UTC().Format(time.RFC3339))
	}
	if c.Width > 0 && c.Height > 0 {
		line("Size", fmt.Sprintf("%d×%d", c.Width, c.Height))
	}
	line("QQ", c.UIN)
	line("Group", c.GroupCode)
	return b.String()
}

// printable replaces control characters, bidi controls and invalid UTF-8 with U+FFFD.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b bytes.Buffer
	for _, r := range s { // invalid bytes arrive as utf8.RuneError
		if unsafeRune(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
