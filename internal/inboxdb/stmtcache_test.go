package inboxdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
)

// cachingDB opens a file through cachingConnector on one connection, and returns it with that connection's
// cache.
func cachingDB(t *testing.T) (*sql.DB, func() *cachingConn) {
	t.Helper()
	base, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "cache.db"))
	require.NoError(t, err)
	db := sql.OpenDB(cachingConnector{base})
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	db.SetMaxOpenConns(1)
	_, err = db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(t, err)
	conn := func() *cachingConn {
		c, err := db.Conn(context.Background())
		require.NoError(t, err)
		defer c.Close()
		var cc *cachingConn
		require.NoError(t, c.Raw(func(dc any) error {
			cc = dc.(*cachingConn)
			return nil
		}))
		return cc
	}
	return db, conn
}

// TestCachingConnKeepsAStatementPrepared: a text run again runs the statement prepared the first time, by exec
// and by query, inside a transaction too, with each call's arguments.
func TestCachingConnKeepsAStatementPrepared(t *testing.T) {
	t.Parallel()
	db, conn := cachingDB(t)
	const insert, get = `INSERT INTO t (id, v) VALUES (?, ?)`, `SELECT v FROM t WHERE id = ?`
	_, err := db.Exec(insert, 1, "one")
	require.NoError(t, err)
	first := conn().stmts[insert].Value.(*cachedStmt).stmt
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec(insert, 2, "two")
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	require.Same(t, first, conn().stmts[insert].Value.(*cachedStmt).stmt, "prepared again")
	for id, want := range map[int]string{1: "one", 2: "two"} {
		var v string
		require.NoError(t, db.QueryRow(get, id).Scan(&v))
		require.Equal(t, want, v)
	}
	require.False(t, conn().stmts[get].Value.(*cachedStmt).busy, "idle once its rows are closed")
	_, err = db.Exec(insert, 1, "again")
	require.Error(t, err, "a failing exec reports its error")
	_, err = db.Exec(`INSERT INTO nowhere VALUES (1)`)
	require.ErrorContains(t, err, "no such table")
	_, ok := conn().stmts[`INSERT INTO nowhere VALUES (1)`]
	require.False(t, ok, "a text that does not prepare is not kept")
}

// TestCachingConnRunsABusyStatementUnprepared: a query of a text whose rows are still open is run apart, and
// both see their own rows.
func TestCachingConnRunsABusyStatementUnprepared(t *testing.T) {
	t.Parallel()
	db, _ := cachingDB(t)
	for i := range 3 {
		_, err := db.Exec(`INSERT INTO t (id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i))
		require.NoError(t, err)
	}
	tx, err := db.Begin() // one connection: both queries on it
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	const q = `SELECT id FROM t WHERE id >= ? ORDER BY id`
	outer, err := tx.Query(q, 0)
	require.NoError(t, err)
	var pairs []string
	for outer.Next() {
		var id int
		require.NoError(t, outer.Scan(&id))
		inner, err := tx.Query(q, id)
		require.NoError(t, err)
		for inner.Next() {
			var j int
			require.NoError(t, inner.Scan(&j))
			pairs = append(pairs, fmt.Sprint(id, j))
		}
		require.NoError(t, inner.Err())
		require.NoError(t, inner.Close())
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, []string{"0 0", "0 1", "0 2", "1 1", "1 2", "2 2"}, pairs)
}

// TestCachingConnBoundsItsStatements: texts built per call cannot grow the cache past stmtCacheSize; the
// statement run last stays.
func TestCachingConnBoundsItsStatements(t *testing.T) {
	t.Parallel()
	db, conn := cachingDB(t)
	const kept = `SELECT count(*) FROM t`
	for i := range stmtCacheSize + 20 {
		var n int
		require.NoError(t, db.QueryRow(kept).Scan(&n))
		require.NoError(t, db.QueryRow(fmt.Sprintf(`SELECT %d`, i)).Scan(&n))
		require.Equal(t, i, n)
	}
	c := conn()
	require.Len(t, c.stmts, stmtCacheSize)
	require.Equal(t, stmtCacheSize, c.lru.Len())
	_, ok := c.stmts[kept]
	require.True(t, ok, "the statement run on every round was evicted")
	_, ok = c.stmts[`SELECT 0`]
	require.False(t, ok, "the statement run least recently was kept")
}
