package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
)

// Receiver returns the http.Handler that receives NHN Cloud's webhooks into the inbox: smshook.NewHandler with
// opts, whose application stores each validated delivery's hooks that are not stored yet (by hookId, within
// Config.Retention) as one job, and returns once that transaction committed, so that the handler answers 200
// only for stored events. The hooks that the compatible profile drops from a delivery because they break the
// contract are stored too, as dead letters in the table smshook_quarantine (kept 7 days; smshook inbox lists
// them), before the answer. Deliveries of every event are stored, those of an event the contract does not know
// too (under the default compatible profile; smshook.WithStrict rejects them), for Run to hand over.
//
// The handler's deduplication store is the inbox's own: the hookIds stored or processed are kept in the inbox,
// so that a restart does not forget them and every process that opens the inbox sees them, and leases are kept
// in this process's memory. Receiver therefore overrides smshook.WithStore and smshook.WithRetention given in
// opts with the inbox's store and Config.Retention; the other options apply as given (give WithSecrets or
// AllowNoSecret), and the handler logs to Config.Logger unless opts say otherwise. With
// smshook.WithoutDeduplication the handler claims nothing, and the inbox still stores each hookId once.
//
// The handler answers 500 when the write fails, and 503 past smshook.WithTimeout (10 seconds unless opts say
// otherwise: a stalled disk or database); once the Inbox is closed its claims fail, which the handler answers
// 503, so that NHN Cloud sends the delivery again. A redelivery of events stored before is answered 200 once
// the write found them so. Receiver fails as
// smshook.NewHandler does: without WithSecrets or AllowNoSecret.
func (ib *Inbox) Receiver(opts ...smshook.Option) (http.Handler, error) {
	return ib.receiver(ib.receive, opts)
}

// receiver is Receiver with the application that stores given, so that tests can watch what it is handed.
func (ib *Inbox) receiver(receive func(context.Context, api.Webhook) error, opts []smshook.Option) (http.Handler, error) {
	all := make([]smshook.Option, 0, len(opts)+4)
	all = append(all, smshook.WithLogger(ib.cfg.logger), smshook.WithTimeout(receiveTimeout))
	all = append(all, opts...)
	// Last, so that they win: the Receiver's transaction marks hookIds done in this store, with this retention.
	all = append(all, smshook.WithStore(store{ib: ib, leaseOnly: true}), smshook.WithRetention(ib.cfg.retention))
	h, err := smshook.NewHandler(smshook.Handler{Default: receive, Invalid: ib.quarantine}, all...)
	if err != nil {
		return nil, err
	}
	return faultAware{health: ib.w.health, next: h}, nil
}

// faultAware answers 503 with Retry-After, naming the kind of fault, while the inbox's database has one (see
// Health), and turns into that answer the error of a delivery whose write met the fault: never a 200 for a
// delivery that a fault may have lost, and a 503 rather than the handler's 500, so that NHN Cloud sends it
// again. It answers before the handler reads the request: nothing can be stored meanwhile.
type faultAware struct {
	health *health
	next   http.Handler
}

// faultRetryAfter is the Retry-After of a fault's 503, in seconds: a fault that may clear is tried again
// every healthInterval.
const faultRetryAfter = "5"

func (f faultAware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.health.current() != nil {
		writeFault(w)
		return
	}
	fw := &faultWriter{ResponseWriter: w, health: f.health}
	f.next.ServeHTTP(fw, r)
}

// faultWriter replaces an answer of 500 or more with the fault's 503 when a fault holds by then.
type faultWriter struct {
	http.ResponseWriter
	health   *health
	replaced bool
}

func (w *faultWriter) WriteHeader(status int) {
	if status >= http.StatusInternalServerError {
		if w.health.current() != nil {
			w.replaced = true
			writeFault(w.ResponseWriter)
			return
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *faultWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the handler's body of the answer replaced
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *faultWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeFault answers 503 with Retry-After and an RFC 9457 problem that says the receiver cannot record
// deliveries, and no more: it may go to a caller whose secret was not checked yet, so the fault's kind is
// for /readyz, the log and the metric.
func writeFault(w http.ResponseWriter) {
	detail := "The receiver cannot record deliveries right now; send it again after Retry-After."
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Retry-After", faultRetryAfter)
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(api.Problem{
		Type: "urn:smshook:problem:store-unavailable", Title: http.StatusText(http.StatusServiceUnavailable),
		Status: http.StatusServiceUnavailable, Detail: &detail,
	})
}

// quarantined is a hook that the compatible profile dropped from its delivery because it breaks the
// contract, kept in smshook_quarantine as a dead letter for 7 days (smshook inbox lists them).
type quarantined struct {
	digest, product, event, hooksID string
	index                           int
	hook, violations                []byte
}

// quarantine is the receiver's Handler.Invalid: it writes the dropped hooks of a delivery in the same kind of
// durable transaction as its valid ones, before the handler answers, so that no acknowledged hook is lost,
// valid or not. A redelivery of the same hook adds nothing.
func (ib *Inbox) quarantine(ctx context.Context, head api.Head, hooks []api.InvalidHook) error {
	qs := make([]quarantined, 0, len(hooks))
	for _, h := range hooks {
		violations, err := json.Marshal(h.Violations)
		if err != nil {
			return fmt.Errorf("inbox: encode the violations: %w", err)
		}
		sum := sha256.Sum256([]byte(head.ProductName + "\x00" + string(head.Event) + "\x00" + string(h.JSON)))
		qs = append(qs, quarantined{
			digest: hex.EncodeToString(sum[:16]), product: head.ProductName, event: string(head.Event), hooksID: head.HooksID,
			index: h.Index, hook: h.JSON, violations: violations,
		})
	}
	return ib.w.do(ctx, &op{kind: opQuarantine, quarantine: qs})
}

// receiveTimeout bounds the write of a delivery unless the Receiver's options say otherwise
// (smshook.WithTimeout): past it, a stalled disk or database is answered 503, and NHN Cloud may send the
// delivery again.
const receiveTimeout = 10 * time.Second

// receive writes one delivery, the hooks the handler claimed.
func (ib *Inbox) receive(ctx context.Context, w api.Webhook) error {
	o, err := receiveOp(w)
	if o == nil || err != nil {
		return err
	}
	if err := ib.w.do(ctx, o); err != nil {
		return err
	}
	if o.recv.stored == 0 {
		head := w.Head()
		ib.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "inbox: redelivery acknowledged; every event was stored before",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)),
			slog.String("hooksId", head.HooksID), slog.Int("hooks", w.HookCount()))
	}
	return nil
}

// receiveOp returns the write of one delivery, nil when it has no hooks: its envelope is encoded here, by the
// caller, and again in the writer only in the rare case that some of its hooks turn out to be stored already.
func receiveOp(w api.Webhook) (*op, error) {
	n := w.HookCount()
	if n == 0 {
		return nil, nil
	}
	head := w.Head()
	keys := make([]string, n)
	for i := range n {
		if hookID := w.HookID(i); hookID != "" {
			keys[i] = hookkey.Of(head.ProductName, head.AppKey, string(head.Event), hookID)
		}
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("inbox: encode the delivery: %w", err)
	}
	d := &delivery{event: string(head.Event), keys: keys, body: body}
	return &op{kind: opReceive, recv: d}, nil
}
