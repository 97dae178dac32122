package api

import (
	"fmt"
	"slices"
	"testing"
)

func TestNewWebhook(t *testing.T) {
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
		if got := fmt.Sprintf("%T", NewWebhook(event)); got != want {
			t.Errorf("NewWebhook(%q) is %s, want %s", event, got, want)
		}
	}
	// Each call makes a new value.
	if NewWebhook(EventTypeUnsubscribe) == NewWebhook(EventTypeUnsubscribe) {
		t.Error("NewWebhook returned the same value twice")
	}
}

// TestEventsAreTheEnum: the registry's events are the values of EventType, in the spec's order.
func TestEventsAreTheEnum(t *testing.T) {
	want := []EventType{EventTypeUnsubscribe, EventTypeMessageResultUpdate, EventTypeConversionBlock, EventTypeInternationalDeliveryReceipt}
	if got := Events(); !slices.Equal(got, want) {
		t.Fatalf("Events() = %v, want %v", got, want)
	}
	for _, e := range Events() {
		if !e.Valid() {
			t.Errorf("%s is not a value of EventType", e)
		}
	}
}

func TestSample(t *testing.T) {
	for _, event := range Events() {
		w, ok := Sample(event)
		if !ok {
			t.Fatalf("no sample of %s", event)
		}
		head := w.Head()
		if head.Event != event || head.HooksId == "" || head.AppKey == "" || w.HookCount() == 0 || w.HookID(0) == "" {
			t.Errorf("sample of %s: head %+v, %d hooks", event, head, w.HookCount())
		}
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", NewWebhook(event)) {
			t.Errorf("sample of %s is a %T", event, w)
		}
		// Every call is a new copy.
		again, _ := Sample(event)
		again.KeepHooks(func(int) bool { return false })
		if again.HookCount() != 0 || w.HookCount() == 0 {
			t.Errorf("sample of %s: dropping the hooks of one copy changed another", event)
		}
	}
	if _, ok := Sample("NEW_EVENT"); ok {
		t.Error("a sample of an unknown event")
	}
}

func TestKeepHooks(t *testing.T) {
	e := &Envelope{Hooks: []map[string]interface{}{{"hookId": "a"}, {"hookId": 1}, {}, {"hookId": "d"}}}
	if got := []string{e.HookID(0), e.HookID(1), e.HookID(2), e.HookID(3)}; !slices.Equal(got, []string{"a", "", "", "d"}) {
		t.Fatalf("HookID: %q", got)
	}
	e.KeepHooks(func(i int) bool { return i != 1 && i != 2 })
	if e.HookCount() != 2 || e.HookID(0) != "a" || e.HookID(1) != "d" {
		t.Fatalf("KeepHooks left %v", e.Hooks)
	}
	m := &MessageResultUpdateEnvelope{Hooks: []MessageResultUpdateHook{{HookId: "x"}, {HookId: "y"}}}
	m.KeepHooks(func(i int) bool { return i == 1 })
	if len(m.Hooks) != 1 || m.Hooks[0].HookId != "y" {
		t.Fatalf("KeepHooks left %v", m.Hooks)
	}
}
