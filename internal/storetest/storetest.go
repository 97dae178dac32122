// Package storetest checks that a smshook.Store keeps the contract the handler relies on: leases, tokens,
// commits, releases, expiry and one winner among concurrent claims. The in-memory store, the Redis store (on
// one server and on a three-master Redis Cluster) and the inbox's store run the same checks.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
)

// Run runs every check on stores made by open. Each check uses ids of its own, so a store may be shared.
func Run(t *testing.T, open func(testing.TB) smshook.Store) {
	checks := []struct {
		name string
		run  func(*testing.T, smshook.Store)
	}{
		{"LeaseExcludesOtherAttempts", leaseExcludesOtherAttempts},
		{"SameTokenWinsAgain", sameTokenWinsAgain},
		{"CommitMakesDone", commitMakesDone},
		{"ReleaseFreesOnlyOwnLease", releaseFreesOnlyOwnLease},
		{"LeaseExpires", leaseExpires},
		{"CommitAfterExpiredLease", commitAfterExpiredLease},
		{"CommitLosesToANewerLease", commitLosesToANewerLease},
		{"RetentionExpires", retentionExpires},
		{"StatesKeepTheOrderOfIDs", statesKeepTheOrderOfIDs},
		{"ConcurrentClaimsHaveOneWinner", concurrentClaimsHaveOneWinner},
		{"EmptyBatches", emptyBatches},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

func unique(tb testing.TB) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return tb.Name() + "/" + hex.EncodeToString(b[:])
}

func claim(tb testing.TB, s smshook.Store, token string, lease time.Duration, ids ...string) []smshook.ClaimState {
	tb.Helper()
	states, err := s.Claim(context.Background(), ids, token, lease)
	require.NoError(tb, err)
	require.Len(tb, states, len(ids))
	return states
}

func one(tb testing.TB, s smshook.Store, token string, lease time.Duration, id string) smshook.ClaimState {
	tb.Helper()
	return claim(tb, s, token, lease, id)[0]
}

func leaseExcludesOtherAttempts(t *testing.T, s smshook.Store) {
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
	require.Equal(t, smshook.InProgress, one(t, s, "B", time.Minute, id))
}

func sameTokenWinsAgain(t *testing.T, s smshook.Store) {
	// A command retried after a timeout, or run late by a stalled server, finds its own lease.
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
}

func commitMakesDone(t *testing.T, s smshook.Store) {
	ctx := context.Background()
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
	require.NoError(t, s.Commit(ctx, []string{id}, "A", time.Hour))
	require.Equal(t, smshook.Done, one(t, s, "B", time.Minute, id))
	require.Equal(t, smshook.Done, one(t, s, "A", time.Minute, id), "done is done for its own token too")
	require.NoError(t, s.Commit(ctx, []string{id}, "A", time.Hour), "a retried commit succeeds")
}

func releaseFreesOnlyOwnLease(t *testing.T, s smshook.Store) {
	ctx := context.Background()
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
	require.NoError(t, s.Release(ctx, []string{id}, "B"))
	require.Equal(t, smshook.InProgress, one(t, s, "B", time.Minute, id), "another token's release left A's lease")
	require.NoError(t, s.Release(ctx, []string{id}, "A"))
	require.Equal(t, smshook.Claimed, one(t, s, "B", time.Minute, id))
	require.NoError(t, s.Commit(ctx, []string{id}, "B", time.Hour))
	require.NoError(t, s.Release(ctx, []string{id}, "B"))
	require.Equal(t, smshook.Done, one(t, s, "C", time.Minute, id), "a release does not undo a commit")
	require.NoError(t, s.Release(ctx, []string{unique(t)}, "A"), "releasing an unknown id is a no-op")
}

func leaseExpires(t *testing.T, s smshook.Store) {
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", 200*time.Millisecond, id))
	require.Eventually(t, func() bool {
		return one(t, s, "B", time.Minute, id) == smshook.Claimed
	}, 5*time.Second, 50*time.Millisecond, "a crashed attempt's lease expires")
}

func commitAfterExpiredLease(t *testing.T, s smshook.Store) {
	// The application outlived its lease but nobody took the id over: what it processed is done.
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", 100*time.Millisecond, id))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, s.Commit(context.Background(), []string{id}, "A", time.Hour))
	require.Equal(t, smshook.Done, one(t, s, "B", time.Minute, id))
}

func commitLosesToANewerLease(t *testing.T, s smshook.Store) {
	ctx := context.Background()
	taken, mine := unique(t), unique(t)
	require.Equal(t, []smshook.ClaimState{smshook.Claimed, smshook.Claimed}, claim(t, s, "A", 100*time.Millisecond, taken, mine))
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, smshook.Claimed, one(t, s, "B", time.Minute, taken))
	err := s.Commit(ctx, []string{taken, mine}, "A", time.Hour)
	require.ErrorIs(t, err, smshook.ErrLeaseLost)
	require.Equal(t, smshook.InProgress, one(t, s, "C", time.Minute, taken), "B's lease stands")
	require.Equal(t, smshook.Done, one(t, s, "C", time.Minute, mine), "the other id was committed")
}

func retentionExpires(t *testing.T, s smshook.Store) {
	id := unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, id))
	require.NoError(t, s.Commit(context.Background(), []string{id}, "A", 200*time.Millisecond))
	require.Equal(t, smshook.Done, one(t, s, "B", time.Minute, id))
	require.Eventually(t, func() bool {
		return one(t, s, "B", time.Minute, id) == smshook.Claimed
	}, 5*time.Second, 50*time.Millisecond, "a done id is forgotten after the retention")
}

func statesKeepTheOrderOfIDs(t *testing.T, s smshook.Store) {
	ctx := context.Background()
	done, busy, free := unique(t), unique(t), unique(t)
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, done))
	require.NoError(t, s.Commit(ctx, []string{done}, "A", time.Hour))
	require.Equal(t, smshook.Claimed, one(t, s, "A", time.Minute, busy))
	require.Equal(t, []smshook.ClaimState{smshook.Claimed, smshook.InProgress, smshook.Done},
		claim(t, s, "B", time.Minute, free, busy, done))
	// Ids that differ only around a separator are different ids.
	require.Equal(t, []smshook.ClaimState{smshook.Claimed, smshook.Claimed},
		claim(t, s, "C", time.Minute, free+"/x", free+"/x/"))
}

func concurrentClaimsHaveOneWinner(t *testing.T, s smshook.Store) {
	id := unique(t)
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			states, err := s.Claim(context.Background(), []string{id}, "T"+string(rune('a'+i)), time.Minute)
			if err == nil && states[0] == smshook.Claimed {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
}

func emptyBatches(t *testing.T, s smshook.Store) {
	ctx := context.Background()
	states, err := s.Claim(ctx, nil, "A", time.Minute)
	require.NoError(t, err)
	require.Empty(t, states)
	require.NoError(t, s.Commit(ctx, nil, "A", time.Hour))
	require.NoError(t, s.Release(ctx, nil, "A"))
}
