package smshooktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/structcheck"
	"github.com/smshook/smshook/validate"
)

const (
	testSecret  = "s3cret-typed-in-the-console"
	contentType = "application/json;charset=UTF-8" // what NHN Cloud sends
	problemType = "urn:smshook:problem:"
)

// idPattern is the shape of NHN Cloud's hooksId and hookId: yyyyMMddHHmmss and 11 more characters.
var idPattern = regexp.MustCompile(`^[0-9]{14}[A-Za-z0-9]{11}$`)

// sampleCase is Sample for one kind, behind the interface so that one table covers them all.
type sampleCase struct {
	kind   api.Kind
	sample func() api.Webhook
}

var sampleCases = []sampleCase{
	{api.Kind{Product: "SMS", Event: api.EventTypeUnsubscribe}, func() api.Webhook { return smshooktest.Sample[*api.SMSUnsubscribeEnvelope]() }},
	{api.Kind{Product: "SMS", Event: api.EventTypeMessageResultUpdate}, func() api.Webhook {
		return smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	}},
	{api.Kind{Product: "SMS", Event: api.EventTypeConversionBlock}, func() api.Webhook { return smshooktest.Sample[*api.SMSConversionBlockEnvelope]() }},
	{api.Kind{Product: "SMS", Event: api.EventTypeInternationalDeliveryReceipt}, func() api.Webhook {
		return smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope]()
	}},
	{api.Kind{Product: "Email", Event: api.EventTypeUnsubscribe}, func() api.Webhook {
		return smshooktest.Sample[*api.EmailUnsubscribeEnvelope]()
	}},
	{api.Kind{Product: "Email", Event: api.EventTypeMessageResultUpdate}, func() api.Webhook {
		return smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope]()
	}},
	{api.Kind{Product: "KakaoTalk Bizmessage", Event: api.EventTypeMessageResultUpdate}, func() api.Webhook {
		return smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]()
	}},
	{api.Kind{Product: "KakaoTalk Bizmessage", Event: api.EventTypeTemplateStatusUpdate}, func() api.Webhook {
		return smshooktest.Sample[*api.KakaoTalkTemplateStatusUpdateEnvelope]()
	}},
}

// TestEveryKindHasASampleCase keeps the tables below complete: a new kind of the contract needs its case.
func TestEveryKindHasASampleCase(t *testing.T) {
	t.Parallel()
	var kinds []api.Kind
	for _, c := range sampleCases {
		kinds = append(kinds, c.kind)
	}
	require.Equal(t, api.Kinds(), kinds)
}

// newHandler returns smshook.NewHandler over h, logging nowhere, with opts (the test secret when none).
func newHandler(tb testing.TB, h smshook.Handler, opts ...smshook.Option) http.Handler {
	tb.Helper()
	if len(opts) == 0 {
		opts = []smshook.Option{smshook.WithSecrets(testSecret)}
	}
	handler, err := smshook.NewHandler(h, append([]smshook.Option{smshook.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	require.NoError(tb, err)
	return handler
}

// hookIDs returns the hookIds of w, in order.
func hookIDs(w api.Webhook) []string {
	ids := make([]string, w.HookCount())
	for i := range ids {
		ids[i] = w.HookID(i)
	}
	return ids
}

// documented returns openapi.yaml's example of kind.
func documented(tb testing.TB, kind api.Kind) api.Webhook {
	tb.Helper()
	w, ok := api.Sample(kind)
	require.True(tb, ok, "openapi.yaml has no example of %s", kind)
	return w
}

// mustMarshal returns v as JSON, as NewRequest sends it.
func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return b
}

// withoutIDs returns w as a JSON object without its hooksId and hookIds, for comparing deliveries whose ids
// differ.
func withoutIDs(tb testing.TB, w api.Webhook) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(mustMarshal(tb, w), &m))
	delete(m, "hooksId")
	for _, h := range m["hooks"].([]any) {
		delete(h.(map[string]any), "hookId")
	}
	return m
}

// problemOf decodes the RFC 9457 problem of a recorded answer.
func problemOf(tb testing.TB, w *httptest.ResponseRecorder) api.Problem {
	tb.Helper()
	require.Equal(tb, "application/problem+json", w.Header().Get("Content-Type"))
	var p api.Problem
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &p))
	return p
}

