package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
)

// Receiver returns the http.Handler that receives NHN Cloud's webhooks into the inbox: smshook.NewHandler with
// opts, whose application stores each validated delivery's hooks that are not stored yet (by hookId, within
// Config.Retention) as one job, and returns once that transaction committed, so that the handler answers 200
// only for stored events. Deliveries of every event are stored, those of an event the contract does not know
// too (under the default compatible profile; smshook.WithStrict rejects them), for Run to hand over.
//
// The handler's deduplication store is the inbox's own: the hookIds stored or processed are kept in the file,
// so that a restart does not forget them and every process that opens the file sees them, and leases are kept
// in this process's memory. Receiver therefore overrides smshook.WithStore and smshook.WithRetention given in
// opts with the inbox's store and Config.Retention; the other options apply as given (give WithSecrets or
// AllowUnsigned), and the handler logs to Config.Logger unless opts say otherwise. With
// smshook.WithoutDeduplication the handler claims nothing, and the inbox still stores each hookId once.
//
// The handler answers 500 when the write fails (503 past smshook.WithTimeout); once the Inbox is closed its
// claims fail, which the handler answers 503, so that NHN Cloud sends the delivery again. Receiver fails as
// smshook.NewHandler does: without WithSecrets or AllowUnsigned.
func (ib *Inbox) Receiver(opts ...smshook.Option) (http.Handler, error) {
	return ib.receiver(ib.receive, opts)
}

// receiver is Receiver with the application that stores given, so that tests can watch what it is handed.
func (ib *Inbox) receiver(receive func(context.Context, api.Webhook) error, opts []smshook.Option) (http.Handler, error) {
	all := make([]smshook.Option, 0, len(opts)+3)
	all = append(all, smshook.WithLogger(ib.cfg.logger))
	all = append(all, opts...)
	// Last, so that they win: the Receiver's transaction marks hookIds done in this store, with this retention.
	all = append(all, smshook.WithStore(store{ib}), smshook.WithRetention(ib.cfg.retention))
	return smshook.NewHandler(smshook.Handler{Default: receive}, all...)
}

// receive writes one delivery, the hooks the handler claimed: its envelope is encoded here, by the caller, and
// again in the writer only in the rare case that some of its hooks turn out to be stored already.
func (ib *Inbox) receive(ctx context.Context, w api.Webhook) error {
	n := w.HookCount()
	if n == 0 {
		return nil
	}
	head := w.Head()
	keys := make([]string, n)
	for i := range n {
		if hookID := w.HookID(i); hookID != "" {
			keys[i] = hookkey.Of(head.AppKey, string(head.Event), hookID)
		}
	}
	body, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("inbox: encode the delivery: %w", err)
	}
	d := &delivery{event: string(head.Event), hooksID: head.HooksId, keys: keys, body: body}
	return ib.w.do(ctx, &op{kind: opReceive, recv: d})
}
