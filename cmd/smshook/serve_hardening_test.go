package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/internal/testenv"
)

// defaultStoreTimeout is serve's --store-timeout when none is given (its -h shows it).
const defaultStoreTimeout = 2 * time.Second

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

	body := marshal(t, sample(t, api.EventTypeUnsubscribe))
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
	redisURL := redisURL(t)
	a := startServe(t, nil, "--secret", "k", "--redis", redisURL, "--hook-ids")
	b := startServe(t, nil, "--secret", "k", "--redis", redisURL, "--hook-ids")
	body := marshal(t, sample(t, api.EventTypeMessageResultUpdate))
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

// debugURL waits for serve's log line that names the debug address and returns its base URL.
func (s *server) debugURL(tb testing.TB) string {
	tb.Helper()
	line, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool {
		return strings.HasPrefix(logMsg(l), "debug endpoints on http://")
	})
	require.True(tb, ok, "serve did not log its debug address; stderr:\n%s", s.stderr.String())
	var l struct {
		DebugAddr string `json:"debug_addr"`
	}
	require.NoError(tb, json.Unmarshal([]byte(line), &l))
	return "http://" + l.DebugAddr
}

// get returns the status and the body of a GET of target.
func get(tb testing.TB, target string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	require.NoError(tb, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, string(body)
}

// openConns reads the receiver's open connections from /debug/vars.
func openConns(tb testing.TB, debugURL string) int {
	tb.Helper()
	status, body := get(tb, debugURL+"/debug/vars")
	require.Equal(tb, http.StatusOK, status, body)
	var vars struct {
		OpenConns *int `json:"open_conns"`
	}
	require.NoError(tb, json.Unmarshal([]byte(body), &vars))
	require.NotNil(tb, vars.OpenConns, "no open_conns in /debug/vars: %s", body)
	return *vars.OpenConns
}

// TestServeMaxConns holds more idle connections than --max-conns allows: the receiver never has more than
// the cap open, a delivery waits until the read-header timeout cuts the connections ahead of it, then
// succeeds.
func TestServeMaxConns(t *testing.T) {
	t.Parallel()
	const limit, extra = 4, 2
	const headerTimeout = 2 * time.Second
	s := startServe(t, nil, "--secret", "k", "--max-conns", strconv.Itoa(limit),
		"--read-header-timeout", headerTimeout.String(), "--debug-addr", "127.0.0.1:0")
	debug := s.debugURL(t)
	addr := strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/")

	// Half a request each, then silence, until the server closes the connection.
	first := time.Now()
	var slow sync.WaitGroup
	held := func() {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		slow.Go(func() {
			defer conn.Close()
			_, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\n")
			_ = conn.SetReadDeadline(time.Now().Add(4 * headerTimeout))
			_, _ = io.Copy(io.Discard, conn) // the server's 408, then EOF at the cut
		})
	}
	for range limit {
		held()
	}
	require.Eventually(t, func() bool { return openConns(t, debug) == limit }, headerTimeout/2, 10*time.Millisecond,
		"the first %d connections were not accepted", limit)
	for range extra {
		held() // these wait in the accept queue
	}

	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(marshal(t, sample(t, api.EventTypeUnsubscribe))))
	require.NoError(t, err)
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, "k")
	answered := make(chan error, 1)
	var status int
	go func() {
		resp, err := (&http.Client{Timeout: 5 * headerTimeout}).Do(req)
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
		answered <- err
	}()
	most := 0
