package smshook_test

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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/validate"
)

const (
	testSecret    = "s3cret-signature-typed-in-the-console"
	rotatedSecret = "the-next-signature"
)

// recorder is an EventHandler that keeps what it receives and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []any
	fail   func(ctx context.Context) error
}

func (r *recorder) record(ctx context.Context, e any) error {
	if r.fail != nil {
		if err := r.fail(ctx); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) received() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.events...)
}

func (r *recorder) OnUnsubscribe(ctx context.Context, e *api.UnsubscribeEnvelope) error {
	return r.record(ctx, e)
}

func (r *recorder) OnMessageResultUpdate(ctx context.Context, e *api.MessageResultUpdateEnvelope) error {
	return r.record(ctx, e)
}

func (r *recorder) OnConversionBlock(ctx context.Context, e *api.ConversionBlockEnvelope) error {
	return r.record(ctx, e)
}

func (r *recorder) OnInternationalDeliveryReceipt(ctx context.Context, e *api.InternationalDeliveryReceiptEnvelope) error {
	return r.record(ctx, e)
}

var _ smshook.EventHandler = (*recorder)(nil)

// logSink collects every log line of the test run, to prove that none carries a secret or a phone number.
var logSink = &syncbuf.Buffer{}

func newHandler(tb testing.TB, h smshook.EventHandler, opts ...smshook.Option) http.Handler {
	tb.Helper()
	logger := slog.New(slog.NewJSONHandler(logSink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []smshook.Option{smshook.WithSecrets(testSecret), smshook.WithLogger(logger)}
	handler, err := smshook.NewHandler(h, append(base, opts...)...)
	require.NoError(tb, err)
	return handler
}

func vendorFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vendor", name))
	require.NoError(tb, err)
	return b
}

// post sends body signed with testSecret as NHN Cloud does.
func post(tb testing.TB, h http.Handler, body []byte, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hooks/nhn", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	r.Header.Set(smshook.SignatureHeader, testSecret)
	for _, e := range edit {
		e(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func problemOf(tb testing.TB, w *httptest.ResponseRecorder) api.Problem {
	tb.Helper()
	require.Equal(tb, "application/problem+json", w.Header().Get("Content-Type"))
	var p api.Problem
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(tb, w.Code, p.Status)
	require.Equal(tb, http.StatusText(w.Code), p.Title)
	require.True(tb, strings.HasPrefix(p.Type, smshook.ProblemTypeBase), p.Type)
	require.NotNil(tb, p.Detail)
	return p
}

func pointers(p api.Problem) []string {
	var out []string
	if p.Errors != nil {
		for _, e := range *p.Errors {
			out = append(out, e.Pointer)
		}
	}
	return out
}

func TestEachVendorEventReachesItsTypedMethod(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	i64 := func(i int64) *int64 { return &i }
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return &v
	}
	local := func(s string) *api.LocalDateTime {
		v, err := api.ParseLocalDateTime(s)
		require.NoError(t, err)
		return &v
	}
	status := api.MessageStatusCompleted
	href := "https://api-sms.cloud.toast.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1"
	envelope := func(event api.EventType) (string, string, string, string, api.EventType) {
		return "akb3dukdmdjsdSvgk", "202007271010101010sadasdavas", "SMS", "String", event
	}
	tests := []struct {
		file string
		want any
	}{
		{"unsubscribe.json", func() any {
			e := &api.UnsubscribeEnvelope{Hooks: []api.UnsubscribeHook{{
				HookId: "202007271010101010sadasdavas", RecipientNo: "01012341234", UnsubscribeNo: str("08012341234"),
				EnterpriseName: str("NHN Cloud"), CreatedDateTime: at("2020-09-09T11:25:10.000+09:00"),
			}}}
			e.AppKey, e.HooksId, e.ProductName, e.WebhookConfigId, e.Event = envelope(api.EventTypeUnsubscribe)
			return e
		}()},
		{"message-result-update.json", func() any {
			e := &api.MessageResultUpdateEnvelope{Hooks: []api.MessageResultUpdateHook{{
				HookId: "20240429205809GcSUXthVA00", SenderType: str("NORMAL_SMS"), RequestId: "20240429205802y0Tl7Gbz0e0",
				RecipientSeq: 1, RequestDate: local("2024-04-29T20:58:02"), ReceiveDate: local("2024-04-29T20:58:04"),
				SendNo: str("15446859"), RecipientNo: str("01012341234"), MessageStatus: &status,
				SenderGroupingKey: str("SenderGroupingKey"), ResultCode: str("1000"), MessageCount: i64(1),
				UnderscoreLink: &api.MessageLinks{Self: &api.MessageLink{Href: &href}},
			}}}
			e.AppKey, e.HooksId, e.ProductName, e.WebhookConfigId, e.Event = envelope(api.EventTypeMessageResultUpdate)
			return e
		}()},
		{"conversion-block.json", func() any {
			e := &api.ConversionBlockEnvelope{Hooks: []api.ConversionBlockHook{{
				HookId: "20240429205809GcSUXthVA00", CountryCode: "1", BlockedDateTime: at("2024-05-28T09:00:00.000+09:00"),
			}}}
			e.AppKey, e.HooksId, e.ProductName, e.WebhookConfigId, e.Event = envelope(api.EventTypeConversionBlock)
			return e
		}()},
		{"international-delivery-receipt.json", func() any {
			e := &api.InternationalDeliveryReceiptEnvelope{Hooks: []api.InternationalDeliveryReceiptHook{{
				HookId: "202409251600118GSDDYTwzX0", RequestId: "20240925160005UvxdDrJ4g20", RecipientSeq: 1,
				DlrStatus: api.DlrStatusAccepted, NetworkCode: str("US-VIRTUAL-BANDWIDTH"), ErrorCode: str("0"),
			}}}
			e.AppKey, e.HooksId, e.ProductName, e.WebhookConfigId, e.Event = envelope(api.EventTypeInternationalDeliveryReceipt)
			return e
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			w := post(t, newHandler(t, rec), vendorFixture(t, tt.file))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			got := rec.received()
			require.Len(t, got, 1)
			require.Equal(t, tt.want, got[0])
			require.NoError(t, smshook.Validate(got[0]))
		})
	}
}

func TestMessageResultUpdateTypedValues(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	w := post(t, newHandler(t, rec), vendorFixture(t, "message-result-update.json"))
	require.Equal(t, http.StatusOK, w.Code)
	e := rec.received()[0].(*api.MessageResultUpdateEnvelope)
	h := e.Hooks[0]
	require.Equal(t, time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC), h.RequestDate.Time().UTC())
	require.Equal(t, api.Seoul(), h.RequestDate.Time().Location())
	require.Equal(t, "https://api-sms.cloud.toast.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1", h.SelfHref())
}

// TestStatusCodes is the README's status-code table, row by row.
func TestStatusCodes(t *testing.T) {
	t.Parallel()
	valid := vendorFixture(t, "unsubscribe.json")
	failing := func(err error) *recorder {
		return &recorder{fail: func(context.Context) error { return err }}
	}
	tests := []struct {
		name       string
		handler    smshook.EventHandler
		opts       []smshook.Option
		method     string
		body       []byte
		edit       func(*http.Request)
		wantStatus int
		wantType   string
		wantErr    error
		wantPtrs   []string
		dispatched int
	}{
		{name: "signed documented event", body: valid, wantStatus: 200, dispatched: 1},
		{name: "charset parameter in any case", body: valid, edit: header("Content-Type", "application/json; charset=utf-8"), wantStatus: 200, dispatched: 1},
		{name: "rotated secret", opts: []smshook.Option{smshook.WithSecrets(rotatedSecret)}, body: valid, edit: header(smshook.SignatureHeader, rotatedSecret), wantStatus: 200, dispatched: 1},
		{name: "old secret during rotation", opts: []smshook.Option{smshook.WithSecrets(rotatedSecret)}, body: valid, wantStatus: 200, dispatched: 1},
		{name: "GET", method: http.MethodGet, wantStatus: 405, wantType: "method-not-allowed", wantErr: smshook.ErrMethodNotAllowed},
		{name: "PUT", method: http.MethodPut, body: valid, wantStatus: 405, wantType: "method-not-allowed", wantErr: smshook.ErrMethodNotAllowed},
		{name: "missing signature", body: valid, edit: delHeader(smshook.SignatureHeader), wantStatus: 401, wantType: "signature-missing", wantErr: smshook.ErrSignatureMissing},
		{name: "empty signature", body: valid, edit: header(smshook.SignatureHeader, ""), wantStatus: 401, wantType: "signature-missing", wantErr: smshook.ErrSignatureMissing},
		{name: "repeated signature", body: valid, edit: addHeader(smshook.SignatureHeader, testSecret), wantStatus: 401, wantType: "signature-missing", wantErr: smshook.ErrSignatureMissing},
		{name: "wrong signature", body: valid, edit: header(smshook.SignatureHeader, "guess"), wantStatus: 401, wantType: "signature-mismatch", wantErr: smshook.ErrSignatureMismatch},
		{name: "secret as a prefix", body: valid, edit: header(smshook.SignatureHeader, testSecret[:10]), wantStatus: 401, wantType: "signature-mismatch", wantErr: smshook.ErrSignatureMismatch},
		{name: "curl example's content type as signature", body: valid, edit: header(smshook.SignatureHeader, "application/json;charset=UTF-8"), wantStatus: 401, wantType: "signature-mismatch", wantErr: smshook.ErrSignatureMismatch},
		{name: "wrong signature and wrong content type", body: valid, edit: both(header(smshook.SignatureHeader, "x"), header("Content-Type", "text/plain")), wantStatus: 401, wantType: "signature-mismatch", wantErr: smshook.ErrSignatureMismatch},
		{name: "text/plain", body: valid, edit: header("Content-Type", "text/plain"), wantStatus: 415, wantType: "unsupported-media-type", wantErr: validate.ErrUnsupportedMediaType},
		{name: "no content type", body: valid, edit: delHeader("Content-Type"), wantStatus: 415, wantType: "unsupported-media-type", wantErr: validate.ErrUnsupportedMediaType},
		{name: "form", body: valid, edit: header("Content-Type", "application/x-www-form-urlencoded"), wantStatus: 415, wantType: "unsupported-media-type", wantErr: validate.ErrUnsupportedMediaType},
		{name: "over the limit by Content-Length", opts: []smshook.Option{smshook.WithMaxBodyBytes(64)}, body: valid, wantStatus: 413, wantType: "body-too-large", wantErr: validate.ErrBodyTooLarge},
		{name: "over the limit without Content-Length", opts: []smshook.Option{smshook.WithMaxBodyBytes(64)}, body: valid, edit: unknownLength, wantStatus: 413, wantType: "body-too-large", wantErr: validate.ErrBodyTooLarge},
		{name: "exactly the limit", opts: []smshook.Option{smshook.WithMaxBodyBytes(int64(len(valid)))}, body: valid, wantStatus: 200, dispatched: 1},
		{name: "published example with trailing comma", body: vendorFixture(t, "message-result-update.published.json"), wantStatus: 400, wantType: "malformed-body", wantErr: validate.ErrMalformed, wantPtrs: []string{"/hooks/0"}},
		{name: "empty body", body: []byte{}, wantStatus: 400, wantType: "malformed-body", wantErr: validate.ErrMalformed, wantPtrs: []string{""}},
		{name: "missing required fields", body: []byte(`{"hooksId":"a","webhookConfigId":"b","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[{"hookId":"h"},{"recipientNo":"01012345678"}]}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/recipientNo", "/hooks/1/hookId"}},
		{name: "integer written as 1.0", body: bytes.Replace(vendorFixture(t, "message-result-update.json"), []byte(`"recipientSeq": 1,`), []byte(`"recipientSeq": 1.0,`), 1), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/recipientSeq"}},
		{name: "unknown enum value is drift by default", body: bytes.Replace(vendorFixture(t, "message-result-update.json"), []byte(`"COMPLETED"`), []byte(`"NEW_STATUS"`), 1), wantStatus: 200, dispatched: 1},
		{name: "unknown enum value under strict", opts: []smshook.Option{smshook.WithStrict()}, body: bytes.Replace(vendorFixture(t, "message-result-update.json"), []byte(`"COMPLETED"`), []byte(`"NEW_STATUS"`), 1), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/messageStatus"}},
		{name: "unknown event under strict", opts: []smshook.Option{smshook.WithStrict()}, body: unknownEvent, wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/event"}},
		{name: "verification request", body: []byte(`{"hooksId":"String","webhookConfigId":"String","productName":"String","appKey":"String","event":"String","hooks":[]}`), wantStatus: 200},
		{name: "verification request, valid body", body: bytes.Replace(valid, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"String"`), 1), wantStatus: 200},
		{name: "verification rule reads appKey exactly", body: []byte(`{"AppKey":"String"}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooksId", "/webhookConfigId", "/productName", "/appKey", "/event", "/hooks"}},
		{name: "verification rule reads appKey exactly, strict", opts: []smshook.Option{smshook.WithStrict()}, body: []byte(`{"AppKey":"String"}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooksId", "/webhookConfigId", "/productName", "/appKey", "/event", "/hooks"}},
		{name: "verification request without signature", body: []byte(`{"appKey":"String"}`), edit: delHeader(smshook.SignatureHeader), wantStatus: 401, wantType: "signature-missing", wantErr: smshook.ErrSignatureMissing},
		{name: "handler error", handler: failing(errors.New("database down")), body: valid, wantStatus: 500, wantType: "server-error"},
		{name: "handler panic", handler: &recorder{fail: func(context.Context) error { panic("boom") }}, body: valid, wantStatus: 500, wantType: "server-error"},
		{name: "handler past the timeout", opts: []smshook.Option{smshook.WithTimeout(time.Millisecond)}, handler: &recorder{fail: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}}, body: valid, wantStatus: 503, wantType: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, ok := tt.handler.(*recorder)
			if !ok {
				rec = &recorder{}
			}
			var rejections []*smshook.Rejection
			var mu sync.Mutex
			opts := append([]smshook.Option{smshook.OnRejected(func(_ context.Context, r *smshook.Rejection) {
				mu.Lock()
				defer mu.Unlock()
				rejections = append(rejections, r)
			})}, tt.opts...)
			h := newHandler(t, rec, opts...)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			w := post(t, h, tt.body, func(r *http.Request) { r.Method = method }, orNothing(tt.edit))
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			require.Len(t, rec.received(), tt.dispatched)
			if tt.wantStatus == http.StatusMethodNotAllowed {
				require.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			}
			if tt.wantType == "" {
				require.Empty(t, rejections)
				return
			}
			p := problemOf(t, w)
			require.Equal(t, smshook.ProblemTypeBase+tt.wantType, p.Type)
			require.Equal(t, tt.wantPtrs, pointers(p))
			if tt.wantErr == nil { // 5xx: the application's failure, not a rejection
				require.Empty(t, rejections)
				require.NotContains(t, w.Body.String(), "database down")
				return
			}
			require.Len(t, rejections, 1)
			require.Equal(t, tt.wantStatus, rejections[0].Status)
			require.ErrorIs(t, rejections[0].Err, tt.wantErr)
			if tt.wantStatus == http.StatusBadRequest {
				require.Equal(t, tt.body, rejections[0].Body)
			} else {
				require.Nil(t, rejections[0].Body)
			}
		})
	}
}

var unknownEvent = []byte(`{"hooksId":"h1","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"RCS_RESULT_UPDATE","hooks":[{"hookId":"x","novelty":true}]}`)

func header(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
func addHeader(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Add(k, v) }
}
func delHeader(k string) func(*http.Request) { return func(r *http.Request) { r.Header.Del(k) } }
func both(a, b func(*http.Request)) func(*http.Request) {
	return func(r *http.Request) { a(r); b(r) }
}
func orNothing(f func(*http.Request)) func(*http.Request) {
	if f == nil {
		return func(*http.Request) {}
	}
	return f
}
func unknownLength(r *http.Request) {
	r.ContentLength = -1
	r.Body = io.NopCloser(r.Body)
}

// failReader fails the test if anything reads it: the signature is checked before the body.
type failReader struct{ t *testing.T }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("the body was read before the signature was checked")
	return 0, io.EOF
}

