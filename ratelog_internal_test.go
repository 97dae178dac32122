package smshook

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/syncbuf"
)

// logLines decodes the JSON lines of a log.
func logLines(tb testing.TB, log string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for l := range strings.Lines(log) {
		var rec map[string]any
		require.NoError(tb, json.Unmarshal([]byte(l), &rec), l)
		out = append(out, rec)
	}
	return out
}

// TestLogLimiterSummarisesWhatItLeftOut writes more lines of one kind than a window takes: the first burst
// are written, one summary at the window's end counts the others, at their level, and the next window
// writes again; another kind is not held back by the first.
func TestLogLimiterSummarisesWhatItLeftOut(t *testing.T) {
	t.Parallel()
	var log syncbuf.Buffer
	l := newLogLimiter(slog.New(slog.NewJSONHandler(&log, nil)))
	l.burst, l.window = 3, 200*time.Millisecond
	ctx := context.Background()
	for range 50 {
		l.log(ctx, "urn:smshook:problem:secret-mismatch", slog.LevelWarn, "rejected")
	}
	l.log(ctx, "store-unavailable", slog.LevelError, "store failed")
	lines := logLines(t, log.String())
	require.Len(t, lines, 4, "three of the first kind, one of the other")
	require.Equal(t, "store failed", lines[3]["msg"])

	var summary map[string]any
	require.Eventually(t, func() bool {
		lines = logLines(t, log.String())
		summary = lines[len(lines)-1]
		return len(lines) == 5
	}, 5*time.Second, 10*time.Millisecond, "no summary line at the window's end")
	require.Equal(t, "urn:smshook:problem:secret-mismatch", summary["kind"])
	require.EqualValues(t, 47, summary["suppressed"])
	require.EqualValues(t, 3, summary["logged"])
	require.Equal(t, "WARN", summary["level"])

	l.log(ctx, "urn:smshook:problem:secret-mismatch", slog.LevelWarn, "rejected")
	require.Len(t, logLines(t, log.String()), 6, "a new window writes again")
	time.Sleep(2 * l.window)
	require.Len(t, logLines(t, log.String()), 6, "a window that left nothing out ends without a summary")
}
