package main

// The fault phase: `smshook serve --redis` on a redis-server of the soak's own, under a steady load of signed
// deliveries that the driver, as a retrying sender, sends again until they are acknowledged, while Redis is
// stopped (SIGSTOP) for longer than the store timeout and the receiver is killed (SIGKILL) in the middle of a
// burst and restarted on the same port. Every event sent must be dispatched. A duplicate is allowed only for a
// hook that was in flight at one of the two faults, where the promise is at-least-once: one that was dispatched
// but whose completion could not be recorded is processed again by a redelivery after the claim lease.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/internal/syncbuf"
)

const (
	faultLease        = 2 * time.Second // --claim-lease
	faultStoreTimeout = time.Second     // --store-timeout
	faultStall        = 3 * time.Second // how long Redis stays stopped
	maxAttempts       = 30              // per delivery, by the retrying sender
	maxBackoff        = 1600 * time.Millisecond
	drainTime         = 25 * time.Second // after the load, for the last retries
	copiesAfter       = 50               // processed deliveries sent again at the end: acknowledged, not dispatched
)

// runFaults runs the fault phase and prints its report; it fails when an event was lost, duplicated beyond the
// hooks in flight at a fault, never acknowledged, or answered with an unexpected status. Without redis-server
// it is skipped with a loud message, except under CI, where it fails.
func runFaults(bin string, rate int, load time.Duration, hooksPerDelivery, workers int) error {
	ctx, cancel := context.WithTimeout(context.Background(), load+drainTime+time.Minute) // bounded, whatever happens
	defer cancel()
	redis, err := redisserver.Start(ctx)
	if errors.Is(err, redisserver.ErrNotInstalled) && os.Getenv("CI") == "" {
		fmt.Printf("soak (faults): SKIPPED, NOTHING WAS TESTED UNDER FAULTS: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	defer redis.Close()

	logs := &logCounts{}
	srv, err := startServe(ctx, bin, "127.0.0.1:0", redis.URL(), logs)
	if err != nil {
		return err
	}
	defer func() { srv.kill() }()
	addr := srv.addr

	s := newFaultSender(workers, addr)
	gen := newGenerator(hooksPerDelivery, 1<<20)
	seen := map[string]int{}
	merge := func(m map[string]int) {
		for id, n := range m {
			seen[id] += n
		}
	}

	// The faults, on their own schedule: Redis stops a fifth into the load, the receiver is killed at 60 %.
	start := time.Now()
	s.deadline = start.Add(load + drainTime)
	var f faultTimes
	var wg sync.WaitGroup // the deliveries
	burst := min(workers, 32)
	faultsDone := make(chan error, 1)
	go func() {
		time.Sleep(time.Until(start.Add(load / 5)))
		f.stallStart = time.Now()
		if err := redis.Stop(); err != nil {
			faultsDone <- err
			return
		}
		time.Sleep(faultStall)
		f.stallEnd = time.Now()
		if err := redis.Resume(); err != nil {
			faultsDone <- err
			return
		}
		time.Sleep(time.Until(start.Add(load * 3 / 5)))
		// A burst, so that the kill finds deliveries in the middle of being processed, not only between them.
		for range burst {
			d := &faultDelivery{}
			d.body, d.ids = gen.delivery()
			s.add(d)
			wg.Go(func() { s.deliver(d) })
		}
		for i := 0; int(s.inFlight.Load()) < burst/2 && i < 1000; i++ {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(5 * time.Millisecond) // the receiver reads them and starts claiming
		f.kill = time.Now()
		merge(srv.kill())
		var err error
		for attempt := 0; attempt < 5; attempt++ { // the port was just freed; bind it again
			if attempt > 0 {
				time.Sleep(200 * time.Millisecond)
			}
			var next *serveProc
			if next, err = startServe(ctx, bin, addr, redis.URL(), logs); err == nil {
				srv = next
				break
			}
		}
		f.restarted = time.Now()
		faultsDone <- err
	}()

	// Steady load: one delivery per tick, each sent until it is acknowledged; 10 % are copies of acknowledged
	// ones.
	rng := rand.New(rand.NewPCG(3, 4))
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for now := range tick.C {
		if now.Sub(start) >= load {
			break
		}
		d := &faultDelivery{}
		gen.mu.Lock()
		if n := len(gen.delivered); n > 0 && rng.IntN(10) == 0 {
			i := rng.IntN(n)
			d.body, d.ids, d.copy = gen.delivered[i], gen.deliveredIDs[i], true
		}
		gen.mu.Unlock()
		if d.body == nil {
			d.body, d.ids = gen.delivery()
		}
		s.add(d)
		wg.Go(func() {
			s.deliver(d)
			if d.acked && !d.copy {
				gen.mu.Lock()
				gen.delivered, gen.deliveredIDs = append(gen.delivered, d.body), append(gen.deliveredIDs, d.ids)
				gen.mu.Unlock()
			}
		})
	}
	tick.Stop()
	if err := <-faultsDone; err != nil {
		return fmt.Errorf("fault phase: %w", err)
	}
	wg.Wait()

	// Copies of processed deliveries, once each: acknowledged without a dispatch.
	var copies, copiesAcked int
	for _, d := range s.deliveries {
		if copies == copiesAfter {
			break
		}
		if d.acked && !d.copy {
			copies++
			if a := s.post(d.body); a.status == http.StatusOK {
				copiesAcked++
			}
		}
	}

	m, waitErr := srv.stop()
	merge(m)
	if waitErr != nil {
		return fmt.Errorf("the restarted receiver did not shut down cleanly: %w", waitErr)
	}
	return s.report(seen, f, logs, copies, copiesAcked)
}

// faultTimes are when the faults happened.
type faultTimes struct {
	stallStart, stallEnd time.Time // Redis stopped, then resumed
	kill, restarted      time.Time // the receiver killed, then listening again on its port
}

// faultDelivery is one delivery and the sender's progress with it.
type faultDelivery struct {
	body     []byte
	ids      []string
	copy     bool // of a delivery acknowledged before
	acked    bool
	attempts []attemptRecord
}

// attemptRecord is one request; status 0: no answer (refused, reset, timed out).
type attemptRecord struct {
	start   time.Time
	latency time.Duration
	status  int
}

func (a attemptRecord) spans(t time.Time) bool {
	return !t.IsZero() && !a.start.After(t) && !a.start.Add(a.latency).Before(t)
}

// faultSender sends each delivery until it is acknowledged, as NHN Cloud does, with a bounded exponential
// backoff and at most slots requests at once.
type faultSender struct {
	client     *http.Client
	urls       []string // each post goes to the next of them
	next       atomic.Uint64
	slots      chan struct{}
	inFlight   atomic.Int32
	deadline   time.Time
	mu         sync.Mutex
	deliveries []*faultDelivery
}

// newFaultSender returns a sender of at most senders requests at once, to the receivers at addrs in turn.
func newFaultSender(senders int, addrs ...string) *faultSender {
	s := &faultSender{
		client: &http.Client{Timeout: 10 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}},
		slots: make(chan struct{}, senders),
	}
	for _, addr := range addrs {
		s.urls = append(s.urls, "http://"+addr+"/")
	}
	return s
}

func (s *faultSender) add(d *faultDelivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, d)
}

// deliver sends d until a 2xx, at most maxAttempts times and not past the deadline.
func (s *faultSender) deliver(d *faultDelivery) {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		s.slots <- struct{}{}
		a := s.post(d.body)
		<-s.slots
		s.mu.Lock()
		d.attempts = append(d.attempts, a)
		d.acked = a.status/100 == 2
		s.mu.Unlock()
		if d.acked || attempt == maxAttempts || time.Now().Add(backoff).After(s.deadline) {
			return
		}
		time.Sleep(backoff + rand.N(backoff/2))
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *faultSender) post(body []byte) attemptRecord {
	url := s.urls[(s.next.Add(1)-1)%uint64(len(s.urls))]
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, secret)
	a := attemptRecord{start: time.Now()}
	s.inFlight.Add(1)
	resp, err := s.client.Do(req)
	s.inFlight.Add(-1)
	a.latency = time.Since(a.start)
	if err != nil {
		return a
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a.status = resp.StatusCode
	return a
}

func (s *faultSender) report(seen map[string]int, f faultTimes, logs *logCounts, copies, copiesAcked int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent, acked, atRisk := map[string]bool{}, map[string]bool{}, map[string]bool{}
	statuses := map[int]int{}
	var stallAnswers, stallBeforeResume, retried, maxAttemptsUsed, unacked, inFlightAtKill int
	var stallMax, slowestRecovery, last503 time.Duration
	afterRestart503 := 0
	var okLatencies []time.Duration
	for _, d := range s.deliveries {
		for _, id := range d.ids {
			sent[id] = true
			if d.acked {
				acked[id] = true
			}
		}
		if !d.acked {
			unacked++
		}
		if len(d.attempts) > 1 {
			retried++
			if d.acked {
				last := d.attempts[len(d.attempts)-1]
				slowestRecovery = max(slowestRecovery, last.start.Add(last.latency).Sub(d.attempts[0].start))
			}
		}
		maxAttemptsUsed = max(maxAttemptsUsed, len(d.attempts))
		for _, a := range d.attempts {
			statuses[a.status]++
			if a.status == http.StatusOK {
				okLatencies = append(okLatencies, a.latency)
			}
			if !a.start.Before(f.stallStart) && a.start.Before(f.stallEnd) && a.status != 0 {
				stallAnswers++
				stallMax = max(stallMax, a.latency)
				if a.start.Add(a.latency).Before(f.stallEnd) {
					stallBeforeResume++
				}
			}
			if a.status == http.StatusServiceUnavailable && a.start.After(f.restarted) {
				afterRestart503++
				last503 = max(last503, a.start.Sub(f.kill))
			}
			atKill := a.spans(f.kill)
			if atKill {
				inFlightAtKill += len(d.ids)
			}
			if atKill || a.spans(f.stallStart) {
				for _, id := range d.ids {
					atRisk[id] = true
				}
			}
		}
	}
	var delivered, lost, ackedNotDispatched, duplicates, beyond int
	for id := range sent {
		switch n := seen[id]; {
		case n == 0:
			lost++
			if acked[id] {
				ackedNotDispatched++
			}
		default:
			delivered++
			if n > 1 {
				duplicates += n - 1
				if n > 2 || !atRisk[id] {
					beyond += n - 1
				}
			}
		}
	}
	unexpected := 0
	for status, n := range statuses {
		if status != 0 && status != http.StatusOK && status != http.StatusServiceUnavailable {
			unexpected += n
		}
	}
	slices.Sort(okLatencies)
	pct := func(p float64) time.Duration {
		if len(okLatencies) == 0 {
			return 0
		}
		return okLatencies[int(p*float64(len(okLatencies)-1))]
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

	requests := 0
	for _, n := range statuses {
		requests += n
	}
	fmt.Printf("soak (faults): %d deliveries (%d copies of acknowledged ones), %d requests: 200 %d (p50 %s, p99 %s), 503 %d, no answer %d, other %d\n",
		len(s.deliveries), countCopies(s.deliveries), requests, statuses[http.StatusOK], pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		statuses[http.StatusServiceUnavailable], statuses[0], unexpected)
	fmt.Printf("soak (faults): Redis stopped for %s (store timeout %s): %d requests answered, %d of them before it resumed, max latency %s\n",
		ms(f.stallEnd.Sub(f.stallStart)), faultStoreTimeout, stallAnswers, stallBeforeResume, ms(stallMax))
	fmt.Printf("soak (faults): restarts 1 (kill -9 with %d hooks in flight, listening again on the same port after %s); then %d answers 503 (claim lease %s), the last sent %s after the kill\n",
		inFlightAtKill, ms(f.restarted.Sub(f.kill)), afterRestart503, faultLease, ms(last503))
	fmt.Printf("soak (faults): %d deliveries sent again, at most %d attempts, slowest acknowledged %s after its first attempt; %d never acknowledged\n",
		retried, maxAttemptsUsed, ms(slowestRecovery), unacked)
	fmt.Printf("soak (faults): receivers logged %d failed commits, %d lost leases, %d failed releases; %d copies of processed deliveries: %d acknowledged\n",
		logs.get(msgCommitFailed), logs.get(msgLeaseLost), logs.get(msgReleaseFailed), copies, copiesAcked)
	fmt.Printf("soak (faults): duplicates %d, allowed only for the %d hooks in flight at a fault; beyond that %d; acknowledged but not dispatched %d\n",
		duplicates, len(atRisk), beyond, ackedNotDispatched)
	fmt.Printf("soak (faults): sent %d, delivered %d, duplicates %d, lost %d\n", len(sent), delivered, duplicates, lost)
	switch {
	case lost > 0:
		return fmt.Errorf("fault phase: %d events lost, %d of them acknowledged", lost, ackedNotDispatched)
	case beyond > 0:
		return fmt.Errorf("fault phase: %d duplicates of hooks that were not in flight at a fault", beyond)
	case unacked > 0:
		return fmt.Errorf("fault phase: %d deliveries never acknowledged within %d attempts", unacked, maxAttempts)
	case unexpected > 0:
		return fmt.Errorf("fault phase: %d requests answered neither 200 nor 503: %v", unexpected, statuses)
	case copiesAcked != copies:
		return fmt.Errorf("fault phase: %d of %d copies of processed deliveries not acknowledged", copies-copiesAcked, copies)
	case len(sent) == 0:
		return errors.New("fault phase: nothing was sent")
	}
	return nil
}

func countCopies(ds []*faultDelivery) int {
	n := 0
	for _, d := range ds {
		if d.copy {
			n++
		}
	}
	return n
}

// serveProc is one run of `smshook serve --redis`.
type serveProc struct {
	cmd        *exec.Cmd
	addr       string
	dispatched chan map[string]int // what it printed, once its stdout closed
	ended      bool
}

// startServe starts the receiver on addr and waits until it listens.
func startServe(ctx context.Context, bin, addr, redisURL string, logs *logCounts) (*serveProc, error) {
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--secret", secret, "--hook-ids",
		"--redis", redisURL, "--claim-lease", faultLease.String(), "--store-timeout", faultStoreTimeout.String())
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
	go logs.read(stderr, listening, head)
	select {
	case p.addr = <-listening:
	case <-time.After(10 * time.Second):
	}
	if !strings.HasPrefix(p.addr, "127.0.0.1:") {
		p.kill()
		return nil, fmt.Errorf("the receiver did not listen on 127.0.0.1 (%q):\n%s", p.addr, head.String())
	}
	return p, nil
}

// kill ends the receiver with SIGKILL and returns what it dispatched.
func (p *serveProc) kill() map[string]int {
	if p == nil || p.ended {
		return nil
	}
	p.ended = true
	_ = p.cmd.Process.Kill()
	seen := <-p.dispatched
	_ = p.cmd.Wait()
	return seen
}

// stop shuts the receiver down with SIGTERM and returns what it dispatched.
func (p *serveProc) stop() (map[string]int, error) {
	p.ended = true
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil, err
	}
	seen := <-p.dispatched
	return seen, p.cmd.Wait()
}

// The receivers' log messages the report counts, by their beginning.
const (
	msgCommitFailed  = "smshook: could not record processed events"
	msgLeaseLost     = "smshook: the application outlasted the claim lease"
	msgReleaseFailed = "smshook: could not release claims"
)

// logCounts counts the receivers' log lines of interest, across restarts.
type logCounts struct {
	mu     sync.Mutex
	counts map[string]int
}

func (l *logCounts) get(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[msg]
}

// read reads a receiver's JSON log: it sends the address it listens on, keeps its first lines in head and
// counts the messages of interest.
func (l *logCounts) read(r io.Reader, listening chan<- string, head *syncbuf.Buffer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lines := 0
	for sc.Scan() {
		if lines++; lines <= 20 {
			_, _ = head.Write(append(sc.Bytes(), '\n'))
		}
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.Addr != "" && listening != nil {
			listening <- line.Addr
			listening = nil
		}
		for _, msg := range []string{msgCommitFailed, msgLeaseLost, msgReleaseFailed} {
			if strings.HasPrefix(line.Msg, msg) {
				l.mu.Lock()
				if l.counts == nil {
					l.counts = map[string]int{}
				}
				l.counts[msg]++
				l.mu.Unlock()
			}
		}
	}
}
