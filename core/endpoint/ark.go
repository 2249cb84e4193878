package endpoint

import (
	"net/http"

	"ucbi-console/core"
	"ucbi-console/core/ark"
)

// serveArk answers the seed's POST /ArkSharePeer (and /s/{source}/ArkSharePeer, or
// ?source=): exactly one of group_id, user_id and phoneNumber; the reply is always the seed's
// {status, retcode, data, message, wording, echo}. A rule broken by the caller is a top-level
// failure (HTTP 200, as OneBot clients expect for bad parameters).
func (s *Server) serveArk(w http.ResponseWriter, r *http.Request) {
	st := state(w)
	st.log.Action = "ArkSharePeer"
	source := r.PathValue("source")
	if source != "" && !validName(source) {
		s.noRoute(w, r)
		return
	}
	body, berr := readBody(r)
	if berr != nil {
		s.fail(w, r, berr, nil)
		return
	}
	req, err := ark.DecodeSeedRequest(body)
	if err != nil {
		s.fail(w, r, s.d.Refuse(core.OriginOneBot, source, "ArkSharePeer", body, err, s.opts.Token), req.Echo)
		return
	}
	if q := r.URL.Query().Get("source"); q != "" && source == "" {
		source = q
	}
	st.log.Target = req.Target.Target()
	res, src, err := s.d.ArkSharePeer(r.Context(), core.OriginOneBot, source, req.Target)
	st.log.Source = src.ID
	if err != nil {
		s.fail(w, r, core.AsError(err), req.Echo)
		return
	}
	rep := ark.OKReply(res, req.Echo)
	if res.ErrCode != 0 {
		st.log.Outcome, st.log.Error = core.OutcomeError, res.ErrMsg
	}
	writeReply(w, http.StatusOK, rep.JSON())
}
