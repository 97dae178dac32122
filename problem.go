package smshook

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// problemTypeBase prefixes the RFC 9457 type of every problem the handler answers; the rest names the cause
// (for example urn:smshook:problem:invalid-body). docs/contract.md lists them.
const problemTypeBase = "urn:smshook:problem:"

// problemKinds names each cause. Details never carry a payload value or a secret.
var problemKinds = []struct {
	err          error
	kind, detail string
}{
	{errMethodNotAllowed, "method-not-allowed", "Only POST is accepted."},
	{errSecretMissing, "secret-missing", "The webhook's secret is required: X-Toast-Webhook-Signature or X-Nhn-Webhook-Signature, each present once and non-empty."},
	{errSecretMismatch, "secret-mismatch", "The secret is not an accepted one."},
	{errAppKeyNotAllowed, "app-key-not-allowed", "This receiver does not accept deliveries for this appKey."},
	{errUnsupportedMediaType, "unsupported-media-type", "Content-Type must be application/json."},
	{errBodyTooLarge, "body-too-large", "The body is larger than the receiver accepts."},
	{validate.ErrMalformed, "malformed-body", "The body is not well-formed JSON; see errors."},
	{validate.ErrInvalid, "invalid-body", "The body violates the webhook contract; see errors."},
	{errStoreUnavailable, "store-unavailable", "The receiver cannot record deliveries right now; send it again after Retry-After."},
	{errInProgress, "in-progress", "Events of this delivery are being processed by another attempt; send it again after Retry-After."},
}

// problemFor is the RFC 9457 problem that answers status for err, listing violations.
func problemFor(status int, err error, violations []validate.Violation) api.Problem {
	p := api.Problem{Type: problemTypeBase + "server-error", Title: http.StatusText(status), Status: status}
	detail := "The delivery was not processed; it may be sent again."
	switch status {
	case http.StatusBadRequest:
		p.Type, detail = problemTypeBase+"unreadable-body", "The body could not be read."
	case http.StatusServiceUnavailable:
		p.Type = problemTypeBase + "timeout"
	}
	for _, k := range problemKinds {
		if errors.Is(err, k.err) {
			p.Type, detail = problemTypeBase+k.kind, k.detail
			break
		}
	}
	if mt := (*mediaTypeError)(nil); errors.As(err, &mt) {
		detail += " Received: " + mt.got + "."
	}
	p.Detail = &detail
	if len(violations) > 0 {
		errs := make([]api.ProblemError, len(violations))
		for i, v := range violations {
			errs[i] = api.ProblemError{Pointer: v.Pointer, Detail: v.Reason}
		}
		p.Errors = &errs
	}
	return p
}

// writeProblem answers with p.
func writeProblem(w http.ResponseWriter, p api.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
