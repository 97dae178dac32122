package smshooktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/validate"
)

const (
	testSecret = "s3cret-signature-typed-in-the-console"
	mountPath  = "/webhooks/nhn"
)

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// idPattern is the shape of NHN Cloud's hooksId and hookId: yyyyMMddHHmmss and 11 more characters.
var idPattern = regexp.MustCompile(`^[0-9]{14}[A-Za-z0-9]{11}$`)

// recorder is an EventHandler that keeps what it receives and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []any
	fail   error
}

func (r *recorder) record(e any) error {
	if r.fail != nil {
		return r.fail
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) received() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *recorder) OnUnsubscribe(_ context.Context, e *api.UnsubscribeEnvelope) error {
	return r.record(e)
}

func (r *recorder) OnMessageResultUpdate(_ context.Context, e *api.MessageResultUpdateEnvelope) error {
	return r.record(e)
}

func (r *recorder) OnConversionBlock(_ context.Context, e *api.ConversionBlockEnvelope) error {
	return r.record(e)
}

func (r *recorder) OnInternationalDeliveryReceipt(_ context.Context, e *api.InternationalDeliveryReceiptEnvelope) error {
	return r.record(e)
}

var _ smshook.EventHandler = (*recorder)(nil)

// newHandler returns smshook.NewHandler over rec, logging nowhere, with opts (the test secret when none).
func newHandler(tb testing.TB, rec *recorder, opts ...smshook.Option) http.Handler {
	tb.Helper()
	if len(opts) == 0 {
		opts = []smshook.Option{smshook.WithSecrets(testSecret)}
	}
	h, err := smshook.NewHandler(rec, append([]smshook.Option{smshook.WithLogger(discardLogger)}, opts...)...)
	require.NoError(tb, err)
	return h
}

// seenRequest is what reached the test server, whatever its path.
type seenRequest struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
}

// receiver is an httptest.Server with smshook.NewHandler mounted at mountPath only.
type receiver struct {
	rec  *recorder
	url  string // the server's URL plus mountPath
	mu   sync.Mutex
	seen []seenRequest
}

func startReceiver(tb testing.TB, rec *recorder, opts ...smshook.Option) *receiver {
	tb.Helper()
	r := &receiver{rec: rec}
	mux := http.NewServeMux()
	mux.Handle(mountPath, newHandler(tb, rec, opts...))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		r.mu.Lock()
		r.seen = append(r.seen, seenRequest{
			method: req.Method, path: req.URL.Path, rawQuery: req.URL.RawQuery,
			header: req.Header.Clone(), body: body,
		})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		mux.ServeHTTP(w, req)
	}))
	tb.Cleanup(srv.Close)
	r.url = srv.URL + mountPath
	return r
}

func (r *receiver) requests() []seenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func newSender(tb testing.TB, target, secret string, opts ...api.ClientOption) *smshooktest.Sender {
	tb.Helper()
	s, err := smshooktest.NewSender(target, secret, opts...)
	require.NoError(tb, err)
	return s
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := smshooktest.Marshal(v)
	require.NoError(tb, err)
	return b
}

// example returns the body of the spec's example of event.
func example(tb testing.TB, event api.EventType) []byte {
	tb.Helper()
	examples, err := smshook.Examples()
	require.NoError(tb, err)
	for _, ex := range examples {
		if ex.Event == event {
			return ex.Body
		}
	}
	require.FailNow(tb, "openapi.yaml has no example", "event %s", event)
	return nil
}

// decodeInto decodes body into a new value of the type *like points to.
func decodeInto(tb testing.TB, body []byte, like any) any {
	tb.Helper()
	v := reflect.New(reflect.TypeOf(like).Elem()).Interface()
	require.NoError(tb, json.Unmarshal(body, v))
	return v
}

