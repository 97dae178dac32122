package inboxdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/pgserver"
)

// fileState is what a reader must not change of a SQLite file: its bytes and its modification time.
type fileState struct {
	sum   [32]byte
	mtime time.Time
}

func stateOf(tb testing.TB, path string) fileState {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	info, err := os.Stat(path)
	require.NoError(tb, err)
	return fileState{sha256.Sum256(b), info.ModTime()}
}

// journalMode reads the journal mode of the file at path, read-only.
func journalMode(tb testing.TB, path string) string {
	tb.Helper()
	d, err := OpenReadOnly(context.Background(), path)
	require.NoError(tb, err)
	defer d.Close()
	var mode string
	require.NoError(tb, d.Read.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	return mode
}

// TestOpenReadOnlySQLite: a file in WAL mode and one in rollback-journal mode are read, refuse writes, and keep
// their bytes, modification time and journal mode; the second gains no -wal or -shm file.
func TestOpenReadOnlySQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []string{"wal", "delete"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "inbox.db")
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode("+mode+")")
			require.NoError(t, err)
			_, err = db.Exec(`CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)`)
			require.NoError(t, err)
			require.NoError(t, db.Close())
			before := stateOf(t, path)
			time.Sleep(10 * time.Millisecond) // a write would show in the modification time

			d, err := OpenReadOnly(ctx, path)
			require.NoError(t, err)
			var n int
			require.NoError(t, d.Read.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n))
			require.Equal(t, 2, n)
			_, err = d.Write.ExecContext(ctx, `INSERT INTO t VALUES (3)`)
			require.Error(t, err, "a read-only inbox takes no write")
			_, _ = d.Write.ExecContext(ctx, `PRAGMA journal_mode = DELETE`) // the journal mode checked below stays
			require.NoError(t, d.Close())

			require.Equal(t, before, stateOf(t, path), "the file is unchanged")
			require.Equal(t, mode, journalMode(t, path))
			if mode == "delete" {
				for _, suffix := range []string{"-wal", "-shm", "-journal"} {
					_, err := os.Stat(path + suffix)
					require.ErrorIs(t, err, os.ErrNotExist, "no %s file beside a rollback-journal database", suffix)
				}
			}
		})
	}

	_, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.db"))
	require.ErrorIs(t, err, os.ErrNotExist, "a read-only open creates nothing")
	_, err = os.Stat(filepath.Join(t.TempDir(), "missing.db"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestOpenReadOnlyPostgres: every transaction on a read-only Postgres inbox is read-only, and the URL's password
// is in no error.
func TestOpenReadOnlyPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, cleanup, err := pgserver.URL(ctx)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("SKIPPING THE POSTGRES TEST: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	name, drop, err := pgserver.CreateDatabase(ctx, server, fmt.Sprintf("readonly_test_%d_%d", os.Getpid(), time.Now().UnixNano()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = drop() })

	rw, err := Open(ctx, name, Options{Conns: 1})
	require.NoError(t, err)
	_, err = rw.Write.ExecContext(ctx, `CREATE TABLE t (x integer); INSERT INTO t VALUES (1)`)
	require.NoError(t, err)
	require.NoError(t, rw.Close())

	d, err := OpenReadOnly(ctx, name)
	require.NoError(t, err)
	defer d.Close()
	var n int
	require.NoError(t, d.Read.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n))
	require.Equal(t, 1, n)
	_, err = d.Write.ExecContext(ctx, `INSERT INTO t VALUES (2)`)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "%v", err)
	require.Equal(t, "25006", pgErr.Code, "read_only_sql_transaction")
	tx, err := d.Write.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `DELETE FROM t`)
	require.Error(t, err, "an explicit transaction is read-only too")
	require.NoError(t, tx.Rollback())

	_, err = OpenReadOnly(ctx, "postgres://u:s3cret-pw@%zz/db")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret-pw")
}
