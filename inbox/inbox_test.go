package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
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
	"github.com/smshook/smshook/internal/hookkey"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/validate"
)

const secret = "inbox-secret"

// fast is the Config of tests that retry: waits of milliseconds instead of seconds.
var fast = Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}

// app is the application: it records each delivery handed to it, by hookId, and fails as fail says.
type app struct {
	mu         sync.Mutex
	fail       func(hooksID string, attempt int) error // nil: never fails
	attempts   map[string]int                          // hooksId → calls
	done       map[string]int                          // hookId → successful calls
	got        map[string]api.Webhook                  // hooksId → the envelope of its successful call
	viaDefault map[string]bool                         // hooksId → it reached Handler.Default
	changed    chan struct{}
	block      chan struct{} // when set, each call waits for it to be closed or for its context to end
	running    chan string   // when set, receives the hooksId of each call as it begins
}

func newApp() *app {
	return &app{attempts: map[string]int{}, done: map[string]int{}, got: map[string]api.Webhook{},
		viaDefault: map[string]bool{}, changed: make(chan struct{})}
}

// handler returns the application as a smshook.Handler with a func for every kind and a Default.
func (a *app) handler() smshook.Handler {
	return smshook.Handler{
		SMSUnsubscribe: func(ctx context.Context, e *api.SMSUnsubscribeEnvelope) error { return a.record(ctx, e, false) },
		SMSMessageResultUpdate: func(ctx context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			return a.record(ctx, e, false)
		},
		SMSConversionBlock: func(ctx context.Context, e *api.SMSConversionBlockEnvelope) error { return a.record(ctx, e, false) },
		SMSInternationalDeliveryReceipt: func(ctx context.Context, e *api.SMSInternationalDeliveryReceiptEnvelope) error {
			return a.record(ctx, e, false)
		},
		EmailUnsubscribe: func(ctx context.Context, e *api.EmailUnsubscribeEnvelope) error { return a.record(ctx, e, false) },
		EmailMessageResultUpdate: func(ctx context.Context, e *api.EmailMessageResultUpdateEnvelope) error {
			return a.record(ctx, e, false)
		},
		KakaoTalkMessageResultUpdate: func(ctx context.Context, e *api.KakaoTalkMessageResultUpdateEnvelope) error {
			return a.record(ctx, e, false)
		},
		KakaoTalkTemplateStatusUpdate: func(ctx context.Context, e *api.KakaoTalkTemplateStatusUpdateEnvelope) error {
			return a.record(ctx, e, false)
		},
		Default: func(ctx context.Context, w api.Webhook) error { return a.record(ctx, w, true) },
	}
}

