package validate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

const (
	unsubscribe   = "UNSUBSCRIBE"
	messageResult = "MESSAGE_RESULT_UPDATE"
	conversion    = "CONVERSION_BLOCK"
	international = "INTERNATIONAL_DELIVERY_RECEIPT"
)

var events = []string{unsubscribe, messageResult, conversion, international}

// templates are valid envelopes with every property of their event set, so that a test changes exactly one
// thing. Date-times carry no fraction so that the typed envelope marshals back to the same text.
var templates = map[string]string{
	unsubscribe: `{
		"hooksId": "hooks-1", "webhookConfigId": "config-1", "productName": "SMS", "appKey": "app-key-1",
		"event": "UNSUBSCRIBE",
		"hooks": [{
			"hookId": "hook-1", "recipientNo": "01012341234", "unsubscribeNo": "08012341234",
			"enterpriseName": "NHN Cloud", "createdDateTime": "2020-09-09T11:25:10+09:00"
		}]
	}`,
	messageResult: `{
		"hooksId": "hooks-1", "webhookConfigId": "config-1", "productName": "SMS", "appKey": "app-key-1",
		"event": "MESSAGE_RESULT_UPDATE",
		"hooks": [{
			"hookId": "hook-1", "senderType": "NORMAL_SMS", "requestId": "request-1", "recipientSeq": 1,
			"requestDate": "2024-04-29T20:58:02", "receiveDate": "2024-04-29T20:58:04", "sendNo": "15446859",
			"recipientNo": "01012341234", "messageStatus": "COMPLETED", "recipientGroupingKey": "rgk",
			"senderGroupingKey": "sgk", "resultCode": "1000", "messageCount": 1,
			"_links": {"self": {"href": "https://example.com/links"}},
			"_link": {"self": {"href": "https://example.com/link"}}
		}]
	}`,
	conversion: `{
		"hooksId": "hooks-1", "webhookConfigId": "config-1", "productName": "SMS", "appKey": "app-key-1",
		"event": "CONVERSION_BLOCK",
		"hooks": [{"hookId": "hook-1", "countryCode": "1", "blockedDateTime": "2024-05-28T09:00:00+09:00"}]
	}`,
	international: `{
		"hooksId": "hooks-1", "webhookConfigId": "config-1", "productName": "SMS", "appKey": "app-key-1",
		"event": "INTERNATIONAL_DELIVERY_RECEIPT",
		"hooks": [{
			"hookId": "hook-1", "requestId": "request-1", "recipientSeq": 1, "dlrStatus": "ACCEPTED",
			"networkCode": "US-VIRTUAL-BANDWIDTH", "errorCode": "0"
		}]
	}`,
}

// edit sets the value at a slash-separated path of a template, or deletes it.
type edit struct {
	path   string
	value  any
	delete bool
}

func with(path string, value any) edit { return edit{path: path, value: value} }
func without(path string) edit         { return edit{path: path, delete: true} }

// raw is a JSON literal written into a body as it is, such as 1.0 or 1e400.
func raw(literal string) json.RawMessage { return json.RawMessage(literal) }

// decode reads JSON keeping numbers as json.Number.
func decode(tb testing.TB, data []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(tb, dec.Decode(&v))
	return v
}

// body returns the template of event with edits applied.
func body(tb testing.TB, event string, edits ...edit) []byte {
	tb.Helper()
	tmpl, ok := templates[event]
	require.True(tb, ok, "no template for %s", event)
	doc := decode(tb, []byte(tmpl))
	for _, e := range edits {
		doc = apply(tb, doc, strings.Split(e.path, "/"), e)
	}
	out, err := json.Marshal(doc)
	require.NoError(tb, err)
	return out
}

func apply(tb testing.TB, node any, path []string, e edit) any {
	tb.Helper()
	key, rest := path[0], path[1:]
	switch n := node.(type) {
	case map[string]any:
		if len(rest) == 0 {
			if e.delete {
				delete(n, key)
			} else {
				n[key] = e.value
			}
			return n
		}
		child, ok := n[key]
		require.True(tb, ok, "no %q in the template", key)
		n[key] = apply(tb, child, rest, e)
		return n
	case []any:
		i, err := strconv.Atoi(key)
		require.NoError(tb, err)
		require.Less(tb, i, len(n), "index %d beyond the template", i)
		if len(rest) == 0 {
			if e.delete {
				return append(n[:i:i], n[i+1:]...)
			}
			n[i] = e.value
			return n
		}
		n[i] = apply(tb, n[i], rest, e)
		return n
	}
	tb.Fatalf("cannot walk into %T at %q", node, key)
	return nil
}

// lookup finds the value at a slash-separated path of a decoded document.
func lookup(node any, path string) (any, bool) {
	for _, key := range strings.Split(path, "/") {
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[key]
			if !ok {
				return nil, false
			}
			node = v
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// profiles are both profiles, by name.
var profiles = map[string]validate.Profile{"strict": validate.Strict, "compatible": validate.Compatible}

// delivery is what Body returns for a body it accepts.
type delivery struct {
	webhook api.Webhook
	drift   []validate.Violation
}

func (d delivery) event() api.EventType { return d.webhook.Head().Event }

// known reports whether the delivery is of an event of the contract, bound into that event's envelope type.
func (d delivery) known() bool {
	_, generic := d.webhook.(*api.Envelope)
	return !generic
}

// accept validates b under p and requires it to pass.
func accept(tb testing.TB, p validate.Profile, b []byte) delivery {
	tb.Helper()
	w, drift, err := validate.Body(b, p)
	require.NoError(tb, err, "body: %s", b)
	require.NotNil(tb, w)
	return delivery{webhook: w, drift: drift}
}

// reject validates b under p and requires an *validate.Error wrapping cause, with violations at exactly the
// given pointers.
func reject(tb testing.TB, p validate.Profile, b []byte, cause error, pointers ...string) *validate.Error {
	tb.Helper()
	w, drift, err := validate.Body(b, p)
	require.Error(tb, err, "body: %s", b)
	require.Nil(tb, w)
	require.Nil(tb, drift)
	require.ErrorIs(tb, err, cause)
	var verr *validate.Error
	require.ErrorAs(tb, err, &verr)
	require.ElementsMatch(tb, pointers, pointersOf(verr.Violations), "violations: %v", verr.Violations)
	for _, violation := range verr.Violations {
		require.NotEmpty(tb, violation.Reason)
	}
	return verr
}

// rejectBoth requires both profiles to reject b alike.
func rejectBoth(tb testing.TB, b []byte, cause error, pointers ...string) {
	tb.Helper()
	for _, p := range profiles {
		reject(tb, p, b, cause, pointers...)
	}
}

func pointersOf(violations []validate.Violation) []string {
	pointers := make([]string, 0, len(violations))
	for _, v := range violations {
		pointers = append(pointers, v.Pointer)
	}
	return pointers
}

func envelopeOf[E any](tb testing.TB, d delivery) *E {
	tb.Helper()
	e, ok := any(d.webhook).(*E)
	require.True(tb, ok, "the delivery is %T, want %T", d.webhook, e)
	require.NotNil(tb, e)
	return e
}

// marshalled returns the typed envelope of d as a decoded JSON document.
func marshalled(tb testing.TB, d delivery) any {
	tb.Helper()
	out, err := json.Marshal(d.webhook)
	require.NoError(tb, err)
	return decode(tb, out)
}

func ptr[T any](v T) *T { return &v }

func TestTemplatesRoundTrip(t *testing.T) {
	t.Parallel()
	wantTypes := map[string]any{
		unsubscribe:   &api.SMSUnsubscribeEnvelope{},
		messageResult: &api.SMSMessageResultUpdateEnvelope{},
		conversion:    &api.SMSConversionBlockEnvelope{},
		international: &api.SMSInternationalDeliveryReceiptEnvelope{},
	}
	for _, event := range events {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			for name, p := range profiles {
				d := accept(t, p, []byte(templates[event]))
				require.Equal(t, api.EventType(event), d.event(), name)
				require.True(t, d.known())
				require.Nil(t, d.drift)
				require.IsType(t, wantTypes[event], d.webhook)
				// Every property of the template reached the typed envelope, with its value.
				got, err := json.Marshal(d.webhook)
				require.NoError(t, err)
				require.JSONEq(t, templates[event], string(got))
			}
		})
	}
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    edit
		pointer string
	}{
		{name: "hooksId absent", edit: without("hooksId"), pointer: "/hooksId"},
		{name: "webhookConfigId absent", edit: without("webhookConfigId"), pointer: "/webhookConfigId"},
		{name: "productName absent", edit: without("productName"), pointer: "/productName"},
		{name: "appKey absent", edit: without("appKey"), pointer: "/appKey"},
		{name: "event absent", edit: without("event"), pointer: "/event"},
		{name: "hooks absent", edit: without("hooks"), pointer: "/hooks"},

		{name: "hooksId number", edit: with("hooksId", 5), pointer: "/hooksId"},
		{name: "webhookConfigId boolean", edit: with("webhookConfigId", true), pointer: "/webhookConfigId"},
		{name: "productName object", edit: with("productName", map[string]any{}), pointer: "/productName"},
		{name: "appKey array", edit: with("appKey", []any{"a"}), pointer: "/appKey"},
		{name: "event number", edit: with("event", 5), pointer: "/event"},
		{name: "event array", edit: with("event", []any{unsubscribe}), pointer: "/event"},
		{name: "hooks object", edit: with("hooks", map[string]any{}), pointer: "/hooks"},
		{name: "hooks string", edit: with("hooks", "hooks"), pointer: "/hooks"},

		{name: "hooksId null", edit: with("hooksId", nil), pointer: "/hooksId"},
		{name: "webhookConfigId null", edit: with("webhookConfigId", nil), pointer: "/webhookConfigId"},
		{name: "productName null", edit: with("productName", nil), pointer: "/productName"},
		{name: "appKey null", edit: with("appKey", nil), pointer: "/appKey"},
		{name: "event null", edit: with("event", nil), pointer: "/event"},
		{name: "hooks null", edit: with("hooks", nil), pointer: "/hooks"},

		{name: "hooksId empty", edit: with("hooksId", ""), pointer: "/hooksId"},
		{name: "webhookConfigId empty", edit: with("webhookConfigId", ""), pointer: "/webhookConfigId"},
		{name: "productName empty", edit: with("productName", ""), pointer: "/productName"},
		{name: "appKey empty", edit: with("appKey", ""), pointer: "/appKey"},
		{name: "hooks empty", edit: with("hooks", []any{}), pointer: "/hooks"},

		{name: "hook number", edit: with("hooks/0", 5), pointer: "/hooks/0"},
		{name: "hook string", edit: with("hooks/0", "hook"), pointer: "/hooks/0"},
		{name: "hook null", edit: with("hooks/0", nil), pointer: "/hooks/0"},
		{name: "hook array", edit: with("hooks/0", []any{}), pointer: "/hooks/0"},
	}
	for _, tt := range tests {
		for _, event := range events {
			t.Run(event+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				rejectBoth(t, body(t, event, tt.edit), validate.ErrInvalid, tt.pointer)
			})
		}
	}
}

