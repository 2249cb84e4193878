package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"ucbi-console/core"
	"ucbi-console/core/ark"
)

// serveArk answers the seed's POST /ArkSharePeer: exactly one of group_id, user_id and
// phoneNumber; the reply is always the seed's {status, retcode, data, message, wording, echo}.
// A rule broken by the caller is a top-level failure (HTTP 200, as OneBot clients expect for
// bad parameters); auth, method and size failures carry their HTTP status too.
func (s *Server) serveArk(w http.ResponseWriter, r *http.Request, st *callState, source string) {
	var echo json.RawMessage
	reply := func(status int, rep ark.SeedReply) {
		if rep.Status != "ok" {
			st.log.Outcome, st.log.Error = core.OutcomeError, rep.Message
		} else if rep.Data.ErrCode != 0 {
			st.log.Outcome, st.log.Error = core.OutcomeError, rep.Data.ErrMsg
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(rep.JSON())
	}
	failErr := func(e *core.Error, body []byte) {
		if body != nil {
			s.recordRejected(st, core.OriginOneBot, "ArkSharePeer", body, e)
		}
		status := http.StatusOK
		switch e.Code {
		case core.CodeUnauthorized, core.CodeForbidden, core.CodeMethodNotAllowed, core.CodeTooLarge, core.CodeRateLimited, core.CodeBadJSON:
			status = e.Status()
		}
		if e.Code == core.CodeMethodNotAllowed {
			w.Header().Set("Allow", "POST")
		}
		reply(status, ark.FailFromError(e, echo))
	}
	if r.Method != http.MethodPost {
		failErr(core.Errorf(core.CodeMethodNotAllowed, "ArkSharePeer takes POST, not %s", r.Method), nil)
		return
	}
	key, aerr := s.authorize(r)
	if aerr != nil {
		failErr(aerr, nil)
		return
	}
	if !s.allow(key) {
		failErr(core.Errorf(core.CodeRateLimited, "rate limited: more than %g calls per second", s.opts.RateLimit), nil)
		return
	}
	body, berr := readBody(w, r)
	if berr != nil {
		failErr(berr, nil)
		return
	}
	req, err := ark.DecodeSeedRequest(body)
	echo = req.Echo
	if err != nil {
		failErr(core.AsError(err), body)
		return
	}
	if q := r.URL.Query().Get("source"); q != "" && source == "" {
		source = q
	}
	st.log.Target = req.Target.TargetString()
	res, src, err := s.d.ArkSharePeer(r.Context(), core.OriginOneBot, source, req.Target)
	st.log.Source = src.ID
	if err != nil {
		e := core.AsError(err)
		st.log.Outcome, st.log.Error = core.OutcomeError, e.Code
		reply(http.StatusOK, ark.FailFromError(e, echo))
		return
	}
	reply(http.StatusOK, ark.OKReply(res, echo))
}

// recordRejected writes the history row of a call whose body was read but refused before it
// reached the dispatcher. Calls turned away for auth, method or size leave no row: a stranger
// must not be able to fill the history.
func (s *Server) recordRejected(st *callState, origin, action string, body []byte, e *core.Error) {
	st.log.Outcome, st.log.Error = core.OutcomeError, e.Code
	rec := &core.HistoryRecord{Time: st.log.Time, Origin: origin, Action: action, Source: st.log.Source,
		Outcome: core.OutcomeError, ErrorCode: e.Code, Text: e.Message, LatencyUS: time.Since(st.log.Time).Microseconds()}
	if len(body) > 0 {
		rec.Request = jsonOrString(redactAccessToken(s.maskTokens(body)))
	}
	rec.Response, _ = json.Marshal(core.ErrorBody(e))
	_ = s.d.Record(rec)
}

// accessTokenValue finds an access_token's value in a JSON body ("access_token": "…") or a
// form/query one (access_token=…), even in a body too broken to decode.
var accessTokenValue = regexp.MustCompile(`("access_token"\s*:\s*")((?:[^"\\]|\\.)*)("|$)|(access_token=)([^&\s"]*)`)

// redactAccessToken hides the value of any access_token a refused body carries: a bot moved
// over from NapCat may still send NapCat's token in its body, and history never holds a token.
func redactAccessToken(b []byte) []byte {
	if !bytes.Contains(b, []byte("access_token")) {
		return b
	}
	return accessTokenValue.ReplaceAll(b, []byte("${1}${4}****${3}"))
}
