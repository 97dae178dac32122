// Package api holds the Go types of the NHN Cloud webhook contract, openapi.yaml: one envelope type and one hook
// type per kind of delivery of SMS, KakaoTalk Bizmessage and Email. The receiver in package smshook hands a
// validated envelope to the application; start there (smshook.Handler) and come here for the fields.
//
// # Names
//
// Every kind is named by one rule: the product's prefix (SMS, Email, KakaoTalk) and the event in CamelCase, then
// Envelope or Hook. SMS's MESSAGE_RESULT_UPDATE is an SMSMessageResultUpdateEnvelope whose Hooks are
// SMSMessageResultUpdateHook values, handed to smshook.Handler's SMSMessageResultUpdate func; KakaoTalk
// Bizmessage's is a KakaoTalkMessageResultUpdateEnvelope for KakaoTalkMessageResultUpdate. Fields are the JSON
// properties with Go's initialisms (hooksId is HooksID, requestId RequestID, _links Links). Optional properties
// are pointers, nil when the vendor leaves them out or sends null.
//
// # One type per concept
//
// What the products share has one Go type, so that code written for one product's hooks compiles for
// another's:
//
//   - LocalDateTime for every date (SMS's yyyy-MM-dd'T'HH:mm:ss, KakaoTalk's yyyy-MM-dd HH:mm:ss, Email's RFC
//     3339 with an offset), with Time in Asia/Seoul;
//   - int64 for recipientSeq (SeqNumber for Email's mailSeq, which the vendor also writes as a string);
//   - named string types for codes and statuses: ResultCode (every resultCode, and a receipt's errorCode),
//     MessageStatus, DlrStatus, MailStatus, KakaoMessageType, TemplateStatus;
//   - MessageLinks for links, and Outcome (delivered, failed, pending, canceled, unknown) from every result hook's
//     Outcome method, read from the result-code catalogue (SMSResultCode, KakaoTalkResultCode, MailStatusCode,
//     DlrStatusCode, DlrErrorCode).
//
// # The registry
//
// Kinds lists the kinds of delivery of the contract; KindOf names the kind of a product and an event,
// NewWebhook makes its empty envelope and Sample its documented delivery. Every envelope is a Webhook: its Head
// (hooksId, webhookConfigId, productName, appKey, event) and its hooks by index. A kind the contract does not
// know yet is an *Envelope with untyped hooks. Delivery is the request body's union of all of them.
//
// # What is generated
//
// api.gen.go is written by oapi-codegen from openapi.yaml with overlay.yaml (Go's types and names, which other
// languages do not need): the types, StrictServerInterface (served by smshook.NewStrictHandler, which checks
// the secret and validates every delivery first), a client (NewClient) and the embedded spec (GetSpec).
// events.gen.go, the registry, and codes.gen.go, the result codes of result-codes.json, are written by the
// module's own generators. Run `go generate ./...`; never edit them by hand.
package api