// appKeyOf and hookIDOf reach the fields the tests edit, whatever the envelope type.
func appKeyOf(tb testing.TB, v any) *string {
	tb.Helper()
	switch e := v.(type) {
	case *api.UnsubscribeEnvelope:
		return &e.AppKey
	case *api.MessageResultUpdateEnvelope:
		return &e.AppKey
	case *api.ConversionBlockEnvelope:
		return &e.AppKey
	case *api.InternationalDeliveryReceiptEnvelope:
		return &e.AppKey
	}
	require.FailNow(tb, "not an envelope", "%T", v)
	return nil
}

// ids returns the hooksId and the hookIds of an envelope, including the untyped *api.Envelope.
func ids(tb testing.TB, v any) (hooksID string, hookIDs []string) {
	tb.Helper()
	switch e := v.(type) {
	case *api.UnsubscribeEnvelope:
		for _, h := range e.Hooks {
			hookIDs = append(hookIDs, h.HookId)
		}
		return e.HooksId, hookIDs
	case *api.MessageResultUpdateEnvelope:
		for _, h := range e.Hooks {
			hookIDs = append(hookIDs, h.HookId)
		}
		return e.HooksId, hookIDs
	case *api.ConversionBlockEnvelope:
		for _, h := range e.Hooks {
			hookIDs = append(hookIDs, h.HookId)
		}
		return e.HooksId, hookIDs
	case *api.InternationalDeliveryReceiptEnvelope:
		for _, h := range e.Hooks {
			hookIDs = append(hookIDs, h.HookId)
		}
		return e.HooksId, hookIDs
	case *api.Envelope:
		for _, h := range e.Hooks {
			id, _ := h["hookId"].(string)
			hookIDs = append(hookIDs, id)
		}
		return e.HooksId, hookIDs
	}
	require.FailNow(tb, "not an envelope", "%T", v)
	return "", nil
}

// setIDs is the inverse of ids.
func setIDs(tb testing.TB, v any, hooksID string, hookIDs []string) {
	tb.Helper()
	switch e := v.(type) {
	case *api.UnsubscribeEnvelope:
		e.HooksId = hooksID
		for i := range e.Hooks {
			e.Hooks[i].HookId = hookIDs[i]
		}
	case *api.MessageResultUpdateEnvelope:
		e.HooksId = hooksID
		for i := range e.Hooks {
			e.Hooks[i].HookId = hookIDs[i]
		}
	case *api.ConversionBlockEnvelope:
		e.HooksId = hooksID
		for i := range e.Hooks {
			e.Hooks[i].HookId = hookIDs[i]
		}
	case *api.InternationalDeliveryReceiptEnvelope:
		e.HooksId = hooksID
		for i := range e.Hooks {
			e.Hooks[i].HookId = hookIDs[i]
		}
	case *api.Envelope:
		e.HooksId = hooksID
		for i := range e.Hooks {
			e.Hooks[i]["hookId"] = hookIDs[i]
		}
	default:
		require.FailNow(tb, "not an envelope", "%T", v)
	}
}

// adapt turns a builder into one whose edits see the envelope as any, so that one table covers all four.
func adapt[E any](build func(...func(*E)) *E) func(...func(any)) any {
	return func(edits ...func(any)) any {
		typed := make([]func(*E), len(edits))
		for i, edit := range edits {
			typed[i] = func(e *E) { edit(e) }
		}
		return build(typed...)
	}
}

type builderCase struct {
	name  string
	event api.EventType
	build func(...func(any)) any
}

var builderCases = []builderCase{
	{"Unsubscribe", api.EventTypeUnsubscribe, adapt(smshooktest.Unsubscribe)},
	{"MessageResultUpdate", api.EventTypeMessageResultUpdate, adapt(smshooktest.MessageResultUpdate)},
	{"ConversionBlock", api.EventTypeConversionBlock, adapt(smshooktest.ConversionBlock)},
	{"InternationalDeliveryReceipt", api.EventTypeInternationalDeliveryReceipt, adapt(smshooktest.InternationalDeliveryReceipt)},
}

