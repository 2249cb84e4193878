package ui

import (
	"fmt"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
	"ucbi-console/core/onebot12"
	"ucbi-console/core/openwx"
)

// linksOf are the event links an open layer can hand out, the first being "none".
func linksOf(via string) []string {
	switch via {
	case onebot.Via:
		return []string{core.LinkNone, core.LinkWS, core.LinkWSReverse, core.LinkHTTPPost, core.LinkSSE}
	case onebot12.Via:
		return []string{core.LinkNone, core.LinkWS, core.LinkWSReverse, core.LinkHTTPPost}
	case openwx.Via:
		return []string{core.LinkNone, core.LinkHTTPPost, core.LinkPoll}
	}
	return []string{core.LinkNone}
}

// linkTitles name the event links in the form (English; shown through L).
var linkTitles = map[string]string{
	core.LinkNone:      "None (actions only)",
	core.LinkWS:        "WebSocket (the console connects)",
	core.LinkWSReverse: "Reverse WebSocket (the backend connects)",
	core.LinkHTTPPost:  "HTTP POST (the backend posts events)",
	core.LinkSSE:       "Event stream (SSE)",
	core.LinkPoll:      "Long polling",
}

// linkShort name the event links in the list (English; shown through L).
var linkShort = map[string]string{
	core.LinkNone:      "no events",
	core.LinkWS:        "ws",
	core.LinkWSReverse: "ws-reverse",
	core.LinkHTTPPost:  "http-post",
	core.LinkSSE:       "sse",
	core.LinkPoll:      "poll",
}

// sourceHints are the texts under the fields: where each value comes from.
type sourceHints struct{ via, url, token, link string }

// sourceHintsFor is what to tell about a via and an event link; listen is the endpoint's address
// (the backend's side of reverse links and POSTs), id the source's id ("" = not typed yet).
func sourceHintsFor(via, link, listen, id string) sourceHints {
	if id == "" {
		id = "<id>"
	}
	var h sourceHints
	switch via {
	case onebot.Via:
		h.via = L("OneBot 11: NapCat, go-cqhttp, Lagrange, LLOneBot.")
		h.url = L("Where the backend takes actions over HTTP — NapCat: Network > HTTP server (httpServers), port 3000 by default: http://127.0.0.1:3000. May stay empty with a WebSocket link: actions then go over it.")
		h.token = L("The backend's access token (NapCat: the token of its HTTP and WebSocket servers), sent as Authorization: Bearer.")
	case onebot12.Via:
		h.via = L("OneBot 12: ComWeChatBotClient, OneDisc, onebots… The platform is the self.platform of its events (qq, wechat…).")
		h.url = L("The implementation's HTTP action URL (its POST /). May stay empty with a WebSocket link: actions then go over it.")
		h.token = L("The implementation's access_token, sent as Authorization: Bearer.")
	case openwx.Via:
		h.via = L("Mojo-Weixin's Openwx plugin (WeChat). Its ids last one login: replies to its events work unchanged.")
		h.url = L("Openwx's HTTP server, port 3000 by default: http://127.0.0.1:3000 (the console adds /openwx/).")
		h.token = L("Openwx has no token of its own: leave it empty unless a proxy in front of it asks for one.")
	}
	switch link {
	case core.LinkNone:
		h.link = L("No events: the Inbox shows nothing from this source, and its status is checked every few seconds.")
	case core.LinkWS:
		if via == onebot12.Via {
			h.link = L("The implementation's forward WebSocket server, e.g. ws://127.0.0.1:6700. Events come over it; with no URL, actions too.")
		} else {
			h.link = L("The backend's WebSocket server — NapCat: websocketServers, port 3001 by default: ws://127.0.0.1:3001. Events come over it; with no URL, actions too.")
		}
	case core.LinkWSReverse:
		path := "/onebot/v11/ws"
		if via == onebot12.Via {
			path = "/report/" + id
		}
		h.link = fmt.Sprintf(L("The backend connects to the console: point its reverse WebSocket (NapCat: websocketClients) at ws://%s%s with the endpoint's token. The endpoint must be running; the self id tells accounts apart (X-Self-ID)."), listen, path)
	case core.LinkHTTPPost:
		h.link = fmt.Sprintf(L("The backend POSTs its events to http://%s/report/%s (NapCat: httpClients; Openwx: post_api). The secret checks their X-Signature. The endpoint must be running."), listen, id)
	case core.LinkSSE:
		h.link = L("The console follows the backend's event stream at the URL's /_events (go-cqhttp's HTTP server with event streaming).")
	case core.LinkPoll:
		h.link = L("The console long-polls Openwx's /openwx/check_event at the URL.")
	}
	return h
}
