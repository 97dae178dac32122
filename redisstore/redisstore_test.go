package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/redisserver"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/internal/storetest"
	"github.com/smshook/smshook/internal/testenv"
	"github.com/smshook/smshook/redisstore"
	"github.com/smshook/smshook/smshooktest"
)

// keyPrefix is the documented prefix of the keys of a Store made by Open.
const keyPrefix = "smshook:hook:"

// openStore connects to the real Redis named by SMSHOOK_REDIS_URL (make test starts one on 127.0.0.1), or to a
// redis-server of the test's own; without redis-server the test fails, unless $SMSHOOK_SKIP names redis.
func openStore(tb testing.TB) *redisstore.Store {
	tb.Helper()
	url := redisURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := redisstore.Open(ctx, url)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// uniqueID keeps parallel tests and repeated runs apart in one Redis.
func uniqueID(tb testing.TB) string {
	tb.Helper()
	return fmt.Sprintf("%s/%s", tb.Name(), sender.NewID())
}

func TestStoreKeepsTheStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(tb testing.TB) smshook.Store { return openStore(tb) })
}

// TestScriptsAreLoadedAgainAfterAFlush: a restarted or new Redis does not know the scripts.
func TestScriptsAreLoadedAgainAfterAFlush(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	client := redisClient(t)
	require.NoError(t, client.ScriptFlush(ctx).Err())
	id := uniqueID(t)
	states, err := s.Claim(ctx, []string{id}, "A", time.Minute)
	require.NoError(t, err)
	require.Equal(t, []smshook.ClaimState{smshook.Claimed}, states)
	require.NoError(t, client.ScriptFlush(ctx).Err())
	require.NoError(t, s.Commit(ctx, []string{id}, "A", time.Minute))
	require.NoError(t, client.ScriptFlush(ctx).Err())
	require.NoError(t, s.Release(ctx, []string{id}, "A"))
	val, err := client.Get(ctx, keyPrefix+id).Result()
	require.NoError(t, err)
	require.Equal(t, "d:A", val)
}

// TestValuesOfAnOlderVersionCountAsDone: a key written as "1" by an earlier smshook is a processed event.
func TestValuesOfAnOlderVersionCountAsDone(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	id := uniqueID(t)
	require.NoError(t, redisClient(t).Set(ctx, keyPrefix+id, "1", time.Minute).Err())
	states, err := s.Claim(ctx, []string{id}, "A", time.Minute)
	require.NoError(t, err)
	require.Equal(t, []smshook.ClaimState{smshook.Done}, states)
}

// TestKeysCarryStateTokenAndExpiry reads what the store wrote: the lease's and the retention's expiry.
func TestKeysCarryStateTokenAndExpiry(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	client := redisClient(t)
	ctx := context.Background()
	id := uniqueID(t)
	key := keyPrefix + id
	_, err := s.Claim(ctx, []string{id}, "tok", 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, "p:tok", client.Get(ctx, key).Val())
	ttl := client.PTTL(ctx, key).Val()
	require.True(t, ttl > 9*time.Second && ttl <= 10*time.Second, "lease ttl %v", ttl)
	require.NoError(t, s.Commit(ctx, []string{id}, "tok", time.Hour))
	require.Equal(t, "d:tok", client.Get(ctx, key).Val())
	ttl = client.PTTL(ctx, key).Val()
	require.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "retention ttl %v", ttl)
}

// redisURL is $SMSHOOK_REDIS_URL, or the URL of one redis-server that the package's tests share, started at
// the first call and ended with the test binary; without redis-server the test fails, unless $SMSHOOK_SKIP
// names redis.
func redisURL(tb testing.TB) string {
	tb.Helper()
	testenv.Need(tb, "redis")
	if url := os.Getenv("SMSHOOK_REDIS_URL"); url != "" {
		return url
	}
	shared.once.Do(func() {
		var s *redisserver.Server
		s, shared.err = redisserver.Start(context.Background())
		if shared.err == nil {
			shared.url = s.URL() // killed with this process (redisserver's Pdeathsig)
		}
	})
	if errors.Is(shared.err, redisserver.ErrNotInstalled) {
		testenv.Missing(tb, "redis", shared.err.Error())
	}
	require.NoError(tb, shared.err)
	return shared.url
}

