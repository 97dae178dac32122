package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/smshook/smshook/internal/inboxdb"
)

// FaultKind names what keeps an inbox from storing deliveries.
type FaultKind string

// The kinds of fault. Deleted, replaced and corrupt last until the process restarts; the others clear once a
// write succeeds again.
const (
	// FaultDeleted: the SQLite file's path names no file any more; the process still holds the deleted one.
	FaultDeleted FaultKind = "deleted"
	// FaultReplaced: another file than the one opened is at the SQLite file's path.
	FaultReplaced FaultKind = "replaced"
	// FaultReadOnly: the database refuses writes (SQLITE_READONLY, CANTOPEN; Postgres 25006).
	FaultReadOnly FaultKind = "read_only"
	// FaultDiskFull: the disk is full (SQLITE_FULL; Postgres 53100 and its other insufficient resources).
	FaultDiskFull FaultKind = "disk_full"
	// FaultIO: the operating system failed a read or a write (SQLITE_IOERR; Postgres 58030).
	FaultIO FaultKind = "io_error"
	// FaultCorrupt: the database is malformed or not a database (SQLITE_CORRUPT, NOTADB; Postgres XX001,
	// XX002).
	FaultCorrupt FaultKind = "corrupt"
)

// FaultKinds lists every FaultKind, so that a metric can export a series for each.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultDeleted, FaultReplaced, FaultReadOnly, FaultDiskFull, FaultIO, FaultCorrupt}
}

// sticky reports whether a fault of kind lasts until restart: the path lost the file the process writes,
// or the file is malformed, and no later write can tell that either has healed.
func (k FaultKind) sticky() bool {
	return k == FaultDeleted || k == FaultReplaced || k == FaultCorrupt
}

// describe says what k means, for a log line, /readyz and a problem's detail.
func (k FaultKind) describe() string {
	switch k {
	case FaultDeleted:
		return "the inbox file was deleted under the running process"
	case FaultReplaced:
		return "another file replaced the inbox file under the running process"
	case FaultReadOnly:
		return "the inbox cannot be written (read-only)"
	case FaultDiskFull:
		return "the disk of the inbox is full"
	case FaultIO:
		return "the inbox's disk failed a read or a write (I/O error)"
	case FaultCorrupt:
		return "the inbox's database is corrupted"
	}
	return string(k)
}

// FaultError is what Health returns, and what a write fails with, once the inbox cannot store deliveries:
// the Receiver answers 503 with Retry-After meanwhile. Its message names the kind and where the open database
// was copied, never the cause's text (a Postgres error may name its host or a value); Unwrap gives the cause.
type FaultError struct {
	Kind FaultKind
	// Restored is the path the open database was copied to once its file was deleted or replaced ("" until
	// then, and on Postgres): the original path when it was free, PATH.recovered-UNIXTIME otherwise.
	Restored string
	Err      error
}

func (e *FaultError) Error() string {
	msg := "inbox: " + e.Kind.describe()
	if e.Restored != "" {
		msg += "; its content was restored to " + e.Restored + "; restart to resume"
	}
	return msg
}

func (e *FaultError) Unwrap() error { return e.Err }

// faultOf returns the kind of fault err stands for, and false for an error that says nothing about the
// database's storage (a constraint, a cancelled context, a connection refused).
func faultOf(err error) (FaultKind, bool) {
	if fe := (*FaultError)(nil); errors.As(err, &fe) {
		return fe.Kind, true
	}
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return FaultReadOnly, true
		case sqlite3.SQLITE_FULL:
			return FaultDiskFull, true
		case sqlite3.SQLITE_IOERR:
			return FaultIO, true
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return FaultCorrupt, true
		}
		return "", false
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
		switch {
		case pe.Code == "25006": // read_only_sql_transaction: a standby, or default_transaction_read_only
			return FaultReadOnly, true
		case strings.HasPrefix(pe.Code, "53"): // insufficient resources: 53100 disk_full among them
			return FaultDiskFull, true
		case pe.Code == "58030": // io_error
			return FaultIO, true
		case pe.Code == "XX001" || pe.Code == "XX002": // data_corrupted, index_corrupted
			return FaultCorrupt, true
		}
	}
	return "", false
}

// healthInterval is how often the inbox compares its file with its path and, while a fault that may clear
// holds, tries a write.
const healthInterval = time.Second

// readProbeEvery is how many health intervals pass between two reads of River's tables and the deliveries,
// so that a corruption only River's queries meet is seen too.
const readProbeEvery = 5

// health is what the inbox knows of its database: the file it opened and the fault under way. Its methods
// are safe for concurrent use.
type health struct {
	d      *inboxdb.DB
	path   string      // the SQLite file; "" on Postgres
	file   os.FileInfo // the file opened at path
	wal    os.FileInfo // its write-ahead log and shared memory, when they existed once opened
	shm    os.FileInfo
	logger *slog.Logger

	mu    sync.Mutex
	fault *FaultError // nil while healthy
}

