package structcheck_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/structcheck"
	"github.com/smshook/smshook/validate"
)

func goUnsubscribe() *api.SMSUnsubscribeEnvelope {
	created := time.Date(2020, 9, 9, 11, 25, 10, 0, api.Seoul())
	return &api.SMSUnsubscribeEnvelope{
		HooksID: "h1", WebhookConfigID: "c1", ProductName: "SMS", AppKey: "k1",
		Event: api.EventTypeUnsubscribe,
		Hooks: []api.SMSUnsubscribeHook{{
			HookID: "x1", RecipientNo: "01012341234",
			UnsubscribeNo: pointerTo("08012341234"), CreatedDateTime: &created,
		}},
	}
}

func goMessageResultUpdate() *api.SMSMessageResultUpdateEnvelope {
	return &api.SMSMessageResultUpdateEnvelope{
		HooksID: "h1", WebhookConfigID: "c1", ProductName: "SMS", AppKey: "k1",
		Event: api.EventTypeMessageResultUpdate,
		Hooks: []api.SMSMessageResultUpdateHook{{
			HookID: "x1", RequestID: "r1", RecipientSeq: 1,
			MessageStatus: pointerTo(api.MessageStatusCompleted),
			RequestDate:   pointerTo(api.NewLocalDateTime(time.Date(2024, 4, 29, 20, 58, 2, 0, api.Seoul()))),
		}},
	}
}

func goConversionBlock() *api.SMSConversionBlockEnvelope {
	return &api.SMSConversionBlockEnvelope{
		HooksID: "h1", WebhookConfigID: "c1", ProductName: "SMS", AppKey: "k1",
		Event: api.EventTypeConversionBlock,
		Hooks: []api.SMSConversionBlockHook{{HookID: "x1", CountryCode: "1"}},
	}
}

func goInternationalDeliveryReceipt() *api.SMSInternationalDeliveryReceiptEnvelope {
	return &api.SMSInternationalDeliveryReceiptEnvelope{
		HooksID: "h1", WebhookConfigID: "c1", ProductName: "SMS", AppKey: "k1",
		Event: api.EventTypeInternationalDeliveryReceipt,
		Hooks: []api.SMSInternationalDeliveryReceiptHook{{
			HookID: "x1", RequestID: "r1", RecipientSeq: 1, DlrStatus: api.DlrStatusAccepted,
		}},
	}
}

func goEnvelope() *api.Envelope {
	return &api.Envelope{
		HooksID: "h1", WebhookConfigID: "c1", ProductName: "SMS", AppKey: "k1",
		Event: api.EventTypeConversionBlock,
		Hooks: []map[string]any{{"hookId": "x1"}},
	}
}

func pointerTo[T any](v T) *T { return &v }

// editedEnvelope applies edit to a fresh envelope built by build.
func editedEnvelope[E any](build func() *E, edit func(*E)) *E {
	e := build()
	edit(e)
	return e
}

func TestValidateAcceptsValidEnvelopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value any
	}{
		{name: "unsubscribe", value: goUnsubscribe()},
		{name: "unsubscribe by value", value: *goUnsubscribe()},
		{name: "message result update", value: goMessageResultUpdate()},
		{name: "message result update without status", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].MessageStatus = nil
		})},
		{name: "message result update with recipientSeq 0", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].RecipientSeq = 0
		})},
		{name: "conversion block", value: goConversionBlock()},
		{name: "conversion block with two hooks", value: editedEnvelope(goConversionBlock, func(e *api.SMSConversionBlockEnvelope) {
			e.Hooks = append(e.Hooks, api.SMSConversionBlockHook{HookID: "x2", CountryCode: "82"})
		})},
		{name: "international delivery receipt", value: goInternationalDeliveryReceipt()},
		{name: "generic envelope of a known event", value: goEnvelope()},
	}
	for _, status := range []api.MessageStatus{
		api.MessageStatusCompleted, api.MessageStatusFailed, api.MessageStatusCancel, api.MessageStatusDuplicated,
		api.MessageStatusFailedAd, api.MessageStatusReserved, api.MessageStatusSending, api.MessageStatusResendAd,
	} {
		tests = append(tests, struct {
			name  string
			value any
		}{name: "messageStatus " + string(status), value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].MessageStatus = pointerTo(status)
		})})
	}
	for _, status := range []api.DlrStatus{
		api.DlrStatusAccepted, api.DlrStatusDelivered, api.DlrStatusBuffered, api.DlrStatusExpired,
		api.DlrStatusFailed, api.DlrStatusRejected, api.DlrStatusUnknown,
	} {
		tests = append(tests, struct {
			name  string
			value any
		}{name: "dlrStatus " + string(status), value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) {
			e.Hooks[0].DlrStatus = status
		})})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, structcheck.Validate(tc.value))
		})
	}
}