func strictValidator(tb testing.TB) *validate.Validator {
	tb.Helper()
	v, err := validate.New()
	require.NoError(tb, err)
	require.Equal(tb, validate.Strict, v.Profile())
	return v
}

func TestBuildersReturnTheSpecExample(t *testing.T) {
	t.Parallel()
	v := strictValidator(t)
	for _, tc := range builderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.build()
			body := example(t, tc.event)

			want := decodeInto(t, body, got)
			require.Equal(t, want, got)

			// The validator's own binder reads the example to the same value.
			d, err := v.Body(body)
			require.NoError(t, err)
			require.Equal(t, got, d.Envelope)
		})
	}
}

func TestBuildersPassValidation(t *testing.T) {
	t.Parallel()
	v := strictValidator(t)
	for _, tc := range builderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.build()
			require.NoError(t, smshook.Validate(got))

			d, err := v.Body(mustMarshal(t, got))
			require.NoError(t, err)
			require.Equal(t, tc.event, d.Event)
			require.True(t, d.Known())
			require.Empty(t, d.Drift)
			require.Equal(t, got, d.Envelope)
		})
	}
}

func TestBuildersApplyEditsInOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range builderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls int
			got := tc.build(
				func(e any) { calls++; *appKeyOf(t, e) = "first" },
				func(e any) { calls++; *appKeyOf(t, e) += "+second" },
				func(e any) { calls++; *appKeyOf(t, e) += "+third" },
			)
			require.Equal(t, 3, calls)
			require.Equal(t, "first+second+third", *appKeyOf(t, got))

			// The edits see the example, not a zero value.
			var seen any
			tc.build(func(e any) { seen = decodeInto(t, mustMarshal(t, e), e) })
			require.Equal(t, tc.build(), seen)
		})
	}
}

func TestBuildersReturnIndependentValues(t *testing.T) {
	t.Parallel()
	for _, tc := range builderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pristine := decodeInto(t, example(t, tc.event), tc.build())
			_, pristineHookIDs := ids(t, pristine)

			first := tc.build(func(e any) { *appKeyOf(t, e) = "edited" })
			hooksID, hookIDs := ids(t, first)
			hookIDs[0] = "mutated-after-build"
			setIDs(t, first, hooksID+"-mutated", hookIDs)

			second := tc.build()
			require.NotSame(t, first, second)
			require.Equal(t, pristine, second)
			require.NotEqual(t, "edited", *appKeyOf(t, second))
			_, secondHookIDs := ids(t, second)
			require.Equal(t, pristineHookIDs, secondHookIDs)

			// And editing the second leaves the first as it was.
			*appKeyOf(t, second) = "second"
			require.Equal(t, "edited", *appKeyOf(t, first))
		})
	}
}

func TestMessageResultUpdateHookEditStaysValid(t *testing.T) {
	t.Parallel()
	failed, code := api.MessageStatusFailed, "3015"
	env := smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) {
		e.Hooks[0].MessageStatus = &failed
		e.Hooks[0].ResultCode = &code
	})
	require.Equal(t, api.MessageStatusFailed, *env.Hooks[0].MessageStatus)
	require.Equal(t, "3015", *env.Hooks[0].ResultCode)
	require.NoError(t, smshook.Validate(env))
	d, err := strictValidator(t).Body(mustMarshal(t, env))
	require.NoError(t, err)
	require.Equal(t, env, d.Envelope)
}

func TestEventsMatchTheSpecExamples(t *testing.T) {
	t.Parallel()
	examples, err := smshook.Examples()
	require.NoError(t, err)
	var want []api.EventType
	for _, ex := range examples {
		want = append(want, ex.Event)
	}
	events := smshooktest.Events()
	require.Equal(t, want, events)
	require.Len(t, events, 4)
	for _, e := range events {
		require.True(t, e.Valid(), "event %s", e)
	}
	// A copy: the caller may change it.
	events[0] = "CHANGED"
	require.Equal(t, want, smshooktest.Events())
}

