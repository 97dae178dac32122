package smshook

import (
	"context"
	"log/slog"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// claim narrows the delivery's envelope to the hooks whose hookId the store had not seen, claiming each, and
// returns the keys it claimed. On a store error it releases what it claimed and returns the error. Hooks
// without a hookId (possible only for an event the contract does not know) are always kept.
func (h *handler) claim(ctx context.Context, d *validate.Delivery) (claimed []string, err error) {
	if h.store == nil {
		return nil, nil
	}
	c := claimer{h: h, ctx: ctx}
	scope := d.AppKey + "/" + string(d.Event) + "/" // hookIds are the vendor's; keep services and events apart
	switch e := d.Envelope.(type) {
	case *api.UnsubscribeEnvelope:
		e.Hooks = narrow(&c, scope, e.Hooks, func(x api.UnsubscribeHook) string { return x.HookId })
	case *api.MessageResultUpdateEnvelope:
		e.Hooks = narrow(&c, scope, e.Hooks, func(x api.MessageResultUpdateHook) string { return x.HookId })
	case *api.ConversionBlockEnvelope:
		e.Hooks = narrow(&c, scope, e.Hooks, func(x api.ConversionBlockHook) string { return x.HookId })
	case *api.InternationalDeliveryReceiptEnvelope:
		e.Hooks = narrow(&c, scope, e.Hooks, func(x api.InternationalDeliveryReceiptHook) string { return x.HookId })
	case *api.Envelope:
		e.Hooks = narrow(&c, scope, e.Hooks, func(x map[string]any) string { id, _ := x["hookId"].(string); return id })
	}
	if c.err != nil {
		h.release(ctx, c.claimed)
		return nil, c.err
	}
	return c.claimed, nil
}

type claimer struct {
	h       *handler
	ctx     context.Context
	claimed []string
	err     error
}

// narrow keeps the hooks that are claimed now (or have no id), in order.
func narrow[H any](c *claimer, scope string, hooks []H, id func(H) string) []H {
	kept := hooks[:0]
	for _, hook := range hooks {
		hookID := id(hook)
		if hookID == "" {
			kept = append(kept, hook)
			continue
		}
		if c.err != nil {
			continue
		}
		key := scope + hookID
		won, err := c.h.store.Claim(c.ctx, key, c.h.retention)
		if err != nil {
			c.err = err
			continue
		}
		if won {
			kept = append(kept, hook)
			c.claimed = append(c.claimed, key)
		}
	}
	return kept
}

// release forgets claims after the application failed, so that a redelivery is processed. It runs even when
// the request's context is done.
func (h *handler) release(ctx context.Context, claimed []string) {
	ctx = context.WithoutCancel(ctx)
	for _, key := range claimed {
		if err := h.store.Release(ctx, key); err != nil {
			h.logger.LogAttrs(ctx, slog.LevelError, "smshook: could not release a claim: a redelivery of this event will be skipped until the retention ends",
				slog.String("error", err.Error()))
		}
	}
}
