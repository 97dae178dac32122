package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/smshook/smshook"
)

// Kind is the River job kind of a stored delivery.
const Kind = "smshook_delivery"

// queue is the River queue of the inbox's jobs.
const queue = "smshook"

// sweepInterval is how often expired hookIds and the deliveries of deleted jobs are removed.
const sweepInterval = time.Minute

// Inbox is a durable inbox in one SQLite file: a Receiver that stores deliveries, a Store that remembers
// which hookIds were taken, and workers that hand stored deliveries to the application. It is safe for
// concurrent use. Its zero value is not usable; call Open.
type Inbox struct {
	cfg       config
	db        *sql.DB // the one connection that writes, River's too
	rdb       *sql.DB // connections that read, beside the writer (WAL)
	readMu    sync.Mutex
	doneQuery *sql.Stmt // doneSQL on rdb, prepared at the first claim
	leases    *leases
	river     *river.Client[*sql.Tx]
	w         *writer
	app       atomic.Pointer[appHolder]
	mu        sync.Mutex // guards start and closed
	start     bool
	closed    bool
	stop      chan struct{} // ends the sweeper
	swept     chan struct{}
}

type appHolder struct{ app smshook.EventHandler }

// Open opens the SQLite file at path, creating it if needed, brings River's tables (through River's
// migrator) and the inbox's own up to date, and returns an Inbox whose Receiver and Store work at once;
// Start starts its workers. The file is in WAL mode and, unless WithRelaxedSync, every commit is flushed to
// disk before it returns. Open fails when the file cannot be opened or migrated. Close the Inbox when done.
func Open(ctx context.Context, path string, opts ...Option) (*Inbox, error) {
	cfg := defaults()
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.rescueAfter <= cfg.jobTimeout {
		cfg.rescueAfter = cfg.jobTimeout + 10*time.Second
	}
	if path == "" {
		return nil, errors.New("inbox: Open needs the path of a file")
	}
	db, err := sql.Open("sqlite", dsn(path, cfg.relaxedSync))
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	// One connection: SQLite writes one at a time, and River's SQLite driver asks for it to avoid
	// SQLITE_BUSY between its own concurrent operations.
	db.SetMaxOpenConns(1)
	ib, err := open(ctx, db, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	// Opened once the file is in WAL mode and migrated.
	if ib.rdb, err = sql.Open("sqlite", dsn(path, cfg.relaxedSync)+"&_pragma=query_only(1)"); err != nil {
		_ = ib.Close()
		return nil, fmt.Errorf("inbox: %w", err)
	}
	ib.rdb.SetMaxOpenConns(readers)
	ib.rdb.SetMaxIdleConns(readers) // opening a connection costs more than many reads
	return ib, nil
}

// readers bounds the connections that read: a claim, a commit, a worker's read of its delivery.
const readers = 4

func open(ctx context.Context, db *sql.DB, cfg config) (*Inbox, error) {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("inbox: open: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("inbox: the file is in journal mode %q, not WAL", mode)
	}
	driver := riversqlite.New(db)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: cfg.logger})
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("inbox: River's migrations: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	ib := &Inbox{cfg: cfg, db: db, leases: newLeases(), stop: make(chan struct{}), swept: make(chan struct{})}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{ib: ib}); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	ib.river, err = river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{queue: {MaxWorkers: cfg.workers}},
		Workers:              workers,
		MaxAttempts:          cfg.maxAttempts,
		RetryPolicy:          backoff{min: cfg.minBackoff, max: cfg.maxBackoff},
		JobTimeout:           cfg.jobTimeout,
		RescueStuckJobsAfter: cfg.rescueAfter,
		// A worker that finishes asks for more at once; these bound how often that and polling query.
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		Logger:            cfg.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	p, err := prepare(ctx, db)
	if err != nil {
		return nil, err
	}
	ib.w = newWriter(db, ib.river, &ib.cfg, p, ib.leases)
	go ib.sweeper()
	return ib, nil
}

// dsn is the modernc.org/sqlite data source name of the file: WAL, the chosen durability, a busy timeout
// for other processes on the same file, and transactions that take the write lock when they begin.
func dsn(path string, relaxed bool) string {
	sync := "FULL"
	if relaxed {
		sync = "NORMAL"
	}
	// A file: URI; its path is percent-decoded, so escape what would end it or be decoded.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync +
		")&_pragma=busy_timeout(10000)&_txlock=immediate"
}