func TestBadSignatureReadsNoBody(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec)
	r := httptest.NewRequest(http.MethodPost, "/", failReader{t})
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(smshook.SignatureHeader, "wrong")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestUnknownEventIsHandedRaw(t *testing.T) {
	t.Parallel()
	var got *api.Envelope
	var raw []byte
	rec := &recorder{}
	h := newHandler(t, rec, smshook.OnUnknownEvent(func(_ context.Context, e *api.Envelope, body []byte) error {
		got, raw = e, append([]byte(nil), body...)
		return nil
	}))
	w := post(t, h, unknownEvent)
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, rec.received())
	require.Equal(t, unknownEvent, raw)
	require.Equal(t, api.EventType("RCS_RESULT_UPDATE"), got.Event)
	require.Equal(t, []map[string]any{{"hookId": "x", "novelty": true}}, got.Hooks)

	failing := newHandler(t, rec, smshook.OnUnknownEvent(func(context.Context, *api.Envelope, []byte) error {
		return errors.New("queue full")
	}))
	require.Equal(t, http.StatusInternalServerError, post(t, failing, unknownEvent).Code)
}

func TestVerificationRequestIsNotDispatched(t *testing.T) {
	t.Parallel()
	var unknown int
	rec := &recorder{}
	h := newHandler(t, rec, smshook.OnUnknownEvent(func(context.Context, *api.Envelope, []byte) error {
		unknown++
		return nil
	}))
	probe := []byte(`{"hooksId":"String","webhookConfigId":"String","productName":"String","appKey":"String","event":"String","hooks":[{}]}`)
	require.Equal(t, http.StatusOK, post(t, h, probe).Code)
	require.Empty(t, rec.received())
	require.Zero(t, unknown)
}

