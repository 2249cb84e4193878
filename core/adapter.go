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
