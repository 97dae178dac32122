package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/inboxdb"
)

// kind is the River job kind of a stored delivery.
const kind = "smshook_delivery"

// queue is the River queue of the inbox's jobs.
const queue = "smshook"

// deadLetterRetention is how long River keeps a dead letter before its cleaner deletes it.
const deadLetterRetention = 7 * 24 * time.Hour

// sweepInterval is how often expired hookIds and the deliveries of deleted jobs are removed.
const sweepInterval = time.Minute

// Inbox is a durable inbox in a SQLite file or a Postgres database: a receiver that stores deliveries
// (Receiver) and workers that hand the stored deliveries to the application (Run). It is safe for concurrent
// use. Its zero value is not usable; call Open.
type Inbox struct {
	cfg       config
	d         *inboxdb.DB // its pools: d.Write for the writer and River, d.Read for claims and workers
	readMu    sync.Mutex
	doneQuery *sql.Stmt // doneSQL on d.Read, prepared at the first claim
	leases    *leases
	river     *river.Client[*sql.Tx]
	driver    riverdriver.Driver[*sql.Tx] // River's, on d.Write
	w         *writer
	calls     chan struct{}                   // a slot per call to the application under way, Config.Workers
	app       atomic.Pointer[smshook.Handler] // the application of the Run under way
	mu        sync.Mutex                      // guards running, runDone and closed
	running   bool
	runDone   chan struct{} // closed once the Run under way returned
	closed    bool
	closing   context.Context // done once Close began: ends the sweeper and a Run
	endClose  context.CancelFunc
	swept     chan struct{}
	kept      chan struct{} // closed once keepAlive returned
}

// errClosed is returned by every call once the Inbox is closed; the handler answers 503 when its claim fails
// so.
var errClosed = errors.New("inbox: closed")

// errRunning is returned by a Run while another Run of the same Inbox is under way.
var errRunning = errors.New("inbox: Run is running already")

// Open opens the inbox named by name, the path of a SQLite file (created if needed) or the postgres:// URL of
// a Postgres database that several receivers and workers share, brings River's tables (through River's
// migrator) and the inbox's own up to date, and returns an Inbox whose Receiver works at once; Run hands what
// it stores to the application. A SQLite file is in WAL mode and, unless cfg.RelaxedSync, every commit is
// flushed to disk before it returns. Open fails when name is empty or the database cannot be opened or
// migrated. Close the Inbox when done.
func Open(ctx context.Context, name string, cfg Config) (*Inbox, error) {
	c := newConfig(cfg)
	if inboxdb.EngineOf(name) == inboxdb.SQLite && name != "" {
		unlock, err := lockStart(ctx, name)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	d, err := inboxdb.Open(ctx, name, inboxdb.Options{RelaxedSync: c.relaxedSync, SyncedTxOnly: true, Conns: postgresConns})
	if err != nil {
		return nil, openError(fmt.Errorf("inbox: %w", err)) // health.go
	}
	ib, err := open(ctx, d, c)
	if err != nil {
		_ = d.Close()
		return nil, openError(err)
	}
	return ib, nil
}

// postgresConns bounds the connections of an Inbox's pool on Postgres, River's included (and one more, River's
// listener): four processes on one server stay within Postgres's default max_connections (100). Claims, reads
// of deliveries and River's queries are short; beyond that many at once they wait for a connection.
const postgresConns = 16

func open(ctx context.Context, d *inboxdb.DB, cfg config) (*Inbox, error) {
	driver := d.River()
	if err := migrateAll(ctx, d, driver, cfg); err != nil {
		return nil, err
	}
	// Opened once the file is in WAL mode and migrated.
	if err := d.OpenReaders(); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	ib := &Inbox{cfg: cfg, d: d, driver: driver, leases: newLeases(), calls: make(chan struct{}, cfg.workers),
		swept: make(chan struct{}), kept: make(chan struct{})}
	ib.closing, ib.endClose = context.WithCancel(context.Background())
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{ib: ib}); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	var err error
	ib.river, err = river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{queue: {MaxWorkers: cfg.workers}},
		Workers:              workers,
		MaxAttempts:          cfg.maxAttempts,
		RetryPolicy:          backoff{min: cfg.minBackoff, max: cfg.maxBackoff},
		JobTimeout:           cfg.jobTimeout,
		RescueStuckJobsAfter: cfg.rescueAfter,
		// Both kinds of dead letter are kept as long (River keeps discarded jobs 7 days, cancelled ones 1 day).
		CancelledJobRetentionPeriod: deadLetterRetention,
		DiscardedJobRetentionPeriod: deadLetterRetention,
		// A worker that finishes asks for more at once; these bound how often that and polling query.
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		Logger:            riverLogger(cfg.logger),
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	p, err := prepare(ctx, d)
	if err != nil {
		return nil, err
	}
	// Registered before it looks for orphans, so that another Inbox opening now does not take it for one.
	if err := ib.heartbeat(ctx); err != nil {
		return nil, err
	}
	if _, err := ib.rescueOrphans(ctx); err != nil {
		return nil, err
	}
	ib.w = newWriter(d, ib.river, &ib.cfg, p, ib.leases)
	if err := ib.startHealth(ctx); err != nil { // health.go
		ib.w.close()
		return nil, err
	}
	go ib.sweeper()
	go ib.keepAlive()
	return ib, nil
}