func newHealth(d *inboxdb.DB, logger *slog.Logger) *health {
	return &health{d: d, path: d.Path(), logger: logger}
}

// current returns the fault under way, nil when healthy.
func (h *health) current() *FaultError {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fault == nil {
		return nil
	}
	f := *h.fault
	return &f
}

// observe records the fault that err stands for, if any, and returns it.
func (h *health) observe(err error) *FaultError {
	if err == nil {
		return nil
	}
	kind, ok := faultOf(err)
	if !ok {
		return nil
	}
	return h.set(kind, err)
}

// set records a fault of kind and logs the change: a sticky fault stays whatever comes after it, and a fault
// of the kind under way changes nothing. It returns the fault under way.
func (h *health) set(kind FaultKind, cause error) *FaultError {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fault != nil && (h.fault.Kind == kind || h.fault.Kind.sticky()) {
		f := *h.fault
		return &f
	}
	h.fault = &FaultError{Kind: kind, Err: cause}
	msg := "inbox: " + kind.describe() + "; deliveries are answered 503 until "
	if kind.sticky() {
		msg += "a restart"
	} else {
		msg += "a write succeeds again"
	}
	// The cause's text is a driver's: SQLite's names no value, Postgres's is kept out (it may name a host).
	attrs := []slog.Attr{slog.String("fault", string(kind))}
	if h.path != "" && cause != nil {
		attrs = append(attrs, slog.String("error", cause.Error()))
	}
	h.logger.LogAttrs(context.Background(), slog.LevelError, msg, attrs...)
	f := *h.fault
	return &f
}

// clear ends a fault that may clear, once a write succeeded, and logs the change.
func (h *health) clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fault == nil || h.fault.Kind.sticky() {
		return
	}
	h.logger.LogAttrs(context.Background(), slog.LevelInfo, "inbox: writes succeed again; deliveries are acknowledged again",
		slog.String("fault", string(h.fault.Kind)))
	h.fault = nil
}

// restored records where the open database was copied.
func (h *health) restored(to string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fault != nil {
		h.fault.Restored = to
	}
}

// remember records the file the inbox opened, its log and shared memory, to compare the path with later.
func (h *health) remember() error {
	if h.path == "" {
		return nil
	}
	fi, err := os.Stat(h.path)
	if err != nil {
		return err
	}
	h.file = fi
	h.wal, _ = os.Stat(h.path + "-wal")
	h.shm, _ = os.Stat(h.path + "-shm")
	return nil
}

// checkFile compares the path with the file opened, and records a fault when it is gone or another.
func (h *health) checkFile() *FaultError {
	if h.path == "" || h.file == nil {
		return nil
	}
	fi, err := os.Stat(h.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return h.set(FaultDeleted, err)
	case err != nil:
		return nil // the directory cannot be searched: a write will tell
	case !os.SameFile(fi, h.file):
		return h.set(FaultReplaced, nil)
	}
	return nil
}

