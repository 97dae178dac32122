package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smshook/smshook"
)

// store is the Inbox's smshook.Store: done ids in the file (smshook_hook), so that a restart does not forget
// them and every process on the file sees them, leases in this process's memory, since a lease only has to
// outlive the attempt that holds it. Two processes on one file may therefore both take a copy of an event at
// the same moment; the Receiver's transaction still stores it once. Its methods fail with errClosed once the
// Inbox is closed.
//
// The Receiver's handler has the store with leaseOnly: its Claim reads nothing and reports no id done, since
// the Receiver's transaction reads and marks the ids as it stores the delivery (and leaves out those done
// before), then marks them on their leases, where Commit finds them so. A delivery then costs no read before
// its write.
type store struct {
	ib        *Inbox
	leaseOnly bool
}

var _ smshook.Store = store{}

// Claim implements smshook.Store.
func (s store) Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]smshook.ClaimState, error) {
	states := make([]smshook.ClaimState, len(ids))
	if len(ids) == 0 {
		return states, nil
	}
	if s.ib.isClosed() {
		return nil, errClosed
	}
	now := time.Now()
	var done map[string]bool // none done under leaseOnly
	if !s.leaseOnly {
		var err error
		if done, err = s.ib.done(ctx, ids, now); err != nil {
			return nil, err
		}
	}
	var open []string
	for _, id := range ids {
		if !done[id] {
			open = append(open, id)
		}
	}
	held := s.ib.leases.take(open, token, lease, now)
	j := 0
	for i, id := range ids {
		switch {
		case done[id]:
			states[i] = smshook.Done
		case held[j]:
			states[i] = smshook.Claimed
			j++
		default:
			states[i] = smshook.InProgress
			j++
		}
	}
	return states, nil
}

// Commit implements smshook.Store.
func (s store) Commit(ctx context.Context, ids []string, token string, retention time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	if s.ib.isClosed() {
		return errClosed
	}
	if s.ib.leases.storedBy(ids, token) { // the Receiver stored them: the usual case
		s.ib.leases.end(ids, token)
		return nil
	}
	now := time.Now()
	done, err := s.ib.done(ctx, ids, now)
	if err != nil {
		return err
	}
	var open []string
	for _, id := range ids {
		if !done[id] {
			open = append(open, id)
		}
	}
	lost := 0
	var mark []string
	for i, taken := range s.ib.leases.others(open, token, now) {
		if taken {
			lost++
		} else {
			mark = append(mark, open[i])
		}
	}
	if len(mark) > 0 {
		if err := s.ib.w.do(ctx, &op{kind: opCommit, ids: mark, d: retention}); err != nil {
			return err
		}
	}
	s.ib.leases.end(ids, token)
	if lost > 0 {
		return fmt.Errorf("inbox: commit: %d of %d ids: %w", lost, len(ids), smshook.ErrLeaseLost)
	}
	return nil
}

// Release implements smshook.Store; it fails only once the Inbox is closed.
func (s store) Release(_ context.Context, ids []string, token string) error {
	if s.ib.isClosed() {
		return errClosed
	}
	s.ib.leases.end(ids, token)
	return nil
}

// done returns which ids are done within their retention, read from the file.
func (ib *Inbox) done(ctx context.Context, ids []string, now time.Time) (map[string]bool, error) {
	if ib.isClosed() {
		return nil, errClosed
	}
	arr, err := idsArg(ib.d.Engine, ids)
	if err != nil {
		return nil, err
	}
	stmt, err := ib.doneStmt(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, arr, now.UnixMilli())
	if err != nil {
		if ib.isClosed() {
			return nil, errClosed
		}
		return nil, fmt.Errorf("inbox: read claims: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		done[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, errors.Join(errors.New("inbox: read claims"), err)
	}
	return done, nil
}

// doneStmt returns doneSQL prepared on the readers' pool (database/sql prepares it again on each connection
// as needed), so that a claim does not compile it again.
func (ib *Inbox) doneStmt(ctx context.Context) (*sql.Stmt, error) {
	ib.readMu.Lock()
	defer ib.readMu.Unlock()
	if ib.doneQuery == nil {
		s, err := ib.d.Read.PrepareContext(ctx, dialect(ib.d.Engine, doneSQL))
		if err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		ib.doneQuery = s
	}
	return ib.doneQuery, nil
}