func TestSample(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event api.EventType
		want  any
	}{
		{"unsubscribe", api.EventTypeUnsubscribe, smshooktest.Unsubscribe()},
		{"message result update", api.EventTypeMessageResultUpdate, smshooktest.MessageResultUpdate()},
		{"conversion block", api.EventTypeConversionBlock, smshooktest.ConversionBlock()},
		{"international delivery receipt", api.EventTypeInternationalDeliveryReceipt, smshooktest.InternationalDeliveryReceipt()},
	}
	require.Len(t, tests, len(smshooktest.Events()), "every event has a case")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, smshooktest.Events(), tc.event)
			got, err := smshooktest.Sample(tc.event)
			require.NoError(t, err)
			require.IsType(t, tc.want, got)
			require.Equal(t, tc.want, got)
			require.NotSame(t, tc.want, got)
		})
	}
}

func TestSampleOfEveryEvent(t *testing.T) {
	t.Parallel()
	v := strictValidator(t)
	for _, event := range smshooktest.Events() {
		t.Run(string(event), func(t *testing.T) {
			t.Parallel()
			got, err := smshooktest.Sample(event)
			require.NoError(t, err)
			d, err := v.Body(mustMarshal(t, got))
			require.NoError(t, err)
			require.Equal(t, event, d.Event)
			require.IsType(t, d.Envelope, got)
		})
	}
}

func TestSampleOfAnUnknownEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event api.EventType
	}{
		{"unknown", "DELIVERY_STARTED"},
		{"lower case of a known event", "unsubscribe"},
		{"empty", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := smshooktest.Sample(tc.event)
			require.Error(t, err)
			require.ErrorContains(t, err, `"`+string(tc.event)+`"`)
			require.Nil(t, got)
		})
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	id := smshooktest.NewID()
	require.Regexp(t, idPattern, id)
	require.Len(t, id, 25)

	ts, err := time.ParseInLocation("20060102150405", id[:14], api.Seoul())
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), ts, time.Minute, "the prefix is Korean local time")
	require.Len(t, id[14:], 11)
}

func TestNewIDIsUnique(t *testing.T) {
	t.Parallel()
	const n = 1000
	seen := make(map[string]bool, n)
	for range n {
		id := smshooktest.NewID()
		require.Regexp(t, idPattern, id)
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	require.Len(t, seen, n)
}

// multiHook appends copies of the first hook, with their own hookIds, so that an envelope carries three events.
func multiHook(e *api.MessageResultUpdateEnvelope) {
	for _, id := range []string{"20240429205809GcSUXthVA01", "20240429205809GcSUXthVA02"} {
		h := e.Hooks[0]
		h.HookId = id
		e.Hooks = append(e.Hooks, h)
	}
}

func TestFresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(tb testing.TB) any // each call returns a new, equal value
		hooks int
	}{
		{"unsubscribe", func(testing.TB) any { return smshooktest.Unsubscribe() }, 1},
		{"message result update", func(testing.TB) any { return smshooktest.MessageResultUpdate() }, 1},
		{"conversion block", func(testing.TB) any { return smshooktest.ConversionBlock() }, 1},
		{"international delivery receipt", func(testing.TB) any { return smshooktest.InternationalDeliveryReceipt() }, 1},
		{"message result update with three hooks", func(testing.TB) any { return smshooktest.MessageResultUpdate(multiHook) }, 3},
		{"untyped envelope with two hooks", func(tb testing.TB) any {
			tb.Helper()
			env := decodeInto(tb, example(tb, api.EventTypeConversionBlock), &api.Envelope{}).(*api.Envelope)
			second := map[string]any{"hookId": "20240429205809GcSUXthVA01", "countryCode": "82"}
			env.Hooks = append(env.Hooks, second)
			return env
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := tc.build(t)
			env := tc.build(t)
			oldHooksID, oldHookIDs := ids(t, env)
			require.Len(t, oldHookIDs, tc.hooks)

			got := smshooktest.Fresh(env)
			require.Same(t, env, got)

			hooksID, hookIDs := ids(t, env)
			require.Regexp(t, idPattern, hooksID)
			require.NotEqual(t, oldHooksID, hooksID)
			require.Len(t, hookIDs, tc.hooks)
			distinct := map[string]bool{hooksID: true}
			for i, id := range hookIDs {
				require.Regexp(t, idPattern, id, "hook %d", i)
				require.NotEqual(t, oldHookIDs[i], id, "hook %d", i)
				require.False(t, distinct[id], "hook %d reuses %s", i, id)
				distinct[id] = true
			}

			// Nothing else changed.
			setIDs(t, env, oldHooksID, oldHookIDs)
			require.Equal(t, before, env)

			// Each call gives new identifiers again.
			smshooktest.Fresh(env)
			againHooksID, againHookIDs := ids(t, env)
			require.NotEqual(t, hooksID, againHooksID)
			for i := range againHookIDs {
				require.NotEqual(t, hookIDs[i], againHookIDs[i], "hook %d", i)
			}
		})
	}
}

