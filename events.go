package smshook

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
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

// deliverFunc hands a validated delivery of a known event to the application. It returns the answer a strict
// server chose, or nil for an empty 200; the handler writes it once the outcome is recorded.
type deliverFunc func(ctx context.Context, d *validate.Delivery, body []byte) (*bufferedResponse, error)

func eventDeliverer(h EventHandler) deliverFunc {
	return func(ctx context.Context, d *validate.Delivery, _ []byte) (*bufferedResponse, error) {
		switch e := d.Envelope.(type) {
		case *api.UnsubscribeEnvelope:
			return nil, h.OnUnsubscribe(ctx, e)
		case *api.MessageResultUpdateEnvelope:
			return nil, h.OnMessageResultUpdate(ctx, e)
		case *api.ConversionBlockEnvelope:
			return nil, h.OnConversionBlock(ctx, e)
		case *api.InternationalDeliveryReceiptEnvelope:
			return nil, h.OnInternationalDeliveryReceipt(ctx, e)
		}
		return nil, nil
	}
}

// strictDeliverer hands the validated delivery to the generated strict server interface, which chooses the
// answer; a nil response is answered 200, and an answer of 300 or more means the events were not taken. The
// union it receives is the validated typed envelope, re-encoded: decoding the raw body again with
// encoding/json could read other values than were validated (it matches keys without regard to case, and
// time.Time refuses escaped characters), and deduplication may have dropped hooks. Unknown properties are
// therefore not in it.
func strictDeliverer(s api.StrictServerInterface) deliverFunc {
	return func(ctx context.Context, d *validate.Delivery, _ []byte) (*bufferedResponse, error) {
		body, err := json.Marshal(d.Envelope)
		if err != nil {
			return nil, err
		}
		var delivery api.Delivery
		if err := delivery.UnmarshalJSON(body); err != nil {
			return nil, err
		}
		resp, err := s.ReceiveWebhook(ctx, api.ReceiveWebhookRequestObject{Body: &delivery})
		if err != nil || resp == nil {
			return nil, err
		}
		b := &bufferedResponse{header: make(http.Header)}
		if err := resp.VisitReceiveWebhookResponse(b); err != nil {
			return nil, err
		}
		return b, nil
	}
}

// bufferedResponse holds a strict server's answer until the handler knows it may send it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), b.header)
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
