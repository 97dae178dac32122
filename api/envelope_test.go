package api

import (
	"fmt"
	"testing"
)

func TestNewEnvelope(t *testing.T) {
	tests := map[EventType]string{
		EventTypeUnsubscribe:                  "*api.UnsubscribeEnvelope",
		EventTypeMessageResultUpdate:          "*api.MessageResultUpdateEnvelope",
		EventTypeConversionBlock:              "*api.ConversionBlockEnvelope",
		EventTypeInternationalDeliveryReceipt: "*api.InternationalDeliveryReceiptEnvelope",
		"NEW_EVENT":                           "*api.Envelope",
		"":                                    "*api.Envelope",
		"unsubscribe":                         "*api.Envelope",
	}
	for event, want := range tests {
		if got := fmt.Sprintf("%T", NewEnvelope(event)); got != want {
			t.Errorf("NewEnvelope(%q) is %s, want %s", event, got, want)
		}
	}
	// Each call makes a new value.
	if NewEnvelope(EventTypeUnsubscribe) == NewEnvelope(EventTypeUnsubscribe) {
		t.Error("NewEnvelope returned the same value twice")
	}
}
