package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/core/ark"
	"ucbi-console/store"
)

// ---------------------------------------------------------------------------------------------
// Send to…

// cardSegment is the message that delivers the current card: the card itself as a *json
// segment, or for a recommend card a contact / group segment of the account it names.
func cardSegment(raw string, c *ark.Card, asContact bool) (core.Segment, error) {
	if !asContact {
		text := cardCleanText(c.Prompt)
		if text == "" {
			text = "[卡片]"
		}
		return core.Segment{Type: "*json", Text: text, Data: map[string]any{"data": raw}}, nil
	}
	switch {
	case (c.Kind == ark.KindFriend || c.Kind == ark.KindBot) && c.UIN != "":
		return core.Segment{Type: "contact", Text: "[推荐联系人]", Data: map[string]any{"user_id": c.UIN}}, nil
	case (c.Kind == ark.KindGroup || c.Kind == ark.KindGroupNameCard) && c.GroupCode != "":
		return core.Segment{Type: "group", Text: "[推荐群聊]", Data: map[string]any{"group_id": c.GroupCode}}, nil
	}
	return core.Segment{}, errors.New(L("This card names no account to send as a contact/group segment."))
}

// contactOption names the second way of sending the card, "" when the card has none.
func contactOption(c *ark.Card) string {
	if _, err := cardSegment("", c, true); err != nil {
		return ""
	}
	if c.Kind == ark.KindGroup || c.Kind == ark.KindGroupNameCard {
		return L("A group segment (group)")
	}
	return L("A contact segment (contact)")
}

// onSendTo asks where to send the card (a saved context or a target) and how.
func (s *arkScreen) onSendTo() {
	if s.card == nil {
		return
	}
	st := s.e.deps.Store
	s.e.run("ark.contexts", func() func() {
		saved, err := st.Contexts()
		return func() {
			if err != nil {
				s.e.showError(fmt.Errorf(L("Cannot read the saved contexts: %s"), errorText(err)))
				return
			}
			s.showSendDialog(saved)
		}
	})
}

func (s *arkScreen) showSendDialog(saved []store.NamedContext) {
	raw, card := s.raw, s.card
	none := L("(enter a target below)")
	names := []string{none}
	for _, nc := range saved {
		names = append(names, nc.Name)
	}
	savedSel := widget.NewSelect(names, nil)
	srcSel := widget.NewSelect(s.sourceSel.Options, nil)
	srcSel.SetSelected(s.sourceSel.Selected)
	typ := widget.NewRadioGroup([]string{L("Private chat"), L("Group chat")}, nil)
	typ.Horizontal = true
	typ.SetSelected(L("Group chat"))
	id := widget.NewEntry()
	id.SetPlaceHolder(L("QQ number or group number"))
	savedSel.OnChanged = func(v string) {
		if v == none {
			srcSel.Enable()
			typ.Enable()
			id.Enable()
		} else {
			srcSel.Disable()
			typ.Disable()
			id.Disable()
		}
	}
	savedSel.SetSelected(none)
	ways := []string{L("The card itself (*json segment)")}
	if o := contactOption(card); o != "" {
		ways = append(ways, o)
	}
	how := widget.NewRadioGroup(ways, nil)
	how.Required = true
	how.SetSelected(ways[0])

	items := []*widget.FormItem{
		widget.NewFormItem(L("Saved context"), savedSel),
		widget.NewFormItem(L("Source"), srcSel),
		widget.NewFormItem(L("Chat type"), typ),
		widget.NewFormItem(L("Target id"), id),
		widget.NewFormItem(L("Send as"), how),
	}
	s.e.showForm(L("Send the card to…"), L("Send"), items, 520, func(ok bool) {
		if !ok {
			return
		}
		var ctx core.Context
		if i := savedSel.SelectedIndex(); i > 0 && i-1 < len(saved) {
			ctx = saved[i-1].Context
		} else {
			ctx = core.Context{}
			if j := srcSel.SelectedIndex(); j >= 0 && j < len(s.sources) {
				ctx = s.sources[j].ContextOf()
			}
			tid := strings.TrimSpace(id.Text)
			if !core.IsDigits(tid) {
				s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Card not sent: %s"), L("The target id must be a number.")))
				return
			}
			if typ.Selected == L("Private chat") {
				ctx.Type, ctx.UserID = core.TypePrivate, core.ID(tid)
			} else {
				ctx.Type, ctx.GroupID = core.TypeGroup, core.ID(tid)
			}
		}
		s.sendCardTo(ctx, raw, card, how.Selected != ways[0])
	})
}

// sendCardTo sends the card to ctx through the dispatcher (send_message) in the background.
func (s *arkScreen) sendCardTo(ctx core.Context, raw string, card *ark.Card, asContact bool) {
	if s.sending {
		return
	}
	t := ctx.Target()
	if t.Type == "" || t.ID == "" {
		s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Card not sent: %s"), L("The target needs a chat type and an id.")))
		return
	}
	seg, err := cardSegment(raw, card, asContact)
	if err != nil {
		s.setStatus(widget.DangerImportance, fmt.Sprintf(L("Card not sent: %s"), errorText(err)))
		return
	}
	msg, _ := segCompactJSON(core.Message{seg})
	req := core.Request{Action: "send_message", Context: &ctx, Params: map[string]json.RawMessage{"message": msg}}
	s.setStatus(widget.MediumImportance, L("Sending the card…"))
	s.sending = true
	s.sendBtn.Disable()
	s.progress.Show()
	s.progress.Start()
	d := s.e.deps.Dispatcher
	s.e.run("ark.send", func() func() {
		start := time.Now()
		res, err := callSend(context.Background(), d, req)
		elapsed := time.Since(start)
		return func() {
			s.sending = false
			if s.card != nil {
				s.sendBtn.Enable()
			}
			if !s.busy {
				s.progress.Stop()
				s.progress.Hide()
			}
			switch id := res.MessageID; {
			case err != nil:
				s.setStatus(sendFailureText("Card not sent: %s", err))
			case id != "":
				s.setStatus(widget.SuccessImportance, fmt.Sprintf(L("Card sent to %s — message id %s (%d ms)"), t.String(), id, elapsed.Milliseconds()))
			default:
				s.setStatus(widget.SuccessImportance, fmt.Sprintf(L("Card sent to %s (%d ms)"), t.String(), elapsed.Milliseconds()))
			}
			s.e.notify(topicHistory)
		}
	})
}