func TestSecretIsRequired(t *testing.T) {
	t.Parallel()
	_, err := smshook.NewHandler(&recorder{})
	require.ErrorIs(t, err, smshook.ErrNoSecret)
	_, err = smshook.NewHandler(&recorder{}, smshook.WithSecrets(""))
	require.ErrorIs(t, err, smshook.ErrNoSecret)

	rec := &recorder{}
	unsigned, err := smshook.NewHandler(rec, smshook.AllowUnsigned())
	require.NoError(t, err)
	w := post(t, unsigned, vendorFixture(t, "unsubscribe.json"), delHeader(smshook.SignatureHeader))
	require.Equal(t, http.StatusOK, w.Code)
	require.Len(t, rec.received(), 1)
}

// TestEitherSignatureHeader: the secret may come in either header name; every one present must match.
func TestEitherSignatureHeader(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, smshook.WithoutDeduplication())
	body := vendorFixture(t, "unsubscribe.json")
	only := func(name, value string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Del(smshook.SignatureHeader)
			r.Header.Set(name, value)
		}
	}
	for _, tt := range []struct {
		name   string
		edit   func(*http.Request)
		status int
		typ    string
	}{
		{"X-Nhn-Webhook-Signature alone", only(smshook.NHNSignatureHeader, testSecret), http.StatusOK, ""},
		{"both, both right", func(r *http.Request) { r.Header.Set(smshook.NHNSignatureHeader, testSecret) }, http.StatusOK, ""},
		{"both, the second wrong", func(r *http.Request) { r.Header.Set(smshook.NHNSignatureHeader, "a guess") }, http.StatusUnauthorized, "signature-mismatch"},
		{"both, the first wrong", func(r *http.Request) {
			r.Header.Set(smshook.SignatureHeader, "a guess")
			r.Header.Set(smshook.NHNSignatureHeader, testSecret)
		}, http.StatusUnauthorized, "signature-mismatch"},
		{"X-Nhn-Webhook-Signature alone, wrong", only(smshook.NHNSignatureHeader, "a guess"), http.StatusUnauthorized, "signature-mismatch"},
		{"X-Nhn-Webhook-Signature alone, empty", only(smshook.NHNSignatureHeader, ""), http.StatusUnauthorized, "signature-missing"},
		{"X-Nhn-Webhook-Signature repeated", func(r *http.Request) {
			r.Header.Del(smshook.SignatureHeader)
			r.Header.Add(smshook.NHNSignatureHeader, testSecret)
			r.Header.Add(smshook.NHNSignatureHeader, testSecret)
		}, http.StatusUnauthorized, "signature-missing"},
		{"neither", delHeader(smshook.SignatureHeader), http.StatusUnauthorized, "signature-missing"},
	} {
		w := post(t, h, body, tt.edit)
		require.Equal(t, tt.status, w.Code, tt.name)
		if tt.typ != "" {
			require.Equal(t, smshook.ProblemTypeBase+tt.typ, problemOf(t, w).Type, tt.name)
		}
	}
	require.Len(t, rec.received(), 2)
}

