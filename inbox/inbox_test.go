package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/smshooktest"
)

const secret = "inbox-secret"

// fast are the options of tests that retry: waits of milliseconds instead of seconds.
var fast = []inbox.Option{inbox.WithBackoff(10*time.Millisecond, 50*time.Millisecond)}

// app is the application: it records each delivery handed to it, by hookId, and fails as fail says.
type app struct {
	mu       sync.Mutex
	fail     func(hooksID string, attempt int) error // nil: never fails
	attempts map[string]int                          // hooksId → calls
	done     map[string]int                          // hookId → successful calls
	got      map[string]any                          // hooksId → the envelope of its successful call
	changed  chan struct{}
	block    chan struct{} // when set, each call waits for it to be closed
	running  chan string   // when set, receives the hooksId of each call as it begins
}

func newApp() *app {
	return &app{attempts: map[string]int{}, done: map[string]int{}, got: map[string]any{}, changed: make(chan struct{})}
}

func record[H any](ctx context.Context, a *app, hooksID string, hooks []H, id func(H) string, env any) error {
	if a.running != nil {
		a.running <- hooksID
	}
	if a.block != nil {
		select {
		case <-a.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	defer func() { close(a.changed); a.changed = make(chan struct{}) }()
	a.attempts[hooksID]++
	if a.fail != nil {
		if err := a.fail(hooksID, a.attempts[hooksID]); err != nil {
			return err
		}
	}
	for _, h := range hooks {
		a.done[id(h)]++
	}
	a.got[hooksID] = env
	return nil
}

func (a *app) OnUnsubscribe(ctx context.Context, e *api.UnsubscribeEnvelope) error {
	return record(ctx, a, e.HooksId, e.Hooks, func(h api.UnsubscribeHook) string { return h.HookId }, e)
}

func (a *app) OnMessageResultUpdate(ctx context.Context, e *api.MessageResultUpdateEnvelope) error {
	return record(ctx, a, e.HooksId, e.Hooks, func(h api.MessageResultUpdateHook) string { return h.HookId }, e)
}

func (a *app) OnConversionBlock(ctx context.Context, e *api.ConversionBlockEnvelope) error {
	return record(ctx, a, e.HooksId, e.Hooks, func(h api.ConversionBlockHook) string { return h.HookId }, e)
}

func (a *app) OnInternationalDeliveryReceipt(ctx context.Context, e *api.InternationalDeliveryReceiptEnvelope) error {
	return record(ctx, a, e.HooksId, e.Hooks, func(h api.InternationalDeliveryReceiptHook) string { return h.HookId }, e)
}

// waitUntil reports whether cond, checked under the app's lock at each change, holds within d.
func (a *app) waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		ok, changed := cond(), a.changed
		a.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

func (a *app) doneCount(hookID string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done[hookID]
}

func (a *app) attemptCount(hooksID string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.attempts[hooksID]
}

// serve starts an httptest server whose handler stores into ib.
func serve(tb testing.TB, ib *inbox.Inbox, opts ...smshook.Option) string {
	tb.Helper()
	return serveReceiver(tb, ib, ib.Receiver(), opts...)
}

func serveReceiver(tb testing.TB, ib *inbox.Inbox, r smshook.EventHandler, opts ...smshook.Option) string {
	tb.Helper()
	h, err := smshook.NewHandler(r, append([]smshook.Option{smshook.WithSecrets(secret), smshook.WithStore(ib.Store()),
		smshook.WithLogger(quietLogger(tb))}, opts...)...)
	require.NoError(tb, err)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

var client = &http.Client{Timeout: 10 * time.Second}

// post posts body once, signed, and returns the status (0 when no answer came).
func post(tb testing.TB, url string, body []byte) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", smshooktest.ContentType)
	req.Header.Set(smshook.SignatureHeader, secret)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// mru returns a new MESSAGE_RESULT_UPDATE delivery of n hooks, its body and its hookIds.
func mru(tb testing.TB, n int) (*api.MessageResultUpdateEnvelope, []byte, []string) {
	tb.Helper()
	env := smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) {
		for len(e.Hooks) < n {
			h := e.Hooks[0]
			h.RecipientSeq = int64(len(e.Hooks) + 1)
			e.Hooks = append(e.Hooks, h)
		}
	})
	env = smshooktest.Fresh(env)
	ids := make([]string, len(env.Hooks))
	for i, h := range env.Hooks {
		ids[i] = h.HookId
	}
	body, err := json.Marshal(env)
	require.NoError(tb, err)
	return env, body, ids
}

// start starts ib's workers on a and stops them at cleanup.
func start(tb testing.TB, ib *inbox.Inbox, a smshook.EventHandler) {
	tb.Helper()
	require.NoError(tb, ib.Start(context.Background(), a))
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(tb, ib.Stop(ctx))
	})
}

// jobs returns the inbox's jobs in state.
func jobs(tb testing.TB, ib *inbox.Inbox, state rivertype.JobState) []*rivertype.JobRow {
	tb.Helper()
	res, err := ib.Client().JobList(context.Background(), river.NewJobListParams().Kinds(inbox.Kind).States(state).First(1000))
	require.NoError(tb, err)
	return res.Jobs
}

