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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/structcheck"
	"github.com/smshook/smshook/validate"
)

const (
	testSecret    = "s3cret-typed-in-the-console"
	rotatedSecret = "the-next-secret"
	// problemType prefixes the type of every problem the handler answers.
	problemType = "urn:smshook:problem:"
	// nhnSignatureHeader is the other header that may carry the secret.
	nhnSignatureHeader = "X-Nhn-Webhook-Signature"
)

// logSink collects every log line of the test run, to prove that none carries a secret or a phone number.
var logSink = &syncbuf.Buffer{}

func newHandler(tb testing.TB, h smshook.Handler, opts ...smshook.Option) http.Handler {
	tb.Helper()
	logger := slog.New(slog.NewJSONHandler(logSink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []smshook.Option{smshook.WithSecrets(testSecret), smshook.WithLogger(logger)}
	handler, err := smshook.NewHandler(h, append(base, opts...)...)
	require.NoError(tb, err)
	return handler
}

// recording returns a Handler that hands every delivery to fail first and records it in rec when fail
// returns nil: an application that fails, stalls or panics on demand.
func recording(rec *smshooktest.Recorder, fail func(context.Context) error) smshook.Handler {
	h := rec.Handler()
	if fail == nil {
		return h
	}
	record := h.Default
	return smshook.Handler{Default: func(ctx context.Context, w api.Webhook) error {
		if err := fail(ctx); err != nil {
			return err
		}
		return record(ctx, w)
	}}
}

// call is one delivery that a func of a Handler received.
type call struct {
	fn string // the func's field name
	w  api.Webhook
}

// calls records which func of a Handler receives each delivery.
type calls struct {
	mu  sync.Mutex
	got []call
}

func (c *calls) record(fn string, w api.Webhook) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, call{fn, w})
	return nil
}

func (c *calls) received() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]call(nil), c.got...)
}

// handler returns a Handler with every func set, Default too.
func (c *calls) handler() smshook.Handler {
	return smshook.Handler{
		SMSUnsubscribe: func(_ context.Context, e *api.SMSUnsubscribeEnvelope) error {
			return c.record("SMSUnsubscribe", e)
		},
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			return c.record("SMSMessageResultUpdate", e)
		},
		SMSConversionBlock: func(_ context.Context, e *api.SMSConversionBlockEnvelope) error {
			return c.record("SMSConversionBlock", e)
		},
		SMSInternationalDeliveryReceipt: func(_ context.Context, e *api.SMSInternationalDeliveryReceiptEnvelope) error {
			return c.record("SMSInternationalDeliveryReceipt", e)
		},
		EmailUnsubscribe: func(_ context.Context, e *api.EmailUnsubscribeEnvelope) error {
			return c.record("EmailUnsubscribe", e)
		},
		EmailMessageResultUpdate: func(_ context.Context, e *api.EmailMessageResultUpdateEnvelope) error {
			return c.record("EmailMessageResultUpdate", e)
		},
		KakaoTalkMessageResultUpdate: func(_ context.Context, e *api.KakaoTalkMessageResultUpdateEnvelope) error {
			return c.record("KakaoTalkMessageResultUpdate", e)
		},
		KakaoTalkTemplateStatusUpdate: func(_ context.Context, e *api.KakaoTalkTemplateStatusUpdateEnvelope) error {
			return c.record("KakaoTalkTemplateStatusUpdate", e)
		},
		Default: func(_ context.Context, w api.Webhook) error { return c.record("Default", w) },
	}
}

