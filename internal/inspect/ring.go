package inspect

import "sync"

// ring holds the last len(buf) entries; older ones are forgotten.
type ring struct {
	mu   sync.Mutex
	buf  []*entry
	next int // where the next entry goes
	n    int // how many are held
}

func newRing(capacity int) *ring { return &ring{buf: make([]*entry, capacity)} }

func (r *ring) add(e *entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	if r.n < len(r.buf) {
		r.n++
	}
}

// list returns the entries held, newest first.
func (r *ring) list() []*entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*entry, 0, r.n)
	for i := 1; i <= r.n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

// get returns the entry seq, or nil once it was forgotten.
func (r *ring) get(seq uint64) *entry {
	for _, e := range r.list() {
		if e.Seq == seq {
			return e
		}
	}
	return nil
}

// after returns the entries held whose Seq is greater than seq, oldest first.
func (r *ring) after(seq uint64) []*entry {
	all := r.list()
	var out []*entry
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Seq > seq {
			out = append(out, all[i])
		}
	}
	return out
}
