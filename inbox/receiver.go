package inbox

import (
	"context"
	"encoding/json"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
)

// receiver is the Inbox's smshook.EventHandler: it stores, it does not process.
type receiver struct{ ib *Inbox }

var _ smshook.EventHandler = receiver{}

func (r receiver) OnUnsubscribe(ctx context.Context, e *api.UnsubscribeEnvelope) error {
	return receive(ctx, r.ib, e.AppKey, api.EventTypeUnsubscribe, e.HooksId, e.Hooks,
		func(h api.UnsubscribeHook) string { return h.HookId },
		func(hooks []api.UnsubscribeHook) any { c := *e; c.Hooks = hooks; return &c })
}

func (r receiver) OnMessageResultUpdate(ctx context.Context, e *api.MessageResultUpdateEnvelope) error {
	return receive(ctx, r.ib, e.AppKey, api.EventTypeMessageResultUpdate, e.HooksId, e.Hooks,
		func(h api.MessageResultUpdateHook) string { return h.HookId },
		func(hooks []api.MessageResultUpdateHook) any { c := *e; c.Hooks = hooks; return &c })
}

func (r receiver) OnConversionBlock(ctx context.Context, e *api.ConversionBlockEnvelope) error {
	return receive(ctx, r.ib, e.AppKey, api.EventTypeConversionBlock, e.HooksId, e.Hooks,
		func(h api.ConversionBlockHook) string { return h.HookId },
		func(hooks []api.ConversionBlockHook) any { c := *e; c.Hooks = hooks; return &c })
}

func (r receiver) OnInternationalDeliveryReceipt(ctx context.Context, e *api.InternationalDeliveryReceiptEnvelope) error {
	return receive(ctx, r.ib, e.AppKey, api.EventTypeInternationalDeliveryReceipt, e.HooksId, e.Hooks,
		func(h api.InternationalDeliveryReceiptHook) string { return h.HookId },
		func(hooks []api.InternationalDeliveryReceiptHook) any { c := *e; c.Hooks = hooks; return &c })
}

// receive writes one delivery: its envelope is encoded here, by the caller, and again in the writer only in
// the rare case that some of its hooks turn out to be stored already.
func receive[H any](ctx context.Context, ib *Inbox, appKey string, event api.EventType, hooksID string, hooks []H,
	id func(H) string, with func([]H) any) error {
	if len(hooks) == 0 {
		return nil
	}
	keys := make([]string, len(hooks))
	for i, h := range hooks {
		if hookID := id(h); hookID != "" {
			keys[i] = hookkey.Of(appKey, string(event), hookID)
		}
	}
	body, err := json.Marshal(with(hooks))
	if err != nil {
		return err
	}
	d := &delivery{event: string(event), hooksID: hooksID, keys: keys, body: body,
		rebuild: func(keep []bool) ([]byte, error) {
			kept := make([]H, 0, len(hooks))
			for i, h := range hooks {
				if keep[i] {
					kept = append(kept, h)
				}
			}
			return json.Marshal(with(kept))
		}}
	return ib.w.do(ctx, &op{kind: opReceive, recv: d})
}