// postWith sends body with testSecret as NHN Cloud does, after the edits of the request.
func postWith(tb testing.TB, h http.Handler, body []byte, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	tb.Helper()
	r := smshooktest.NewRequest(tb, body, testSecret)
	for _, e := range edit {
		e(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// problemOf decodes the RFC 9457 problem of an answer and checks what every problem has.
func problemOf(tb testing.TB, w *httptest.ResponseRecorder) api.Problem {
	tb.Helper()
	require.Equal(tb, "application/problem+json", w.Header().Get("Content-Type"))
	var p api.Problem
	require.NoError(tb, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(tb, w.Code, p.Status)
	require.Equal(tb, http.StatusText(w.Code), p.Title)
	require.True(tb, strings.HasPrefix(p.Type, problemType), p.Type)
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

func TestEachVendorEventReachesItsTypedFunc(t *testing.T) {
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
	href := "https://sms.api.nhncloudservice.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1"
	envelope := func(event api.EventType) (string, string, string, string, api.EventType) {
		return "akb3dukdmdjsdSvgk", "202007271010101010sadasdavas", "SMS", "String", event
	}
	tests := []struct {
		file string
		fn   string
		want api.Webhook
	}{
		{"unsubscribe.json", "SMSUnsubscribe", func() api.Webhook {
			e := &api.SMSUnsubscribeEnvelope{Hooks: []api.SMSUnsubscribeHook{{
				HookID: "202007271010101010sadasdavas", RecipientNo: "01012341234", UnsubscribeNo: str("08012341234"),
				EnterpriseName: str("NHN Cloud"), CreatedDateTime: at("2020-09-09T11:25:10.000+09:00"),
			}}}
			e.AppKey, e.HooksID, e.ProductName, e.WebhookConfigID, e.Event = envelope(api.EventTypeUnsubscribe)
			return e
		}()},
		{"message-result-update.json", "SMSMessageResultUpdate", func() api.Webhook {
			e := &api.SMSMessageResultUpdateEnvelope{Hooks: []api.SMSMessageResultUpdateHook{{
				HookID: "20240429205809GcSUXthVA00", SenderType: str("NORMAL_SMS"), RequestID: "20240429205802y0Tl7Gbz0e0",
				RecipientSeq: 1, RequestDate: local("2024-04-29T20:58:02"), ReceiveDate: local("2024-04-29T20:58:04"),
				SendNo: str("15446859"), RecipientNo: str("01012341234"), MessageStatus: &status,
				SenderGroupingKey: str("SenderGroupingKey"), ResultCode: new(api.ResultCode("1000")), MessageCount: i64(1),
				LinksMisspelled: &api.MessageLinks{Self: &api.MessageLink{Href: &href}},
			}}}
			e.AppKey, e.HooksID, e.ProductName, e.WebhookConfigID, e.Event = envelope(api.EventTypeMessageResultUpdate)
			return e
		}()},
		{"conversion-block.json", "SMSConversionBlock", func() api.Webhook {
			e := &api.SMSConversionBlockEnvelope{Hooks: []api.SMSConversionBlockHook{{
				HookID: "20240429205809GcSUXthVA00", CountryCode: "1", BlockedDateTime: at("2024-05-28T09:00:00.000+09:00"),
			}}}
			e.AppKey, e.HooksID, e.ProductName, e.WebhookConfigID, e.Event = envelope(api.EventTypeConversionBlock)
			return e
		}()},
		{"international-delivery-receipt.json", "SMSInternationalDeliveryReceipt", func() api.Webhook {
			e := &api.SMSInternationalDeliveryReceiptEnvelope{Hooks: []api.SMSInternationalDeliveryReceiptHook{{
				HookID: "202409251600118GSDDYTwzX0", RequestID: "20240925160005UvxdDrJ4g20", RecipientSeq: 1,
				DlrStatus: api.DlrStatusAccepted, NetworkCode: str("US-VIRTUAL-BANDWIDTH"), ErrorCode: new(api.ResultCode("0")),
			}}}
			e.AppKey, e.HooksID, e.ProductName, e.WebhookConfigID, e.Event = envelope(api.EventTypeInternationalDeliveryReceipt)
			return e
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			var c calls
			w := smshooktest.Post(t, newHandler(t, c.handler()), fixtures.Read(tt.file), testSecret)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, []call{{tt.fn, tt.want}}, c.received())
			require.NoError(t, structcheck.Validate(tt.want))
		})
	}
}

func TestMessageResultUpdateTypedValues(t *testing.T) {
	t.Parallel()
	var got *api.SMSMessageResultUpdateEnvelope
	h := newHandler(t, smshook.Handler{SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
		got = e
		return nil
	}})
	w := smshooktest.Post(t, h, fixtures.Read("message-result-update.json"), testSecret)
	require.Equal(t, http.StatusOK, w.Code)
	require.NotNil(t, got)
	hook := got.Hooks[0]
	require.Equal(t, time.Date(2024, 4, 29, 11, 58, 2, 0, time.UTC), hook.RequestDate.Time().UTC())
	require.Equal(t, api.Seoul(), hook.RequestDate.Time().Location())
	require.Equal(t, "https://sms.api.nhncloudservice.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1", hook.SelfHref())
}

// TestStatusCodes is the status-code table of docs/contract.md, row by row. Each refusal (4xx) reaches OnRejected with the
// problem that is written to the client.
func TestStatusCodes(t *testing.T) {
	t.Parallel()
	valid := fixtures.Read("unsubscribe.json")
	mru := fixtures.Read("message-result-update.json")
	failing := func(err error) func(context.Context) error {
		return func(context.Context) error { return err }
	}
	tests := []struct {
		name       string
		fail       func(context.Context) error // the application, before it records the delivery
		opts       []smshook.Option
		method     string
		body       []byte
		edit       func(*http.Request)
		wantStatus int
		wantType   string
		wantErr    error // what Rejection.Err wraps, when it is a cause of package validate
		wantPtrs   []string
		dispatched int
	}{
		{name: "documented event with the secret", body: valid, wantStatus: 200, dispatched: 1},
		{name: "charset parameter in any case", body: valid, edit: header("Content-Type", "application/json; charset=utf-8"), wantStatus: 200, dispatched: 1},
		{name: "rotated secret", opts: []smshook.Option{smshook.WithSecrets(rotatedSecret)}, body: valid, edit: header(smshook.SignatureHeader, rotatedSecret), wantStatus: 200, dispatched: 1},
		{name: "old secret during rotation", opts: []smshook.Option{smshook.WithSecrets(rotatedSecret)}, body: valid, wantStatus: 200, dispatched: 1},
		{name: "GET", method: http.MethodGet, wantStatus: 405, wantType: "method-not-allowed"},
		{name: "PUT", method: http.MethodPut, body: valid, wantStatus: 405, wantType: "method-not-allowed"},
		{name: "missing secret", body: valid, edit: delHeader(smshook.SignatureHeader), wantStatus: 401, wantType: "secret-missing"},
		{name: "empty secret", body: valid, edit: header(smshook.SignatureHeader, ""), wantStatus: 401, wantType: "secret-missing"},
		{name: "repeated secret", body: valid, edit: addHeader(smshook.SignatureHeader, testSecret), wantStatus: 401, wantType: "secret-missing"},
		{name: "wrong secret", body: valid, edit: header(smshook.SignatureHeader, "guess"), wantStatus: 401, wantType: "secret-mismatch"},
		{name: "secret as a prefix", body: valid, edit: header(smshook.SignatureHeader, testSecret[:10]), wantStatus: 401, wantType: "secret-mismatch"},
		{name: "curl example's content type as secret", body: valid, edit: header(smshook.SignatureHeader, "application/json;charset=UTF-8"), wantStatus: 401, wantType: "secret-mismatch"},
		{name: "wrong secret and wrong content type", body: valid, edit: both(header(smshook.SignatureHeader, "x"), header("Content-Type", "text/plain")), wantStatus: 401, wantType: "secret-mismatch"},
		{name: "text/plain", body: valid, edit: header("Content-Type", "text/plain"), wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "no content type", body: valid, edit: delHeader("Content-Type"), wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "form", body: valid, edit: header("Content-Type", "application/x-www-form-urlencoded"), wantStatus: 415, wantType: "unsupported-media-type"},
		{name: "over the limit by Content-Length", opts: []smshook.Option{smshook.WithMaxBodyBytes(64)}, body: valid, wantStatus: 413, wantType: "body-too-large"},
		{name: "over the limit without Content-Length", opts: []smshook.Option{smshook.WithMaxBodyBytes(64)}, body: valid, edit: unknownLength, wantStatus: 413, wantType: "body-too-large"},
		{name: "exactly the limit", opts: []smshook.Option{smshook.WithMaxBodyBytes(int64(len(valid)))}, body: valid, wantStatus: 200, dispatched: 1},
		{name: "published example with trailing comma", body: fixtures.Read("message-result-update.published.json"), wantStatus: 400, wantType: "malformed-body", wantErr: validate.ErrMalformed, wantPtrs: []string{"/hooks/0"}},
		{name: "empty body", body: []byte{}, wantStatus: 400, wantType: "malformed-body", wantErr: validate.ErrMalformed, wantPtrs: []string{""}},
		{name: "missing required fields", body: []byte(`{"hooksId":"a","webhookConfigId":"b","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[{"hookId":"h"},{"recipientNo":"01012345678"}]}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/recipientNo", "/hooks/1/hookId"}},
		{name: "integer written as 1.0", body: bytes.Replace(mru, []byte(`"recipientSeq": 1,`), []byte(`"recipientSeq": 1.0,`), 1), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/recipientSeq"}},
		{name: "unknown enum value is drift by default", body: bytes.Replace(mru, []byte(`"COMPLETED"`), []byte(`"NEW_STATUS"`), 1), wantStatus: 200, dispatched: 1},
		{name: "unknown enum value under strict", opts: []smshook.Option{smshook.WithStrict()}, body: bytes.Replace(mru, []byte(`"COMPLETED"`), []byte(`"NEW_STATUS"`), 1), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooks/0/messageStatus"}},
		{name: "unknown event goes to Default by default", body: unknownEvent, wantStatus: 200, dispatched: 1},
		{name: "unknown event under strict", opts: []smshook.Option{smshook.WithStrict()}, body: unknownEvent, wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/event"}},
		{name: "other appKey", opts: []smshook.Option{smshook.WithAppKeys("another")}, body: valid, wantStatus: 403, wantType: "app-key-not-allowed", wantPtrs: []string{"/appKey"}},
		{name: "verification request", body: []byte(`{"hooksId":"String","webhookConfigId":"String","productName":"String","appKey":"String","event":"String","hooks":[]}`), wantStatus: 200},
		{name: "verification request, valid body", body: bytes.Replace(valid, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"String"`), 1), wantStatus: 200},
		{name: "verification rule reads appKey exactly", body: []byte(`{"AppKey":"String"}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooksId", "/webhookConfigId", "/productName", "/appKey", "/event", "/hooks"}},
		{name: "verification rule reads appKey exactly, strict", opts: []smshook.Option{smshook.WithStrict()}, body: []byte(`{"AppKey":"String"}`), wantStatus: 400, wantType: "invalid-body", wantErr: validate.ErrInvalid, wantPtrs: []string{"/hooksId", "/webhookConfigId", "/productName", "/appKey", "/event", "/hooks"}},
		{name: "verification request without secret", body: []byte(`{"appKey":"String"}`), edit: delHeader(smshook.SignatureHeader), wantStatus: 401, wantType: "secret-missing"},
		{name: "handler error", fail: failing(errors.New("database down")), body: valid, wantStatus: 500, wantType: "server-error"},
		{name: "handler panic", fail: func(context.Context) error { panic("boom") }, body: valid, wantStatus: 500, wantType: "server-error"},
		{name: "handler past the timeout", opts: []smshook.Option{smshook.WithTimeout(time.Millisecond)}, fail: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}, body: valid, wantStatus: 503, wantType: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec smshooktest.Recorder
			var rejections []*smshook.Rejection
			var mu sync.Mutex
			opts := append([]smshook.Option{smshook.OnRejected(func(_ context.Context, r *smshook.Rejection) {
				mu.Lock()
				defer mu.Unlock()
				// Body is only valid during the call.
				r.Body = bytes.Clone(r.Body)
				rejections = append(rejections, r)
			})}, tt.opts...)
			h := newHandler(t, recording(&rec, tt.fail), opts...)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			w := postWith(t, h, tt.body, func(r *http.Request) { r.Method = method }, orNothing(tt.edit))
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			require.Len(t, rec.Webhooks(), tt.dispatched)
			if tt.wantStatus == http.StatusMethodNotAllowed {
				require.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			}
			if tt.wantType == "" {
				require.Empty(t, rejections)
				require.Empty(t, w.Body.String())
				return
			}
			p := problemOf(t, w)
			require.Equal(t, problemType+tt.wantType, p.Type)
			require.Equal(t, tt.wantPtrs, pointers(p))
			if tt.wantStatus >= http.StatusInternalServerError { // the application's failure, not a rejection
				require.Empty(t, rejections)
				require.NotContains(t, w.Body.String(), "database down")
				return
			}
			require.Len(t, rejections, 1)
			require.Equal(t, p, rejections[0].Problem, "the rejection's problem is the one written to the client")
			require.Error(t, rejections[0].Err)
			if tt.wantErr != nil {
				require.ErrorIs(t, rejections[0].Err, tt.wantErr)
			}
			if tt.wantStatus == http.StatusBadRequest || tt.wantStatus == http.StatusForbidden {
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

// failReader fails the test if anything reads it: the secret is checked before the body.
type failReader struct{ t *testing.T }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("the body was read before the secret was checked")
	return 0, io.EOF
}

func TestBadSecretReadsNoBody(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler())
	r := httptest.NewRequest(http.MethodPost, "/", failReader{t})
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(smshook.SignatureHeader, "wrong")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	require.Empty(t, rec.Webhooks())
}

// TestUnknownEventGoesToDefault: under the default compatible profile, a delivery of an event the contract does
// not know reaches Default as an *api.Envelope with its hooks untyped, and Default's error is answered 500.
func TestUnknownEventGoesToDefault(t *testing.T) {
	t.Parallel()
	var c calls
	w := smshooktest.Post(t, newHandler(t, c.handler()), unknownEvent, testSecret)
	require.Equal(t, http.StatusOK, w.Code)
	got := c.received()
	require.Len(t, got, 1)
	require.Equal(t, "Default", got[0].fn)
	e, ok := got[0].w.(*api.Envelope)
	require.True(t, ok, "%T", got[0].w)
	require.Equal(t, api.EventType("RCS_RESULT_UPDATE"), e.Event)
	require.Equal(t, "h1", e.HooksID)
	require.Equal(t, []map[string]any{{"hookId": "x", "novelty": true}}, e.Hooks)

	failing := newHandler(t, smshook.Handler{Default: func(context.Context, api.Webhook) error {
		return errors.New("queue full")
	}})
	w = smshooktest.Post(t, failing, unknownEvent, testSecret)
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Equal(t, problemType+"server-error", problemOf(t, w).Type)
	require.NotContains(t, w.Body.String(), "queue full")
}

func TestVerificationRequestIsNotDispatched(t *testing.T) {
	t.Parallel()
	var c calls
	h := newHandler(t, c.handler())
	probe := []byte(`{"hooksId":"String","webhookConfigId":"String","productName":"String","appKey":"String","event":"String","hooks":[{}]}`)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, probe, testSecret).Code)
	require.Empty(t, c.received())
}

func TestSecretIsRequired(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	for _, opts := range [][]smshook.Option{nil, {smshook.WithSecrets("")}} {
		h, err := smshook.NewHandler(rec.Handler(), opts...)
		require.Error(t, err)
		require.Nil(t, h)
	}

	open, err := smshook.NewHandler(rec.Handler(), smshook.AllowNoSecret())
	require.NoError(t, err)
	w := smshooktest.Post(t, open, fixtures.Read("unsubscribe.json"), "")
	require.Equal(t, http.StatusOK, w.Code)
	require.Len(t, rec.Webhooks(), 1)
}

// TestEitherSignatureHeader: the secret may come in either header name; every one present must match.
func TestEitherSignatureHeader(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler(), smshook.WithoutDeduplication())
	body := fixtures.Read("unsubscribe.json")
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
		{"X-Nhn-Webhook-Signature alone", only(nhnSignatureHeader, testSecret), http.StatusOK, ""},
		{"both, both right", func(r *http.Request) { r.Header.Set(nhnSignatureHeader, testSecret) }, http.StatusOK, ""},
		{"both, the second wrong", func(r *http.Request) { r.Header.Set(nhnSignatureHeader, "a guess") }, http.StatusUnauthorized, "secret-mismatch"},
		{"both, the first wrong", func(r *http.Request) {
			r.Header.Set(smshook.SignatureHeader, "a guess")
			r.Header.Set(nhnSignatureHeader, testSecret)
		}, http.StatusUnauthorized, "secret-mismatch"},
		{"X-Nhn-Webhook-Signature alone, wrong", only(nhnSignatureHeader, "a guess"), http.StatusUnauthorized, "secret-mismatch"},
		{"X-Nhn-Webhook-Signature alone, empty", only(nhnSignatureHeader, ""), http.StatusUnauthorized, "secret-missing"},
		{"X-Nhn-Webhook-Signature repeated", func(r *http.Request) {
			r.Header.Del(smshook.SignatureHeader)
			r.Header.Add(nhnSignatureHeader, testSecret)
			r.Header.Add(nhnSignatureHeader, testSecret)
		}, http.StatusUnauthorized, "secret-missing"},
		{"neither", delHeader(smshook.SignatureHeader), http.StatusUnauthorized, "secret-missing"},
	} {
		w := postWith(t, h, body, tt.edit)
		require.Equal(t, tt.status, w.Code, tt.name)
		if tt.typ != "" {
			require.Equal(t, problemType+tt.typ, problemOf(t, w).Type, tt.name)
		}
	}
	require.Len(t, rec.Webhooks(), 2)
}

func TestWithAppKeysRefusesOtherServices(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	var rejected []int
	h := newHandler(t, rec.Handler(), smshook.WithAppKeys("akb3dukdmdjsdSvgk", "other"), smshook.OnRejected(func(_ context.Context, r *smshook.Rejection) {
		rejected = append(rejected, r.Problem.Status)
	}))
	body := fixtures.Read("message-result-update.json")
	require.Contains(t, string(body), `"akb3dukdmdjsdSvgk"`)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	w := smshooktest.Post(t, h, bytes.Replace(body, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"someone-else"`), 1), testSecret)
	require.Equal(t, http.StatusForbidden, w.Code)
	p := problemOf(t, w)
	require.Equal(t, problemType+"app-key-not-allowed", p.Type)
	require.Equal(t, []string{"/appKey"}, pointers(p))
	require.Equal(t, []int{http.StatusForbidden}, rejected)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, bytes.Replace(body, []byte(`"akb3dukdmdjsdSvgk"`), []byte(`"String"`), 1), testSecret).Code,
		"the console's verification request is not an appKey to pin")
	require.Len(t, rec.Webhooks(), 1)
}

