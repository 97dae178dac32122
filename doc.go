// Package smshook receives NHN Cloud (formerly TOAST) webhooks safely — SMS, KakaoTalk Bizmessage and Email, on
// one URL: start here.
//
// NewHandler returns one http.Handler, mounted on any path of any router. The application is a Handler: a
// struct with one func per kind of delivery of openapi.yaml — a product's event, since the products send the
// same event names with other hooks — named by the product's prefix and the event (SMSMessageResultUpdate,
// KakaoTalkMessageResultUpdate, EmailMessageResultUpdate, ...), each given the typed envelope of a delivery
// (package api, generated from the spec), and Default for the rest. Set only the funcs you need:
//
//	h, err := smshook.NewHandler(smshook.Handler{
//		SMSMessageResultUpdate: func(ctx context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
//			for _, hook := range e.Hooks {
//				// record hook.RequestID, hook.RecipientSeq, hook.MessageStatus ...
//			}
//			return nil // 200; an error is answered 500, so that NHN Cloud may send it again
//		},
//		KakaoTalkMessageResultUpdate: func(ctx context.Context, e *api.KakaoTalkMessageResultUpdateEnvelope) error {
//			return nil // hook.ResultCode, hook.Outcome() ...
//		},
//	}, smshook.WithSecrets(os.Getenv("SMSHOOK_SECRET")))
//	mux.Handle("POST /webhooks/nhn", h)
//
// Per request, the handler checks the X-Toast-Webhook-Signature header, which carries the secret typed into
// the console verbatim, against the secrets it was given before reading the body, validates the delivery
// against openapi.yaml with kin-openapi (package validate), and only then calls the application. Whatever is
// refused is answered with an RFC 9457 problem and passed to the OnRejected callback; nothing is acknowledged
// that the application did not take.
// NewStrictHandler serves an implementation of the generated api.StrictServerInterface instead.
//
// Redeliveries are recognised by hookId in a Store (NewMemoryStore by default, package redisstore for several
// receivers, package inbox for a durable inbox): a hook is leased to one attempt while the application
// processes it, done once it succeeded, released when it failed. A copy of a hook in progress is answered 503
// with Retry-After, never 2xx, and a crash leaves at most the lease (WithClaimLease) behind.
//
// Tests use package smshooktest: the documented delivery of each kind with fresh ids, Post to a handler, a
// Recorder. Deliveries that arrive another way than HTTP are checked with validate.Body, VerifySecret and
// Handler.Handle.
//
// The contract follows the vendor's documents "SMS Webhook" (NHN Cloud, English and Korean editions), Email's
// webhook guide and KakaoTalk Bizmessage's webhook API guide (Korean editions); where a document is vague or
// contradicts itself, openapi.yaml's description lists each case and what is done about it. The header
// X-Secret-Key that the latter two copy into their examples is never read.
package smshook
