package api

// The result codes come from ../result-codes.json, the language-neutral catalogue shipped beside openapi.yaml;
// internal/codegen writes them into codes.gen.go.

// Outcome is what a hook says about one message to one recipient, derived from its status and its code by
// the hooks' Outcome methods. Its zero value is none of the constants below; Outcome never returns it.
type Outcome string

// The outcomes of a hook.
const (
	// OutcomeDelivered: the message reached the recipient.
	OutcomeDelivered Outcome = "delivered"
	// OutcomeFailed: the message was not delivered and will not be; Code.Retry may say whether to send again.
	OutcomeFailed Outcome = "failed"
	// OutcomePending: not decided yet; another hook or receipt of the same message may follow.
	OutcomePending Outcome = "pending"
	// OutcomeCanceled: the sender canceled the message.
	OutcomeCanceled Outcome = "canceled"
	// OutcomeUnknown: neither the status nor the code is one the catalogue knows or one that decides.
	OutcomeUnknown Outcome = "unknown"
)

// Outcomer is a hook that says what became of its message: the result hooks of every product have an Outcome
// method (Webhook.Hook returns them so).
type Outcomer interface{ Outcome() Outcome }

// Code is one entry of the result-code catalogue (result-codes.json).
type Code struct {
	// Kind is "receive" (a resultCode of SMS MESSAGE_RESULT_UPDATE), "dlr-status" (a dlrStatus of
	// INTERNATIONAL_DELIVERY_RECEIPT), "dlr-error" (its errorCode), "mail-status" (a mailStatusCode of Email's
	// result update) or "kakaotalk-result" (a resultCode of KakaoTalk Bizmessage's MESSAGE_RESULT_UPDATE).
	Kind string
	// Code is the value as the webhook sends it: "1000", "E915", "DELIVERED", "3".
	Code string
	// Group is the vendor's group of a receive result code ("carrier", "international", "other"); "" for the
	// DLR codes, which the vendor does not group.
	Group string
	// Outcome is OutcomeDelivered, OutcomeFailed or OutcomePending.
	Outcome Outcome
	// Meaning is the vendor's short meaning, in English.
	Meaning string
	// Retry is "temporary" where the vendor's text says to retry or calls the cause temporary, "permanent" where
	// it says the number is no longer active or should be removed from your database, and "" otherwise.
	Retry string
}

// ResultCode is a result code as a hook sends it: the resultCode of SMS's ("1000", "E915") and of KakaoTalk
// Bizmessage's ("MRC01") MESSAGE_RESULT_UPDATE, and the errorCode of an INTERNATIONAL_DELIVERY_RECEIPT ("3").
// Each has its own catalogue: SMSResultCode, KakaoTalkResultCode and DlrErrorCode read it.
type ResultCode string

// SMSResultCode returns the receive result code code, the resultCode of an SMS MESSAGE_RESULT_UPDATE hook, as
// the webhook sends it ("1000", "E915"). It returns the zero Code and false for a code the catalogue does not
// list.
func SMSResultCode(code ResultCode) (Code, bool) {
	c, ok := resultCodes[string(code)]
	return c, ok
}

// DlrStatusCode returns the DLR status status, the dlrStatus of an INTERNATIONAL_DELIVERY_RECEIPT hook. It
// returns the zero Code and false for a status the catalogue does not list.
func DlrStatusCode(status DlrStatus) (Code, bool) {
	c, ok := dlrStatusCodes[status]
	return c, ok
}

// DlrErrorCode returns the DLR error code code, the errorCode of an INTERNATIONAL_DELIVERY_RECEIPT hook: a
// string in the contract, in decimal without leading zeros ("0", "3"). It returns the zero Code and false for
// a code the catalogue does not list.
func DlrErrorCode(code ResultCode) (Code, bool) {
	c, ok := dlrErrorCodes[string(code)]
	return c, ok
}

// MailStatusCode returns the mail status code code, the mailStatusCode of an Email result update ("SST2"). It
// returns the zero Code and false for a code the catalogue does not list.
func MailStatusCode(code MailStatus) (Code, bool) {
	c, ok := mailStatusCodes[string(code)]
	return c, ok
}

