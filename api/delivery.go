package api

import (
	"bytes"
	"encoding/json"
)

// Webhook returns the delivery the union holds as its typed envelope, through both of its discriminators
// (productName, then event): a pointer such as *SMSMessageResultUpdateEnvelope or *EmailUnsubscribeEnvelope, as
// the funcs of package smshook's Handler receive it, or an *Envelope for a kind the contract does not know. It
// returns an error when the union holds no JSON object.
func (t Delivery) Webhook() (Webhook, error) {
	body, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var head struct {
		ProductName string    `json:"productName"`
		Event       EventType `json:"event"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, err
	}
	w := NewWebhook(KindOf(head.ProductName, head.Event))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // an untyped hook's numbers, as the receiver hands them over
	if err := dec.Decode(w); err != nil {
		return nil, err
	}
	return w, nil
}
