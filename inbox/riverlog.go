package inbox

import (
	"context"
	"log/slog"
	"strings"
)

// riverLogger returns the logger River and its migrator log to: l, but with River's routine Info lines (a
// client started or stopped, a migration applied, a maintenance service ran, a producer's counts, poll-only
// mode) at Debug, so that an inbox that opens and runs logs nothing of River's at Info and above, and a
// program's own start-up line stands alone. What River says about a job (an application's error or panic, a
// job stopped by a shutdown) stays at Info, since it is the application's news, not River's; Warn and Error
// stay as they are.
func riverLogger(l *slog.Logger) *slog.Logger {
	return slog.New(demoted{l.Handler()})
}

// demoted is a slog.Handler that lowers River's routine Info records to Debug before its inner handler sees
// them.
type demoted struct{ inner slog.Handler }

// Enabled answers for Info as for Debug as well: whether an Info record is routine is known from its message
// only, so both must reach Handle when either level is enabled.
func (h demoted) Enabled(ctx context.Context, level slog.Level) bool {
	if level == slog.LevelInfo {
		return h.inner.Enabled(ctx, slog.LevelInfo) || h.inner.Enabled(ctx, slog.LevelDebug)
	}
	return h.inner.Enabled(ctx, level)
}

func (h demoted) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo && !aboutAJob(r.Message) {
		r.Level = slog.LevelDebug
	}
	if !h.inner.Enabled(ctx, r.Level) {
		return nil
	}
	return h.inner.Handle(ctx, r)
}

func (h demoted) WithAttrs(attrs []slog.Attr) slog.Handler { return demoted{h.inner.WithAttrs(attrs)} }

func (h demoted) WithGroup(name string) slog.Handler { return demoted{h.inner.WithGroup(name)} }

// aboutAJob reports whether a River message at Info concerns one job: River's job executor names them
// "JobExecutor: Job errored", "…: Job panicked", "…: Job stopped due to client shutdown; retrying".
func aboutAJob(msg string) bool {
	return strings.Contains(msg, ": Job ")
}
