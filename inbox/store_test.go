package inbox

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/storetest"
)

// openInbox opens an inbox with cfg in a new file of the test's (a new database under -postgres) and closes
// it at cleanup; it returns the inbox's name too, to open it again.
func openInbox(tb testing.TB, cfg Config) (*Inbox, string) {
	tb.Helper()
	name := newInboxName(tb)
	return openAt(tb, name, cfg), name
}

// openAt opens the inbox at path with cfg, logging into the test's log unless cfg says otherwise, and closes it
// at cleanup (closing it twice is fine).
func openAt(tb testing.TB, path string, cfg Config) *Inbox {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger(tb)
	}
	ib, err := Open(context.Background(), path, cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, ib.Close()) })
	return ib
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	storetest.Run(t, func(testing.TB) smshook.Store { return store{ib: ib} })
}

func TestOpenNeedsAPath(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "", Config{})
	require.ErrorContains(t, err, "path")
}

// TestConfigDefaults: a zero field is its documented default, a set one is kept, and the bounds between
// fields hold.
func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := newConfig(Config{})
	require.Equal(t, 50, c.workers)
	require.Equal(t, 20, c.maxAttempts)
	require.Equal(t, time.Second, c.minBackoff)
	require.Equal(t, time.Hour, c.maxBackoff)
	require.Equal(t, 24*time.Hour, c.maxAge)
	require.Equal(t, time.Minute, c.jobTimeout)
	require.Equal(t, time.Minute+10*time.Second, c.rescueAfter)
	require.Equal(t, 24*time.Hour, c.retention)
	require.False(t, c.relaxedSync)
	require.NotNil(t, c.logger)

	c = newConfig(Config{Workers: 3, MaxAttempts: -1, MinBackoff: time.Minute, MaxBackoff: time.Second,
		JobTimeout: 5 * time.Second, RescueAfter: 4 * time.Second, Retention: time.Hour, RelaxedSync: true})
	require.Equal(t, 3, c.workers)
	require.Equal(t, 20, c.maxAttempts, "negative: the default")
	require.Equal(t, time.Minute, c.maxBackoff, "raised to MinBackoff")
	require.Equal(t, 15*time.Second, c.rescueAfter, "not above JobTimeout: JobTimeout plus 10 seconds")
	require.Equal(t, time.Hour, c.retention)
	require.True(t, c.relaxedSync)
	require.Equal(t, time.Minute, newConfig(Config{RescueAfter: time.Minute, JobTimeout: time.Second}).rescueAfter)
}