func TestSampleIsTheDocumentedDeliveryWithNewIDs(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			t.Parallel()
			doc, got := documented(t, c.kind), c.sample()
			require.IsType(t, doc, got)
			require.Equal(t, c.kind, got.Head().Kind())
			require.Equal(t, withoutIDs(t, doc), withoutIDs(t, got), "only the ids differ")

			require.Regexp(t, idPattern, got.Head().HooksID)
			require.NotEqual(t, doc.Head().HooksID, got.Head().HooksID)
			require.Equal(t, doc.HookCount(), got.HookCount())
			for i, id := range hookIDs(got) {
				require.Regexp(t, idPattern, id, "hook %d", i)
				require.NotEqual(t, doc.HookID(i), id, "hook %d", i)
				require.NotEqual(t, got.Head().HooksID, id, "hook %d", i)
			}
		})
	}
}

func TestSampleIsValid(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			t.Parallel()
			got := c.sample()
			for _, p := range []validate.Profile{validate.Strict, validate.Compatible} {
				w, drift, err := validate.Body(mustMarshal(t, got), p)
				require.NoError(t, err)
				require.Empty(t, drift)
				require.Equal(t, got, w, "the validator reads it back as it was")
			}
			require.NoError(t, structcheck.Validate(got))
		})
	}
}

func TestSampleIsNewOnEachCall(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			t.Parallel()
			a, b := c.sample(), c.sample()
			require.NotSame(t, a, b)
			require.NotEqual(t, a.Head().HooksID, b.Head().HooksID)
			ids := append(hookIDs(a), hookIDs(b)...)
			ids = append(ids, a.Head().HooksID, b.Head().HooksID)
			slices.Sort(ids)
			require.Len(t, slices.Compact(ids), 2*a.HookCount()+2, "every id is new")

			// Changing one leaves the others, and the next, as documented.
			before := withoutIDs(t, b)
			a.KeepHooks(func(int) bool { return false })
			require.Zero(t, a.HookCount())
			require.Equal(t, before, withoutIDs(t, b))
			require.Equal(t, before, withoutIDs(t, c.sample()))
		})
	}
}

func TestSampleSharesNoMemory(t *testing.T) {
	t.Parallel()
	a := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	*a.Hooks[0].ResultCode = "3015"
	*a.Hooks[0].MessageStatus = api.MessageStatusFailed
	*a.Hooks[0].Links.Self.Href = "changed"
	b := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	require.Equal(t, api.ResultCode("1000"), *b.Hooks[0].ResultCode)
	require.Equal(t, api.MessageStatusCompleted, *b.Hooks[0].MessageStatus)
	require.NotEqual(t, "changed", b.Hooks[0].SelfHref())
	require.Equal(t, documented(t, api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate}).(*api.SMSMessageResultUpdateEnvelope).Hooks[0].SelfHref(),
		b.Hooks[0].SelfHref())
}

func TestSampleOfTheUntypedEnvelopePanics(t *testing.T) {
	t.Parallel()
	require.PanicsWithValue(t, "smshooktest: openapi.yaml has no example of *api.Envelope", func() {
		smshooktest.Sample[*api.Envelope]()
	})
}

func TestSampleIDs(t *testing.T) {
	t.Parallel()
	const n = 1000
	seen := make(map[string]bool, 2*n)
	for range n {
		e := smshooktest.Sample[*api.SMSConversionBlockEnvelope]()
		for _, id := range []string{e.HooksID, e.Hooks[0].HookID} {
			require.Regexp(t, idPattern, id)
			require.False(t, seen[id], "duplicate %s", id)
			seen[id] = true
		}
	}
	require.Len(t, seen, 2*n)

	// The prefix is the Korean local time, as NHN Cloud writes it.
	id := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]().HooksID
	ts, err := time.ParseInLocation("20060102150405", id[:14], api.Seoul())
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), ts, time.Minute)
}