func TestWithAppKeysRefusesOtherServices(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var rejected []int
	h := newHandler(t, rec, smshook.WithAppKeys("akb3dukdmdjsdSvgk", "other"), smshook.OnRejected(func(_ context.Context, r *smshook.Rejection) {
		rejected = append(rejected, r.Status)
	}))
	body := vendorFixture(t, "message-result-update.json")
	require.Contains(t, string(body), `"akb3dukdmdjsdSvgk"`)
	require.Equal(t, http.StatusOK, post(t, h, body).Code)
	w := post(t, h, bytes.Replace(body, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"someone-else"`), 1))
	require.Equal(t, http.StatusForbidden, w.Code)
	p := problemOf(t, w)
	require.Equal(t, smshook.ProblemTypeBase+"app-key-not-allowed", p.Type)
	require.Equal(t, []string{"/appKey"}, pointers(p))
	require.Equal(t, []int{http.StatusForbidden}, rejected)
	require.Equal(t, http.StatusOK, post(t, h, bytes.Replace(body, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"String"`), 1)).Code,
		"the console's verification request is not an appKey to pin")
	require.Len(t, rec.received(), 1)
}

// TestAllowUnsignedStillChecksAPresentSignature: with secrets given, AllowUnsigned admits requests without
// a signature; it does not make a wrong one right.
func TestAllowUnsignedStillChecksAPresentSignature(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, smshook.AllowUnsigned(), smshook.WithoutDeduplication())
	body := vendorFixture(t, "unsubscribe.json")
	for _, tt := range []struct {
		name   string
		edit   func(*http.Request)
		status int
	}{
		{"the right signature", func(*http.Request) {}, http.StatusOK},
		{"no signature", delHeader(smshook.SignatureHeader), http.StatusOK},
		{"an empty signature", func(r *http.Request) { r.Header.Set(smshook.SignatureHeader, "") }, http.StatusOK},
		{"a wrong signature", func(r *http.Request) { r.Header.Set(smshook.SignatureHeader, "a guess") }, http.StatusUnauthorized},
		{"two signatures", func(r *http.Request) { r.Header.Add(smshook.SignatureHeader, testSecret) }, http.StatusUnauthorized},
	} {
		require.Equal(t, tt.status, post(t, h, body, tt.edit).Code, tt.name)
	}
	require.Len(t, rec.received(), 3)
}

