package smshook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/smshooktest"
)

// hookIDs lists the hookIds of the deliveries, in order.
func hookIDs(webhooks []api.Webhook) []string {
	var ids []string
	for _, w := range webhooks {
		for i := range w.HookCount() {
			ids = append(ids, w.HookID(i))
		}
	}
	return ids
}

// threeHooks is a MESSAGE_RESULT_UPDATE delivery of hooks with these hookIds and a new hooksId, as NHN Cloud
// gives every POST.
func threeHooks(ids ...string) []byte {
	e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	hook := e.Hooks[0]
	e.Hooks = nil
	for _, id := range ids {
		hook.HookID = id
		e.Hooks = append(e.Hooks, hook)
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRedeliveryInSequenceIsDispatchedOnce(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler())
	body := threeHooks("a", "b", "c")
	for range 3 {
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	}
	require.Equal(t, []string{"a", "b", "c"}, hookIDs(rec.Webhooks()))
}

// TestConcurrentCopiesAreNeverAcknowledgedBeforeProcessing: copies of a delivery sent at once reach the
// application once, and a copy is answered 200 only once the events are processed; the others are 503.
func TestConcurrentCopiesAreNeverAcknowledgedBeforeProcessing(t *testing.T) {
	t.Parallel()
	for round := range 20 { // the race window is small: try it many times
		rec := &smshooktest.Recorder{}
		app := recording(rec, func(context.Context) error { time.Sleep(time.Millisecond); return nil })
		h := newHandler(t, app)
		body := threeHooks("a", "b", "c")
		var wg sync.WaitGroup
		codes := make([]int, 3)
		processedWhenAcknowledged := make([]int, 3)
		start := make(chan struct{})
		for i := range codes {
			wg.Go(func() {
				<-start
				codes[i] = smshooktest.Post(t, h, body, testSecret).Code
				processedWhenAcknowledged[i] = len(rec.Webhooks())
			})
		}
		close(start)
		wg.Wait()
		for i, code := range codes {
			require.Contains(t, []int{200, 503}, code, "round %d", round)
			if code == 200 {
				require.Equal(t, 1, processedWhenAcknowledged[i], "round %d: a 200 went out before the events were processed", round)
			}
		}
		require.Contains(t, codes, 200, "round %d", round)
		require.ElementsMatch(t, []string{"a", "b", "c"}, hookIDs(rec.Webhooks()), "round %d", round)
		for range 3 {
			require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code, "round %d: once processed, every copy is 200", round)
		}
	}
}

// blocker holds the application inside a delivery until told how it ends.
type blocker struct {
	entered chan struct{}
	outcome chan error
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 8), outcome: make(chan error, 8)}
}

func (b *blocker) fail(context.Context) error {
	b.entered <- struct{}{}
	return <-b.outcome
}

func TestCopyOfAnEventInProgressIsAnswered503UntilItsOutcome(t *testing.T) {
	t.Parallel()
	b := newBlocker()
	rec := &smshooktest.Recorder{}
	app := recording(rec, b.fail)
	h := newHandler(t, app, smshook.WithClaimLease(time.Hour))
	body := threeHooks("a")
	first := make(chan int)
	go func() { first <- smshooktest.Post(t, h, body, testSecret).Code }()
	<-b.entered
	w := smshooktest.Post(t, h, body, testSecret)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, problemType+"in-progress", problemOf(t, w).Type)
	require.Equal(t, "3600", w.Header().Get("Retry-After"))
	b.outcome <- errors.New("database down")
	require.Equal(t, http.StatusInternalServerError, <-first)
	require.Empty(t, rec.Webhooks(), "the first attempt failed")

	// The failed attempt released its lease: the next copy is processed, and answered as it ends.
	b.outcome <- nil
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	require.Equal(t, []string{"a"}, hookIDs(rec.Webhooks()))
}

