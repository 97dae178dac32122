package pgserver

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/testenv"
)

// start starts a server and closes it at cleanup. Without PostgreSQL the test fails (testenv.Missing).
func start(t *testing.T) *Server {
	t.Helper()
	began := time.Now()
	s, err := Start(context.Background())
	if errors.Is(err, ErrNotInstalled) {
		testenv.Missing(t, "postgres", err.Error())
	}
	require.NoError(t, err)
	t.Logf("Start took %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(s.Close)
	return s
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// processes returns the server's processes: the postmaster and its descendants.
func processes(s *Server) []int {
	pid := s.cmd.Process.Pid
	return append([]int{pid}, descendants(pid)...)
}

// alive returns those of pids that still run, waiting up to 5 s for them to end. A zombie does not run.
func alive(pids []int) []int {
	var left []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		left = left[:0]
		for _, pid := range pids {
			if st := procState(pid); st != 0 && st != 'Z' {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			break
		}
	}
	return left
}

func TestServerStopResumeClose(t *testing.T) {
	s := start(t)
	db := open(t, s.URL())
	ctx := context.Background()

	var name string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name))
	require.Equal(t, "smshook", name)
	_, err := db.ExecContext(ctx, "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
	require.NoError(t, err)
	var v string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT v FROM t WHERE id = 2").Scan(&v))
	require.Equal(t, "two", v)
	var fsync string
	require.NoError(t, db.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync))
	require.Equal(t, "on", fsync, "the server is used to test durability")

	require.NoError(t, s.Stop())
	procs := processes(s)
	require.Greater(t, len(procs), 3, "the postmaster, its helpers and a backend")
	for _, pid := range procs {
		require.Contains(t, "Tt", string(procState(pid)), "process %d is not stopped", pid)
	}
	qctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	began := time.Now()
	err = db.QueryRowContext(qctx, "SELECT v FROM t WHERE id = 1").Scan(&v)
	cancel()
	require.Error(t, err, "a stopped server answered")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(began), 3*time.Second)

	require.NoError(t, s.Resume())
	qctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.NoError(t, db.QueryRowContext(qctx, "SELECT v FROM t WHERE id = 1").Scan(&v))
	require.Equal(t, "one", v)

	procs = processes(s)
	require.NoError(t, db.Close())
	s.Close()
	_, err = os.Stat(s.dir)
	require.ErrorIs(t, err, os.ErrNotExist, "Close left the directory")
	require.Empty(t, alive(procs), "Close left postgres processes behind")
	s.Close() // a second Close is harmless
}

// A server killed mid-flight loses no committed transaction: Restart replays the write-ahead log.
func TestServerKillRestart(t *testing.T) {
	s := start(t)
	db := open(t, s.URL())
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "CREATE TABLE t (id int PRIMARY KEY)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO t SELECT generate_series(1, 1000)")
	require.NoError(t, err)

	procs := processes(s)
	require.Greater(t, len(procs), 3, "the postmaster, its helpers and a backend")
	require.NoError(t, s.Kill())
	require.Empty(t, alive(procs), "Kill left postgres processes behind")
	require.NoError(t, s.Kill(), "a second Kill is harmless")
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	require.Error(t, db.PingContext(qctx), "a killed server answered")

	require.NoError(t, s.Restart(ctx))
	require.Error(t, s.Restart(ctx), "Restart of a running server")
	qctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	require.NoError(t, db.QueryRowContext(qctx, "SELECT count(*) FROM t").Scan(&n))
	require.Equal(t, 1000, n)

	require.NoError(t, s.Kill())
	s.Close() // after Kill
	_, err = os.Stat(s.dir)
	require.ErrorIs(t, err, os.ErrNotExist, "Close left the directory")
}

func TestURLFromEnvironment(t *testing.T) {
	const want = "postgres://someone@db.example:5432/smshook?sslmode=disable"
	t.Setenv(EnvURL, want)
	url, cleanup, err := URL(context.Background())
	require.NoError(t, err)
	require.Equal(t, want, url)
	require.NotNil(t, cleanup)
	cleanup()
}

func TestURLStartsAServer(t *testing.T) {
	t.Setenv(EnvURL, "")
	url, cleanup, err := URL(context.Background())
	if errors.Is(err, ErrNotInstalled) {
		testenv.Missing(t, "postgres", err.Error())
	}
	require.NoError(t, err)
	defer cleanup()
	qctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, open(t, url).PingContext(qctx))
}