// TestPanicIsLoggedWithItsStack: an operator sees where the application panicked, marked as a panic, and not
// the panic's value, which may carry payload values.
func TestPanicIsLoggedWithItsStack(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	h, err := smshook.NewHandler(&recorder{fail: func(context.Context) error { panic("recipient 01012345678 broke it") }},
		smshook.WithSecrets(testSecret), smshook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	require.NoError(t, err)
	w := post(t, h, vendorFixture(t, "message-result-update.json"))
	require.Equal(t, http.StatusInternalServerError, w.Code)
	var line struct {
		Msg       string `json:"msg"`
		Panic     bool   `json:"panic"`
		PanicType string `json:"panicType"`
		Stack     string `json:"stack"`
	}
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, `"panic":true`) {
			require.NoError(t, json.Unmarshal([]byte(l), &line))
		}
	}
	require.True(t, line.Panic, "no log line marks the panic: %s", logs.String())
	require.Equal(t, "string", line.PanicType)
	require.Contains(t, line.Stack, "TestPanicIsLoggedWithItsStack", "the stack reaches the application's frame")
	require.NotContains(t, logs.String(), "01012345678")
	require.NotContains(t, w.Body.String(), "01012345678")
}

// strictServer implements the generated strict server interface.
type strictServer struct {
	got  chan any
	resp api.ReceiveWebhookResponseObject
}

