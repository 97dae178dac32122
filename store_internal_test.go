package smshook

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var tokens atomic.Int64

// claim processes id as the handler does, claiming it with a token of its own and committing it for ttl, and
// reports whether it was new.
func claim(tb testing.TB, m *memoryStore, id string, ttl time.Duration) bool {
	tb.Helper()
	token := fmt.Sprint(tokens.Add(1))
	states, err := m.Claim(context.Background(), []string{id}, token, time.Minute)
	require.NoError(tb, err)
	if states[0] != Claimed {
		return false
	}
	require.NoError(tb, m.Commit(context.Background(), []string{id}, token, ttl))
	return true
}

func TestMemoryStoreExpiresAfterTTL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemoryStore(0)
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

func TestMemoryStoreSweepsAbandonedLeases(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemoryStore(0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range minSweep - 1 {
		_, err := m.Claim(ctx, []string{fmt.Sprint(i)}, "abandoned", time.Second)
		require.NoError(t, err)
	}
	now = now.Add(time.Minute)
	_, err := m.Claim(ctx, []string{"last"}, "live", time.Hour)
	require.NoError(t, err)
	require.Len(t, m.leases, 1, "expired leases are swept once there are many")
	require.Equal(t, minSweep, m.nextSweep)
}

func TestMemoryStoreIsBounded(t *testing.T) {
	t.Parallel()
	m := newMemoryStore(3)
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

func TestMemoryStoreRecommittedSurvivesItsStaleQueueEntry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemoryStore(0)
	m.now = func() time.Time { return now }
	require.True(t, claim(t, m, "a", 30*time.Minute))
	now = now.Add(30 * time.Minute)
	require.True(t, claim(t, m, "a", time.Hour), "expired, so processed again")
	now = now.Add(45 * time.Minute) // past the first commit's expiry, within the second's
	require.True(t, claim(t, m, "b", time.Hour))
	require.False(t, claim(t, m, "a", time.Hour), "the stale queue entry of the first claim did not evict the second")
}

func TestMemoryStoreConcurrentClaimsHaveOneWinner(t *testing.T) {
	t.Parallel()
	m := newMemoryStore(0)
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

func TestSecretDigestsKeepOnlyDigests(t *testing.T) {
	t.Parallel()
	// Comparing fixed-size digests is what keeps the time of a comparison independent of the secret's length.
	short, long := newSecretDigests([]string{"a"}), newSecretDigests([]string{string(make([]byte, 4096))})
	require.Len(t, short[0], 32)
	require.Len(t, long[0], 32)
}

// TestMemoryStoreHoldsNoPointers: the garbage collector does not scan what holds no pointer, so a store of a
// million ids costs each collection nothing (with string ids, a collection took 40 ms more).
func TestMemoryStoreHoldsNoPointers(t *testing.T) {
	t.Parallel()
	var hasPointers func(reflect.Type) bool
	hasPointers = func(t reflect.Type) bool {
		switch t.Kind() {
		case reflect.Array:
			return hasPointers(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				if hasPointers(t.Field(i).Type) {
					return true
				}
			}
			return false
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			return false
		}
		return true
	}
	m := newMemoryStore(0)
	for _, typ := range []reflect.Type{reflect.TypeOf(m.entries).Key(), reflect.TypeOf(m.entries).Elem(), reflect.TypeOf(m.order).Elem().Elem()} {
		require.False(t, hasPointers(typ), "%v holds a pointer", typ)
	}
	require.True(t, hasPointers(reflect.TypeFor[string]()), "the check sees a string's pointer")
}

// TestMemoryStoreTellsIDsApart: ids are kept as digests, so ids that differ in one byte, in length only or
// in a hash-unfriendly way stay distinct.
func TestMemoryStoreTellsIDsApart(t *testing.T) {
	t.Parallel()
	m := newMemoryStore(0)
	ids := []string{"", "a", "b", "ab", "ba", "a\x00", "\x00a", "appKey/UNSUBSCRIBE/1", "appKey/UNSUBSCRIBE/2",
		"appKey/UNSUBSCRIBE/10", "appKey/MESSAGE_RESULT_UPDATE/1"}
	for i := range 100000 {
		ids = append(ids, fmt.Sprintf("k/MESSAGE_RESULT_UPDATE/%d", i))
	}
	for _, id := range ids {
		require.True(t, claim(t, m, id, time.Hour), "%q was taken for another id", id)
	}
	for _, id := range ids {
		require.False(t, claim(t, m, id, time.Hour), "%q was forgotten", id)
	}
}

func TestNewMemoryStoreBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ maxEntries, want int }{{0, defaultMemoryStoreSize}, {-1, defaultMemoryStoreSize}, {3, 3}} {
		m, ok := NewMemoryStore(tt.maxEntries).(*memoryStore)
		require.True(t, ok)
		require.Equal(t, tt.want, m.max, "NewMemoryStore(%d)", tt.maxEntries)
	}
}