func TestValidateRejectsAtJSONPointer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		value    any
		pointers []string
	}{
		{name: "unsubscribe without hooksId", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.HooksID = "" }), pointers: []string{"/hooksId"}},
		{name: "unsubscribe without hookId", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Hooks[0].HookID = "" }), pointers: []string{"/hooks/0/hookId"}},
		{name: "unsubscribe without recipientNo", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Hooks[0].RecipientNo = "" }), pointers: []string{"/hooks/0/recipientNo"}},
		{name: "unsubscribe with empty hooks", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Hooks = []api.SMSUnsubscribeHook{} }), pointers: []string{"/hooks"}},
		{name: "unsubscribe with nil hooks", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Hooks = nil }), pointers: []string{"/hooks"}},
		{name: "unsubscribe with the wrong event", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Event = api.EventTypeMessageResultUpdate }), pointers: []string{"/event"}},
		{name: "unsubscribe with no event", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Event = "" }), pointers: []string{"/event"}},
		{name: "unsubscribe by value without hookId", value: *editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) { e.Hooks[0].HookID = "" }), pointers: []string{"/hooks/0/hookId"}},
		{name: "unsubscribe second hook without hookId", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) {
			e.Hooks = append(e.Hooks, api.SMSUnsubscribeHook{RecipientNo: "01000000000"})
		}), pointers: []string{"/hooks/1/hookId"}},

		{name: "message result update without webhookConfigId", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) { e.WebhookConfigID = "" }), pointers: []string{"/webhookConfigId"}},
		{name: "message result update without hookId", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) { e.Hooks[0].HookID = "" }), pointers: []string{"/hooks/0/hookId"}},
		{name: "message result update without requestId", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) { e.Hooks[0].RequestID = "" }), pointers: []string{"/hooks/0/requestId"}},
		{name: "message result update with empty hooks", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) { e.Hooks = []api.SMSMessageResultUpdateHook{} }), pointers: []string{"/hooks"}},
		{name: "message result update with unknown messageStatus", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].MessageStatus = pointerTo(api.MessageStatus("DELIVERED"))
		}), pointers: []string{"/hooks/0/messageStatus"}},
		{name: "message result update with lower-case messageStatus", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].MessageStatus = pointerTo(api.MessageStatus("completed"))
		}), pointers: []string{"/hooks/0/messageStatus"}},
		{name: "message result update with empty messageStatus", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) {
			e.Hooks[0].MessageStatus = pointerTo(api.MessageStatus(""))
		}), pointers: []string{"/hooks/0/messageStatus"}},
		{name: "message result update with the wrong event", value: editedEnvelope(goMessageResultUpdate, func(e *api.SMSMessageResultUpdateEnvelope) { e.Event = api.EventTypeUnsubscribe }), pointers: []string{"/event"}},

		{name: "conversion block without appKey", value: editedEnvelope(goConversionBlock, func(e *api.SMSConversionBlockEnvelope) { e.AppKey = "" }), pointers: []string{"/appKey"}},
		{name: "conversion block without countryCode", value: editedEnvelope(goConversionBlock, func(e *api.SMSConversionBlockEnvelope) { e.Hooks[0].CountryCode = "" }), pointers: []string{"/hooks/0/countryCode"}},
		{name: "conversion block with empty hooks", value: editedEnvelope(goConversionBlock, func(e *api.SMSConversionBlockEnvelope) { e.Hooks = []api.SMSConversionBlockHook{} }), pointers: []string{"/hooks"}},
		{name: "conversion block with the wrong event", value: editedEnvelope(goConversionBlock, func(e *api.SMSConversionBlockEnvelope) { e.Event = api.EventTypeInternationalDeliveryReceipt }), pointers: []string{"/event"}},

		{name: "international delivery receipt without productName", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) { e.ProductName = "" }), pointers: []string{"/productName"}},
		{name: "international delivery receipt without requestId", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) { e.Hooks[0].RequestID = "" }), pointers: []string{"/hooks/0/requestId"}},
		{name: "international delivery receipt without dlrStatus", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) { e.Hooks[0].DlrStatus = "" }), pointers: []string{"/hooks/0/dlrStatus"}},
		{name: "international delivery receipt with unknown dlrStatus", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) {
			e.Hooks[0].DlrStatus = api.DlrStatus("SENT")
		}), pointers: []string{"/hooks/0/dlrStatus"}},
		{name: "international delivery receipt with empty hooks", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) {
			e.Hooks = []api.SMSInternationalDeliveryReceiptHook{}
		}), pointers: []string{"/hooks"}},
		{name: "international delivery receipt with the wrong event", value: editedEnvelope(goInternationalDeliveryReceipt, func(e *api.SMSInternationalDeliveryReceiptEnvelope) { e.Event = api.EventTypeConversionBlock }), pointers: []string{"/event"}},

		{name: "generic envelope of an unknown event", value: editedEnvelope(goEnvelope, func(e *api.Envelope) { e.Event = "RCS_RESULT_UPDATE" }), pointers: []string{"/event"}},
		{name: "generic envelope without event", value: editedEnvelope(goEnvelope, func(e *api.Envelope) { e.Event = "" }), pointers: []string{"/event"}},
		{name: "generic envelope with empty hooks", value: editedEnvelope(goEnvelope, func(e *api.Envelope) { e.Hooks = []map[string]any{} }), pointers: []string{"/hooks"}},
		{name: "several violations", value: editedEnvelope(goUnsubscribe, func(e *api.SMSUnsubscribeEnvelope) {
			e.AppKey, e.ProductName, e.Hooks[0].HookID = "", "", ""
		}), pointers: []string{"/appKey", "/productName", "/hooks/0/hookId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := structcheck.Validate(tc.value)
			require.ErrorIs(t, err, validate.ErrInvalid)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, v := range verr.Violations {
				require.NotEmpty(t, v.Reason, v.Pointer)
				got = append(got, v.Pointer)
			}
			require.ElementsMatch(t, tc.pointers, got)
		})
	}
}

