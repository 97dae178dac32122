package smshook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"unsafe"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// placeholderAppKey is the appKey of the request the NHN Cloud console sends to verify a URL before saving a
// webhook: the vendor document's placeholder.
const placeholderAppKey = "String"

type handler struct {
	config
	validator *validate.Validator
	secrets   signatures
	deliver   deliverFunc
}

// NewHandler returns an http.Handler that receives NHN Cloud SMS webhooks on whatever path it is mounted and
// hands each validated delivery to h. Per request, in this order:
//
//	method POST, else 405 → the signature (X-Toast-Webhook-Signature or X-Nhn-Webhook-Signature), before any
//	byte of the body is read, else 401 → Content-Type application/json, else 415 → body within the limit,
//	else 413 → JSON and openapi.yaml, else 400 listing every violation → the appKey, if WithAppKeys, else
//	403 → claims in the store (503 when another attempt holds a hook, or the store fails) → typed dispatch →
//	200, or 500 when h fails (503 past WithTimeout).
//
// Errors are answered as RFC 9457 problem JSON. The default profile is Compatible: a delivery of an unknown
// event is acknowledged and handed to the OnUnknownEvent callback. A signed request whose appKey is "String"
// is the console's verification request: it is answered 200 and not dispatched.
//
// NewHandler fails with ErrNoSecret when neither WithSecrets nor AllowUnsigned is given, and when the
// embedded spec does not load.
func NewHandler(h EventHandler, opts ...Option) (http.Handler, error) {
	if h == nil {
		return nil, errors.New("smshook: NewHandler needs an EventHandler")
	}
	return newHandler(eventDeliverer(h), opts)
}

// NewStrictHandler is NewHandler for an implementation of the generated api.StrictServerInterface: it receives
// the validated delivery as the api.Delivery union (ValueByDiscriminator returns the typed envelope) and
// chooses the response; an error is answered 500. Unknown events still go to the OnUnknownEvent callback.
func NewStrictHandler(s api.StrictServerInterface, opts ...Option) (http.Handler, error) {
	if s == nil {
		return nil, errors.New("smshook: NewStrictHandler needs a StrictServerInterface")
	}
	return newHandler(strictDeliverer(s), opts)
}

func newHandler(deliver deliverFunc, opts []Option) (*handler, error) {
	h := &handler{
		config:  config{profile: validate.Compatible, maxBody: validate.DefaultMaxBodyBytes, logger: slog.Default()},
		deliver: deliver,
	}
	for _, opt := range opts {
		opt(&h.config)
	}
	if len(h.config.secrets) == 0 && !h.unsigned {
		return nil, ErrNoSecret
	}
	h.secrets = newSignatures(h.config.secrets)
	h.config.secrets = nil // only the digests are kept
	if h.onRejected == nil {
		h.onRejected = h.logRejection
	}
	if h.onUnknownEvent == nil {
		h.onUnknownEvent = h.logUnknownEvent
	}
	if h.retention <= 0 {
		h.retention = DefaultRetention
	}
	if h.storeTimeout <= 0 {
		h.storeTimeout = DefaultStoreTimeout
	}
	switch {
	case h.lease > 0:
	case h.timeout > 0:
		// The application's context ends at the timeout; the commit that follows takes at most the store
		// timeout.
		h.lease = h.timeout + h.storeTimeout
	default:
		h.lease = DefaultClaimLease
	}
	switch {
	case h.noDedup:
		h.store = nil
	case h.store == nil:
		h.store = NewMemoryStore(0)
	}
	var err error
	h.validator, err = validate.New(validate.WithProfile(h.profile), validate.WithMaxBodyBytes(h.maxBody))
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, ErrMethodNotAllowed, nil, nil)
		return
	}
	if !h.unsigned || len(h.secrets) > 0 { // AllowUnsigned without secrets checks nothing
		if err := h.secrets.check(r.Header, h.unsigned); err != nil {
			h.reject(w, r, http.StatusUnauthorized, err, nil, nil)
			return
		}
	}
	if err := validate.CheckContentType(r.Header.Get("Content-Type")); err != nil {
		h.reject(w, r, http.StatusUnsupportedMediaType, err, nil, nil)
		return
	}
	body, err := validate.ReadBody(r, h.maxBody)
	if err != nil {
		if errors.Is(err, validate.ErrBodyTooLarge) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, err, nil, nil)
			return
		}
		// The client went away or the connection broke: nothing was dispatched, nobody reads the answer.
		h.reject(w, r, http.StatusBadRequest, err, nil, violationsOf(err))
		return
	}
	// The body was read into a buffer of its own that nothing writes to again, so the delivery's strings can
	// share its memory instead of a copy.
	d, err := h.validator.BodyString(unsafe.String(unsafe.SliceData(body), len(body)))
	if err != nil {
		if errors.Is(err, validate.ErrInvalid) && isVerification(body) {
			h.acknowledgeVerification(w, r)
			return
		}
		h.reject(w, r, http.StatusBadRequest, err, body, violationsOf(err))
		return
	}
	if d.AppKey == placeholderAppKey {
		h.acknowledgeVerification(w, r)
		return
	}
	if h.appKeys != nil && !h.appKeys[d.AppKey] {
		h.reject(w, r, http.StatusForbidden, ErrAppKeyNotAllowed, body,
			[]validate.Violation{{Pointer: "/appKey", Reason: "not an appKey this receiver accepts"}})
		return
	}
	if len(d.Drift) > 0 {
		h.logger.LogAttrs(r.Context(), slog.LevelWarn, "smshook: delivery accepted with values the contract does not know",
			slog.String("event", string(d.Event)), slog.Any("drift", d.Drift))
	}
	h.dispatch(w, r, d, body)
}

