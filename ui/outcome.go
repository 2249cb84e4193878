package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
)

// errorText is the one place the UI turns an error into words: every engine error shown
// anywhere in the window goes through it. The text is the engine's message (first letter up,
// no Go decoration) with the backend's retcode and text when the backend answered a failure.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	e := core.AsError(err)
	var msg string
	if ce := (*core.Error)(nil); errors.As(err, &ce) {
		msg = strings.TrimSpace(engineMessage(err))
	} else {
		// Not the engine's: the OS or the network says what went wrong (a path, a timeout,
		// HTTP 404), which the engine's words for an unknown error ("internal error") would hide.
		msg = strings.TrimSpace(err.Error())
	}
	if e.Code == core.CodeBackendFailed && e.BackendText != "" && !strings.Contains(msg, e.BackendText) {
		msg += fmt.Sprintf(L(" (retcode %d: %s)"), e.Retcode, e.BackendText)
	}
	if msg == "" {
		return L("Error")
	}
	if c := msg[0]; c >= 'a' && c <= 'z' { // a byte, not a rune: only an ASCII letter is raised
		return string(c-'a'+'A') + msg[1:]
	}
	return msg
}

// engineMessage is an engine error's message in the UI's language, naming the field it is
// about (core/messages holds the templates).
func engineMessage(err error) string {
	return core.Localize(err, Language())
}

// outcomeUnknown reports whether a call that failed with this error code may still have been
// carried out by the backend: it got the request but its answer never came (timeout) or could
// not be read. Such a send is never "not sent" — sending again may post the message twice.
func outcomeUnknown(code string) bool {
	switch code {
	case core.CodeBackendTimeout, core.CodeBackendBadReply:
		return true
	}
	return false
}

// sendFailureText is how every screen words a send that failed: notSent (an English format
// with one %s, e.g. "Not sent: %s") when the backend surely did not send it, else "Outcome
// unknown" with the advice to look at the chat before sending again.
func sendFailureText(notSent string, err error) (widget.Importance, string) {
	if outcomeUnknown(core.AsError(err).Code) {
		return widget.WarningImportance, fmt.Sprintf(L("Outcome unknown: %s — check the chat before sending again."), errorText(err))
	}
	return widget.DangerImportance, fmt.Sprintf(L(notSent), errorText(err))
}

// outcomeLabel is a recorded call's outcome in words and colour, for lists (History, the
// endpoint's log): "ok", the error code, or "Outcome unknown" for a timed-out call.
func outcomeLabel(outcome, code string) (string, widget.Importance) {
	switch {
	case outcomeUnknown(code):
		return L("Outcome unknown"), widget.WarningImportance
	case outcome == core.OutcomeError || code != "":
		if code != "" {
			return code, widget.DangerImportance
		}
		return outcome, widget.DangerImportance
	}
	return outcome, widget.SuccessImportance
}

// isSendAction reports whether an action posts a message (where a repeat is a duplicate).
func isSendAction(action string) bool {
	return strings.HasPrefix(strings.TrimPrefix(action, "*"), "send_")
}
