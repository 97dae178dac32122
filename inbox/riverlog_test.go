package inbox

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// allRecords keeps every record logged to it, at every level.
type allRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *allRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *allRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *allRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *allRecords) WithGroup(string) slog.Handler      { return h }

// at returns the messages logged at level and above, and below it.
func (h *allRecords) at(level slog.Level) (above, below []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if r.Level >= level {
			above = append(above, r.Message)
		} else {
			below = append(below, r.Message)
		}
	}
	return above, below
}

// TestRiverLogsNothingRoutineAtInfo opens a new inbox (River's migrations run), runs it, hands over a delivery
// that fails once and then succeeds, and closes it: at Info and above the log holds River's line about the
// failed job and nothing else of River's; its start, stop, migrations and the like are at Debug.
func TestRiverLogsNothingRoutineAtInfo(t *testing.T) {
	t.Parallel()
	rec := &allRecords{}
	cfg := fast
	cfg.Logger = slog.New(rec)
	ib, _ := openInbox(t, cfg)
	url := serve(t, ib)
	_, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body))
	var mu sync.Mutex
	calls := 0
	done := make(chan struct{})
	stop := run(t, ib, smshook.Handler{SMSMessageResultUpdate: func(context.Context, *api.SMSMessageResultUpdateEnvelope) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return errors.New("the application is not ready")
		}
		close(done)
		return nil
	}})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the delivery was not handed over again after its failure")
	}
	stop()
	require.NoError(t, ib.Close())

	above, below := rec.at(slog.LevelInfo)
	require.Len(t, above, 1, "at Info and above: %q", above)
	require.Contains(t, above[0], "Job errored", "what River says of a failed job stays at Info")
	debug := strings.Join(below, "\n")
	for _, routine := range []string{"Applied migration", "River client started", "River client stopped"} {
		require.Contains(t, debug, routine, "demoted to Debug, not dropped")
	}
}

// TestRiverLoggerKeepsWarnAndErrorAndDropsBelowTheLevel: the demoting handler passes Warn and Error on as
// they are, and what it demotes goes nowhere when the inner handler does not take Debug.
func TestRiverLoggerKeepsWarnAndErrorAndDropsBelowTheLevel(t *testing.T) {
	t.Parallel()
	rec := &levelFloor{min: slog.LevelInfo}
	l := riverLogger(slog.New(rec))
	l.Info("River client started")
	l.Info("JobExecutor: Job errored; retrying")
	l.Warn("elector: something")
	l.Error("producer: something else")
	require.Equal(t, []string{"INFO JobExecutor: Job errored; retrying", "WARN elector: something", "ERROR producer: something else"}, rec.lines)
	require.True(t, l.Enabled(context.Background(), slog.LevelInfo))
	require.False(t, l.Enabled(context.Background(), slog.LevelDebug))
}

// levelFloor keeps "LEVEL message" of the records at min and above.
type levelFloor struct {
	min   slog.Level
	lines []string
}

func (h *levelFloor) Enabled(_ context.Context, l slog.Level) bool { return l >= h.min }
func (h *levelFloor) Handle(_ context.Context, r slog.Record) error {
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}
func (h *levelFloor) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelFloor) WithGroup(string) slog.Handler      { return h }