// Verdicts that a hand-written body of the agreement corpus must get from kin-openapi, so that the corpus
// exercises what its names say.
const (
	kinAccepts = "accepts"
	kinRejects = "rejects"
)

// The categories of TestValidateAgreesWithKinOpenAPI. Only "compared" bodies are compared; every other category
// is a body on which structcheck.Validate cannot, by construction, reproduce kin-openapi's verdict:
//   - agreeMalformed: not JSON to encoding/json either (the validator must call it malformed);
//   - agreeStricterParser: JSON to encoding/json, which keeps the last of duplicate keys and replaces invalid
//     UTF-8, but refused by the validator's parser on purpose;
//   - agreeUndecodable: encoding/json cannot decode it into the envelope type (a wrong JSON type, an integer
//     written 1.0 or beyond int64, an impossible date-time), so there is no Go value to validate;
//   - agreeIntegerUnset: a required integer (recipientSeq, the only non-pointer integers of the generated types)
//     is absent or null, which Go reads as 0, a valid value;
//   - agreeFoldedKey: encoding/json matched a key to a field case-insensitively ("HookId" fills hookId), which
//     kin-openapi treats as an unknown property.
const (
	agreeCompared       = "compared"
	agreeMalformed      = "malformed JSON"
	agreeStricterParser = "refused by the validator's stricter parser"
	agreeUndecodable    = "not decodable by encoding/json"
	agreeIntegerUnset   = "required integer absent or null"
	agreeFoldedKey      = "key matched case-insensitively"
)

// agreeEdit decodes base, lets edit change the envelope and its first hook, and encodes the result.
func agreeEdit(tb testing.TB, base string, edit func(env, hook map[string]any)) []byte {
	tb.Helper()
	var env map[string]any
	require.NoError(tb, json.Unmarshal([]byte(base), &env))
	hooks, _ := env["hooks"].([]any)
	require.NotEmpty(tb, hooks)
	hook, _ := hooks[0].(map[string]any)
	edit(env, hook)
	b, err := json.Marshal(env)
	require.NoError(tb, err)
	return b
}

