// Command soak drives `smshook serve` on 127.0.0.1 with a steady load of signed deliveries mixed with bad
// ones, redeliveries and a graceful shutdown under load, then counts, by hookId, the events the receiver
// acknowledged against the events it printed as dispatched.
//
//	go build -o bin/smshook ./cmd/smshook && cd bench && go run ./soak -bin ../bin/smshook
//
// It lives in module bench, beside the benchmarks, so that installing the public module does not install it.
//
// It sends only to the loopback address it started the receiver on, a bounded number of requests, and stops by
// itself. That phase ends with `soak: sent N, delivered N, duplicates N, lost N`; it exits 1 when anything was
// lost or duplicated or a request got an unexpected status.
//
// Then the fault phase (faults.go; -faults=false leaves it out) runs `smshook serve --redis` on a redis-server
// of its own, stops Redis with SIGSTOP for longer than the store timeout, kills the receiver with SIGKILL and
// restarts it, while the driver sends every delivery again until it is acknowledged. It ends with
// `soak (faults): sent N, delivered N, duplicates N, lost 0` and exits 1 when an event was lost or duplicated
// beyond the hooks in flight at a fault. Without redis-server it is skipped loudly, except under CI (CI set),
// where that fails.
//
// Then the inbox phase (inbox.go; -inbox=false leaves it out) runs `smshook serve --inbox FILE --forward-to URL`
// against an application in this process that verifies every Standard Webhooks signature, takes it down for a
// while, kills the receiver with SIGKILL at a random point and restarts it on the same file. It ends with
// `soak (inbox): sent N, acknowledged N, forwarded N, duplicates N (in-flight bound M), lost 0` and exits 1 on a
// loss, a bad signature or duplicates beyond the bound.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

func main() {
	bin := flag.String("bin", "bin/smshook", "the smshook binary to run")
	rate := flag.Int("rate", 300, "deliveries per second")
	duration := flag.Duration("duration", 20*time.Second, "how long the steady load lasts before the shutdown under load")
	hooks := flag.Int("hooks", 10, "hooks per delivery")
	workers := flag.Int("workers", 32, "concurrent senders")
	faults := flag.Bool("faults", true, "then run the fault phase: Redis stopped, the receiver killed and restarted")
	faultRate := flag.Int("fault-rate", 200, "deliveries per second in the fault phase")
	faultDuration := flag.Duration("fault-duration", 15*time.Second, "how long the load of the fault phase lasts")
	inboxPhase := flag.Bool("inbox", true, "then run the inbox phase: serve --inbox --forward-to, the application down, the receiver killed and restarted")
	inboxRate := flag.Int("inbox-rate", 200, "deliveries per second in the inbox phase")
	inboxDuration := flag.Duration("inbox-duration", 15*time.Second, "how long the load of the inbox phase lasts")
	postgresPhase := flag.Bool("inbox-postgres", true, "then run the Postgres inbox phase: two receivers and two workers on one Postgres, one worker killed")
	flag.Parse()
	if err := run(*bin, *rate, *duration, *hooks, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if *faults {
		if err := runFaults(*bin, *faultRate, *faultDuration, *hooks, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "soak (faults):", err)
			os.Exit(1)
		}
	}
	if *inboxPhase {
		if err := runInbox(*bin, *inboxRate, *inboxDuration, *hooks, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "soak (inbox):", err)
			os.Exit(1)
		}
	}
	if *postgresPhase {
		if err := runInboxPostgres(*bin, *inboxRate, *inboxDuration, *hooks, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "soak (inbox, postgres):", err)
			os.Exit(1)
		}
	}
}

const secret = "soak-secret"

// kind is what a request is meant to exercise, and the status it must get.
type kind int

const (
	good kind = iota
	redelivery
	wrongSecret
	oversize
	malformed
)

var wantStatus = map[kind]int{good: 200, redelivery: 200, wrongSecret: 401, oversize: 413, malformed: 400}

// pick draws the mix: 10 % wrong secrets, 5 % oversize, 5 % malformed, 5 % redeliveries of an earlier good one.
func pick(r *rand.Rand) kind {
	switch n := r.IntN(100); {
	case n < 10:
		return wrongSecret
	case n < 15:
		return oversize
	case n < 20:
		return malformed
	case n < 25:
		return redelivery
	}
	return good
}

type result struct {
	kind    kind
	status  int // 0: no answer (connection refused or reset during the shutdown)
	latency time.Duration
	hookIDs []string
}

