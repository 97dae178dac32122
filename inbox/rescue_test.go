//go:build linux

package inbox

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/inboxdb"
)

const (
	// childHolder, as SMSHOOK_INBOX_CHILD, runs holdChildMain.
	childHolder = "hold"
	// envBlock "1": holdChildMain's application never returns on its own.
	envBlock = "SMSHOOK_INBOX_BLOCK"
)

// holdChildMain serves the inbox of SMSHOOK_INBOX_PATH as childMain does, but with the default Config, and an
// application that prints `begin HOOKSID` and, unless SMSHOOK_INBOX_BLOCK=1, `done HOOKID` for each hook; with
// it, the application holds each call until its context ends.
func holdChildMain() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "inbox child:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ib, err := Open(ctx, os.Getenv(envPath), Config{Logger: logger})
	if err != nil {
		return fail(err)
	}
	out := &lines{w: bufio.NewWriter(os.Stdout)}
	block := os.Getenv(envBlock) == "1"
	app := func(ctx context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
		out.print("begin " + e.HooksID)
		if block {
			<-ctx.Done()
			return ctx.Err()
		}
		for _, h := range e.Hooks {
			out.print("done " + h.HookID)
		}
		return nil
	}
	return serveChild(ib, smshook.Handler{SMSMessageResultUpdate: app}, out, smshook.WithSecrets(secret), smshook.WithLogger(logger))
}

// TestKilledCallIsHandedOverSoonAfterARestart: a process with the default Config is killed (SIGKILL) while
// its application holds a delivery, and a process is started again on the inbox at once. The delivery
// reaches the new process's application within 20 s of the restart (River's own rescue alone took about 80 s:
// RescueAfter, 70 s from the call's start, plus up to 30 s for its rescuer to look).
func TestKilledCallIsHandedOverSoonAfterARestart(t *testing.T) {
	t.Parallel()
	path := newInboxName(t)
	j := &journal{count: map[string]int{}}
	first := startChild(t, path, j, 0, envChild+"="+childHolder, envBlock+"=1")
	env, body, ids := mru(t, 3)
	require.Equal(t, http.StatusOK, post(t, first.url, body))
	require.Eventually(t, func() bool { return j.nIn(0, "begin "+env.HooksID) == 1 }, 20*time.Second, 5*time.Millisecond,
		"the first process's application took the delivery")
	first.kill()

	restart := time.Now()
	startChild(t, path, j, 1, envChild+"="+childHolder)
	handedOver := func() bool {
		for _, id := range ids {
			if j.nIn(1, "done "+id) == 0 {
				return false
			}
		}
		return true
	}
	for !handedOver() && time.Since(restart) < 100*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(restart)
	t.Logf("the call of the killed process reached the application %s after the restart", took.Round(10*time.Millisecond))
	require.True(t, handedOver(), "never handed over again")
	require.Less(t, took, 20*time.Second)
	require.Equal(t, 1, j.nIn(1, "begin "+env.HooksID), "handed over once")
}

// TestLiveCallIsNotHandedOverBeside: two Inboxes on one database with a heartbeat timeout of 1 s, behind one
// application whose calls last 4 s: each delivery is handed over once, since both Inboxes keep their heartbeats
// while the calls run, and the call of a live Inbox is never taken for an orphan.
func TestLiveCallIsNotHandedOverBeside(t *testing.T) {
	t.Parallel()
	cfg := Config{HeartbeatTimeout: time.Second, JobTimeout: 20 * time.Second}
	first, name := openInbox(t, cfg)
	second := openAt(t, name, cfg)
	var mu sync.Mutex
	begun := map[string]int{}
	done := 0
	app := smshook.Handler{SMSMessageResultUpdate: func(ctx context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
		mu.Lock()
		begun[e.HooksID]++
		mu.Unlock()
		time.Sleep(4 * time.Second)
		mu.Lock()
		done++
		mu.Unlock()
		return nil
	}}
	url := serve(t, first)
	const deliveries = 4
	for range deliveries {
		_, body, _ := mru(t, 1)
		require.Equal(t, http.StatusOK, post(t, url, body))
	}
	run(t, first, app)
	run(t, second, app)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return done == deliveries }, 30*time.Second, 20*time.Millisecond)
	time.Sleep(1500 * time.Millisecond) // a hand-over beside would have begun by now
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, begun, deliveries)
	for id, n := range begun {
		require.Equal(t, 1, n, "delivery %s was handed over %d times", id, n)
	}
	var clients int
	require.NoError(t, first.d.Read.QueryRow(`SELECT count(*) FROM smshook_client`).Scan(&clients))
	require.Equal(t, 2, clients, "each open Inbox has its heartbeat")
}

