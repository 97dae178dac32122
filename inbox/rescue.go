package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/smshook/smshook/internal/inboxdb"
)

// A delivery whose call to the application was running when its process died stays `running` in River's
// table; River's rescuer hands it over again only once Config.RescueAfter passed since the call began (70 s by
// default, and the rescuer looks every 30 s: about 80 s after a restart). So each Inbox keeps a heartbeat
// under its River client's ID in smshook_client, and every Inbox looks, at Open and at each heartbeat, for
// running jobs whose last attempt belongs to a client whose heartbeat is older than Config.HeartbeatTimeout,
// and makes them available at once. A live Inbox keeps its heartbeat fresh whatever its application does, so
// what it runs is not handed over beside it; a job of a client without a row (an older version, or one that
// closed) is left to River's rescuer.

// heartbeatsPerTimeout is how many heartbeats an Inbox writes within Config.HeartbeatTimeout: a few may be
// late (a busy writer, a slow disk) before its deliveries are taken for orphans.
const heartbeatsPerTimeout = 5

// rescuedError is the error recorded in a rescued job's errors, as River's rescuer records its own.
const rescuedError = "inbox: the process handing this job over stopped (no heartbeat within the heartbeat timeout); handed over again"

// dbNow is the database's clock in Unix milliseconds: heartbeats are written and judged by one clock, so
// that machines whose clocks disagree by more than the timeout do not take each other for dead.
var dbNow = map[inboxdb.Engine]string{
	inboxdb.SQLite:   `CAST(unixepoch('subsec') * 1000 AS INTEGER)`,
	inboxdb.Postgres: `CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)`,
}