const (
	agreeUnsubscribe                  = `{"hooksId":"h1","webhookConfigId":"c1","productName":"SMS","appKey":"k1","event":"UNSUBSCRIBE","hooks":[{"hookId":"x1","recipientNo":"01012341234"}]}`
	agreeMessageResultUpdate          = `{"hooksId":"h1","webhookConfigId":"c1","productName":"SMS","appKey":"k1","event":"MESSAGE_RESULT_UPDATE","hooks":[{"hookId":"x1","requestId":"r1","recipientSeq":1}]}`
	agreeConversionBlock              = `{"hooksId":"h1","webhookConfigId":"c1","productName":"SMS","appKey":"k1","event":"CONVERSION_BLOCK","hooks":[{"hookId":"x1","countryCode":"1"}]}`
	agreeInternationalDeliveryReceipt = `{"hooksId":"h1","webhookConfigId":"c1","productName":"SMS","appKey":"k1","event":"INTERNATIONAL_DELIVERY_RECEIPT","hooks":[{"hookId":"x1","requestId":"r1","recipientSeq":1,"dlrStatus":"DELIVERED"}]}`
)

type agreeBody struct {
	name string
	body []byte
	want string // kinAccepts, kinRejects, or "" where the corpus does not say
}

// agreeHandWritten is the hand-written part of the agreement corpus.
func agreeHandWritten(tb testing.TB) []agreeBody {
	tb.Helper()
	e := func(base string, edit func(env, hook map[string]any)) []byte { return agreeEdit(tb, base, edit) }
	return []agreeBody{
		{name: "unsubscribe minimal", body: []byte(agreeUnsubscribe), want: kinAccepts},
		{name: "unsubscribe empty hookId", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["hookId"] = "" }), want: kinRejects},
		{name: "unsubscribe blank hookId", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["hookId"] = " " }), want: kinAccepts},
		{name: "unsubscribe missing recipientNo", body: e(agreeUnsubscribe, func(_, h map[string]any) { delete(h, "recipientNo") }), want: kinRejects},
		{name: "unsubscribe null recipientNo", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["recipientNo"] = nil }), want: kinRejects},
		{name: "unsubscribe numeric recipientNo", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["recipientNo"] = 1012341234 }), want: kinRejects},
		{name: "unsubscribe null optionals", body: e(agreeUnsubscribe, func(_, h map[string]any) {
			h["unsubscribeNo"], h["enterpriseName"], h["createdDateTime"] = nil, nil, nil
		}), want: kinAccepts},
		{name: "unsubscribe createdDateTime in UTC", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["createdDateTime"] = "2020-09-09T02:25:10Z" }), want: kinAccepts},
		{name: "unsubscribe createdDateTime 30 February", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["createdDateTime"] = "2020-02-30T11:25:10+09:00" }), want: kinRejects},
		{name: "unsubscribe createdDateTime without offset", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["createdDateTime"] = "2020-09-09T11:25:10" }), want: kinRejects},
		{name: "unsubscribe unknown properties", body: e(agreeUnsubscribe, func(env, h map[string]any) {
			env["novelty"] = map[string]any{"nested": []any{1, "two"}}
			h["recipientGropuingKey"] = "typo"
		}), want: kinAccepts},
		{name: "unsubscribe empty hooks", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["hooks"] = []any{} }), want: kinRejects},
		{name: "unsubscribe null hooks", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["hooks"] = nil }), want: kinRejects},
		{name: "unsubscribe missing hooks", body: e(agreeUnsubscribe, func(env, _ map[string]any) { delete(env, "hooks") }), want: kinRejects},
		{name: "unsubscribe null hook", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["hooks"] = []any{nil} }), want: kinRejects},
		{name: "unsubscribe hooks is an object", body: e(agreeUnsubscribe, func(env, h map[string]any) { env["hooks"] = h }), want: kinRejects},
		{name: "unsubscribe second hook without hookId", body: e(agreeUnsubscribe, func(env, h map[string]any) {
			env["hooks"] = []any{h, map[string]any{"recipientNo": "01000000000"}}
		}), want: kinRejects},
		{name: "unsubscribe two valid hooks", body: e(agreeUnsubscribe, func(env, h map[string]any) {
			env["hooks"] = []any{h, map[string]any{"hookId": "x2", "recipientNo": "01000000000"}}
		}), want: kinAccepts},
		{name: "unsubscribe empty hooksId", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["hooksId"] = "" }), want: kinRejects},
		{name: "unsubscribe missing appKey", body: e(agreeUnsubscribe, func(env, _ map[string]any) { delete(env, "appKey") }), want: kinRejects},
		{name: "unsubscribe null productName", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["productName"] = nil }), want: kinRejects},
		{name: "unsubscribe productName Sms", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["productName"] = "Sms" }), want: kinAccepts},
		{name: "unsubscribe HookId instead of hookId", body: e(agreeUnsubscribe, func(_, h map[string]any) { h["HookId"] = h["hookId"]; delete(h, "hookId") }), want: kinRejects},

		{name: "message result update minimal", body: []byte(agreeMessageResultUpdate), want: kinAccepts},
		{name: "message result update null optionals", body: e(agreeMessageResultUpdate, func(_, h map[string]any) {
			for _, k := range []string{"senderType", "requestDate", "receiveDate", "sendNo", "recipientNo", "messageStatus",
				"recipientGroupingKey", "senderGroupingKey", "resultCode", "messageCount", "_links", "_link"} {
				h[k] = nil
			}
		}), want: kinAccepts},
		{name: "message result update deprecated messageStatus", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageStatus"] = "RESEND_AD" }), want: kinAccepts},
		{name: "message result update unknown messageStatus", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageStatus"] = "DELIVERED" }), want: kinRejects},
		{name: "message result update empty messageStatus", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageStatus"] = "" }), want: kinRejects},
		{name: "message result update lower-case messageStatus", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageStatus"] = "completed" }), want: kinRejects},
		{name: "message result update empty requestId", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["requestId"] = "" }), want: kinRejects},
		{name: "message result update missing recipientSeq", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { delete(h, "recipientSeq") }), want: kinRejects},
		{name: "message result update null recipientSeq", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["recipientSeq"] = nil }), want: kinRejects},
		{name: "message result update recipientSeq 0", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["recipientSeq"] = 0 }), want: kinAccepts},
		{name: "message result update negative recipientSeq", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["recipientSeq"] = -1 }), want: kinAccepts},
		{name: "message result update recipientSeq as a string", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["recipientSeq"] = "1" }), want: kinRejects},
		{name: "message result update recipientSeq 1.0", body: []byte(strings.Replace(agreeMessageResultUpdate, `"recipientSeq":1`, `"recipientSeq":1.0`, 1)), want: kinRejects},
		{name: "message result update recipientSeq beyond int64", body: []byte(strings.Replace(agreeMessageResultUpdate, `"recipientSeq":1`, `"recipientSeq":9223372036854775808`, 1)), want: kinRejects},
		{name: "message result update requestDate with offset", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["requestDate"] = "2024-04-29T20:58:02+09:00" }), want: kinRejects},
		{name: "message result update requestDate local", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["requestDate"] = "2024-04-29T20:58:02" }), want: kinAccepts},
		{name: "message result update messageCount 2", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageCount"] = 2 }), want: kinAccepts},
		{name: "message result update messageCount 1.5", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["messageCount"] = 1.5 }), want: kinRejects},
		{name: "message result update null self", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["_links"] = map[string]any{"self": nil} }), want: kinAccepts},
		{name: "message result update null href", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["_link"] = map[string]any{"self": map[string]any{"href": nil}} }), want: kinAccepts},
		{name: "message result update _links as a string", body: e(agreeMessageResultUpdate, func(_, h map[string]any) { h["_links"] = "https://example.com" }), want: kinRejects},
		{name: "message result update with unsubscribe hooks", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["event"] = "MESSAGE_RESULT_UPDATE" }), want: kinRejects},

		{name: "conversion block minimal", body: []byte(agreeConversionBlock), want: kinAccepts},
		{name: "conversion block empty countryCode", body: e(agreeConversionBlock, func(_, h map[string]any) { h["countryCode"] = "" }), want: kinRejects},
		{name: "conversion block missing countryCode", body: e(agreeConversionBlock, func(_, h map[string]any) { delete(h, "countryCode") }), want: kinRejects},
		{name: "conversion block null blockedDateTime", body: e(agreeConversionBlock, func(_, h map[string]any) { h["blockedDateTime"] = nil }), want: kinAccepts},
		{name: "conversion block blockedDateTime with a space", body: e(agreeConversionBlock, func(_, h map[string]any) { h["blockedDateTime"] = "2024-05-28 09:00:00" }), want: kinRejects},
		{name: "conversion block numeric countryCode", body: e(agreeConversionBlock, func(_, h map[string]any) { h["countryCode"] = 1 }), want: kinRejects},

		{name: "international delivery receipt minimal", body: []byte(agreeInternationalDeliveryReceipt), want: kinAccepts},
		{name: "international delivery receipt unknown dlrStatus", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { h["dlrStatus"] = "SENT" }), want: kinRejects},
		{name: "international delivery receipt empty dlrStatus", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { h["dlrStatus"] = "" }), want: kinRejects},
		{name: "international delivery receipt missing dlrStatus", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { delete(h, "dlrStatus") }), want: kinRejects},
		{name: "international delivery receipt null dlrStatus", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { h["dlrStatus"] = nil }), want: kinRejects},
		{name: "international delivery receipt null optionals", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) {
			h["networkCode"], h["errorCode"] = nil, nil
		}), want: kinAccepts},
		{name: "international delivery receipt missing recipientSeq", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { delete(h, "recipientSeq") }), want: kinRejects},
		{name: "international delivery receipt empty requestId", body: e(agreeInternationalDeliveryReceipt, func(_, h map[string]any) { h["requestId"] = "" }), want: kinRejects},

		{name: "unknown event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["event"] = "RCS_RESULT_UPDATE" }), want: kinRejects},
		{name: "lower-case event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["event"] = "unsubscribe" }), want: kinRejects},
		{name: "missing event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { delete(env, "event") }), want: kinRejects},
		{name: "null event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["event"] = nil }), want: kinRejects},
		{name: "numeric event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["event"] = 1 }), want: kinRejects},
		{name: "Event instead of event", body: e(agreeUnsubscribe, func(env, _ map[string]any) { env["Event"] = env["event"]; delete(env, "event") }), want: kinRejects},
		{name: "empty object", body: []byte(`{}`), want: kinRejects},
		{name: "null", body: []byte(`null`), want: kinRejects},
		{name: "array", body: []byte(`[]`), want: kinRejects},
		{name: "string", body: []byte(`"UNSUBSCRIBE"`), want: kinRejects},
		{name: "duplicate key", body: []byte(strings.Replace(agreeUnsubscribe, `"hookId":"x1"`, `"hookId":"","hookId":"x1"`, 1)), want: kinRejects},
		{name: "invalid UTF-8", body: []byte(strings.Replace(agreeUnsubscribe, `"SMS"`, "\"SM\xff\"", 1)), want: kinRejects},
		{name: "trailing comma", body: []byte(strings.Replace(agreeUnsubscribe, `}]}`, `,}]}`, 1)), want: kinRejects},
		{name: "data after the value", body: []byte(agreeUnsubscribe + `{}`), want: kinRejects},
		{name: "empty body", body: []byte{}, want: kinRejects},
	}
}

// agreeCorpus is every body of the agreement test: the vendor fixtures, the spec's examples and the
// hand-written bodies.
func agreeCorpus(tb testing.TB) []agreeBody {
	tb.Helper()
	var corpus []agreeBody
	names, err := fs.Glob(fixtures.Vendor, "*.json")
	require.NoError(tb, err)
	require.NotEmpty(tb, names)
	for _, name := range names {
		corpus = append(corpus, agreeBody{name: "vendor " + name, body: fixtures.Read(name)})
	}
	for _, kind := range api.Kinds() {
		sample, ok := api.Sample(kind)
		require.True(tb, ok, "no sample of %s", kind)
		b, err := json.Marshal(sample)
		require.NoError(tb, err)
		corpus = append(corpus, agreeBody{name: "example " + kind.String(), body: b, want: kinAccepts})
	}
	return append(corpus, agreeHandWritten(tb)...)
}

// agreeCategory returns why encoding/json plus structcheck.Validate cannot reproduce kin-openapi's verdict on raw
// (body as decoded into any) decoded into t, or "" when they can.
func agreeCategory(raw any, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		items, _ := raw.([]any)
		for _, item := range items {
			if c := agreeCategory(item, t.Elem()); c != "" {
				return c
			}
		}
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return ""
		}
		names := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			names[name] = true
			v, present := obj[name]
			switch f.Type.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				if !present || v == nil {
					return agreeIntegerUnset
				}
			}
			if present {
				if c := agreeCategory(v, f.Type); c != "" {
					return c
				}
			}
		}
		for key := range obj {
			if names[key] {
				continue
			}
			for name := range names {
				if strings.EqualFold(key, name) {
					return agreeFoldedKey
				}
			}
		}
	}
	return ""
}