// TestAcknowledgedDeliveriesReachTheApp posts every event's sample and 10-hook deliveries to a handler
// storing into the inbox, before any worker runs: each is answered 200 at once, and once the workers start
// each reaches the application once, as the envelope that was sent.
func TestAcknowledgedDeliveriesReachTheApp(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t)
	url := serve(t, ib)
	sent := map[string]any{} // hooksId → envelope
	var hookIDs []string
	for _, event := range smshooktest.Events() {
		sample, err := smshooktest.Sample(event)
		require.NoError(t, err)
		env := smshooktest.Fresh(sample)
		body, err := json.Marshal(env)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, url, body), event)
		var probe struct {
			HooksID string `json:"hooksId"`
			Hooks   []struct {
				HookID string `json:"hookId"`
			} `json:"hooks"`
		}
		require.NoError(t, json.Unmarshal(body, &probe))
		sent[probe.HooksID] = env
		for _, h := range probe.Hooks {
			hookIDs = append(hookIDs, h.HookID)
		}
	}
	for range 20 {
		env, body, ids := mru(t, 10)
		require.Equal(t, http.StatusOK, post(t, url, body))
		sent[env.HooksId] = env
		hookIDs = append(hookIDs, ids...)
	}
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), len(sent), "one job per acknowledged delivery")

	a := newApp()
	start(t, ib, a)
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == len(sent) }),
		"not every acknowledged delivery reached the application")
	for hooksID, env := range sent {
		require.Equal(t, env, a.got[hooksID], "the application got the delivery as it was sent")
	}
	for _, id := range hookIDs {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
}

// TestFailingAppIsRetriedThenProcessedOnce: an application that fails twice, and once panics, then succeeds
// gets the delivery four times and processes it once; the job ends completed.
func TestFailingAppIsRetriedThenProcessedOnce(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, fast...)
	url := serve(t, ib)
	env, body, ids := mru(t, 3)
	a := newApp()
	a.fail = func(_ string, attempt int) error {
		switch attempt {
		case 1, 2:
			return errors.New("the application is down")
		case 3:
			panic("a bug")
		}
		return nil
	}
	start(t, ib, a)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == 1 }), "never processed")
	require.Equal(t, 4, a.attemptCount(env.HooksId))
	for _, id := range ids {
		require.Equal(t, 1, a.doneCount(id))
	}
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 1 }, 10*time.Second, 20*time.Millisecond)
	job := jobs(t, ib, rivertype.JobStateCompleted)[0]
	require.Len(t, job.Errors, 3)
	require.Equal(t, "inbox: panic in the application", job.Errors[2].Error, "a panic's value is not kept")
}

// TestAlwaysFailingAppIsDeadLettered: after the maximum of attempts the job is discarded (a dead letter) and
// not handed over again; River can retry it, and then it is processed.
func TestAlwaysFailingAppIsDeadLettered(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, append(fast, inbox.WithMaxAttempts(3))...)
	url := serve(t, ib)
	env, body, ids := mru(t, 2)
	a := newApp()
	var mu sync.Mutex
	failing := true
	a.fail = func(string, int) error {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return errors.New("the application is down")
		}
		return nil
	}
	start(t, ib, a)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateDiscarded)) == 1 }, 20*time.Second, 20*time.Millisecond)
	dead := jobs(t, ib, rivertype.JobStateDiscarded)[0]
	require.Equal(t, 3, dead.Attempt)
	require.Len(t, dead.Errors, 3)
	time.Sleep(300 * time.Millisecond) // a further attempt would have come by now
	require.Equal(t, 3, a.attemptCount(env.HooksId))
	require.Zero(t, a.doneCount(ids[0]))

	mu.Lock()
	failing = false
	mu.Unlock()
	_, err := ib.Client().JobRetry(context.Background(), dead.ID)
	require.NoError(t, err)
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 1 }), "a retried dead letter is processed")
	require.Equal(t, 1, a.doneCount(ids[1]))
}

// TestFailingPastMaxAgeIsDeadLettered: a delivery that fails past the maximum age is cancelled at once,
// whatever attempts remain.
func TestFailingPastMaxAgeIsDeadLettered(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, append(fast, inbox.WithMaxAge(time.Millisecond))...)
	url := serve(t, ib)
	env, body, _ := mru(t, 1)
	a := newApp()
	a.fail = func(string, int) error { return errors.New("the application is down") }
	start(t, ib, a)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCancelled)) == 1 }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, 1, a.attemptCount(env.HooksId))
	require.Contains(t, jobs(t, ib, rivertype.JobStateCancelled)[0].Errors[0].Error, "past the maximum age")
}