func TestFreshSampleStaysValid(t *testing.T) {
	t.Parallel()
	v := strictValidator(t)
	for _, event := range smshooktest.Events() {
		t.Run(string(event), func(t *testing.T) {
			t.Parallel()
			sample, err := smshooktest.Sample(event)
			require.NoError(t, err)
			env := smshooktest.Fresh(sample)
			require.NoError(t, smshook.Validate(env))
			_, err = v.Body(mustMarshal(t, env))
			require.NoError(t, err)
		})
	}
}

func TestFreshLeavesOtherValuesUnchanged(t *testing.T) {
	t.Parallel()
	body := example(t, api.EventTypeUnsubscribe)
	tests := []struct {
		name  string
		value func() any // each call returns a new, equal value
	}{
		{"bytes", func() any { return slices.Clone(body) }},
		{"raw message", func() any { return json.RawMessage(slices.Clone(body)) }},
		{"string", func() any { return string(body) }},
		{"nil", func() any { return nil }},
		{"envelope by value", func() any { return *smshooktest.Unsubscribe() }},
		{"nil envelope pointer", func() any { return (*api.UnsubscribeEnvelope)(nil) }},
		{"map", func() any { return map[string]any{"hooksId": "h1", "hooks": []any{map[string]any{"hookId": "e1"}}} }},
		{"pointer to a generated non-envelope type", func() any { return &api.Problem{Type: "urn:x", Title: "t", Status: 400} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got any
			require.NotPanics(t, func() { got = smshooktest.Fresh(tc.value()) })
			require.Equal(t, tc.value(), got)
		})
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	for _, event := range smshooktest.Events() {
		t.Run(string(event), func(t *testing.T) {
			t.Parallel()
			env, err := smshooktest.Sample(event)
			require.NoError(t, err)

			req, err := smshooktest.NewRequest(env, testSecret)
			require.NoError(t, err)
			require.Equal(t, http.MethodPost, req.Method)
			require.Equal(t, []string{smshooktest.ContentType}, req.Header.Values("Content-Type"))
			require.Equal(t, "application/json;charset=UTF-8", smshooktest.ContentType)
			require.Equal(t, []string{testSecret}, req.Header.Values(smshook.SignatureHeader))
			body, err := io.ReadAll(req.Body)
			require.NoError(t, err)
			require.Equal(t, mustMarshal(t, env), body)

			rec := &recorder{}
			req, err = smshooktest.NewRequest(env, testSecret)
			require.NoError(t, err)
			w := httptest.NewRecorder()
			newHandler(t, rec).ServeHTTP(w, req)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, []any{env}, rec.received())
		})
	}
}

// problemOf decodes the RFC 9457 problem of a recorded answer.
func problemOf(tb testing.TB, w *httptest.ResponseRecorder) api.Problem {
	tb.Helper()
	require.Equal(tb, "application/problem+json", w.Header().Get("Content-Type"))
	var p api.Problem
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &p))
	return p
}

func TestNewRequestSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		secret     string
		opts       []smshook.Option
		wantHeader []string
		wantStatus int
		wantType   string
	}{
		{"right secret", testSecret, nil, []string{testSecret}, http.StatusOK, ""},
		{"wrong secret", "a guess", nil, []string{"a guess"}, http.StatusUnauthorized, "signature-mismatch"},
		{"no secret to a signed receiver", "", nil, nil, http.StatusUnauthorized, "signature-missing"},
		{"no secret to an unsigned receiver", "", []smshook.Option{smshook.AllowUnsigned()}, nil, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := smshooktest.Unsubscribe()
			req, err := smshooktest.NewRequest(env, tc.secret)
			require.NoError(t, err)
			require.Equal(t, tc.wantHeader, req.Header.Values(smshook.SignatureHeader))
			if tc.wantHeader == nil {
				_, present := req.Header[http.CanonicalHeaderKey(smshook.SignatureHeader)]
				require.False(t, present, "no signature header at all")
			}

			rec := &recorder{}
			w := httptest.NewRecorder()
			newHandler(t, rec, tc.opts...).ServeHTTP(w, req)
			require.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			if tc.wantStatus != http.StatusOK {
				require.Equal(t, smshook.ProblemTypeBase+tc.wantType, problemOf(t, w).Type)
				require.Empty(t, rec.received())
				return
			}
			require.Equal(t, []any{env}, rec.received())
		})
	}
}

func TestNewRequestRawBodies(t *testing.T) {
	t.Parallel()
	valid := example(t, api.EventTypeConversionBlock)
	tests := []struct {
		name       string
		envelope   any
		want       []byte
		wantStatus int
	}{
		{"bytes", slices.Clone(valid), valid, http.StatusOK},
		{"raw message", json.RawMessage(slices.Clone(valid)), valid, http.StatusOK},
		// Not re-encoded: marshalling []byte would give a base64 string, and a RawMessage would be compacted.
		{"bytes that are not JSON", []byte("not json {"), []byte("not json {"), http.StatusBadRequest},
		{"raw message with spacing", json.RawMessage(" {\n\"a\" : 1 }\n"), []byte(" {\n\"a\" : 1 }\n"), http.StatusBadRequest},
		{"empty bytes", []byte{}, []byte{}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := smshooktest.Marshal(tc.envelope)
			require.NoError(t, err)
			require.Equal(t, tc.want, b)

			req, err := smshooktest.NewRequest(tc.envelope, testSecret)
			require.NoError(t, err)
			body, err := io.ReadAll(req.Body)
			require.NoError(t, err)
			require.Equal(t, tc.want, body)

			rec := &recorder{}
			req, err = smshooktest.NewRequest(tc.envelope, testSecret)
			require.NoError(t, err)
			w := httptest.NewRecorder()
			newHandler(t, rec).ServeHTTP(w, req)
			require.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			if tc.wantStatus == http.StatusOK {
				require.Equal(t, []any{smshooktest.ConversionBlock()}, rec.received())
			}
		})
	}
}

func TestUnmarshalableEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		envelope any
	}{
		{"channel", make(chan int)},
		{"function", func() {}},
		{"map holding a channel", map[string]any{"hooks": make(chan int)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var unsupported *json.UnsupportedTypeError

			b, err := smshooktest.Marshal(tc.envelope)
			require.ErrorAs(t, err, &unsupported)
			require.Nil(t, b)

			req, err := smshooktest.NewRequest(tc.envelope, testSecret)
			require.ErrorAs(t, err, &unsupported)
			require.Nil(t, req)

			r := startReceiver(t, &recorder{})
			resp, err := newSender(t, r.url, testSecret).Send(t.Context(), tc.envelope)
			require.ErrorAs(t, err, &unsupported)
			require.Nil(t, resp)
			require.Empty(t, r.requests(), "nothing was sent")
		})
	}
}