func run(bin string, rate int, duration time.Duration, hooksPerDelivery, workers int) error {
	ctx, cancel := context.WithTimeout(context.Background(), duration+2*time.Minute) // bounded, whatever happens
	defer cancel()
	const maxBody = 256 << 10
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--secret", secret, "--hook-ids",
		"--debug-addr", "127.0.0.1:0", "--max-body", strconv.Itoa(maxBody))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	dispatched := make(chan map[string]int, 1)
	go func() { dispatched <- countDispatched(stdout) }()
	addrs := make(chan [2]string, 1)
	go readLog(stderr, addrs)
	var url, debugURL string
	select {
	case a := <-addrs:
		url, debugURL = "http://"+a[0]+"/", "http://"+a[1]+"/debug/vars"
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("the receiver did not start")
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		return fmt.Errorf("refusing to load %s: only 127.0.0.1", url)
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	before, err := sample(client, debugURL, cmd.Process.Pid)
	if err != nil {
		return err
	}

	sent := make(chan result, 1024)
	var results []result
	collected := make(chan struct{})
	go func() {
		for r := range sent {
			results = append(results, r)
		}
		close(collected)
	}()

	// Steady load; a pause to count what is left running; then load again, with the shutdown 200 ms into it.
	gen := newGenerator(hooksPerDelivery, maxBody)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	drive(client, url, gen, rng, sent, rate, workers, duration, 0, nil)
	client.CloseIdleConnections()
	time.Sleep(500 * time.Millisecond)
	after, err := sample(client, debugURL, cmd.Process.Pid)
	if err != nil {
		return err
	}
	var signalErr error
	drive(client, url, gen, rng, sent, rate, workers, 1200*time.Millisecond, 200*time.Millisecond, func() {
		signalErr = cmd.Process.Signal(syscall.SIGTERM)
	})
	close(sent)
	<-collected
	if signalErr != nil {
		return signalErr
	}
	waitErr := cmd.Wait()
	elapsed := time.Since(start)
	seen := <-dispatched

	return report(results, seen, before, after, elapsed, waitErr)
}

// drive sends the mix at rate per second for d with the given number of workers, calling at(), if any, once
// atAfter has passed. A tick that finds every worker busy is dropped: the receiver is slower than the rate.
func drive(client *http.Client, url string, gen *generator, rng *rand.Rand, sent chan<- result, rate, workers int,
	d, atAfter time.Duration, at func()) {
	jobs := make(chan kind)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range jobs {
				sent <- gen.send(client, url, k)
			}
		})
	}
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for now := range tick.C {
		if at != nil && now.Sub(start) >= atAfter {
			at()
			at = nil
		}
		if now.Sub(start) >= d {
			break
		}
		select {
		case jobs <- pick(rng):
		default:
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
}

// generator makes the requests of each kind and remembers good deliveries for redelivery.
type generator struct {
	hooks, maxBody int
	mu             sync.Mutex
	delivered      [][]byte
	deliveredIDs   [][]string
}

func newGenerator(hooks, maxBody int) *generator { return &generator{hooks: hooks, maxBody: maxBody} }

// delivery returns a new MESSAGE_RESULT_UPDATE delivery of g.hooks copies of the documented hook, each with a
// new hookId, and those ids.
func (g *generator) delivery() ([]byte, []string) {
	sample, _ := api.Sample(api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate})
	env := sample.(*api.SMSMessageResultUpdateEnvelope)
	env.HooksID = sender.NewID()
	env.Hooks = slices.Repeat(env.Hooks, g.hooks)
	ids := make([]string, len(env.Hooks))
	for i := range env.Hooks {
		env.Hooks[i].HookID = sender.NewID()
		ids[i] = env.Hooks[i].HookID
	}
	body, _ := json.Marshal(env)
	return body, ids
}

