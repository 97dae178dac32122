package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNewWebhook(t *testing.T) {
	tests := map[Kind]string{
		{"SMS", EventTypeUnsubscribe}:                           "*api.SMSUnsubscribeEnvelope",
		{"Sms", EventTypeUnsubscribe}:                           "*api.SMSUnsubscribeEnvelope",
		{"SMS", EventTypeMessageResultUpdate}:                   "*api.SMSMessageResultUpdateEnvelope",
		{"SMS", EventTypeConversionBlock}:                       "*api.SMSConversionBlockEnvelope",
		{"SMS", EventTypeInternationalDeliveryReceipt}:          "*api.SMSInternationalDeliveryReceiptEnvelope",
		{"Email", EventTypeUnsubscribe}:                         "*api.EmailUnsubscribeEnvelope",
		{"Email", EventTypeMessageResultUpdate}:                 "*api.EmailMessageResultUpdateEnvelope",
		{"KakaoTalk Bizmessage", EventTypeMessageResultUpdate}:  "*api.KakaoTalkMessageResultUpdateEnvelope",
		{"KakaoTalk Bizmessage", EventTypeTemplateStatusUpdate}: "*api.KakaoTalkTemplateStatusUpdateEnvelope",
		{"SMS", EventTypeTemplateStatusUpdate}:                  "*api.Envelope", // an event of another product
		{"Email", EventTypeConversionBlock}:                     "*api.Envelope",
		{"RCS Bizmessage", EventTypeMessageResultUpdate}:        "*api.Envelope",
		{"sms", EventTypeUnsubscribe}:                           "*api.Envelope", // names are case-sensitive
		{"SMS", "NEW_EVENT"}:                                    "*api.Envelope",
		{"SMS", ""}:                                             "*api.Envelope",
		{}:                                                      "*api.Envelope",
		{"SMS", "unsubscribe"}:                                  "*api.Envelope",
	}
	for kind, want := range tests {
		if got := fmt.Sprintf("%T", NewWebhook(kind)); got != want {
			t.Errorf("NewWebhook(%v) is %s, want %s", kind, got, want)
		}
		if kind.Known() != (want != "*api.Envelope") {
			t.Errorf("%v: Known() is %v, its envelope %s", kind, kind.Known(), want)
		}
	}
	e := &Envelope{Hooks: []map[string]interface{}{{"hookId": "a"}}}
	if h, ok := e.Hook(0).(map[string]interface{}); !ok || h["hookId"] != "a" {
		t.Errorf("an untyped hook is %#v", e.Hook(0))
	}
	m := &SMSMessageResultUpdateEnvelope{Hooks: []SMSMessageResultUpdateHook{{HookID: "x"}}}
	m.Hook(0).(*SMSMessageResultUpdateHook).HookID = "y"
	if m.HookID(0) != "y" {
		t.Error("Hook does not return the hook itself")
	}
	// Each call makes a new value.
	if NewWebhook(Kind{"SMS", EventTypeUnsubscribe}) == NewWebhook(Kind{"SMS", EventTypeUnsubscribe}) {
		t.Error("NewWebhook returned the same value twice")
	}
}

// TestKindsAreTheEnums: the registry's kinds are of the values of ProductName and EventType, each once, SMS's
// in the order of EventType, and every event is some product's.
func TestKindsAreTheEnums(t *testing.T) {
	seen := map[Kind]bool{}
	events := map[EventType]bool{}
	var sms []EventType
	for _, k := range Kinds() {
		if !k.Product.Valid() || !k.Event.Valid() {
			t.Errorf("%v is not of the values of ProductName and EventType", k)
		}
		if seen[k] {
			t.Errorf("%v twice", k)
		}
		if KindOf(string(k.Product), k.Event) != k {
			t.Errorf("%v is not in its first spelling", k)
		}
		seen[k], events[k.Event] = true, true
		if k.Product == ProductNameSMS {
			sms = append(sms, k.Event)
		}
	}
	want := []EventType{EventTypeUnsubscribe, EventTypeMessageResultUpdate, EventTypeConversionBlock, EventTypeInternationalDeliveryReceipt}
	if !slices.Equal(sms, want) {
		t.Errorf("SMS's events are %v, want %v", sms, want)
	}
	for _, e := range []EventType{EventTypeUnsubscribe, EventTypeMessageResultUpdate, EventTypeConversionBlock, EventTypeInternationalDeliveryReceipt, EventTypeTemplateStatusUpdate} {
		if !events[e] {
			t.Errorf("no product sends %s", e)
		}
	}
	if got := KindOf("Sms", EventTypeUnsubscribe); got != (Kind{ProductNameSMS, EventTypeUnsubscribe}) {
		t.Errorf("KindOf(Sms) = %v", got)
	}
	if got := (Head{ProductName: "Sms", Event: EventTypeConversionBlock}).Kind(); got.String() != "SMS CONVERSION_BLOCK" {
		t.Errorf("Head.Kind() = %v", got)
	}
}

func TestSample(t *testing.T) {
	for _, kind := range Kinds() {
		w, ok := Sample(kind)
		if !ok {
			t.Fatalf("no sample of %s", kind)
		}
		head := w.Head()
		if head.Kind() != kind || head.HooksID == "" || head.AppKey == "" || w.HookCount() == 0 || w.HookID(0) == "" {
			t.Errorf("sample of %s: head %+v, %d hooks", kind, head, w.HookCount())
		}
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", NewWebhook(kind)) {
			t.Errorf("sample of %s is a %T", kind, w)
		}
		// Hook is the hook itself, through a pointer: what it says is what HookID reads.
		if got := fmt.Sprintf("%T", w.Hook(0)); !strings.HasPrefix(got, "*api.") || !strings.HasSuffix(got, "Hook") {
			t.Errorf("sample of %s: Hook(0) is a %s", kind, got)
		}
		if !kind.Known() {
			t.Errorf("%s is not Known", kind)
		}
		// Every call is a new copy.
		again, _ := Sample(kind)
		again.KeepHooks(func(int) bool { return false })
		if again.HookCount() != 0 || w.HookCount() == 0 {
			t.Errorf("sample of %s: dropping the hooks of one copy changed another", kind)
		}
	}
	for _, kind := range []Kind{{"SMS", "NEW_EVENT"}, {"SMS", EventTypeTemplateStatusUpdate}, {"RCS Bizmessage", EventTypeMessageResultUpdate}} {
		if _, ok := Sample(kind); ok {
			t.Errorf("a sample of %v, a kind the contract does not have", kind)
		}
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
	m := &SMSMessageResultUpdateEnvelope{Hooks: []SMSMessageResultUpdateHook{{HookID: "x"}, {HookID: "y"}}}
	m.KeepHooks(func(i int) bool { return i == 1 })
	if len(m.Hooks) != 1 || m.Hooks[0].HookID != "y" {
		t.Fatalf("KeepHooks left %v", m.Hooks)
	}
}
