package main

// The Postgres inbox phase: two receivers (`serve --inbox postgres://… --inbox-workers 0`) that the driver
// alternates between, and two workers (`serve --inbox postgres://… --forward-to URL`) that take no traffic and
// hand the stored deliveries to the application, all on one Postgres server of the phase's own. One worker is
// killed with SIGKILL at a random point under load and not restarted: the other takes over what it held once
// River finds it stuck. Every hook acknowledged must reach the application; one may reach it twice only if its
// forward was in flight at the kill.

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/smshook/smshook/internal/pgserver"
)

// postgresWorkers is each worker's --inbox-workers: few enough that deliveries queue up in the database, so
// that the kill finds some in the killed worker's hands and many waiting.
const postgresWorkers = 8

// postgresAppDelay is how long the application takes per forward: 16 workers take 320 deliveries/s, and the
// one left after the kill 160/s, so a backlog builds that the survivor drains after the load.
const postgresAppDelay = 50 * time.Millisecond

// runInboxPostgres runs the Postgres inbox phase and prints its report.
func runInboxPostgres(bin string, rate int, load time.Duration, hooksPerDelivery, senders int) error {
	ctx, cancel := context.WithTimeout(context.Background(), load+inboxDrain+2*time.Minute)
	defer cancel()
	pg, err := pgserver.Start(ctx)
	if err != nil {
		return err
	}
	defer pg.Close()
	app, target, fwdSecret, stopApp, err := startForwardTarget(postgresAppDelay)
	if err != nil {
		return err
	}
	defer stopApp()

	// One after the other: the first migrates the database.
	var receivers, workers []*serveProc
	defer func() {
		for _, p := range append(receivers, workers...) {
			p.kill()
		}
	}()
	for range 2 {
		p, err := startInboxProc(ctx, bin, "127.0.0.1:0", nil, "--inbox", pg.URL(), "--inbox-workers", "0")
		if err != nil {
			return fmt.Errorf("inbox phase (postgres): receiver: %w", err)
		}
		receivers = append(receivers, p)
	}
	for range 2 {
		p, err := startInboxServe(ctx, bin, "127.0.0.1:0", pg.URL(), target, fwdSecret,
			"--inbox-workers", fmt.Sprint(postgresWorkers))
		if err != nil {
			return fmt.Errorf("inbox phase (postgres): worker: %w", err)
		}
		workers = append(workers, p)
	}

	s := newFaultSender(senders, receivers[0].addr, receivers[1].addr)
	gen := newGenerator(hooksPerDelivery, 1<<20)
	begin := time.Now()
	s.deadline = begin.Add(load + drainTime)
	seed := time.Now().UnixNano()
	rng := mrand.New(mrand.NewPCG(uint64(seed), 11))
	killAt := load*30/100 + time.Duration(rng.Int64N(int64(load*40/100)))
	var kill time.Time
	var killedForwarded map[string]int
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		time.Sleep(time.Until(begin.Add(killAt)))
		kill = time.Now()
		killedForwarded = workers[0].kill()
	}()

	sent := sendLoad(s, gen, rate, begin, load)
	<-killed
	sent.Wait()

	// Until the inbox is empty too: the application may have taken a forward whose answer the killed worker
	// never read, and that the survivor hands over again once River rescues it.
	o, drained := waitForwarded(s, app, kill, func() bool { return inboxEmpty(ctx, bin, pg.URL()) })
	var stopErr error
	var survivorForwarded map[string]int
	for i, p := range append(receivers, workers[1]) {
		seen, err := p.stop()
		if err != nil && stopErr == nil {
			stopErr = fmt.Errorf("inbox phase (postgres): process %d did not shut down cleanly: %w", i, err)
		}
		survivorForwarded = seen // the worker's, last
	}
	if stopErr != nil {
		return stopErr
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	app.mu.Lock()
	defer app.mu.Unlock()
	fmt.Printf("soak (inbox, postgres): %d deliveries at %d/s for %s to 2 receivers; 2 workers, one killed -9 at %s (seed %d) after forwarding %d hooks, the other forwarded %d; last forward %s after the load\n",
		len(s.deliveries), rate, load, ms(kill.Sub(begin)), seed, len(killedForwarded), len(survivorForwarded), ms(drained))
	fmt.Printf("soak (inbox, postgres): %d forwards acknowledged, %d with a bad signature; %d deliveries never acknowledged\n",
		len(app.requests), app.badSig, o.unacked)
	fmt.Printf("soak (inbox, postgres): sent %d, acknowledged %d, forwarded %d, duplicates %d (in-flight bound %d), lost %d\n",
		o.sent, o.acked, o.forwarded, o.duplicates, o.inFlight, o.lost)
	if err := o.check("inbox phase (postgres)", app.badSig); err != nil {
		return err
	}
	if len(killedForwarded) == 0 {
		return fmt.Errorf("inbox phase (postgres): the killed worker had forwarded nothing: the kill tested no hand-over")
	}
	return nil
}
