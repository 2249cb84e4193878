package ui

import (
	"context"
	"encoding/json"
	"fmt"

	"ucbi-console/core"
	"ucbi-console/store"
)

// The GUI's calls into the dispatcher that read a result: each result type is read in one
// place, as the typed value the engine returns — never by marshalling Dispatcher.Call's `any`
// to JSON and back. They go through Dispatcher.Call (Run) rather than the narrower typed
// Send/LoginInfo because the GUI sends whole UCBI contexts (a context from an event is passed
// unchanged), and Run already answers with the engine's typed values.

// callSend runs a send (send_message and friends) for the GUI and returns the backend's result.
func callSend(ctx context.Context, d *core.Dispatcher, req core.Request) (core.SendResult, error) {
	res, err := d.Call(ctx, core.OriginGUI, req)
	return sendResultOf(res), err
}

// sendResultOf is the send result in a dispatcher answer (zero when there is none).
func sendResultOf(res any) core.SendResult {
	switch r := res.(type) {
	case core.SendResult:
		return r
	case *core.SendResult:
		if r != nil {
			return *r
		}
	}
	return core.SendResult{}
}

// callExtension runs an open-layer specific *action for the GUI and returns the backend's data.
func callExtension(ctx context.Context, d *core.Dispatcher, req core.Request) (json.RawMessage, error) {
	res, err := d.Call(ctx, core.OriginGUI, req)
	if err != nil {
		return nil, err
	}
	switch r := res.(type) {
	case json.RawMessage:
		return r, nil
	case nil:
		return json.RawMessage("null"), nil
	}
	return nil, fmt.Errorf("%s: the dispatcher answered a %T, not the backend's data", req.Action, res)
}

// fetchContacts asks the backend of ctx for a list of contacts of kind (off the UI
// goroutine).
func fetchContacts(d *core.Dispatcher, layer openLayer, ctx core.Context, kind string) ([]store.Contact, error) {
	action, params := layer.contactsRequest(kind)
	data, err := callExtension(context.Background(), d, core.Request{Action: action, Context: &ctx, Params: params})
	if err != nil {
		return nil, err
	}
	return layer.parseContacts(data, kind)
}
