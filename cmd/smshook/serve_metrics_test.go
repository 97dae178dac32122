package main_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

func (s *server) metricsURL(tb testing.TB) string {
	tb.Helper()
	line, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool {
		return strings.HasPrefix(logMsg(l), "metrics on http://")
	})
	require.True(tb, ok, "serve did not log its metrics address; stderr:\n%s", s.stderr.String())
	var l struct {
		MetricsAddr string `json:"metrics_addr"`
	}
	require.NoError(tb, json.Unmarshal([]byte(line), &l))
	return "http://" + l.MetricsAddr
}

func TestServeMetrics(t *testing.T) {
	t.Parallel()
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	file := filepath.Join(t.TempDir(), "inbox.db")
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret},
		"--inbox", file, "--forward-to", appSrv.URL, "--metrics-addr", "127.0.0.1:0")
	base := s.metricsURL(t)

	code, body := get(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, code, body)
	code, body = get(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, code, body)

	d := sample(t, api.EventTypeMessageResultUpdate)
	status, _ := post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status)
	status, _ = post(t, s.url, "wrong", marshal(t, d))
	require.Equal(t, http.StatusUnauthorized, status)
	app.waitFor(t, d, 20*time.Second)

	var text string
	require.Eventually(t, func() bool {
		_, text = get(t, base+"/metrics")
		// River records the job completed just after the forward returned.
		return strings.Contains(text, "\nsmshook_dispatched_total 1\n") && strings.Contains(text, "\nsmshook_inbox_depth 0\n")
	}, 10*time.Second, 50*time.Millisecond, "the forward is counted and the inbox empty; /metrics:\n%s", text)
	for _, line := range []string{
		`smshook_requests_total{code="200"} 1`,
		`smshook_requests_total{code="401"} 1`,
		`smshook_rejected_total{code="401",problem="urn:smshook:problem:secret-mismatch"} 1`,
		`smshook_request_duration_seconds_count 2`,
		`smshook_inbox_depth 0`,
		`smshook_inbox_dead_letters 0`,
	} {
		assert.Contains(t, text, "\n"+line+"\n")
	}
	assert.Contains(t, text, "\ngo_goroutines ")
	assert.NotContains(t, text, secret[len("whsec_"):])
	assert.NotContains(t, text, "s3cret")
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
}

func TestServeMetricsReadyzWithRedis(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(redisURL(t))
	require.NoError(t, err)
	proxy := newStallingProxy(t, u.Host)
	u.Host = proxy.addr
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--redis", u.String(), "--metrics-addr", "127.0.0.1:0")
	base := s.metricsURL(t)
	code, body := get(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, code, body)
	proxy.stall()
	code, body = get(t, base+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code, "a stalled Redis is not ready")
	assert.NotContains(t, body, "redis://")
	code, _ = get(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, code, "the process is alive all the same")
}
