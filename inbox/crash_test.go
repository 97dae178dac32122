//go:build linux

package inbox

// A receiver killed with SIGKILL, in a process of its own: this test binary run again with
// SMSHOOK_INBOX_CHILD=1 (the children die with the test binary, Pdeathsig, even when it is killed by a
// timeout; Linux only).

import (
	"bufio"
	"context"
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
)

const (
	envChild = "SMSHOOK_INBOX_CHILD" // "1": run childMain instead of the tests
	envPath  = "SMSHOOK_INBOX_PATH"  // the inbox file
)

// The child's settings: a few slow workers, so that deliveries are stored faster than they are processed
// and some are in the application at the kill; a short job timeout, so that those are rescued soon.
const (
	childWorkers = 4
	childHold    = 50 * time.Millisecond
)

func TestMain(m *testing.M) {
	switch os.Getenv(envChild) {
	case "1":
		os.Exit(childMain())
	case childOpen:
		os.Exit(openChildMain())
	case childHolder:
		os.Exit(holdChildMain())
	}
	os.Exit(withPostgres(m))
}

// childMain serves an inbox's Receiver on 127.0.0.1:0 and prints `listening ADDR`, then for
// each delivery the application gets `begin HOOKSID`, and once it returns `done HOOKID` for each hook. It
// exits when its standard input closes, that is when the test binary is gone.
func childMain() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "inbox child:", err)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ib, err := Open(ctx, os.Getenv(envPath), Config{Logger: logger, Workers: childWorkers,
		JobTimeout: time.Second, RescueAfter: 2 * time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	out := &lines{w: bufio.NewWriter(os.Stdout)}
	app := smshook.Handler{SMSMessageResultUpdate: (&printer{out: out}).onMessageResultUpdate}
	return serveChild(ib, app, out, smshook.WithSecrets(secret), smshook.WithClaimLease(2*time.Second), smshook.WithLogger(logger))
}

// serveChild runs app on ib and serves ib's Receiver, made with opts, on 127.0.0.1:0 for a child process: it
// prints `listening ADDR`, exits when its standard input closes (the test binary is gone), and returns 2
// when it cannot serve.
func serveChild(ib *Inbox, app smshook.Handler, out *lines, opts ...smshook.Option) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "inbox child:", err)
		return 2
	}
	go func() {
		if err := ib.Run(context.Background(), app); err != nil {
			fmt.Fprintln(os.Stderr, "inbox child: Run:", err)
			os.Exit(2)
		}
	}()
	h, err := ib.Receiver(opts...)
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
	out.print("listening " + ln.Addr().String())
	return fail(http.Serve(ln, h))
}

// lines writes whole lines to stdout, each flushed at once, so that a SIGKILL loses none that were printed.
type lines struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (l *lines) print(ss ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range ss {
		_, _ = l.w.WriteString(s + "\n")
	}
	_ = l.w.Flush()
}

// printer is the child's application.
type printer struct{ out *lines }

func (p *printer) onMessageResultUpdate(ctx context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
	p.out.print("begin " + e.HooksID)
	select {
	case <-time.After(childHold):
	case <-ctx.Done():
		return ctx.Err()
	}
	done := make([]string, len(e.Hooks))
	for i, h := range e.Hooks {
		done[i] = "done " + h.HookID
	}
	p.out.print(done...)
	return nil
}

// journal counts the lines the children print, across restarts, by child.
type journal struct {
	mu      sync.Mutex
	count   map[string]int
	byChild []map[string]int
}

func (j *journal) add(child int, line string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.count[line]++
	j.byChild[child][line]++
}

func (j *journal) n(line string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count[line]
}

func (j *journal) nIn(child int, line string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.byChild[child][line]
}

type child struct {
	cmd    *exec.Cmd
	url    string
	stdin  io.WriteCloser
	stderr *strings.Builder
	mu     *sync.Mutex
	ended  chan struct{} // closed once everything it printed is in the journal
}

// startChild starts a receiver on path; what it prints goes into j as child number n. env is added to its
// environment (SMSHOOK_INBOX_CHILD=… there chooses another main).
func startChild(tb testing.TB, path string, j *journal, n int, env ...string) *child {
	tb.Helper()
	j.mu.Lock()
	j.byChild = append(j.byChild, map[string]int{})
	j.mu.Unlock()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), envChild+"=1", envPath+"="+path), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	c := &child{cmd: cmd, stderr: &strings.Builder{}, mu: &sync.Mutex{}, ended: make(chan struct{})}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { c.mu.Lock(); defer c.mu.Unlock(); return c.stderr.Write(p) })
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	c.stdin, err = cmd.StdinPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	addr := make(chan string, 1)
	go func() {
		defer close(c.ended)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				addr <- a
				continue
			}
			j.add(n, sc.Text())
		}
	}()
	tb.Cleanup(func() {
		c.kill()
		if tb.Failed() {
			c.mu.Lock()
			tb.Logf("child %d stderr:\n%s", n, c.stderr.String())
			c.mu.Unlock()
		}
	})
	select {
	case a := <-addr:
		require.True(tb, strings.HasPrefix(a, "127.0.0.1:"), "the child listens on %s, not on loopback", a)
		c.url = "http://" + a + "/"
	case <-time.After(20 * time.Second):
		tb.Fatal("the child did not start")
	}
	return c
}