// TestAllowNoSecretStillChecksAPresentSecret: with secrets given, AllowNoSecret admits requests without
// a secret; it does not make a wrong one right.
func TestAllowNoSecretStillChecksAPresentSecret(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	h := newHandler(t, rec.Handler(), smshook.AllowNoSecret(), smshook.WithoutDeduplication())
	body := fixtures.Read("unsubscribe.json")
	for _, tt := range []struct {
		name   string
		edit   func(*http.Request)
		status int
	}{
		{"the right secret", func(*http.Request) {}, http.StatusOK},
		{"no secret", delHeader(smshook.SignatureHeader), http.StatusOK},
		{"an empty secret", func(r *http.Request) { r.Header.Set(smshook.SignatureHeader, "") }, http.StatusOK},
		{"a wrong secret", func(r *http.Request) { r.Header.Set(smshook.SignatureHeader, "a guess") }, http.StatusUnauthorized},
		{"two secrets", func(r *http.Request) { r.Header.Add(smshook.SignatureHeader, testSecret) }, http.StatusUnauthorized},
	} {
		require.Equal(t, tt.status, postWith(t, h, body, tt.edit).Code, tt.name)
	}
	require.Len(t, rec.Webhooks(), 3)
}

// TestPanicIsLoggedWithItsStack: an operator sees where the application panicked, marked as a panic, and not
// the panic's value, which may carry payload values.
func TestPanicIsLoggedWithItsStack(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	h, err := smshook.NewHandler(smshook.Handler{Default: func(context.Context, api.Webhook) error { panic("recipient 01012345678 broke it") }},
		smshook.WithSecrets(testSecret), smshook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	require.NoError(t, err)
	w := smshooktest.Post(t, h, fixtures.Read("message-result-update.json"), testSecret)
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
	v, err := req.Body.Webhook()
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
			w := smshooktest.Post(t, h, fixtures.Read("conversion-block.json"), testSecret)
			require.Equal(t, tt.wantStatus, w.Code)
			got := (<-s.got).(*api.SMSConversionBlockEnvelope)
			require.Equal(t, "1", got.Hooks[0].CountryCode)
		})
	}
}

