//go:build linux

package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/storetest"
	"github.com/smshook/smshook/internal/testenv"
	"github.com/smshook/smshook/redisstore"
	"github.com/smshook/smshook/smshooktest"
)

// startCluster starts a Redis Cluster of three masters of the test's own and kills it at cleanup. Without
// redis-server the test fails, unless $SMSHOOK_SKIP names redis.
func startCluster(tb testing.TB) *redisserver.Cluster {
	tb.Helper()
	c, err := redisserver.StartCluster(context.Background(), 3)
	if errors.Is(err, redisserver.ErrNotInstalled) {
		testenv.Missing(tb, "redis", err.Error())
	}
	require.NoError(tb, err)
	tb.Cleanup(c.Close)
	return c
}

func openCluster(tb testing.TB, c *redisserver.Cluster) *redisstore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redisstore.Open(ctx, c.URL())
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// TestStoreKeepsTheStoreContractOnACluster runs the store's contract on a real cluster of three masters,
// whose ids spread over every master.
func TestStoreKeepsTheStoreContractOnACluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	storetest.Run(t, func(tb testing.TB) smshook.Store { return openCluster(tb, c) })
}

// TestOpenOfAClusterFailsClearly: a cluster that does not answer is named by its addresses, never by the URL's
// password.
func TestOpenOfAClusterFailsClearly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := redisstore.Open(ctx, "redis://user:SECRETX@127.0.0.1:1?addr=127.0.0.1:2")
	require.ErrorContains(t, err, "127.0.0.1:1")
	require.NotContains(t, err.Error(), "SECRETX")
	_, err = redisstore.Open(ctx, "redis://127.0.0.1:1?addr=127.0.0.1:2&password=SECRETX")
	require.ErrorContains(t, err, "not a Redis Cluster URL")
	require.NotContains(t, err.Error(), "SECRETX")
}

// clusterApp counts what reaches the application, by hookId.
type clusterApp struct {
	mu   sync.Mutex
	seen map[string]int
}

func (a *clusterApp) onMessageResultUpdate(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, h := range e.Hooks {
		a.seen[h.HookID]++
	}
	return nil
}

func (a *clusterApp) count(hookID string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[hookID]
}

// clusterDelivery is a one-hook delivery and the master that holds its key.
type clusterDelivery struct {
	body   []byte
	hookID string
	master string
	answer answer
}

// TestClusterMasterStoppedAnswers503ForItsKeys stops one of three masters (SIGSTOP) while deliveries arrive
// concurrently: every delivery whose key that master holds is answered 503, never 200, and the others are
// served by the running masters (but for those whose legacy key, read for one retention after an upgrade, the
// stopped master holds: 503 too); after SIGCONT the sender's retries are acknowledged, and every hook is
// processed exactly once, none acknowledged and lost.
func TestClusterMasterStoppedAnswers503ForItsKeys(t *testing.T) {
	const (
		lease        = 2 * time.Second
		storeTimeout = time.Second
		deliveries   = 90
		senders      = 6
	)
	c := startCluster(t)
	store := openCluster(t, c)
	opts, err := redis.ParseClusterURL(c.URL())
	require.NoError(t, err)
	cc := redis.NewClusterClient(opts)
	defer cc.Close()
	app := &clusterApp{seen: map[string]int{}}
	h, err := smshook.NewHandler(smshook.Handler{SMSMessageResultUpdate: app.onMessageResultUpdate},
		smshook.WithSecrets(faultSecret), smshook.WithStore(store), smshook.WithClaimLease(lease),
		smshook.WithStoreTimeout(storeTimeout), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()

	newDeliveries := func(n int) []*clusterDelivery {
		ds := make([]*clusterDelivery, n)
		for i := range ds {
			env := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
			body, err := json.Marshal(env)
			require.NoError(t, err)
			key := keyPrefix + hookkey.Of(env.ProductName, env.AppKey, string(env.Event), env.Hooks[0].HookID)
			m, err := cc.MasterForKey(ctx, key)
			require.NoError(t, err)
			ds[i] = &clusterDelivery{body: body, hookID: env.Hooks[0].HookID, master: m.Options().Addr}
		}
		return ds
	}
	sendAll := func(ds []*clusterDelivery) {
		work := make(chan *clusterDelivery)
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for d := range work {
					d.answer = post(srv.URL, d.body)
				}
			})
		}
		for _, d := range ds {
			work <- d
		}
		close(work)
		wg.Wait()
	}

	before := newDeliveries(deliveries / 3)
	sendAll(before) // also loads the scripts on every master
	for _, d := range before {
		require.Equal(t, http.StatusOK, d.answer.status, "before the stop: %s", d.answer)
	}

	stopped := c.Masters[0]
	during := newDeliveries(deliveries)
	require.NoError(t, stopped.Stop())
	t0 := time.Now()
	sendAll(during)
	t.Logf("%d deliveries while %s was stopped took %s", len(during), stopped.Addr(), time.Since(t0).Round(time.Millisecond))
	require.NoError(t, stopped.Resume())
	onStopped, servedElsewhere, elsewhere := 0, 0, 0
	for _, d := range during {
		if d.master == stopped.Addr() {
			onStopped++
			require.Equal(t, http.StatusServiceUnavailable, d.answer.status, "a hook whose key the stopped master holds: %s", d.answer)
			require.NotEmpty(t, d.answer.retryAfter)
			require.Less(t, d.answer.latency, 5*storeTimeout, "answered within the store timeout: %s", d.answer)
			continue
		}
		elsewhere++
		if d.answer.ok() {
			servedElsewhere++
		}
	}
	t.Logf("while stopped: %d deliveries on the stopped master, all 503; %d of %d on the others acknowledged", onStopped, servedElsewhere, elsewhere)
	require.Positive(t, onStopped, "no delivery's key on the stopped master: the test tested nothing")
	require.Positive(t, servedElsewhere, "the running masters served nothing while one was stopped")

	for _, d := range during {
		if d.answer.ok() {
			continue
		}
		retries := retryUntilOK(func(int) string { return srv.URL }, d.body, 4*lease)
		require.True(t, retries[0].ok(), "never acknowledged after SIGCONT: %v", retries)
	}
	all := append(before, during...)
	for _, d := range all { // every copy now is a redelivery
		require.Equal(t, http.StatusOK, post(srv.URL, d.body).status)
	}
	time.Sleep(100 * time.Millisecond)
	for _, d := range all {
		require.Equal(t, 1, app.count(d.hookID), "hook %s (master %s): processed once", d.hookID, d.master)
	}
}