func TestDeliveryWithSomeEventsInProgressProcessesTheRestAndAnswers503(t *testing.T) {
	t.Parallel()
	b := newBlocker()
	var mu sync.Mutex
	n := 0
	rec := &smshooktest.Recorder{}
	app := recording(rec, func(ctx context.Context) error {
		mu.Lock()
		n++
		firstCall := n == 1
		mu.Unlock()
		if firstCall {
			return b.fail(ctx)
		}
		return nil
	})
	h := newHandler(t, app)
	first := make(chan int)
	go func() { first <- smshooktest.Post(t, h, threeHooks("a"), testSecret).Code }()
	<-b.entered
	w := smshooktest.Post(t, h, threeHooks("a", "b"), testSecret)
	require.Equal(t, http.StatusServiceUnavailable, w.Code, "a is in progress elsewhere: no 2xx yet")
	require.Equal(t, []string{"b"}, hookIDs(rec.Webhooks()), "b was processed meanwhile")
	b.outcome <- nil
	require.Equal(t, http.StatusOK, <-first)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a", "b"), testSecret).Code)
	require.ElementsMatch(t, []string{"b", "a"}, hookIDs(rec.Webhooks()), "nothing twice")
}

func TestAbandonedLeaseIsProcessedOnceItExpires(t *testing.T) {
	t.Parallel()
	store := smshook.NewMemoryStore(0)
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler(), smshook.WithStore(store), smshook.WithClaimLease(time.Second))
	body := threeHooks("a")
	// A receiver that crashed inside the application left a lease on the event behind: its release never ran.
	crashed := newHandler(t, smshook.Handler{Default: func(context.Context, api.Webhook) error { return errors.New("crash") }},
		smshook.WithStore(&leaseOnly{Store: store}), smshook.WithClaimLease(time.Second))
	require.Equal(t, http.StatusInternalServerError, smshooktest.Post(t, crashed, body, testSecret).Code)
	require.Equal(t, http.StatusServiceUnavailable, smshooktest.Post(t, h, body, testSecret).Code, "within the lease")
	require.Empty(t, rec.Webhooks())
	require.Eventually(t, func() bool { return smshooktest.Post(t, h, body, testSecret).Code == http.StatusOK }, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, []string{"a"}, hookIDs(rec.Webhooks()))
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	require.Len(t, rec.Webhooks(), 1)
}

// leaseOnly is a store whose releases are lost, as those of a receiver that crashed.
type leaseOnly struct{ smshook.Store }

func (leaseOnly) Release(context.Context, []string, string) error { return nil }

func TestMixedDeliveryDispatchesOnlyUnseenHooks(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler())
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a", "b"), testSecret).Code)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("b", "c", "a", "d"), testSecret).Code)
	got := rec.Webhooks()
	require.Len(t, got, 2)
	require.Equal(t, []string{"a", "b"}, hookIDs(got[:1]))
	require.Equal(t, []string{"c", "d"}, hookIDs(got[1:]))
}

func TestFailedDeliveryIsProcessedWhenSentAgain(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	failures := 1
	rec := &smshooktest.Recorder{}
	app := recording(rec, func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return errors.New("database down")
		}
		return nil
	})
	h := newHandler(t, app)
	body := threeHooks("a", "b")
	require.Equal(t, http.StatusInternalServerError, smshooktest.Post(t, h, body, testSecret).Code)
	require.Empty(t, rec.Webhooks())
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	require.Equal(t, []string{"a", "b"}, hookIDs(rec.Webhooks()))
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	require.Len(t, rec.Webhooks(), 1)
}

func TestPanicAndTimeoutReleaseClaims(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		fail   func(context.Context) error
		opts   []smshook.Option
		status int
	}{
		{"panic", func(context.Context) error { panic("boom") }, nil, http.StatusInternalServerError},
		{"timeout", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, []smshook.Option{smshook.WithTimeout(time.Millisecond)}, http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			first := true
			rec := &smshooktest.Recorder{}
			app := recording(rec, func(ctx context.Context) error {
				mu.Lock()
				f := first
				first = false
				mu.Unlock()
				if f {
					return tt.fail(ctx)
				}
				return nil
			})
			h := newHandler(t, app, tt.opts...)
			body := threeHooks("a")
			require.Equal(t, tt.status, smshooktest.Post(t, h, body, testSecret).Code)
			require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
			require.Equal(t, []string{"a"}, hookIDs(rec.Webhooks()))
		})
	}
}

// faultyStore is a Store whose steps fail, stall or answer nonsense on demand, as a Redis that went away
// or stopped would.
type faultyStore struct {
	smshook.Store
	claim, commit, release error
	stall                  bool // Claim waits for its context to end
	states                 []smshook.ClaimState
	mu                     sync.Mutex
	released               [][]string
}