// strictFunc is a strict server made of one func.
type strictFunc func(context.Context, api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error)

func (f strictFunc) ReceiveWebhook(ctx context.Context, req api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
	return f(ctx, req)
}

// TestStrictServerReceivesUnknownEvents: under the compatible profile a strict server is handed the deliveries of
// events the contract does not know too, as the union whose discriminator names the event.
func TestStrictServerReceivesUnknownEvents(t *testing.T) {
	t.Parallel()
	var got []api.Envelope
	h, err := smshook.NewStrictHandler(strictFunc(func(_ context.Context, req api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
		product, err := req.Body.Discriminator()
		if err != nil || product != "SMS" {
			return nil, fmt.Errorf("discriminator %q: %w", product, err)
		}
		w, err := req.Body.Webhook()
		if err != nil {
			return nil, err
		}
		e, ok := w.(*api.Envelope)
		if !ok || e.Event != "RCS_RESULT_UPDATE" {
			return nil, fmt.Errorf("the union holds %T of %s", w, w.Head().Event)
		}
		got = append(got, *e)
		return api.ReceiveWebhook200Response{}, nil
	}), smshook.WithSecrets(testSecret))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, unknownEvent, testSecret).Code)
	require.Len(t, got, 1)
	require.Equal(t, "h1", got[0].HooksID)
	require.Equal(t, []map[string]any{{"hookId": "x", "novelty": true}}, got[0].Hooks)

	strict, err := smshook.NewStrictHandler(strictFunc(func(context.Context, api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
		return nil, errors.New("called under the strict profile")
	}), smshook.WithSecrets(testSecret), smshook.WithStrict())
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, smshooktest.Post(t, strict, unknownEvent, testSecret).Code)
}

