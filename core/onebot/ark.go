package onebot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"ucbi-console/core"
)

// arkActions are NapCat's two names for the recommend-card action: ArkSharePeer (deprecated since
// v4.9.74, still served by the versions deployed) and send_ark_share (the new name).
var arkActions = [2]string{"ArkSharePeer", "send_ark_share"}

// ArkSharePeer asks the backend for a recommend-contact / recommend-group card. Only NapCat can
// make one: the go-cqhttp, lagrange and llonebot flavors answer CodeUnsupported without calling
// the backend. napcat and generic call ArkSharePeer with group_id / user_id as strings and the
// phone under both phone_number (NapCat ≥ 4.9.74) and phoneNumber (older). When the backend does
// not know that name, send_ark_share is tried once, and the name that worked is remembered for
// the next calls.
//
// The card comes from data.arkJson or data.arkMsg (NapCat puts a user's card under arkMsg), or
// is data itself when data is a JSON string; the code from errCode or result. ArkJSON is the card
// exactly as the backend sent it, trailing whitespace trimmed: its signature breaks if edited.
// A failure envelope (NapCat retcode 200 "group_id or user_id is required") is a *core.Error with
// CodeBackendFailed, Retcode and BackendText; errCode != 0 is a result, not an error.
func (a *Adapter) ArkSharePeer(ctx context.Context, r core.ArkRequest) (core.ArkResult, error) {
	switch a.flavor {
	case "go-cqhttp", "lagrange", "llonebot":
		return core.ArkResult{}, core.Errorf(core.CodeUnsupported,
			"this open layer (%s) cannot generate Ark cards: only NapCat can", a.flavor)
	}
	g, u, p := strings.TrimSpace(r.GroupID), strings.TrimSpace(r.UserID), strings.TrimSpace(r.Phone)
	if g == "" && u == "" && p == "" {
		return core.ArkResult{}, core.Errorf(core.CodeMissingParam, "an Ark card needs group_id, user_id or phoneNumber")
	}
	params := map[string]any{}
	if g != "" {
		params["group_id"] = g
	}
	if u != "" {
		params["user_id"] = u
	}
	if p != "" {
		params["phone_number"] = p
		params["phoneNumber"] = p
	}

	first := a.arkAction.Load()
	env, err := a.Call(ctx, arkActions[first], params)
	if err != nil && IsUnknownAction(err) {
		second := 1 - first
		env2, err2 := a.Call(ctx, arkActions[second], params)
		switch {
		case err2 != nil && IsUnknownAction(err2):
			return core.ArkResult{}, core.Errorf(core.CodeUnsupported,
				"this backend has neither %s nor %s: only NapCat generates Ark cards", arkActions[first], arkActions[second])
		case err2 == nil || core.AsError(err2).Code == core.CodeBackendFailed:
			a.arkAction.Store(second) // the backend knows this name, whatever it thought of the call
		}
		env, err = env2, err2
	}
	if err != nil {
		return core.ArkResult{}, err
	}
	return parseArkData(env.Data)
}

// ArkAction is the action name ArkSharePeer calls first (the one that worked last).
func (a *Adapter) ArkAction() string { return arkActions[a.arkAction.Load()] }

// parseArkData reads the data of a successful ArkSharePeer/send_ark_share envelope.
func parseArkData(data json.RawMessage) (core.ArkResult, error) {
	data = bytes.TrimSpace(data)
	noCard := func(why string) error {
		return core.Errorf(core.CodeBackendBadReply, "the backend reported success but %s", why)
	}
	switch {
	case core.IsNull(data):
		return core.ArkResult{}, noCard("sent no card (empty data)")
	case data[0] == '"':
		var card string
		if err := json.Unmarshal(data, &card); err != nil {
			return core.ArkResult{}, noCard("its card is not a valid JSON string")
		}
		if card = trimCard(card); card == "" {
			return core.ArkResult{}, noCard("its card is empty")
		}
		return core.ArkResult{ArkJSON: card}, nil
	case data[0] != '{':
		return core.ArkResult{}, noCard("its data is neither a card nor {errCode, errMsg, arkJson}: " + snippet(data))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return core.ArkResult{}, noCard("its data is not valid JSON")
	}
	var res core.ArkResult
	for _, k := range []string{"errCode", "result"} {
		if v, ok := fields[k]; ok && !core.IsNull(v) {
			n, ok := retcodeOf(v)
			if !ok {
				return core.ArkResult{}, noCard(fmt.Sprintf("its %s is not a whole number: %s", k, snippet(v)))
			}
			res.ErrCode = n
			break
		}
	}
	if v, ok := fields["errMsg"]; ok && !core.IsNull(v) {
		if json.Unmarshal(v, &res.ErrMsg) != nil {
			res.ErrMsg = string(bytes.TrimSpace(v))
		}
	}
	for _, k := range []string{"arkJson", "arkMsg"} {
		v, ok := fields[k]
		if !ok || core.IsNull(v) {
			continue
		}
		v = bytes.TrimSpace(v)
		if v[0] == '"' {
			var card string
			if json.Unmarshal(v, &card) != nil {
				return core.ArkResult{}, noCard("its " + k + " is not a valid JSON string")
			}
			res.ArkJSON = trimCard(card)
		} else {
			res.ArkJSON = string(v) // a card sent as an object: its bytes as they came
		}
		if res.ArkJSON != "" {
			break
		}
	}
	if res.ErrCode == 0 && res.ArkJSON == "" {
		return core.ArkResult{}, noCard("its data has no card (no arkJson or arkMsg)")
	}
	return res, nil
}

func trimCard(s string) string { return strings.TrimRight(s, " \t\r\n") }
