package smshook

import "errors"

// The causes of a refusal; a Rejection's Err wraps one of them, or a *validate.Error for a body, and its
// Problem.Type names it (problemKinds).
var (
	errMethodNotAllowed     = errors.New("method is not POST")
	errSecretMissing        = errors.New("secret header is missing, empty or repeated")
	errSecretMismatch       = errors.New("secret does not match")
	errAppKeyNotAllowed     = errors.New("appKey is not one this receiver accepts")
	errUnsupportedMediaType = errors.New("content type is not application/json")
	errBodyTooLarge         = errors.New("body is larger than the limit")
	// errStoreUnavailable: the deduplication store failed; answered 503 so that the delivery is sent again.
	errStoreUnavailable = errors.New("deduplication store unavailable")
	// errInProgress: another attempt is processing events of the delivery; answered 503 so that it is sent
	// again once that attempt's outcome is known.
	errInProgress = errors.New("events of this delivery are being processed by another attempt")
	// errPanic: the application panicked; answered 500.
	errPanic = errors.New("panic in the application")
	// errNoSecret: NewHandler was given no secret and not told to accept requests without one.
	errNoSecret = errors.New("smshook: no secret configured; pass WithSecrets, or AllowNoSecret to accept requests without a secret")
)
