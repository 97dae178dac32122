package main_test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/smshooktest"
)

// TestServeSlowLorisDoesNotStarveGoodTraffic opens many connections that send their headers a byte at a time,
// and checks that good deliveries are answered promptly meanwhile and that the slow connections are cut at
// the read-header timeout.
func TestServeSlowLorisDoesNotStarveGoodTraffic(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--secret", "k", "--read-header-timeout", "500ms")
	addr := strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/")

	const slow = 64
	cut := make(chan time.Duration, slow)
	var wg sync.WaitGroup
	for range slow {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				cut <- 0
				return
			}
			defer conn.Close()
			start := time.Now()
			header := "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)
			for i := range len(header) {
				if _, err := conn.Write([]byte{header[i]}); err != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
				if time.Since(start) > 5*time.Second {
					break
				}
			}
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = bufio.NewReader(conn).ReadString('\n') // the server's 408 or a closed connection
			cut <- time.Since(start)
		})
	}
	time.Sleep(100 * time.Millisecond) // let the slow clients take their connections

	sample := smshooktest.Fresh(smshooktest.Unsubscribe())
	body, err := smshooktest.Marshal(sample)
	require.NoError(t, err)
	for range 20 {
		start := time.Now()
		status, _ := post(t, s.url, "k", body)
		require.Equal(t, http.StatusOK, status) // later ones are redeliveries: acknowledged too
		require.Less(t, time.Since(start), time.Second, "a good delivery waited behind slow clients")
	}
	wg.Wait()
	close(cut)
	for d := range cut {
		require.Less(t, d, 3*time.Second, "a slow client kept its connection past the read-header timeout")
	}
	require.Equal(t, 0, s.stop(t, os.Interrupt))
	require.Len(t, s.deliveries(t), 1, "twenty posts of one delivery dispatch it once")
}

// TestServeSharesRedis runs two receivers on one Redis: a delivery sent to both is printed once.
func TestServeSharesRedis(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("SMSHOOK_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("SMSHOOK_REDIS_URL is unset in CI")
		}
		t.Skip("SKIPPING: set SMSHOOK_REDIS_URL to run serve --redis against a real redis-server")
	}
	a := startServe(t, nil, "--secret", "k", "--redis", redisURL, "--hook-ids")
	b := startServe(t, nil, "--secret", "k", "--redis", redisURL, "--hook-ids")
	body, err := smshooktest.Marshal(smshooktest.Fresh(smshooktest.MessageResultUpdate()))
	require.NoError(t, err)
	for _, s := range []*server{a, b, a, b} {
		status, _ := post(t, s.url, "k", body)
		require.Equal(t, http.StatusOK, status)
	}
	require.Equal(t, 0, a.stop(t, os.Interrupt))
	require.Equal(t, 0, b.stop(t, os.Interrupt))
	lines := strings.Count(a.stdout.String(), "\n") + strings.Count(b.stdout.String(), "\n")
	require.Equal(t, 1, lines, "a: %s\nb: %s", a.stdout.String(), b.stdout.String())
	require.Contains(t, a.stdout.String()+b.stdout.String(), `"hookIds":["`)
}

func TestServeRedisUnreachable(t *testing.T) {
	t.Parallel()
	r := invoke(t, "serve", "--addr", "127.0.0.1:0", "--secret", "k", "--redis", "redis://:hunter2@127.0.0.1:1/0")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "does not answer")
	require.NotContains(t, r.stderr, "hunter2")
}