// TestClosedInboxLeavesNoHeartbeat: Close deletes the Inbox's row, and a row whose heartbeat is older than
// the timeout is deleted by the next Inbox that looks, so that the table holds the live Inboxes only.
func TestClosedInboxLeavesNoHeartbeat(t *testing.T) {
	t.Parallel()
	ib, name := openInbox(t, Config{HeartbeatTimeout: time.Second})
	_, err := ib.d.Write.Exec(`INSERT INTO smshook_client (id, heartbeat_at) VALUES ('gone', $1)`, time.Now().Add(-time.Hour).UnixMilli())
	require.NoError(t, err)
	n, err := ib.rescueOrphans(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "nothing of it was running")
	count := func(ib *Inbox) int {
		var c int
		require.NoError(t, ib.d.Read.QueryRow(`SELECT count(*) FROM smshook_client`).Scan(&c))
		return c
	}
	require.Equal(t, 1, count(ib), "the stale row is gone, the live one stays")
	other := openAt(t, name, Config{})
	require.Equal(t, 2, count(other))
	require.NoError(t, ib.Close())
	require.Equal(t, 1, count(other))
}

// TestOpenHandsOverTheCallsOfADeadProcess: jobs left running by a client whose heartbeat is an hour old are
// handed over by the next Inbox (with the default timeout, 10 s) as it opens, before its Run: one available again at once, one that had its
// last attempt discarded, as River's rescuer does, each with the rescue in its errors; a job running under a
// live client (a fresh heartbeat) and one under a client without a row are left to their clients and to River.
func TestOpenHandsOverTheCallsOfADeadProcess(t *testing.T) {
	t.Parallel()
	ib, name := openInbox(t, Config{MaxAttempts: 3, HeartbeatTimeout: 3 * time.Hour}) // looks every 36 minutes
	url := serve(t, ib)
	for range 4 {
		_, body, _ := mru(t, 1)
		require.Equal(t, http.StatusOK, post(t, url, body))
	}
	stored := jobs(t, ib, rivertype.JobStateAvailable)
	require.Len(t, stored, 4)
	attemptedBy := map[inboxdb.Engine]string{inboxdb.SQLite: `jsonb(json_array($1))`, inboxdb.Postgres: `ARRAY[$1::text]`}[ib.d.Engine]
	setRunning := func(id int64, attempt int, client string) {
		_, err := ib.d.Write.Exec(`UPDATE river_job SET state = 'running', attempt = $2, attempted_at = `+
			map[inboxdb.Engine]string{inboxdb.SQLite: `datetime('now', 'subsec')`, inboxdb.Postgres: `now()`}[ib.d.Engine]+
			`, attempted_by = `+strings.Replace(attemptedBy, "$1", "$3", 1)+` WHERE id = $1`, id, attempt, client)
		require.NoError(t, err)
	}
	setRunning(stored[0].ID, 1, "dead")
	setRunning(stored[1].ID, 3, "dead")
	setRunning(stored[2].ID, 1, "alive")
	setRunning(stored[3].ID, 1, "unknown")
	_, err := ib.d.Write.Exec(`INSERT INTO smshook_client (id, heartbeat_at) VALUES ('dead', $1), ('alive', $2)`,
		time.Now().Add(-time.Hour).UnixMilli(), time.Now().Add(time.Hour).UnixMilli()) // by ib's clock: late for 10 s, not for 3 h
	require.NoError(t, err)

	other := openAt(t, name, Config{MaxAttempts: 3})
	state := func(id int64) *rivertype.JobRow {
		j, err := other.river.JobGet(context.Background(), id)
		require.NoError(t, err)
		return j
	}
	available := state(stored[0].ID)
	require.Equal(t, rivertype.JobStateAvailable, available.State)
	require.Len(t, available.Errors, 1)
	require.Contains(t, available.Errors[0].Error, "no heartbeat")
	require.Equal(t, rivertype.JobStateDiscarded, state(stored[1].ID).State, "its last attempt")
	require.Equal(t, rivertype.JobStateRunning, state(stored[2].ID).State, "its client is alive")
	require.Equal(t, rivertype.JobStateRunning, state(stored[3].ID).State, "River's rescuer's")
	var clients []string
	rows, err := other.d.Read.Query(`SELECT id FROM smshook_client ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		clients = append(clients, id)
	}
	require.NoError(t, rows.Err())
	require.NotContains(t, clients, "dead", "forgotten once its calls were handed over")
	require.Contains(t, clients, "alive")
}