// migrateAll brings River's tables and the inbox's own up to date, so that processes that start together on
// one database migrate one after the other: the first migrates, the others wait for it and find nothing to do.
// On Postgres it holds an advisory lock meanwhile; on SQLite, Open holds lockStart's.
func migrateAll(ctx context.Context, d *inboxdb.DB, driver riverdriver.Driver[*sql.Tx], cfg config) error {
	if d.Engine == inboxdb.Postgres {
		conn, err := d.Write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("inbox: lock for migrations: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
		}()
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: riverLogger(cfg.logger)})
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("inbox: River's migrations: %w", err)
	}
	return migrate(ctx, d.Write, d.Engine)
}

// lockStart takes the exclusive flock of lockFile(path), which Open holds from before it opens a SQLite inbox
// until the inbox is ready: processes that start together on one new file switch it to WAL, migrate it and
// check it one after the other. SQLite's own locks cannot serve: switching a new file to WAL answers
// SQLITE_BUSY at once to a second process, whatever its busy timeout, and River's migrator commits each of
// its versions in a transaction of its own (running them all in one, MigrateTx, is deprecated, since some of
// River's migrations cannot share one). It returns what releases the lock.
func lockStart(ctx context.Context, path string) (func(), error) {
	lock := flock.New(lockFile(path))
	locked, err := lock.TryLockContext(ctx, migrationLockPoll)
	if err == nil && !locked {
		err = ctx.Err()
	}
	if err != nil {
		return nil, openError(fmt.Errorf("inbox: lock for start-up: %w", err))
	}
	return func() { _ = lock.Unlock() }, nil
}

// lockFile is the file beside a SQLite inbox that a process locks while it opens the inbox. It is created
// once and left in place, like the inbox's -wal and -shm files: removing it while another process waits on it
// would let a third lock a new file beside them. The lock ends with the process that holds it, however it ends.
func lockFile(path string) string { return path + ".lock" }

// migrationLockPoll is how often a process that waits for the migration lock of a SQLite inbox tries again.
const migrationLockPoll = 20 * time.Millisecond

func (ib *Inbox) sweeper() {
	defer close(ib.swept)
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ib.closing.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
			if err := ib.w.do(ctx, &op{kind: opSweep}); err != nil && !errors.Is(err, errClosed) {
				ib.cfg.logger.Error("inbox: sweeping expired hookIds failed", "error", err.Error())
			}
			cancel()
		}
	}
}

