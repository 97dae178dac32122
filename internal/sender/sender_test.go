package sender_test

// Over real HTTP, as NHN Cloud posts: internal/sender (which `smshook send` and `smshook demo` use, and which
// smshooktest's Post stands in for in tests) against a receiver mounted on a path of an httptest.Server, with a
// Recorder behind it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/smshooktest"
)

const mountPath = "/webhooks/nhn"

// seenRequest is what reached the test server, whatever its path.
type seenRequest struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
}

// receiver is an httptest.Server with smshook.NewHandler mounted at mountPath only.
type receiver struct {
	rec  *smshooktest.Recorder
	url  string // the server's URL plus mountPath
	mu   sync.Mutex
	seen []seenRequest
}

// startReceiver serves a Recorder's handler, or h when given, at mountPath.
func startReceiver(tb testing.TB, h *smshook.Handler, opts ...smshook.Option) *receiver {
	tb.Helper()
	r := &receiver{rec: new(smshooktest.Recorder)}
	if h == nil {
		h = new(r.rec.Handler())
	}
	mux := http.NewServeMux()
	mux.Handle(mountPath, newHandler(tb, *h, opts...))
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

func newSender(tb testing.TB, target, secret string, opts ...api.ClientOption) *sender.Sender {
	tb.Helper()
	s, err := sender.New(target, secret, opts...)
	require.NoError(tb, err)
	return s
}

func TestSenderRejectsWhatIsNotAnHTTPURL(t *testing.T) {
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
		{"ftp with a password", "ftp://user:hunter2@example.com/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := sender.New(tc.target, testSecret)
			require.Error(t, err)
			require.Nil(t, s)
			require.NotContains(t, err.Error(), "hunter2", "the error redacts the password")
		})
	}
}

func TestSenderAcceptsHTTPURLs(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"http://127.0.0.1:8080", "https://example.com/webhooks/nhn?tenant=a", "http://[::1]:80/"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			s, err := sender.New(target, "")
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
			r := startReceiver(t, nil)
			s := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
			body := mustMarshal(t, s)
			resp, err := newSender(t, r.url+tc.query, testSecret).Send(t.Context(), body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
			require.Nil(t, sender.Problem(resp))

			seen := r.requests()
			require.Len(t, seen, 1)
			got := seen[0]
			require.Equal(t, http.MethodPost, got.method)
			require.Equal(t, mountPath, got.path)
			require.Equal(t, tc.wantQuery, got.rawQuery)
			require.Equal(t, []string{contentType}, got.header.Values("Content-Type"))
			require.Equal(t, contentType, sender.ContentType)
			require.Equal(t, []string{testSecret}, got.header.Values(smshook.SignatureHeader))
			require.Equal(t, body, got.body)
			require.Equal(t, []api.Webhook{s}, r.rec.Webhooks())
		})
	}
}

func TestSenderAnswers(t *testing.T) {
	t.Parallel()
	noHooks := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	noHooks.Hooks = []api.SMSUnsubscribeHook{}
	noHookID := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	noHookID.Hooks[0].HookID = ""
	tests := []struct {
		name        string
		secret      string
		body        []byte
		fail        error
		wantStatus  int
		wantType    string   // after problemType; "" when Problem is nil
		wantPointer []string // the pointers of Problem.Errors
	}{
		{
			name: "accepted", secret: testSecret, body: mustMarshal(t, smshooktest.Sample[*api.SMSConversionBlockEnvelope]()),
			wantStatus: http.StatusOK,
		},
		{
			name: "wrong secret", secret: "a guess", body: mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()),
			wantStatus: http.StatusUnauthorized, wantType: "secret-mismatch",
		},
		{
			name: "no secret", secret: "", body: mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()),
			wantStatus: http.StatusUnauthorized, wantType: "secret-missing",
		},
		{
			name: "empty hookId", secret: testSecret, body: mustMarshal(t, noHookID),
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks/0/hookId"},
		},
		{
			name: "no hooks", secret: testSecret, body: mustMarshal(t, noHooks),
			wantStatus: http.StatusBadRequest, wantType: "invalid-body", wantPointer: []string{"/hooks"},
		},
		{
			name: "malformed", secret: testSecret, body: []byte(`{"hooksId":`),
			wantStatus: http.StatusBadRequest, wantType: "malformed-body",
		},
		{
			name: "application fails", secret: testSecret, body: mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()),
			fail:       errors.New("database is down"),
			wantStatus: http.StatusInternalServerError, wantType: "server-error",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h *smshook.Handler
			if tc.fail != nil {
				h = &smshook.Handler{Default: func(context.Context, api.Webhook) error { return tc.fail }}
			}
			r := startReceiver(t, h)
			resp, err := newSender(t, r.url, tc.secret).Send(t.Context(), tc.body)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode(), string(resp.Body))
			require.Len(t, r.requests(), 1)
			require.Equal(t, mountPath, r.requests()[0].path)

			p := sender.Problem(resp)
			if tc.wantType == "" {
				require.Nil(t, p)
				require.Len(t, r.rec.Webhooks(), 1)
				return
			}
			require.NotNil(t, p)
			require.Equal(t, problemType+tc.wantType, p.Type)
			require.Equal(t, tc.wantStatus, p.Status)
			require.Empty(t, r.rec.Webhooks())
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