var _ api.StrictServerInterface = (*strictServer)(nil)

func (s *strictServer) ReceiveWebhook(_ context.Context, req api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
	v, err := (*req.Body).ValueByDiscriminator()
	if err != nil {
		return nil, err
	}
	s.got <- v
	return s.resp, nil
}

func TestStrictServerInterface(t *testing.T) {
	t.Parallel()
	detail, retryAfter := "try later", 30
	tests := []struct {
		name       string
		resp       api.ReceiveWebhookResponseObject
		wantStatus int
	}{
		{"200", api.ReceiveWebhook200Response{}, http.StatusOK},
		{"nil response", nil, http.StatusOK},
		{"own 503", api.ReceiveWebhook503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse: api.ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    api.Problem{Type: "about:blank", Title: "Service Unavailable", Status: 503, Detail: &detail},
			Headers: api.ServiceUnavailableResponseHeaders{RetryAfter: &retryAfter},
		}}, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &strictServer{got: make(chan any, 1), resp: tt.resp}
			h, err := smshook.NewStrictHandler(s, smshook.WithSecrets(testSecret))
			require.NoError(t, err)
			w := post(t, h, vendorFixture(t, "conversion-block.json"))
			require.Equal(t, tt.wantStatus, w.Code)
			got := (<-s.got).(api.ConversionBlockEnvelope)
			require.Equal(t, "1", got.Hooks[0].CountryCode)
		})
	}
}

