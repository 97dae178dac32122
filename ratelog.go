package smshook

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logBurst and logWindow bound what a flood of requests writes to the log. Per kind of line (a rejection's
// problem type, a store failure, a redelivery, …) the handler writes the first logBurst lines of each window
// of logWindow and counts the others; when the window ends, one line says how many of that kind were left
// out. Without it, 38,000 wrong secrets a second wrote 72 MB of log in 10 s. Metrics count every request
// (package metrics), so nothing is lost from view.
const (
	logBurst  = 10
	logWindow = time.Minute
)

// logLimiter writes each kind of per-request line at a bounded rate. Its zero value is not usable; see
// newLogLimiter.
type logLimiter struct {
	logger *slog.Logger
	burst  int
	window time.Duration
	mu     sync.Mutex
	kinds  map[string]*logKind
}

// logKind is the current window of one kind of line.
type logKind struct {
	start      time.Time
	logged     int
	suppressed int
	level      slog.Level // the highest of the lines left out
}

func newLogLimiter(logger *slog.Logger) *logLimiter {
	return &logLimiter{logger: logger, burst: logBurst, window: logWindow, kinds: map[string]*logKind{}}
}

// log writes the line unless logBurst lines of its kind were written in the current window.
func (l *logLimiter) log(ctx context.Context, kind string, level slog.Level, msg string, attrs ...slog.Attr) {
	if !l.logger.Enabled(ctx, level) || !l.allow(kind, level) {
		return
	}
	l.logger.LogAttrs(ctx, level, msg, attrs...)
}

// allow reports whether a line of kind may be written, and counts it when it may not.
func (l *logLimiter) allow(kind string, level slog.Level) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	k := l.kinds[kind]
	switch {
	case k == nil:
		k = &logKind{start: now}
		l.kinds[kind] = k
	case k.suppressed == 0 && now.Sub(k.start) >= l.window:
		*k = logKind{start: now} // a quiet window ended; the summary's timer ends a noisy one
	}
	if k.logged < l.burst {
		k.logged++
		return true
	}
	if k.suppressed == 0 {
		k.level = level
		time.AfterFunc(k.start.Add(l.window).Sub(now), func() { l.summarise(kind) })
	}
	k.level = max(k.level, level)
	k.suppressed++
	return false
}

// summarise ends the window of kind with one line that counts what was left out of it.
func (l *logLimiter) summarise(kind string) {
	l.mu.Lock()
	k := l.kinds[kind]
	delete(l.kinds, kind)
	l.mu.Unlock()
	if k == nil || k.suppressed == 0 {
		return
	}
	l.logger.LogAttrs(context.Background(), k.level, "smshook: log lines left out: more of one kind than the log takes in a window; metrics count every request",
		slog.String("kind", kind), slog.Int("suppressed", k.suppressed), slog.Int("logged", k.logged), slog.Duration("window", l.window))
}
