//go:build linux

package redisstore_test

// Fault tests in real processes: each test starts its own redis-server (it gets SIGSTOPped, so the shared
// $SMSHOOK_REDIS_URL one is never used) and runs the receiver as a child process, this test binary run again
// with SMSHOOK_FAULT_RECEIVER=1, so that it can be killed with SIGKILL in the middle of a delivery. Linux only:
// the children die with the test binary (Pdeathsig) even when it is killed by a timeout.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/internal/testenv"
	"github.com/smshook/smshook/redisstore"
	"github.com/smshook/smshook/smshooktest"
)

// The child receiver is configured through these variables.
const (
	envReceiver     = "SMSHOOK_FAULT_RECEIVER"      // "1": run receiverMain instead of the tests
	envRedisURL     = "SMSHOOK_FAULT_REDIS_URL"     // the test's own redis-server
	envLease        = "SMSHOOK_FAULT_LEASE"         // smshook.WithClaimLease
	envStoreTimeout = "SMSHOOK_FAULT_STORE_TIMEOUT" // smshook.WithStoreTimeout
	envBlock        = "SMSHOOK_FAULT_BLOCK"         // hookIds with this prefix block the application forever
	envFail         = "SMSHOOK_FAULT_FAIL"          // hookIds with this prefix fail their first attempt in this process…
	envHold         = "SMSHOOK_FAULT_HOLD"          // …after holding the delivery this long
)

const faultSecret = "fault-secret"

func TestMain(m *testing.M) {
	if os.Getenv(envReceiver) == "1" {
		os.Exit(receiverMain())
	}
	os.Exit(m.Run())
}

// receiverMain serves smshook.NewHandler on 127.0.0.1:0 over the Redis store and prints `listening ADDR`, then
// one line per hook the application sees: `begin ID` when it is handed over, then `done ID` (processed) or
// `fail ID`. It exits when its standard input closes, that is when the test binary is gone.
func receiverMain() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "fault receiver:", err)
		return 2
	}
	lease, err := time.ParseDuration(os.Getenv(envLease))
	if err != nil {
		return fail(err)
	}
	storeTimeout, err := time.ParseDuration(os.Getenv(envStoreTimeout))
	if err != nil {
		return fail(err)
	}
	var hold time.Duration
	if s := os.Getenv(envHold); s != "" {
		if hold, err = time.ParseDuration(s); err != nil {
			return fail(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	store, err := redisstore.Open(ctx, os.Getenv(envRedisURL))
	cancel()
	if err != nil {
		return fail(err)
	}
	app := &faultApp{block: os.Getenv(envBlock), fail: os.Getenv(envFail), hold: hold, failed: map[string]bool{}}
	h, err := smshook.NewHandler(smshook.Handler{SMSMessageResultUpdate: app.onMessageResultUpdate}, smshook.WithSecrets(faultSecret), smshook.WithStore(store),
		smshook.WithClaimLease(lease), smshook.WithStoreTimeout(storeTimeout),
		smshook.WithLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil))))
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	app.printf("listening %s", ln.Addr())
	return fail(http.Serve(ln, h))
}

// faultApp is the application of the child receiver.
type faultApp struct {
	block, fail string
	hold        time.Duration
	mu          sync.Mutex
	failed      map[string]bool // hookIds whose first attempt failed already
}

func (a *faultApp) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func (a *faultApp) onMessageResultUpdate(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
	for _, h := range e.Hooks {
		a.printf("begin %s", h.HookID)
	}
	for _, h := range e.Hooks {
		id := h.HookID
		switch {
		case a.block != "" && strings.HasPrefix(id, a.block):
			select {} // a hung application: only SIGKILL ends this delivery
		case a.fail != "" && strings.HasPrefix(id, a.fail):
			a.mu.Lock()
			first := !a.failed[id]
			a.failed[id] = true
			a.mu.Unlock()
			if first {
				time.Sleep(a.hold)
				a.printf("fail %s", id)
				return errors.New("the application failed")
			}
		}
	}
	for _, h := range e.Hooks {
		a.printf("done %s", h.HookID)
	}
	return nil
}

// journal collects the lines the receivers print, across restarts, and wakes whoever waits for one.
type journal struct {
	mu      sync.Mutex
	count   map[string]int
	changed chan struct{}
}

func newJournal() *journal { return &journal{count: map[string]int{}, changed: make(chan struct{})} }

func (j *journal) add(line string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.count[line]++
	close(j.changed)
	j.changed = make(chan struct{})
}

