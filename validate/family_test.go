package validate_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

// TestEveryKindIsTypedByItsProductAndEvent: each documented delivery is typed as its kind's envelope under both
// profiles, and the same event name of another product is never read as it.
func TestEveryKindIsTypedByItsProductAndEvent(t *testing.T) {
	t.Parallel()
	for _, kind := range api.Kinds() {
		sample, ok := api.Sample(kind)
		require.True(t, ok)
		body, err := json.Marshal(sample)
		require.NoError(t, err)
		for _, p := range []validate.Profile{validate.Strict, validate.Compatible} {
			w, drift, err := validate.Body(body, p)
			require.NoError(t, err, "%s", kind)
			require.Empty(t, drift, "%s", kind)
			require.Equal(t, fmt.Sprintf("%T", api.NewWebhook(kind)), fmt.Sprintf("%T", w), "%s", kind)
			require.Equal(t, kind, w.Head().Kind())
		}
	}
}

// TestProductRouting: what decides the envelope is the pair; a pair the contract does not have is drift under
// the compatible profile (untyped) and a violation at its pointer under the strict one.
func TestProductRouting(t *testing.T) {
	t.Parallel()
	envelope := func(product, event, hook string) []byte {
		return fmt.Appendf(nil, `{"hooksId":"h","webhookConfigId":"w","productName":%q,"appKey":"k","event":%q,"hooks":[%s]}`, product, event, hook)
	}
	tests := []struct {
		name     string
		body     []byte
		strict   []string // pointers of the strict violations; nil: valid
		drift    []string // pointers of the compatible drift
		typed    string   // the compatible type
		compatOK bool
	}{
		{name: "an Email UNSUBSCRIBE", body: envelope("Email", "UNSUBSCRIBE", `{"hookId":"a","receiveMailAddr":"someone@example.com"}`),
			typed: "*api.EmailUnsubscribeEnvelope", compatOK: true},
		{name: "an Email UNSUBSCRIBE with SMS's hook", body: envelope("Email", "UNSUBSCRIBE", `{"hookId":"a","recipientNo":"01000000000"}`),
			strict: []string{"/hooks/0/receiveMailAddr"}},
		{name: "an SMS UNSUBSCRIBE with Email's hook", body: envelope("SMS", "UNSUBSCRIBE", `{"hookId":"a","receiveMailAddr":"someone@example.com"}`),
			strict: []string{"/hooks/0/recipientNo"}},
		{name: "Sms is SMS", body: envelope("Sms", "CONVERSION_BLOCK", `{"hookId":"a","countryCode":"1"}`),
			typed: "*api.SMSConversionBlockEnvelope", compatOK: true},
		{name: "KakaoTalk's template update", body: envelope("KakaoTalk Bizmessage", "TEMPLATE_STATUS_UPDATE", `{"hookId":"a","status":"TSC04","comments":[{"id":3,"status":"REJ"}]}`),
			typed: "*api.KakaoTalkTemplateStatusUpdateEnvelope", compatOK: true},
		{name: "an SMS TEMPLATE_STATUS_UPDATE", body: envelope("SMS", "TEMPLATE_STATUS_UPDATE", `{"hookId":"a"}`),
			strict: []string{"/event"}, drift: []string{"/event"}, typed: "*api.Envelope", compatOK: true},
		{name: "an Email CONVERSION_BLOCK", body: envelope("Email", "CONVERSION_BLOCK", `{"hookId":"a"}`),
			strict: []string{"/event"}, drift: []string{"/event"}, typed: "*api.Envelope", compatOK: true},
		{name: "an unknown product", body: envelope("RCS Bizmessage", "MESSAGE_RESULT_UPDATE", `{"hookId":"a"}`),
			strict: []string{"/productName"}, drift: []string{"/productName"}, typed: "*api.Envelope", compatOK: true},
		{name: "an unknown product and event", body: envelope("Push", "TOKEN_UPDATE", `{"hookId":"a"}`),
			strict: []string{"/productName", "/event"}, drift: []string{"/productName", "/event"}, typed: "*api.Envelope", compatOK: true},
		{name: "a new mail status", body: envelope("Email", "MESSAGE_RESULT_UPDATE", `{"hookId":"a","requestId":"r","mailStatusCode":"SST9"}`),
			strict: []string{"/hooks/0/mailStatusCode"}, drift: []string{"/hooks/0/mailStatusCode"}, typed: "*api.EmailMessageResultUpdateEnvelope", compatOK: true},
		{name: "a product in another case", body: envelope("email", "UNSUBSCRIBE", `{"hookId":"a","receiveMailAddr":"x"}`),
			strict: []string{"/productName"}, drift: []string{"/productName"}, typed: "*api.Envelope", compatOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := validate.Body(tt.body, validate.Strict)
			if tt.strict == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, validate.ErrInvalid)
				require.ElementsMatch(t, tt.strict, pointers(t, err))
			}
			w, drift, err := validate.Body(tt.body, validate.Compatible)
			if !tt.compatOK {
				require.ErrorIs(t, err, validate.ErrInvalid)
				require.ElementsMatch(t, tt.strict, pointers(t, err))
				return
			}
			require.NoError(t, err)
			var got []string
			for _, d := range drift {
				got = append(got, d.Pointer)
			}
			require.ElementsMatch(t, tt.drift, got)
			require.Equal(t, tt.typed, fmt.Sprintf("%T", w))
		})
	}
}

