package smshook

import "errors"

// The causes of a rejected request that are not about its body (those are validate.ErrMalformed,
// validate.ErrInvalid, validate.ErrUnsupportedMediaType and validate.ErrBodyTooLarge). A Rejection's Err
// wraps one of them; match with errors.Is.
var (
	// ErrMethodNotAllowed: the method is not POST.
	ErrMethodNotAllowed = errors.New("method is not POST")
	// ErrSignatureMissing: neither X-Toast-Webhook-Signature nor X-Nhn-Webhook-Signature is present, or one
	// of them is empty or repeated.
	ErrSignatureMissing = errors.New("signature header is missing, empty or repeated")
	// ErrSignatureMismatch: a signature header holds none of the accepted secrets.
	ErrSignatureMismatch = errors.New("signature does not match")
	// errStoreUnavailable: the deduplication store failed; answered 503 so that the delivery is sent again.
	errStoreUnavailable = errors.New("deduplication store unavailable")
	// errInProgress: another attempt is processing events of the delivery; answered 503 so that it is sent
	// again once that attempt's outcome is known.
	errInProgress = errors.New("events of this delivery are being processed by another attempt")
	// errPanic: the application panicked; answered 500.
	errPanic = errors.New("panic in the application")
	// ErrAppKeyNotAllowed: the delivery's appKey is not one of WithAppKeys.
	ErrAppKeyNotAllowed = errors.New("appKey is not one this receiver accepts")
	// ErrNoSecret: NewHandler was given no secret and not told to accept unsigned requests.
	ErrNoSecret = errors.New("smshook: no secret configured; pass WithSecrets, or AllowUnsigned to accept unsigned requests")
)
