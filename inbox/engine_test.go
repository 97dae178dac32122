package inbox

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/pgserver"
)

// onPostgres runs the package's tests on Postgres: `go test ./inbox -postgres` (make test runs them both
// ways). Each test gets a database of its own on the server of $SMSHOOK_POSTGRES_URL, or on a server the
// test binary starts.
var onPostgres = flag.Bool("postgres", false, "run the inbox tests on Postgres instead of SQLite files")

// postgresURL is the server's URL, set by TestMain under -postgres.
var postgresURL string

// databases numbers the tests' databases.
var databases atomic.Int64

// withPostgres runs m with postgresURL set when -postgres was given.
func withPostgres(m *testing.M) int {
	flag.Parse()
	if !*onPostgres {
		return m.Run()
	}
	url, cleanup, err := pgserver.URL(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "inbox tests on Postgres:", err)
		return 2
	}
	defer cleanup()
	postgresURL = url
	return m.Run()
}

// newInboxName returns the name of a new, empty inbox for tb: a file in its temporary directory, or under
// -postgres a new database, dropped at cleanup.
func newInboxName(tb testing.TB) string {
	tb.Helper()
	if !*onPostgres {
		return filepath.Join(tb.TempDir(), "inbox.db")
	}
	url, drop, err := pgserver.CreateDatabase(context.Background(), postgresURL,
		fmt.Sprintf("inbox_test_%d_%d", os.Getpid(), databases.Add(1)))
	require.NoError(tb, err)
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Logf("drop the test's database: %v", err)
		}
	})
	return url
}
