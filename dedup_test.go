package smshook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

func hookIDs(tb testing.TB, events []any) []string {
	tb.Helper()
	var ids []string
	for _, e := range events {
		switch e := e.(type) {
		case *api.MessageResultUpdateEnvelope:
			for _, h := range e.Hooks {
				ids = append(ids, h.HookId)
			}
		case *api.UnsubscribeEnvelope:
			for _, h := range e.Hooks {
				ids = append(ids, h.HookId)
			}
		default:
			tb.Fatalf("unexpected event %T", e)
		}
	}
	return ids
}

// threeHooks is a MESSAGE_RESULT_UPDATE delivery of hooks a, b and c.
func threeHooks(ids ...string) []byte {
	env := smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) {
		e.HooksId = smshooktest.NewID() // new on every POST, as NHN Cloud does
		hook := e.Hooks[0]
		e.Hooks = nil
		for _, id := range ids {
			hook.HookId = id
			e.Hooks = append(e.Hooks, hook)
		}
	})
	b, err := smshooktest.Marshal(env)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRedeliveryInSequenceIsDispatchedOnce(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec)
	body := threeHooks("a", "b", "c")
	for range 3 {
		require.Equal(t, http.StatusOK, post(t, h, body).Code)
	}
	require.Equal(t, []string{"a", "b", "c"}, hookIDs(t, rec.received()))
}

func TestConcurrentRedeliveryIsDispatchedOnce(t *testing.T) {
	t.Parallel()
	for round := range 20 { // the race window is small: try it many times
		rec := &recorder{fail: func(context.Context) error { time.Sleep(time.Millisecond); return nil }}
		h := newHandler(t, rec)
		body := threeHooks("a", "b", "c")
		var wg sync.WaitGroup
		codes := make([]int, 3)
		start := make(chan struct{})
		for i := range codes {
			wg.Go(func() {
				<-start
				codes[i] = post(t, h, body).Code
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, []int{200, 200, 200}, codes, "round %d", round)
		require.ElementsMatch(t, []string{"a", "b", "c"}, hookIDs(t, rec.received()), "round %d", round)
	}
}

func TestMixedDeliveryDispatchesOnlyUnseenHooks(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec)
	require.Equal(t, http.StatusOK, post(t, h, threeHooks("a", "b")).Code)
	require.Equal(t, http.StatusOK, post(t, h, threeHooks("b", "c", "a", "d")).Code)
	got := rec.received()
	require.Len(t, got, 2)
	require.Equal(t, []string{"a", "b"}, hookIDs(t, got[:1]))
	require.Equal(t, []string{"c", "d"}, hookIDs(t, got[1:]))
}

func TestFailedDeliveryIsProcessedWhenSentAgain(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	failures := 1
	rec := &recorder{fail: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return errors.New("database down")
		}
		return nil
	}}
	h := newHandler(t, rec)
	body := threeHooks("a", "b")
	require.Equal(t, http.StatusInternalServerError, post(t, h, body).Code)
	require.Empty(t, rec.received())
	require.Equal(t, http.StatusOK, post(t, h, body).Code)
	require.Equal(t, []string{"a", "b"}, hookIDs(t, rec.received()))
	require.Equal(t, http.StatusOK, post(t, h, body).Code)
	require.Len(t, rec.received(), 1)
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
			rec := &recorder{fail: func(ctx context.Context) error {
				mu.Lock()
				f := first
				first = false
				mu.Unlock()
				if f {
					return tt.fail(ctx)
				}
				return nil
			}}
			h := newHandler(t, rec, tt.opts...)
			body := threeHooks("a")
			require.Equal(t, tt.status, post(t, h, body).Code)
			require.Equal(t, http.StatusOK, post(t, h, body).Code)
			require.Equal(t, []string{"a"}, hookIDs(t, rec.received()))
		})
	}
}

// brokenStore fails every call, as a Redis that went away.
type brokenStore struct{}

func (brokenStore) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("connection refused")
}
func (brokenStore) Release(context.Context, string) error { return errors.New("connection refused") }

func TestStoreFailureIsAnswered503(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, smshook.WithStore(brokenStore{}))
	w := post(t, h, threeHooks("a"))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, smshook.ProblemTypeBase+"store-unavailable", problemOf(t, w).Type)
	require.Empty(t, rec.received())
}

func TestWithoutDeduplication(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := newHandler(t, rec, smshook.WithoutDeduplication())
	body := threeHooks("a")
	for range 3 {
		require.Equal(t, http.StatusOK, post(t, h, body).Code)
	}
	require.Equal(t, []string{"a", "a", "a"}, hookIDs(t, rec.received()))
}

func TestSharedStoreAcrossReceivers(t *testing.T) {
	t.Parallel()
	store := smshook.NewMemoryStore(0)
	rec1, rec2 := &recorder{}, &recorder{}
	h1 := newHandler(t, rec1, smshook.WithStore(store))
	h2 := newHandler(t, rec2, smshook.WithStore(store))
	body := threeHooks("a")
	require.Equal(t, http.StatusOK, post(t, h1, body).Code)
	require.Equal(t, http.StatusOK, post(t, h2, body).Code)
	require.Len(t, rec1.received(), 1)
	require.Empty(t, rec2.received())
}

func TestStrictServerGetsOnlyUnseenHooks(t *testing.T) {
	t.Parallel()
	s := &strictServer{got: make(chan any, 2), resp: api.ReceiveWebhook200Response{}}
	h, err := smshook.NewStrictHandler(s, smshook.WithSecrets(testSecret))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, h, threeHooks("a")).Code)
	require.Equal(t, http.StatusOK, post(t, h, threeHooks("a", "b")).Code)
	first, second := (<-s.got).(api.MessageResultUpdateEnvelope), (<-s.got).(api.MessageResultUpdateEnvelope)
	require.Len(t, first.Hooks, 1)
	require.Len(t, second.Hooks, 1)
	require.Equal(t, "b", second.Hooks[0].HookId)
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
	rec := &recorder{}
	h := newHandler(t, rec)
	body := vendorFixture(t, "unsubscribe.json")
	r := httptest.NewRequest(http.MethodPost, "/", &abortingBody{r: bytes.NewReader(body[:len(body)/2])})
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(smshook.SignatureHeader, testSecret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Empty(t, rec.received())
}
