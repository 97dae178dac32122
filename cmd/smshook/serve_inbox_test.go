package main_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

func newForwardSecret(tb testing.TB) string {
	tb.Helper()
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(tb, err)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// forwardApp is the application behind --forward-to: it verifies each request with the Standard Webhooks
// library and answers 503 while down.
type forwardApp struct {
	verifier *standardwebhooks.Webhook
	down     atomic.Bool
	mu       sync.Mutex
	badSig   int
	failed   int
	hookIDs  map[string]int // of the acknowledged requests
	ids      map[string]string
	arrived  chan struct{}
}

func newForwardApp(tb testing.TB, secret string) (*forwardApp, *httptest.Server) {
	tb.Helper()
	v, err := standardwebhooks.NewWebhook(secret)
	require.NoError(tb, err)
	a := &forwardApp{verifier: v, hookIDs: map[string]int{}, ids: map[string]string{}, arrived: make(chan struct{}, 1000)}
	srv := httptest.NewServer(a)
	tb.Cleanup(srv.Close)
	return a, srv
}

func (a *forwardApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.verifier.Verify(body, r.Header); err != nil {
		a.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if a.down.Load() {
		a.failed++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var d struct {
		HooksID string `json:"hooksId"`
		Hooks   []struct {
			HookID string `json:"hookId"`
		} `json:"hooks"`
	}
	if json.Unmarshal(body, &d) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, h := range d.Hooks {
		a.hookIDs[h.HookID]++
	}
	a.ids[d.HooksID] = r.Header.Get("webhook-id")
	w.WriteHeader(http.StatusOK)
	a.arrived <- struct{}{}
}

func (a *forwardApp) count(hookID string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hookIDs[hookID]
}

// waitFor waits until every hookId of d reached the application.
func (a *forwardApp) waitFor(tb testing.TB, d delivery, within time.Duration) {
	tb.Helper()
	deadline := time.After(within)
	for {
		all := true
		for i := range d.hooks() {
			if a.count(d.hook(i)["hookId"].(string)) == 0 {
				all = false
			}
		}
		if all {
			return
		}
		select {
		case <-a.arrived:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("delivery %s did not reach the application within %v", d.hooksID(), within)
		}
	}
}

// assertOnce asserts that every hook of sent was acknowledged by the application exactly once; call it with
// a.mu held.
func (a *forwardApp) assertOnce(tb testing.TB, sent ...delivery) {
	tb.Helper()
	for _, d := range sent {
		for i := range d.hooks() {
			assert.Equal(tb, 1, a.hookIDs[d.hook(i)["hookId"].(string)], "hook %d of %s", i, d.hooksID())
		}
	}
}

func TestServeInboxForwardsSigned(t *testing.T) {
	t.Parallel()
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	app.down.Store(true)
	file := filepath.Join(t.TempDir(), "inbox.db")
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret},
		"--inbox", file, "--forward-to", appSrv.URL+"/nhn", "--hook-ids")

	d := sample(t, api.EventTypeMessageResultUpdate)
	status, _ := post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status, "acknowledged once stored, while the application is down")
	// The application fails the first attempts; the inbox retries.
	require.Eventually(t, func() bool {
		app.mu.Lock()
		defer app.mu.Unlock()
		return app.failed > 0
	}, 10*time.Second, 20*time.Millisecond)
	app.down.Store(false)
	app.waitFor(t, d, 20*time.Second)

	// A copy is acknowledged and not forwarded again.
	status, _ = post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	app.mu.Lock()
	defer app.mu.Unlock()
	assert.Zero(t, app.badSig, "every forward verifies")
	app.assertOnce(t, d)
	assert.Regexp(t, `^msg_[0-9a-f]{32}$`, app.ids[d.hooksID()])
	r := s.result()
	assert.NotContains(t, r.stderr, secret, "the forward secret is never logged")
	assert.NotContains(t, r.stderr, secret[len("whsec_"):])
	assertNoValue(t, r, fixturePhones...)
	assert.Contains(t, r.stdout, d.hooksID(), "the stdout line of the forwarded delivery")
	assert.Contains(t, r.stderr, "forward: status 503", "the failed attempts are logged by kind")
}

func TestServeInboxSurvivesKill(t *testing.T) {
	t.Parallel()
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	app.down.Store(true)
	file := filepath.Join(t.TempDir(), "inbox.db")
	args := []string{"--inbox", file, "--forward-to", appSrv.URL, "--forward-secret-file",
		writeFile(t, filepath.Join(t.TempDir(), "forward-secret"), []byte(secret+"\n"))}
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, args...)
	var sent []delivery
	for range 5 {
		d := sample(t, api.EventTypeMessageResultUpdate)
		status, _ := post(t, s.url, "s3cret", marshal(t, d))
		require.Equal(t, http.StatusOK, status)
		sent = append(sent, d)
	}
	require.Eventually(t, func() bool { // the workers are failing deliveries at the kill
		app.mu.Lock()
		defer app.mu.Unlock()
		return app.failed > 0
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, s.cmd.Process.Kill())
	<-s.done

	app.down.Store(false)
	// A delivery failing at the kill is retried once the restarted process leads River (the killed leader's
	// term lasts 15 s); one in the middle of an attempt once River's rescuer, every 30 s, finds it stuck
	// (--forward-timeout plus 15 s).
	s2 := startServeFor(t, 2*time.Minute, []string{"SMSHOOK_SECRET=s3cret"}, append(args, "--forward-timeout", "2s")...)
	for _, d := range sent {
		app.waitFor(t, d, 100*time.Second)
	}
	// A copy of an acknowledged delivery is not stored again after the restart.
	status, _ := post(t, s2.url, "s3cret", marshal(t, sent[0]))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, s2.stop(t, syscall.SIGTERM), s2.stderr.String())
	app.mu.Lock()
	defer app.mu.Unlock()
	assert.Zero(t, app.badSig)
	app.assertOnce(t, sent...)
}

func TestServeInboxUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "inbox.db")
	secret := newForwardSecret(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"forward without inbox", nil, []string{"--forward-to", "http://127.0.0.1:1/"}, "--forward-to needs --inbox"},
		{"secret without forward", nil, []string{"--inbox", file, "--forward-secret", secret}, "--forward-secret needs --forward-to"},
		{"redis and inbox", nil, []string{"--inbox", file, "--redis", "redis://127.0.0.1:1/0"}, "exclude each other"},
		{"no forward secret", nil, []string{"--inbox", file, "--forward-to", "http://127.0.0.1:1/"}, "needs a secret"},
		{"bad forward secret", []string{"SMSHOOK_FORWARD_SECRET=whsec_c2hvcnQ="}, []string{"--inbox", file, "--forward-to", "http://127.0.0.1:1/"}, "at least 24"},
		{"bad forward url", nil, []string{"--inbox", file, "--forward-to", "127.0.0.1:1", "--forward-secret", secret}, "http:// or https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--secret", "s3cret"}, tc.args...)
			r := cli{args: args, env: tc.env}.run(t)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, secret[len("whsec_"):])
		})
	}
}