// countingDoer proves that sender.New's options reach the generated client.
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
	r := startReceiver(t, nil)
	doer := &countingDoer{next: http.DefaultClient}
	s := newSender(t, r.url, testSecret, api.WithHTTPClient(doer))
	resp, err := s.Send(t.Context(), mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	require.Equal(t, int32(1), doer.calls.Load())
}

func TestSenderWithoutAnAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + mountPath
	srv.Close()
	resp, err := newSender(t, target, testSecret).Send(t.Context(), mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()))
	require.Error(t, err)
	require.Nil(t, resp)
}

func TestSenderHonoursTheContext(t *testing.T) {
	t.Parallel()
	r := startReceiver(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	resp, err := newSender(t, r.url, testSecret).Send(ctx, mustMarshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()))
	require.ErrorIs(t, err, context.Canceled)
	require.Nil(t, resp)
	require.Empty(t, r.rec.Webhooks())
}

func TestSenderConcurrentSends(t *testing.T) {
	t.Parallel()
	const n = 8
	r := startReceiver(t, nil)
	s := newSender(t, r.url, testSecret)

	type result struct {
		status int
		err    error
	}
	results := make([]result, n)
	sent := make([]*api.SMSMessageResultUpdateEnvelope, n)
	var wg sync.WaitGroup
	for i := range n {
		sent[i] = smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
		body := mustMarshal(t, sent[i])
		wg.Go(func() {
			resp, err := s.Send(t.Context(), body)
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
	received := r.rec.Webhooks()
	require.Len(t, received, n)
	hooksIDs := map[string]bool{}
	for _, w := range received {
		hooksIDs[w.Head().HooksID] = true
	}
	for i, e := range sent {
		require.True(t, hooksIDs[e.HooksID], "send %d was received", i)
	}
	require.Len(t, hooksIDs, n, "every delivery has its own hooksId")
}

func TestProblemOfASuccess(t *testing.T) {
	t.Parallel()
	require.Nil(t, sender.Problem(&api.ReceiveWebhookResponse{}))
	p := &api.Problem{Type: problemType + "timeout", Status: http.StatusServiceUnavailable}
	require.Same(t, p, sender.Problem(&api.ReceiveWebhookResponse{ApplicationProblemJSON503: p}))
}

const (
	testSecret  = "s3cret-typed-in-the-console"
	contentType = "application/json;charset=UTF-8" // what NHN Cloud sends
	problemType = "urn:smshook:problem:"
)

// newHandler is smshook.NewHandler with the test's secret (unless opts say otherwise) and no log output.
func newHandler(tb testing.TB, h smshook.Handler, opts ...smshook.Option) http.Handler {
	tb.Helper()
	if len(opts) == 0 {
		opts = []smshook.Option{smshook.WithSecrets(testSecret)}
	}
	handler, err := smshook.NewHandler(h, append([]smshook.Option{smshook.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	require.NoError(tb, err)
	return handler
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return b
}