func (h *handler) dispatch(w http.ResponseWriter, r *http.Request, d *validate.Delivery, body []byte) {
	ctx := r.Context()
	var a attempt
	if h.store != nil {
		var err error
		if a, err = h.claim(ctx, d); err != nil {
			// A claim that timed out may still run once the store resumes: end what it may have leased,
			// without holding the answer. Whatever stays expires with the lease.
			go h.release(ctx, a.keys, a.token)
			h.logger.LogAttrs(ctx, slog.LevelError, "smshook: the deduplication store failed; the delivery was not processed",
				slog.String("event", string(d.Event)), slog.String("hooksId", d.HooksID), slog.String("error", err.Error()))
			w.Header().Set("Retry-After", retryAfter(h.storeTimeout))
			writeProblem(w, http.StatusServiceUnavailable, errStoreUnavailable, nil)
			return
		}
	}
	if hooksOf(d.Envelope) == 0 {
		if a.busy > 0 {
			h.answerInProgress(w, r, d, &a)
			return
		}
		h.logger.LogAttrs(ctx, slog.LevelInfo, "smshook: redelivery acknowledged; every event was processed before",
			slog.String("event", string(d.Event)), slog.String("hooksId", d.HooksID), slog.Int("hooks", d.Hooks))
		w.WriteHeader(http.StatusOK)
		return
	}
	actx := ctx
	if h.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	resp, err := h.call(actx, d, body)
	if err != nil {
		h.release(ctx, a.claimed, a.token)
		status := http.StatusInternalServerError
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(actx.Err(), context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
		}
		// The error's text is the application's and may carry payload values: it is not logged here.
		h.logger.LogAttrs(ctx, slog.LevelError, "smshook: application failed to process a delivery",
			slog.Int("status", status), slog.String("event", string(d.Event)), slog.String("hooksId", d.HooksID))
		writeProblem(w, status, err, nil)
		return
	}
	if resp != nil && resp.status >= 300 {
		// A strict server answered a failure itself: the events were not taken.
		h.release(ctx, a.claimed, a.token)
		resp.writeTo(w)
		return
	}
	h.commit(ctx, d, &a)
	if a.busy > 0 {
		h.answerInProgress(w, r, d, &a)
		return
	}
	if resp != nil {
		resp.writeTo(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// answerInProgress answers a delivery some of whose events another attempt is processing: 503, so that the
// sender tries again once that attempt's outcome is known, instead of an acknowledgement of events that may
// still fail. The events this attempt took were processed and are not dispatched again.
func (h *handler) answerInProgress(w http.ResponseWriter, r *http.Request, d *validate.Delivery, a *attempt) {
	h.logger.LogAttrs(r.Context(), slog.LevelInfo, "smshook: events of this delivery are in progress in another attempt; answered 503 to be sent again",
		slog.String("event", string(d.Event)), slog.String("hooksId", d.HooksID), slog.Int("inProgress", a.busy),
		slog.Int("processed", len(a.claimed)))
	w.Header().Set("Retry-After", retryAfter(h.lease))
	writeProblem(w, http.StatusServiceUnavailable, errInProgress, nil)
}

// call runs the application, turning a panic into an error so that one bad delivery does not take the
// receiver down with it. It returns the answer a strict server chose, or nil for an empty 200.
func (h *handler) call(ctx context.Context, d *validate.Delivery, body []byte) (resp *bufferedResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's value may carry payload values: only its type is logged, with the stack.
			h.logger.LogAttrs(ctx, slog.LevelError, "smshook: panic in the application; answered 500",
				slog.Bool("panic", true), slog.String("panicType", fmt.Sprintf("%T", p)),
				slog.String("event", string(d.Event)), slog.String("hooksId", d.HooksID),
				slog.String("stack", string(debug.Stack())))
			resp, err = nil, errPanic
		}
	}()
	if env, ok := d.Envelope.(*api.Envelope); ok {
		// The envelope's strings share the body's memory: the application gets a copy it may change.
		return nil, h.onUnknownEvent(ctx, env, bytes.Clone(body))
	}
	return h.deliver(ctx, d, body)
}

// reject answers status with a problem for err that lists violations, after OnRejected saw it.
func (h *handler) reject(w http.ResponseWriter, r *http.Request, status int, err error, body []byte, violations []validate.Violation) {
	h.onRejected(r.Context(), &Rejection{Status: status, Err: err, Body: body})
	writeProblem(w, status, err, violations)
}

// violationsOf returns the violations a *validate.Error carries, or nil.
func violationsOf(err error) []validate.Violation {
	if ve := (*validate.Error)(nil); errors.As(err, &ve) {
		return ve.Violations
	}
	return nil
}

func (h *handler) acknowledgeVerification(w http.ResponseWriter, r *http.Request) {
	h.logger.LogAttrs(r.Context(), slog.LevelInfo, "smshook: answered the console's verification request")
	w.WriteHeader(http.StatusOK)
}

func (h *handler) logRejection(ctx context.Context, rej *Rejection) {
	h.logger.LogAttrs(ctx, slog.LevelWarn, "smshook: request rejected",
		slog.Int("status", rej.Status), slog.String("error", rej.Err.Error()))
}

func (h *handler) logUnknownEvent(ctx context.Context, env *api.Envelope, _ []byte) error {
	h.logger.LogAttrs(ctx, slog.LevelWarn, "smshook: delivery of an unknown event acknowledged",
		slog.String("event", string(env.Event)), slog.String("hooksId", env.HooksId), slog.Int("hooks", len(env.Hooks)))
	return nil
}

// hooksOf returns the number of hooks left in an envelope.
func hooksOf(envelope any) int {
	switch e := envelope.(type) {
	case *api.UnsubscribeEnvelope:
		return len(e.Hooks)
	case *api.MessageResultUpdateEnvelope:
		return len(e.Hooks)
	case *api.ConversionBlockEnvelope:
		return len(e.Hooks)
	case *api.InternationalDeliveryReceiptEnvelope:
		return len(e.Hooks)
	case *api.Envelope:
		return len(e.Hooks)
	}
	return 0
}

// isVerification reads only the appKey of a body that is JSON but not a valid delivery.
// Property names are matched exactly, as the validator matches them: {"AppKey":"String"} is not one.
func isVerification(body []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	raw, ok := probe["appKey"]
	var appKey string
	return ok && json.Unmarshal(raw, &appKey) == nil && appKey == placeholderAppKey
}

var _ http.Handler = (*handler)(nil)
