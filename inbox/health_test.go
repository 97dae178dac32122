package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// onFile skips a test of a SQLite file's faults under -postgres.
func onFile(tb testing.TB) {
	tb.Helper()
	if *onPostgres {
		tb.Skip("a test of a SQLite file's faults")
	}
}

// mountTmpfs mounts a tmpfs of size (as mount's size= reads it) on a new directory and returns it; it is
// unmounted at cleanup. Where mounting is not permitted the test is skipped, and fails under CI, which runs
// as root.
func mountTmpfs(tb testing.TB, size string) string {
	tb.Helper()
	dir := tb.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		msg := "mounting a tmpfs is not permitted here (" + strings.TrimSpace(string(out)) + "): " + err.Error()
		if os.Getenv("CI") != "" {
			tb.Fatal(msg + "; CI runs as root and must mount it")
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// faultOfHealth returns the *FaultError of ib's Health, nil when healthy.
func faultOfHealth(tb testing.TB, ib *Inbox) *FaultError {
	tb.Helper()
	err := ib.Health(context.Background())
	if err == nil {
		return nil
	}
	var fe *FaultError
	require.ErrorAs(tb, err, &fe)
	return fe
}

// lostFileRun posts total one-hook deliveries from 8 senders to a Receiver on a SQLite file, with no
// application running, and calls lose once after posts deliveries were sent; it returns the hooksIds answered
// 200, and fails if a post that began after lose returned was answered 200.
func lostFileRun(t *testing.T, ib *Inbox, url string, total, after int, lose func()) []string {
	t.Helper()
	var mu sync.Mutex
	var acked []string
	var lateOK, late503 atomic.Int64
	var sent atomic.Int64
	var lost atomic.Bool
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range next {
				env, body, _ := mru(t, 1)
				if sent.Add(1) == int64(after) {
					lose()
					lost.Store(true)
				}
				began := lost.Load()
				status := post(t, url, body)
				switch {
				case status == http.StatusOK && began:
					lateOK.Add(1)
				case status == http.StatusOK:
					mu.Lock()
					acked = append(acked, env.HooksID)
					mu.Unlock()
				case began:
					late503.Add(1)
				}
			}
		})
	}
	for range total {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	require.Zero(t, lateOK.Load(), "answered 200 after the file was lost")
	require.Positive(t, late503.Load())
	t.Logf("posted %d, file lost after %d: %d acknowledged, %d answered 503 after", total, after, len(acked), late503.Load())
	return acked
}

// requireReached runs an application on the inbox at path and requires every hooksId of acked to reach it.
func requireReached(t *testing.T, path string, acked []string) {
	t.Helper()
	ib := openAt(t, path, Config{})
	require.Nil(t, faultOfHealth(t, ib))
	a := newApp()
	run(t, ib, a.handler())
	missing := func() int {
		n := 0
		for _, id := range acked {
			if _, ok := a.got[id]; !ok {
				n++
			}
		}
		return n
	}
	a.waitUntil(20*time.Second, func() bool { return missing() == 0 })
	a.mu.Lock()
	lost := missing()
	a.mu.Unlock()
	require.Zero(t, lost, "acknowledged deliveries that never reached the application, of %d", len(acked))
}

// waitRestored waits until Health says where the open database was copied.
func waitRestored(t *testing.T, ib *Inbox, kind FaultKind) *FaultError {
	t.Helper()
	var fe *FaultError
	require.Eventually(t, func() bool {
		fe = faultOfHealth(t, ib)
		return fe != nil && fe.Restored != ""
	}, 10*time.Second, 20*time.Millisecond, "the open database was not copied beside its path")
	require.Equal(t, kind, fe.Kind)
	require.Contains(t, fe.Error(), "restart to resume")
	return fe
}