func TestNewSenderRejectsWhatIsNotAnHTTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
	}{
		{"empty", ""},
		{"ftp", "ftp://x"},
		{"not a url", "not a url"},
		{"no host", "http://"},
		{"no host with a path", "https:///webhooks/nhn"},
		{"relative path", "/webhooks/nhn"},
		{"unparsable", "http://[::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := smshooktest.NewSender(tc.target, testSecret)
			require.Error(t, err)
			require.Nil(t, s)
		})
	}
}

func TestNewSenderAcceptsHTTPURLs(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"http://127.0.0.1:8080", "https://example.com/webhooks/nhn?tenant=a", "http://[::1]:80/"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			s, err := smshooktest.NewSender(target, "")
			require.NoError(t, err)
			require.NotNil(t, s)
		})
	}
}

func TestSenderPostsToTheExactURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		wantQuery string
	}{
		{"mount path", "", ""},
		{"mount path with a query", "?tenant=a%2Fb&x=1", "tenant=a%2Fb&x=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startReceiver(t, &recorder{})
			env := smshooktest.Fresh(smshooktest.MessageResultUpdate())
			resp, err := newSender(t, r.url+tc.query, testSecret).Send(t.Context(), env)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
			require.Nil(t, smshooktest.Problem(resp))

			seen := r.requests()
			require.Len(t, seen, 1)
			got := seen[0]
			require.Equal(t, http.MethodPost, got.method)
			require.Equal(t, mountPath, got.path)
			require.Equal(t, tc.wantQuery, got.rawQuery)
			require.Equal(t, []string{"application/json;charset=UTF-8"}, got.header.Values("Content-Type"))
			require.Equal(t, []string{testSecret}, got.header.Values(smshook.SignatureHeader))
			require.Equal(t, mustMarshal(t, env), got.body)
			require.Equal(t, []any{env}, r.rec.received())
		})
	}
}

func TestSenderAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		secret      string
		envelope    any
		fail        error
		wantStatus  int
		wantType    string   // after smshook.ProblemTypeBase; "" when Problem is nil
		wantPointer []string // the pointers of Problem.Errors
	}{
		{
			name: "accepted", secret: testSecret, envelope: smshooktest.ConversionBlock(),
			wantStatus: http.StatusOK,
		},
		{
			name: "accepted as raw JSON", secret: testSecret,
			envelope:   json.RawMessage(example(t, api.EventTypeInternationalDeliveryReceipt)),
			wantStatus: http.StatusOK,
		},
		{
			name: "wrong secret", secret: "a guess", envelope: smshooktest.Unsubscribe(),
			wantStatus: http.StatusUnauthorized, wantType: "signature-mismatch",
		},
		{
			name: "no secret", secret: "", envelope: smshooktest.Unsubscribe(),
			wantStatus: http.StatusUnauthorized, wantType: "signature-missing",
		},
		{
			name: "empty hookId", secret: testSecret,
			envelope:   smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) { e.Hooks[0].HookId = "" }),
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks/0/hookId"},
		},
		{
			name: "no hooks", secret: testSecret,
			envelope:   smshooktest.Unsubscribe(func(e *api.UnsubscribeEnvelope) { e.Hooks = []api.UnsubscribeHook{} }),
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks"},
		},
		{
			name: "malformed", secret: testSecret, envelope: []byte(`{"hooksId":`),
			wantStatus: http.StatusBadRequest, wantType: "malformed-body",
		},
		{
			name: "application fails", secret: testSecret, envelope: smshooktest.Unsubscribe(),
			fail:       errors.New("database is down"),
			wantStatus: http.StatusInternalServerError, wantType: "server-error",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startReceiver(t, &recorder{fail: tc.fail})
			resp, err := newSender(t, r.url, tc.secret).Send(t.Context(), tc.envelope)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode(), string(resp.Body))
			require.Len(t, r.requests(), 1)
			require.Equal(t, mountPath, r.requests()[0].path)

			p := smshooktest.Problem(resp)
			if tc.wantType == "" {
				require.Nil(t, p)
				require.Len(t, r.rec.received(), 1)
				return
			}
			require.NotNil(t, p)
			require.Equal(t, smshook.ProblemTypeBase+tc.wantType, p.Type)
			require.Equal(t, tc.wantStatus, p.Status)
			require.Empty(t, r.rec.received())
			if tc.wantPointer == nil {
				return
			}
			require.NotNil(t, p.Errors)
			var pointers []string
			for _, e := range *p.Errors {
				pointers = append(pointers, e.Pointer)
				require.NotEmpty(t, e.Detail)
			}
			require.Equal(t, tc.wantPointer, pointers)
		})
	}
}

