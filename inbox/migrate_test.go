//go:build linux

package inbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/inboxdb"
)

// childOpen, as SMSHOOK_INBOX_CHILD, runs openChildMain.
const childOpen = "open"

// openChildMain waits for a line on its standard input, opens the inbox of SMSHOOK_INBOX_PATH and closes it:
// exit status 0 when both succeeded, 2 with the error on its standard error otherwise.
func openChildMain() int {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "inbox child: no start signal:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ib, err := Open(ctx, os.Getenv(envPath), Config{Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "inbox child:", err)
		return 2
	}
	if err := ib.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "inbox child: close:", err)
		return 2
	}
	return 0
}

// TestOpenTogetherOnANewInbox opens one new inbox from four processes and four goroutines released at the same
// moment, three times: every Open succeeds (one migrates, the others wait for it and find nothing to do), and
// the inbox is at the latest version of both schemas. Before the migrations took a lock on SQLite, one of two
// processes started together died in River's migrations ("table river_migration already exists").
func TestOpenTogetherOnANewInbox(t *testing.T) {
	t.Parallel()
	const processes, goroutines = 4, 4
	for round := range 3 {
		name := newInboxName(t)
		start := make(chan struct{})
		errs := make([]error, processes+goroutines)
		var wg sync.WaitGroup
		for i := range processes {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envChild+"="+childOpen, envPath+"="+name)
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			wg.Go(func() {
				<-start
				_, _ = io.WriteString(stdin, "go\n")
				if err := cmd.Wait(); err != nil {
					errs[i] = fmt.Errorf("process %d: %w: %s", i, err, stderr.String())
				}
				_ = stdin.Close()
			})
		}
		for i := range goroutines {
			wg.Go(func() {
				<-start
				ib, err := Open(context.Background(), name, Config{Logger: quietLogger(t)})
				if err == nil {
					err = ib.Close()
				}
				if err != nil {
					errs[processes+i] = fmt.Errorf("goroutine %d: %w", i, err)
				}
			})
		}
		time.Sleep(200 * time.Millisecond) // the children are waiting for their signal
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "round %d", round)
		}
		d, err := inboxdb.Open(context.Background(), name, inboxdb.Options{})
		require.NoError(t, err)
		var version, applied int
		require.NoError(t, d.Write.QueryRow(`SELECT max(version) FROM smshook_migration`).Scan(&version))
		require.Equal(t, len(migrations[d.Engine]), version)
		require.NoError(t, d.Write.QueryRow(`SELECT count(*) FROM river_migration`).Scan(&applied))
		require.NotZero(t, applied)
		require.NoError(t, d.Close())
	}
}

// TestMigrationToHeartbeatsKeepsStoredDeliveries: an inbox of version 3 (jobs of several deliveries) keeps its
// deliveries when version 4 adds the table of heartbeats, which starts empty.
func TestMigrationToHeartbeatsKeepsStoredDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := newInboxName(t)
	d, err := inboxdb.Open(ctx, name, inboxdb.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	_, err = d.Write.Exec(`CREATE TABLE smshook_migration (version INTEGER NOT NULL)`)
	require.NoError(t, err)
	for _, step := range migrations[d.Engine][:3] {
		_, err = d.Write.Exec(step)
		require.NoError(t, err)
	}
	_, err = d.Write.Exec(`INSERT INTO smshook_migration (version) VALUES (3)`)
	require.NoError(t, err)
	_, err = d.Write.Exec(`INSERT INTO smshook_delivery (job_id, seq, event, envelope) VALUES (7, 1, 'UNSUBSCRIBE', $1)`, []byte(`{"hooks":[]}`))
	require.NoError(t, err)

	require.NoError(t, migrate(ctx, d.Write, d.Engine))
	var seq int
	var envelope []byte
	require.NoError(t, d.Write.QueryRow(`SELECT seq, envelope FROM smshook_delivery WHERE job_id = 7`).Scan(&seq, &envelope))
	require.Equal(t, 1, seq)
	require.JSONEq(t, `{"hooks":[]}`, string(envelope))
	var clients, version int
	require.NoError(t, d.Write.QueryRow(`SELECT count(*) FROM smshook_client`).Scan(&clients))
	require.Zero(t, clients)
	require.NoError(t, d.Write.QueryRow(`SELECT max(version) FROM smshook_migration`).Scan(&version))
	require.Equal(t, 4, version)
	require.NoError(t, migrate(ctx, d.Write, d.Engine), "a second migration finds nothing to do")
}