func (j *journal) n(line string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count[line]
}

// waitFor reports whether line was printed at least n times within d.
func (j *journal) waitFor(line string, n int, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		j.mu.Lock()
		got, changed := j.count[line], j.changed
		j.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// lineWriter hands each complete line written to it to the journal, the first `listening` line to addr.
type lineWriter struct {
	j       *journal
	addr    chan string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if addr, ok := strings.CutPrefix(line, "listening "); ok && w.addr != nil {
			w.addr <- addr
			w.addr = nil
			continue
		}
		w.j.add(line)
	}
}

// redisServer is a redis-server of one test, on a loopback port of its own.
type redisServer struct {
	*redisserver.Server
	url string
}

// startRedis starts redis-server and kills it at cleanup. Without redis-server the test fails, unless
// $SMSHOOK_SKIP names redis.
func startRedis(tb testing.TB) *redisServer {
	tb.Helper()
	s, err := redisserver.Start(context.Background())
	if errors.Is(err, redisserver.ErrNotInstalled) {
		testenv.Missing(tb, "redis", err.Error())
	}
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	return &redisServer{Server: s, url: s.URL()}
}

func (r *redisServer) stop(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, r.Stop())
}

func (r *redisServer) resume(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, r.Resume())
}

// receiver is a child receiver process.
type receiver struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncbuf.Buffer
	stdin  io.WriteCloser
	done   bool
}

// receiverConfig is how a child receiver behaves; a zero hold or empty prefix leaves that behaviour out.
type receiverConfig struct {
	lease, storeTimeout, hold time.Duration
	block, fail               string
}

// startReceiver starts a receiver on r with c, printing into j, and kills it at cleanup (its stderr is logged
// when the test failed).
func startReceiver(tb testing.TB, r *redisServer, j *journal, c receiverConfig) *receiver {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envReceiver+"=1", envRedisURL+"="+r.url,
		envLease+"="+c.lease.String(), envStoreTimeout+"="+c.storeTimeout.String(),
		envBlock+"="+c.block, envFail+"="+c.fail, envHold+"="+c.hold.String())
	addr := make(chan string, 1)
	rc := &receiver{cmd: cmd, stderr: &syncbuf.Buffer{}}
	cmd.Stdout, cmd.Stderr = &lineWriter{j: j, addr: addr}, rc.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	rc.stdin = stdin
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		rc.kill()
		if tb.Failed() {
			tb.Logf("receiver %d stderr:\n%s", cmd.Process.Pid, rc.stderr.String())
		}
	})
	select {
	case a := <-addr:
		require.True(tb, strings.HasPrefix(a, "127.0.0.1:"), "the receiver listens on %s, not on loopback", a)
		rc.url = "http://" + a + "/"
	case <-time.After(15 * time.Second):
		rc.kill()
		tb.Fatalf("the receiver did not start:\n%s", rc.stderr.String())
	}
	return rc
}

// kill ends the receiver with SIGKILL and waits until everything it printed is in the journal.
func (rc *receiver) kill() {
	if rc.done {
		return
	}
	rc.done = true
	_ = rc.cmd.Process.Kill()
	_ = rc.cmd.Wait()
	_ = rc.stdin.Close()
}

// answer is what one attempt got: status 0 when no answer came (connection refused or reset, timeout).
type answer struct {
	status     int
	retryAfter string
	latency    time.Duration
	err        error
}

