// Package smshook receives NHN Cloud (formerly TOAST) SMS webhooks safely.
//
// NewHandler returns one http.Handler, mounted on any path of any router. It checks the
// X-Toast-Webhook-Signature header against the secrets typed into the console before reading the body,
// validates every delivery against openapi.yaml with kin-openapi (package validate), and hands it typed
// (package api, generated from openapi.yaml) to an EventHandler, or to an implementation of the generated
// api.StrictServerInterface through NewStrictHandler. Whatever is rejected is answered with an RFC 9457
// problem and passed to the OnRejected callback; nothing is acknowledged that the application did not take.
//
// Redeliveries are recognised by hookId in a Store (a MemoryStore by default, package redisstore for several
// receivers): a hook is leased to one attempt while the application processes it, done once it succeeded,
// released when it failed. A copy of a hook in progress is answered 503 with Retry-After, never 2xx, and a
// crash leaves at most the lease (WithClaimLease) behind.
//
// The contract follows the vendor's document "SMS Webhook" (NHN Cloud, English and Korean editions); where
// the document contradicts itself, openapi.yaml's description lists each case and what is done about it.
//
// Validate checks values built in Go with go-playground/validator, from tags generated from the same spec.
package smshook