func (a *app) record(ctx context.Context, w api.Webhook, viaDefault bool) error {
	hooksID := w.Head().HooksID
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
	for i := range w.HookCount() {
		a.done[w.HookID(i)]++
	}
	a.got[hooksID] = w
	a.viaDefault[hooksID] = viaDefault
	return nil
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

// has reports whether the delivery hooksID reached the application.
func (a *app) has(hooksID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.got[hooksID]
	return ok
}

func (a *app) gotCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

// serve starts an httptest server on ib's Receiver and returns its URL.
func serve(tb testing.TB, ib *Inbox, opts ...smshook.Option) string {
	tb.Helper()
	h, err := ib.Receiver(append([]smshook.Option{smshook.WithSecrets(secret), smshook.WithLogger(quietLogger(tb))}, opts...)...)
	require.NoError(tb, err)
	return serveHandler(tb, h)
}

func serveHandler(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

var client = &http.Client{Timeout: 10 * time.Second}

// post posts body once, with the secret, and returns the status (0 when no answer came).
func post(tb testing.TB, url string, body []byte) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, secret)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// mru returns a new MESSAGE_RESULT_UPDATE delivery of n hooks, each with a new hookId, its body and its hookIds.
func mru(tb testing.TB, n int) (*api.SMSMessageResultUpdateEnvelope, []byte, []string) {
	tb.Helper()
	env := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	for len(env.Hooks) < n {
		h := env.Hooks[0]
		h.RecipientSeq = int64(len(env.Hooks) + 1)
		h.HookID = sender.NewID()
		env.Hooks = append(env.Hooks, h)
	}
	ids := make([]string, len(env.Hooks))
	for i, h := range env.Hooks {
		ids[i] = h.HookID
	}
	body, err := json.Marshal(env)
	require.NoError(tb, err)
	return env, body, ids
}

// run runs ib on h until the returned stop is called, or until cleanup; stop requires Run to return nil.
func run(tb testing.TB, ib *Inbox, h smshook.Handler) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- ib.Run(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-ran:
				require.NoError(tb, err, "Run after its context ended")
			case <-time.After(30 * time.Second):
				tb.Error("Run did not return after its context ended")
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

// jobs returns the inbox's jobs in state.
func jobs(tb testing.TB, ib *Inbox, state rivertype.JobState) []*rivertype.JobRow {
	tb.Helper()
	res, err := ib.river.JobList(context.Background(), river.NewJobListParams().Kinds(kind).States(state).First(1000))
	require.NoError(tb, err)
	return res.Jobs
}

// TestAcknowledgedDeliveriesReachTheApp posts every event's sample and 10-hook deliveries to the Receiver,
// before Run: each is answered 200 at once, and once Run runs each reaches the func of its event once, as the
// envelope that was sent.
func TestAcknowledgedDeliveriesReachTheApp(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	samples := []api.Webhook{
		smshooktest.Sample[*api.SMSUnsubscribeEnvelope](),
		smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope](),
		smshooktest.Sample[*api.SMSConversionBlockEnvelope](),
		smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope](),
		smshooktest.Sample[*api.EmailUnsubscribeEnvelope](),
		smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope](),
		smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope](),
		smshooktest.Sample[*api.KakaoTalkTemplateStatusUpdateEnvelope](),
	}
	require.Len(t, samples, len(api.Kinds()), "a sample of every kind")
	sent := map[string]api.Webhook{} // hooksId → envelope
	var hookIDs []string
	for _, w := range samples {
		body, err := json.Marshal(w)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, url, body), w.Head().Event)
		sent[w.Head().HooksID] = w
		for i := range w.HookCount() {
			hookIDs = append(hookIDs, w.HookID(i))
		}
	}
	for range 20 {
		env, body, ids := mru(t, 10)
		require.Equal(t, http.StatusOK, post(t, url, body))
		sent[env.HooksID] = env
		hookIDs = append(hookIDs, ids...)
	}
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), len(sent), "one job per acknowledged delivery")

	a := newApp()
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == len(sent) }),
		"not every acknowledged delivery reached the application")
	for hooksID, env := range sent {
		require.Equal(t, env, a.got[hooksID], "the application got the delivery as it was sent")
		require.False(t, a.viaDefault[hooksID], "a known event reaches the func of its event")
	}
	for _, id := range hookIDs {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
	// Each worker deletes its delivery once the application took it.
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, ib.d.Read.QueryRow(`SELECT count(*) FROM smshook_delivery`).Scan(&n))
		return n == 0
	}, 10*time.Second, 10*time.Millisecond, "a processed delivery is still stored")
}

// unknownEvent is a delivery of an event the contract does not know: accepted under the compatible profile.
func unknownEvent(tb testing.TB) (body []byte, hooksID string) {
	tb.Helper()
	hooksID = sender.NewID()
	body, err := json.Marshal(map[string]any{
		"appKey": "app", "event": "SOMETHING_NEW", "hooksId": hooksID, "productName": "SMS", "webhookConfigId": "cfg",
		"hooks": []map[string]any{
			{"hookId": sender.NewID(), "seq": 1, "ratio": 0.25, "tags": []string{"a", "b"}},
			{"hookId": sender.NewID(), "seq": 12345678901234567, "nested": map[string]any{"ok": true}},
		},
	})
	require.NoError(tb, err)
	return body, hooksID
}

// TestUnknownEventIsStoredAndHandedToDefault: a delivery of an unknown event is stored like any other (once per
// hookId) and reaches Handler.Default as the *api.Envelope the synchronous handler would have handed it.
func TestUnknownEventIsStoredAndHandedToDefault(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	body, hooksID := unknownEvent(t)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy")
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), 1, "stored, and its copy recognised")

	a := newApp()
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 1 }), "never handed over")
	want, _, err := validate.Body(body, validate.Compatible)
	require.NoError(t, err)
	require.IsType(t, &api.Envelope{}, a.got[hooksID])
	require.Equal(t, want, a.got[hooksID], "the envelope the synchronous handler hands over, numbers as json.Number")
	require.True(t, a.viaDefault[hooksID])
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 1 }, 10*time.Second, 20*time.Millisecond)

	// A hook without a hookId cannot be recognised: each copy of it is stored and handed over, as the
	// synchronous handler hands it over each time.
	hookless, err := json.Marshal(map[string]any{
		"appKey": "app", "event": "SOMETHING_NEW", "hooksId": sender.NewID(), "productName": "SMS", "webhookConfigId": "cfg",
		"hooks": []map[string]any{{"note": "no hookId"}},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, url, hookless))
	require.Equal(t, http.StatusOK, post(t, url, hookless))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 3 }, 10*time.Second, 20*time.Millisecond)
}

