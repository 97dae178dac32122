package inbox

import (
	"log/slog"
	"time"
)

// Config configures an Inbox made by Open. Its zero value is the default of every field: a zero (or negative)
// field means the default written on it.
type Config struct {
	// Workers is how many deliveries are handed to the application at once; zero means 50.
	Workers int
	// MaxAttempts is how many times a delivery is handed to the application before it becomes a dead letter;
	// zero means 20.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry: it doubles from MinBackoff with each failure up
	// to MaxBackoff, and half of each wait is random (jitter), so that deliveries that failed together are not
	// retried together. Zero means 1 second and 1 hour; a MaxBackoff below MinBackoff is raised to it.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxAge is the age past which a delivery that fails becomes a dead letter instead of being retried,
	// whatever attempts remain; zero means 24 hours, the retention past which NHN Cloud's copy of it would not
	// be recognised anyway.
	MaxAge time.Duration
	// JobTimeout bounds one call to the application, whose context is cancelled then (the call counts as
	// failed), and so how long Run waits for the running calls once its context is done; zero means 1 minute.
	JobTimeout time.Duration
	// HeartbeatTimeout is how long an Inbox may go without a heartbeat before the deliveries it was handing
	// to the application are handed over again, by another Inbox on the same database or by the process that
	// opens it after a crash (kill -9, an out-of-memory kill, a power loss). Every Inbox writes a heartbeat and
	// looks for such orphans every HeartbeatTimeout/5, and at Open, so that a delivery whose call was running in
	// a killed process reaches the application again at most about 1.2 × HeartbeatTimeout after the kill,
	// whenever the restart comes (measured: 12 s after a restart at once, with the default). Shorten it to
	// hand over sooner; lengthen it when a live process may stall that long (a stopped or frozen machine, a
	// disk that blocks its writes), since the deliveries of a process that stalled past it are handed over
	// beside its own calls. Zero means 10 seconds; below 1 second means 1 second.
	HeartbeatTimeout time.Duration
	// RescueAfter is how long after a call to the application started its delivery is handed over again when
	// the call never ended and no heartbeat says whose it was (a process of an older version of this package):
	// River's own rescue, the last resort behind HeartbeatTimeout. It must exceed JobTimeout, or an application
	// that ignores its context may be called twice at once; zero, or a value not above JobTimeout, means
	// JobTimeout plus 10 seconds.
	RescueAfter time.Duration
	// Retention is how long a stored hookId is remembered, so that a copy of its event is acknowledged without
	// being stored again; zero means 24 hours, the handler's default. Receiver gives its handler the same.
	Retention time.Duration
	// RelaxedSync commits without flushing the write-ahead log to disk (SQLite's synchronous=NORMAL): a process
	// that is killed loses nothing it acknowledged, but a power loss or an operating-system crash may lose the
	// last acknowledged deliveries. False, the default (synchronous=FULL), loses none.
	RelaxedSync bool
	// Logger is where the inbox, its receiver and River log; nil means slog.Default(). River logs the text of an
	// application's error (at Info level) when a delivery fails.
	Logger *slog.Logger
}

// The defaults of Config's fields.
const (
	defaultWorkers     = 50
	defaultMaxAttempts = 20
	defaultMinBackoff  = time.Second
	defaultMaxBackoff  = time.Hour
	defaultRetention   = 24 * time.Hour // the handler's default
	defaultMaxAge      = defaultRetention
	defaultJobTimeout  = time.Minute
	// defaultHeartbeatTimeout and minHeartbeatTimeout: see Config.HeartbeatTimeout.
	defaultHeartbeatTimeout = 10 * time.Second
	minHeartbeatTimeout     = time.Second
	// rescueMargin is how much longer than the job timeout RescueAfter is by default.
	rescueMargin = 10 * time.Second
)

// config is a Config with every default filled in.
type config struct {
	retention              time.Duration
	maxAttempts            int
	minBackoff, maxBackoff time.Duration
	maxAge                 time.Duration
	workers                int
	jobTimeout             time.Duration
	rescueAfter            time.Duration
	heartbeatTimeout       time.Duration
	logger                 *slog.Logger
	relaxedSync            bool
}

func newConfig(c Config) config {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	orInt := func(n, def int) int {
		if n > 0 {
			return n
		}
		return def
	}
	cfg := config{
		retention:        or(c.Retention, defaultRetention),
		maxAttempts:      orInt(c.MaxAttempts, defaultMaxAttempts),
		minBackoff:       or(c.MinBackoff, defaultMinBackoff),
		maxBackoff:       or(c.MaxBackoff, defaultMaxBackoff),
		maxAge:           or(c.MaxAge, defaultMaxAge),
		workers:          orInt(c.Workers, defaultWorkers),
		jobTimeout:       or(c.JobTimeout, defaultJobTimeout),
		rescueAfter:      c.RescueAfter,
		heartbeatTimeout: max(or(c.HeartbeatTimeout, defaultHeartbeatTimeout), minHeartbeatTimeout),
		logger:           c.Logger,
		relaxedSync:      c.RelaxedSync,
	}
	cfg.maxBackoff = max(cfg.maxBackoff, cfg.minBackoff)
	if cfg.rescueAfter <= cfg.jobTimeout {
		cfg.rescueAfter = cfg.jobTimeout + rescueMargin
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	return cfg
}
