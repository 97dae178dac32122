package smshook

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// ProblemTypeBase prefixes the RFC 9457 type of every problem the handler answers; the rest names the cause
// (for example urn:smshook:problem:invalid-body).
const ProblemTypeBase = "urn:smshook:problem:"

// problemKinds names each cause. Details never carry a payload value or a secret.
var problemKinds = []struct {
	err          error
	kind, detail string
}{
	{ErrMethodNotAllowed, "method-not-allowed", "Only POST is accepted."},
	{ErrSignatureMissing, "signature-missing", "A signature is required: X-Toast-Webhook-Signature or X-Nhn-Webhook-Signature, each present once and non-empty."},
	{ErrSignatureMismatch, "signature-mismatch", "The signature is not an accepted one."},
	{ErrAppKeyNotAllowed, "app-key-not-allowed", "This receiver does not accept deliveries for this appKey."},
	{validate.ErrUnsupportedMediaType, "unsupported-media-type", "Content-Type must be application/json."},
	{validate.ErrBodyTooLarge, "body-too-large", "The body is larger than the receiver accepts."},
	{validate.ErrMalformed, "malformed-body", "The body is not well-formed JSON; see errors."},
	{validate.ErrInvalid, "invalid-body", "The body violates the webhook contract; see errors."},
	{errStoreUnavailable, "store-unavailable", "The receiver cannot record deliveries right now; send it again after Retry-After."},
	{errInProgress, "in-progress", "Events of this delivery are being processed by another attempt; send it again after Retry-After."},
}

// writeProblem answers status with an RFC 9457 problem for err.
func writeProblem(w http.ResponseWriter, status int, err error, violations []validate.Violation) {
	p := api.Problem{Type: ProblemTypeBase + "server-error", Title: http.StatusText(status), Status: status}
	detail := "The delivery was not processed; it may be sent again."
	switch status {
	case http.StatusBadRequest:
		p.Type, detail = ProblemTypeBase+"unreadable-body", "The body could not be read."
	case http.StatusServiceUnavailable:
		p.Type = ProblemTypeBase + "timeout"
	}
	for _, k := range problemKinds {
		if errors.Is(err, k.err) {
			p.Type, detail = ProblemTypeBase+k.kind, k.detail
			break
		}
	}
	p.Detail = &detail
	if len(violations) > 0 {
		errs := make([]api.ProblemError, len(violations))
		for i, v := range violations {
			errs[i] = api.ProblemError{Pointer: v.Pointer, Detail: v.Reason}
		}
		p.Errors = &errs
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}