func (ib *Inbox) sweeper() {
	defer close(ib.swept)
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ib.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
			if err := ib.w.do(ctx, &op{kind: opSweep}); err != nil && !errors.Is(err, ErrClosed) {
				ib.cfg.logger.Error("inbox: sweeping expired hookIds failed", "error", err.Error())
			}
			cancel()
		}
	}
}

// Receiver returns the EventHandler to give to smshook.NewHandler: each method stores the delivery's
// hooks that are not stored yet (by hookId, within the retention) as one job, and returns nil once that
// transaction committed, so that the handler answers 200 only for stored events. It fails, and the handler
// answers 500 (503 past its timeout), when the write fails or the Inbox is closed.
func (ib *Inbox) Receiver() smshook.EventHandler { return receiver{ib} }

// Store returns the deduplication store to give to smshook.WithStore: the hookIds stored or processed are
// kept in the file, so that a restart does not forget them, and are seen by every process that opens it;
// leases, which only have to outlive the attempt that holds them, are kept in this process's memory. Two
// processes on one file may therefore both take a copy of an event at the same moment; the Receiver still
// stores it once. Its methods fail with ErrClosed once the Inbox is closed.
func (ib *Inbox) Store() smshook.Store { return store{ib} }

// Client returns the River client behind the inbox, for River's own API: JobList with
// rivertype.JobStateDiscarded and rivertype.JobStateCancelled lists dead letters, JobRetry hands one over
// again. Do not Start or Stop it; use the Inbox's methods.
func (ib *Inbox) Client() *river.Client[*sql.Tx] { return ib.river }

// Start starts the workers, which hand each stored delivery to app, the method of its event, with retries:
// an error (or a panic) is retried after a backoff, up to the maximum of attempts and the maximum age, then
// the delivery becomes a dead letter. Cancelling ctx stops the workers as Stop does. Start fails when the
// inbox was started already or closed, or when River does not start.
func (ib *Inbox) Start(ctx context.Context, app smshook.EventHandler) error {
	if app == nil {
		return errors.New("inbox: Start needs an EventHandler")
	}
	ib.mu.Lock()
	defer ib.mu.Unlock()
	switch {
	case ib.closed:
		return ErrClosed
	case ib.start:
		return errors.New("inbox: started already")
	}
	ib.app.Store(&appHolder{app})
	if err := ib.river.Start(ctx); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	ib.start = true
	return nil
}

// Stop stops taking deliveries and waits until the running ones are finished, or until ctx is done (its
// error is returned then, and the running calls go on). Stored deliveries that were not handed over stay
// for the next Start, in this process or another. Stop without Start does nothing.
func (ib *Inbox) Stop(ctx context.Context) error {
	ib.mu.Lock()
	started := ib.start
	ib.start = false
	ib.mu.Unlock()
	if !started {
		return nil
	}
	err := ib.river.Stop(ctx)
	if err != nil { // still running: Close cancels them
		ib.mu.Lock()
		ib.start = !ib.closed
		ib.mu.Unlock()
	}
	return err
}

// closeTimeout bounds how long Close waits for the application to return once its contexts are cancelled.
const closeTimeout = 10 * time.Second

// Close stops the workers, cancelling the contexts of running calls (call Stop first to let them finish),
// waits for the writes under way, and closes the file. Further calls fail with ErrClosed.
func (ib *Inbox) Close() error {
	ib.mu.Lock()
	if ib.closed {
		ib.mu.Unlock()
		return nil
	}
	ib.closed = true
	started := ib.start
	ib.start = false
	ib.mu.Unlock()
	var errs []error
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		errs = append(errs, ib.river.StopAndCancel(ctx))
		cancel()
	}
	if ib.w != nil { // nil when Open failed before the writer started
		close(ib.stop)
		<-ib.swept
		ib.w.close()
	}
	if ib.rdb != nil {
		ib.readMu.Lock()
		if ib.doneQuery != nil {
			_ = ib.doneQuery.Close()
		}
		ib.readMu.Unlock()
		errs = append(errs, ib.rdb.Close())
	}
	errs = append(errs, ib.db.Close())
	return errors.Join(errs...)
}

func (ib *Inbox) isClosed() bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return ib.closed
}
