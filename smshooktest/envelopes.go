package smshooktest

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// Unsubscribe returns the documented UNSUBSCRIBE delivery (openapi.yaml's example), changed by each edit
// in turn.
func Unsubscribe(edits ...func(*api.UnsubscribeEnvelope)) *api.UnsubscribeEnvelope {
	return build(api.EventTypeUnsubscribe, edits)
}

// MessageResultUpdate returns the documented MESSAGE_RESULT_UPDATE delivery, changed by each edit in turn.
func MessageResultUpdate(edits ...func(*api.MessageResultUpdateEnvelope)) *api.MessageResultUpdateEnvelope {
	return build(api.EventTypeMessageResultUpdate, edits)
}

// ConversionBlock returns the documented CONVERSION_BLOCK delivery, changed by each edit in turn.
func ConversionBlock(edits ...func(*api.ConversionBlockEnvelope)) *api.ConversionBlockEnvelope {
	return build(api.EventTypeConversionBlock, edits)
}

// InternationalDeliveryReceipt returns the documented INTERNATIONAL_DELIVERY_RECEIPT delivery, changed by each
// edit in turn.
func InternationalDeliveryReceipt(edits ...func(*api.InternationalDeliveryReceiptEnvelope)) *api.InternationalDeliveryReceiptEnvelope {
	return build(api.EventTypeInternationalDeliveryReceipt, edits)
}

// Sample returns the documented delivery of event as its generated envelope type (for example
// *api.UnsubscribeEnvelope). It fails for an event the contract does not know.
func Sample(event api.EventType) (any, error) {
	switch event {
	case api.EventTypeUnsubscribe:
		return Unsubscribe(), nil
	case api.EventTypeMessageResultUpdate:
		return MessageResultUpdate(), nil
	case api.EventTypeConversionBlock:
		return ConversionBlock(), nil
	case api.EventTypeInternationalDeliveryReceipt:
		return InternationalDeliveryReceipt(), nil
	}
	return nil, fmt.Errorf("smshooktest: no sample for event %q; the events are %v", event, Events())
}

// Events lists the events of the contract, in the order of smshook.Examples (one example per event).
func Events() []api.EventType {
	examples, err := smshook.Examples()
	if err != nil {
		panic(err) // the embedded spec is broken: a broken build, as in build
	}
	events := make([]api.EventType, len(examples))
	for i, ex := range examples {
		events[i] = ex.Event
	}
	return events
}

// build decodes the spec's example of event into T and applies the edits. The examples are checked against
// the spec by the tests of package smshook, so a failure here is a broken build, not a runtime condition.
func build[T any](event api.EventType, edits []func(*T)) *T {
	examples, err := smshook.Examples()
	if err != nil {
		panic(err)
	}
	for _, ex := range examples {
		if ex.Event != event {
			continue
		}
		v := new(T)
		if err := json.Unmarshal(ex.Body, v); err != nil {
			panic(fmt.Sprintf("smshooktest: the %s example does not decode: %v", event, err))
		}
		for _, edit := range edits {
			edit(v)
		}
		return v
	}
	panic(fmt.Sprintf("smshooktest: openapi.yaml has no example of %s", event))
}

// NewID returns an identifier shaped like NHN Cloud's hooksId and hookId: the Korean local time to the second
// followed by 11 random characters.
func NewID() string { return sender.NewID() }

// Fresh gives envelope, a pointer to a generated envelope type, a new hooksId and new hookIds, as a new
// delivery of new events would have, and returns it. Anything else is returned unchanged.
func Fresh[E any](envelope E) E {
	v := reflect.ValueOf(envelope)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return envelope
	}
	v = v.Elem()
	hooksID, hooks := v.FieldByName("HooksId"), v.FieldByName("Hooks")
	if !hooksID.IsValid() || hooksID.Kind() != reflect.String || !hooks.IsValid() || hooks.Kind() != reflect.Slice {
		return envelope
	}
	hooksID.SetString(NewID())
	for i := range hooks.Len() {
		switch h := hooks.Index(i); h.Kind() {
		case reflect.Struct:
			if id := h.FieldByName("HookId"); id.IsValid() && id.Kind() == reflect.String {
				id.SetString(NewID())
			}
		case reflect.Map:
			if !h.IsNil() {
				h.SetMapIndex(reflect.ValueOf("hookId"), reflect.ValueOf(NewID()))
			}
		}
	}
	return envelope
}
