package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // to read a file's journal mode as the test sees it

	"github.com/smshook/smshook/api"
)

// sqliteState is what listing an inbox must not change: the file's bytes, its modification time and the names
// of the files in its directory.
type sqliteState struct {
	sum   [32]byte
	mtime time.Time
	dir   []string
}

func stateOfSQLite(tb testing.TB, path string) sqliteState {
	tb.Helper()
	b := readFile(tb, path)
	info, err := os.Stat(path)
	require.NoError(tb, err)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(tb, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return sqliteState{sha256.Sum256(b), info.ModTime(), names}
}

// journalModeOf reads the journal mode of the SQLite file at path, read-only.
func journalModeOf(tb testing.TB, path string) string {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(tb, err)
	defer db.Close()
	var mode string
	require.NoError(tb, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	return mode
}

// countsLine is the first line of smshook inbox on an inbox of one job, in whichever state.
const countsLine = `^available [01], scheduled 0, retryable 0, running [01], pending 0, completed [01], discarded [01], cancelled 0\n`

// servedInbox returns a new inbox file that a serve --inbox stored one delivery in, then left.
func servedInbox(tb testing.TB) string {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "inbox.db")
	s := startServe(tb, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", file)
	status, _ := post(tb, s.url, "s3cret", marshal(tb, sample(tb, api.EventTypeMessageResultUpdate)))
	require.Equal(tb, http.StatusOK, status)
	require.Equal(tb, 0, s.stop(tb, syscall.SIGTERM), s.stderr.String())
	return file
}

// TestInboxListingChangesNothing: smshook inbox leaves an inbox file as it found it, in WAL mode or not: bytes,
// modification time, journal mode (it used to switch any file to WAL) and the files beside it.
func TestInboxListingChangesNothing(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"wal", "delete"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			file := servedInbox(t)
			db, err := sql.Open("sqlite", file)
			require.NoError(t, err)
			require.NoError(t, db.QueryRow(`PRAGMA journal_mode = `+mode).Scan(new(string)))
			require.NoError(t, db.Close())
			require.Equal(t, mode, journalModeOf(t, file))
			before := stateOfSQLite(t, file)
			time.Sleep(10 * time.Millisecond) // a write would show in the modification time

			r := invoke(t, "inbox", file)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Regexp(t, countsLine+`dead letters: 0\n`, r.stdout)
			after := stateOfSQLite(t, file)
			if mode == "wal" {
				// A reader of a WAL file takes its shared memory, as every reader does (this test's too): SQLite
				// creates -shm and an empty -wal where it may, and leaves them to the next writer.
				shared := func(n string) bool { return n == "inbox.db-shm" || n == "inbox.db-wal" }
				before.dir, after.dir = slices.DeleteFunc(before.dir, shared), slices.DeleteFunc(after.dir, shared)
			}
			assert.Equal(t, before, after, "the inbox file is unchanged, and nothing beside it")
			assert.Equal(t, mode, journalModeOf(t, file), "the journal mode is unchanged")
		})
	}
}

// TestInboxReadsWhatItMayNotWrite: an inbox in a directory and a file the user may only read is listed, and
// nothing is created beside it; --retry, which writes, fails with the reason. As root the command runs as
// nobody, since root may write anything.
func TestInboxReadsWhatItMayNotWrite(t *testing.T) {
	t.Parallel()
	app, served, start := deadLetterServe(t)
	s := start()
	status, _ := post(t, s.url, "s3cret", marshal(t, sample(t, api.EventTypeMessageResultUpdate)))
	require.Equal(t, http.StatusOK, status)
	require.Eventually(t, func() bool {
		return strings.Contains(invoke(t, "inbox", served).stdout, "dead letters: 1\n")
	}, 20*time.Second, 100*time.Millisecond, "a dead letter")
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	app.down.Store(false)
	// A directory every user may enter, for the binary's user; the binary's own (0700) is opened for it too.
	dir, err := os.MkdirTemp("", "smshook-readonly-inbox-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = os.Chmod(dir, 0o755)
		_ = os.RemoveAll(dir)
	})
	file := writeFile(t, filepath.Join(dir, "inbox.db"), readFile(t, served))
	require.NoError(t, os.Chmod(file, 0o444))
	require.NoError(t, os.Chmod(dir, 0o555))
	var credential *syscall.Credential
	if os.Geteuid() == 0 {
		credential = &syscall.Credential{Uid: 65534, Gid: 65534}
		require.NoError(t, os.Chmod(filepath.Dir(binary), 0o755))
	}
	before := stateOfSQLite(t, file)
	run := func(args ...string) result {
		ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Env = environ(nil)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
		assertNoCrash(t, r.stderr)
		return r
	}
	r := run("inbox", file)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, countsLine+`dead letters: 1\n`, r.stdout)
	assert.Equal(t, before, stateOfSQLite(t, file), "nothing changed, nothing created beside it")

	r = run("inbox", file, "--retry", "all")
	assert.NotEqual(t, 0, r.code, "writing needs the right to write: %s", r.stdout)
	assert.Contains(t, r.stderr, "smshook inbox: ")
	assert.Contains(t, r.stderr, "readonly")
	assert.Equal(t, before, stateOfSQLite(t, file), "nothing changed")
}

// TestInboxEscapesStoredValues: a quarantined hook of a delivery whose hooksId would forge a line and clear the
// screen, and whose hook holds C1 controls and DEL (which JSON may carry raw), is listed with every control
// character escaped, with and without --payload.
func TestInboxEscapesStoredValues(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "inbox.db")
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", file)
	d := sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		d["hooksId"] = hostileText
		bad := map[string]any{"hookId": "quarantined-hook", "recipientSeq": 2, "note": hostileText} // no requestId
		d["hooks"] = append(d.hooks(), bad)
	})
	status, answer := post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status, string(answer))
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())

	for _, args := range [][]string{{"inbox", file}, {"inbox", file, "--payload"}} {
		r := invoke(t, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assertNoControl(t, r.stdout, args[len(args)-1])
		assert.Contains(t, r.stdout, `hooksId=x\nforged.json: ok (SMS UNSUBSCRIBE, 1 hooks)\x1b[2J\u009b[2J\x7f hook=1`)
	}
	withPayload := invoke(t, "inbox", file, "--payload")
	assert.Contains(t, withPayload.stdout, `"note":"x\nforged.json: ok (SMS UNSUBSCRIBE, 1 hooks)\u001b[2J\u009b[2J\u007f"`,
		"the hook as JSON, its controls as JSON escapes")
}
