package core

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Ark request field names. phone_number is NapCat's name for phoneNumber since v4.9.74; both
// are accepted.
const (
	fieldGroupID    = "group_id"
	fieldUserID     = "user_id"
	fieldPhone      = "phoneNumber"
	fieldPhoneAlias = "phone_number"
)

// Phone numbers have this many digits (a leading + not counted).
const (
	minPhoneDigits = 5
	maxPhoneDigits = 20
)

// DecodeArkRequest reads a recommend-card request from its fields — the seed's POST
// /ArkSharePeer body, or the params of UCBI's *ArkSharePeer — with one set of rules:
//
//   - group_id and user_id are a JSON integer or a string of ASCII digits (surrounding spaces
//     ignored), positive and within int64; they come back in canonical decimal form.
//   - phoneNumber (or its alias phone_number) is a string — digits with an optional leading +,
//     spaces and dashes removed, 5 to 20 digits — or a JSON integer. The + is kept. Both keys
//     given with different numbers is an error; with the same number they count once.
//   - A key whose value is null counts as absent.
//   - Exactly one of the three must be present: none is CodeMissingParam, more than one
//     CodeBadParam. The rule is checked before the values, so the error names the rule.
//   - A value of the wrong type or form is CodeBadParam naming the field.
func DecodeArkRequest(fields map[string]json.RawMessage) (ArkRequest, error) {
	var r ArkRequest
	var err error
	present := func(key string) bool {
		raw, ok := fields[key]
		return ok && !IsNull(raw)
	}
	var got []string
	for _, key := range []string{fieldGroupID, fieldUserID} {
		if present(key) {
			got = append(got, key)
		}
	}
	switch {
	case present(fieldPhone):
		got = append(got, fieldPhone)
	case present(fieldPhoneAlias):
		got = append(got, fieldPhoneAlias)
	}
	switch len(got) {
	case 0:
		return r, Fail(CodeMissingParam, "ark.one_required", "group_id")
	case 1:
	default:
		return r, Fail(CodeBadParam, "ark.only_one", got[0], "got", joinAnd(got))
	}

	switch got[0] {
	case fieldGroupID:
		r.GroupID, err = decodeArkID(fieldGroupID, fields[fieldGroupID])
	case fieldUserID:
		r.UserID, err = decodeArkID(fieldUserID, fields[fieldUserID])
	default:
		r.Phone, err = decodePhones(fields, present)
	}
	if err != nil {
		return ArkRequest{}, err
	}
	return r, nil
}

// decodeArkID reads group_id / user_id: a positive whole number within int64, as a JSON integer
// or a string of digits.
func decodeArkID(field string, raw json.RawMessage) (string, error) {
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", Fail(CodeBadParam, "param.invalid", field, "detail", err.Error())
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return "", Fail(CodeBadParam, "param.empty", field)
		}
		if !IsDigits(s) {
			return "", Fail(CodeBadParam, "param.not_digits", field, "kind", quoteShort(s))
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s = string(raw)
		if err := checkInteger(field, s); err != nil {
			return "", err
		}
	default:
		return "", Fail(CodeBadParam, "param.not_digits", field, "kind", JSONKind(raw))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return "", Fail(CodeBadParam, "param.too_large", field, "value", short(s))
	case n <= 0:
		return "", Fail(CodeBadParam, "param.not_positive", field, "value", strconv.FormatInt(n, 10))
	}
	return strconv.FormatInt(n, 10), nil
}

// checkInteger rejects JSON numbers with a fraction or exponent, and negative ones.
func checkInteger(field, lit string) error {
	if strings.ContainsAny(lit, ".eE") {
		return Fail(CodeBadParam, "param.not_whole", field, "value", short(lit))
	}
	if strings.HasPrefix(lit, "-") {
		return Fail(CodeBadParam, "param.not_positive", field, "value", short(lit))
	}
	return nil
}

// decodePhones reads phoneNumber and phone_number (whichever are present) and checks they agree.
func decodePhones(fields map[string]json.RawMessage, present func(string) bool) (string, error) {
	var phone, from string
	for _, key := range []string{fieldPhone, fieldPhoneAlias} {
		if !present(key) {
			continue
		}
		p, err := decodePhone(key, fields[key])
		if err != nil {
			return "", err
		}
		if from != "" && p != phone {
			return "", Fail(CodeBadParam, "ark.phones_differ", key, "other", from, "a", phone, "b", p)
		}
		phone, from = p, key
	}
	return phone, nil
}

// decodePhone normalises one phone number: + kept, spaces and dashes dropped, 5–20 digits.
func decodePhone(field string, raw json.RawMessage) (string, error) {
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", Fail(CodeBadParam, "param.invalid", field, "detail", err.Error())
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s = string(raw)
		if err := checkInteger(field, s); err != nil {
			return "", err
		}
	default:
		return "", Fail(CodeBadParam, "param.not_digit_string", field, "kind", JSONKind(raw))
	}
	given := s
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	s = strings.TrimPrefix(s, "+")
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
	switch {
	case s == "" && strings.TrimSpace(given) == "":
		return "", Fail(CodeBadParam, "param.empty", field)
	case !IsDigits(s):
		return "", Fail(CodeBadParam, "ark.phone_form", field, "value", quoteShort(given))
	case len(s) < minPhoneDigits || len(s) > maxPhoneDigits:
		return "", Fail(CodeBadParam, "ark.phone_length", field, "min", itoa(minPhoneDigits), "max", itoa(maxPhoneDigits), "n", itoa(len(s)))
	}
	if plus {
		s = "+" + s
	}
	return s, nil
}

// short cuts a caller's text to a length fit for an error message.
func short(s string) string { return Snippet(s, 40) }

func quoteShort(s string) string { return strconv.Quote(short(s)) }

// joinAnd joins names as "a and b" or "a, b and c".
func joinAnd(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
