package smshook

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"time"
)

// The defaults of the options.
const (
	// defaultRetention is how long a processed hookId is remembered: a redelivery within it is acknowledged
	// and not dispatched again.
	defaultRetention = 24 * time.Hour
	// defaultClaimLease is how long a hook is held as in progress while the application processes it, when
	// neither WithClaimLease nor WithTimeout says otherwise. It matches `smshook serve`'s write timeout: an
	// answer cannot be written later than that, so a holder still working past it has lost its caller
	// anyway. After a crash a redelivery waits at most this long; meanwhile every copy is answered 503.
	defaultClaimLease = time.Minute
	// defaultStoreTimeout bounds every call to the Store, so that a stalled store is answered 503 within
	// seconds instead of holding the sender.
	defaultStoreTimeout = 2 * time.Second
	// defaultMemoryStoreSize bounds the default in-memory store: about 80 MB at most, and a day of a
	// million message results.
	defaultMemoryStoreSize = 1 << 20
)

// ClaimState is what Store.Claim found for one id.
type ClaimState uint8

const (
	// Claimed: the id is now leased to this attempt, which processes the event and then commits or releases.
	Claimed ClaimState = iota + 1
	// InProgress: another attempt holds a lease on the id; its outcome is not known yet.
	InProgress
	// Done: the event was processed within the retention.
	Done
)

// ErrLeaseLost is returned by Store.Commit when another attempt holds a lease on an id, because this
// attempt's lease expired before the application finished: the event may be processed twice.
var ErrLeaseLost = errors.New("smshook: a claim's lease expired before the application finished; another attempt holds it")

// Store records which events are being processed and which were, so that each reaches the application once
// within the retention although NHN Cloud may deliver it again, and so that no copy is acknowledged while
// the event is still in the application. Implementations are safe for concurrent use; NewMemoryStore serves
// one process, package redisstore several behind a load balancer.
//
// An attempt to process a delivery has a token of its own, unique to it. The life of an id:
//
//	absent ──Claim──▶ leased to token, for lease ──Commit──▶ done, for the retention
//	                         │   └──Release, or the lease expires──▶ absent
//
// A crash therefore leaves at most a lease, after which a redelivery is processed.
type Store interface {
	// Claim leases every id that is neither leased nor done to token for lease, atomically per id, and
	// returns the state of each id in order: Claimed for an id leased to token (by this call, or by an
	// earlier call with the same token: a retried command wins what it won), InProgress for an id leased to
	// another token, Done for a processed id. On an error, some ids may have been leased: Release them.
	Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]ClaimState, error)
	// Commit marks ids as done for retention once the application processed them. An id that is no longer
	// leased to token is marked done too, unless another token leases it: Commit then returns ErrLeaseLost
	// (wrapped) after marking the others.
	Commit(ctx context.Context, ids []string, token string, retention time.Duration) error
	// Release ends token's leases on ids after the application failed, so that a redelivery is processed.
	// Ids that token does not lease are left alone.
	Release(ctx context.Context, ids []string, token string) error
}

// memoryStore is NewMemoryStore's Store. It keeps done ids without a pointer and never copies its whole
// queue, so that a store of a million ids costs the garbage collector nothing to scan and no claim waits
// behind a large copy. An id is kept as a 128-bit digest made of two hashes with seeds of this process: two
// ids share one with a probability of about 2^-128 per pair, about 10^-27 for a full store, and nobody
// outside the process can choose ids that do. Leases, one per hook in flight, are kept apart.
type memoryStore struct {
	mu        sync.Mutex
	max       int
	seeds     [2]maphash.Seed
	entries   map[memoryKey]int64 // done id → expiry, Unix nanoseconds
	order     [][]memoryEntry     // chunks, in the order of commits, which is the order of expiry for one retention
	head      int                 // order[0][:head] are evicted
	leases    map[memoryKey]memoryLease
	nextSweep int // len(leases) at which expired leases are next swept
	now       func() time.Time
}

type memoryKey [2]uint64

type memoryEntry struct {
	key    memoryKey
	expiry int64
}