wait:
	for {
		select {
		case err := <-answered:
			require.NoError(t, err)
			break wait
		case <-time.After(20 * time.Millisecond):
			most = max(most, openConns(t, debug))
		}
	}
	waited := time.Since(first)
	assert.Equal(t, http.StatusOK, status)
	assert.LessOrEqual(t, most, limit, "more connections open than --max-conns")
	assert.GreaterOrEqual(t, waited, headerTimeout, "the delivery was served before a slot was free")
	assert.Less(t, waited, 3*headerTimeout, "the delivery waited past the read-header timeout of the connections ahead of it")
	slow.Wait()
	require.Eventually(t, func() bool { return openConns(t, debug) <= 1 }, 5*time.Second, 10*time.Millisecond,
		"the held connections were not closed (the delivery's kept-alive one may remain)")
	t.Logf("cap %d, %d idle connections held: at most %d open, the delivery answered after %v", limit, limit+extra, most, waited.Round(time.Millisecond))

	require.Equal(t, 0, s.stop(t, os.Interrupt))
	require.Len(t, s.deliveries(t), 1)
}

// TestServeDebugPublishesNoSecret runs serve with secrets in its argv and environment (and a Redis URL with a
// password, when a Redis is at hand) and checks that no debug page shows them.
func TestServeDebugPublishesNoSecret(t *testing.T) {
	t.Parallel()
	const argSecret, envSecret = "argv-s3cret-Qw7", "env-s3cret-Rt9"
	args := []string{"--secret", argSecret, "--debug-addr", "127.0.0.1:0"}
	hidden := []string{argSecret, envSecret}
	if redisURL := os.Getenv("SMSHOOK_REDIS_URL"); redisURL != "" {
		u, err := url.Parse(redisURL)
		require.NoError(t, err)
		password, ok := u.User.Password()
		if !ok {
			// A Redis without a password accepts any for its default user ("nopass").
			password = "redis-pa55word-Yu3"
			u.User = url.UserPassword("default", password)
		}
		args = append(args, "--redis", u.String())
		hidden = append(hidden, password)
	} else {
		t.Log("SMSHOOK_REDIS_URL unset: no Redis URL in the argv")
	}
	s := startServe(t, []string{"SMSHOOK_SECRET=" + envSecret}, args...)
	debug := s.debugURL(t)

	status, vars := get(t, debug+"/debug/vars")
	require.Equal(t, http.StatusOK, status)
	var published map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(vars), &published), vars)
	assert.ElementsMatch(t, []string{"goroutines", "memstats", "open_conns"}, mapKeys(published))

	status, _ = get(t, debug+"/debug/pprof/cmdline")
	assert.Equal(t, http.StatusNotFound, status, "pprof's cmdline is argv")
	pages := map[string]string{"/debug/vars": vars}
	for _, page := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1",
		"/debug/pprof/goroutine?debug=2", "/debug/pprof/heap?debug=1", "/debug/pprof/allocs?debug=1",
		"/debug/pprof/threadcreate?debug=1", "/debug/pprof/symbol", "/debug/pprof/trace", "/debug/vars?cmdline"} {
		_, pages[page] = get(t, debug+page)
	}
	assert.Contains(t, pages["/debug/pprof/"], "goroutine", "the pprof index is served")
	for page, body := range pages {
		for i, secret := range hidden {
			// Not NotContains: a failure would print the page, secret and all.
			assert.False(t, strings.Contains(body, secret), "%s shows secret #%d", page, i)
		}
	}
	require.Equal(t, 0, s.stop(t, os.Interrupt))
	assertNoValue(t, s.result(), hidden...)
}

