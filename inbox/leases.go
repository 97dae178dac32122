package inbox

import (
	"sync"
	"time"
)

// leases are the claims in progress, in this process's memory: a lease only has to outlive the attempt that
// holds it, and an attempt does not outlive its process. What must survive a restart, the hookIds that were
// stored or processed, is in the file.
type leases struct {
	mu        sync.Mutex
	m         map[string]lease
	nextSweep int
}

type lease struct {
	token  string
	expiry time.Time
	stored bool // the Receiver committed the id done while this lease stood
}

// minSweep is the number of leases below which expired ones are not swept.
const minSweep = 1024

func newLeases() *leases { return &leases{m: map[string]lease{}, nextSweep: minSweep} }

// take leases each id not held by another token to token, and reports for each whether it holds it.
func (l *leases) take(ids []string, token string, d time.Duration, now time.Time) []bool {
	held := make([]bool, len(ids))
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, id := range ids {
		cur, ok := l.m[id]
		if ok && cur.token != token && now.Before(cur.expiry) {
			continue
		}
		l.m[id] = lease{token: token, expiry: now.Add(d), stored: cur.token == token && cur.stored}
		held[i] = true
	}
	if len(l.m) >= l.nextSweep {
		for id, cur := range l.m {
			if !now.Before(cur.expiry) {
				delete(l.m, id)
			}
		}
		l.nextSweep = max(minSweep, 2*len(l.m))
	}
	return held
}

// others reports for each id whether another token holds a live lease on it.
func (l *leases) others(ids []string, token string, now time.Time) []bool {
	taken := make([]bool, len(ids))
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, id := range ids {
		cur, ok := l.m[id]
		taken[i] = ok && cur.token != token && now.Before(cur.expiry)
	}
	return taken
}

// markStored records that ids are done in the file, on the leases that stand on them, so that the commit
// of the attempt that holds them has nothing to read or write.
func (l *leases) markStored(ids []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if cur, ok := l.m[id]; ok {
			cur.stored = true
			l.m[id] = cur
		}
	}
}

// storedBy reports whether token's leases on every id were marked stored.
func (l *leases) storedBy(ids []string, token string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if cur, ok := l.m[id]; !ok || cur.token != token || !cur.stored {
			return false
		}
	}
	return true
}

// end removes token's leases on ids.
func (l *leases) end(ids []string, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if cur, ok := l.m[id]; ok && cur.token == token {
			delete(l.m, id)
		}
	}
}
