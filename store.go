package smshook

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultRetention is how long a processed hookId is remembered: a redelivery within it is acknowledged and
// not dispatched again.
const DefaultRetention = 24 * time.Hour

// DefaultMemoryStoreSize bounds the default in-memory store: about 80 MB at most, and a day of a million
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
//
// It holds no pointer and never copies its whole queue, so that a store of a million ids costs the garbage
// collector nothing to scan and no claim waits behind a large copy. An id is kept as a 128-bit digest made of
// two hashes with seeds of this process: two ids share one with a probability of about 2^-128 per pair, about
// 10^-27 for a full store, and nobody outside the process can choose ids that do.
type MemoryStore struct {
	mu      sync.Mutex
	max     int
	seeds   [2]maphash.Seed
	entries map[memoryKey]int64 // id → expiry, Unix nanoseconds
	order   [][]memoryEntry     // chunks, in the order of claims, which is the order of expiry for one ttl
	head    int                 // order[0][:head] are evicted
	now     func() time.Time
}

type memoryKey [2]uint64

type memoryEntry struct {
	key    memoryKey
	expiry int64
}

func (m *MemoryStore) key(id string) memoryKey {
	return memoryKey{maphash.String(m.seeds[0], id), maphash.String(m.seeds[1], id)}
}

// chunkSize is the number of entries of one chunk of the eviction queue.
const chunkSize = 4096

// NewMemoryStore returns an empty MemoryStore that holds at most maxEntries ids (DefaultMemoryStoreSize when
// maxEntries <= 0).
func NewMemoryStore(maxEntries int) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryStoreSize
	}
	return &MemoryStore{
		max:     maxEntries,
		seeds:   [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		entries: make(map[memoryKey]int64),
		now:     time.Now,
	}
}

// Claim implements Store; it never fails.
func (m *MemoryStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	key := m.key(id)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	if expiry, ok := m.entries[key]; ok && now < expiry {
		return false, nil
	}
	expiry := now + int64(ttl)
	m.entries[key] = expiry
	if n := len(m.order); n == 0 || len(m.order[n-1]) == chunkSize {
		m.order = append(m.order, make([]memoryEntry, 0, chunkSize))
	}
	last := len(m.order) - 1
	m.order[last] = append(m.order[last], memoryEntry{key: key, expiry: expiry})
	m.evict(now)
	return true, nil
}

// Release implements Store; it never fails.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	key := m.key(id)
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

// Len returns the number of ids held, expired ones not yet evicted included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// queued returns the number of entries in the eviction queue, stale ones included.
func (m *MemoryStore) queued() int {
	n := -m.head
	for _, c := range m.order {
		n += len(c)
	}
	return n
}

// evict drops expired entries and, past the bound, the oldest ones. Entries of the queue that were released
// or claimed again since are stale and only skipped.
func (m *MemoryStore) evict(now int64) {
	for len(m.order) > 0 {
		first := m.order[0]
		if m.head == len(first) {
			if len(first) < chunkSize {
				return // the last chunk, still filling
			}
			m.order[0] = nil
			m.order = m.order[1:]
			m.head = 0
			continue
		}
		e := first[m.head]
		expiry, live := m.entries[e.key]
		if live && expiry == e.expiry {
			if now < expiry && len(m.entries) <= m.max {
				return
			}
			delete(m.entries, e.key)
		}
		first[m.head] = memoryEntry{}
		m.head++
	}
}
