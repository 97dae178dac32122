package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// recordingApp is an application behind --forward-to that keeps every body it verified, by hooksId.
type recordingApp struct {
	verifier *standardwebhooks.Webhook
	mu       sync.Mutex
	bodies   map[string][]byte
	badSig   int
}

func (a *recordingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verifier.Verify(body, r.Header) != nil {
		a.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var head struct {
		HooksID string `json:"hooksId"`
	}
	if json.Unmarshal(body, &head) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.bodies[head.HooksID] = body
	w.WriteHeader(http.StatusNoContent)
}

func (a *recordingApp) body(hooksID string) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bodies[hooksID]
}

// TestServeForwardIsADelivery sends the sample of every kind of the contract, and one of a kind it does not
// know, to a real `serve --inbox F --forward-to URL`: what the application receives verifies with the Standard
// Webhooks library and is the Delivery that was sent, as openapi.yaml describes it (the strict validator takes
// it back as the same delivery), webhookConfigId included; the unknown kind arrives with its hooks as received.
func TestServeForwardIsADelivery(t *testing.T) {
	t.Parallel()
	secret := newForwardSecret(t)
	v, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	app := &recordingApp{verifier: v, bodies: map[string][]byte{}}
	appSrv := httptest.NewServer(app)
	defer appSrv.Close()
	file := filepath.Join(t.TempDir(), "inbox.db")
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret},
		"--inbox", file, "--forward-to", appSrv.URL+"/nhn")

	sent := map[string]api.Webhook{}
	for _, kind := range api.Kinds() {
		d := sampleOf(t, kind)
		body := marshal(t, d)
		w, _, err := validate.Body(body, validate.Strict)
		require.NoError(t, err, kind)
		status, answer := post(t, s.url, "s3cret", body)
		require.Equal(t, http.StatusOK, status, "%s: %s", kind, answer)
		sent[d.hooksID()] = w
	}
	unknown := unknownEvent("unknown-kind-1")
	status, answer := post(t, s.url, "s3cret", unknown)
	require.Equal(t, http.StatusOK, status, "%s", answer)

	all := func() bool {
		for id := range sent {
			if app.body(id) == nil {
				return false
			}
		}
		return app.body("unknown-kind-1") != nil
	}
	require.Eventually(t, all, 20*time.Second, 20*time.Millisecond, "not every delivery reached the application")
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())

	for id, want := range sent {
		kind := want.Head().Kind()
		got, drift, err := validate.Body(app.body(id), validate.Strict)
		require.NoError(t, err, "%s: the forwarded body is not a Delivery of openapi.yaml", kind)
		assert.Empty(t, drift, kind)
		assert.Equal(t, want, got, "%s: the forwarded body is the delivery sent, every property kept", kind)
		assert.Equal(t, "q1w2e3r4t5y6", got.Head().WebhookConfigID, kind)
	}

	body := app.body("unknown-kind-1")
	w, drift, err := validate.Body(body, validate.Compatible)
	require.NoError(t, err, "an unknown kind is forwarded as an Envelope")
	assert.NotEmpty(t, drift)
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &fields))
	assert.JSONEq(t, `"w"`, string(fields["webhookConfigId"]))
	var sentFields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(unknown, &sentFields))
	assert.JSONEq(t, string(sentFields["hooks"]), string(fields["hooks"]), "the hooks of an unknown kind as received")
	assert.Equal(t, 2, w.HookCount())

	app.mu.Lock()
	assert.Zero(t, app.badSig, "every forward verifies")
	app.mu.Unlock()
	r := s.result()
	assert.False(t, bytes.Contains([]byte(r.stderr), []byte(secret)), "the forward secret is never logged")
	assertNoValue(t, r, fixturePhones...)
}
