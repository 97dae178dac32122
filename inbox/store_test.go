package inbox_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/internal/storetest"
)

// openInbox opens an inbox in a new file of the test's and closes it at cleanup.
func openInbox(tb testing.TB, opts ...inbox.Option) (*inbox.Inbox, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "inbox.db")
	return openAt(tb, path, opts...), path
}

// openAt opens the inbox at path and closes it at cleanup (closing it twice is fine).
func openAt(tb testing.TB, path string, opts ...inbox.Option) *inbox.Inbox {
	tb.Helper()
	ib, err := inbox.Open(context.Background(), path, append([]inbox.Option{inbox.WithLogger(quietLogger(tb))}, opts...)...)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, ib.Close()) })
	return ib
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t)
	storetest.Run(t, func(testing.TB) smshook.Store { return ib.Store() })
}
