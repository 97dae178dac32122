package main_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// startServeLimited is startServe for `smshook serve` run under `prlimit --nofile=N:N`, so that the process
// has exactly nofile descriptors.
func startServeLimited(tb testing.TB, nofile string, env []string, args ...string) *server {
	tb.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("prlimit (util-linux) is missing")
		}
		tb.Skip("prlimit (util-linux) is missing")
	}
	return startServeUnder(tb, processTimeout, []string{prlimit, "--nofile=" + nofile + ":" + nofile, "--"}, env, args...)
}

// holdIdle opens n connections to addr, sends request on each and keeps them open without reading, as an
// idle kept-alive client does; they are closed when the test ends. It returns how many it opened.
func holdIdle(tb testing.TB, addr, request string, n int) int {
	tb.Helper()
	opened := 0
	for range n {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		tb.Cleanup(func() { _ = conn.Close() })
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := io.WriteString(conn, request); err != nil {
			break
		}
		opened++
	}
	return opened
}

// TestServeSideListenersCannotStarveTheReceiver runs serve with 1,024 descriptors, its metrics, inspector and
// debug listeners on, holds 1,100 idle connections to the metrics and inspector ports and event streams that
// are never read, and checks that a delivery with the secret to the receiver is still answered 200 promptly.
func TestServeSideListenersCannotStarveTheReceiver(t *testing.T) {
	t.Parallel()
	s := startServeLimited(t, "1024", nil, "--secret", "k",
		"--metrics-addr", "127.0.0.1:0", "--ui", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0")
	metricsAddr := strings.TrimPrefix(s.metricsURL(t), "http://")
	uiAddr := strings.TrimSuffix(strings.TrimPrefix(inspectorURL(t, s), "http://"), "/")
	debugAddr := strings.TrimPrefix(s.debugURL(t), "http://")
	warm, _ := post(t, s.url, "k", marshal(t, sample(t, api.EventTypeMessageResultUpdate))) // the first delivery's one-time costs
	require.Equal(t, http.StatusOK, warm)

	const idle = 1100
	held := holdIdle(t, metricsAddr, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", idle/2)
	held += holdIdle(t, uiAddr, "GET /assets/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", idle/2)
	held += holdIdle(t, uiAddr, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 50)
	held += holdIdle(t, debugAddr, "GET /debug/vars HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 100)
	require.GreaterOrEqual(t, held, idle, "the test could not open its connections")
	time.Sleep(500 * time.Millisecond) // let serve accept what it will

	body := marshal(t, sample(t, api.EventTypeUnsubscribe))
	for i := range 5 {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", sender.ContentType)
		req.Header.Set(smshook.SignatureHeader, "k")
		req.Close = true // a new connection each time: the receiver must still accept
		resp, err := http.DefaultClient.Do(req)
		cancel()
		require.NoError(t, err, "delivery %d with %d idle connections on the side listeners; stderr:\n%s", i, held, tail(s.stderr.String()))
		resp.Body.Close()
		took := time.Since(start)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Less(t, took, time.Second, "delivery %d waited behind the side listeners' connections", i)
		t.Logf("delivery %d with %d idle connections on the side listeners: %d in %v", i, held, resp.StatusCode, took.Round(time.Millisecond))
	}
	assert.NotContains(t, s.stderr.String(), "too many open files")
	require.Equal(t, 0, s.stop(t, os.Interrupt))
}

// tail returns the last lines of a log, for a failure's message.
func tail(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// TestServeBudgetsDescriptors runs serve with fewer descriptors than its receiver and side listeners would
// take at their defaults: with room for a part of the side caps they are lowered, and said so once; with no
// room for the receiver's --max-conns, serve refuses to start and says what to change.
func TestServeBudgetsDescriptors(t *testing.T) {
	t.Parallel()
	sides := []string{"--secret", "k", "--metrics-addr", "127.0.0.1:0", "--ui", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0"}

	s := startServeLimited(t, "1024", nil, append([]string{"--max-conns", "940"}, sides...)...)
	line, ok := s.stderr.waitLine(5*time.Second, s.done, func(l string) bool {
		return strings.HasPrefix(logMsg(l), "the descriptor limit leaves the side listeners fewer connections")
	})
	require.True(t, ok, "serve did not say it lowered the side caps; stderr:\n%s", s.stderr.String())
	assert.Contains(t, line, `"nofile":1024`)
	status, _ := post(t, s.url, "k", marshal(t, sample(t, api.EventTypeUnsubscribe)))
	assert.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, s.stop(t, os.Interrupt))
	assert.Equal(t, 1, strings.Count(s.stderr.String(), "the descriptor limit leaves"), "said once")

	prlimit, err := exec.LookPath("prlimit")
	require.NoError(t, err)
	r := cli{args: append([]string{"--nofile=1024:1024", "--", binary, "serve", "--addr", "127.0.0.1:0", "--max-conns", "1000"}, sides...)}
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prlimit, r.args...)
	cmd.Env = environ(nil)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	assert.Equal(t, 2, cmd.ProcessState.ExitCode(), stderr.String())
	assert.Contains(t, stderr.String(), "smshook serve: the descriptor limit (ulimit -n) is 1024: --max-conns 1000")
	assert.Contains(t, stderr.String(), "raise the limit or lower --max-conns")
}

// TestServeRejectionsAreCountedInFullAndLoggedInPart floods serve with wrong secrets: its log holds the
// first ten, /metrics counts every one.
func TestServeRejectionsAreCountedInFullAndLoggedInPart(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--secret", "k", "--metrics-addr", "127.0.0.1:0")
	metricsURL := s.metricsURL(t)
	const flood = 500
	body := marshal(t, sample(t, api.EventTypeUnsubscribe))
	for range flood {
		status, _ := post(t, s.url, "wrong", body)
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, page := get(t, metricsURL+"/metrics")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `smshook_rejected_total{code="401",problem="urn:smshook:problem:secret-mismatch"} 500`)
	require.Equal(t, 0, s.stop(t, os.Interrupt))
	assert.Equal(t, 10, strings.Count(s.stderr.String(), `"msg":"smshook: request rejected"`), "the first ten of a minute are logged")
	t.Logf("%d wrong secrets: %d bytes of log", flood, len(s.stderr.String()))
}
