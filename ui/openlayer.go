package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/store"
)

// openLayer is what the GUI shows or asks beyond UCBI for one kind of message source (one
// adapter): the backend's own request for a send, which ids it accepts, and how it lists
// contacts. Screens ask openLayerOf(source.Via) and never name an adapter's actions or fields;
// a source whose layer is not listed still sends (UCBI is the same for all), it only goes
// without the previews and the contact picker.
type openLayer interface {
	// checkSegment reports a segment the layer cannot carry (nil: it can).
	checkSegment(seg core.Segment) error
	// previewSend is the backend's own request a send becomes, as text.
	previewSend(t core.Target, m core.Message) (string, error)
	// numericIDs tells whether user and group ids are numbers on this layer.
	numericIDs() bool
	// checkSource reports a source the layer's adapter would refuse (see validateSource).
	checkSource(src core.Source) error
	// contactsRequest is the UCBI request that lists a kind of contact: "friend", "group" or
	// "member:<group id>".
	contactsRequest(kind string) (action string, params map[string]json.RawMessage)
	// parseContacts reads the data of contactsRequest's reply.
	parseContacts(data json.RawMessage, kind string) ([]store.Contact, error)
}

// openLayers are the layers the GUI knows, by Source.Via.
var openLayers = map[string]openLayer{
	onebot.Via: oneBot11{},
}

// openLayerOf is the layer of via (false: the GUI knows nothing beyond UCBI about it).
func openLayerOf(via string) (openLayer, bool) {
	l, ok := openLayers[via]
	return l, ok
}

// oneBot11 is OneBot 11 (NapCat, go-cqhttp, Lagrange…).
type oneBot11 struct{}

func (oneBot11) checkSegment(seg core.Segment) error {
	_, err := onebot.ToOneBot(core.Message{seg})
	return err
}

func (oneBot11) previewSend(t core.Target, m core.Message) (string, error) {
	action, params, err := onebot.BuildSend(t, m)
	if err != nil {
		return "", err
	}
	return "POST /" + action + "\n" + segPrettyJSON(params), nil
}

func (oneBot11) numericIDs() bool { return true }

func (oneBot11) checkSource(src core.Source) error {
	_, err := onebot.New(src)
	return err
}

func (oneBot11) contactsRequest(kind string) (string, map[string]json.RawMessage) {
	switch {
	case kind == "friend":
		return "*get_friend_list", nil
	case kind == "group":
		return "*get_group_list", nil
	case strings.HasPrefix(kind, "member:"):
		gid, _ := json.Marshal(strings.TrimPrefix(kind, "member:"))
		return "*get_group_member_list", map[string]json.RawMessage{"group_id": gid}
	}
	return "", nil
}

// parseContacts reads get_friend_list / get_group_list / get_group_member_list data.
func (oneBot11) parseContacts(data json.RawMessage, kind string) ([]store.Contact, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf(L("the backend's list is not an array of objects: %v"), err)
	}
	str := func(m map[string]json.RawMessage, keys ...string) string {
		for _, k := range keys {
			v, ok := m[k]
			if !ok {
				continue
			}
			var id core.ID
			if json.Unmarshal(v, &id) == nil && id != "" {
				return string(id)
			}
			var s string
			if json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	out := make([]store.Contact, 0, len(items))
	for _, it := range items {
		c := store.Contact{Kind: kind}
		switch {
		case kind == "group":
			c.ID, c.Name = str(it, "group_id"), str(it, "group_name")
			var n int
			if v, ok := it["member_count"]; ok {
				_ = json.Unmarshal(v, &n)
			}
			c.MemberCount = n
		case kind == "friend":
			c.ID, c.Name, c.Remark = str(it, "user_id"), str(it, "nickname"), str(it, "remark")
		default: // members: the group card is what the group shows
			c.Kind = "member"
			c.ID, c.Name, c.Remark = str(it, "user_id"), str(it, "nickname"), str(it, "card")
		}
		if c.ID != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// numericIDs tells whether via's user and group ids are numbers (false for a layer the GUI
// does not know: it accepts what UCBI accepts).
func numericIDs(via string) bool {
	l, ok := openLayerOf(via)
	return ok && l.numericIDs()
}
