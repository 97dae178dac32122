package smshook

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// EventHandler receives validated deliveries, one method per event, each with the whole typed envelope.
// A method that returns nil acknowledges the delivery (200); an error is answered 500 so that NHN Cloud may
// send it again. Methods may be called concurrently.
type EventHandler interface {
	OnUnsubscribe(ctx context.Context, e *api.UnsubscribeEnvelope) error
	OnMessageResultUpdate(ctx context.Context, e *api.MessageResultUpdateEnvelope) error
	OnConversionBlock(ctx context.Context, e *api.ConversionBlockEnvelope) error
	OnInternationalDeliveryReceipt(ctx context.Context, e *api.InternationalDeliveryReceiptEnvelope) error
}

// deliverFunc hands a validated delivery of a known event to the application and writes the success
// answer; an error leaves the answer to the caller.
type deliverFunc func(ctx context.Context, w http.ResponseWriter, d *validate.Delivery, body []byte) error

func eventDeliverer(h EventHandler) deliverFunc {
	return func(ctx context.Context, w http.ResponseWriter, d *validate.Delivery, _ []byte) error {
		var err error
		switch e := d.Envelope.(type) {
		case *api.UnsubscribeEnvelope:
			err = h.OnUnsubscribe(ctx, e)
		case *api.MessageResultUpdateEnvelope:
			err = h.OnMessageResultUpdate(ctx, e)
		case *api.ConversionBlockEnvelope:
			err = h.OnConversionBlock(ctx, e)
		case *api.InternationalDeliveryReceiptEnvelope:
			err = h.OnInternationalDeliveryReceipt(ctx, e)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// strictDeliverer hands the validated delivery to the generated strict server interface, which answers itself;
// a nil response is answered 200. The union it receives is the validated typed envelope, re-encoded: decoding
// the raw body again with encoding/json could read other values than were validated (it matches keys without
// regard to case, and time.Time refuses escaped characters), and deduplication may have dropped hooks. Unknown
// properties are therefore not in it.
func strictDeliverer(s api.StrictServerInterface) deliverFunc {
	return func(ctx context.Context, w http.ResponseWriter, d *validate.Delivery, _ []byte) error {
		body, err := json.Marshal(d.Envelope)
		if err != nil {
			return err
		}
		var delivery api.Delivery
		if err := delivery.UnmarshalJSON(body); err != nil {
			return err
		}
		resp, err := s.ReceiveWebhook(ctx, api.ReceiveWebhookRequestObject{Body: &delivery})
		if err != nil {
			return err
		}
		if resp == nil {
			w.WriteHeader(http.StatusOK)
			return nil
		}
		return resp.VisitReceiveWebhookResponse(w)
	}
}
