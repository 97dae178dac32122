package smshook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/smshooktest"
)

// hookBatch returns a MESSAGE_RESULT_UPDATE delivery of n fresh hooks, as JSON objects to break.
func hookBatch(t *testing.T, n int) map[string]any {
	t.Helper()
	e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	hook := e.Hooks[0]
	e.Hooks = nil
	for i := range n {
		h := hook
		h.HookID = smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]().Hooks[0].HookID
		h.RecipientSeq = int64(i + 1)
		e.Hooks = append(e.Hooks, h)
	}
	var m map[string]any
	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func hookOf(m map[string]any, i int) map[string]any { return m["hooks"].([]any)[i].(map[string]any) }

// partialApp records what a receiver hands over: the valid hooks, by recipientSeq, and the dropped ones.
type partialApp struct {
	mu         sync.Mutex
	seqs       [][]int64
	dropped    [][]api.InvalidHook
	invalidErr error
}

func (a *partialApp) handler() smshook.Handler {
	return smshook.Handler{
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			a.mu.Lock()
			defer a.mu.Unlock()
			var seqs []int64
			for _, h := range e.Hooks {
				seqs = append(seqs, h.RecipientSeq)
			}
			a.seqs = append(a.seqs, seqs)
			return nil
		},
		Invalid: func(_ context.Context, head api.Head, hooks []api.InvalidHook) error {
			a.mu.Lock()
			defer a.mu.Unlock()
			if head.Event != api.EventTypeMessageResultUpdate || head.HooksID == "" {
				return errors.New("the head of the delivery is missing")
			}
			a.dropped = append(a.dropped, hooks)
			return a.invalidErr
		},
	}
}

// TestPartialBatch: under the compatible profile, a delivery one of whose hooks breaks the contract is
// acknowledged; its valid hooks reach their func, typed, and the invalid one reaches Handler.Invalid with its
// JSON and the violations that point into it. It is not deduplicated: a redelivery hands it over again, and
// only it.
func TestPartialBatch(t *testing.T) {
	t.Parallel()
	app := &partialApp{}
	h := newHandler(t, app.handler())
	m := hookBatch(t, 3)
	delete(hookOf(m, 1), "requestId")
	body, err := json.Marshal(m)
	require.NoError(t, err)

	for round := range 2 {
		resp := smshooktest.Post(t, h, body, testSecret)
		require.Equal(t, http.StatusOK, resp.Code, "round %d: %s", round, resp.Body)
	}
	require.Equal(t, [][]int64{{1, 3}}, app.seqs, "the valid hooks, once: the redelivery finds them done")
	require.Len(t, app.dropped, 2, "the invalid hook, on each delivery")
	for _, hooks := range app.dropped {
		require.Len(t, hooks, 1)
		require.Equal(t, 1, hooks[0].Index)
		require.Equal(t, []api.ProblemError{{Pointer: "/hooks/1/requestId", Detail: `property "requestId" is missing`}}, hooks[0].Violations)
		want, err := json.Marshal(hookOf(m, 1))
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(hooks[0].JSON))
	}
}

// TestPartialBatchRefusals: the whole delivery is refused when the envelope is wrong, when no hook is valid,
// and under the strict profile; nothing reaches the application.
func TestPartialBatchRefusals(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit func(m map[string]any)
		opts []smshook.Option
	}{
		"envelope": {edit: func(m map[string]any) { delete(m, "webhookConfigId"); delete(hookOf(m, 1), "requestId") }},
		"every hook": {edit: func(m map[string]any) {
			delete(hookOf(m, 0), "requestId")
			delete(hookOf(m, 1), "requestId")
		}},
		"strict": {edit: func(m map[string]any) { delete(hookOf(m, 1), "requestId") }, opts: []smshook.Option{smshook.WithStrict()}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			app := &partialApp{}
			h := newHandler(t, app.handler(), tc.opts...)
			m := hookBatch(t, 2)
			tc.edit(m)
			resp := smshooktest.Post(t, h, m, testSecret)
			require.Equal(t, http.StatusBadRequest, resp.Code, "%s", resp.Body)
			require.Empty(t, app.seqs)
			require.Empty(t, app.dropped)
		})
	}
}

// TestPartialBatchInvalidFails: when Handler.Invalid fails, the delivery is answered 500 before its valid
// hooks are processed, so that the redelivery processes them.
func TestPartialBatchInvalidFails(t *testing.T) {
	t.Parallel()
	app := &partialApp{invalidErr: errors.New("the dead-letter table is down")}
	h := newHandler(t, app.handler())
	m := hookBatch(t, 2)
	delete(hookOf(m, 0), "requestId")
	resp := smshooktest.Post(t, h, m, testSecret)
	require.Equal(t, http.StatusInternalServerError, resp.Code, "%s", resp.Body)
	require.Empty(t, app.seqs)

	app.mu.Lock()
	app.invalidErr = nil
	app.mu.Unlock()
	resp = smshooktest.Post(t, h, m, testSecret)
	require.Equal(t, http.StatusOK, resp.Code, "%s", resp.Body)
	require.Equal(t, [][]int64{{2}}, app.seqs)
}

// TestPartialBatchLog: without Handler.Invalid the dropped hooks are logged, by pointer, without their values,
// and drift in the valid hooks points into the delivery as it was sent.
func TestPartialBatchLog(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	var got [][]int64
	h, err := smshook.NewHandler(smshook.Handler{
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			var seqs []int64
			for _, h := range e.Hooks {
				seqs = append(seqs, h.RecipientSeq)
			}
			got = append(got, seqs)
			return nil
		},
	}, smshook.WithSecrets(testSecret), smshook.WithLogger(slog.New(slog.NewJSONHandler(io.MultiWriter(&logs, logSink), nil))))
	require.NoError(t, err)
	m := hookBatch(t, 3)
	delete(hookOf(m, 0), "requestId")
	hookOf(m, 2)["messageStatus"] = "DELIVERED_LATER" // a value the contract does not know yet: drift
	resp := smshooktest.Post(t, h, m, testSecret)
	require.Equal(t, http.StatusOK, resp.Code, "%s", resp.Body)
	require.Equal(t, [][]int64{{2, 3}}, got)

	log := logs.String()
	require.Contains(t, log, `"pointers":["/hooks/0/requestId"]`)
	require.Contains(t, log, `/hooks/2/messageStatus`, "the drift points at the hook as it was sent")
	require.NotContains(t, log, "/hooks/1/messageStatus")
	recipient, _ := hookOf(m, 1)["recipientNo"].(string)
	require.NotEmpty(t, recipient)
	require.False(t, strings.Contains(log, recipient), "a phone number reached the log")
}
