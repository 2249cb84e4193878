package endpoint

import (
	"net/http"

	"ucbi-console/core"
)

// serveUCBI answers POST {root}: one UCBI request, run by the dispatcher.
func (s *Server) serveUCBI(w http.ResponseWriter, r *http.Request) {
	st := state(w)
	body, berr := readBody(r)
	if berr != nil {
		s.fail(w, r, berr, nil)
		return
	}
	req, err := core.DecodeRequest(body)
	if err != nil {
		st.log.Action = "?"
		s.fail(w, r, s.d.Refuse(core.OriginUCBI, "", "?", body, err, s.opts.Token), nil)
		return
	}
	st.log.Action = req.Action
	data, rec, err := s.d.Run(r.Context(), core.OriginUCBI, req)
	st.log.Source, st.log.Target = rec.Source, rec.Target
	if err != nil {
		s.fail(w, r, core.AsError(err), nil)
		return
	}
	writeReply(w, http.StatusOK, marshal(data))
}