func TestSampleRedeliveryIsDeduplicated(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			t.Parallel()
			var rec smshooktest.Recorder
			h := newHandler(t, rec.Handler())
			s := c.sample()
			for i := range 3 {
				resp := smshooktest.Post(t, h, s, testSecret)
				require.Equal(t, http.StatusOK, resp.Code, "post %d: %s", i, resp.Body)
			}
			require.Equal(t, []api.Webhook{s}, rec.Webhooks(), "handed over once")

			// Another sample is another delivery of other events.
			other := c.sample()
			require.Equal(t, http.StatusOK, smshooktest.Post(t, h, other, testSecret).Code)
			require.Equal(t, []api.Webhook{s, other}, rec.Webhooks())
		})
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			t.Parallel()
			s := c.sample()
			r := smshooktest.NewRequest(t, s, testSecret)
			require.Equal(t, http.MethodPost, r.Method)
			require.Equal(t, "/", r.URL.Path)
			require.Equal(t, []string{contentType}, r.Header.Values("Content-Type"))
			require.Equal(t, []string{testSecret}, r.Header.Values(smshook.SignatureHeader))
			require.Equal(t, "X-Toast-Webhook-Signature", smshook.SignatureHeader)
			body, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			require.Equal(t, mustMarshal(t, s), body)
			require.Equal(t, int64(len(body)), r.ContentLength)

			var rec smshooktest.Recorder
			w := httptest.NewRecorder()
			newHandler(t, rec.Handler()).ServeHTTP(w, smshooktest.NewRequest(t, s, testSecret))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, []api.Webhook{s}, rec.Webhooks())
		})
	}
}

func TestNewRequestSecret(t *testing.T) {
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
		{"wrong secret", "a guess", nil, []string{"a guess"}, http.StatusUnauthorized, "secret-mismatch"},
		{"no secret to a receiver that requires one", "", nil, nil, http.StatusUnauthorized, "secret-missing"},
		{"no secret to a receiver that allows none", "", []smshook.Option{smshook.AllowNoSecret()}, nil, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
			r := smshooktest.NewRequest(t, s, tc.secret)
			require.Equal(t, tc.wantHeader, r.Header.Values(smshook.SignatureHeader))
			if tc.wantHeader == nil {
				_, present := r.Header[http.CanonicalHeaderKey(smshook.SignatureHeader)]
				require.False(t, present, "no secret header at all")
			}

			var rec smshooktest.Recorder
			w := httptest.NewRecorder()
			newHandler(t, rec.Handler(), tc.opts...).ServeHTTP(w, r)
			require.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			if tc.wantStatus != http.StatusOK {
				require.Equal(t, problemType+tc.wantType, problemOf(t, w).Type)
				require.Empty(t, rec.Webhooks())
				return
			}
			require.Equal(t, []api.Webhook{s}, rec.Webhooks())
		})
	}
}

func TestNewRequestSendsRawBodiesAsTheyAre(t *testing.T) {
	t.Parallel()
	doc := documented(t, api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeConversionBlock})
	// Indented, so that a body re-encoded on the way would differ.
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, mustMarshal(t, doc), "", "  "))
	valid := indented.Bytes()
	tests := []struct {
		name       string
		delivery   any
		want       []byte
		wantStatus int
	}{
		{"bytes", slices.Clone(valid), valid, http.StatusOK},
		{"raw message", json.RawMessage(slices.Clone(valid)), valid, http.StatusOK},
		// Not encoded: marshalling []byte would give a base64 string, and a RawMessage would be compacted.
		{"bytes that are not JSON", []byte("not json {"), []byte("not json {"), http.StatusBadRequest},
		{"raw message with spacing", json.RawMessage(" {\n\"a\" : 1 }\n"), []byte(" {\n\"a\" : 1 }\n"), http.StatusBadRequest},
		{"empty bytes", []byte{}, []byte{}, http.StatusBadRequest},
		{"nil bytes", []byte(nil), []byte{}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, err := io.ReadAll(smshooktest.NewRequest(t, tc.delivery, testSecret).Body)
			require.NoError(t, err)
			require.Equal(t, tc.want, body)

			var rec smshooktest.Recorder
			w := smshooktest.Post(t, newHandler(t, rec.Handler()), tc.delivery, testSecret)
			require.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			if tc.wantStatus != http.StatusOK {
				require.Empty(t, rec.Webhooks())
				return
			}
			require.Equal(t, []api.Webhook{doc}, rec.Webhooks())
		})
	}
}

// fatalTB is the testing.TB of a test whose helper must fail: it records Fatalf and ends the goroutine, as
// testing.T does. Its other methods are not used (the embedded TB is nil).
type fatalTB struct {
	testing.TB
	msg string
}

func (*fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatalOf runs f with a fatalTB and returns what it failed with, and whether f returned instead.
func fatalOf(f func(testing.TB)) (msg string, returned bool) {
	tb := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(tb)
		returned = true
	}()
	<-done
	return tb.msg, returned
}

func TestUnencodableDeliveryFailsTheTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		delivery any
	}{
		{"channel", make(chan int)},
		{"function", func() {}},
		{"map holding a channel", map[string]any{"hooks": make(chan int)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg, returned := fatalOf(func(tb testing.TB) { smshooktest.NewRequest(tb, tc.delivery, testSecret) })
			require.False(t, returned)
			require.Contains(t, msg, "smshooktest: the delivery does not encode")

			called := false
			h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
			msg, returned = fatalOf(func(tb testing.TB) { smshooktest.Post(tb, h, tc.delivery, testSecret) })
			require.False(t, returned)
			require.Contains(t, msg, "smshooktest: the delivery does not encode")
			require.False(t, called, "nothing was served")
		})
	}
}

func TestPostServesNewRequest(t *testing.T) {
	t.Parallel()
	s := smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope]()
	want := smshooktest.NewRequest(t, s, testSecret)
	wantBody, err := io.ReadAll(want.Body)
	require.NoError(t, err)

	var served int
	resp := smshooktest.Post(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		require.Equal(t, want.Method, r.Method)
		require.Equal(t, want.URL.String(), r.URL.String())
		require.Equal(t, want.Header, r.Header)
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		require.Equal(t, wantBody, body)
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "answer")
	}), s, testSecret)
	require.Equal(t, 1, served)
	require.Equal(t, http.StatusAccepted, resp.Code)
	require.Equal(t, "yes", resp.Header().Get("X-Answer"))
	require.Equal(t, "answer", resp.Body.String())
}

// TestAppKeyIsEverySamplesAppKey: a receiver pinned to smshooktest.AppKey takes every sample, and refuses a
// sample whose AppKey was changed.
func TestAppKeyIsEverySamplesAppKey(t *testing.T) {
	t.Parallel()
	h := newHandler(t, smshook.Handler{}, smshook.WithSecrets(testSecret), smshook.WithAppKeys("the-application's", smshooktest.AppKey))
	for _, c := range sampleCases {
		s := c.sample()
		require.Equal(t, smshooktest.AppKey, s.Head().AppKey, "%s", c.kind)
		resp := smshooktest.Post(t, h, s, testSecret)
		require.Equal(t, http.StatusOK, resp.Code, "%s: %s", c.kind, resp.Body)
	}
	other := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	other.AppKey = "someone-else"
	resp := smshooktest.Post(t, h, other, testSecret)
	require.Equal(t, http.StatusForbidden, resp.Code, resp.Body.String())
}

// TestPathReachesAMountedHandler posts through real routers that serve the receiver on one path only: without
// Path the request goes to "/" and misses it; with the router's path it is delivered; with another, it misses.
func TestPathReachesAMountedHandler(t *testing.T) {
	t.Parallel()
	const path = "/webhooks/nhn"
	routers := map[string]func(http.Handler) http.Handler{
		"net/http ServeMux": func(h http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("POST "+path, h)
			return mux
		},
		"chi": func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Post(path, h.ServeHTTP)
			return r
		},
	}
	for name, mount := range routers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var rec smshooktest.Recorder
			router := mount(newHandler(t, rec.Handler()))
			e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()

			resp := smshooktest.Post(t, router, e, testSecret)
			require.Equal(t, http.StatusNotFound, resp.Code, "the default path, /, is not the receiver's")
			resp = smshooktest.Post(t, router, e, testSecret, smshooktest.Path("/webhooks/other"))
			require.Equal(t, http.StatusNotFound, resp.Code)
			require.Empty(t, rec.Webhooks())

			resp = smshooktest.Post(t, router, e, testSecret, smshooktest.Path(path))
			require.Equal(t, http.StatusOK, resp.Code, resp.Body.String())
			require.Equal(t, []api.Webhook{e}, rec.Webhooks())
			resp = smshooktest.Post(t, router, e, "a guess", smshooktest.Path(path))
			require.Equal(t, http.StatusUnauthorized, resp.Code, "the receiver, not the router, answered")
		})
	}
}

func TestNewRequestPath(t *testing.T) {
	t.Parallel()
	e := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	require.Equal(t, "/", smshooktest.NewRequest(t, e, testSecret).URL.Path)
	r := smshooktest.NewRequest(t, e, testSecret, smshooktest.Path("/webhooks/nhn?source=console"))
	require.Equal(t, "/webhooks/nhn", r.URL.Path)
	require.Equal(t, "/webhooks/nhn?source=console", r.RequestURI)
	require.Equal(t, "console", r.URL.Query().Get("source"))
	require.Equal(t, "/b", smshooktest.NewRequest(t, e, testSecret, smshooktest.Path("/a"), smshooktest.Path("/b")).URL.Path, "the last Path wins")
}