// heartbeat records that the Inbox is alive now.
func (ib *Inbox) heartbeat(ctx context.Context) error {
	_, err := ib.d.Write.ExecContext(ctx, `INSERT INTO smshook_client (id, heartbeat_at) VALUES ($1, `+dbNow[ib.d.Engine]+`)
ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, ib.river.ID())
	if err != nil {
		return fmt.Errorf("inbox: heartbeat: %w", err)
	}
	return nil
}

// runningSQL lists the running jobs of the inbox with the ID of the client whose attempt it is, the last of
// attempted_by (a JSON array on SQLite, a text[] on Postgres, whose rows it locks until the rescue commits).
var runningSQL = map[inboxdb.Engine]string{
	inboxdb.SQLite: `SELECT id, attempt, max_attempts, json_extract(attempted_by, '$[#-1]') FROM river_job
WHERE state = 'running' AND kind = $1`,
	inboxdb.Postgres: `SELECT id, attempt, max_attempts, attempted_by[array_length(attempted_by, 1)] FROM river_job
WHERE state = 'running' AND kind = $1 FOR UPDATE`,
}

// rescueOrphans makes available again the running jobs of the clients whose heartbeat is older than the
// timeout, other than this Inbox's own, or discards those that had their last attempt, as River's rescuer
// does; then it forgets those clients. It returns how many jobs it rescued. It reads and rescues in one
// transaction, which on SQLite holds the write lock and on Postgres locks the jobs' rows, so that a job that
// another Inbox rescued and a third fetched meanwhile is not rescued a second time under its new client.
func (ib *Inbox) rescueOrphans(ctx context.Context) (int, error) {
	now := time.Now()
	stale := ib.cfg.heartbeatTimeout.Milliseconds()
	self := ib.river.ID()
	// Looked for first beside the writer, so that the common case, nobody is late, takes no write lock.
	if dead, err := staleClients(ctx, ib.d.Read, ib.d.Engine, stale, self); err != nil || len(dead) == 0 {
		return 0, err
	}
	tx, err := ib.d.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("inbox: rescue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	dead, err := staleClients(ctx, tx, ib.d.Engine, stale, self)
	if err != nil || len(dead) == 0 {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, runningSQL[ib.d.Engine], kind)
	if err != nil {
		return 0, fmt.Errorf("inbox: rescue: %w", err)
	}
	params := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Hour)} // inside the lock: every running job
	byClient := map[string]int{}
	for rows.Next() {
		var id int64
		var attempt, maxAttempts int
		var client sql.NullString
		if err := rows.Scan(&id, &attempt, &maxAttempts, &client); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("inbox: rescue: %w", err)
		}
		if !dead[client.String] {
			continue
		}
		e, err := json.Marshal(rivertype.AttemptError{At: now.UTC(), Attempt: attempt, Error: rescuedError})
		if err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("inbox: rescue: %w", err)
		}
		state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
		if attempt >= maxAttempts {
			state, finalized = rivertype.JobStateDiscarded, &now
		}
		params.ID = append(params.ID, id)
		params.Error = append(params.Error, e)
		params.FinalizedAt = append(params.FinalizedAt, finalized)
		params.ScheduledAt = append(params.ScheduledAt, now.UTC())
		params.State = append(params.State, string(state))
		byClient[client.String]++
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("inbox: rescue: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("inbox: rescue: %w", err)
	}
	if len(params.ID) > 0 {
		if _, err := ib.driver.UnwrapExecutor(tx).JobRescueMany(ctx, params); err != nil {
			return 0, fmt.Errorf("inbox: rescue: %w", err)
		}
	}
	// Their jobs are rescued: nothing is left to find under them. Those found late only, not one that became
	// late since, whose jobs were not looked at; a client that was only stalled writes its row again with its
	// next heartbeat.
	for client := range dead {
		if _, err := tx.ExecContext(ctx, `DELETE FROM smshook_client WHERE id = $1 AND heartbeat_at < `+dbNow[ib.d.Engine]+` - $2`,
			client, stale); err != nil {
			return 0, fmt.Errorf("inbox: rescue: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("inbox: rescue: %w", err)
	}
	for client, n := range byClient {
		ib.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "inbox: handing over again the deliveries of a process whose heartbeat stopped",
			slog.String("client_id", client), slog.Int("jobs", n), slog.Duration("heartbeat_timeout", ib.cfg.heartbeatTimeout))
	}
	return len(params.ID), nil
}

// staleClients returns the IDs of the clients other than self whose last heartbeat is more than timeout
// milliseconds old.
func staleClients(ctx context.Context, q querier, engine inboxdb.Engine, timeout int64, self string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM smshook_client WHERE heartbeat_at < `+dbNow[engine]+` - $1 AND id <> $2`, timeout, self)
	if err != nil {
		return nil, fmt.Errorf("inbox: rescue: %w", err)
	}
	defer rows.Close()
	dead := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("inbox: rescue: %w", err)
		}
		dead[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inbox: rescue: %w", err)
	}
	return dead, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// keepAlive writes the Inbox's heartbeat and rescues orphans every heartbeat timeout/heartbeatsPerTimeout
// until Close, then deletes the Inbox's row: what a closed Inbox left running (an application that ignored
// its cancelled context) is River's rescuer's, since its process may still be running it.
func (ib *Inbox) keepAlive() {
	defer close(ib.kept)
	every := ib.cfg.heartbeatTimeout / heartbeatsPerTimeout
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ib.closing.Done():
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_, _ = ib.d.Write.ExecContext(ctx, `DELETE FROM smshook_client WHERE id = $1`, ib.river.ID())
			cancel()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(ib.closing, every)
		err := ib.heartbeat(ctx)
		if err == nil {
			_, err = ib.rescueOrphans(ctx)
		}
		cancel()
		switch {
		case err != nil && ib.closing.Err() != nil:
		case err != nil && !failing:
			ib.cfg.logger.Error("inbox: heartbeat failed; another process may take this one's running deliveries for orphans", "error", err.Error())
			failing = true
		case err == nil && failing:
			ib.cfg.logger.Info("inbox: heartbeat written again")
			failing = false
		}
	}
}