// KakaoTalkResultCode returns KakaoTalk Bizmessage's result code code, the resultCode of its
// MESSAGE_RESULT_UPDATE ("MRC01"). The vendor's webhook page documents only a few: it returns the zero Code and
// false for the others.
func KakaoTalkResultCode(code ResultCode) (Code, bool) {
	c, ok := kakaoTalkResultCodes[string(code)]
	return c, ok
}

// Outcome derives the outcome of the mail from mailStatusCode: a code of the catalogue decides (SST2 is
// OutcomeDelivered; SST3, the unsubscribed SST5 and SST4, SST7 and SST8 are OutcomeFailed); no code, or one the
// catalogue does not list, is OutcomeUnknown.
func (h *EmailMessageResultUpdateHook) Outcome() Outcome {
	if h.MailStatusCode != nil {
		if c, ok := MailStatusCode(*h.MailStatusCode); ok {
			return c.Outcome
		}
	}
	return OutcomeUnknown
}

// Outcome derives the outcome of the KakaoTalk message from resultCode: a code of the catalogue decides
// (MRC01 is OutcomeDelivered, MRC02 OutcomeFailed); no code, or one the catalogue does not list, is
// OutcomeUnknown.
func (h *KakaoTalkMessageResultUpdateHook) Outcome() Outcome {
	if h.ResultCode != nil {
		if c, ok := KakaoTalkResultCode(*h.ResultCode); ok {
			return c.Outcome
		}
	}
	return OutcomeUnknown
}

// Outcome derives the outcome of the message from resultCode and messageStatus. The result code is the final
// word on the message (every receive result code is a success or a failure), so it wins where the two disagree:
//
//   - a resultCode of the catalogue decides: "1000" is OutcomeDelivered, every other listed code
//     OutcomeFailed, whatever messageStatus says (FAILED with 1000 is delivered, COMPLETED or SENDING with
//     3015 failed, CANCEL with 1000 delivered);
//   - otherwise (no resultCode, an empty one, or one the catalogue does not list) messageStatus decides:
//     FAILED, FAILED_AD and DUPLICATED are OutcomeFailed (FAILED without a resultCode is what the vendor sent
//     for failures until 2024-05; a duplicate was not sent); CANCEL is OutcomeCanceled; the deprecated
//     RESERVED, SENDING and RESEND_AD are OutcomePending; COMPLETED says that sending finished, not how, so
//     without a result code it is OutcomeUnknown;
//   - no messageStatus, or one the contract does not list, is OutcomeUnknown.
func (h *SMSMessageResultUpdateHook) Outcome() Outcome {
	if h.ResultCode != nil {
		if c, ok := SMSResultCode(*h.ResultCode); ok {
			return c.Outcome
		}
	}
	if h.MessageStatus == nil {
		return OutcomeUnknown
	}
	switch *h.MessageStatus {
	case MessageStatusFailed, MessageStatusFailedAd, MessageStatusDuplicated:
		return OutcomeFailed
	case MessageStatusCancel:
		return OutcomeCanceled
	case MessageStatusReserved, MessageStatusSending, MessageStatusResendAd:
		return OutcomePending
	}
	return OutcomeUnknown
}

// Outcome derives the outcome of the message from dlrStatus and errorCode. Here the status is the verdict
// (the vendor defines success and failure by it) and errorCode the reason: the vendor's own example sends
// errorCode "0" ("Delivered") with ACCEPTED. So:
//
//   - a dlrStatus of the catalogue decides, whatever errorCode says: DELIVERED is OutcomeDelivered;
//     EXPIRED, FAILED, REJECTED and UNKNOWN (the carrier's "no useful information") are OutcomeFailed;
//     ACCEPTED and BUFFERED are OutcomePending, and a later receipt of the same message follows;
//   - otherwise (a status the catalogue does not list) an errorCode of the catalogue decides: "0" is
//     OutcomeDelivered, every other listed code OutcomeFailed;
//   - otherwise OutcomeUnknown.
func (h *SMSInternationalDeliveryReceiptHook) Outcome() Outcome {
	if c, ok := DlrStatusCode(h.DlrStatus); ok {
		return c.Outcome
	}
	if h.ErrorCode != nil {
		if c, ok := DlrErrorCode(*h.ErrorCode); ok {
			return c.Outcome
		}
	}
	return OutcomeUnknown
}