// Health returns nil while the inbox stores deliveries, and a *FaultError naming the cause once it cannot:
// its SQLite file was deleted or replaced (restored to FaultError.Restored once copied), the database refuses
// writes, the disk is full, an I/O error, a corruption; or an error of ctx or the database when the database
// does not answer a read within ctx. The Receiver answers 503 while Health fails.
func (ib *Inbox) Health(ctx context.Context) error {
	h := ib.w.health
	if f := h.checkFile(); f != nil {
		return f
	}
	if f := h.current(); f != nil {
		return f
	}
	if ib.isClosed() {
		return errClosed
	}
	var n int
	if err := ib.d.Read.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE id = 0`).Scan(&n); err != nil {
		if f := h.observe(err); f != nil {
			return f
		}
		return fmt.Errorf("inbox: the database does not answer: %w", err)
	}
	return nil
}

// openError returns err of Open as a *FaultError when it stands for one, with the cause's text: the reason a
// start failed, e.g. "inbox: the inbox cannot be written (read-only): attempt to write a readonly database".
func openError(err error) error {
	kind, ok := faultOf(err)
	if !ok || errors.As(err, new(*FaultError)) {
		return err
	}
	return fmt.Errorf("%w: %s", &FaultError{Kind: kind, Err: err}, strings.TrimPrefix(err.Error(), "inbox: "))
}

// startHealth checks, before the Inbox is used, that its database can be written and is whole, records the
// file opened and starts watching it.
func (ib *Inbox) startHealth(ctx context.Context) error {
	h := ib.w.health
	if err := h.remember(); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if h.path != "" {
		// Whole: a file corrupted before the start fails here rather than at the first delivery it meets.
		// quick_check reads every page once (about a second per few hundred MB).
		var verdict string
		if err := ib.d.Write.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&verdict); err != nil || verdict != "ok" {
			if err == nil {
				err = errors.New(verdict)
			}
			f := &FaultError{Kind: FaultCorrupt, Err: err}
			return fmt.Errorf("%w: %w", f, err)
		}
	}
	if err := ib.w.do(ctx, &op{kind: opProbe}); err != nil {
		return err
	}
	go ib.watch()
	return nil
}

// watch compares the file with its path every healthInterval, restores the open database once the path lost
// it, tries a write while a fault that may clear holds, and reads the tables River queries now and then.
func (ib *Inbox) watch() {
	h := ib.w.health
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-ib.closing.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(ib.closing, batchTimeout)
		h.checkFile()
		f := h.current()
		switch {
		case f == nil && tick%readProbeEvery == 0:
			ib.readProbe(ctx)
		case f == nil:
		case (f.Kind == FaultDeleted || f.Kind == FaultReplaced) && f.Restored == "":
			if err := ib.w.do(ctx, &op{kind: opRestore}); err != nil && !errors.Is(err, errClosed) {
				h.logger.Error("inbox: the open database could not be copied beside its path; trying again", slog.String("error", err.Error()))
			}
		case !f.Kind.sticky():
			_ = ib.w.do(ctx, &op{kind: opProbe}) // clears the fault when it commits
		}
		cancel()
	}
}

// readProbe reads every row of River's jobs and of the deliveries, through their smallest index, so that a
// corruption that only River's queries meet is seen too.
func (ib *Inbox) readProbe(ctx context.Context) {
	for _, q := range []string{`SELECT count(*) FROM river_job`, `SELECT count(*) FROM smshook_delivery`} {
		var n int64
		if err := ib.d.Read.QueryRowContext(ctx, q).Scan(&n); err != nil {
			ib.w.health.observe(err)
			return
		}
	}
}

// probeSQL writes and removes a row in one transaction: a commit that needs the disk, which fails as a write of
// deliveries would. Its id cannot be a hookId's key, which starts with a length.
var probeSQL = []string{
	`INSERT INTO smshook_hook (id, expires_at) VALUES ('health-probe', 0) ON CONFLICT (id) DO UPDATE SET expires_at = 0`,
	`DELETE FROM smshook_hook WHERE id = 'health-probe'`,
}

func (b *txBatch) probe(ctx context.Context) error {
	for _, q := range probeSQL {
		if _, err := b.tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// restore copies the open database beside its path, as the writer holds it (the file the path lost, and its
// log): VACUUM INTO a temporary file in the same directory, flushed, then linked to the path if the path is
// still free (the path's write-ahead log and shared memory, when they are the open database's own, are
// removed first, so that SQLite does not replay them onto the copy), or to PATH.recovered-UNIXTIME
// otherwise; an existing file is never overwritten. It runs in the writer, after every batch committed before
// it: the deliveries committed to the lost file, acknowledged or answered 503, are all in the copy.
func (w *writer) restore(ctx context.Context) (string, error) {
	h := w.health
	dir, base := filepath.Split(h.path)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.restore-%d", base, time.Now().UnixNano()))
	if _, err := w.d.Write.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("copy the open database: %w", err)
	}
	defer os.Remove(tmp) // linked to its target by then, or failed
	if err := syncFile(tmp); err != nil {
		return "", err
	}
	target := h.path
	if _, err := os.Lstat(target); err == nil || !h.ownsSideFiles() {
		target = fmt.Sprintf("%s.recovered-%d", h.path, time.Now().Unix())
	} else {
		for _, side := range []string{h.path + "-wal", h.path + "-shm"} {
			if err := os.Remove(side); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
	}
	// A link rather than a rename: it fails instead of replacing a file that appeared meanwhile.
	if err := os.Link(tmp, target); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
		target = fmt.Sprintf("%s.recovered-%d", h.path, time.Now().UnixNano())
		if err := os.Link(tmp, target); err != nil {
			return "", err
		}
	}
	if err := os.Remove(tmp); err != nil {
		return "", err
	}
	if err := syncFile(dir); err != nil {
		return "", err
	}
	return target, nil
}

// ownsSideFiles reports whether the path's write-ahead log and shared memory, if any, are those of the file
// opened: another database's would be replayed onto the copy.
func (h *health) ownsSideFiles() bool {
	for _, side := range []struct {
		name string
		was  os.FileInfo
	}{{h.path + "-wal", h.wal}, {h.path + "-shm", h.shm}} {
		fi, err := os.Stat(side.name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil || side.was == nil || !os.SameFile(fi, side.was) {
			return false
		}
	}
	return true
}

// syncFile flushes a file or a directory to disk.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