// TestEnvelopeEmptyEvent: an empty event is rejected under both profiles; Compatible does not take it for an
// event a later contract could add.
func TestEnvelopeEmptyEvent(t *testing.T) {
	t.Parallel()
	for _, event := range events {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, event, with("event", "")), validate.ErrInvalid, "/event")
		})
	}
}

func TestBodyNotAnObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{name: "array", body: `[]`},
		{name: "array of an envelope", body: `[` + templates[unsubscribe] + `]`},
		{name: "string", body: `"UNSUBSCRIBE"`},
		{name: "null", body: `null`},
		{name: "number", body: `1`},
		{name: "boolean", body: `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, []byte(tt.body), validate.ErrInvalid, "")
		})
	}
}

func TestSecondHook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		event    string
		edits    []edit
		pointers []string
	}{
		{
			name:  "second hook misses hookId",
			event: unsubscribe,
			edits: []edit{with("hooks", []any{
				map[string]any{"hookId": "h1", "recipientNo": "01012341234"},
				map[string]any{"recipientNo": "01012341234"},
			})},
			pointers: []string{"/hooks/1/hookId"},
		},
		{
			name:  "every violation is listed",
			event: messageResult,
			edits: []edit{
				without("hooksId"), with("appKey", 5),
				with("hooks/0/recipientSeq", "1"), without("hooks/0/requestId"), with("hooks/0/sendNo", 1),
			},
			pointers: []string{"/hooksId", "/appKey", "/hooks/0/recipientSeq", "/hooks/0/requestId", "/hooks/0/sendNo"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, tt.event, tt.edits...), validate.ErrInvalid, tt.pointers...)
		})
	}
}

func TestHookRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event string
		field string
		wrong any // a value of the wrong type
	}{
		{event: unsubscribe, field: "hookId", wrong: 1},
		{event: unsubscribe, field: "recipientNo", wrong: 1012341234},
		{event: messageResult, field: "hookId", wrong: true},
		{event: messageResult, field: "requestId", wrong: []any{}},
		{event: messageResult, field: "recipientSeq", wrong: "1"},
		{event: conversion, field: "hookId", wrong: map[string]any{}},
		{event: conversion, field: "countryCode", wrong: 1},
		{event: international, field: "hookId", wrong: 1},
		{event: international, field: "requestId", wrong: 1},
		{event: international, field: "recipientSeq", wrong: true},
		{event: international, field: "dlrStatus", wrong: 1},
	}
	for _, tt := range tests {
		pointer := "/hooks/0/" + tt.field
		t.Run(tt.event+"/"+tt.field+"/absent", func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, tt.event, without("hooks/0/"+tt.field)), validate.ErrInvalid, pointer)
		})
		t.Run(tt.event+"/"+tt.field+"/null", func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, tt.event, with("hooks/0/"+tt.field, nil)), validate.ErrInvalid, pointer)
		})
		t.Run(tt.event+"/"+tt.field+"/wrong type", func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, tt.event, with("hooks/0/"+tt.field, tt.wrong)), validate.ErrInvalid, pointer)
		})
		if tt.field == "recipientSeq" {
			continue
		}
		// Every required string has minLength 1; an empty dlrStatus is an unknown enum value instead.
		t.Run(tt.event+"/"+tt.field+"/empty", func(t *testing.T) {
			t.Parallel()
			reject(t, validate.Strict, body(t, tt.event, with("hooks/0/"+tt.field, "")), validate.ErrInvalid, pointer)
		})
	}
}

func TestOptionalFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event string
		field string // under /hooks/0
		wrong any
	}{
		{event: unsubscribe, field: "unsubscribeNo", wrong: 8012341234},
		{event: unsubscribe, field: "enterpriseName", wrong: true},
		{event: unsubscribe, field: "createdDateTime", wrong: 1599618310},
		{event: messageResult, field: "senderType", wrong: 1},
		{event: messageResult, field: "requestDate", wrong: 20240429},
		{event: messageResult, field: "receiveDate", wrong: []any{}},
		{event: messageResult, field: "sendNo", wrong: 15446859},
		{event: messageResult, field: "recipientNo", wrong: 1012341234},
		{event: messageResult, field: "messageStatus", wrong: 1},
		{event: messageResult, field: "recipientGroupingKey", wrong: map[string]any{}},
		{event: messageResult, field: "senderGroupingKey", wrong: false},
		{event: messageResult, field: "resultCode", wrong: 1000},
		{event: messageResult, field: "messageCount", wrong: "1"},
		{event: messageResult, field: "_links", wrong: "https://example.com"},
		{event: messageResult, field: "_links/self", wrong: 1},
		{event: messageResult, field: "_links/self/href", wrong: 1},
		{event: messageResult, field: "_link", wrong: []any{}},
		{event: messageResult, field: "_link/self", wrong: "self"},
		{event: messageResult, field: "_link/self/href", wrong: map[string]any{}},
		{event: conversion, field: "blockedDateTime", wrong: 1716854400},
		{event: international, field: "networkCode", wrong: 1},
		{event: international, field: "errorCode", wrong: 0},
	}
	for _, tt := range tests {
		path := "hooks/0/" + tt.field
		t.Run(tt.event+"/"+tt.field+"/present", func(t *testing.T) {
			t.Parallel()
			d := accept(t, validate.Strict, body(t, tt.event))
			_, ok := lookup(marshalled(t, d), path)
			require.True(t, ok, "the template's %s was not bound", tt.field)
		})
		for _, e := range []struct {
			name string
			edit edit
		}{
			{name: "null", edit: with(path, nil)},
			{name: "absent", edit: without(path)},
		} {
			t.Run(tt.event+"/"+tt.field+"/"+e.name, func(t *testing.T) {
				t.Parallel()
				for _, p := range profiles {
					d := accept(t, p, body(t, tt.event, e.edit))
					require.Nil(t, d.drift)
					_, ok := lookup(marshalled(t, d), path)
					require.False(t, ok, "%s is bound to a value", tt.field)
				}
			})
		}
		t.Run(tt.event+"/"+tt.field+"/wrong type", func(t *testing.T) {
			t.Parallel()
			rejectBoth(t, body(t, tt.event, with(path, tt.wrong)), validate.ErrInvalid, "/"+path)
		})
	}
}

func TestIntegers(t *testing.T) {
	t.Parallel()
	fields := []struct {
		event string
		field string
		get   func(testing.TB, delivery) int64
	}{
		{event: messageResult, field: "recipientSeq", get: func(tb testing.TB, d delivery) int64 {
			return envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d).Hooks[0].RecipientSeq
		}},
		{event: messageResult, field: "messageCount", get: func(tb testing.TB, d delivery) int64 {
			n := envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d).Hooks[0].MessageCount
			require.NotNil(tb, n)
			return *n
		}},
		{event: international, field: "recipientSeq", get: func(tb testing.TB, d delivery) int64 {
			return envelopeOf[api.SMSInternationalDeliveryReceiptEnvelope](tb, d).Hooks[0].RecipientSeq
		}},
	}
	tests := []struct {
		name    string
		literal string
		ok      bool
		want    int64
	}{
		{name: "one", literal: `1`, ok: true, want: 1},
		{name: "zero", literal: `0`, ok: true, want: 0},
		{name: "minus zero", literal: `-0`, ok: true, want: 0},
		{name: "negative", literal: `-1`, ok: true, want: -1},
		{name: "int64 max", literal: `9223372036854775807`, ok: true, want: 9223372036854775807},
		{name: "int64 min", literal: `-9223372036854775808`, ok: true, want: -9223372036854775808},
		{name: "fraction zero", literal: `1.0`},
		{name: "exponent", literal: `1e2`},
		{name: "upper exponent", literal: `1E2`},
		{name: "negative exponent", literal: `10e-1`},
		{name: "fraction", literal: `1.5`},
		{name: "string", literal: `"1"`},
		{name: "boolean", literal: `true`},
		{name: "beyond float64", literal: `1e400`},
		{name: "int64 max plus one", literal: `9223372036854775808`},
		{name: "int64 min minus one", literal: `-9223372036854775809`},
		{name: "twenty digits", literal: `99999999999999999999`},
	}
	for _, f := range fields {
		for _, tt := range tests {
			t.Run(f.event+"/"+f.field+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := body(t, f.event, with("hooks/0/"+f.field, raw(tt.literal)))
				require.Contains(t, string(b), `"`+f.field+`":`+tt.literal)
				if !tt.ok {
					rejectBoth(t, b, validate.ErrInvalid, "/hooks/0/"+f.field)
					return
				}
				for _, p := range profiles {
					require.Equal(t, tt.want, f.get(t, accept(t, p, b)))
				}
			})
		}
	}
}

func TestDateTimes(t *testing.T) {
	t.Parallel()
	fields := []struct {
		event string
		field string
		get   func(testing.TB, delivery) *time.Time
	}{
		{event: unsubscribe, field: "createdDateTime", get: func(tb testing.TB, d delivery) *time.Time {
			return envelopeOf[api.SMSUnsubscribeEnvelope](tb, d).Hooks[0].CreatedDateTime
		}},
		{event: conversion, field: "blockedDateTime", get: func(tb testing.TB, d delivery) *time.Time {
			return envelopeOf[api.SMSConversionBlockEnvelope](tb, d).Hooks[0].BlockedDateTime
		}},
	}
	tests := []struct {
		name   string
		value  string
		ok     bool
		want   time.Time // the instant, in UTC
		offset int       // seconds east of UTC
	}{
		{name: "offset", value: "2024-04-29T20:58:02+09:00", ok: true, want: time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC), offset: 9 * 3600},
		{name: "milliseconds and offset", value: "2020-09-09T11:25:10.123+09:00", ok: true, want: time.Date(2020, 9, 9, 2, 25, 10, 123e6, time.UTC), offset: 9 * 3600},
		{name: "negative offset", value: "2024-04-29T06:58:02-05:00", ok: true, want: time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC), offset: -5 * 3600},
		{name: "Z", value: "2024-04-29T11:58:02Z", ok: true, want: time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC)},
		{name: "leap day", value: "2024-02-29T00:00:00+09:00", ok: true, want: time.Date(2024, 2, 28, 15, 0, 0, 0, time.UTC), offset: 9 * 3600},
		{name: "no offset", value: "2024-04-29T20:58:02"},
		{name: "second 60", value: "2016-12-31T23:59:60Z"},
		{name: "30 February", value: "2024-02-30T00:00:00+09:00"},
		{name: "29 February of a common year", value: "2023-02-29T00:00:00+09:00"},
		{name: "month 13", value: "2024-13-01T00:00:00+09:00"},
		{name: "hour 24", value: "2024-04-29T24:00:00Z"},
		{name: "date only", value: "2024-04-29"},
		{name: "space separator", value: "2024-04-29 20:58:02+09:00"},
		{name: "offset without colon", value: "2024-04-29T20:58:02+0900"},
		{name: "empty", value: ""},
	}
	for _, f := range fields {
		for _, tt := range tests {
			t.Run(f.field+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := body(t, f.event, with("hooks/0/"+f.field, tt.value))
				if !tt.ok {
					rejectBoth(t, b, validate.ErrInvalid, "/hooks/0/"+f.field)
					return
				}
				got := f.get(t, accept(t, validate.Strict, b))
				require.NotNil(t, got)
				require.True(t, tt.want.Equal(*got), "got %v, want %v", got, tt.want)
				_, offset := got.Zone()
				require.Equal(t, tt.offset, offset)
			})
		}
	}
}

func TestLocalDateTimes(t *testing.T) {
	t.Parallel()
	fields := []struct {
		field string
		get   func(*api.SMSMessageResultUpdateHook) *api.LocalDateTime
	}{
		{field: "requestDate", get: func(h *api.SMSMessageResultUpdateHook) *api.LocalDateTime { return h.RequestDate }},
		{field: "receiveDate", get: func(h *api.SMSMessageResultUpdateHook) *api.LocalDateTime { return h.ReceiveDate }},
	}
	tests := []struct {
		name  string
		value string
		ok    bool
		want  time.Time
	}{
		{name: "vendor layout", value: "2024-04-29T20:58:02", ok: true, want: time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC)},
		{name: "Seoul midnight is the previous day in UTC", value: "2024-01-01T00:00:00", ok: true, want: time.Date(2023, 12, 31, 15, 0, 0, 0, time.UTC)},
		{name: "leap day", value: "2024-02-29T12:00:00", ok: true, want: time.Date(2024, 2, 29, 3, 0, 0, 0, time.UTC)},
		{name: "offset", value: "2024-04-29T20:58:02+09:00"},
		{name: "Z", value: "2024-04-29T20:58:02Z"},
		{name: "milliseconds", value: "2024-04-29T20:58:02.000"},
		{name: "month 13", value: "2024-13-01T00:00:00"},
		{name: "30 February", value: "2024-02-30T00:00:00"},
		{name: "hour 24", value: "2024-04-29T24:00:00"},
		{name: "second 60", value: "2024-04-29T23:59:60"},
		{name: "month 00", value: "2024-00-10T00:00:00"},
		{name: "single-digit month", value: "2024-4-29T20:58:02"},
		{name: "space separator", value: "2024-04-29 20:58:02"},
		{name: "date only", value: "2024-04-29"},
		{name: "empty", value: ""},
	}
	for _, f := range fields {
		for _, tt := range tests {
			t.Run(f.field+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := body(t, messageResult, with("hooks/0/"+f.field, tt.value))
				if !tt.ok {
					rejectBoth(t, b, validate.ErrInvalid, "/hooks/0/"+f.field)
					return
				}
				env := envelopeOf[api.SMSMessageResultUpdateEnvelope](t, accept(t, validate.Strict, b))
				got := f.get(&env.Hooks[0])
				require.NotNil(t, got)
				require.True(t, tt.want.Equal(got.Time()), "got %v, want %v", got.Time(), tt.want)
				require.Equal(t, api.Seoul(), got.Time().Location())
				require.Equal(t, tt.value, got.String())
			})
		}
	}
}

func TestEnums(t *testing.T) {
	t.Parallel()
	fields := []struct {
		event  string
		field  string
		values []string
		get    func(testing.TB, delivery) string
	}{
		{
			event: messageResult, field: "messageStatus",
			values: []string{"COMPLETED", "FAILED", "CANCEL", "DUPLICATED", "FAILED_AD", "RESERVED", "SENDING", "RESEND_AD"},
			get: func(tb testing.TB, d delivery) string {
				s := envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d).Hooks[0].MessageStatus
				require.NotNil(tb, s)
				return string(*s)
			},
		},
		{
			event: international, field: "dlrStatus",
			values: []string{"ACCEPTED", "DELIVERED", "BUFFERED", "EXPIRED", "FAILED", "REJECTED", "UNKNOWN"},
			get: func(tb testing.TB, d delivery) string {
				return string(envelopeOf[api.SMSInternationalDeliveryReceiptEnvelope](tb, d).Hooks[0].DlrStatus)
			},
		},
	}
	for _, f := range fields {
		pointer := "/hooks/0/" + f.field
		for _, value := range f.values {
			t.Run(f.field+"/"+value, func(t *testing.T) {
				t.Parallel()
				for _, p := range profiles {
					d := accept(t, p, body(t, f.event, with("hooks/0/"+f.field, value)))
					require.Nil(t, d.drift)
					require.Equal(t, value, f.get(t, d))
				}
			})
		}
		t.Run(f.field+"/empty string", func(t *testing.T) {
			t.Parallel()
			// An empty string is no value a later contract could add: not drift, rejected by both profiles.
			rejectBoth(t, body(t, f.event, with("hooks/0/"+f.field, "")), validate.ErrInvalid, pointer)
		})
		for _, unknown := range []string{"NEW_STATUS", strings.ToLower(f.values[0])} {
			t.Run(f.field+"/unknown "+strconv.Quote(unknown), func(t *testing.T) {
				t.Parallel()
				b := body(t, f.event, with("hooks/0/"+f.field, unknown))
				reject(t, validate.Strict, b, validate.ErrInvalid, pointer)

				d := accept(t, validate.Compatible, b)
				require.Len(t, d.drift, 1)
				require.Equal(t, pointer, d.drift[0].Pointer)
				require.NotEmpty(t, d.drift[0].Reason)
				require.Equal(t, unknown, f.get(t, d))
			})
		}
		for _, wrong := range []struct {
			name  string
			value any
		}{
			{name: "number", value: 1},
			{name: "boolean", value: true},
			{name: "array", value: []any{f.values[0]}},
			{name: "object", value: map[string]any{}},
		} {
			t.Run(f.field+"/"+wrong.name, func(t *testing.T) {
				t.Parallel()
				rejectBoth(t, body(t, f.event, with("hooks/0/"+f.field, wrong.value)), validate.ErrInvalid, pointer)
			})
		}
	}
	t.Run("drift in two hooks", func(t *testing.T) {
		t.Parallel()
		hook := func(status string) map[string]any {
			return map[string]any{"hookId": "h", "requestId": "r", "recipientSeq": 1, "messageStatus": status}
		}
		b := body(t, messageResult, with("hooks", []any{hook("NEW_1"), hook("COMPLETED"), hook("NEW_2")}))
		reject(t, validate.Strict, b, validate.ErrInvalid, "/hooks/0/messageStatus", "/hooks/2/messageStatus")
		d := accept(t, validate.Compatible, b)
		require.ElementsMatch(t, []string{"/hooks/0/messageStatus", "/hooks/2/messageStatus"}, pointersOf(d.drift))
	})
	t.Run("drift beside a violation", func(t *testing.T) {
		t.Parallel()
		b := body(t, international, with("hooks/0/dlrStatus", "NEW_STATUS"), without("hooks/0/requestId"))
		verr := reject(t, validate.Compatible, b, validate.ErrInvalid, "/hooks/0/requestId")
		require.Len(t, verr.Violations, 1)
	})
}

func TestEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edits  []edit
		strict []string // pointers of the violations under Strict
		// compatible lists the pointers of the violations under Compatible; nil means Compatible accepts the
		// body with one drift at /event.
		compatible []string
	}{
		{name: "unknown event", edits: []edit{with("event", "NEW_EVENT")}, strict: []string{"/event"}},
		{name: "known event in lower case", edits: []edit{with("event", "unsubscribe")}, strict: []string{"/event"}},
		{name: "unknown event without hook fields", edits: []edit{with("event", "NEW_EVENT"), with("hooks/0", map[string]any{})}, strict: []string{"/event"}},
		{name: "missing event", edits: []edit{without("event")}, strict: []string{"/event"}, compatible: []string{"/event"}},
		{name: "number event", edits: []edit{with("event", 1)}, strict: []string{"/event"}, compatible: []string{"/event"}},
		{name: "boolean event", edits: []edit{with("event", false)}, strict: []string{"/event"}, compatible: []string{"/event"}},
		{name: "null event", edits: []edit{with("event", nil)}, strict: []string{"/event"}, compatible: []string{"/event"}},
		{name: "object event", edits: []edit{with("event", map[string]any{"name": unsubscribe})}, strict: []string{"/event"}, compatible: []string{"/event"}},
		{name: "unknown event with empty hooks", edits: []edit{with("event", "NEW_EVENT"), with("hooks", []any{})}, strict: []string{"/event", "/hooks"}, compatible: []string{"/hooks"}},
		{name: "unknown event with a hook that is no object", edits: []edit{with("event", "NEW_EVENT"), with("hooks/0", "x")}, strict: []string{"/event", "/hooks/0"}, compatible: []string{"/hooks/0"}},
		{name: "unknown event without appKey", edits: []edit{with("event", "NEW_EVENT"), without("appKey")}, strict: []string{"/event", "/appKey"}, compatible: []string{"/appKey"}},
		{name: "known event with another event's hooks", edits: []edit{with("event", conversion)}, strict: []string{"/hooks/0/countryCode"}, compatible: []string{"/hooks/0/countryCode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := body(t, unsubscribe, tt.edits...)
			reject(t, validate.Strict, b, validate.ErrInvalid, tt.strict...)
			if tt.compatible != nil {
				reject(t, validate.Compatible, b, validate.ErrInvalid, tt.compatible...)
				return
			}
			d := accept(t, validate.Compatible, b)
			require.False(t, d.known())
			require.Len(t, d.drift, 1)
			require.Equal(t, "/event", d.drift[0].Pointer)
			env := envelopeOf[api.Envelope](t, d)
			want := decode(t, b).(map[string]any)
			require.Equal(t, want["event"], string(d.event()))
			require.Equal(t, d.event(), env.Event)
			require.Equal(t, "hooks-1", env.HooksID)
			require.Equal(t, "config-1", env.WebhookConfigID)
			require.Equal(t, "SMS", env.ProductName)
			require.Equal(t, "app-key-1", env.AppKey)
			require.Len(t, env.Hooks, 1)
			require.Equal(t, want["hooks"].([]any)[0], env.Hooks[0])
		})
	}
}

func TestUnknownProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   edit
		events []string // all when nil
	}{
		{name: "envelope string", edit: with("extra", "x")},
		{name: "envelope nested", edit: with("extra", map[string]any{"a": []any{1, map[string]any{"b": nil}}})},
		{name: "envelope case variant of a known name", edit: with("HooksId", 5)},
		{name: "hook misspelt grouping key", edit: with("hooks/0/recipientGropuingKey", "RecipientGroupingKey")},
		{name: "hook _link", edit: with("hooks/0/_link", map[string]any{"self": map[string]any{"href": "https://example.com"}}), events: []string{unsubscribe, conversion, international}},
		{name: "hook null", edit: with("hooks/0/newField", nil)},
		{name: "hook array", edit: with("hooks/0/newField", []any{1, "two", false})},
		{name: "hook object of a wrong shape", edit: with("hooks/0/newField", map[string]any{"hookId": 5})},
	}
	for _, tt := range tests {
		inEvents := tt.events
		if inEvents == nil {
			inEvents = events
		}
		for _, event := range inEvents {
			t.Run(event+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				for _, p := range profiles {
					d := accept(t, p, body(t, event, tt.edit))
					require.Nil(t, d.drift)
					require.Equal(t, api.EventType(event), d.event())
					// The typed envelope is the template's: the unknown property changed nothing.
					require.Equal(t, accept(t, p, body(t, event)).webhook, d.webhook)
				}
			})
		}
	}
}

func TestVendorExamples(t *testing.T) {
	t.Parallel()
	const (
		hooksID         = "202007271010101010sadasdavas"
		webhookConfigID = "String"
		appKey          = "akb3dukdmdjsdSvgk"
	)
	kst := time.FixedZone("KST", 9*3600)
	tests := []struct {
		file  string
		event api.EventType
		check func(testing.TB, delivery)
	}{
		{
			file: "unsubscribe.json", event: api.EventTypeUnsubscribe,
			check: func(tb testing.TB, d delivery) {
				env := envelopeOf[api.SMSUnsubscribeEnvelope](tb, d)
				require.Equal(tb, hooksID, env.HooksID)
				require.Equal(tb, webhookConfigID, env.WebhookConfigID)
				require.Equal(tb, "SMS", env.ProductName)
				require.Equal(tb, appKey, env.AppKey)
				require.Equal(tb, api.EventTypeUnsubscribe, env.Event)
				require.Len(tb, env.Hooks, 1)
				h := env.Hooks[0]
				require.Equal(tb, "202007271010101010sadasdavas", h.HookID)
				require.Equal(tb, "01012341234", h.RecipientNo)
				require.Equal(tb, ptr("08012341234"), h.UnsubscribeNo)
				require.Equal(tb, ptr("NHN Cloud"), h.EnterpriseName)
				require.NotNil(tb, h.CreatedDateTime)
				want := time.Date(2020, 9, 9, 11, 25, 10, 0, kst)
				require.True(tb, want.Equal(*h.CreatedDateTime), "createdDateTime %v", h.CreatedDateTime)
				_, offset := h.CreatedDateTime.Zone()
				require.Equal(tb, 9*3600, offset)
			},
		},
		{
			file: "message-result-update.json", event: api.EventTypeMessageResultUpdate,
			check: func(tb testing.TB, d delivery) {
				env := envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d)
				require.Equal(tb, hooksID, env.HooksID)
				require.Equal(tb, webhookConfigID, env.WebhookConfigID)
				require.Equal(tb, "SMS", env.ProductName)
				require.Equal(tb, appKey, env.AppKey)
				require.Equal(tb, api.EventTypeMessageResultUpdate, env.Event)
				require.Len(tb, env.Hooks, 1)
				h := env.Hooks[0]
				require.Equal(tb, "20240429205809GcSUXthVA00", h.HookID)
				require.Equal(tb, ptr("NORMAL_SMS"), h.SenderType)
				require.Equal(tb, "20240429205802y0Tl7Gbz0e0", h.RequestID)
				require.Equal(tb, int64(1), h.RecipientSeq)
				require.NotNil(tb, h.RequestDate)
				require.True(tb, time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC).Equal(h.RequestDate.Time()), "requestDate %v", h.RequestDate)
				require.Equal(tb, api.Seoul(), h.RequestDate.Time().Location())
				require.NotNil(tb, h.ReceiveDate)
				require.True(tb, time.Date(2024, 4, 29, 11, 58, 4, 0, time.UTC).Equal(h.ReceiveDate.Time()), "receiveDate %v", h.ReceiveDate)
				require.Equal(tb, api.Seoul(), h.ReceiveDate.Time().Location())
				require.Equal(tb, ptr("15446859"), h.SendNo)
				require.Equal(tb, ptr("01012341234"), h.RecipientNo)
				require.Equal(tb, ptr(api.MessageStatusCompleted), h.MessageStatus)
				// The example misspells recipientGroupingKey: the field stays empty.
				require.Nil(tb, h.RecipientGroupingKey)
				require.Equal(tb, ptr("SenderGroupingKey"), h.SenderGroupingKey)
				require.Equal(tb, ptr(api.ResultCode("1000")), h.ResultCode)
				require.Equal(tb, ptr(int64(1)), h.MessageCount)
				require.Nil(tb, h.Links)
				require.Equal(tb, &api.MessageLinks{Self: &api.MessageLink{
					Href: ptr("https://sms.api.nhncloudservice.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1"),
				}}, h.LinksMisspelled)
			},
		},
		{
			file: "conversion-block.json", event: api.EventTypeConversionBlock,
			check: func(tb testing.TB, d delivery) {
				env := envelopeOf[api.SMSConversionBlockEnvelope](tb, d)
				require.Equal(tb, hooksID, env.HooksID)
				require.Equal(tb, webhookConfigID, env.WebhookConfigID)
				require.Equal(tb, "SMS", env.ProductName)
				require.Equal(tb, appKey, env.AppKey)
				require.Equal(tb, api.EventTypeConversionBlock, env.Event)
				require.Len(tb, env.Hooks, 1)
				h := env.Hooks[0]
				require.Equal(tb, "20240429205809GcSUXthVA00", h.HookID)
				require.Equal(tb, "1", h.CountryCode)
				require.NotNil(tb, h.BlockedDateTime)
				require.True(tb, time.Date(2024, 5, 28, 0, 0, 0, 0, time.UTC).Equal(*h.BlockedDateTime), "blockedDateTime %v", h.BlockedDateTime)
				_, offset := h.BlockedDateTime.Zone()
				require.Equal(tb, 9*3600, offset)
			},
		},
		{
			file: "international-delivery-receipt.json", event: api.EventTypeInternationalDeliveryReceipt,
			check: func(tb testing.TB, d delivery) {
				env := envelopeOf[api.SMSInternationalDeliveryReceiptEnvelope](tb, d)
				require.Equal(tb, hooksID, env.HooksID)
				require.Equal(tb, webhookConfigID, env.WebhookConfigID)
				require.Equal(tb, "SMS", env.ProductName)
				require.Equal(tb, appKey, env.AppKey)
				require.Equal(tb, api.EventTypeInternationalDeliveryReceipt, env.Event)
				require.Equal(tb, []api.SMSInternationalDeliveryReceiptHook{{
					HookID:       "202409251600118GSDDYTwzX0",
					RequestID:    "20240925160005UvxdDrJ4g20",
					RecipientSeq: 1,
					DlrStatus:    api.DlrStatusAccepted,
					NetworkCode:  ptr("US-VIRTUAL-BANDWIDTH"),
					ErrorCode:    ptr(api.ResultCode("0")),
				}}, env.Hooks)
			},
		},
	}

	covered := map[string]bool{"message-result-update.published.json": true}
	for _, f := range familyVendorExamples {
		covered[f.file] = true // TestFamilyVendorExamples
	}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			for _, p := range profiles {
				d := accept(t, p, fixtures.Read(tt.file))
				require.Equal(t, tt.event, d.event())
				require.True(t, d.known())
				require.Nil(t, d.drift)
				tt.check(t, d)
			}
		})
	}
	files, err := fs.Glob(fixtures.Vendor, "*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		require.True(t, covered[f], "vendor example %s has no test", f)
	}
}

func TestPublishedMessageResultExample(t *testing.T) {
	t.Parallel()
	published := fixtures.Read("message-result-update.published.json")
	for _, p := range profiles {
		verr := reject(t, p, published, validate.ErrMalformed, "/hooks/0")
		require.Len(t, verr.Violations, 1)
		require.Contains(t, verr.Violations[0].Reason, "line 27")
	}

	// The published example is valid once its trailing comma is gone. message-result-update.json is that example
	// as the page shows it since the vendor's API domain moved on 2026-02-27: its link on the new host.
	fixed := bytes.Replace(published, []byte("},\n}"), []byte("}\n}"), 1)
	require.NotEqual(t, published, fixed)
	accept(t, validate.Strict, fixed)
	moved := bytes.Replace(fixed, []byte("https://api-sms.cloud.toast.com/"), []byte("https://sms.api.nhncloudservice.com/"), 1)
	require.NotEqual(t, fixed, moved)
	require.Equal(t, fixtures.Read("message-result-update.json"), moved)
}

// nested returns depth arrays nested in each other.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	valid := templates[unsubscribe]
	hookIs := func(hook string) string {
		return `{"hooksId":"h","webhookConfigId":"w","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[` + hook + `]}`
	}
	tests := []struct {
		name    string
		body    string
		pointer string
	}{
		{name: "empty", body: ``, pointer: ""},
		{name: "only whitespace", body: " \n\t\r", pointer: ""},
		{name: "open brace", body: `{`, pointer: ""},
		{name: "key without value", body: `{"hooksId":`, pointer: "/hooksId"},
		{name: "unterminated string", body: `{"hooksId":"abc`, pointer: "/hooksId"},
		{name: "unterminated key", body: `{"hooks`, pointer: ""},
		{name: "trailing data", body: valid + ` x`, pointer: ""},
		{name: "two objects", body: valid + valid, pointer: ""},
		{name: "object then array", body: `{} []`, pointer: ""},
		{name: "trailing NUL", body: valid + "\x00", pointer: ""},
		{name: "byte order mark", body: "\xef\xbb\xbf" + valid, pointer: ""},
		{name: "comment", body: "// webhook\n" + valid, pointer: ""},
		{name: "duplicate envelope key", body: `{"hooksId":"a","hooksId":"b"}`, pointer: "/hooksId"},
		{name: "duplicate hook key", body: hookIs(`{"hookId":"a","recipientNo":"1","hookId":"a"}`), pointer: "/hooks/0/hookId"},
		{name: "duplicate key spelt with an escape", body: hookIs(`{"hookId":"a","recipientNo":"1","hook\u0049d":"b"}`), pointer: "/hooks/0/hookId"},
		{name: "duplicate key escaped in the pointer", body: `{"a/b~c":1,"a/b~c":2}`, pointer: "/a~1b~0c"},
		{name: "duplicate key in an unknown property", body: hookIs(`{"hookId":"a","recipientNo":"1","x":[{},{"y":1,"y":1}]}`), pointer: "/hooks/0/x/1/y"},
		{name: "invalid UTF-8 in a value", body: hookIs(`{"hookId":"a","recipientNo":"010` + "\xff" + `"}`), pointer: "/hooks/0/recipientNo"},
		{name: "invalid UTF-8 after an escape", body: hookIs(`{"hookId":"a","recipientNo":"\n010` + "\xff" + `"}`), pointer: "/hooks/0/recipientNo"},
		{name: "overlong UTF-8", body: hookIs(`{"hookId":"` + "\xc0\xaf" + `","recipientNo":"1"}`), pointer: "/hooks/0/hookId"},
		{name: "UTF-8 encoded surrogate", body: hookIs(`{"hookId":"` + "\xed\xa0\x80" + `","recipientNo":"1"}`), pointer: "/hooks/0/hookId"},
		{name: "truncated UTF-8", body: hookIs(`{"hookId":"` + "\xed\x95" + `","recipientNo":"1"}`), pointer: "/hooks/0/hookId"},
		{name: "invalid UTF-8 in a key", body: hookIs(`{"hookId":"a","recipientNo":"1","` + "\xfe" + `":1}`), pointer: "/hooks/0"},
		{name: "invalid UTF-8 outside a string", body: `{"a":1}` + "\xff", pointer: ""},
		{name: "trailing comma in an object", body: hookIs(`{"hookId":"a","recipientNo":"1",}`), pointer: "/hooks/0"},
		{name: "trailing comma in an array", body: hookIs(`{"hookId":"a","recipientNo":"1"},`), pointer: "/hooks/1"},
		{name: "leading zero", body: hookIs(`{"hookId":"a","recipientNo":01012341234}`), pointer: "/hooks/0"},
		{name: "NaN", body: `{"hooks":NaN}`, pointer: "/hooks"},
		{name: "Infinity", body: `{"hooks":-Infinity}`, pointer: "/hooks"},
		{name: "fraction without digits", body: `{"hooks":1.}`, pointer: "/hooks"},
		{name: "exponent without digits", body: `{"hooks":1e}`, pointer: "/hooks"},
		{name: "plus sign", body: `{"hooks":+1}`, pointer: "/hooks"},
		{name: "single quotes", body: `{"hooksId":'h'}`, pointer: "/hooksId"},
		{name: "unquoted key", body: `{hooksId:"h"}`, pointer: ""},
		{name: "missing colon", body: `{"hooksId" "h"}`, pointer: ""},
		{name: "truncated literal", body: `{"hooks":nul}`, pointer: "/hooks"},
		{name: "capitalised literal", body: `{"hooks":True}`, pointer: "/hooks"},
		{name: "raw tab in a string", body: "{\"hooksId\":\"a\tb\"}", pointer: "/hooksId"},
		{name: "raw newline in a string", body: "{\"hooksId\":\"a\nb\"}", pointer: "/hooksId"},
		{name: "invalid escape", body: `{"hooksId":"a\xb"}`, pointer: "/hooksId"},
		{name: "short unicode escape", body: `{"hooksId":"\u12"}`, pointer: "/hooksId"},
		{name: "non-hex unicode escape", body: `{"hooksId":"\u12G4"}`, pointer: "/hooksId"},
		{name: "nesting 10001 deep", body: nested(10001), pointer: strings.Repeat("/0", 10000)},
		{name: "nesting 10001 deep in an unknown property", body: `{"extra":` + nested(10000) + `}`, pointer: "/extra" + strings.Repeat("/0", 9999)},
		{name: "unbalanced nesting", body: strings.Repeat("[", 100), pointer: strings.Repeat("/0", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range profiles {
				verr := reject(t, p, []byte(tt.body), validate.ErrMalformed, tt.pointer)
				require.Len(t, verr.Violations, 1)
				require.Contains(t, verr.Violations[0].Reason, "invalid JSON at line ")
				require.NotErrorIs(t, verr, validate.ErrInvalid)
			}
		})
	}
}

func TestMalformedPosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		reason string
	}{
		{name: "first line", body: `{"a":x}`, reason: "line 1, column 6 (byte 5)"},
		{name: "third line", body: "{\n\"a\": 1,\n  \"b\": x}", reason: "line 3, column 8 (byte 17)"},
		{name: "end of input", body: "{\n\"a\": ", reason: "line 2, column 6 (byte 7)"},
		{name: "duplicate key names the second key", body: "{\"a\":1,\n\"a\":2}", reason: "line 2, column 1 (byte 8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := validate.Body([]byte(tt.body), validate.Strict)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			require.ErrorIs(t, err, validate.ErrMalformed)
			require.Len(t, verr.Violations, 1)
			require.Contains(t, verr.Violations[0].Reason, tt.reason)
		})
	}
}

func TestDeepNesting(t *testing.T) {
	t.Parallel()
	t.Run("10000 deep is read, and is no object", func(t *testing.T) {
		t.Parallel()
		rejectBoth(t, []byte(nested(10000)), validate.ErrInvalid, "")
	})
	for _, path := range []string{"extra", "hooks/0/extra"} {
		t.Run("9000 deep in an unknown property at "+path, func(t *testing.T) {
			t.Parallel()
			for _, p := range profiles {
				d := accept(t, p, body(t, unsubscribe, with(path, raw(nested(9000)))))
				require.Nil(t, d.drift)
			}
		})
	}
	t.Run("9000 deep in a hook of an unknown event", func(t *testing.T) {
		t.Parallel()
		b := body(t, unsubscribe, with("event", "NEW_EVENT"), with("hooks/0/extra", raw(nested(9000))))
		d := accept(t, validate.Compatible, b)
		require.Len(t, envelopeOf[api.Envelope](t, d).Hooks, 1)
	})
}

func TestStringDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		literal string // a JSON string
		want    string
	}{
		{name: "NUL escape", literal: `"a\u0000b"`, want: "a\x00b"},
		{name: "lone high surrogate", literal: `"\ud800"`, want: "\uFFFD"},
		{name: "lone high surrogate before a letter", literal: `"\ud800x"`, want: "\uFFFDx"},
		{name: "lone low surrogate", literal: `"\udc00"`, want: "\uFFFD"},
		{name: "high surrogate before a non-surrogate escape", literal: `"\ud800\u0041"`, want: "\uFFFDA"},
		{name: "two high surrogates", literal: `"\ud800\ud800"`, want: "\uFFFD\uFFFD"},
		{name: "reversed pair", literal: `"\udc00\ud800"`, want: "\uFFFD\uFFFD"},
		{name: "surrogate pair", literal: `"\ud83d\ude00"`, want: "😀"},
		{name: "upper-case surrogate pair", literal: `"\uD83D\uDE00"`, want: "😀"},
		{name: "short escapes", literal: `"\"\\\/\b\f\n\r\t"`, want: "\"\\/\b\f\n\r\t"},
		{name: "latin escape", literal: `"caf\u00e9"`, want: "café"},
		{name: "raw Hangul", literal: `"엔에이치엔"`, want: "엔에이치엔"},
		{name: "raw emoji", literal: `"😀"`, want: "😀"},
		{name: "DEL", literal: "\"\x7f\"", want: "\x7f"},
		{name: "empty", literal: `""`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdlib string
			require.NoError(t, json.Unmarshal([]byte(tt.literal), &stdlib))
			require.Equal(t, tt.want, stdlib, "the expectation disagrees with encoding/json")

			b := body(t, unsubscribe, with("hooks/0/enterpriseName", raw(tt.literal)))
			env := envelopeOf[api.SMSUnsubscribeEnvelope](t, accept(t, validate.Strict, b))
			require.Equal(t, ptr(tt.want), env.Hooks[0].EnterpriseName)
		})
	}
}

