package forward_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/forward"
	"github.com/smshook/smshook/validate"
)

func newSecret(tb testing.TB) string {
	tb.Helper()
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(tb, err)
	return forward.SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// request is what the application received.
type request struct {
	header http.Header
	body   []byte
}

// app is an application behind httptest: it records each request and answers status.
type app struct {
	mu       sync.Mutex
	requests []request
	status   int
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.requests = append(a.requests, request{header: r.Header.Clone(), body: body})
	status := a.status
	a.mu.Unlock()
	w.WriteHeader(status)
}

func (a *app) got() []request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]request(nil), a.requests...)
}

// sample returns the documented delivery of kind.
func sample(tb testing.TB, kind api.Kind) api.Webhook {
	tb.Helper()
	w, ok := api.Sample(kind)
	require.True(tb, ok, "no sample of %s", kind)
	return w
}

var (
	smsResult      = api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate}
	smsUnsubscribe = api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeUnsubscribe}
)

func TestForwardIsSignedAsStandardWebhooksSpecifies(t *testing.T) {
	t.Parallel()
	a := &app{status: http.StatusNoContent}
	srv := httptest.NewServer(a)
	defer srv.Close()
	secret := newSecret(t)
	f, err := forward.New(srv.URL+"/hooks", secret, 5*time.Second)
	require.NoError(t, err)

	w := sample(t, smsResult)
	require.NoError(t, f.Forward(context.Background(), w))
	require.NoError(t, f.Forward(context.Background(), w), "a retry of the same delivery")

	got := a.got()
	require.Len(t, got, 2)
	verifier, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	for _, r := range got {
		assert.Equal(t, forward.ContentType, r.header.Get("Content-Type"))
		require.NoError(t, verifier.Verify(r.body, r.header), "the standard's own library verifies it")
		assert.True(t, strings.HasPrefix(r.header.Get("webhook-signature"), "v1,"))
	}
	assert.Equal(t, got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id"), "webhook-id is stable across retries")
	assert.Equal(t, got[0].body, got[1].body)

	other, err := standardwebhooks.NewWebhook(newSecret(t))
	require.NoError(t, err)
	require.ErrorIs(t, other.Verify(got[0].body, got[0].header), standardwebhooks.ErrNoMatchingSignature)
	tampered := append([]byte(nil), got[0].body...)
	tampered[len(tampered)-2] = ' '
	require.ErrorIs(t, verifier.Verify(tampered, got[0].header), standardwebhooks.ErrNoMatchingSignature)

	// The body: the envelope's six members, the hooks as the contract describes them.
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(got[0].body, &body))
	assert.ElementsMatch(t, []string{"hooksId", "webhookConfigId", "productName", "event", "appKey", "hooks"}, keys(body))
	head := w.Head()
	var top struct {
		HooksID, WebhookConfigID, ProductName, Event, AppKey string
		Hooks                                                []map[string]any
	}
	require.NoError(t, json.Unmarshal(got[0].body, &top))
	assert.Equal(t, head.HooksID, top.HooksID)
	assert.Equal(t, head.WebhookConfigID, top.WebhookConfigID)
	assert.NotEmpty(t, top.WebhookConfigID)
	assert.Equal(t, head.ProductName, top.ProductName)
	assert.Equal(t, string(head.Event), top.Event)
	assert.Equal(t, head.AppKey, top.AppKey)
	require.Len(t, top.Hooks, w.HookCount())
	for i, h := range top.Hooks {
		assert.Equal(t, w.HookID(i), h["hookId"])
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestForwardEveryKind forwards the sample of every kind of the contract, of every product: each verifies, is a
// Delivery that the contract's strict validator takes back as the same delivery, webhookConfigId included, and
// has a webhook-id of its own.
func TestForwardEveryKind(t *testing.T) {
	t.Parallel()
	a := &app{status: http.StatusOK}
	srv := httptest.NewServer(a)
	defer srv.Close()
	secret := newSecret(t)
	f, err := forward.New(srv.URL, secret, 5*time.Second)
	require.NoError(t, err)
	verifier, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	kinds := api.Kinds()
	for _, kind := range kinds {
		require.NoError(t, f.Forward(context.Background(), sample(t, kind)), kind)
	}
	got := a.got()
	require.Len(t, got, len(kinds))
	ids := map[string]bool{}
	for i, r := range got {
		require.NoError(t, verifier.Verify(r.body, r.header), kinds[i])
		want := sample(t, kinds[i])
		back, drift, err := validate.Body(r.body, validate.Strict)
		require.NoError(t, err, "%s: the forwarded body is not a Delivery of openapi.yaml", kinds[i])
		assert.Empty(t, drift, kinds[i])
		assert.Equal(t, want, back, "%s: the forwarded body is the delivery, every property kept", kinds[i])
		assert.NotEmpty(t, back.Head().WebhookConfigID, kinds[i])
		id := r.header.Get("webhook-id")
		assert.False(t, ids[id], "two deliveries share the webhook-id %s", id)
		ids[id] = true
	}
}

func TestForwardUnknownEventKeepsItsHooks(t *testing.T) {
	t.Parallel()
	w := &api.Envelope{HooksID: "h", WebhookConfigID: "c", ProductName: "Email", AppKey: "k", Event: "EMAIL_RESULT",
		Hooks: []map[string]any{{"hookId": "1", "n": json.Number("12.50"), "nested": map[string]any{"a": []any{true}}}}}
	body, err := forward.Body(w)
	require.NoError(t, err)
	assert.JSONEq(t, `{"hooksId":"h","webhookConfigId":"c","productName":"Email","event":"EMAIL_RESULT","appKey":"k",
		"hooks":[{"hookId":"1","n":12.50,"nested":{"a":[true]}}]}`, string(body))
	assert.Contains(t, string(body), "12.50", "a number keeps its lexical form")
	_, drift, err := validate.Body(body, validate.Compatible)
	require.NoError(t, err, "an unknown kind is still a Delivery (an Envelope)")
	assert.NotEmpty(t, drift)
}

func TestBodyRejectsADeliveryWithoutHooks(t *testing.T) {
	t.Parallel()
	_, err := forward.Body(&api.Envelope{HooksID: "h", WebhookConfigID: "c", ProductName: "SMS", AppKey: "k", Event: "X"})
	require.Error(t, err)
	_, err = forward.Body(nil)
	require.Error(t, err)
}

// TestSignatureIsTheStandardsTestVector holds the pinned Standard Webhooks library to the standard's published
// test vector, the bytes every verifier (standardwebhooks and svix on npm, PyPI's standardwebhooks) computes: an
// upgrade of the library that signed other bytes fails here.
func TestSignatureIsTheStandardsTestVector(t *testing.T) {
	t.Parallel()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	require.NoError(t, forward.CheckSecret(secret))
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	sig, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	require.NoError(t, err)
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig)
}

func TestForwardFailures(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusBadRequest, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		a := &app{status: status}
		srv := httptest.NewServer(a)
		f, err := forward.New(srv.URL, secret, 5*time.Second)
		require.NoError(t, err)
		err = f.Forward(context.Background(), sample(t, smsUnsubscribe))
		var fe *forward.Error
		require.ErrorAs(t, err, &fe, "status %d", status)
		assert.Equal(t, forward.KindStatus, fe.Kind)
		assert.Equal(t, status, fe.Status)
		srv.Close()
	}

	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		f, err := forward.New("http://"+addr+"/", secret, 5*time.Second)
		require.NoError(t, err)
		err = f.Forward(context.Background(), sample(t, smsUnsubscribe))
		var fe *forward.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, forward.KindRefused, fe.Kind)
		assert.NotContains(t, err.Error(), addr, "the error does not carry the URL")
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body) // then the server notices the client going away
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		f, err := forward.New(srv.URL, secret, 100*time.Millisecond)
		require.NoError(t, err)
		err = f.Forward(context.Background(), sample(t, smsUnsubscribe))
		var fe *forward.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, forward.KindTimeout, fe.Kind)
	})

	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			<-r.Context().Done()
		}))
		defer srv.Close()
		f, err := forward.New(srv.URL, secret, time.Minute)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		err = f.Forward(ctx, sample(t, smsUnsubscribe))
		var fe *forward.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, forward.KindCancelled, fe.Kind)
	})
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Parallel()
	good := newSecret(t)
	short := forward.SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct {
		name, url, secret string
		timeout           time.Duration
		want              string
	}{
		{"no scheme", "example.test/hooks", good, time.Second, "http:// or https://"},
		{"ftp", "ftp://example.test/", good, time.Second, "http:// or https://"},
		{"no prefix", "http://127.0.0.1/", strings.TrimPrefix(good, forward.SecretPrefix), time.Second, "must start with whsec_"},
		{"not base64", "http://127.0.0.1/", "whsec_not*base64", time.Second, "not standard base64"},
		{"short key", "http://127.0.0.1/", short, time.Second, "16 bytes; at least 24"},
		{"no timeout", "http://127.0.0.1/", good, 0, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := forward.New(tc.url, tc.secret, tc.timeout)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), strings.TrimPrefix(tc.secret, forward.SecretPrefix))
		})
	}
}