func (f *faultyStore) Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]smshook.ClaimState, error) {
	if f.stall {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.states != nil {
		return f.states, nil
	}
	if f.claim != nil {
		_, _ = f.Store.Claim(ctx, ids, token, lease) // it ran, but its answer was lost
		return nil, f.claim
	}
	return f.Store.Claim(ctx, ids, token, lease)
}

func (f *faultyStore) Commit(ctx context.Context, ids []string, token string, retention time.Duration) error {
	if f.commit != nil {
		return f.commit
	}
	return f.Store.Commit(ctx, ids, token, retention)
}

func (f *faultyStore) Release(ctx context.Context, ids []string, token string) error {
	f.mu.Lock()
	f.released = append(f.released, ids)
	f.mu.Unlock()
	if f.release != nil {
		return f.release
	}
	return f.Store.Release(ctx, ids, token)
}

func (f *faultyStore) releases() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.released)
}

func TestStoreFailuresAtEachStep(t *testing.T) {
	t.Parallel()
	down := errors.New("connection refused")
	t.Run("claim fails: 503, nothing dispatched, what it may have leased is released", func(t *testing.T) {
		t.Parallel()
		rec := &smshooktest.Recorder{}
		f := &faultyStore{Store: smshook.NewMemoryStore(0), claim: down}
		h := newHandler(t, rec.Handler(), smshook.WithStore(f))
		w := smshooktest.Post(t, h, threeHooks("a"), testSecret)
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, problemType+"store-unavailable", problemOf(t, w).Type)
		require.Equal(t, "2", w.Header().Get("Retry-After"))
		require.Empty(t, rec.Webhooks())
		require.Eventually(t, func() bool { return f.releases() == 1 }, 2*time.Second, 5*time.Millisecond, "the clean-up ran")
		f.claim = nil
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code, "the clean-up ended the lost lease")
		require.Equal(t, []string{"a"}, hookIDs(rec.Webhooks()))
	})
	t.Run("stalled store: 503 within the store timeout", func(t *testing.T) {
		t.Parallel()
		rec := &smshooktest.Recorder{}
		h := newHandler(t, rec.Handler(), smshook.WithStore(&faultyStore{Store: smshook.NewMemoryStore(0), stall: true}),
			smshook.WithStoreTimeout(50*time.Millisecond))
		start := time.Now()
		w := smshooktest.Post(t, h, threeHooks("a"), testSecret)
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Less(t, time.Since(start), time.Second)
		require.Empty(t, rec.Webhooks())
	})
	t.Run("commit fails: the events were processed, so 200", func(t *testing.T) {
		t.Parallel()
		rec := &smshooktest.Recorder{}
		h := newHandler(t, rec.Handler(), smshook.WithStore(&faultyStore{Store: smshook.NewMemoryStore(0), commit: down}))
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code)
		require.Equal(t, []string{"a"}, hookIDs(rec.Webhooks()))
	})
	t.Run("commit finds its lease taken over: 200, logged", func(t *testing.T) {
		t.Parallel()
		rec := &smshooktest.Recorder{}
		h := newHandler(t, rec.Handler(), smshook.WithStore(&faultyStore{Store: smshook.NewMemoryStore(0), commit: smshook.ErrLeaseLost}))
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code)
	})
	t.Run("release fails after the application failed: still 500", func(t *testing.T) {
		t.Parallel()
		rec := &smshooktest.Recorder{}
		var appDown atomic.Bool
		appDown.Store(true)
		app := recording(rec, func(context.Context) error {
			if appDown.Load() {
				return errors.New("database down")
			}
			return nil
		})
		f := &faultyStore{Store: smshook.NewMemoryStore(0), release: down}
		h := newHandler(t, app, smshook.WithStore(f), smshook.WithClaimLease(time.Second))
		require.Equal(t, http.StatusInternalServerError, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code)
		appDown.Store(false)
		require.Equal(t, http.StatusServiceUnavailable, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code, "the lease is still held")
		require.Eventually(t, func() bool { return smshooktest.Post(t, h, threeHooks("a"), testSecret).Code == http.StatusOK }, 5*time.Second, 20*time.Millisecond)
	})
	t.Run("store answers nonsense: 503", func(t *testing.T) {
		t.Parallel()
		for _, states := range [][]smshook.ClaimState{{}, {smshook.Claimed, smshook.Claimed}, {0}, {9}} {
			rec := &smshooktest.Recorder{}
			h := newHandler(t, rec.Handler(), smshook.WithStore(&faultyStore{Store: smshook.NewMemoryStore(0), states: states}))
			require.Equal(t, http.StatusServiceUnavailable, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code, "%v", states)
			require.Empty(t, rec.Webhooks())
		}
	})
}

