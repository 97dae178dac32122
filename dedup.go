package smshook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
)

// attempt is one request's hold on the hooks of its delivery in the store.
type attempt struct {
	token   string
	keys    []string // every key this attempt asked for, for the clean-up after a failed claim
	claimed []string // keys leased to this attempt
	busy    int      // keys leased to another attempt
}

// newToken returns a token unique to one attempt: 128 random bits.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// claim leases the delivery's hooks to a new attempt and narrows the envelope to the hooks this attempt
// holds, each hookId once: the ids are claimed in one call to the store, and the hooks without an id (possible
// only for an event the contract does not know) are always kept. On an error nothing is dispatched, and the
// attempt's keys may have been leased.
func (h *handler) claim(ctx context.Context, d api.Webhook, head api.Head) (attempt, error) {
	a := attempt{token: newToken()}
	n := d.HookCount()
	keyOf := make([]int, n) // hook → index into keys, or -1
	var index map[string]int
	if n > 1 {
		index = make(map[string]int, n)
	}
	keys := make([]string, 0, n)
	for i := range n {
		hookID := d.HookID(i)
		if hookID == "" {
			keyOf[i] = -1
			continue
		}
		key := hookkey.Of(head.ProductName, head.AppKey, string(head.Event), hookID)
		j, seen := index[key]
		if !seen {
			j = len(keys)
			keys = append(keys, key)
			if index != nil {
				index[key] = j
			}
		}
		keyOf[i] = j
	}
	if len(keys) == 0 {
		return a, nil
	}
	a.keys = keys
	states, err := h.storeClaim(ctx, keys, a.token)
	if err == nil && len(states) != len(keys) {
		err = fmt.Errorf("smshook: the store answered %d states for %d ids", len(states), len(keys))
	}
	if err != nil {
		return a, err
	}
	for j, s := range states {
		switch s {
		case Claimed:
			a.claimed = append(a.claimed, keys[j])
		case InProgress:
			a.busy++
		case Done:
		default:
			return a, fmt.Errorf("smshook: the store answered an invalid state %d", s)
		}
	}
	d.KeepHooks(func(i int) bool {
		j := keyOf[i]
		switch {
		case j < 0:
			return true
		case states[j] == Claimed:
			states[j] = Done // the next hook with this id is the same event
			return true
		}
		return false
	})
	return a, nil
}

// storeClaim asks the store within the store timeout.
func (h *handler) storeClaim(ctx context.Context, keys []string, token string) ([]ClaimState, error) {
	ctx, cancel := context.WithTimeout(ctx, h.storeTimeout)
	defer cancel()
	return h.store.Claim(ctx, keys, token, h.lease)
}

// commit marks the attempt's hooks done after the application processed them. It runs even when the
// request's context is done. A failure is logged: the events were processed, so the delivery is still
// acknowledged; at worst a redelivery after the lease processes them again.
func (h *handler) commit(ctx context.Context, head api.Head, a *attempt) {
	if len(a.claimed) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.storeTimeout)
	defer cancel()
	err := h.store.Commit(sctx, a.claimed, a.token, h.retention)
	switch {
	case err == nil:
	case errors.Is(err, ErrLeaseLost):
		h.logger.LogAttrs(ctx, slog.LevelWarn, "smshook: the application outlasted the claim lease and another attempt took an event over; it may be processed twice (raise WithClaimLease)",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.Duration("lease", h.lease))
	default:
		h.logger.LogAttrs(ctx, slog.LevelError, "smshook: could not record processed events; a redelivery after the lease will process them again",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.String("error", err.Error()))
	}
}

// release ends the attempt's leases after the application failed, so that a redelivery is processed at
// once. It runs even when the request's context is done; if it fails, the leases expire by themselves.
func (h *handler) release(ctx context.Context, keys []string, token string) {
	if len(keys) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.storeTimeout)
	defer cancel()
	if err := h.store.Release(sctx, keys, token); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "smshook: could not release claims; a redelivery is processed once the lease expires",
			slog.Duration("lease", h.lease), slog.String("error", err.Error()))
	}
}

// retryAfter is the Retry-After value, whole seconds rounded up, of a wait of d.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
