// Package events is the middle of the console's event half: events arrive from the open
// layers' links, are kept in the durable event log, and are delivered to applications.
//
//	links ──Accept/Submit──▶ Intake ──group commit──▶ core.EventLog
//	                            │
//	                            ├─▶ Subscriptions (in-process: UI, bot hub)
//	                            ├─▶ GET /events (long polling), GET /events/stream (SSE)
//	                            └─▶ PostDeliverer (one POST per event per URL, durable cursor)
//
// The open layer's side is here too, as http.Handlers: POST /report/{source} (http-post, signed
// with X-Signature) and GET /report/{source} or GET /onebot/v11/ws (reverse WebSocket), whose
// action replies are routed back to ReverseHub.Caller.
//
// Ids: every stored event gets a strictly increasing id from the EventLog. It travels as "id"
// in the UCBI event body (long polling, the POST body and the SSE data), as the SSE "id:" line,
// and as the X-UCBI-Event-ID header of a POST delivery. A consumer resumes with ?after=ID,
// Last-Event-ID, or — for the POST deliverer — from its durable cursor.
//
// Nothing here imports Fyne or the store: the log, the sources and the reply path are small
// interfaces satisfied by the coordinator.
package events