func TestExactNameBinding(t *testing.T) {
	t.Parallel()
	const envelope = `"hooksId":"hooks-1","webhookConfigId":"config-1","productName":"SMS","appKey":"app-key-1"`
	tests := []struct {
		name    string
		body    string
		check   func(testing.TB, delivery)
		stdlib  any // the type encoding/json fills, to show it would bind the other key
		pointer string
	}{
		{
			name: "HOOKID after hookId",
			body: `{` + envelope + `,"event":"UNSUBSCRIBE","hooks":[{"hookId":"right","recipientNo":"01012341234","HOOKID":"wrong"}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Equal(tb, "right", envelopeOf[api.SMSUnsubscribeEnvelope](tb, d).Hooks[0].HookID)
			},
			stdlib: &api.SMSUnsubscribeEnvelope{},
		},
		{
			name: "RecipientNo after recipientNo",
			body: `{` + envelope + `,"event":"UNSUBSCRIBE","hooks":[{"hookId":"h","recipientNo":"01012341234","RecipientNo":"01000000000"}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Equal(tb, "01012341234", envelopeOf[api.SMSUnsubscribeEnvelope](tb, d).Hooks[0].RecipientNo)
			},
			stdlib: &api.SMSUnsubscribeEnvelope{},
		},
		{
			name: "optional RecipientNo after recipientNo",
			body: `{` + envelope + `,"event":"MESSAGE_RESULT_UPDATE","hooks":[{"hookId":"h","requestId":"r","recipientSeq":1,"recipientNo":"01012341234","RecipientNo":"01000000000"}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Equal(tb, ptr("01012341234"), envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d).Hooks[0].RecipientNo)
			},
			stdlib: &api.SMSMessageResultUpdateEnvelope{},
		},
		{
			name: "only RecipientNo",
			body: `{` + envelope + `,"event":"MESSAGE_RESULT_UPDATE","hooks":[{"hookId":"h","requestId":"r","recipientSeq":1,"RecipientNo":"01000000000"}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Nil(tb, envelopeOf[api.SMSMessageResultUpdateEnvelope](tb, d).Hooks[0].RecipientNo)
			},
			stdlib: &api.SMSMessageResultUpdateEnvelope{},
		},
		{
			name: "case variant of an integer with another type",
			body: `{` + envelope + `,"event":"INTERNATIONAL_DELIVERY_RECEIPT","hooks":[{"hookId":"h","requestId":"r","recipientSeq":7,"dlrStatus":"ACCEPTED","RECIPIENTSEQ":8}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Equal(tb, int64(7), envelopeOf[api.SMSInternationalDeliveryReceiptEnvelope](tb, d).Hooks[0].RecipientSeq)
			},
			stdlib: &api.SMSInternationalDeliveryReceiptEnvelope{},
		},
		{
			name: "EVENT after event",
			body: `{` + envelope + `,"event":"UNSUBSCRIBE","EVENT":"CONVERSION_BLOCK","hooks":[{"hookId":"h","recipientNo":"01012341234"}]}`,
			check: func(tb testing.TB, d delivery) {
				require.Equal(tb, api.EventTypeUnsubscribe, d.event())
				require.Equal(tb, api.EventTypeUnsubscribe, envelopeOf[api.SMSUnsubscribeEnvelope](tb, d).Event)
			},
			stdlib: &api.SMSUnsubscribeEnvelope{},
		},
		{
			name:    "only HOOKID",
			body:    `{` + envelope + `,"event":"UNSUBSCRIBE","hooks":[{"HOOKID":"wrong","recipientNo":"01012341234"}]}`,
			pointer: "/hooks/0/hookId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.pointer != "" {
				rejectBoth(t, []byte(tt.body), validate.ErrInvalid, tt.pointer)
				return
			}
			// encoding/json matches names case-insensitively and keeps the last: the body tells the two apart.
			require.NoError(t, json.Unmarshal([]byte(tt.body), tt.stdlib))
			d := accept(t, validate.Strict, []byte(tt.body))
			require.Nil(t, d.drift)
			require.NotEqual(t, tt.stdlib, d.webhook)
			tt.check(t, d)
		})
	}
}

func TestViolationsNeverCarryValues(t *testing.T) {
	t.Parallel()
	const phone = "01099998888"
	tests := []struct {
		name   string
		event  string
		edits  []edit
		secret string // what must not appear; phone when empty
	}{
		{name: "hooksId array", event: unsubscribe, edits: []edit{with("hooksId", []any{phone})}},
		{name: "webhookConfigId object", event: unsubscribe, edits: []edit{with("webhookConfigId", map[string]any{"n": phone})}},
		{name: "productName number", event: unsubscribe, edits: []edit{with("productName", raw("1099998888"))}, secret: "1099998888"},
		{name: "appKey array", event: unsubscribe, edits: []edit{with("appKey", []any{phone})}},
		{name: "event", event: unsubscribe, edits: []edit{with("event", phone)}},
		{name: "event array", event: unsubscribe, edits: []edit{with("event", []any{phone})}},
		{name: "hooks string", event: unsubscribe, edits: []edit{with("hooks", phone)}},
		{name: "hook string", event: unsubscribe, edits: []edit{with("hooks/0", phone)}},
		{name: "hookId number", event: unsubscribe, edits: []edit{with("hooks/0/hookId", raw("1099998888"))}, secret: "1099998888"},
		{name: "recipientNo number", event: unsubscribe, edits: []edit{with("hooks/0/recipientNo", raw("1099998888"))}, secret: "1099998888"},
		{name: "recipientNo array", event: unsubscribe, edits: []edit{with("hooks/0/recipientNo", []any{phone})}},
		{name: "unsubscribeNo object", event: unsubscribe, edits: []edit{with("hooks/0/unsubscribeNo", map[string]any{"n": phone})}},
		{name: "enterpriseName array", event: unsubscribe, edits: []edit{with("hooks/0/enterpriseName", []any{phone})}},
		{name: "createdDateTime", event: unsubscribe, edits: []edit{with("hooks/0/createdDateTime", phone)}},
		{name: "createdDateTime impossible", event: unsubscribe, edits: []edit{with("hooks/0/createdDateTime", "0109-99-98T88:88:88+09:00")}, secret: "0109-99-98T88"},
		{name: "senderType array", event: messageResult, edits: []edit{with("hooks/0/senderType", []any{phone})}},
		{name: "requestId array", event: messageResult, edits: []edit{with("hooks/0/requestId", []any{phone})}},
		{name: "recipientSeq string", event: messageResult, edits: []edit{with("hooks/0/recipientSeq", phone)}},
		{name: "recipientSeq fraction", event: messageResult, edits: []edit{with("hooks/0/recipientSeq", raw("1099998888.5"))}, secret: "1099998888"},
		{name: "recipientSeq exponent", event: messageResult, edits: []edit{with("hooks/0/recipientSeq", raw("1.099998888e10"))}, secret: "099998888"},
		{name: "recipientSeq out of range", event: messageResult, edits: []edit{with("hooks/0/recipientSeq", raw("1099998888109999888810"))}, secret: "1099998888"},
		{name: "requestDate", event: messageResult, edits: []edit{with("hooks/0/requestDate", phone)}},
		{name: "requestDate impossible", event: messageResult, edits: []edit{with("hooks/0/requestDate", "0109-99-98T88:88:88")}, secret: "0109-99-98T88"},
		{name: "receiveDate", event: messageResult, edits: []edit{with("hooks/0/receiveDate", phone)}},
		{name: "receiveDate impossible", event: messageResult, edits: []edit{with("hooks/0/receiveDate", "0109-99-98T88:88:88")}, secret: "0109-99-98T88"},
		{name: "sendNo number", event: messageResult, edits: []edit{with("hooks/0/sendNo", raw("1099998888"))}, secret: "1099998888"},
		{name: "recipientNo of a result array", event: messageResult, edits: []edit{with("hooks/0/recipientNo", []any{phone})}},
		{name: "messageStatus", event: messageResult, edits: []edit{with("hooks/0/messageStatus", phone)}},
		{name: "messageStatus number", event: messageResult, edits: []edit{with("hooks/0/messageStatus", raw("1099998888"))}, secret: "1099998888"},
		{name: "recipientGroupingKey array", event: messageResult, edits: []edit{with("hooks/0/recipientGroupingKey", []any{phone})}},
		{name: "senderGroupingKey array", event: messageResult, edits: []edit{with("hooks/0/senderGroupingKey", []any{phone})}},
		{name: "resultCode array", event: messageResult, edits: []edit{with("hooks/0/resultCode", []any{phone})}},
		{name: "messageCount string", event: messageResult, edits: []edit{with("hooks/0/messageCount", phone)}},
		{name: "_links string", event: messageResult, edits: []edit{with("hooks/0/_links", phone)}},
		{name: "_links self string", event: messageResult, edits: []edit{with("hooks/0/_links/self", phone)}},
		{name: "_links href array", event: messageResult, edits: []edit{with("hooks/0/_links/self/href", []any{phone})}},
		{name: "_link string", event: messageResult, edits: []edit{with("hooks/0/_link", phone)}},
		{name: "_link href number", event: messageResult, edits: []edit{with("hooks/0/_link/self/href", raw("1099998888"))}, secret: "1099998888"},
		{name: "countryCode array", event: conversion, edits: []edit{with("hooks/0/countryCode", []any{phone})}},
		{name: "blockedDateTime", event: conversion, edits: []edit{with("hooks/0/blockedDateTime", phone)}},
		{name: "dlrStatus", event: international, edits: []edit{with("hooks/0/dlrStatus", phone)}},
		{name: "networkCode array", event: international, edits: []edit{with("hooks/0/networkCode", []any{phone})}},
		{name: "errorCode array", event: international, edits: []edit{with("hooks/0/errorCode", []any{phone})}},
		{name: "many at once", event: messageResult, edits: []edit{
			with("appKey", []any{phone}), with("hooks/0/recipientSeq", phone), with("hooks/0/messageStatus", phone),
			with("hooks/0/requestDate", phone), with("hooks/0/recipientNo", []any{phone}),
		}},
	}
	check := func(tb testing.TB, secret string, err error, drift []validate.Violation) {
		tb.Helper()
		if err != nil {
			require.NotContains(tb, err.Error(), secret)
			require.NotContains(tb, fmt.Sprintf("%+v", err), secret)
			var verr *validate.Error
			require.ErrorAs(tb, err, &verr)
			for _, v := range verr.Violations {
				require.NotContains(tb, v.Reason, secret)
				require.NotContains(tb, fmt.Sprintf("%+v", v), secret)
			}
		}
		for _, v := range drift {
			require.NotContains(tb, v.Reason, secret)
			require.NotContains(tb, fmt.Sprintf("%+v", v), secret)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secret := tt.secret
			if secret == "" {
				secret = phone
			}
			b := body(t, tt.event, tt.edits...)
			require.Contains(t, string(b), secret)
			strict, _, err := validate.Body(b, validate.Strict)
			require.Error(t, err, "Strict accepted the body")
			require.Nil(t, strict)
			check(t, secret, err, nil)
			compatible, drift, err := validate.Body(b, validate.Compatible)
			if compatible != nil {
				require.NotEmpty(t, drift, "Compatible accepted without drift")
			}
			check(t, secret, err, drift)
		})
	}

	malformed := []struct {
		name string
		body string
	}{
		{name: "leading zero", body: `{"hooksId":01099998888}`},
		{name: "invalid UTF-8", body: `{"hooksId":"01099998888` + "\xff" + `"}`},
		{name: "control character", body: "{\"hooksId\":\"01099998888\x01\"}"},
		{name: "invalid escape", body: `{"hooksId":"01099998888\q"}`},
		{name: "duplicate key", body: `{"recipientNo":"01099998888","recipientNo":"01099998888"}`},
		{name: "trailing data", body: `{"recipientNo":"x"} "01099998888"`},
		{name: "unterminated", body: `{"recipientNo":"01099998888`},
		{name: "bare word", body: `{"recipientNo":x01099998888}`},
		{name: "not an object", body: `"01099998888"`},
	}
	for _, tt := range malformed {
		t.Run("malformed/"+tt.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range profiles {
				w, drift, err := validate.Body([]byte(tt.body), p)
				require.Error(t, err)
				require.Nil(t, w)
				require.Nil(t, drift)
				check(t, "01099998888", err, nil)
				check(t, "1099998888", err, nil)
			}
		})
	}
}

func TestBodyIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	bodies := [][]byte{
		body(t, unsubscribe), body(t, messageResult, with("hooks/0/messageStatus", "NEW")),
		body(t, conversion), body(t, international, with("event", "NEW_EVENT")),
	}
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for j := range 20 {
				if _, _, e := validate.Body(bodies[(i+j)%len(bodies)], validate.Compatible); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-done)
	}
}

// TestDeliveryOutlivesLaterBodies: the maps and slices of a parse are reused by the next ones, so nothing a
// delivery holds may share them. Each delivery must read the same after many other bodies, of the same shape
// and different values, were validated, one by one and concurrently.
func TestDeliveryOutlivesLaterBodies(t *testing.T) {
	t.Parallel()
	bodies := [][]byte{
		fixtures.Read("message-result-update.json"),
		body(t, unsubscribe, with("hooks/0/extra", map[string]any{"nested": []any{"a", map[string]any{"b": "c"}}})),
		body(t, unsubscribe, with("event", "NEW_EVENT"), with("hooks/0/extra", []any{map[string]any{"x": "y"}})),
	}
	type kept struct {
		d    delivery
		want any
	}
	var all []kept
	for _, b := range bodies {
		d := accept(t, validate.Compatible, b)
		all = append(all, kept{d, marshalled(t, d)})
	}
	other := func(i int) []byte {
		return body(t, unsubscribe, with("event", "NEW_EVENT"), with("appKey", fmt.Sprint("other-", i)),
			with("hooks/0/extra", []any{map[string]any{"x": fmt.Sprint(i)}}))
	}
	for i := range 50 {
		accept(t, validate.Compatible, other(i))
		accept(t, validate.Compatible, fixtures.Read("international-delivery-receipt.json"))
	}
	concurrent := make([][]byte, 200)
	for i := range concurrent {
		concurrent[i] = other(1000 + i)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for _, b := range concurrent[g*50 : (g+1)*50] {
				_, _, _ = validate.Body(b, validate.Compatible)
			}
		})
	}
	wg.Wait()
	for i, k := range all {
		require.Equal(t, k.want, marshalled(t, k.d), "delivery %d changed after later bodies", i)
	}
	require.Equal(t, "y", envelopeOf[api.Envelope](t, all[2].d).Hooks[0]["extra"].([]any)[0].(map[string]any)["x"])
}