// TestDeletedFileLosesNothingAcknowledged deletes the inbox's file (and leaves its log, as `rm inbox.db`
// does) while 800 deliveries are posted to its Receiver and no application runs: no post that began after
// the deletion is answered 200, the open database is copied back to the path, and every delivery
// acknowledged reaches the application of the process restarted on it.
func TestDeletedFileLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	onFile(t)
	ib, path := openInbox(t, Config{})
	url := serve(t, ib)
	acked := lostFileRun(t, ib, url, 800, 200, func() { require.NoError(t, os.Remove(path)) })

	fe := waitRestored(t, ib, FaultDeleted)
	require.Equal(t, path, fe.Restored, "the path was free: the copy is at it")
	// Still refused, with a problem that names neither the kind (the caller's secret is not checked yet) nor
	// the path.
	_, body, _ := mru(t, 1)
	resp := postResponse(t, url, body)
	require.Equal(t, http.StatusServiceUnavailable, resp.status)
	require.Equal(t, faultRetryAfter, resp.header.Get("Retry-After"))
	require.Equal(t, "application/problem+json", resp.header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal(resp.body, &p))
	require.Equal(t, "urn:smshook:problem:store-unavailable", p.Type)
	require.NotContains(t, *p.Detail, string(FaultDeleted))
	require.NotContains(t, string(resp.body), path)

	require.NoError(t, ib.Close())
	requireReached(t, path, acked)
}

// TestReplacedFileLosesNothingAcknowledged puts another file at the path mid-way: no post that began after is
// answered 200, the open database is copied to PATH.recovered-UNIXTIME without touching the new file, and
// every acknowledged delivery is in that copy.
func TestReplacedFileLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	onFile(t)
	ib, path := openInbox(t, Config{})
	url := serve(t, ib)
	other := filepath.Join(t.TempDir(), "other")
	require.NoError(t, os.WriteFile(other, []byte("another file"), 0o600))
	acked := lostFileRun(t, ib, url, 400, 100, func() { require.NoError(t, os.Rename(other, path)) })

	fe := waitRestored(t, ib, FaultReplaced)
	require.True(t, strings.HasPrefix(fe.Restored, path+".recovered-"), "restored to %s", fe.Restored)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "another file", string(got), "the file now at the path is left alone")

	require.NoError(t, ib.Close())
	requireReached(t, fe.Restored, acked)
}

// TestOpenFailsOnReadOnlyFile opens an inbox whose file system became read-only: Open fails, naming it.
func TestOpenFailsOnReadOnlyFile(t *testing.T) {
	t.Parallel()
	onFile(t)
	dir := mountTmpfs(t, "8m")
	path := filepath.Join(dir, "inbox.db")
	ib := openAt(t, path, Config{})
	url := serve(t, ib)
	_, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.NoError(t, ib.Close())
	out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput()
	require.NoError(t, err, string(out))

	_, err = Open(context.Background(), path, Config{Logger: quietLogger(t)})
	var fe *FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, FaultReadOnly, fe.Kind)
	require.ErrorContains(t, err, "read-only")
}

// TestOpenFailsOnCorruptedFile overwrites pages in the middle of a closed inbox with junk: Open fails,
// naming the corruption, rather than acknowledging deliveries into it.
func TestOpenFailsOnCorruptedFile(t *testing.T) {
	t.Parallel()
	onFile(t)
	ib, path := openInbox(t, Config{})
	url := serve(t, ib)
	for range 100 {
		_, body, _ := mru(t, 10)
		require.Equal(t, http.StatusOK, post(t, url, body))
	}
	require.NoError(t, ib.Close())
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	fi, err := f.Stat()
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(64<<10))
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, 16<<10), fi.Size()/2/4096*4096)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	_, err = Open(context.Background(), path, Config{Logger: quietLogger(t)})
	var fe *FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, FaultCorrupt, fe.Kind)
	require.ErrorContains(t, err, "corrupted")

	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600))
	_, err = Open(context.Background(), path, Config{Logger: quietLogger(t)})
	require.Error(t, err)
}

