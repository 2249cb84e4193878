package onebot12

import (
	"strconv"

	"ucbi-console/core"
)

// OneBot 12's own retcodes (the rest are ranges: see ErrorOf).
const (
	RetOK                     = 0
	RetBadRequest             = 10001
	RetUnsupportedAction      = 10002
	RetBadParam               = 10003
	RetUnsupportedParam       = 10004
	RetUnsupportedSegment     = 10005
	RetBadSegmentData         = 10006
	RetUnsupportedSegmentData = 10007
	RetWhoAmI                 = 10101
	RetUnknownSelf            = 10102
)

func itoa(n int) string { return strconv.Itoa(n) }

// ErrorOf is nil for a success (status "ok", retcode 0) and otherwise the *core.Error the
// response means, with Retcode and BackendText (the response's message) always kept:
//
//	10002, 10004, 10005, 10007   unsupported action / param / segment / segment data → CodeUnsupported
//	10006                        bad segment data → CodeBadMessage
//	10101 Who Am I               the connection serves several accounts and no self was named → CodeBadParam
//	10102 Unknown Self           the source's self id is not an account of this connection → CodeBadParam
//	other 1xxxx                  request errors (bad request, bad param) → CodeBadParam
//	2xxxx, 3xxxx, 6xxxx–9xxxx    handler, execution and implementation errors → CodeBackendFailed
func ErrorOf(r *Response) *core.Error {
	if r == nil {
		return core.Errorf(core.CodeBackendBadReply, "no response")
	}
	if r.Status == "ok" && r.Retcode == RetOK {
		return nil
	}
	e := &core.Error{Code: core.CodeBackendFailed, Retcode: r.Retcode, BackendText: r.Message}
	what := ""
	switch rc := r.Retcode; {
	case rc == RetUnsupportedAction || rc == RetUnsupportedParam || rc == RetUnsupportedSegment || rc == RetUnsupportedSegmentData:
		e.Code, what = core.CodeUnsupported, "the implementation does not support this"
	case rc == RetBadSegmentData:
		e.Code, what = core.CodeBadMessage, "a segment's data is wrong"
	case rc == RetWhoAmI:
		e.Code, what = core.CodeBadParam, "the connection serves several accounts: set the source's self id and platform"
	case rc == RetUnknownSelf:
		e.Code, what = core.CodeBadParam, "the source's self id is not an account of this connection"
	case rc >= 10000 && rc < 20000:
		e.Code, what = core.CodeBadParam, "the implementation refused the request"
	case rc >= 20000 && rc < 30000:
		what = "handler error"
	case rc >= 30000 && rc < 40000:
		what = map[int]string{31: "database error", 32: "file system error", 33: "network error", 34: "platform error",
			35: "logic error", 36: "the account is rate-limited (I Am Tired)"}[rc/1000]
		if what == "" {
			what = "execution error"
		}
	case rc == 0:
		what = "status " + strconv.Quote(r.Status) + " with retcode 0"
	default:
		what = "implementation-specific error"
	}
	e.Message = "OneBot 12 failed (retcode " + itoa(r.Retcode) + ", " + what + ")"
	if r.Message != "" {
		e.Message += ": " + r.Message
	}
	return e
}