func TestBadPathFailsTheTest(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", "webhooks/nhn", "http://example.com/webhooks", "/a b", "/a\nb", "/a%zz", "/a\x00"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			e := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
			msg, returned := fatalOf(func(tb testing.TB) { smshooktest.NewRequest(tb, e, testSecret, smshooktest.Path(path)) })
			require.False(t, returned)
			require.Contains(t, msg, "smshooktest: Path(")
			require.Contains(t, msg, "is not a path that starts with /")

			called := false
			h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
			_, returned = fatalOf(func(tb testing.TB) { smshooktest.Post(tb, h, e, testSecret, smshooktest.Path(path)) })
			require.False(t, returned)
			require.False(t, called, "nothing was served")
		})
	}
}

func TestPostAnswers(t *testing.T) {
	t.Parallel()
	noHooks := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	noHooks.Hooks = []api.SMSUnsubscribeHook{}
	noHookID := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	noHookID.Hooks[0].HookID = ""
	tests := []struct {
		name        string
		secret      string
		delivery    any
		fail        error
		wantStatus  int
		wantType    string   // after problemType; "" when the delivery is accepted
		wantPointer []string // the pointers of Problem.Errors
	}{
		{
			name: "accepted", secret: testSecret, delivery: smshooktest.Sample[*api.SMSConversionBlockEnvelope](),
			wantStatus: http.StatusOK,
		},
		{
			name: "accepted as raw JSON", secret: testSecret,
			delivery:   json.RawMessage(mustMarshal(t, documented(t, api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeInternationalDeliveryReceipt}))),
			wantStatus: http.StatusOK,
		},
		{
			name: "wrong secret", secret: "a guess", delivery: smshooktest.Sample[*api.SMSUnsubscribeEnvelope](),
			wantStatus: http.StatusUnauthorized, wantType: "secret-mismatch",
		},
		{
			name: "no secret", secret: "", delivery: smshooktest.Sample[*api.SMSUnsubscribeEnvelope](),
			wantStatus: http.StatusUnauthorized, wantType: "secret-missing",
		},
		{
			name: "empty hookId", secret: testSecret, delivery: noHookID,
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks/0/hookId"},
		},
		{
			name: "no hooks", secret: testSecret, delivery: noHooks,
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks"},
		},
		{
			name: "malformed", secret: testSecret, delivery: []byte(`{"hooksId":`),
			wantStatus: http.StatusBadRequest, wantType: "malformed-body",
		},
		{
			name: "application fails", secret: testSecret, delivery: smshooktest.Sample[*api.SMSUnsubscribeEnvelope](),
			fail:       errors.New("database is down"),
			wantStatus: http.StatusInternalServerError, wantType: "server-error",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec smshooktest.Recorder
			h := rec.Handler()
			if tc.fail != nil {
				h.Default = func(context.Context, api.Webhook) error { return tc.fail }
			}
			resp := smshooktest.Post(t, newHandler(t, h), tc.delivery, tc.secret)
			require.Equal(t, tc.wantStatus, resp.Code, resp.Body.String())
			if tc.wantType == "" {
				require.Empty(t, resp.Body.String())
				require.Len(t, rec.Webhooks(), 1)
				return
			}
			require.Empty(t, rec.Webhooks())
			p := problemOf(t, resp)
			require.Equal(t, problemType+tc.wantType, p.Type)
			require.Equal(t, tc.wantStatus, p.Status)
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

func TestRecorderZeroValueIsEmpty(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	require.Empty(t, rec.Webhooks())
	require.NotNil(t, rec.Handler().Default)
}

func TestRecorderRecordsInOrder(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())
	var sent []api.Webhook
	for range 2 {
		for _, c := range sampleCases {
			s := c.sample()
			require.Equal(t, http.StatusOK, smshooktest.Post(t, h, s, testSecret).Code)
			sent = append(sent, s)
		}
	}
	got := rec.Webhooks()
	require.Len(t, got, 2*len(sampleCases))
	for i := range sent {
		require.IsType(t, sent[i], got[i], "delivery %d is its event's typed envelope", i)
		require.Equal(t, sent[i], got[i], "delivery %d", i)
	}
}

func TestRecorderRecordsUnknownEvents(t *testing.T) {
	t.Parallel()
	m := withoutIDs(t, smshooktest.Sample[*api.SMSConversionBlockEnvelope]())
	m["event"], m["hooksId"] = "DELIVERY_STARTED", "20240528090000aBcDeFgHiJ0"
	m["hooks"].([]any)[0].(map[string]any)["hookId"] = "20240528090000Kd8sWq2mB10"
	body := mustMarshal(t, m)

	var rec smshooktest.Recorder
	require.Equal(t, http.StatusOK, smshooktest.Post(t, newHandler(t, rec.Handler()), body, testSecret).Code)
	got := rec.Webhooks()
	require.Len(t, got, 1)
	e, ok := got[0].(*api.Envelope)
	require.True(t, ok, "%T", got[0])
	require.Equal(t, api.EventType("DELIVERY_STARTED"), e.Event)
	require.Equal(t, []string{"20240528090000Kd8sWq2mB10"}, hookIDs(e))

	// Under the strict profile the receiver refuses it, and nothing is recorded.
	var strict smshooktest.Recorder
	h := newHandler(t, strict.Handler(), smshook.WithSecrets(testSecret), smshook.WithStrict())
	require.Equal(t, http.StatusBadRequest, smshooktest.Post(t, h, body, testSecret).Code)
	require.Empty(t, strict.Webhooks())
}

func TestRecorderWebhooksIsACopy(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())
	s := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	smshooktest.Post(t, h, s, testSecret)

	got := rec.Webhooks()
	got[0] = nil
	require.Equal(t, []api.Webhook{s}, rec.Webhooks())
}

