package inbox

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/pgserver"
	"github.com/smshook/smshook/internal/testenv"
)

// ownPostgres starts a Postgres server of the test's own, to stop or kill, closed at cleanup. Without postgres
// installed the test fails, unless $SMSHOOK_SKIP names postgres.
func ownPostgres(t *testing.T, what string) *pgserver.Server {
	srv, err := pgserver.Start(context.Background())
	if errors.Is(err, pgserver.ErrNotInstalled) {
		testenv.Missing(t, "postgres", err.Error())
	}
	require.NoError(t, err, "the %s-Postgres test's server", what)
	t.Cleanup(srv.Close)
	return srv
}

// TestStalledPostgresIsNeverAcknowledged freezes the inbox's Postgres server (SIGSTOP, on a server of the
// test's own): a delivery that arrives meanwhile is answered 503 once its write outlasted the bound,
// not 200; once the server resumes, its redelivery is acknowledged, and every acknowledged delivery reaches
// the application once.
func TestStalledPostgresIsNeverAcknowledged(t *testing.T) {
	t.Parallel()
	srv := ownPostgres(t, "STALLED")
	ib := openAt(t, srv.URL(), Config{})
	url := serve(t, ib, smshook.WithTimeout(time.Second)) // the bound of a write (receiveTimeout by default)

	before, body, _ := mru(t, 10)
	require.Equal(t, http.StatusOK, post(t, url, body))

	require.NoError(t, srv.Stop())
	during, body, ids := mru(t, 10)
	start := time.Now()
	status := post(t, url, body)
	require.Equal(t, http.StatusServiceUnavailable, status, "a delivery the stalled server did not store")
	require.Less(t, time.Since(start), 5*time.Second, "answered within the bound")
	require.NoError(t, srv.Resume())

	require.Eventually(t, func() bool { return post(t, url, body) == http.StatusOK }, 20*time.Second, 200*time.Millisecond,
		"the redelivery is acknowledged once the server resumed")
	a := newApp()
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == 2 }), "got %d of 2", a.gotCount())
	require.True(t, a.has(before.HooksID))
	require.True(t, a.has(during.HooksID))
	time.Sleep(300 * time.Millisecond) // a second hand-over would have come by now
	for _, id := range ids {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
}

// TestKilledPostgresLosesNothingAcknowledged kills the inbox's Postgres server (SIGKILL, every process of
// it) while deliveries arrive, and starts it again on the same data: every delivery answered 200 before,
// during or after the crash reaches the application once the server is back; the others were answered an error.
func TestKilledPostgresLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ownPostgres(t, "KILLED")
	ib := openAt(t, srv.URL(), Config{})
	url := serve(t, ib, smshook.WithStoreTimeout(time.Second), smshook.WithTimeout(time.Second))

	var (
		mu    sync.Mutex
		acked []string // hooksIds answered 200
		other int      // answered otherwise
	)
	stop := make(chan struct{})
	var senders sync.WaitGroup
	for range 4 {
		senders.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				env, body, _ := mru(t, 10)
				status := post(t, url, body)
				mu.Lock()
				if status == http.StatusOK {
					acked = append(acked, env.HooksID)
				} else {
					other++
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	require.NoError(t, srv.Kill())
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, srv.Restart(ctx))
	require.Eventually(t, func() bool { // the pool's connections to the killed server are replaced
		env, body, _ := mru(t, 1)
		if post(t, url, body) != http.StatusOK {
			return false
		}
		mu.Lock()
		acked = append(acked, env.HooksID)
		mu.Unlock()
		return true
	}, 30*time.Second, 200*time.Millisecond, "acknowledging again once the server is back")
	time.Sleep(500 * time.Millisecond)
	close(stop)
	senders.Wait()

	a := newApp()
	run(t, ib, a.handler())
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d deliveries acknowledged, %d answered otherwise", len(acked), other)
	require.NotZero(t, other, "the crash was seen: some deliveries were answered an error")
	// Every acknowledged delivery, by hooksId: some answered an error were stored too (their commit reached the
	// server before it died), so a count could be reached before the last acknowledged one arrived.
	missing := func() []string { // under the app's lock
		var m []string
		for _, hooksID := range acked {
			if _, ok := a.got[hooksID]; !ok {
				m = append(m, hooksID)
			}
		}
		return m
	}
	a.waitUntil(30*time.Second, func() bool { return len(missing()) == 0 })
	a.mu.Lock()
	defer a.mu.Unlock()
	require.Empty(t, missing(), "acknowledged, then lost")
}
