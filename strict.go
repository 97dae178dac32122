package smshook

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"

	"github.com/smshook/smshook/api"
)

// deliverFunc hands a validated delivery to the application. It returns the answer a strict server chose, or
// nil for an empty 200, and whether anything took the delivery; the handler writes the answer once the outcome
// is recorded.
type deliverFunc func(ctx context.Context, w api.Webhook) (resp *bufferedResponse, handled bool, err error)

// strictDeliverer hands the validated delivery to the generated strict server interface, which chooses the
// answer; a nil response is answered 200, and an answer of 300 or more means the events were not taken. The
// union it receives is the validated typed envelope, re-encoded: decoding the raw body again with
// encoding/json could read other values than were validated (it matches keys without regard to case, and
// time.Time refuses escaped characters), and deduplication may have dropped hooks. Unknown properties are
// therefore not in it.
//
// An untyped delivery whose event has a name of the contract (of a product the contract does not know, or an
// event its product does not send) is not handed over: a union read without checking both discriminators
// would read its hooks as that event's. It is acknowledged and logged.
func strictDeliverer(s api.StrictServerInterface) deliverFunc {
	return func(ctx context.Context, w api.Webhook) (*bufferedResponse, bool, error) {
		if _, untyped := w.(*api.Envelope); untyped && w.Head().Event.Valid() {
			return nil, false, nil
		}
		body, err := json.Marshal(w)
		if err != nil {
			return nil, true, err
		}
		var delivery api.Delivery
		if err := delivery.UnmarshalJSON(body); err != nil {
			return nil, true, err
		}
		resp, err := s.ReceiveWebhook(ctx, api.ReceiveWebhookRequestObject{Body: &delivery})
		if err != nil || resp == nil {
			return nil, true, err
		}
		b := &bufferedResponse{header: make(http.Header)}
		if err := resp.VisitReceiveWebhookResponse(b); err != nil {
			return nil, true, err
		}
		return b, true, nil
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