// leakedValues are the secrets, phone numbers and e-mail addresses of the fixtures: no answer and no log line
// may carry one.
var leakedValues = []string{testSecret, rotatedSecret, "01012341234", "15446859", "08012341234",
	"help@toast.com", "sender@nhncloud.com", "receiver@nhncloud.com"}

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
	var rec smshooktest.Recorder
	failing := newHandler(t, recording(&rec, func(context.Context) error { return errors.New("recipient 01012341234 failed") }))
	nobody := newHandler(t, smshook.Handler{}) // acknowledges and logs every delivery
	bodies := [][]byte{
		fixtures.Read("unsubscribe.json"),
		fixtures.Read("message-result-update.json"),
		fixtures.Read("message-result-update.published.json"),
		bytes.Replace(fixtures.Read("unsubscribe.json"), []byte(`"hookId": "202007271010101010sadasdavas",`), []byte(""), 1),
		bytes.Replace(fixtures.Read("message-result-update.json"), []byte(`"01012341234"`), []byte(`01012341234`), 1),
		bytes.Replace(fixtures.Read("message-result-update.json"), []byte(`"COMPLETED"`), []byte(`"01012341234"`), 1),
		unknownEvent,
	}
	var answers strings.Builder
	for _, h := range []http.Handler{failing, nobody} {
		for _, b := range bodies {
			for _, sig := range []string{testSecret, testSecret + "x", ""} {
				w := postWith(t, h, b, header(smshook.SignatureHeader, sig))
				answers.WriteString(w.Body.String())
			}
		}
	}
	require.NotEmpty(t, answers.String())
	for _, v := range leakedValues {
		require.NotContains(t, answers.String(), v)
	}
}