// kill ends the child with SIGKILL and waits until everything it printed is in the journal.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.ended
	_ = c.cmd.Wait()
	_ = c.stdin.Close()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestSIGKILLLosesNothingAcknowledged posts 10-hook deliveries from 8 senders to a receiver whose workers
// are slower than its senders, kills it with SIGKILL once 150 were acknowledged, restarts it on the same
// file and sends again every delivery that was not acknowledged, as a sender that retries would, and copies
// of 20 that were. Every acknowledged hook reaches the application; a hook reaches it twice only if its
// delivery was in the application at the kill (at most one per worker).
func TestSIGKILLLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	const (
		deliveries = 300
		senders    = 8
		killAfter  = 150
	)
	path := newInboxName(t)
	j := &journal{count: map[string]int{}}
	first := startChild(t, path, j, 0)

	type sent struct {
		hooksID string
		body    []byte
		ids     []string
	}
	all := make([]sent, deliveries)
	for i := range all {
		env, body, ids := mru(t, 10)
		all[i] = sent{env.HooksID, body, ids}
	}
	status := make([]int, deliveries)
	var mu sync.Mutex
	acked := 0
	killed := make(chan struct{})
	next := make(chan int)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := range next {
				s := post(t, first.url, all[i].body)
				mu.Lock()
				status[i] = s
				if s == http.StatusOK {
					acked++
				}
				mu.Unlock()
			}
		})
	}
	var killedAt time.Time
	go func() {
		defer close(next)
		for i := range all {
			select {
			case next <- i:
			case <-killed:
				return
			}
		}
	}()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return acked >= killAfter }, 30*time.Second, time.Millisecond)
	first.kill()
	killedAt = time.Now()
	close(killed)
	wg.Wait()

	mu.Lock()
	var ackedIdx, resend []int
	for i, s := range status {
		if s == http.StatusOK {
			ackedIdx = append(ackedIdx, i)
		} else {
			resend = append(resend, i)
		}
	}
	mu.Unlock()
	// In flight at the kill: begun by the first receiver, and either still in the application or returned from it
	// before the job's completion was written (the one window in which a delivery is handed over twice).
	takenAtKill := map[string]bool{}
	inAppAtKill := 0
	for _, s := range all {
		if j.nIn(0, "begin "+s.hooksID) > 0 {
			takenAtKill[s.hooksID] = true
			if j.nIn(0, "done "+s.ids[0]) == 0 {
				inAppAtKill++
			}
		}
	}
	waiting := 0 // acknowledged, not yet handed over
	for _, i := range ackedIdx {
		if j.nIn(0, "begin "+all[i].hooksID) == 0 {
			waiting++
		}
	}
	t.Logf("killed after %d acknowledged deliveries: %d stored and waiting, %d in the application; %d to send again",
		len(ackedIdx), waiting, inAppAtKill, len(resend))

	second := startChild(t, path, j, 1)
	for _, i := range resend {
		ok := false
		for attempt := 0; attempt < 100 && !ok; attempt++ {
			s := post(t, second.url, all[i].body)
			ok = s == http.StatusOK
			if !ok {
				require.Contains(t, []int{0, http.StatusServiceUnavailable}, s, "only a claim of the killed receiver delays a resend")
				time.Sleep(100 * time.Millisecond)
			}
		}
		require.True(t, ok, "delivery %d never acknowledged after the restart", i)
	}
	for _, i := range ackedIdx[:20] {
		require.Equal(t, http.StatusOK, post(t, second.url, all[i].body), "a copy of an acknowledged delivery")
	}

	deadline := time.Now().Add(45 * time.Second)
	missing := func() []string {
		var m []string
		for _, s := range all {
			for _, id := range s.ids {
				if j.n("done "+id) == 0 {
					m = append(m, id)
				}
			}
		}
		return m
	}
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	require.Empty(t, missing(), "acknowledged hooks that never reached the application")
	t.Logf("every hook reached the application %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // a further copy would have come by now

	dupDeliveries := 0
	for _, s := range all {
		dup := false
		for _, id := range s.ids {
			if n := j.n("done " + id); n > 1 {
				require.Equal(t, 2, n, "hook %s reached the application %d times", id, n)
				require.True(t, takenAtKill[s.hooksID], "hook %s reached the application twice but the killed receiver never took it", id)
				dup = true
			}
		}
		if dup {
			dupDeliveries++
		}
	}
	t.Logf("deliveries that reached the application twice: %d (at most %d, one per worker)", dupDeliveries, childWorkers)
	require.LessOrEqual(t, dupDeliveries, childWorkers)
}