// countingDoer proves that NewSender's options reach the generated client.
type countingDoer struct {
	calls atomic.Int32
	next  api.HttpRequestDoer
}

func (d *countingDoer) Do(r *http.Request) (*http.Response, error) {
	d.calls.Add(1)
	return d.next.Do(r)
}

func TestSenderClientOptions(t *testing.T) {
	t.Parallel()
	r := startReceiver(t, &recorder{})
	doer := &countingDoer{next: http.DefaultClient}
	sender := newSender(t, r.url, testSecret, api.WithHTTPClient(doer))
	resp, err := sender.Send(t.Context(), smshooktest.Unsubscribe())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	require.Equal(t, int32(1), doer.calls.Load())
}

func TestSenderWithoutAnAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + mountPath
	srv.Close()
	resp, err := newSender(t, target, testSecret).Send(t.Context(), smshooktest.Unsubscribe())
	require.Error(t, err)
	require.Nil(t, resp)
}

func TestSenderHonoursTheContext(t *testing.T) {
	t.Parallel()
	r := startReceiver(t, &recorder{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	resp, err := newSender(t, r.url, testSecret).Send(ctx, smshooktest.Unsubscribe())
	require.ErrorIs(t, err, context.Canceled)
	require.Nil(t, resp)
	require.Empty(t, r.rec.received())
}

func TestSenderConcurrentSends(t *testing.T) {
	t.Parallel()
	const n = 8
	r := startReceiver(t, &recorder{})
	sender := newSender(t, r.url, testSecret)

	type result struct {
		status int
		err    error
	}
	results := make([]result, n)
	sent := make([]*api.MessageResultUpdateEnvelope, n)
	var wg sync.WaitGroup
	for i := range n {
		sent[i] = smshooktest.Fresh(smshooktest.MessageResultUpdate())
		wg.Go(func() {
			resp, err := sender.Send(t.Context(), sent[i])
			if err != nil {
				results[i] = result{err: err}
				return
			}
			results[i] = result{status: resp.StatusCode()}
		})
	}
	wg.Wait()

	for i, res := range results {
		require.NoError(t, res.err, "send %d", i)
		require.Equal(t, http.StatusOK, res.status, "send %d", i)
	}
	require.Len(t, r.requests(), n)
	for _, seen := range r.requests() {
		require.Equal(t, mountPath, seen.path)
		require.Equal(t, []string{testSecret}, seen.header.Values(smshook.SignatureHeader))
	}
	received := r.rec.received()
	require.Len(t, received, n)
	hooksIDs := map[string]bool{}
	for _, e := range received {
		hooksIDs[e.(*api.MessageResultUpdateEnvelope).HooksId] = true
	}
	for i, e := range sent {
		require.True(t, hooksIDs[e.HooksId], "send %d was received", i)
	}
	require.Len(t, hooksIDs, n, "every delivery has its own hooksId")
}

func TestProblemOfASuccess(t *testing.T) {
	t.Parallel()
	require.Nil(t, smshooktest.Problem(&api.ReceiveWebhookResponse{}))
	p := &api.Problem{Type: smshook.ProblemTypeBase + "timeout", Status: http.StatusServiceUnavailable}
	require.Same(t, p, smshooktest.Problem(&api.ReceiveWebhookResponse{ApplicationproblemJSON503: p}))
}