// TestRedeliveryIsNotProcessedAgainAfterARestart: a copy of a processed delivery is answered 200 and not
// handed over again, by the same inbox and by the same file opened again (the claims are in the file).
func TestRedeliveryIsNotProcessedAgainAfterARestart(t *testing.T) {
	t.Parallel()
	ib, path := openInbox(t)
	url := serve(t, ib)
	env, body, ids := mru(t, 10)
	a := newApp()
	start(t, ib, a)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 1 }))
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy")
	require.NoError(t, ib.Close())

	again := openAt(t, path)
	url = serve(t, again)
	start(t, again, a)
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy after the restart")
	time.Sleep(500 * time.Millisecond) // a second hand-over would have come by now
	require.Equal(t, 1, a.attemptCount(env.HooksId))
	for _, id := range ids {
		require.Equal(t, 1, a.doneCount(id))
	}
	require.Empty(t, jobs(t, again, rivertype.JobStateAvailable))
	require.Len(t, jobs(t, again, rivertype.JobStateCompleted), 1, "one job in all")
}

// counting counts the deliveries the handler hands to the Receiver.
type counting struct {
	smshook.EventHandler
	mu sync.Mutex
	n  int
}

func (c *counting) OnMessageResultUpdate(ctx context.Context, e *api.MessageResultUpdateEnvelope) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.EventHandler.OnMessageResultUpdate(ctx, e)
}

// TestStoredButNotCommittedIsNotStoredAgain covers the crash window between the Receiver's insert and the
// handler's Commit: a delivery claimed and stored whose claim was never committed (the receiver died) is,
// once the lease ended, recognised as done by the handler, which keys events as the Receiver does; and a
// delivery that shares some hooks with it stores only the others.
func TestStoredButNotCommittedIsNotStoredAgain(t *testing.T) {
	t.Parallel()
	ib, path := openInbox(t)
	env, body, ids := mru(t, 3)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = fmt.Sprintf("%d:%s:%d:%s:%s", len(env.AppKey), env.AppKey, len(env.Event), env.Event, id)
	}
	ctx := context.Background()
	states, err := ib.Store().Claim(ctx, keys, "killed-attempt", 100*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, []smshook.ClaimState{smshook.Claimed, smshook.Claimed, smshook.Claimed}, states)
	require.NoError(t, ib.Receiver().OnMessageResultUpdate(ctx, env))
	require.NoError(t, ib.Close()) // the attempt never commits
	time.Sleep(200 * time.Millisecond)

	ib = openAt(t, path)
	c := &counting{EventHandler: ib.Receiver()}
	url := serveReceiver(t, ib, c, smshook.WithClaimLease(time.Second))
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Zero(t, c.n, "the handler found every hook done")

	// The same hooks again, directly (as a handler with another store would hand them), and one more.
	overlap := *env
	extra := smshooktest.Fresh(smshooktest.MessageResultUpdate()).Hooks[0]
	overlap.Hooks = append(slices.Clone(env.Hooks), extra)
	overlap.HooksId = smshooktest.NewID()
	require.NoError(t, ib.Receiver().OnMessageResultUpdate(ctx, &overlap))
	require.NoError(t, ib.Receiver().OnMessageResultUpdate(ctx, env), "everything stored already: nothing to do")

	a := newApp()
	start(t, ib, a)
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 2 }))
	require.Equal(t, []api.MessageResultUpdateHook{extra}, a.got[overlap.HooksId].(*api.MessageResultUpdateEnvelope).Hooks,
		"only the hook not stored before")
	for _, id := range append(ids, extra.HookId) {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
	time.Sleep(300 * time.Millisecond)
	require.Len(t, a.got, 2)
}

// TestStopLetsRunningWorkFinish: Stop waits for a delivery in the application, which completes; deliveries
// stored meanwhile wait for the next Start.
func TestStopLetsRunningWorkFinish(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t)
	url := serve(t, ib)
	first, body, _ := mru(t, 1)
	a := newApp()
	a.block, a.running = make(chan struct{}), make(chan string, 10)
	require.NoError(t, ib.Start(context.Background(), a))
	require.Equal(t, http.StatusOK, post(t, url, body))
	select {
	case <-a.running:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery never reached the application")
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- ib.Stop(ctx)
	}()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while the application held a delivery", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(a.block)
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return once the application did")
	}
	require.Equal(t, 1, a.attemptCount(first.HooksId))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 1 }, 5*time.Second, 20*time.Millisecond)

	second, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body), "the receiver stores without workers")
	time.Sleep(300 * time.Millisecond)
	require.Zero(t, a.attemptCount(second.HooksId), "no worker runs after Stop")
	start(t, ib, a)
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.attempts[second.HooksId] == 1 }))
}

// TestClosedInbox: a closed inbox's Receiver fails (the handler answers 500, so that the sender tries again)
// and its Store fails (503).
func TestClosedInbox(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t)
	url := serve(t, ib)
	require.NoError(t, ib.Close())
	env, body, _ := mru(t, 1)
	require.ErrorIs(t, ib.Receiver().OnMessageResultUpdate(context.Background(), env), inbox.ErrClosed)
	require.Equal(t, http.StatusServiceUnavailable, post(t, url, body))
	require.ErrorIs(t, ib.Start(context.Background(), newApp()), inbox.ErrClosed)
}
