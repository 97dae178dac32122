package smshook

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func claim(tb testing.TB, m *MemoryStore, id string, ttl time.Duration) bool {
	tb.Helper()
	ok, err := m.Claim(context.Background(), id, ttl)
	require.NoError(tb, err)
	return ok
}

func TestMemoryStoreExpiresAfterTTL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemoryStore(0)
	m.now = func() time.Time { return now }
	require.True(t, claim(t, m, "a", time.Hour))
	require.False(t, claim(t, m, "a", time.Hour))
	now = now.Add(59 * time.Minute)
	require.False(t, claim(t, m, "a", time.Hour))
	now = now.Add(time.Minute)
	require.True(t, claim(t, m, "a", time.Hour), "an expired id is claimable again")
	now = now.Add(2 * time.Hour)
	require.True(t, claim(t, m, "b", time.Hour))
	require.Equal(t, 1, m.Len(), "expired entries are evicted")
}

func TestMemoryStoreRelease(t *testing.T) {
	t.Parallel()
	m := NewMemoryStore(0)
	require.True(t, claim(t, m, "a", time.Hour))
	require.NoError(t, m.Release(context.Background(), "a"))
	require.True(t, claim(t, m, "a", time.Hour))
	require.False(t, claim(t, m, "a", time.Hour))
	require.NoError(t, m.Release(context.Background(), "never-claimed"))
}

func TestMemoryStoreIsBounded(t *testing.T) {
	t.Parallel()
	m := NewMemoryStore(3)
	for _, id := range []string{"a", "b", "c", "d"} {
		require.True(t, claim(t, m, id, time.Hour))
	}
	require.Equal(t, 3, m.Len())
	require.True(t, claim(t, m, "a", time.Hour), "the oldest id was forgotten first")
	require.False(t, claim(t, m, "d", time.Hour))
	for i := range 10_000 {
		claim(t, m, fmt.Sprint(i), time.Hour)
	}
	require.Equal(t, 3, m.Len())
	require.LessOrEqual(t, m.queued(), 3, "the eviction queue holds no more than the live entries")
	require.LessOrEqual(t, len(m.order), 2, "evicted chunks are dropped")
}

func TestMemoryStoreReleasedThenReclaimedSurvivesItsStaleQueueEntry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemoryStore(0)
	m.now = func() time.Time { return now }
	require.True(t, claim(t, m, "a", time.Hour))
	require.NoError(t, m.Release(context.Background(), "a"))
	now = now.Add(30 * time.Minute)
	require.True(t, claim(t, m, "a", time.Hour))
	now = now.Add(45 * time.Minute) // past the first claim's expiry, within the second's
	require.True(t, claim(t, m, "b", time.Hour))
	require.False(t, claim(t, m, "a", time.Hour), "the stale queue entry of the first claim did not evict the second")
}

func TestMemoryStoreConcurrentClaimsHaveOneWinner(t *testing.T) {
	t.Parallel()
	m := NewMemoryStore(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Go(func() {
			if claim(t, m, "a", time.Hour) {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
}

func TestSignaturesKeepOnlyDigests(t *testing.T) {
	t.Parallel()
	// Comparing fixed-size digests is what keeps the time of a comparison independent of the secret's length.
	short, long := newSignatures([]string{"a"}), newSignatures([]string{string(make([]byte, 4096))})
	require.Len(t, short[0], 32)
	require.Len(t, long[0], 32)
}