func (g *generator) send(client *http.Client, url string, k kind) result {
	value := secret
	var body []byte
	var ids []string
	switch k {
	case good, wrongSecret:
		body, ids = g.delivery()
		if k == wrongSecret {
			value = "not-the-secret"
		}
	case redelivery:
		g.mu.Lock()
		if len(g.delivered) == 0 {
			g.mu.Unlock()
			return g.send(client, url, good)
		}
		i := rand.IntN(len(g.delivered))
		body, ids = g.delivered[i], g.deliveredIDs[i]
		g.mu.Unlock()
	case oversize:
		body = append(bytes.Repeat([]byte(" "), g.maxBody), '{', '}')
	case malformed:
		body, _ = g.delivery()
		body = body[:len(body)-1]
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, value)
	t0 := time.Now()
	resp, err := client.Do(req)
	r := result{kind: k, latency: time.Since(t0), hookIDs: ids}
	if err != nil {
		return r
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.status = resp.StatusCode
	if k == good && r.status == http.StatusOK {
		g.mu.Lock()
		g.delivered, g.deliveredIDs = append(g.delivered, body), append(g.deliveredIDs, ids)
		g.mu.Unlock()
	}
	return r
}

// countDispatched reads the receiver's stdout: one JSON line per dispatched delivery, with its hookIds.
func countDispatched(r io.Reader) map[string]int {
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var line struct {
			HookIDs []string `json:"hookIds"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			for _, id := range line.HookIDs {
				seen[id]++
			}
		}
	}
	return seen
}

// readLog waits for the receiver's addresses in its JSON log, then drains it.
func readLog(r io.Reader, addrs chan<- [2]string) {
	sc := bufio.NewScanner(r)
	var addr, debug string
	for sc.Scan() {
		var l struct {
			Addr      string `json:"addr"`
			DebugAddr string `json:"debug_addr"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		if l.Addr != "" {
			addr = l.Addr
		}
		if l.DebugAddr != "" {
			debug = l.DebugAddr
		}
		if addr != "" && debug != "" {
			addrs <- [2]string{addr, debug}
			addr = "" // once
			debug = "-"
		}
	}
}

type stats struct {
	goroutines int
	rssKB      int
}

func sample(client *http.Client, debugURL string, pid int) (stats, error) {
	resp, err := client.Get(debugURL)
	if err != nil {
		return stats{}, err
	}
	defer resp.Body.Close()
	var vars struct {
		Goroutines int `json:"goroutines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return stats{}, err
	}
	s := stats{goroutines: vars.Goroutines}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				s.rssKB, _ = strconv.Atoi(f[1])
			}
		}
	}
	return s, nil
}

func report(results []result, seen map[string]int, before, after stats, elapsed time.Duration, waitErr error) error {
	var latencies []time.Duration
	counts := map[kind]int{}
	unexpected := 0
	acked := map[string]bool{}
	unanswered := 0
	for _, r := range results {
		counts[r.kind]++
		switch {
		case r.status == 0:
			unanswered++ // the shutdown closed the listener: never acknowledged, NHN Cloud would send it again
		case r.status != wantStatus[r.kind]:
			unexpected++
			fmt.Fprintf(os.Stderr, "soak: %v request answered %d\n", r.kind, r.status)
		}
		if r.status == http.StatusOK && (r.kind == good || r.kind == redelivery) {
			latencies = append(latencies, r.latency)
			for _, id := range r.hookIDs {
				acked[id] = true
			}
		}
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(p*float64(len(latencies)-1))]
	}
	lost, duplicates, delivered := 0, 0, 0
	for id := range acked {
		switch n := seen[id]; {
		case n == 0:
			lost++
		default:
			delivered++
		}
	}
	for _, n := range seen {
		if n > 1 {
			duplicates += n - 1
		}
	}

	fmt.Printf("| requests | rate (req/s) | p50 | p99 | RSS before → after | goroutines before → after | machine |\n")
	fmt.Printf("|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d (good %d, redelivered %d, wrong secret %d, oversize %d, malformed %d, unanswered at shutdown %d) | %.0f | %s | %s | %.1f MB → %.1f MB | %d → %d | %d cores, %s/%s |\n",
		len(results), counts[good], counts[redelivery], counts[wrongSecret], counts[oversize], counts[malformed], unanswered,
		float64(len(results))/elapsed.Seconds(), pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		float64(before.rssKB)/1024, float64(after.rssKB)/1024, before.goroutines, after.goroutines,
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("soak: sent %d, delivered %d, duplicates %d, lost %d\n", len(acked), delivered, duplicates, lost)
	switch {
	case waitErr != nil:
		return fmt.Errorf("the receiver did not shut down cleanly: %w", waitErr)
	case lost > 0 || duplicates > 0:
		return errors.New("events were lost or duplicated")
	case unexpected > 0:
		return fmt.Errorf("%d requests got an unexpected status", unexpected)
	case len(acked) == 0:
		return errors.New("nothing was acknowledged")
	}
	return nil
}

func (k kind) String() string {
	return [...]string{"good", "redelivery", "wrong-secret", "oversize", "malformed"}[k]
}