// recordingHandler keeps the messages of the records logged at Warn and above.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if len(m) >= len(prefix) && m[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

// TestDeliveryNobodyTakesIsCompleted: a stored delivery for which the Handler has neither a func nor a
// Default is completed, not retried, and logged, as the synchronous handler acknowledges it.
func TestDeliveryNobodyTakesIsCompleted(t *testing.T) {
	t.Parallel()
	logs := &recordingHandler{}
	ib, _ := openInbox(t, Config{Logger: slog.New(logs)})
	url := serve(t, ib)
	_, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body))
	unknown, _ := unknownEvent(t)
	require.Equal(t, http.StatusOK, post(t, url, unknown))

	taken := 0
	var mu sync.Mutex
	run(t, ib, smshook.Handler{SMSUnsubscribe: func(context.Context, *api.SMSUnsubscribeEnvelope) error {
		mu.Lock()
		taken++
		mu.Unlock()
		return nil
	}})
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 2 }, 10*time.Second, 20*time.Millisecond)
	for _, j := range jobs(t, ib, rivertype.JobStateCompleted) {
		require.Equal(t, 1, j.Attempt, "completed at the first attempt")
	}
	require.Equal(t, 2, logs.count("inbox: stored delivery completed; the Handler has no func"))
	mu.Lock()
	require.Zero(t, taken, "another event's func is not called")
	mu.Unlock()
}

// TestFailingAppIsRetriedThenProcessedOnce: an application that fails twice, and once panics, then succeeds
// gets the delivery four times and processes it once; the job ends completed.
func TestFailingAppIsRetriedThenProcessedOnce(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, fast)
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
	run(t, ib, a.handler())
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == 1 }), "never processed")
	require.Equal(t, 4, a.attemptCount(env.HooksID))
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
	cfg := fast
	cfg.MaxAttempts = 3
	ib, _ := openInbox(t, cfg)
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
	run(t, ib, a.handler())
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateDiscarded)) == 1 }, 20*time.Second, 20*time.Millisecond)
	dead := jobs(t, ib, rivertype.JobStateDiscarded)[0]
	require.Equal(t, 3, dead.Attempt)
	require.Len(t, dead.Errors, 3)
	time.Sleep(300 * time.Millisecond) // a further attempt would have come by now
	require.Equal(t, 3, a.attemptCount(env.HooksID))
	require.Zero(t, a.doneCount(ids[0]))

	mu.Lock()
	failing = false
	mu.Unlock()
	_, err := ib.river.JobRetry(context.Background(), dead.ID)
	require.NoError(t, err)
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 1 }), "a retried dead letter is processed")
	require.Equal(t, 1, a.doneCount(ids[1]))
}

// TestFailingPastMaxAgeIsDeadLettered: a delivery that fails past the maximum age is cancelled at once,
// whatever attempts remain.
func TestFailingPastMaxAgeIsDeadLettered(t *testing.T) {
	t.Parallel()
	cfg := fast
	cfg.MaxAge = time.Millisecond
	ib, _ := openInbox(t, cfg)
	url := serve(t, ib)
	env, body, _ := mru(t, 1)
	a := newApp()
	a.fail = func(string, int) error { return errors.New("the application is down") }
	run(t, ib, a.handler())
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCancelled)) == 1 }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, 1, a.attemptCount(env.HooksID))
	require.Contains(t, jobs(t, ib, rivertype.JobStateCancelled)[0].Errors[0].Error, "past the maximum age")
}

