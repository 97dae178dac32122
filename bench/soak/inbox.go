package main

// The inbox phase: `smshook serve --inbox FILE --forward-to URL` under a steady load of signed deliveries that
// the driver sends again until they are acknowledged, with the application (an HTTP server in this process
// that verifies every Standard Webhooks signature) down for a while, and the receiver killed with SIGKILL at a
// random point and restarted on the same file and port. Every hook acknowledged must reach the application;
// one may reach it twice only if its forward was in flight at the kill (the application answered 2xx, the
// inbox had not recorded it).

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/smshook/smshook/internal/syncbuf"
)

const (
	inboxForwardTimeout = 2 * time.Second
	// inboxDrain bounds the wait for the last forwards after the load: a delivery taken by the killed process
	// waits for the restarted one to lead River (15 s) and River's rescuer (every 30 s) to find it stuck.
	inboxDrain = 75 * time.Second
	// inFlightWindow is how long before the kill a forward the application answered counts as in flight: the
	// worker records it (deletes its delivery, one group commit) within milliseconds of the answer.
	inFlightWindow = time.Second
)

// forwardTarget is the application behind --forward-to.
type forwardTarget struct {
	verifier *standardwebhooks.Webhook
	delay    time.Duration // how long each request takes, so that a kill finds forwards in flight
	down     atomic.Bool
	mu       sync.Mutex
	seen     map[string]int // hookId → forwards acknowledged
	badSig   int
	refused  int // answered 503 while down
	requests []span
}

// span is one request to the application that it acknowledged, and its hooks.
type span struct {
	start, end time.Time
	hooks      int
}

