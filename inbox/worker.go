package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	jsondecode "github.com/smshook/smshook/internal/decode"
)

// deliveryArgs are a job's River arguments: what names the delivery, not its content, which is in
// smshook_delivery under the job's id.
type deliveryArgs struct {
	Event   string `json:"event"`
	HooksID string `json:"hooksId"`
	Hooks   int    `json:"hooks"`
}

func (deliveryArgs) Kind() string { return kind }

// errPanic stands for a panic of the application: its value may carry payload values, so only its type is
// kept.
var errPanic = errors.New("inbox: panic in the application")

// worker hands one stored delivery to the application.
type worker struct {
	river.WorkerDefaults[deliveryArgs]
	ib *Inbox
}

func (w *worker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	app := w.ib.app.Load()
	if app == nil {
		return errors.New("inbox: no application") // Run always sets one before River starts
	}
	var event string
	var body []byte
	err := w.ib.d.Read.QueryRowContext(ctx, `SELECT event, envelope FROM smshook_delivery WHERE job_id = $1`, job.ID).Scan(&event, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// The application took it and the worker deleted it, but the process stopped before River recorded
		// the job as completed.
		return nil
	case err != nil:
		return fmt.Errorf("inbox: read delivery: %w", err)
	}
	if err := w.call(ctx, app, job, event, body); err != nil {
		if age := time.Since(job.CreatedAt); age >= w.ib.cfg.maxAge {
			return river.JobCancel(fmt.Errorf("inbox: failed %s after it was stored, past the maximum age %s: %w",
				age.Round(time.Second), w.ib.cfg.maxAge, err))
		}
		return err
	}
	// Done: without its delivery, a rerun of the job (after a crash before River recorded it) hands nothing
	// over. If this fails, River still records the job completed.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	if err := w.ib.w.do(dctx, &op{kind: opProcessed, jobID: job.ID}); err != nil {
		w.ib.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "inbox: could not delete a processed delivery",
			slog.Int64("job", job.ID), slog.String("error", err.Error()))
	}
	return nil
}

// call hands the delivery to app, turning a panic into errPanic.
func (w *worker) call(ctx context.Context, app *smshook.Handler, job *river.Job[deliveryArgs], event string, body []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.ib.cfg.logger.LogAttrs(ctx, slog.LevelError, "inbox: panic in the application",
				slog.Bool("panic", true), slog.String("panicType", fmt.Sprintf("%T", p)),
				slog.String("event", event), slog.String("hooksId", job.Args.HooksID), slog.Int64("job", job.ID),
				slog.String("stack", string(debug.Stack())))
			err = errPanic
		}
	}()
	d, err := decode(event, body)
	if err != nil {
		// Not a passing failure: retrying cannot help.
		return river.JobCancel(fmt.Errorf("inbox: stored delivery does not decode: %w", err))
	}
	return app.Handle(ctx, d)
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