// TestRedeliveryIsNotProcessedAgainAfterARestart: a copy of a processed delivery is answered 200 and not
// handed over again, by the same inbox and by the same file opened again (the claims are in the file).
func TestRedeliveryIsNotProcessedAgainAfterARestart(t *testing.T) {
	t.Parallel()
	ib, path := openInbox(t, Config{})
	url := serve(t, ib)
	env, body, ids := mru(t, 10)
	a := newApp()
	stop := run(t, ib, a.handler())
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 1 }))
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy")
	stop()
	require.NoError(t, ib.Close())

	again := openAt(t, path, Config{})
	url = serve(t, again)
	run(t, again, a.handler())
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy after the restart")
	time.Sleep(500 * time.Millisecond) // a second hand-over would have come by now
	require.Equal(t, 1, a.attemptCount(env.HooksID))
	for _, id := range ids {
		require.Equal(t, 1, a.doneCount(id))
	}
	require.Empty(t, jobs(t, again, rivertype.JobStateAvailable))
	require.Len(t, jobs(t, again, rivertype.JobStateCompleted), 1, "one job in all")
}

// TestStoredButNotCommittedIsNotStoredAgain covers the crash window between the Receiver's insert and the
// handler's Commit: a delivery claimed and stored whose claim was never committed (the receiver died) is,
// once the lease ended, recognised as stored by the Receiver's transaction, which keys events as the handler
// does; and a delivery that shares some hooks with it stores only the others.
func TestStoredButNotCommittedIsNotStoredAgain(t *testing.T) {
	t.Parallel()
	ib, path := openInbox(t, Config{})
	env, body, ids := mru(t, 3)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = hookkey.Of(env.ProductName, env.AppKey, string(env.Event), id)
	}
	ctx := context.Background()
	states, err := store{ib: ib, leaseOnly: true}.Claim(ctx, keys, "killed-attempt", 100*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, []smshook.ClaimState{smshook.Claimed, smshook.Claimed, smshook.Claimed}, states)
	require.NoError(t, ib.receive(ctx, env))
	require.NoError(t, ib.Close()) // the attempt never commits
	time.Sleep(200 * time.Millisecond)

	ib = openAt(t, path, Config{})
	require.Equal(t, http.StatusOK, post(t, serve(t, ib, smshook.WithClaimLease(time.Second)), body))
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), 1, "the redelivery found every hook stored and stored nothing")

	// The same hooks again, directly (as a handler with another store would hand them), and one more.
	overlap := *env
	extra := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]().Hooks[0]
	overlap.Hooks = append(slices.Clone(env.Hooks), extra)
	overlap.HooksID = sender.NewID()
	require.NoError(t, ib.receive(ctx, &overlap))
	require.NoError(t, ib.receive(ctx, env), "everything stored already: nothing to do")

	a := newApp()
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(10*time.Second, func() bool { return len(a.got) == 2 }))
	require.Equal(t, []api.SMSMessageResultUpdateHook{extra}, a.got[overlap.HooksID].(*api.SMSMessageResultUpdateEnvelope).Hooks,
		"only the hook not stored before")
	for _, id := range append(ids, extra.HookID) {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 2, a.gotCount())
}

// TestRunReturnsOnceRunningCallsFinish: once its context is cancelled, Run waits for a delivery in the
// application, which completes, and returns nil; deliveries stored meanwhile wait for the next Run.
func TestRunReturnsOnceRunningCallsFinish(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	first, body, _ := mru(t, 1)
	a := newApp()
	a.block, a.running = make(chan struct{}), make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- ib.Run(ctx, a.handler()) }()
	require.Equal(t, http.StatusOK, post(t, url, body))
	select {
	case <-a.running:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery never reached the application")
	}
	cancel()
	select {
	case err := <-ran:
		t.Fatalf("Run returned (%v) while the application held a delivery", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(a.block)
	select {
	case err := <-ran:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return once the application did")
	}
	require.Equal(t, 1, a.attemptCount(first.HooksID))
	require.Len(t, jobs(t, ib, rivertype.JobStateCompleted), 1, "recorded before Run returned")

	second, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body), "the receiver stores without Run")
	time.Sleep(300 * time.Millisecond)
	require.Zero(t, a.attemptCount(second.HooksID), "nothing is handed over after Run returned")
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.attempts[second.HooksID] == 1 }), "the next Run hands it over")
}

