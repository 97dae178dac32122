package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	jsondecode "github.com/smshook/smshook/internal/decode"
)

// deliveryArgs are a job's River arguments: how much it holds, not its content, which is in smshook_delivery
// under the job's id.
type deliveryArgs struct {
	Deliveries int `json:"deliveries"`
	Hooks      int `json:"hooks"`
}

func (deliveryArgs) Kind() string { return kind }

// errPanic stands for a panic of the application: its value may carry payload values, so only its type is
// kept.
var errPanic = errors.New("inbox: panic in the application")

// worker hands the stored deliveries of one job to the application.
type worker struct {
	river.WorkerDefaults[deliveryArgs]
	ib *Inbox
}

// stored is one delivery of a job, as smshook_delivery keeps it.
type stored struct {
	seq   int
	event string
	body  []byte
}

// outcome is what the application made of one delivery; permanent when retrying cannot help.
type outcome struct {
	err       error
	permanent bool
}

func (w *worker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	app := w.ib.app.Load()
	if app == nil {
		return errors.New("inbox: no application") // Run always sets one before River starts
	}
	deliveries, err := w.ib.deliveries(ctx, job.ID)
	if err != nil {
		return fmt.Errorf("inbox: read deliveries: %w", err)
	}
	if len(deliveries) == 0 {
		// The application took them and the worker deleted them, but the process stopped before River
		// recorded the job as completed.
		return nil
	}
	outcomes := make([]outcome, len(deliveries))
	if len(deliveries) == 1 {
		outcomes[0] = w.call(ctx, app, job, deliveries[0])
	} else {
		var wg sync.WaitGroup
		for i, d := range deliveries {
			wg.Go(func() { outcomes[i] = w.call(ctx, app, job, d) })
		}
		wg.Wait()
	}
	var failed []error
	permanent := true
	for _, o := range outcomes {
		if o.err != nil {
			failed = append(failed, o.err)
			permanent = permanent && o.permanent
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err = failed[0]
	if len(failed) > 1 {
		err = fmt.Errorf("inbox: %d of %d deliveries failed: %w", len(failed), len(deliveries), errors.Join(failed...))
	}
	if age := time.Since(job.CreatedAt); age >= w.ib.cfg.maxAge {
		return river.JobCancel(fmt.Errorf("inbox: failed %s after it was stored, past the maximum age %s: %w",
			age.Round(time.Second), w.ib.cfg.maxAge, err))
	}
	if permanent {
		return river.JobCancel(err)
	}
	return err
}

// processed deletes a delivery the application took, so that a rerun of its job (after a crash before River
// recorded it, or a retry of the job's other deliveries) hands it over no more. If this fails, River still
// records the job's outcome.
func (w *worker) processed(ctx context.Context, jobID int64, seq int) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	if err := w.ib.w.do(dctx, &op{kind: opProcessed, jobID: jobID, seq: seq}); err != nil {
		w.ib.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "inbox: could not delete a processed delivery",
			slog.Int64("job", jobID), slog.String("error", err.Error()))
	}
}

// deliveries returns the deliveries of a job still stored, in order.
func (ib *Inbox) deliveries(ctx context.Context, jobID int64) ([]stored, error) {
	rows, err := ib.d.Read.QueryContext(ctx, `SELECT seq, event, envelope FROM smshook_delivery WHERE job_id = $1 ORDER BY seq`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		var d stored
		if err := rows.Scan(&d.seq, &d.event, &d.body); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// call hands one delivery to app once a call slot is free (at most Config.Workers calls run at once), and
// deletes it once app took it, before the slot is free again: a crash hands over again at most the deliveries
// of the slots. It turns a panic into errPanic.
func (w *worker) call(ctx context.Context, app *smshook.Handler, job *river.Job[deliveryArgs], d stored) outcome {
	select {
	case w.ib.calls <- struct{}{}:
		defer func() { <-w.ib.calls }()
	case <-ctx.Done():
		return outcome{err: ctx.Err()}
	}
	o := w.hand(ctx, app, job, d)
	if o.err == nil {
		w.processed(ctx, job.ID, d.seq)
	}
	return o
}

// hand hands one delivery to app, turning a panic into errPanic.
func (w *worker) hand(ctx context.Context, app *smshook.Handler, job *river.Job[deliveryArgs], d stored) (o outcome) {
	wh, err := decode(d.event, d.body)
	if err != nil {
		// Not a passing failure: retrying cannot help.
		return outcome{err: fmt.Errorf("inbox: stored delivery does not decode: %w", err), permanent: true}
	}
	defer func() {
		if p := recover(); p != nil {
			w.ib.cfg.logger.LogAttrs(ctx, slog.LevelError, "inbox: panic in the application",
				slog.Bool("panic", true), slog.String("panicType", fmt.Sprintf("%T", p)),
				slog.String("event", d.event), slog.String("hooksId", wh.Head().HooksID), slog.Int64("job", job.ID),
				slog.String("stack", string(debug.Stack())))
			o = outcome{err: errPanic}
		}
	}()
	return outcome{err: app.Handle(ctx, wh)}
}

// decode returns the stored envelope of event, of the type api.NewWebhook gives for its product and event, as
// validate.Body gave it: the numbers of an untyped hook (a kind the contract does not know) are json.Number, as
// the handler's are. It binds the envelope as validate.Body does, from one parse into reused maps and slices,
// which costs a fraction of encoding/json's reflection; an envelope the binder does not take whole (none that
// the Receiver stored) is decoded by encoding/json instead, as before.
func decode(event string, body []byte) (api.Webhook, error) {
	if w, ok := bind(event, body); ok {
		return w, nil
	}
	return decodeJSON(event, body)
}

// bind is decode by package decode's parser and binder; false when the envelope does not parse or bind whole.
func bind(event string, body []byte) (api.Webhook, bool) {
	p := jsondecode.NewParser()
	defer p.Recycle() // Bind copies what it keeps
	doc, err := p.Parse(string(body))
	if err != nil {
		return nil, false
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	product, _ := obj["productName"].(string)
	w := api.NewWebhook(api.KindOf(product, api.EventType(event)))
	if len(jsondecode.Bind(w, obj)) > 0 {
		return nil, false
	}
	return w, true
}

// decodeJSON is decode by encoding/json.
func decodeJSON(event string, body []byte) (api.Webhook, error) {
	var head struct {
		ProductName string `json:"productName"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, err
	}
	w := api.NewWebhook(api.KindOf(head.ProductName, api.EventType(event)))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(w); err != nil {
		return nil, err
	}
	return w, nil
}

// backoff is the retry policy: the wait doubles from min to max with each failure, and its second half is
// random ("equal jitter"), so that deliveries that failed together spread out.
type backoff struct{ min, max time.Duration }

var _ river.ClientRetryPolicy = backoff{}

// NextRetry implements river.ClientRetryPolicy.
func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.wait(len(job.Errors) + 1))
}

// wait is the wait after the nth failure.
func (b backoff) wait(n int) time.Duration {
	d := b.max
	if n < 63 {
		if exp := b.min << (n - 1); exp > 0 && exp < b.max && exp>>(n-1) == b.min {
			d = exp
		}
	}
	return d/2 + rand.N(d/2+1)
}