func (a *forwardTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	time.Sleep(a.delay)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verifier.Verify(body, r.Header) != nil {
		a.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if a.down.Load() {
		a.refused++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var d struct {
		Hooks []struct {
			HookID string `json:"hookId"`
		} `json:"hooks"`
	}
	if json.Unmarshal(body, &d) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, h := range d.Hooks {
		a.seen[h.HookID]++
	}
	a.requests = append(a.requests, span{start: start, hooks: len(d.Hooks)})
	i := len(a.requests) - 1
	w.WriteHeader(http.StatusOK)
	// The end of the request is when the inbox can have the answer; taken after the write.
	a.requests[i].end = time.Now()
}

// runInbox runs the inbox phase and prints its report.
func runInbox(bin string, rate int, load time.Duration, hooksPerDelivery, workers int) error {
	ctx, cancel := context.WithTimeout(context.Background(), load+inboxDrain+time.Minute)
	defer cancel()
	app, target, fwdSecret, stopApp, err := startForwardTarget(0)
	if err != nil {
		return err
	}
	defer stopApp()
	dir, err := os.MkdirTemp("", "smshook-soak-inbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "inbox.db")
	start := func(addr string) (*serveProc, error) {
		return startInboxServe(ctx, bin, addr, file, target, fwdSecret)
	}
	srv, err := start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer func() { srv.kill() }()
	addr := srv.addr

	s := newFaultSender(workers, addr)
	gen := newGenerator(hooksPerDelivery, 1<<20)
	begin := time.Now()
	s.deadline = begin.Add(load + drainTime)
	seed := time.Now().UnixNano()
	rng := mrand.New(mrand.NewPCG(uint64(seed), 7))
	// The application is down from a fifth to two fifths of the load; the kill falls between 45 % and 80 %.
	downFrom, downTo := load/5, load*2/5
	killAt := load*45/100 + time.Duration(rng.Int64N(int64(load*35/100)))
	var kill, restarted time.Time
	faultsDone := make(chan error, 1)
	go func() {
		time.Sleep(time.Until(begin.Add(downFrom)))
		app.down.Store(true)
		time.Sleep(time.Until(begin.Add(downTo)))
		app.down.Store(false)
		time.Sleep(time.Until(begin.Add(killAt)))
		kill = time.Now()
		srv.kill()
		var err error
		for attempt := 0; attempt < 5; attempt++ { // the port was just freed; bind it again
			if attempt > 0 {
				time.Sleep(200 * time.Millisecond)
			}
			var next *serveProc
			if next, err = start(addr); err == nil {
				srv = next
				break
			}
		}
		restarted = time.Now()
		faultsDone <- err
	}()

	sent := sendLoad(s, gen, rate, begin, load)
	if err := <-faultsDone; err != nil {
		return fmt.Errorf("inbox phase: restart: %w", err)
	}
	sent.Wait()

	// Until the inbox is empty too: the application may have taken a forward whose answer the killed process
	// never read, and that the restarted one hands over again once River rescues it.
	o, drained := waitForwarded(s, app, kill, func() bool { return inboxEmpty(ctx, bin, file) })
	if _, err := srv.stop(); err != nil {
		return fmt.Errorf("inbox phase: the restarted receiver did not shut down cleanly: %w", err)
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	app.mu.Lock()
	defer app.mu.Unlock()
	fmt.Printf("soak (inbox): %d deliveries at %d/s for %s; application down %s–%s (%d forwards answered 503); kill -9 at %s (seed %d), listening again after %s; last forward %s after the load\n",
		len(s.deliveries), rate, load, downFrom, downTo, app.refused, ms(kill.Sub(begin)), seed, ms(restarted.Sub(kill)), ms(drained))
	fmt.Printf("soak (inbox): %d forwards acknowledged, %d with a bad signature; %d deliveries never acknowledged\n",
		len(app.requests), app.badSig, o.unacked)
	fmt.Printf("soak (inbox): sent %d, acknowledged %d, forwarded %d, duplicates %d (in-flight bound %d), lost %d\n",
		o.sent, o.acked, o.forwarded, o.duplicates, o.inFlight, o.lost)
	return o.check("inbox phase", app.badSig)
}

// startForwardTarget starts the application behind --forward-to on 127.0.0.1, each request taking delay, and
// returns it, its URL, the whsec_ secret it verifies with, and the func that stops it.
func startForwardTarget(delay time.Duration) (*forwardTarget, string, string, func(), error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, "", "", nil, err
	}
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, "", "", nil, err
	}
	app := &forwardTarget{verifier: verifier, seen: map[string]int{}, delay: delay}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", "", nil, err
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return app, "http://" + ln.Addr().String() + "/nhn", secret, func() { _ = srv.Close() }, nil
}

// sendLoad sends a new delivery of gen through s every 1/rate seconds from begin until load passed, each until
// it is acknowledged; it returns once the last one is under way, with what waits for them all.
func sendLoad(s *faultSender, gen *generator, rate int, begin time.Time, load time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for now := range tick.C {
		if now.Sub(begin) >= load {
			break
		}
		d := &faultDelivery{}
		d.body, d.ids = gen.delivery()
		s.add(d)
		wg.Go(func() { s.deliver(d) })
	}
	return &wg
}

// outcome is what the application got of what the receivers acknowledged.
type outcome struct {
	sent, acked, forwarded, duplicates, lost int
	inFlight                                 int // hooks forwarded around the kill: those that may come twice
	unacked                                  int // deliveries never acknowledged
}

// waitForwarded waits until every hook the receivers acknowledged reached the application and settled (when
// not nil) reports nothing left in the inbox, or inboxDrain passed, and returns the outcome and how long it
// waited; kill is when a process was killed.
func waitForwarded(s *faultSender, app *forwardTarget, kill time.Time, settled func() bool) (outcome, time.Duration) {
	var o outcome
	acked := map[string]bool{}
	for _, d := range s.deliveries {
		o.sent += len(d.ids)
		if d.acked {
			for _, id := range d.ids {
				acked[id] = true
			}
		} else {
			o.unacked++
		}
	}
	missing := func() int {
		app.mu.Lock()
		defer app.mu.Unlock()
		n := 0
		for id := range acked {
			if app.seen[id] == 0 {
				n++
			}
		}
		return n
	}
	drainStart := time.Now()
	for (missing() > 0 || (settled != nil && !settled())) && time.Since(drainStart) < inboxDrain {
		time.Sleep(100 * time.Millisecond)
	}
	drained := time.Since(drainStart)

	app.mu.Lock()
	defer app.mu.Unlock()
	o.acked = len(acked)
	for id := range acked {
		switch n := app.seen[id]; {
		case n == 0:
			o.lost++
		default:
			o.forwarded++
			o.duplicates += n - 1
		}
	}
	for _, r := range app.requests {
		if !r.start.After(kill) && !r.end.Before(kill.Add(-inFlightWindow)) {
			o.inFlight += r.hooks // spanning the kill or answered just before it: its completion may be lost
		}
	}
	return o, drained
}

// check returns the phase's failure, if any.
func (o outcome) check(phase string, badSig int) error {
	switch {
	case o.lost > 0:
		return fmt.Errorf("%s: %d acknowledged hooks never reached the application", phase, o.lost)
	case badSig > 0:
		return fmt.Errorf("%s: %d forwards failed the signature check", phase, badSig)
	case o.duplicates > o.inFlight:
		return fmt.Errorf("%s: %d duplicates beyond the %d hooks in flight at the kill", phase, o.duplicates, o.inFlight)
	case o.unacked > 0:
		return fmt.Errorf("%s: %d deliveries never acknowledged", phase, o.unacked)
	case o.acked == 0:
		return errors.New(phase + ": nothing was acknowledged")
	}
	return nil
}

// startInboxServe starts `smshook serve --inbox` on addr, forwarding to target, and waits until it listens.
func startInboxServe(ctx context.Context, bin, addr, inbox, target, fwdSecret string, args ...string) (*serveProc, error) {
	return startInboxProc(ctx, bin, addr, []string{"SMSHOOK_FORWARD_SECRET=" + fwdSecret}, append([]string{
		"--inbox", inbox, "--forward-to", target, "--forward-timeout", inboxForwardTimeout.String()}, args...)...)
}

// startInboxProc starts `smshook serve` on addr with args and env added, and waits until it listens.
func startInboxProc(ctx context.Context, bin, addr string, env []string, args ...string) (*serveProc, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--addr", addr, "--secret", secret, "--hook-ids"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, dispatched: make(chan map[string]int, 1)}
	go func() { p.dispatched <- countDispatched(stdout) }()
	listening := make(chan string, 1)
	head := &syncbuf.Buffer{}
	go (&logCounts{}).read(stderr, listening, head)
	select {
	case p.addr = <-listening:
	case <-time.After(15 * time.Second):
	}
	if !strings.HasPrefix(p.addr, "127.0.0.1:") {
		p.kill()
		return nil, fmt.Errorf("the receiver did not listen on 127.0.0.1 (%q):\n%s", p.addr, head.String())
	}
	return p, nil
}

// inboxEmpty reports whether `smshook inbox` counts no delivery left to hand over: none available, scheduled,
// retryable, running or pending.
func inboxEmpty(ctx context.Context, bin, inbox string) bool {
	out, err := exec.CommandContext(ctx, bin, "inbox", inbox).Output()
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(out), "\n")
	for part := range strings.SplitSeq(first, ", ") {
		state, n, ok := strings.Cut(part, " ")
		if !ok {
			return false
		}
		switch state {
		case "available", "scheduled", "retryable", "running", "pending":
			if n != "0" {
				return false
			}
		}
	}
	return true
}