type memoryLease struct {
	token  memoryKey
	expiry int64
}

func (m *memoryStore) key(id string) memoryKey {
	return memoryKey{maphash.String(m.seeds[0], id), maphash.String(m.seeds[1], id)}
}

// chunkSize is the number of entries of one chunk of the eviction queue.
const chunkSize = 4096

// minSweep is the number of leases below which expired ones are not swept.
const minSweep = 1024

// NewMemoryStore returns a Store in this process's memory, the default of a handler: done ids expire after
// their retention, and past maxEntries (1,048,576 when maxEntries <= 0, about 80 MB) the oldest are
// forgotten first. It never fails. Use a shared store (package redisstore) when several receivers stand
// behind one URL.
func NewMemoryStore(maxEntries int) Store { return newMemoryStore(maxEntries) }

func newMemoryStore(maxEntries int) *memoryStore {
	if maxEntries <= 0 {
		maxEntries = defaultMemoryStoreSize
	}
	return &memoryStore{
		max:       maxEntries,
		seeds:     [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		entries:   make(map[memoryKey]int64),
		leases:    make(map[memoryKey]memoryLease),
		nextSweep: minSweep,
		now:       time.Now,
	}
}

// Claim implements Store; it never fails.
func (m *memoryStore) Claim(_ context.Context, ids []string, token string, lease time.Duration) ([]ClaimState, error) {
	states := make([]ClaimState, len(ids))
	tok := m.key(token)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	for i, id := range ids {
		key := m.key(id)
		if expiry, ok := m.entries[key]; ok && now < expiry {
			states[i] = Done
			continue
		}
		if l, ok := m.leases[key]; ok && now < l.expiry && l.token != tok {
			states[i] = InProgress
			continue
		}
		m.leases[key] = memoryLease{token: tok, expiry: now + int64(lease)}
		states[i] = Claimed
	}
	if len(m.leases) >= m.nextSweep {
		m.sweep(now)
	}
	return states, nil
}

// Commit implements Store; it fails only with ErrLeaseLost.
func (m *memoryStore) Commit(_ context.Context, ids []string, token string, retention time.Duration) error {
	tok := m.key(token)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	lost := false
	for _, id := range ids {
		key := m.key(id)
		if l, ok := m.leases[key]; ok {
			if l.token != tok && now < l.expiry {
				lost = true
				continue
			}
			delete(m.leases, key)
		}
		m.record(key, now+int64(retention))
	}
	m.evict(now)
	if lost {
		return ErrLeaseLost
	}
	return nil
}

// Release implements Store; it never fails.
func (m *memoryStore) Release(_ context.Context, ids []string, token string) error {
	tok := m.key(token)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		key := m.key(id)
		if l, ok := m.leases[key]; ok && l.token == tok {
			delete(m.leases, key)
		}
	}
	return nil
}

// Len returns the number of done ids held, expired ones not yet evicted included.
func (m *memoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// record marks key done until expiry.
func (m *memoryStore) record(key memoryKey, expiry int64) {
	m.entries[key] = expiry
	if n := len(m.order); n == 0 || len(m.order[n-1]) == chunkSize {
		m.order = append(m.order, make([]memoryEntry, 0, chunkSize))
	}
	last := len(m.order) - 1
	m.order[last] = append(m.order[last], memoryEntry{key: key, expiry: expiry})
}

// sweep drops expired leases: those of attempts that outlived their lease and never ended.
func (m *memoryStore) sweep(now int64) {
	for key, l := range m.leases {
		if now >= l.expiry {
			delete(m.leases, key)
		}
	}
	m.nextSweep = max(minSweep, 2*len(m.leases))
}

// queued returns the number of entries in the eviction queue, stale ones included.
func (m *memoryStore) queued() int {
	n := -m.head
	for _, c := range m.order {
		n += len(c)
	}
	return n
}

// evict drops expired done ids and, past the bound, the oldest ones. Entries of the queue that were
// committed again since are stale and only skipped.
func (m *memoryStore) evict(now int64) {
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
