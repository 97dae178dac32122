package inbox

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the inbox's own tables, in order; migrations[i] brings the schema to version i+1. Times are
// Unix milliseconds of the process's clock, as the in-memory store uses it.
var migrations = []string{`
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
`}

// migrate brings the inbox's tables to the latest version in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS smshook_migration (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM smshook_migration`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("inbox: the file's schema is version %d, newer than this version of the package knows (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("inbox: migration %d: %w", v+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM smshook_migration`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO smshook_migration (version) VALUES (?)`, len(migrations)); err != nil {
			return err
		}
	}
	return tx.Commit()
}