// Run hands each stored delivery to app, through app.Handle: to the func of its event, or to app.Default,
// which also receives the deliveries of events the contract does not know, untyped, as api.NewWebhook decodes
// them. A delivery that neither takes is completed and logged. A call that returns an error, panics or outlives Config.JobTimeout is retried after
// a backoff, up to Config.MaxAttempts and Config.MaxAge; then the delivery becomes a dead letter. Calls run
// concurrently, up to Config.Workers, with contexts that carry the values of ctx.
//
// Run blocks until ctx is done, then stops taking deliveries and waits for the running calls to return
// (at most Config.JobTimeout, plus a few seconds for the bookkeeping), and returns nil. Past that bound it
// cancels their contexts and returns an error; so it does, and at once, when Close is called meanwhile.
// Deliveries not handed over stay stored for the next Run, in this process or another on the same inbox.
//
// Run fails at once when the Inbox is closed or another Run of it is under way; once a Run returned, Run may
// be called again.
func (ib *Inbox) Run(ctx context.Context, app smshook.Handler) error {
	ib.mu.Lock()
	switch {
	case ib.closed:
		ib.mu.Unlock()
		return errClosed
	case ib.running:
		ib.mu.Unlock()
		return errRunning
	}
	ib.running = true
	done := make(chan struct{})
	ib.runDone = done
	ib.mu.Unlock()
	defer func() {
		ib.mu.Lock()
		ib.running = false
		ib.mu.Unlock()
		close(done)
	}()
	ib.app.Store(ib.withFallback(app))
	// Not ctx: River cancels the running calls when the context of its Start ends, and the end of ctx is a
	// graceful stop.
	if err := ib.river.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-ib.closing.Done():
		return ib.hardStop(errClosed)
	}
	sctx, cancel := context.WithTimeout(ib.closing, ib.cfg.jobTimeout+stopGrace)
	defer cancel()
	if err := ib.river.Stop(sctx); err != nil {
		if ib.closing.Err() != nil {
			return ib.hardStop(errClosed)
		}
		return ib.hardStop(fmt.Errorf("inbox: calls to the application still ran %s after Run's context ended; their contexts were cancelled",
			ib.cfg.jobTimeout+stopGrace))
	}
	return nil
}

// stopGrace is how much longer than the job timeout Run waits for the running calls: River's job timeout
// ends the call, then River records its outcome.
const stopGrace = 5 * time.Second

// closeTimeout bounds how long a stop waits for the application to return once its contexts are cancelled.
const closeTimeout = 10 * time.Second

// hardStop stops River, cancelling the contexts of the running calls, and returns cause.
func (ib *Inbox) hardStop(cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := ib.river.StopAndCancel(ctx); err != nil {
		return errors.Join(cause, fmt.Errorf("inbox: the application did not return once its contexts were cancelled: %w", err))
	}
	return cause
}

// withFallback returns app whose Default, when app has none, completes the delivery with a log line, as the
// handler does for a delivery nobody takes.
func (ib *Inbox) withFallback(app smshook.Handler) *smshook.Handler {
	if app.Default != nil {
		return &app
	}
	app.Default = func(ctx context.Context, w api.Webhook) error {
		head := w.Head()
		ib.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "inbox: stored delivery completed; the Handler has no func for its event and no Default",
			slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.Int("hooks", w.HookCount()))
		return nil
	}
	return &app
}

// Close ends a Run under way, cancelling the contexts of its running calls (cancel the context of Run first to
// let them finish), waits for the writes under way, and closes the inbox. Afterwards Run fails, and the
// Receiver's handler answers 503. Closing twice does nothing.
func (ib *Inbox) Close() error {
	ib.mu.Lock()
	if ib.closed {
		ib.mu.Unlock()
		return nil
	}
	ib.closed = true
	running, runDone := ib.running, ib.runDone
	ib.mu.Unlock()
	ib.endClose()
	if running {
		<-runDone
	}
	var errs []error
	if ib.w != nil { // nil when Open failed before the writer started
		<-ib.swept
		<-ib.kept
		ib.w.close()
	}
	ib.readMu.Lock()
	if ib.doneQuery != nil {
		_ = ib.doneQuery.Close()
	}
	ib.readMu.Unlock()
	errs = append(errs, ib.d.Close())
	return errors.Join(errs...)
}

func (ib *Inbox) isClosed() bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return ib.closed
}