var shared struct {
	once sync.Once
	url  string
	err  error
}

func redisClient(tb testing.TB) *redis.Client {
	tb.Helper()
	opts, err := redis.ParseURL(redisURL(tb))
	require.NoError(tb, err)
	c := redis.NewClient(opts)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// counter counts what reaches the application, by hookId.
type counter struct {
	mu   sync.Mutex
	seen map[string]int
	fail atomic.Bool
}

func (c *counter) handler() smshook.Handler {
	return smshook.Handler{SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
		if c.fail.Load() {
			return fmt.Errorf("application down")
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, h := range e.Hooks {
			c.seen[h.HookID]++
		}
		return nil
	}}
}

// send posts delivery to url, with the secret "k", through the client generated from openapi.yaml.
func send(tb testing.TB, url string, delivery any) int {
	tb.Helper()
	s, err := sender.New(url, "k")
	require.NoError(tb, err)
	body, err := json.Marshal(delivery)
	require.NoError(tb, err)
	resp, err := s.Send(context.Background(), body)
	require.NoError(tb, err)
	return resp.StatusCode()
}

// TestReceiversShareTheStore runs two receivers, as two instances behind a load balancer, on one Redis: the
// same delivery sent to both, three times each and concurrently, reaches the application once and no copy is
// acknowledged before that; a failure releases its claim so that a redelivery is processed.
func TestReceiversShareTheStore(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	app := &counter{seen: map[string]int{}}
	var urls []string
	for range 2 {
		h, err := smshook.NewHandler(app.handler(), smshook.WithSecrets("k"), smshook.WithStore(s))
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	delivery := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			// A copy that finds the event in progress is answered 503: the sender sends it again.
			for range 100 {
				status := send(t, urls[i%2], delivery)
				if status == http.StatusOK {
					app.mu.Lock()
					require.Equal(t, 1, app.seen[delivery.Hooks[0].HookID], "acknowledged before it was processed")
					app.mu.Unlock()
					return
				}
				require.Equal(t, http.StatusServiceUnavailable, status)
				time.Sleep(10 * time.Millisecond)
			}
			t.Error("never acknowledged")
		})
	}
	wg.Wait()
	app.mu.Lock()
	require.Equal(t, map[string]int{delivery.Hooks[0].HookID: 1}, app.seen)
	app.mu.Unlock()

	failing := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	app.fail.Store(true)
	require.Equal(t, http.StatusInternalServerError, send(t, urls[0], failing))
	app.fail.Store(false)
	require.Equal(t, http.StatusOK, send(t, urls[1], failing))
	app.mu.Lock()
	require.Equal(t, 1, app.seen[failing.Hooks[0].HookID])
	app.mu.Unlock()
}

// TestNewKeepsKeysUnderItsPrefix: New writes under the prefix it is given, and under the documented one when
// it is given none; stores on different prefixes do not see each other's ids.
func TestNewKeepsKeysUnderItsPrefix(t *testing.T) {
	t.Parallel()
	openStore(t) // skips, or fails in CI, without a Redis
	ctx := context.Background()
	client := redisClient(t)
	id := uniqueID(t)
	mine := redisstore.New(redisClient(t), "test:other:")
	_, err := mine.Claim(ctx, []string{id}, "A", time.Minute)
	require.NoError(t, err)
	require.Equal(t, "p:A", client.Get(ctx, "test:other:"+id).Val())
	require.Zero(t, client.Exists(ctx, keyPrefix+id).Val())

	byDefault := redisstore.New(redisClient(t), "")
	states, err := byDefault.Claim(ctx, []string{id}, "B", time.Minute)
	require.NoError(t, err)
	require.Equal(t, []smshook.ClaimState{smshook.Claimed}, states, "another prefix, another id")
	require.Equal(t, "p:B", client.Get(ctx, keyPrefix+id).Val())
}

func TestOpenFailsClearly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := redisstore.Open(ctx, "http://user:hunter2@127.0.0.1:1/0")
	require.ErrorContains(t, err, "not a Redis URL")
	require.NotContains(t, err.Error(), "hunter2")
	_, err = redisstore.Open(ctx, "redis://user:hunter2@127.0.0.1:1/0")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}