// agreeJudge runs both validators on body and returns its category; for a compared body it asserts that
// structcheck.Validate accepts the decoded envelope exactly when kin-openapi accepted the body.
func agreeJudge(tb testing.TB, tc agreeBody) string {
	tb.Helper()
	_, _, kinErr := validate.Body(tc.body, validate.Strict)
	switch tc.want {
	case kinAccepts:
		require.NoError(tb, kinErr)
	case kinRejects:
		require.Error(tb, kinErr)
	}
	if kinErr != nil && !errors.Is(kinErr, validate.ErrMalformed) {
		require.ErrorIs(tb, kinErr, validate.ErrInvalid)
	}
	if !json.Valid(tc.body) {
		require.ErrorIs(tb, kinErr, validate.ErrMalformed)
		return agreeMalformed
	}
	if errors.Is(kinErr, validate.ErrMalformed) {
		return agreeStricterParser
	}
	var raw any
	require.NoError(tb, json.Unmarshal(tc.body, &raw))
	obj, _ := raw.(map[string]any)
	event, _ := obj["event"].(string) // the validator dispatches on the exact keys "productName" and "event" too
	product, _ := obj["productName"].(string)
	decoded := api.NewWebhook(api.KindOf(product, api.EventType(event)))
	if json.Unmarshal(tc.body, decoded) != nil {
		require.Error(tb, kinErr, "kin-openapi accepted a body that encoding/json cannot decode into %T", decoded)
		return agreeUndecodable
	}
	if c := agreeCategory(raw, reflect.TypeOf(decoded)); c != "" {
		return c
	}
	goErr := structcheck.Validate(decoded)
	if goErr != nil {
		require.ErrorIs(tb, goErr, validate.ErrInvalid)
	}
	require.Equalf(tb, kinErr == nil, goErr == nil, "kin-openapi: %v; structcheck.Validate(%T): %v", kinErr, decoded, goErr)
	return agreeCompared
}

