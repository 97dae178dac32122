package validate_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
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
			typed: "*api.ConversionBlockEnvelope", compatOK: true},
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