func pointers(tb testing.TB, err error) []string {
	tb.Helper()
	var e *validate.Error
	require.ErrorAs(tb, err, &e)
	var out []string
	for _, v := range e.Violations {
		out = append(out, v.Pointer)
	}
	return out
}

// familyVendorExamples are the Email and KakaoTalk Bizmessage pages' examples, as fixtures: Email's are valid
// (mailSeq "0" as the page writes it too); KakaoTalk's put type names where values go, so that even completed
// into a delivery they break the contract where the page writes a type name for an integer, a boolean or an
// enum, and as printed they are fragments, not JSON.
var familyVendorExamples = []struct {
	file     string
	kind     api.Kind
	pointers []string // nil: valid under both profiles
	drift    []string // compatible drift among pointers: what compatible alone would accept
	reason   string   // for a malformed fragment: what the parser says
}{
	{file: "email-unsubscribe.json", kind: api.Kind{Product: api.ProductNameEmail, Event: api.EventTypeUnsubscribe}},
	{file: "email-message-result-update.json", kind: api.Kind{Product: api.ProductNameEmail, Event: api.EventTypeMessageResultUpdate}},
	{file: "kakaotalk-message-result-update.json", kind: api.Kind{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeMessageResultUpdate},
		pointers: []string{"/hooks/0/isAddedChannel", "/hooks/0/kakaoMessageType", "/hooks/0/recipientSeq"}, drift: []string{"/hooks/0/kakaoMessageType"}},
	{file: "kakaotalk-template-status-update.json", kind: api.Kind{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeTemplateStatusUpdate},
		pointers: []string{"/hooks/0/comments/0/id", "/hooks/0/comments/0/status", "/hooks/0/status"},
		drift:    []string{"/hooks/0/comments/0/status", "/hooks/0/status"}},
	{file: "kakaotalk-message-result-update.published.json", reason: "data after the end of the JSON value"},
	{file: "kakaotalk-template-status-update.published.json", reason: "data after the end of the JSON value"},
}

func TestFamilyVendorExamples(t *testing.T) {
	t.Parallel()
	for _, ex := range familyVendorExamples {
		t.Run(ex.file, func(t *testing.T) {
			t.Parallel()
			body := fixtures.Read(ex.file)
			switch {
			case ex.reason != "":
				for _, p := range []validate.Profile{validate.Strict, validate.Compatible} {
					_, _, err := validate.Body(body, p)
					require.ErrorIs(t, err, validate.ErrMalformed)
					require.Contains(t, err.Error(), ex.reason)
				}
			case ex.pointers == nil:
				for _, p := range []validate.Profile{validate.Strict, validate.Compatible} {
					w, drift, err := validate.Body(body, p)
					require.NoError(t, err)
					require.Empty(t, drift)
					require.Equal(t, ex.kind, w.Head().Kind())
					require.Equal(t, fmt.Sprintf("%T", api.NewWebhook(ex.kind)), fmt.Sprintf("%T", w))
				}
			default:
				_, _, err := validate.Body(body, validate.Strict)
				require.ErrorIs(t, err, validate.ErrInvalid)
				require.ElementsMatch(t, ex.pointers, pointers(t, err))
				// Compatible accepts the unknown enum values but not the type names where a number or a boolean goes.
				_, _, err = validate.Body(body, validate.Compatible)
				require.ErrorIs(t, err, validate.ErrInvalid)
				var rest []string
				for _, p := range ex.pointers {
					if !slices.Contains(ex.drift, p) {
						rest = append(rest, p)
					}
				}
				require.ElementsMatch(t, rest, pointers(t, err))
			}
		})
	}
}

// TestMailSeqIsAnIntegerOrDigits: Email's mailSeq is typed an integer whichever way the vendor writes it.
func TestMailSeqIsAnIntegerOrDigits(t *testing.T) {
	t.Parallel()
	body := func(seq string) []byte {
		return fmt.Appendf(nil, `{"hooksId":"h","webhookConfigId":"w","productName":"Email","appKey":"k","event":"MESSAGE_RESULT_UPDATE","hooks":[{"hookId":"a","requestId":"r","mailSeq":%s}]}`, seq)
	}
	for seq, want := range map[string]int64{`0`: 0, `"0"`: 0, `7`: 7, `"12"`: 12, `null`: -1} {
		w, _, err := validate.Body(body(seq), validate.Strict)
		require.NoError(t, err, seq)
		got := w.(*api.EmailMessageResultUpdateEnvelope).Hooks[0].MailSeq
		if want < 0 {
			require.Nil(t, got, seq)
			continue
		}
		require.NotNil(t, got, seq)
		require.Equal(t, api.SeqNumber(want), *got, seq)
		out, err := json.Marshal(w)
		require.NoError(t, err)
		require.Contains(t, string(out), fmt.Sprintf(`"mailSeq":%d`, want), "written as an integer")
	}
	for _, seq := range []string{`"00"`, `"-1"`, `-1`, `"1.0"`, `1.0`, `"a"`, `""`, `"99999999999999999999"`, `true`} {
		_, _, err := validate.Body(body(seq), validate.Strict)
		require.ErrorIs(t, err, validate.ErrInvalid, seq)
		require.Equal(t, []string{"/hooks/0/mailSeq"}, pointers(t, err), seq)
	}
}