// leakedValues are the secrets and phone numbers of the fixtures: no answer and no log line may carry one.
var leakedValues = []string{testSecret, rotatedSecret, "01012341234", "15446859", "08012341234"}

// TestMain scans the log of the whole package run once every test has finished.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, v := range leakedValues {
		if strings.Contains(logSink.String(), v) {
			fmt.Fprintf(os.Stderr, "FAIL: a log line of the test run carries a secret or a phone number (%d bytes of logs)\n", len(logSink.String()))
			code = 1
		}
	}
	if leakTestRan.Load() && logSink.String() == "" {
		fmt.Fprintln(os.Stderr, "FAIL: the test run logged nothing, so the leak scan proved nothing")
		code = 1
	}
	os.Exit(code)
}

// leakTestRan says whether TestNoSecretOrPhoneNumberLeaks ran, so that its log must not be empty.
var leakTestRan atomic.Bool

func TestNoSecretOrPhoneNumberLeaks(t *testing.T) {
	t.Parallel()
	leakTestRan.Store(true)
	// Send the fixtures through every path that logs or answers, then scan the log and every answer.
	rec := &recorder{fail: func(context.Context) error { return errors.New("recipient 01012341234 failed") }}
	h := newHandler(t, rec)
	bodies := [][]byte{
		vendorFixture(t, "unsubscribe.json"),
		vendorFixture(t, "message-result-update.json"),
		vendorFixture(t, "message-result-update.published.json"),
		bytes.Replace(vendorFixture(t, "unsubscribe.json"), []byte(`"hookId": "202007271010101010sadasdavas",`), []byte(""), 1),
		bytes.Replace(vendorFixture(t, "message-result-update.json"), []byte(`"01012341234"`), []byte(`01012341234`), 1),
		bytes.Replace(vendorFixture(t, "message-result-update.json"), []byte(`"COMPLETED"`), []byte(`"01012341234"`), 1),
	}
	var answers strings.Builder
	for _, b := range bodies {
		for _, sig := range []string{testSecret, testSecret + "x", ""} {
			w := post(t, h, b, header(smshook.SignatureHeader, sig))
			answers.WriteString(w.Body.String())
		}
	}
	require.NotEmpty(t, answers.String())
	for _, v := range leakedValues {
		require.NotContains(t, answers.String(), v)
	}
}
