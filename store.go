package smshook

import (
	"context"
	"sync"
	"time"
)

// DefaultRetention is how long a processed hookId is remembered: a redelivery within it is acknowledged and
// not dispatched again.
const DefaultRetention = 24 * time.Hour

// DefaultMemoryStoreSize bounds the default in-memory store: about 150 MB at most, and a day of a million
// message results.
const DefaultMemoryStoreSize = 1 << 20

// Store remembers which events were handed to the application, so that each reaches it at most once within
// the retention window although NHN Cloud may deliver it again. Implementations are safe for concurrent use;
// MemoryStore serves one process, package redisstore several behind a load balancer.
type Store interface {
	// Claim records id for ttl unless it is recorded already, atomically, and reports whether this call
	// recorded it. A claim is held while the application processes the event and kept once it succeeded.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Release forgets id, after the application failed to process it, so that a redelivery is processed.
	Release(ctx context.Context, id string) error
}

// MemoryStore is a Store in this process's memory: entries expire after their ttl, and past maxEntries the
// oldest are forgotten first. Its zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu      sync.Mutex
	max     int
	entries map[string]time.Time // id → expiry
	order   []memoryEntry        // in the order of claims, which is the order of expiry for one ttl
	head    int                  // order[:head] are evicted
	now     func() time.Time
}

type memoryEntry struct {
	id     string
	expiry time.Time
}

// NewMemoryStore returns an empty MemoryStore that holds at most maxEntries ids (DefaultMemoryStoreSize when
// maxEntries <= 0).
func NewMemoryStore(maxEntries int) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryStoreSize
	}
	return &MemoryStore{max: maxEntries, entries: make(map[string]time.Time), now: time.Now}
}

// Claim implements Store; it never fails.
func (m *MemoryStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if expiry, ok := m.entries[id]; ok && now.Before(expiry) {
		return false, nil
	}
	expiry := now.Add(ttl)
	m.entries[id] = expiry
	m.order = append(m.order, memoryEntry{id: id, expiry: expiry})
	m.evict(now)
	return true, nil
}

// Release implements Store; it never fails.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, id)
	return nil
}

// Len returns the number of ids held, expired ones not yet evicted included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// evict drops expired entries and, past the bound, the oldest ones. Entries of order that were released or
// claimed again since are stale and only skipped.
func (m *MemoryStore) evict(now time.Time) {
	for m.head < len(m.order) {
		e := m.order[m.head]
		expiry, live := m.entries[e.id]
		if live && expiry.Equal(e.expiry) {
			if now.Before(expiry) && len(m.entries) <= m.max {
				break
			}
			delete(m.entries, e.id)
		}
		m.order[m.head] = memoryEntry{}
		m.head++
	}
	if m.head > len(m.order)/2 { // compact: amortised O(1) per claim
		m.order = append(m.order[:0], m.order[m.head:]...)
		m.head = 0
	}
}
