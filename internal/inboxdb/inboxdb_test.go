package inboxdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEngineOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]Engine{
		"/var/lib/smshook/inbox.db":        SQLite,
		"inbox.db":                         SQLite,
		"postgres://u@db/smshook":          Postgres,
		"postgresql://u:p@db:5432/smshook": Postgres,
		"postgres.db":                      SQLite,
	} {
		require.Equal(t, want, EngineOf(name), name)
	}
}

// TestRedactedHidesThePassword: a URL logged through Redacted keeps where it points and loses its password.
func TestRedactedHidesThePassword(t *testing.T) {
	t.Parallel()
	got := Redacted("postgres://smshook:s3cret-pw@db.internal:5432/smshook?sslmode=require")
	require.NotContains(t, got, "s3cret-pw")
	require.Contains(t, got, "db.internal:5432/smshook")
	require.Equal(t, "postgres://…", Redacted("postgres://%zz"), "unparsable: nothing of it")
	require.Equal(t, "/var/lib/smshook/inbox.db", Redacted("/var/lib/smshook/inbox.db"))
}

// TestOpenSQLite: a new file is in WAL mode, with a writer of one connection and query-only readers.
func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "inbox.db"), Options{})
	require.NoError(t, err)
	defer d.Close()
	require.Equal(t, SQLite, d.Engine)
	require.Equal(t, 1, d.Write.Stats().MaxOpenConnections)
	_, err = d.Write.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`)
	require.NoError(t, err)
	require.NoError(t, d.OpenReaders())
	var n int
	require.NoError(t, d.Read.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n))
	_, err = d.Read.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
	require.Error(t, err, "the readers are query-only")
	ok, err := d.HasTables(ctx, "t")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.HasTables(ctx, "t", "river_job")
	require.NoError(t, err)
	require.False(t, ok)

	_, err = Open(ctx, "", Options{})
	require.ErrorContains(t, err, "path")
}

// TestInSyncedTxFlushes: whatever the options, a commit of InSyncedTx is flushed (synchronous FULL) unless
// RelaxedSync; under SyncedTxOnly the other transactions on Write are not, and a failing fn commits nothing.
func TestInSyncedTxFlushes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const full, normal = 2, 1
	for name, c := range map[string]struct {
		opts          Options
		inside, other int
	}{
		"default":      {Options{}, full, full},
		"SyncedTxOnly": {Options{SyncedTxOnly: true}, full, normal},
		"RelaxedSync":  {Options{RelaxedSync: true, SyncedTxOnly: true}, normal, normal},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, err := Open(ctx, filepath.Join(t.TempDir(), "inbox.db"), c.opts)
			require.NoError(t, err)
			defer d.Close()
			sync := func(q interface {
				QueryRowContext(context.Context, string, ...any) *sql.Row
			}) int {
				var level int
				require.NoError(t, q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&level))
				return level
			}
			_, err = d.Write.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`)
			require.NoError(t, err)
			require.NoError(t, d.InSyncedTx(ctx, func(tx *sql.Tx) error {
				require.Equal(t, c.inside, sync(tx))
				_, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
				return err
			}))
			require.Equal(t, c.other, sync(d.Write), "outside InSyncedTx")
			require.Error(t, d.InSyncedTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (2)`)
				require.NoError(t, err)
				return errors.New("fn failed")
			}))
			var n int
			require.NoError(t, d.Write.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n))
			require.Equal(t, 1, n, "what a failing fn wrote is rolled back")
			require.Equal(t, c.other, sync(d.Write), "after a failing fn")
		})
	}
}