func TestRecorderDropsRedeliveredHooks(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())
	first := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, first, testSecret).Code)

	// A new delivery that carries the processed event again, between two new ones.
	second := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	third := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	mixed := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	mixed.Hooks = []api.SMSMessageResultUpdateHook{second.Hooks[0], first.Hooks[0], third.Hooks[0]}
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, mixed, testSecret).Code)

	// And the first delivery again: acknowledged, nothing handed over.
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, first, testSecret).Code)

	got := rec.Webhooks()
	require.Len(t, got, 2)
	require.Equal(t, first, got[0])
	require.Equal(t, mixed.HooksID, got[1].Head().HooksID)
	require.Equal(t, []string{second.Hooks[0].HookID, third.Hooks[0].HookID}, hookIDs(got[1]))
	require.Equal(t, []api.SMSMessageResultUpdateHook{second.Hooks[0], third.Hooks[0]},
		got[1].(*api.SMSMessageResultUpdateEnvelope).Hooks)
}

func TestRecorderKeepsWhatItRecorded(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())
	first := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	want := mustMarshal(t, first)
	smshooktest.Post(t, h, first, testSecret)
	// The receiver reuses its parser's memory from one delivery to the next; what it handed over is not part
	// of it.
	for range 100 {
		other := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
		other.Hooks[0].ResultCode = new(api.ResultCode("3015"))
		other.Hooks[0].MessageStatus = new(api.MessageStatusFailed)
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, other, testSecret).Code)
	}
	got := rec.Webhooks()
	require.Len(t, got, 101)
	require.JSONEq(t, string(want), string(mustMarshal(t, got[0])))
}

func TestRecorderConcurrentUse(t *testing.T) {
	t.Parallel()
	const n = 32
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())

	sent := make([]api.Webhook, n)
	for i := range sent {
		sent[i] = sampleCases[i%len(sampleCases)].sample()
	}
	statuses := make([][2]int, n)
	stop := make(chan struct{})
	var readers, posters sync.WaitGroup
	readers.Go(func() { // reads while the deliveries are recorded
		for {
			select {
			case <-stop:
				return
			default:
				for _, w := range rec.Webhooks() {
					_ = w.Head()
				}
			}
		}
	})
	for i := range n {
		posters.Go(func() {
			// Each delivery twice: the redelivery is not recorded.
			for j := range 2 {
				statuses[i][j] = smshooktest.Post(t, h, sent[i], testSecret).Code
			}
		})
	}
	posters.Wait()
	close(stop)
	readers.Wait()

	for i, s := range statuses {
		require.Equal(t, [2]int{http.StatusOK, http.StatusOK}, s, "delivery %d", i)
	}
	got := rec.Webhooks()
	require.Len(t, got, n)
	byHooksID := make(map[string]api.Webhook, n)
	for _, w := range got {
		byHooksID[w.Head().HooksID] = w
	}
	require.Len(t, byHooksID, n, "each delivery once")
	for i, s := range sent {
		require.Equal(t, s, byHooksID[s.Head().HooksID], "delivery %d", i)
	}
}
