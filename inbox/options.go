package inbox

import (
	"log/slog"
	"time"

	"github.com/smshook/smshook"
)

// Defaults of the options.
const (
	// DefaultMaxAttempts is how many times a delivery is handed to the application before it becomes a dead
	// letter.
	DefaultMaxAttempts = 20
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before a retry: it doubles from the first to the
	// last, and half of it is random (jitter), so that deliveries that failed together are not retried
	// together.
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = time.Hour
	// DefaultMaxAge is the age past which a delivery that fails is not retried but becomes a dead letter:
	// the retention, past which NHN Cloud's copy of it would not be recognised anyway.
	DefaultMaxAge = smshook.DefaultRetention
	// DefaultWorkers is how many deliveries are handed to the application at once.
	DefaultWorkers = 50
	// DefaultJobTimeout bounds one call to the application; its context is cancelled then.
	DefaultJobTimeout = time.Minute
)

// Option configures an Inbox made by Open.
type Option func(*config)

type config struct {
	retention              time.Duration
	maxAttempts            int
	minBackoff, maxBackoff time.Duration
	maxAge                 time.Duration
	workers                int
	jobTimeout             time.Duration
	rescueAfter            time.Duration
	logger                 *slog.Logger
	relaxedSync            bool
}

func defaults() config {
	return config{
		retention:   smshook.DefaultRetention,
		maxAttempts: DefaultMaxAttempts,
		minBackoff:  DefaultMinBackoff,
		maxBackoff:  DefaultMaxBackoff,
		maxAge:      DefaultMaxAge,
		workers:     DefaultWorkers,
		jobTimeout:  DefaultJobTimeout,
		logger:      slog.Default(),
	}
}

// WithRetention sets how long a stored hookId is remembered, by the Receiver and by the Store; give the
// handler the same with smshook.WithRetention. d <= 0 keeps smshook.DefaultRetention (24 h).
func WithRetention(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.retention = d
		}
	}
}

// WithMaxAttempts sets how many times a delivery is handed to the application before it becomes a dead
// letter; n <= 0 keeps DefaultMaxAttempts.
func WithMaxAttempts(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxAttempts = n
		}
	}
}

// WithBackoff sets the wait before the first retry (min) and the longest wait (max); it doubles in between,
// and half of each wait is random. Values <= 0 keep DefaultMinBackoff and DefaultMaxBackoff; max is at
// least min.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *config) {
		if minWait > 0 {
			c.minBackoff = minWait
		}
		if maxWait > 0 {
			c.maxBackoff = maxWait
		}
		c.maxBackoff = max(c.maxBackoff, c.minBackoff)
	}
}

// WithMaxAge sets the age past which a delivery that fails becomes a dead letter instead of being retried;
// d <= 0 keeps DefaultMaxAge.
func WithMaxAge(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.maxAge = d
		}
	}
}

// WithWorkers sets how many deliveries are handed to the application at once; n <= 0 keeps DefaultWorkers.
func WithWorkers(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.workers = n
		}
	}
}

// WithJobTimeout bounds one call to the application, whose context is cancelled then (the call counts as
// failed); d <= 0 keeps DefaultJobTimeout.
func WithJobTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.jobTimeout = d
		}
	}
}

// WithRescueAfter sets how long after a call to the application started its delivery is handed over again
// when the call never ended (the process was killed): past it, River's rescuer schedules a retry. It must
// exceed the job timeout, or an application that ignores its context may be called twice at once; d <= 0,
// or d not above the job timeout, keeps the default: the job timeout plus 10 seconds.
func WithRescueAfter(d time.Duration) Option {
	return func(c *config) { c.rescueAfter = d }
}

// WithLogger sets where the inbox and River log; the default is slog.Default(). River logs the text of an
// application's error (at Info level) when a delivery fails.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRelaxedSync commits without flushing the write-ahead log to disk (SQLite's synchronous=NORMAL): a
// process that is killed loses nothing it acknowledged, but a power loss or an operating-system crash may
// lose the last acknowledged deliveries. The default (synchronous=FULL) loses none.
func WithRelaxedSync() Option {
	return func(c *config) { c.relaxedSync = true }
}