func TestStrictServerFailureAnswerReleasesClaims(t *testing.T) {
	t.Parallel()
	s := &strictServer{got: make(chan any, 2), resp: failingResponse{}}
	h, err := smshook.NewStrictHandler(s, smshook.WithSecrets(testSecret))
	require.NoError(t, err)
	w := smshooktest.Post(t, h, threeHooks("a"), testSecret)
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	<-s.got
	s.resp = api.ReceiveWebhook200Response{}
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code)
	require.Len(t, (<-s.got).(*api.SMSMessageResultUpdateEnvelope).Hooks, 1, "the failed attempt did not mark the event done")
}

// failingResponse is a strict server's own failure answer.
type failingResponse struct{}

func (failingResponse) VisitReceiveWebhookResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusInternalServerError)
	_, err := io.WriteString(w, `{"type":"about:blank","title":"Internal Server Error","status":500}`)
	return err
}

// TestDeduplicationKeysAreUnambiguous: ids are the vendor's and may hold any character; an appKey and a hookId
// that would spell the same joined key are different events.
func TestDeduplicationKeysAreUnambiguous(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler())
	with := func(appKey, hookID string) *api.SMSMessageResultUpdateEnvelope {
		e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
		e.AppKey = appKey
		e.Hooks[0].HookID = hookID
		return e
	}
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, with("a/MESSAGE_RESULT_UPDATE/b", "c"), testSecret).Code)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, with("a", "b/MESSAGE_RESULT_UPDATE/c"), testSecret).Code)
	require.Len(t, rec.Webhooks(), 2)
}

func TestWithoutDeduplication(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler(), smshook.WithoutDeduplication())
	body := threeHooks("a")
	for range 3 {
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	}
	require.Equal(t, []string{"a", "a", "a"}, hookIDs(rec.Webhooks()))
}

func TestSharedStoreAcrossReceivers(t *testing.T) {
	t.Parallel()
	store := smshook.NewMemoryStore(0)
	rec1, rec2 := &smshooktest.Recorder{}, &smshooktest.Recorder{}
	h1 := newHandler(t, rec1.Handler(), smshook.WithStore(store))
	h2 := newHandler(t, rec2.Handler(), smshook.WithStore(store))
	body := threeHooks("a")
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h1, body, testSecret).Code)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h2, body, testSecret).Code)
	require.Len(t, rec1.Webhooks(), 1)
	require.Empty(t, rec2.Webhooks())
}

func TestStrictServerGetsOnlyUnseenHooks(t *testing.T) {
	t.Parallel()
	s := &strictServer{got: make(chan any, 2), resp: api.ReceiveWebhook200Response{}}
	h, err := smshook.NewStrictHandler(s, smshook.WithSecrets(testSecret))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a"), testSecret).Code)
	require.Equal(t, http.StatusOK, smshooktest.Post(t, h, threeHooks("a", "b"), testSecret).Code)
	first, second := (<-s.got).(*api.SMSMessageResultUpdateEnvelope), (<-s.got).(*api.SMSMessageResultUpdateEnvelope)
	require.Len(t, first.Hooks, 1)
	require.Len(t, second.Hooks, 1)
	require.Equal(t, "b", second.Hooks[0].HookID)
}

// abortingBody returns part of a body, then the error a server sees when the client goes away.
type abortingBody struct{ r io.Reader }

func (a *abortingBody) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func TestClientAbortingMidBodyIsNotDispatched(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler())
	body := fixtures.Read("unsubscribe.json")
	r := httptest.NewRequest(http.MethodPost, "/", &abortingBody{r: bytes.NewReader(body[:len(body)/2])})
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(smshook.SignatureHeader, testSecret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Empty(t, rec.Webhooks())
}
