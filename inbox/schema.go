package inbox

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/smshook/smshook/internal/inboxdb"
)

// migrations are the inbox's own tables, in order, for each engine; migrations[e][i] brings the schema to
// version i+1; version 3 keeps several deliveries per job, numbered by seq; version 4 the heartbeats of the
// Inboxes that hand deliveries over (see rescue.go). Times are Unix milliseconds of the
// process's clock, as the in-memory store uses it (on Postgres
// the clocks of the machines that share it, which should agree within a second or so).
var migrations = map[inboxdb.Engine][]string{
	inboxdb.SQLite: {`
CREATE TABLE smshook_hook (
	id         TEXT    NOT NULL PRIMARY KEY, -- the handler's key of a stored or processed event
	expires_at INTEGER NOT NULL              -- the end of its retention
) WITHOUT ROWID;
CREATE INDEX smshook_hook_expires_at ON smshook_hook (expires_at);
CREATE TABLE smshook_delivery (
	job_id   INTEGER NOT NULL PRIMARY KEY, -- river_job.id
	event    TEXT    NOT NULL,
	envelope BLOB    NOT NULL              -- JSON of the typed envelope
);
`, `
CREATE TABLE smshook_quarantine (
	digest      TEXT    NOT NULL PRIMARY KEY, -- of product, event and the hook's JSON: a redelivery adds nothing
	received_at INTEGER NOT NULL,
	product     TEXT    NOT NULL,
	event       TEXT    NOT NULL,
	hooks_id    TEXT    NOT NULL,
	hook_index  INTEGER NOT NULL,
	hook        BLOB    NOT NULL,             -- the hook's JSON, as the delivery carried it
	violations  BLOB    NOT NULL              -- JSON [{pointer, detail}], no values
);
CREATE INDEX smshook_quarantine_received_at ON smshook_quarantine (received_at);
`, `
CREATE TABLE smshook_delivery_v3 (
	job_id   INTEGER NOT NULL, -- river_job.id
	seq      INTEGER NOT NULL, -- the delivery's place in its job, from 0
	event    TEXT    NOT NULL,
	envelope BLOB    NOT NULL, -- JSON of the typed envelope
	PRIMARY KEY (job_id, seq)
);
INSERT INTO smshook_delivery_v3 (job_id, seq, event, envelope) SELECT job_id, 0, event, envelope FROM smshook_delivery;
DROP TABLE smshook_delivery;
ALTER TABLE smshook_delivery_v3 RENAME TO smshook_delivery;
`, `
CREATE TABLE smshook_client (
	id           TEXT    NOT NULL PRIMARY KEY, -- a River client's ID, one per Inbox
	heartbeat_at INTEGER NOT NULL              -- its last heartbeat, by the database's clock (rescue.go)
) WITHOUT ROWID;
`},
	// The same tables in Postgres's types.
	inboxdb.Postgres: {`
CREATE TABLE smshook_hook (
	id         TEXT   NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX smshook_hook_expires_at ON smshook_hook (expires_at);
CREATE TABLE smshook_delivery (
	job_id   BIGINT NOT NULL PRIMARY KEY,
	event    TEXT   NOT NULL,
	envelope BYTEA  NOT NULL
);
`, `
CREATE TABLE smshook_quarantine (
	digest      TEXT    NOT NULL PRIMARY KEY,
	received_at BIGINT  NOT NULL,
	product     TEXT    NOT NULL,
	event       TEXT    NOT NULL,
	hooks_id    TEXT    NOT NULL,
	hook_index  INTEGER NOT NULL,
	hook        BYTEA   NOT NULL,
	violations  BYTEA   NOT NULL
);
CREATE INDEX smshook_quarantine_received_at ON smshook_quarantine (received_at);
`, `
ALTER TABLE smshook_delivery ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE smshook_delivery DROP CONSTRAINT smshook_delivery_pkey;
ALTER TABLE smshook_delivery ADD PRIMARY KEY (job_id, seq);
`, `
CREATE TABLE smshook_client (
	id           TEXT   NOT NULL PRIMARY KEY,
	heartbeat_at BIGINT NOT NULL
);
`},
}

// migrationLock is the key of the Postgres advisory lock that one process holds while it migrates, so that
// processes starting together on one database migrate one after the other.
const migrationLock = 0x736d73686f6f6b // "smshook"

// migrate brings the inbox's tables to the latest version in one transaction.
func migrate(ctx context.Context, db *sql.DB, engine inboxdb.Engine) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := migrateTx(ctx, tx, engine); err != nil {
		return err
	}
	return tx.Commit()
}

// migrateTx brings the inbox's tables to the latest version in tx.
func migrateTx(ctx context.Context, tx *sql.Tx, engine inboxdb.Engine) error {
	steps := migrations[engine]
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS smshook_migration (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM smshook_migration`).Scan(&version); err != nil {
		return err
	}
	if version > len(steps) {
		return fmt.Errorf("inbox: the file's schema is version %d, newer than this version of the package knows (%d)", version, len(steps))
	}
	for v := version; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("inbox: migration %d: %w", v+1, err)
		}
	}
	if version < len(steps) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM smshook_migration`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO smshook_migration (version) VALUES ($1)`, len(steps)); err != nil {
			return err
		}
	}
	return nil
}