// TestValidateAgreesWithKinOpenAPI is the agreement the contract asks for: on every body of the corpus that
// both can read, structcheck.Validate on the decoded envelope accepts exactly what kin-openapi (Strict) accepts.
func TestValidateAgreesWithKinOpenAPI(t *testing.T) {
	t.Parallel()
	corpus := agreeCorpus(t)
	handWritten := len(agreeHandWritten(t))
	require.GreaterOrEqual(t, handWritten, 25)

	var (
		mu         sync.Mutex
		categories = map[string][]string{}
		verdicts   = map[bool]int{}
	)
	t.Run("corpus", func(t *testing.T) {
		names := map[string]bool{}
		for _, tc := range corpus {
			require.False(t, names[tc.name], "duplicate name %q", tc.name)
			names[tc.name] = true
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c := agreeJudge(t, tc)
				_, _, kinErr := validate.Body(tc.body, validate.Strict)
				mu.Lock()
				defer mu.Unlock()
				categories[c] = append(categories[c], tc.name)
				if c == agreeCompared {
					verdicts[kinErr == nil]++
				}
			})
		}
	})

	for _, c := range slices.Sorted(maps.Keys(categories)) {
		if c != agreeCompared {
			slices.Sort(categories[c])
			t.Logf("excluded, %s: %d %q", c, len(categories[c]), categories[c])
		}
	}
	compared := len(categories[agreeCompared])
	t.Logf("compared %d of %d bodies (%d hand-written): %d accepted and %d rejected by both",
		compared, len(corpus), handWritten, verdicts[true], verdicts[false])
	require.GreaterOrEqual(t, compared, 50)
	require.GreaterOrEqual(t, verdicts[true], 20)
	require.GreaterOrEqual(t, verdicts[false], 20)
}