// TestDeliveryKeepsNoReferenceToBody: what Body returns reads the same once the caller reuses the body's
// buffer, as a server does with its read buffers, on every vendor example and on an unknown event.
func TestDeliveryKeepsNoReferenceToBody(t *testing.T) {
	t.Parallel()
	bodies := [][]byte{
		fixtures.Read("unsubscribe.json"), fixtures.Read("message-result-update.json"),
		fixtures.Read("conversion-block.json"), fixtures.Read("international-delivery-receipt.json"),
		body(t, unsubscribe, with("event", "NEW_EVENT"), with("hooks/0/extra", []any{map[string]any{"x": "y"}})),
	}
	for i, b := range bodies {
		buf := bytes.Clone(b)
		d := accept(t, validate.Compatible, buf)
		want := marshalled(t, d)
		for j := range buf {
			buf[j] = 'x'
		}
		require.Equal(t, want, marshalled(t, d), "delivery %d changed with its body's buffer", i)
		require.Equal(t, marshalled(t, accept(t, validate.Compatible, b)), want, "delivery %d", i)
	}
}

// TestErrorMessage: Error names the cause, then every violation as POINTER: REASON, the whole body as
// "(body)".
func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *validate.Error
		want string
	}{
		{
			name: "whole body",
			err:  &validate.Error{Err: validate.ErrInvalid, Violations: []validate.Violation{{Reason: "value must be an object"}}},
			want: "body violates the webhook contract: (body): value must be an object",
		},
		{
			name: "several violations",
			err: &validate.Error{Err: validate.ErrInvalid, Violations: []validate.Violation{
				{Pointer: "/hooksId", Reason: "is required"}, {Reason: "r2"}, {Pointer: "/hooks/0/hookId", Reason: "r3"},
			}},
			want: "body violates the webhook contract: /hooksId: is required; (body): r2; /hooks/0/hookId: r3",
		},
		{
			name: "no violation",
			err:  &validate.Error{Err: validate.ErrMalformed},
			want: "body is not well-formed JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Error())
			require.ErrorIs(t, tt.err, tt.err.Err)
		})
	}

	t.Run("from Body", func(t *testing.T) {
		t.Parallel()
		_, _, err := validate.Body([]byte(`[]`), validate.Strict)
		require.EqualError(t, err, "body violates the webhook contract: (body): value must be an object")
		_, _, err = validate.Body([]byte(`{`), validate.Strict)
		require.ErrorIs(t, err, validate.ErrMalformed)
		require.True(t, strings.HasPrefix(err.Error(), "body is not well-formed JSON: (body): invalid JSON at line 1"), err.Error())
		_, _, err = validate.Body(body(t, unsubscribe, without("hooks/0/hookId")), validate.Strict)
		require.ErrorContains(t, err, "body violates the webhook contract: /hooks/0/hookId: ")
	})
}
