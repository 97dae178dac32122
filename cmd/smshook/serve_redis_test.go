package main_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/redisserver"
)

// TestServeOnARedisCluster runs two receivers on a real Redis Cluster of three masters through --redis: a
// delivery sent to both, twice each, is printed once, and /readyz answers 200.
func TestServeOnARedisCluster(t *testing.T) {
	t.Parallel()
	c, err := redisserver.StartCluster(context.Background(), 3)
	if errors.Is(err, redisserver.ErrNotInstalled) {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server or redis-cli is not installed in CI: .ci/run must install redis-server")
		}
		t.Skip("SKIPPING: redis-server is not installed (apt-get install redis-server)")
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
