// Package smshook receives NHN Cloud (formerly TOAST) webhooks safely: start here.
//
// NewHandler returns one http.Handler, mounted on any path of any router. The application is a Handler: a
// struct with one func per event of openapi.yaml, each given the typed envelope of a delivery (package api,
// generated from the spec), and Default for the rest. Set only the funcs you need:
//
//	h, err := smshook.NewHandler(smshook.Handler{
//		MessageResultUpdate: func(ctx context.Context, e *api.MessageResultUpdateEnvelope) error {
//			for _, hook := range e.Hooks {
//				// record hook.RequestId, hook.RecipientSeq, hook.MessageStatus ...
//			}
//			return nil // 200; an error is answered 500, so that NHN Cloud may send it again
//		},
//	}, smshook.WithSecrets(os.Getenv("NHN_WEBHOOK_SIGNATURE")))
//	mux.Handle("POST /webhooks/nhn", h)
//
// Per request, the handler checks the X-Toast-Webhook-Signature header against the secrets typed into the
// console before reading the body, validates the delivery against openapi.yaml with kin-openapi (package
// validate), and only then calls the application. Whatever is refused is answered with an RFC 9457 problem
// and passed to the OnRejected callback; nothing is acknowledged that the application did not take.
// NewStrictHandler serves an implementation of the generated api.StrictServerInterface instead.
//
// Redeliveries are recognised by hookId in a Store (NewMemoryStore by default, package redisstore for several
// receivers, package inbox for a durable inbox): a hook is leased to one attempt while the application
// processes it, done once it succeeded, released when it failed. A copy of a hook in progress is answered 503
// with Retry-After, never 2xx, and a crash leaves at most the lease (WithClaimLease) behind.
//
// Tests use package smshooktest: the documented delivery of each event with fresh ids, Post to a handler, a
// Recorder. Deliveries that arrive another way than HTTP are checked with validate.Body, VerifySignature and
// Handler.Handle.
//
// The contract follows the vendor's document "SMS Webhook" (NHN Cloud, English and Korean editions); where
// the document contradicts itself, openapi.yaml's description lists each case and what is done about it.
package smshook