// TestRunReturnsWithinTheJobTimeout: an application that holds a delivery until its context ends is cut off
// by the job timeout, so that Run returns nil soon after its context ended; the delivery, whose call failed,
// is handed over again by the next Run.
func TestRunReturnsWithinTheJobTimeout(t *testing.T) {
	t.Parallel()
	const jobTimeout = 500 * time.Millisecond
	cfg := fast
	cfg.JobTimeout = jobTimeout
	ib, _ := openInbox(t, cfg)
	url := serve(t, ib)
	env, body, _ := mru(t, 1)
	a := newApp()
	a.block, a.running = make(chan struct{}), make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- ib.Run(ctx, a.handler()) }()
	require.Equal(t, http.StatusOK, post(t, url, body))
	select {
	case <-a.running:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery never reached the application")
	}
	cancel()
	cancelled := time.Now()
	select {
	case err := <-ran:
		require.NoError(t, err, "the call ended with its context: a clean stop")
		require.Less(t, time.Since(cancelled), jobTimeout+stopGrace)
	case <-time.After(jobTimeout + stopGrace + closeTimeout):
		t.Fatal("Run did not return")
	}
	require.Zero(t, a.attemptCount(env.HooksID), "the call did not complete")
	require.Empty(t, jobs(t, ib, rivertype.JobStateCompleted))

	a.block, a.running = nil, nil
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.attempts[env.HooksID] == 1 }), "the next Run hands it over")
}

// TestRunIsOneAtATime: a second Run while one runs fails at once, and the first keeps running; Close ends a
// Run under way, cancelling its calls, and Run fails afterwards.
func TestRunIsOneAtATime(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	a := newApp()
	a.block, a.running = make(chan struct{}), make(chan string, 10)
	ran := make(chan error, 1)
	go func() { ran <- ib.Run(context.Background(), a.handler()) }()
	_, body, _ := mru(t, 1)
	require.Equal(t, http.StatusOK, post(t, url, body))
	select {
	case <-a.running:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery never reached the application")
	}
	require.ErrorIs(t, ib.Run(context.Background(), newApp().handler()), errRunning)

	require.NoError(t, ib.Close())
	select {
	case err := <-ran:
		require.ErrorIs(t, err, errClosed)
	case <-time.After(closeTimeout + 5*time.Second):
		t.Fatal("Run did not return once the Inbox was closed")
	}
	require.ErrorIs(t, ib.Run(context.Background(), a.handler()), errClosed)
}

// TestClosedInbox: a closed inbox's Receiver fails (the handler answers 503 once its claim fails, so that the
// sender tries again), and Run fails.
func TestClosedInbox(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	require.NoError(t, ib.Close())
	env, body, _ := mru(t, 1)
	require.ErrorIs(t, ib.receive(context.Background(), env), errClosed)
	require.Equal(t, http.StatusServiceUnavailable, post(t, url, body))
	require.ErrorIs(t, ib.Run(context.Background(), newApp().handler()), errClosed)
	late, err := ib.Receiver(smshook.WithSecrets(secret), smshook.WithLogger(quietLogger(t)))
	require.NoError(t, err, "a Receiver of a closed inbox is made, and answers 503")
	require.Equal(t, http.StatusServiceUnavailable, post(t, serveHandler(t, late), body))
}

// spyStore is a smshook.Store that counts its calls and takes nothing.
type spyStore struct {
	mu    sync.Mutex
	calls int
}

func (s *spyStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *spyStore) Claim(_ context.Context, ids []string, _ string, _ time.Duration) ([]smshook.ClaimState, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return make([]smshook.ClaimState, len(ids)), nil // invalid states: a handler that used them would fail
}

func (s *spyStore) Commit(context.Context, []string, string, time.Duration) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return nil
}

func (s *spyStore) Release(context.Context, []string, string) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return nil
}

// TestReceiverOverridesWithStore: a store given with smshook.WithStore is never used; the inbox's own
// recognises a copy, so that it is stored once.
func TestReceiverOverridesWithStore(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	spy := &spyStore{}
	url := serve(t, ib, smshook.WithStore(spy))
	env, body, _ := mru(t, 2)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.Equal(t, http.StatusOK, post(t, url, body), "a copy")
	require.Zero(t, spy.count(), "the store given to Receiver was called")
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), 1, "stored once")

	a := newApp()
	run(t, ib, a.handler())
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.attempts[env.HooksID] == 1 }))
}

// TestReceiverNeedsASecret: Receiver fails as smshook.NewHandler does without a secret.
func TestReceiverNeedsASecret(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	_, err := ib.Receiver()
	require.Error(t, err)
	h, err := ib.Receiver(smshook.AllowNoSecret())
	require.NoError(t, err)
	require.NotNil(t, h)
}
