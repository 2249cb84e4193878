package endpoint

import (
	"net/http"
	"strings"

	"ucbi-console/core"
	"ucbi-console/core/onebot"
)

// serveOneBot is the OneBot 11 proxy: POST (or GET) /{action} and /s/{source}/{action}. The
// parameters are read as OneBot implementations read them (onebot.HTTPParams), then the
// dispatcher forwards them once to the source ("" = the default one) and writes the row; the
// backend's reply comes back as the bot expects it. foo_async is answered "async" at once and
// runs foo in the background (its row is written when it ends).
func (s *Server) serveOneBot(w http.ResponseWriter, r *http.Request) {
	st := state(w)
	source, action := r.PathValue("source"), r.PathValue("action")
	if !validName(action) || (source != "" && !validName(source)) {
		s.noRoute(w, r)
		return
	}
	st.log.Action, st.log.Source = action, source
	raw, berr := readBody(r)
	if berr != nil {
		s.fail(w, r, berr, nil)
		return
	}
	params, echo, perr := onebot.HTTPParams(r.URL.RawQuery, r.Header.Get("Content-Type"), raw)
	if perr != nil {
		if raw == nil {
			raw = []byte{} // a query-only call is recorded too
		}
		s.fail(w, r, s.d.Refuse(core.OriginOneBot, source, action, raw, perr, s.opts.Token), echo)
		return
	}
	target, message, perr := onebot.CheckParams(params)
	if perr != nil {
		s.fail(w, r, s.d.Refuse(core.OriginOneBot, source, action, raw, perr, s.opts.Token), echo)
		return
	}
	st.log.Target = target
	call := core.RawCall{Origin: core.OriginOneBot, SourceID: source, Action: action, Params: params, Echo: echo,
		Hide: []string{s.opts.Token}, Target: target, Message: message}
	if strings.HasSuffix(action, "_async") {
		call.Backend = strings.TrimSuffix(action, "_async")
		s.d.ForwardLater(call)
		writeReply(w, http.StatusOK, onebot.AsyncReply(echo))
		return
	}
	rep, err := s.d.Forward(r.Context(), call)
	if rep.Err != nil {
		st.log.Outcome, st.log.Error = core.OutcomeError, rep.Err.Code
	}
	switch {
	case err != nil && (rep.Body == nil || rep.Err.Code == core.CodeInternal):
		// Nothing the backend said to pass on, or it said it but history does not hold it: the
		// console's failure, with the backend's data when there was some (a message id).
		writeReply(w, rep.Err.Status(), onebot.FailedReply(rep.Err, echo, rep.Data))
	default:
		writeReply(w, rep.Status, rep.Body)
	}
}