func (a answer) String() string {
	if a.status == 0 {
		return fmt.Sprintf("no answer after %s (%v)", a.latency.Round(time.Millisecond), a.err)
	}
	return fmt.Sprintf("%d after %s (Retry-After %q)", a.status, a.latency.Round(time.Millisecond), a.retryAfter)
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

var faultClient = &http.Client{Timeout: 10 * time.Second}

// post posts body to url once, as NHN Cloud does.
func post(url string, body []byte) answer {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, faultSecret)
	t0 := time.Now()
	resp, err := faultClient.Do(req)
	a := answer{latency: time.Since(t0), err: err}
	if err != nil {
		return a
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a.status, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	return a
}

// retryUntilOK sends body to the urls in turn, every 100 ms, until an attempt gets a 2xx or d has passed; it
// returns every answer, the last one first.
func retryUntilOK(url func(attempt int) string, body []byte, d time.Duration) []answer {
	var answers []answer
	deadline := time.Now().Add(d)
	for attempt := 0; attempt < 200 && time.Now().Before(deadline); attempt++ {
		a := post(url(attempt), body)
		answers = append([]answer{a}, answers...)
		if a.ok() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return answers
}

// newDelivery returns a new one-hook MESSAGE_RESULT_UPDATE delivery whose hookId starts with prefix.
func newDelivery(tb testing.TB, prefix string) (body []byte, hookID string) {
	tb.Helper()
	env := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	require.Len(tb, env.Hooks, 1)
	env.Hooks[0].HookID = prefix + env.Hooks[0].HookID
	body, err := json.Marshal(env)
	require.NoError(tb, err)
	return body, env.Hooks[0].HookID
}

// TestSIGKILLMidDeliveryIsRedeliveredAfterTheLease kills the receiver while its application holds a delivery:
// the claim outlives the process, so a retry to the restarted receiver is answered 503 (never 2xx) until the
// lease ends; then the redelivery is processed once and acknowledged, and a further copy is acknowledged
// without being processed again.
func TestSIGKILLMidDeliveryIsRedeliveredAfterTheLease(t *testing.T) {
	const lease = 2 * time.Second
	r := startRedis(t)
	j := newJournal()
	c := receiverConfig{lease: lease, storeTimeout: time.Second, block: "block-"}
	first := startReceiver(t, r, j, c)
	body, id := newDelivery(t, "block-")

	inFlight := make(chan answer, 1)
	sent := time.Now() // the claim is made after this, so its lease ends after sent+lease
	go func() { inFlight <- post(first.url, body) }()
	require.True(t, j.waitFor("begin "+id, 1, 10*time.Second), "the application never got the delivery")
	first.kill()
	require.False(t, (<-inFlight).ok(), "the killed receiver acknowledged a delivery it never processed")

	c.block = ""
	second := startReceiver(t, r, j, c)
	early := post(second.url, body)
	require.Less(t, time.Since(sent), lease-200*time.Millisecond, "the restart took too long to test the lease")
	require.Equal(t, http.StatusServiceUnavailable, early.status, "a retry within the killed attempt's lease: %s", early)
	require.NotEmpty(t, early.retryAfter, "a 503 for a hook in progress says when to retry")
	t.Logf("a retry to the restarted receiver %s after the first attempt: %s", time.Since(sent).Round(time.Millisecond),
		early)
	require.Zero(t, j.n("done "+id))

	answers := retryUntilOK(func(int) string { return second.url }, body, 3*lease)
	require.True(t, answers[0].ok(), "the redelivery was never acknowledged: %v", answers)
	require.GreaterOrEqual(t, time.Since(sent), lease, "acknowledged before the lease of the killed attempt ended")
	for _, a := range answers[1:] {
		require.Equal(t, http.StatusServiceUnavailable, a.status, "answers before the lease ended: %v", answers)
	}
	require.True(t, j.waitFor("done "+id, 1, 2*time.Second), "acknowledged (%s) but not processed", answers[0])

	again := post(second.url, body)
	require.Equal(t, http.StatusOK, again.status, "a copy of a processed delivery: %s", again)
	time.Sleep(100 * time.Millisecond) // a second dispatch would be printed by now
	require.Equal(t, 1, j.n("done "+id), "processed once")
	require.Equal(t, 2, j.n("begin "+id), "handed over twice: to the killed receiver, then after the lease")
}

// TestRedisStallAnswers503WithinTheStoreTimeout stops Redis (SIGSTOP) for longer than the store timeout while
// deliveries are being claimed: each is answered 503 within a few seconds, not held until Redis comes back, and
// once Redis runs again the sender's retries are acknowledged with every event processed exactly once, although
// the claims written while Redis was stopped land when it resumes.
func TestRedisStallAnswers503WithinTheStoreTimeout(t *testing.T) {
	const (
		lease        = 2 * time.Second
		storeTimeout = time.Second
		stall        = 3 * time.Second
		deliveries   = 3
	)
	r := startRedis(t)
	j := newJournal()
	rc := startReceiver(t, r, j, receiverConfig{lease: lease, storeTimeout: storeTimeout})
	warm, warmID := newDelivery(t, "warm-") // a delivery before the stall: the client's connections are open
	require.Equal(t, http.StatusOK, post(rc.url, warm).status)
	require.True(t, j.waitFor("done "+warmID, 1, 2*time.Second))

	bodies, ids := make([][]byte, deliveries), make([]string, deliveries)
	for i := range deliveries {
		bodies[i], ids[i] = newDelivery(t, "stall-")
	}
	r.stop(t)
	stopped := time.Now()
	answers := make([]answer, deliveries)
	var wg sync.WaitGroup
	for i := range deliveries {
		wg.Go(func() { answers[i] = post(rc.url, bodies[i]) })
	}
	wg.Wait()
	require.Less(t, time.Since(stopped), stall, "the stall answers took longer than the stall itself: %v", answers)
	time.Sleep(stall - time.Since(stopped))
	r.resume(t)
	t.Logf("answers while Redis was stopped: %v", answers)
	for i, a := range answers {
		require.Equal(t, http.StatusServiceUnavailable, a.status, "delivery %d during the stall: %s", i, a)
		require.Less(t, a.latency, 5*storeTimeout, "delivery %d during the stall: %s", i, a)
	}

	for i := range deliveries {
		retries := retryUntilOK(func(int) string { return rc.url }, bodies[i], 4*lease)
		require.True(t, retries[0].ok(), "delivery %d never acknowledged after the stall: %v", i, retries)
		for _, a := range retries[1:] {
			require.Equal(t, http.StatusServiceUnavailable, a.status, "delivery %d after the stall: %v", i, retries)
		}
		require.True(t, j.waitFor("done "+ids[i], 1, 2*time.Second), "delivery %d acknowledged but not processed", i)
	}
	for i := range deliveries {
		require.Equal(t, http.StatusOK, post(rc.url, bodies[i]).status)
	}
	time.Sleep(100 * time.Millisecond)
	for i := range deliveries {
		require.Equal(t, 1, j.n("done "+ids[i]), "delivery %d processed once", i)
	}
}

// TestTwoReceiversCopiesWaitForAFailingFirstAttempt runs two receivers on one Redis: A holds a delivery, then
// its application fails (500). Copies sent to B meanwhile are answered 503, never 2xx: nothing is acknowledged
// before it is processed. After the failure a copy is processed and acknowledged, and the event is processed
// once in all.
func TestTwoReceiversCopiesWaitForAFailingFirstAttempt(t *testing.T) {
	const hold = 1500 * time.Millisecond
	r := startRedis(t)
	j := newJournal()
	c := receiverConfig{lease: 3 * time.Second, storeTimeout: time.Second, hold: hold, fail: "fail-"}
	a := startReceiver(t, r, j, c)
	c.fail = ""
	b := startReceiver(t, r, j, c)
	body, id := newDelivery(t, "fail-")

	first := make(chan answer, 1)
	go func() { first <- post(a.url, body) }()
	require.True(t, j.waitFor("begin "+id, 1, 10*time.Second), "A's application never got the delivery")
	var copies []answer
	var fromA answer
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 100, "A never answered")
		select {
		case fromA = <-first:
		case <-time.After(100 * time.Millisecond):
			copies = append(copies, post(b.url, body))
			continue
		}
		break
	}
	require.Equal(t, http.StatusInternalServerError, fromA.status, "A's application failed: %s", fromA)
	require.NotEmpty(t, copies)
	// A releases its claim once its application failed, then answers: a copy sent in between is B's to process,
	// and its 200 comes after A's failure. Only the last copy can fall there.
	if last := len(copies) - 1; copies[last].status == http.StatusOK {
		require.True(t, j.waitFor("done "+id, 1, 2*time.Second), "copy %d to B acknowledged but not processed: %v", last, copies)
		require.True(t, j.waitFor("fail "+id, 1, 2*time.Second), "copy %d to B acknowledged, A's application never failed: %v", last, copies)
		copies = copies[:last]
	} else {
		require.Zero(t, j.n("done "+id), "nothing was processed while A held the delivery")
	}
	for i, cp := range copies {
		require.Equal(t, http.StatusServiceUnavailable, cp.status, "copy %d to B while A held the delivery: %v", i, copies)
	}

	retries := retryUntilOK(func(n int) string { return [...]string{b.url, a.url}[n%2] }, body, 5*time.Second)
	require.True(t, retries[0].ok(), "never acknowledged after A's failure: %v", retries)
	require.Len(t, retries, 1, "A released its claim before it answered 500, so the first retry is processed: %v", retries)
	require.True(t, j.waitFor("done "+id, 1, 2*time.Second), "acknowledged but not processed")
	require.Equal(t, http.StatusOK, post(a.url, body).status)
	require.Equal(t, http.StatusOK, post(b.url, body).status)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 1, j.n("done "+id), "processed once")
	require.Equal(t, 1, j.n("fail "+id))
}
