package core

import (
	"context"
	"encoding/json"
)

// Adapter speaks to one message source of one kind of open layer. Each configured source gets
// its own adapter (and so its own HTTP client). Errors are *Error values with a stable code.
type Adapter interface {
	// GetLoginInfo returns who is logged in on the source.
	GetLoginInfo(ctx context.Context) (LoginInfo, error)
	// Send delivers a validated message to a target. It is never retried automatically: a
	// retried send is a duplicate message.
	Send(ctx context.Context, t Target, m Message) (SendResult, error)
	// Extension runs an open-layer specific action: name is the UCBI action without its '*'.
	// params are passed on as given. The result is the backend's data.
	Extension(ctx context.Context, name string, params map[string]json.RawMessage) (json.RawMessage, error)
}

// AdapterFactory builds the adapter of one message source.
type AdapterFactory func(Source) (Adapter, error)

// LoginInfo is get_login_info's answer.
type LoginInfo struct {
	UserID   string `json:"user_id"`
	UserTID  string `json:"user_tid"`
	UserName string `json:"user_name"`
}

// SendResult is what a send returns: the backend's message id when it gives one.
type SendResult struct {
	MessageID string `json:"message_id,omitempty"`
}

// ArkRequest asks for a recommend card: exactly one of the three is set.
type ArkRequest struct {
	GroupID string `json:"group_id,omitempty"`
	UserID  string `json:"user_id,omitempty"`
	Phone   string `json:"phoneNumber,omitempty"`
}

// ArkResult is a card the backend made (ErrCode 0) or could not make (ErrCode != 0, ErrMsg why).
type ArkResult struct {
	ErrCode int    `json:"errCode"`
	ErrMsg  string `json:"errMsg"`
	ArkJSON string `json:"arkJson"`
}

// ArkSharer is implemented by adapters whose open layer can generate recommend cards.
type ArkSharer interface {
	ArkSharePeer(ctx context.Context, r ArkRequest) (ArkResult, error)
}

// SegmentSupport is implemented by adapters that can say which UCBI segment kinds their open
// layer can send, before anything is sent (Compose offers only those). SupportedSegments maps each
// kind — "text", "image", …, "rich", and "*" standing for every open-layer specific one — to ""
// when the open layer can send it, else the reason why not, in English. Each reason is the
// English template of a "support.*" message key (SupportReason), so LocalizeSupport says it in
// the user's language. The map is the caller's to change.
type SegmentSupport interface {
	SupportedSegments() map[string]string
}

// SegmentKinds are the segment kinds UCBI defines, "*" standing for every open-layer specific
// one: the keys of a SegmentSupport map.
var SegmentKinds = []string{"text", "at", "image", "audio", "video", "file", "link", "location", "contact", "group", "rich", "*"}

// UCBISegmentSupport is what UCBI itself allows: every kind but rich (which is only received).
// It is the answer for an adapter that does not implement SegmentSupport.
func UCBISegmentSupport() map[string]string {
	out := make(map[string]string, len(SegmentKinds))
	for _, k := range SegmentKinds {
		out[k] = ""
	}
	out["rich"] = SupportReason("support.rich")
	return out
}
