package inbox

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

// TestTwoReceiversOnOneInboxStoreACopyOnce: two Inboxes on one file (one database under -postgres), as two
// processes would open it, each with a Receiver and a Run. Copies of each delivery posted to both at once, and again, are
// all answered 200, stored as one job, and handed to the application, behind both Runs, once.
func TestTwoReceiversOnOneInboxStoreACopyOnce(t *testing.T) {
	t.Parallel()
	first, name := openInbox(t, Config{})
	second := openAt(t, name, Config{})
	urls := []string{serve(t, first), serve(t, second)}
	const deliveries = 20
	var hookIDs []string
	for range deliveries {
		_, body, ids := mru(t, 10)
		hookIDs = append(hookIDs, ids...)
		// One copy to each at once (a copy that finds another in progress in the same receiver is answered 503,
		// to come again), then one more to each.
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Go(func() { statuses[i] = post(t, urls[i], body) })
		}
		wg.Wait()
		require.Equal(t, []int{http.StatusOK, http.StatusOK}, statuses)
		require.Equal(t, http.StatusOK, post(t, urls[0], body))
		require.Equal(t, http.StatusOK, post(t, urls[1], body))
	}
	require.Len(t, jobs(t, first, rivertype.JobStateAvailable), deliveries, "each delivery stored once, whichever receiver took it")

	a := newApp() // one application behind both
	run(t, first, a.handler())
	run(t, second, a.handler())
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == deliveries }), "got %d of %d", a.gotCount(), deliveries)
	time.Sleep(300 * time.Millisecond) // a second hand-over would have come by now
	require.Equal(t, deliveries, a.gotCount())
	for _, id := range hookIDs {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
}
