package api

import (
	"fmt"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// messageStatuses are the values of MessageStatus that the contract lists.
var messageStatuses = []MessageStatus{
	MessageStatusCompleted, MessageStatusFailed, MessageStatusCancel, MessageStatusDuplicated, MessageStatusFailedAd,
	MessageStatusReserved, MessageStatusSending, MessageStatusResendAd,
}

func TestMessageResultUpdateOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status *MessageStatus
		code   *ResultCode
		want   Outcome
	}{
		// A result code of the catalogue decides.
		{"completed 1000", ptr(MessageStatusCompleted), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"completed 3015", ptr(MessageStatusCompleted), ptr[ResultCode]("3015"), OutcomeFailed},
		{"failed 3015", ptr(MessageStatusFailed), ptr[ResultCode]("3015"), OutcomeFailed},
		{"failed_ad E919", ptr(MessageStatusFailedAd), ptr[ResultCode]("E919"), OutcomeFailed},
		{"duplicated E915", ptr(MessageStatusDuplicated), ptr[ResultCode]("E915"), OutcomeFailed},
		{"no status, 1000", nil, ptr[ResultCode]("1000"), OutcomeDelivered},
		{"no status, 2003", nil, ptr[ResultCode]("2003"), OutcomeFailed},
		{"unknown status, 1000", ptr(MessageStatus("DELIVERED")), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"unknown status, 4009", ptr(MessageStatus("")), ptr[ResultCode]("4009"), OutcomeFailed},
		// ... and overrides a status that contradicts it.
		{"failed but 1000", ptr(MessageStatusFailed), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"failed_ad but 1000", ptr(MessageStatusFailedAd), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"cancel but 1000", ptr(MessageStatusCancel), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"cancel with E999", ptr(MessageStatusCancel), ptr[ResultCode]("E999"), OutcomeFailed},
		{"sending but 1000", ptr(MessageStatusSending), ptr[ResultCode]("1000"), OutcomeDelivered},
		{"reserved but 3001", ptr(MessageStatusReserved), ptr[ResultCode]("3001"), OutcomeFailed},
		{"resend_ad but 2000", ptr(MessageStatusResendAd), ptr[ResultCode]("2000"), OutcomeFailed},
		// Without a result code of the catalogue, the status decides.
		{"failed without a result code (until 2024-05)", ptr(MessageStatusFailed), nil, OutcomeFailed},
		{"failed, empty result code", ptr(MessageStatusFailed), ptr[ResultCode](""), OutcomeFailed},
		{"failed, unknown result code", ptr(MessageStatusFailed), ptr[ResultCode]("3999"), OutcomeFailed},
		{"failed_ad", ptr(MessageStatusFailedAd), nil, OutcomeFailed},
		{"duplicated", ptr(MessageStatusDuplicated), nil, OutcomeFailed},
		{"cancel", ptr(MessageStatusCancel), nil, OutcomeCanceled},
		{"cancel, unknown result code", ptr(MessageStatusCancel), ptr[ResultCode]("X1"), OutcomeCanceled},
		{"reserved", ptr(MessageStatusReserved), nil, OutcomePending},
		{"sending", ptr(MessageStatusSending), nil, OutcomePending},
		{"resend_ad", ptr(MessageStatusResendAd), ptr[ResultCode](""), OutcomePending},
		{"completed without a result code", ptr(MessageStatusCompleted), nil, OutcomeUnknown},
		{"completed, empty result code", ptr(MessageStatusCompleted), ptr[ResultCode](""), OutcomeUnknown},
		{"completed, unknown result code", ptr(MessageStatusCompleted), ptr[ResultCode]("1001 "), OutcomeUnknown},
		// Neither decides.
		{"nothing", nil, nil, OutcomeUnknown},
		{"no status, unknown result code", nil, ptr[ResultCode]("0"), OutcomeUnknown},
		{"unknown status, no result code", ptr(MessageStatus("completed")), nil, OutcomeUnknown},
		{"unknown status, unknown result code", ptr(MessageStatus("NEW")), ptr[ResultCode]("9000"), OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := SMSMessageResultUpdateHook{MessageStatus: tt.status, ResultCode: tt.code}
			if got := h.Outcome(); got != tt.want {
				t.Errorf("Outcome() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInternationalDeliveryReceiptOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status DlrStatus
		code   *ResultCode
		want   Outcome
	}{
		// A status of the catalogue decides.
		{"delivered 0", DlrStatusDelivered, ptr[ResultCode]("0"), OutcomeDelivered},
		{"delivered, no error code", DlrStatusDelivered, nil, OutcomeDelivered},
		{"accepted 0 (the vendor's example)", DlrStatusAccepted, ptr[ResultCode]("0"), OutcomePending},
		{"buffered", DlrStatusBuffered, nil, OutcomePending},
		{"expired 1", DlrStatusExpired, ptr[ResultCode]("1"), OutcomeFailed},
		{"failed 3", DlrStatusFailed, ptr[ResultCode]("3"), OutcomeFailed},
		{"rejected 6", DlrStatusRejected, ptr[ResultCode]("6"), OutcomeFailed},
		{"unknown status is a failure", DlrStatusUnknown, nil, OutcomeFailed},
		// ... whatever the error code says.
		{"delivered but 3", DlrStatusDelivered, ptr[ResultCode]("3"), OutcomeDelivered},
		{"accepted but 8", DlrStatusAccepted, ptr[ResultCode]("8"), OutcomePending},
		{"buffered but 7", DlrStatusBuffered, ptr[ResultCode]("7"), OutcomePending},
		{"failed but 0", DlrStatusFailed, ptr[ResultCode]("0"), OutcomeFailed},
		{"expired, unknown error code", DlrStatusExpired, ptr[ResultCode]("15"), OutcomeFailed},
		// A status the catalogue does not list: the error code decides.
		{"new status, 0", "SENT", ptr[ResultCode]("0"), OutcomeDelivered},
		{"no status, 3", "", ptr[ResultCode]("3"), OutcomeFailed},
		{"lower-case status, 1000", "delivered", ptr[ResultCode]("1000"), OutcomeFailed},
		// Neither decides.
		{"new status, no error code", "SENT", nil, OutcomeUnknown},
		{"no status, empty error code", "", ptr[ResultCode](""), OutcomeUnknown},
		{"new status, unknown error code", "SENT", ptr[ResultCode]("03"), OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := SMSInternationalDeliveryReceiptHook{DlrStatus: tt.status, ErrorCode: tt.code}
			if got := h.Outcome(); got != tt.want {
				t.Errorf("Outcome() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEveryCodeGivesItsOutcome: each code of result-codes.json reaches its hook's Outcome with the outcome the
// catalogue gives it: a receive code with every status, a DLR status with every error code, and a DLR error
// code under a status the catalogue does not list.
func TestEveryCodeGivesItsOutcome(t *testing.T) {
	t.Parallel()
	outcomes := map[string]Outcome{"success": OutcomeDelivered, "failure": OutcomeFailed, "pending": OutcomePending}
	rows := readCatalogue(t)
	var errorCodes []*ResultCode
	for _, row := range rows {
		if row.Kind == "dlr-error" {
			errorCodes = append(errorCodes, ptr(ResultCode(row.Code)))
		}
	}
	statuses := []*MessageStatus{nil, ptr(MessageStatus("NEW"))}
	for _, s := range messageStatuses {
		statuses = append(statuses, ptr(s))
	}
	seen := map[Outcome]int{}
	for _, row := range rows {
		want := outcomes[row.Outcome]
		seen[want]++
		switch row.Kind {
		case "receive":
			for _, status := range statuses {
				h := SMSMessageResultUpdateHook{MessageStatus: status, ResultCode: ptr(ResultCode(row.Code))}
				if got := h.Outcome(); got != want {
					t.Errorf("resultCode %s with status %v: %q, want %q", row.Code, deref(status), got, want)
				}
			}
		case "dlr-status":
			for _, code := range append(errorCodes, nil) {
				h := SMSInternationalDeliveryReceiptHook{DlrStatus: DlrStatus(row.Code), ErrorCode: code}
				if got := h.Outcome(); got != want {
					t.Errorf("dlrStatus %s with errorCode %v: %q, want %q", row.Code, deref(code), got, want)
				}
			}
		case "dlr-error":
			for _, status := range []DlrStatus{"", "SENT"} {
				h := SMSInternationalDeliveryReceiptHook{DlrStatus: status, ErrorCode: ptr(ResultCode(row.Code))}
				if got := h.Outcome(); got != want {
					t.Errorf("errorCode %s with dlrStatus %q: %q, want %q", row.Code, status, got, want)
				}
			}
		case "mail-status":
			code := MailStatus(row.Code)
			if got := (&EmailMessageResultUpdateHook{MailStatusCode: &code}).Outcome(); got != want {
				t.Errorf("mailStatusCode %s: %q, want %q", row.Code, got, want)
			}
		case "kakaotalk-result":
			if got := (&KakaoTalkMessageResultUpdateHook{ResultCode: ptr(ResultCode(row.Code))}).Outcome(); got != want {
				t.Errorf("KakaoTalk resultCode %s: %q, want %q", row.Code, got, want)
			}
		default:
			t.Errorf("unknown kind %q", row.Kind)
		}
	}
	// The catalogue has codes of each outcome, so the loop above asserted each of them.
	for _, o := range []Outcome{OutcomeDelivered, OutcomeFailed, OutcomePending} {
		if seen[o] == 0 {
			t.Errorf("no code of the catalogue is %s", o)
		}
	}
}

// TestEveryStatusHasAnOutcome: each status the contract lists gives a decided outcome without a result code,
// COMPLETED aside (it says that sending finished, not how).
func TestEveryStatusHasAnOutcome(t *testing.T) {
	t.Parallel()
	for _, s := range messageStatuses {
		got := (&SMSMessageResultUpdateHook{MessageStatus: ptr(s)}).Outcome()
		if (got == OutcomeUnknown) != (s == MessageStatusCompleted) {
			t.Errorf("status %s alone: %q", s, got)
		}
	}
}

// TestSamplesOutcome: the contract's documented deliveries read as the vendor means them.
func TestSamplesOutcome(t *testing.T) {
	t.Parallel()
	w, ok := Sample(Kind{ProductNameSMS, EventTypeMessageResultUpdate})
	if !ok {
		t.Fatal("no sample of MESSAGE_RESULT_UPDATE")
	}
	mru, ok := w.(*SMSMessageResultUpdateEnvelope)
	if !ok || len(mru.Hooks) == 0 {
		t.Fatalf("the sample is %T", w)
	}
	if got := mru.Hooks[0].Outcome(); got != OutcomeDelivered {
		t.Errorf("the MESSAGE_RESULT_UPDATE sample (COMPLETED, 1000): %q", got)
	}
	w, ok = Sample(Kind{ProductNameSMS, EventTypeInternationalDeliveryReceipt})
	if !ok {
		t.Fatal("no sample of INTERNATIONAL_DELIVERY_RECEIPT")
	}
	dlr, ok := w.(*SMSInternationalDeliveryReceiptEnvelope)
	if !ok || len(dlr.Hooks) == 0 {
		t.Fatalf("the sample is %T", w)
	}
	if got := dlr.Hooks[0].Outcome(); got != OutcomePending {
		t.Errorf("the INTERNATIONAL_DELIVERY_RECEIPT sample (ACCEPTED, 0): %q", got)
	}
	w, _ = Sample(Kind{ProductNameEmail, EventTypeMessageResultUpdate})
	if got := w.(*EmailMessageResultUpdateEnvelope).Hooks[0].Outcome(); got != OutcomeDelivered {
		t.Errorf("the Email result sample (SST2): %q", got)
	}
	w, _ = Sample(Kind{ProductNameKakaoTalkBizmessage, EventTypeMessageResultUpdate})
	if got := w.(*KakaoTalkMessageResultUpdateEnvelope).Hooks[0].Outcome(); got != OutcomeDelivered {
		t.Errorf("the KakaoTalk result sample (MRC01): %q", got)
	}
}

// TestFamilyOutcomes: Email's mail status codes and KakaoTalk Bizmessage's result codes decide as the catalogue
// says; codes it does not list, and no code, are unknown.
func TestFamilyOutcomes(t *testing.T) {
	t.Parallel()
	mail := func(code MailStatus) Outcome {
		return (&EmailMessageResultUpdateHook{MailStatusCode: &code}).Outcome()
	}
	for code, want := range map[MailStatus]Outcome{
		"SST2": OutcomeDelivered, "SST3": OutcomeFailed, "SST4": OutcomeFailed, "SST5": OutcomeFailed,
		"SST7": OutcomeFailed, "SST8": OutcomeFailed, "SST9": OutcomeUnknown, "": OutcomeUnknown, "sst2": OutcomeUnknown,
	} {
		if got := mail(code); got != want {
			t.Errorf("mailStatusCode %q: %q, want %q", code, got, want)
		}
	}
	if got := (&EmailMessageResultUpdateHook{}).Outcome(); got != OutcomeUnknown {
		t.Errorf("no mailStatusCode: %q", got)
	}
	kakao := func(code ResultCode) Outcome { return (&KakaoTalkMessageResultUpdateHook{ResultCode: &code}).Outcome() }
	for code, want := range map[ResultCode]Outcome{"MRC01": OutcomeDelivered, "MRC02": OutcomeFailed, "MRC03": OutcomeUnknown, "1000": OutcomeUnknown} {
		if got := kakao(code); got != want {
			t.Errorf("KakaoTalk resultCode %q: %q, want %q", code, got, want)
		}
	}
	if got := (&KakaoTalkMessageResultUpdateHook{}).Outcome(); got != OutcomeUnknown {
		t.Errorf("no KakaoTalk resultCode: %q", got)
	}
	// Each kind's codes are its own: an SMS code is no KakaoTalk code, and the reverse.
	if _, ok := SMSResultCode("MRC01"); ok {
		t.Error("MRC01 is listed as an SMS receive result code")
	}
	if _, ok := KakaoTalkResultCode("1000"); ok {
		t.Error("1000 is listed as a KakaoTalk result code")
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func ExampleSMSMessageResultUpdateHook_Outcome() {
	status, code := MessageStatusCompleted, ResultCode("3015")
	hook := SMSMessageResultUpdateHook{HookID: "20240429205809GcSUXthVA00", MessageStatus: &status, ResultCode: &code}
	c, _ := SMSResultCode(code)
	fmt.Printf("%s: %s (%s)\n", hook.HookID, hook.Outcome(), c.Meaning)
	// Output: 20240429205809GcSUXthVA00: failed (No transfer route available)
}

func ExampleSMSInternationalDeliveryReceiptHook_Outcome() {
	code := ResultCode("3")
	hook := SMSInternationalDeliveryReceiptHook{DlrStatus: DlrStatusFailed, ErrorCode: &code}
	if c, ok := DlrErrorCode(code); ok && c.Retry == "permanent" {
		fmt.Println(hook.Outcome(), "for good: drop the number")
	}
	// Output: failed for good: drop the number
}