// TestFullDiskAnswers503UntilFreed fills the tmpfs an inbox is on while deliveries are posted: once a write
// failed for want of space no delivery is answered 200 and Health names a full disk; once space is freed
// the inbox acknowledges again by itself, and every acknowledged delivery reaches the application.
func TestFullDiskAnswers503UntilFreed(t *testing.T) {
	t.Parallel()
	onFile(t)
	dir := mountTmpfs(t, "2m")
	path := filepath.Join(dir, "inbox.db")
	ib := openAt(t, path, Config{})
	url := serve(t, ib)
	// Fill what is left.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	require.NoError(t, err)
	for {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	require.NoError(t, f.Close())

	var acked []string
	full := false
	for i := 0; i < 500 && !full; i++ {
		env, body, _ := mru(t, 50)
		switch status := post(t, url, body); status {
		case http.StatusOK:
			acked = append(acked, env.HooksID)
		case http.StatusServiceUnavailable:
			full = true
		default:
			t.Fatalf("answered %d on a full disk", status)
		}
	}
	require.True(t, full, "no write failed on a full disk")
	fe := faultOfHealth(t, ib)
	require.NotNil(t, fe)
	require.Equal(t, FaultDiskFull, fe.Kind)
	for range 20 {
		_, body, _ := mru(t, 50)
		require.Equal(t, http.StatusServiceUnavailable, post(t, url, body), "answered on a full disk")
	}

	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool { return ib.Health(context.Background()) == nil }, 10*time.Second, 50*time.Millisecond,
		"the fault did not clear once space was freed")
	env, body, _ := mru(t, 50)
	require.Equal(t, http.StatusOK, post(t, url, body))
	acked = append(acked, env.HooksID)
	require.NoError(t, ib.Close())
	requireReached(t, path, acked)
}

// TestFaultOf classifies the errors of both engines by their codes.
func TestFaultOf(t *testing.T) {
	t.Parallel()
	_, ok := faultOf(errors.New("some error"))
	require.False(t, ok)
	_, ok = faultOf(context.DeadlineExceeded)
	require.False(t, ok)
	kind, ok := faultOf(&FaultError{Kind: FaultIO})
	require.True(t, ok)
	require.Equal(t, FaultIO, kind)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// postResponse posts body once, with the secret, and returns the whole answer.
func postResponse(tb testing.TB, url string, body []byte) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, secret)
	resp, err := client.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	require.NoError(tb, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
}

// TestOpenFailsOnImmutableFile opens an inbox whose file was made immutable (chattr +i, which stops root
// too): Open fails, naming it, where it used to open, answer 500 to every delivery and say it was ready.
func TestOpenFailsOnImmutableFile(t *testing.T) {
	t.Parallel()
	onFile(t)
	ib, path := openInbox(t, Config{})
	require.NoError(t, ib.Close())
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		msg := "chattr +i is not permitted here (" + strings.TrimSpace(string(out)) + "): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI runs as root on ext4 and must set it")
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })

	_, err := Open(context.Background(), path, Config{Logger: quietLogger(t)})
	var fe *FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, FaultReadOnly, fe.Kind)
	require.ErrorContains(t, err, "cannot be written")
}

// TestFaultOfPostgres classifies Postgres's SQLSTATEs.
func TestFaultOfPostgres(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]FaultKind{
		"25006": FaultReadOnly, "53100": FaultDiskFull, "58030": FaultIO, "XX001": FaultCorrupt, "XX002": FaultCorrupt,
	} {
		kind, ok := faultOf(fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}))
		require.True(t, ok, code)
		require.Equal(t, want, kind, code)
	}
	_, ok := faultOf(&pgconn.PgError{Code: "23505"}) // unique_violation: nothing about the storage
	require.False(t, ok)
}

// TestOpenFailsOnReadOnlyPostgres opens an inbox whose database was made read-only
// (default_transaction_read_only, as on a standby): Open fails, naming it. Under -postgres only.
func TestOpenFailsOnReadOnlyPostgres(t *testing.T) {
	t.Parallel()
	if !*onPostgres {
		t.Skip("a test of Postgres's faults: run with -postgres")
	}
	ib, name := openInbox(t, Config{})
	require.NoError(t, ib.Close())
	db, err := sql.Open("pgx", name)
	require.NoError(t, err)
	defer db.Close()
	var dbName string
	require.NoError(t, db.QueryRow(`SELECT current_database()`).Scan(&dbName))
	_, err = db.Exec(`ALTER DATABASE ` + pgx.Identifier{dbName}.Sanitize() + ` SET default_transaction_read_only = on`)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec(`ALTER DATABASE ` + pgx.Identifier{dbName}.Sanitize() + ` SET default_transaction_read_only = off`)
	})

	_, err = Open(context.Background(), name, Config{Logger: quietLogger(t)})
	var fe *FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, FaultReadOnly, fe.Kind)
}