// TestServeDebugIndexListsWhatItServes follows every link of the pprof index: each answers 200, and argv
// (pprof's cmdline) is neither listed nor served.
func TestServeDebugIndexListsWhatItServes(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--secret", "k", "--debug-addr", "127.0.0.1:0")
	debug := s.debugURL(t)
	status, index := get(t, debug+"/debug/pprof/")
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, index, "cmdline")
	var links []string
	for _, m := range regexp.MustCompile(`href='([^']+)'`).FindAllStringSubmatch(index, -1) {
		links = append(links, m[1])
	}
	require.NotEmpty(t, links, index)
	for _, link := range links {
		u, err := url.Parse(debug + "/debug/pprof/" + link)
		require.NoError(t, err)
		if u.Query().Has("seconds") {
			q := u.Query()
			q.Set("seconds", "1") // the CPU profile: a second is enough to see it answer
			u.RawQuery = q.Encode()
		}
		status, body := get(t, u.String())
		assert.Equal(t, http.StatusOK, status, "%s: %.200s", link, body)
	}
	for _, want := range []string{"goroutine?debug=1", "heap?debug=1", "profile?seconds=30"} {
		assert.Contains(t, links, want)
	}
	for _, page := range []string{"cmdline", "symbol", "trace", "nonexistent"} {
		status, _ := get(t, debug+"/debug/pprof/"+page)
		assert.Equal(t, http.StatusNotFound, status, "/debug/pprof/%s is not in the index", page)
	}
	require.Equal(t, 0, s.stop(t, os.Interrupt))
}

// redisURL returns $SMSHOOK_REDIS_URL (make test starts a redis-server), or the URL of a redis-server of the
// test's own; without redis-server the test fails, unless $SMSHOOK_SKIP names redis.
func redisURL(tb testing.TB) string {
	tb.Helper()
	testenv.Need(tb, "redis")
	if u := os.Getenv("SMSHOOK_REDIS_URL"); u != "" {
		return u
	}
	s, err := redisserver.Start(context.Background())
	if errors.Is(err, redisserver.ErrNotInstalled) {
		testenv.Missing(tb, "redis", err.Error())
	}
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	return s.URL()
}

// stallingProxy forwards TCP connections to a server until stall is called; from then on it drops what the
// clients send, so that the server seems to hang.
type stallingProxy struct {
	addr    string
	stalled atomic.Bool
}

func newStallingProxy(tb testing.TB, upstream string) *stallingProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	p := &stallingProxy{addr: ln.Addr().String()}
	var conns sync.WaitGroup
	done := make(chan struct{})
	tb.Cleanup(func() {
		close(done)
		_ = ln.Close()
		conns.Wait()
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = client.Close()
				continue
			}
			conns.Go(func() {
				go func() { <-done; _ = client.Close(); _ = server.Close() }()
				go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
				buf := make([]byte, 32<<10)
				for {
					n, err := client.Read(buf)
					if n > 0 && !p.stalled.Load() {
						if _, err := server.Write(buf[:n]); err != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				_ = server.Close()
			})
		}
	}()
	return p
}

func (p *stallingProxy) stall() { p.stalled.Store(true) }

// TestServeStoreTimeout stalls the Redis under serve: a delivery is answered 503 with Retry-After within
// --store-timeout instead of hanging, and nothing is dispatched.
func TestServeStoreTimeout(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(redisURL(t))
	require.NoError(t, err)
	proxy := newStallingProxy(t, u.Host)
	u.Host = proxy.addr
	const storeTimeout = 300 * time.Millisecond
	s := startServe(t, nil, "--secret", "k", "--redis", u.String(), "--store-timeout", storeTimeout.String())
	status, answer := post(t, s.url, "k", marshal(t, sample(t, api.EventTypeUnsubscribe)))
	require.Equal(t, http.StatusOK, status, string(answer))

	proxy.stall()
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(marshal(t, sample(t, api.EventTypeUnsubscribe))))
	require.NoError(t, err)
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, "k")
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	took := time.Since(start)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"), "the store timeout, in whole seconds rounded up")
	assert.GreaterOrEqual(t, took, storeTimeout)
	assert.Less(t, took, defaultStoreTimeout, "answered after the default store timeout, not --store-timeout")
	t.Logf("stalled Redis, --store-timeout %v: 503 after %v", storeTimeout, took.Round(time.Millisecond))

	require.Equal(t, 0, s.stop(t, os.Interrupt))
	require.Len(t, s.deliveries(t), 1, "the delivery that met a stalled store was not dispatched")
}
