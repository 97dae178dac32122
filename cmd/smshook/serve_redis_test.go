package main_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/testenv"
)

// TestServeOnARedisCluster runs two receivers on a real Redis Cluster of three masters through --redis: a
// delivery sent to both, twice each, is printed once, and /readyz answers 200.
func TestServeOnARedisCluster(t *testing.T) {
	t.Parallel()
	c, err := redisserver.StartCluster(context.Background(), 3)
	if errors.Is(err, redisserver.ErrNotInstalled) {
		testenv.Missing(t, "redis", err.Error())
	}
	require.NoError(t, err)
	t.Cleanup(c.Close)
	a := startServe(t, nil, "--secret", "k", "--redis", c.URL(), "--hook-ids", "--metrics-addr", "127.0.0.1:0")
	b := startServe(t, nil, "--secret", "k", "--redis", c.URL(), "--hook-ids")
	code, body := get(t, a.metricsURL(t)+"/readyz")
	require.Equal(t, http.StatusOK, code, body)
	delivery := marshal(t, sample(t, api.EventTypeMessageResultUpdate))
	for _, s := range []*server{a, b, a, b} {
		status, _ := post(t, s.url, "k", delivery)
		require.Equal(t, http.StatusOK, status)
	}
	require.Equal(t, 0, a.stop(t, os.Interrupt))
	require.Equal(t, 0, b.stop(t, os.Interrupt))
	lines := strings.Count(a.stdout.String(), "\n") + strings.Count(b.stdout.String(), "\n")
	require.Equal(t, 1, lines, "a: %s\nb: %s", a.stdout.String(), b.stdout.String())
}

// TestStartUpWithARedisPasswordPrintsNoPassword: serve on a real Redis that requires a password, given in the
// URL, receives, answers /readyz and stops without printing the password anywhere.
func TestStartUpWithARedisPasswordPrintsNoPassword(t *testing.T) {
	t.Parallel()
	r, err := redisserver.StartWith(context.Background(), "--requirepass", leaked)
	if errors.Is(err, redisserver.ErrNotInstalled) {
		testenv.Missing(t, "redis", err.Error())
	}
	require.NoError(t, err)
	t.Cleanup(r.Close)
	s := startServe(t, nil, "--secret", "k", "--redis", "redis://:"+leaked+"@"+r.Addr()+"/0", "--metrics-addr", "127.0.0.1:0")
	code, body := get(t, s.metricsURL(t)+"/readyz")
	require.Equal(t, http.StatusOK, code, body)
	status, _ := post(t, s.url, "k", marshal(t, sample(t, api.EventTypeMessageResultUpdate)))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, s.stop(t, os.Interrupt))
	assertNoValue(t, s.result(), leaked)
	wrong := invoke(t, "serve", "--addr", "127.0.0.1:0", "--secret", "k", "--redis", "redis://:wrong-"+leaked+"@"+r.Addr()+"/0")
	require.Equal(t, 2, wrong.code)
	assert.Contains(t, wrong.stderr, "does not answer")
	assertNoValue(t, wrong, leaked)
}
