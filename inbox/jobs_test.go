package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/inboxdb"
)

// storeTogether writes the deliveries in one batch of the writer, as concurrent requests to a busy receiver
// are.
func storeTogether(tb testing.TB, ib *Inbox, deliveries ...api.Webhook) {
	tb.Helper()
	batch := make([]*op, len(deliveries))
	for i, d := range deliveries {
		o, err := receiveOp(d)
		require.NoError(tb, err)
		o.ctx, o.done = context.Background(), make(chan struct{})
		batch[i] = o
	}
	ib.w.run(batch)
	for _, o := range batch {
		require.NoError(tb, o.err)
	}
}

// mrus returns n new MESSAGE_RESULT_UPDATE deliveries of hooks hooks each (mru), and all their hookIds.
func mrus(tb testing.TB, n, hooks int) ([]api.Webhook, []string) {
	tb.Helper()
	deliveries := make([]api.Webhook, n)
	var hookIDs []string
	for i := range deliveries {
		env, _, ids := mru(tb, hooks)
		deliveries[i] = env
		hookIDs = append(hookIDs, ids...)
	}
	return deliveries, hookIDs
}

// TestDeliveriesStoredTogetherShareAJob: 20 deliveries written in one batch become two jobs, of 16 and 4. Each
// delivery reaches the application once, at most Config.Workers at a time, and the one that fails is handed
// over again alone until it succeeds.
func TestDeliveriesStoredTogetherShareAJob(t *testing.T) {
	t.Parallel()
	cfg := fast
	cfg.Workers = 3
	ib, _ := openInbox(t, cfg)
	deliveries, hookIDs := mrus(t, 20, 2)
	storeTogether(t, ib, deliveries...)
	available := jobs(t, ib, rivertype.JobStateAvailable)
	require.Len(t, available, 2)
	var held []deliveryArgs
	for _, j := range available {
		var args deliveryArgs
		require.NoError(t, json.Unmarshal(j.EncodedArgs, &args))
		held = append(held, args)
	}
	require.ElementsMatch(t, []deliveryArgs{{Deliveries: 16, Hooks: 32}, {Deliveries: 4, Hooks: 8}}, held)

	failing := deliveries[5].Head().HooksID
	a := newApp()
	a.fail = func(hooksID string, attempt int) error {
		if hooksID == failing && attempt <= 2 {
			return errors.New("the application is down")
		}
		return nil
	}
	var inFlight, most atomic.Int64
	run(t, ib, smshook.Handler{Default: func(ctx context.Context, w api.Webhook) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		return a.record(ctx, w, true)
	}})
	require.True(t, a.waitUntil(20*time.Second, func() bool { return len(a.got) == 20 }), "every delivery reaches the application")
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateCompleted)) == 2 }, 10*time.Second, 20*time.Millisecond)
	for _, id := range hookIDs {
		require.Equal(t, 1, a.doneCount(id), "hook %s", id)
	}
	for _, d := range deliveries {
		want := 1
		if d.Head().HooksID == failing {
			want = 3
		}
		require.Equal(t, want, a.attemptCount(d.Head().HooksID), "delivery %s", d.Head().HooksID)
	}
	require.LessOrEqual(t, most.Load(), int64(3), "calls at once")
	require.Greater(t, most.Load(), int64(1), "a job's deliveries are handed over concurrently")
	var errs int
	for _, j := range jobs(t, ib, rivertype.JobStateCompleted) {
		errs += len(j.Errors)
	}
	require.Equal(t, 2, errs, "the job of the failing delivery failed twice")
	var left int
	require.NoError(t, ib.d.Read.QueryRow(`SELECT count(*) FROM smshook_delivery`).Scan(&left))
	require.Zero(t, left, "processed deliveries are deleted")
}

// TestDeadLetterKeepsOnlyWhatFailed: of a job's deliveries, those the application took are deleted, and only
// the one that kept failing stays with the dead letter.
func TestDeadLetterKeepsOnlyWhatFailed(t *testing.T) {
	t.Parallel()
	cfg := fast
	cfg.MaxAttempts = 2
	ib, _ := openInbox(t, cfg)
	deliveries, _ := mrus(t, 3, 1)
	storeTogether(t, ib, deliveries...)
	failing := deliveries[1].Head().HooksID
	a := newApp()
	a.fail = func(hooksID string, _ int) error {
		if hooksID == failing {
			return errors.New("the application is down")
		}
		return nil
	}
	run(t, ib, a.handler())
	require.Eventually(t, func() bool { return len(jobs(t, ib, rivertype.JobStateDiscarded)) == 1 }, 20*time.Second, 20*time.Millisecond)
	dead := jobs(t, ib, rivertype.JobStateDiscarded)[0]
	left, err := ib.deliveries(context.Background(), dead.ID)
	require.NoError(t, err)
	require.Len(t, left, 1)
	require.Equal(t, 1, left[0].seq)
	kept, err := decode(left[0].event, left[0].body)
	require.NoError(t, err)
	require.Equal(t, failing, kept.Head().HooksID)
	for i, d := range deliveries {
		if i != 1 {
			require.Equal(t, 1, a.attemptCount(d.Head().HooksID), "a delivery that succeeded is not handed over again")
		}
	}
	require.Equal(t, 2, a.attemptCount(failing))
}

// TestMigrationKeepsStoredDeliveries: a delivery stored by the schema of one delivery per job (version 2)
// is the first of its job after the migration, and its job can hold more.
func TestMigrationKeepsStoredDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := newInboxName(t)
	d, err := inboxdb.Open(ctx, name, inboxdb.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	_, err = d.Write.Exec(`CREATE TABLE smshook_migration (version INTEGER NOT NULL)`)
	require.NoError(t, err)
	for _, step := range migrations[d.Engine][:2] {
		_, err = d.Write.Exec(step)
		require.NoError(t, err)
	}
	_, err = d.Write.Exec(`INSERT INTO smshook_migration (version) VALUES (2)`)
	require.NoError(t, err)
	_, err = d.Write.Exec(`INSERT INTO smshook_delivery (job_id, event, envelope) VALUES (7, 'UNSUBSCRIBE', $1)`, []byte(`{"hooks":[]}`))
	require.NoError(t, err)

	require.NoError(t, migrate(ctx, d.Write, d.Engine))
	var seq int
	var event string
	var envelope []byte
	require.NoError(t, d.Write.QueryRow(`SELECT seq, event, envelope FROM smshook_delivery WHERE job_id = 7`).Scan(&seq, &event, &envelope))
	require.Equal(t, 0, seq)
	require.Equal(t, "UNSUBSCRIBE", event)
	require.JSONEq(t, `{"hooks":[]}`, string(envelope))
	_, err = d.Write.Exec(`INSERT INTO smshook_delivery (job_id, seq, event, envelope) VALUES (7, 1, 'UNSUBSCRIBE', $1)`, []byte(`{}`))
	require.NoError(t, err, "a job holds several deliveries")
	_, err = d.Write.Exec(`INSERT INTO smshook_delivery (job_id, seq, event, envelope) VALUES (7, 1, 'UNSUBSCRIBE', $1)`, []byte(`{}`))
	require.Error(t, err, "a job's seq is unique")
}
