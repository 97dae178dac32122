package smshook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/batch"
	"github.com/smshook/smshook/validate"
)

// placeholderAppKey is the appKey by which receivers that NHN Cloud customers published recognise the console's
// URL verification: a request with the secret and this appKey is answered 200 and not dispatched. That rule is observed in those
// receivers, not in the vendor's pages, which describe no verification request (they say only "verify, then
// click Add"); the vendor's "String" placeholder is its example's webhookConfigId, not its appKey.
const placeholderAppKey = "String"

type handler struct {
	config
	secrets   secretDigests
	deliver   deliverFunc
	onInvalid func(context.Context, api.Head, []api.InvalidHook) error // Handler.Invalid, or nil
	logs      *logLimiter                                              // the per-request lines, at a bounded rate
}

// NewHandler returns an http.Handler that receives NHN Cloud webhooks on whatever path it is mounted and
// hands each validated delivery to the func of h for its event. Per request, in this order:
//
//	method POST, else 405 → the secret (X-Toast-Webhook-Signature or X-Nhn-Webhook-Signature), before any
//	byte of the body is read, else 401 → Content-Type application/json, else 415 → body within the limit,
//	else 413 → JSON and openapi.yaml, else 400 listing every violation → the appKey, if WithAppKeys, else
//	403 → claims in the store (503 when another attempt holds a hook, or the store fails) → the func of
//	the event → 200, or 500 when it fails (503 past WithTimeout).
//
// Errors are answered as RFC 9457 problem JSON. The default profile is compatible: a delivery of an event the
// contract does not know is handed to h.Default as an *api.Envelope, or acknowledged and logged. A request
// with the secret whose appKey is "String" is answered 200 and not dispatched: receivers that NHN Cloud customers
// published take it for the console's URL verification (no vendor page describes that request).
//
// NewHandler fails when neither WithSecrets nor AllowNoSecret is given.
func NewHandler(h Handler, opts ...Option) (http.Handler, error) {
	hd, err := newHandler(func(ctx context.Context, w api.Webhook) (*bufferedResponse, bool, error) {
		handled, err := h.deliver(ctx, w)
		return nil, handled, err
	}, opts)
	if err != nil {
		return nil, err
	}
	hd.onInvalid = h.Invalid
	return hd, nil
}

// NewStrictHandler is NewHandler for an implementation of the generated api.StrictServerInterface: it receives
// every validated delivery as the api.Delivery union (its Webhook method returns the typed envelope, through
// both discriminators), that of an unknown kind too, and chooses the response; an error is answered 500.
func NewStrictHandler(s api.StrictServerInterface, opts ...Option) (http.Handler, error) {
	if s == nil {
		return nil, errors.New("smshook: NewStrictHandler needs a StrictServerInterface")
	}
	return newHandler(strictDeliverer(s), opts)
}

func newHandler(deliver deliverFunc, opts []Option) (*handler, error) {
	h := &handler{
		config:  config{profile: validate.Compatible, maxBody: defaultMaxBodyBytes, logger: slog.Default()},
		deliver: deliver,
	}
	for _, opt := range opts {
		opt(&h.config)
	}
	if len(h.config.secrets) == 0 && !h.noSecret {
		return nil, errNoSecret
	}
	h.secrets = newSecretDigests(h.config.secrets)
	h.logs = newLogLimiter(h.logger)
	h.config.secrets = nil // only the digests are kept
	if h.onRejected == nil {
		h.onRejected = h.logRejection
	}
	if h.retention <= 0 {
		h.retention = defaultRetention
	}
	if h.storeTimeout <= 0 {
		h.storeTimeout = defaultStoreTimeout
	}
	switch {
	case h.lease > 0:
	case h.timeout > 0:
		// The application's context ends at the timeout; the commit that follows takes at most the store
		// timeout.
		h.lease = h.timeout + h.storeTimeout
	default:
		h.lease = defaultClaimLease
	}
	switch {
	case h.noDedup:
		h.store = nil
	case h.store == nil:
		h.store = NewMemoryStore(0)
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, errMethodNotAllowed, nil, nil)
		return
	}
	if !h.noSecret || len(h.secrets) > 0 { // AllowNoSecret without secrets checks nothing
		if err := h.secrets.check(r.Header, h.noSecret); err != nil {
			h.reject(w, r, http.StatusUnauthorized, err, nil, nil)
			return
		}
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		h.reject(w, r, http.StatusUnsupportedMediaType, unsupportedMediaType(ct), nil, nil)
		return
	}
	body, err := readBody(r, h.maxBody)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, err, nil, nil)
			return
		}
		// The client went away or the connection broke: nothing was dispatched, nobody reads the answer.
		h.reject(w, r, http.StatusBadRequest, err, nil, nil)
		return
	}
	d, drift, err := validate.BodyOwned(body, h.profile) // body is read-only from here on: the delivery's strings are in it
	var invalid []api.InvalidHook
	if err != nil {
		if errors.Is(err, validate.ErrInvalid) && isVerification(body) {
			h.acknowledgeVerification(w, r)
			return
		}
		var partial bool
		if h.profile == validate.Compatible {
			d, drift, invalid, partial = batch.Accept(body, err)
		}
		if !partial {
			var violations []validate.Violation
			if ve := (*validate.Error)(nil); errors.As(err, &ve) {
				violations = ve.Violations
			}
			h.reject(w, r, http.StatusBadRequest, err, body, violations)
			return
		}
	}
	head := d.Head()
	if head.AppKey == placeholderAppKey {
		h.acknowledgeVerification(w, r)
		return
	}
	if h.appKeys != nil && !h.appKeys[head.AppKey] {
		h.reject(w, r, http.StatusForbidden, errAppKeyNotAllowed, body,
			[]validate.Violation{{Pointer: "/appKey", Reason: "not an appKey this receiver accepts"}})
		return
	}
	if len(drift) > 0 {
		h.logs.log(r.Context(), "drift", slog.LevelWarn, "smshook: delivery accepted with values the contract does not know",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.Any("drift", drift))
	}
	if len(invalid) > 0 && !h.takeInvalid(w, r, head, invalid) {
		return
	}
	h.dispatch(w, r, d, head)
}

// takeInvalid hands the hooks dropped from a delivery to Handler.Invalid, or logs them; it answers and
// reports false when the application failed.
func (h *handler) takeInvalid(w http.ResponseWriter, r *http.Request, head api.Head, hooks []api.InvalidHook) bool {
	ctx := r.Context()
	var pointers []string
	for _, hook := range hooks {
		for _, v := range hook.Violations {
			pointers = append(pointers, v.Pointer)
		}
	}
	// Pointers and reasons carry no payload value.
	h.logs.log(ctx, "invalid-hooks", slog.LevelWarn, "smshook: hooks that break the contract were dropped from a delivery; its other hooks are processed",
		slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID),
		slog.Int("dropped", len(hooks)), slog.Any("pointers", pointers))
	if h.onInvalid == nil {
		return true
	}
	if err := h.callInvalid(ctx, head, hooks); err != nil {
		h.logs.log(ctx, "application-failed", slog.LevelError, "smshook: the application failed to take the invalid hooks of a delivery",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID))
		writeProblem(w, problemFor(http.StatusInternalServerError, err, nil))
		return false
	}
	return true
}

// callInvalid calls Handler.Invalid, turning a panic into an error.
func (h *handler) callInvalid(ctx context.Context, head api.Head, hooks []api.InvalidHook) (err error) {
	defer h.recoverPanic(ctx, head, &err)
	return h.onInvalid(ctx, head, hooks)
}

// recoverPanic, deferred, turns a panic of the application into errPanic in *err, so that one bad delivery
// does not take the receiver down with it. The panic's value may carry payload values: only its type is
// logged, with the stack.
func (h *handler) recoverPanic(ctx context.Context, head api.Head, err *error) {
	if p := recover(); p != nil {
		h.logs.log(ctx, "panic", slog.LevelError, "smshook: panic in the application; answered 500",
			slog.Bool("panic", true), slog.String("panicType", fmt.Sprintf("%T", p)),
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID),
			slog.String("stack", string(debug.Stack())))
		*err = errPanic
	}
}

func (h *handler) dispatch(w http.ResponseWriter, r *http.Request, d api.Webhook, head api.Head) {
	ctx := r.Context()
	hooks := d.HookCount()
	var a attempt
	if h.store != nil {
		var err error
		if a, err = h.claim(ctx, d, head); err != nil {
			// A claim that timed out may still run once the store resumes: end what it may have leased,
			// without holding the answer. Whatever stays expires with the lease.
			go h.release(ctx, a.keys, a.token)
			h.logs.log(ctx, "store-unavailable", slog.LevelError, "smshook: the deduplication store failed; the delivery was not processed",
				slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.String("error", err.Error()))
			w.Header().Set("Retry-After", retryAfter(h.storeTimeout))
			writeProblem(w, problemFor(http.StatusServiceUnavailable, errStoreUnavailable, nil))
			return
		}
	}
	if d.HookCount() == 0 {
		if a.busy > 0 {
			h.answerInProgress(w, r, head, &a)
			return
		}
		h.logs.log(ctx, "redelivery", slog.LevelInfo, "smshook: redelivery acknowledged; every event was processed before",
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.Int("hooks", hooks))
		w.WriteHeader(http.StatusOK)
		return
	}
	actx := ctx
	if h.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	resp, err := h.call(actx, d, head)
	if err != nil {
		h.release(ctx, a.claimed, a.token)
		status := http.StatusInternalServerError
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(actx.Err(), context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
		}
		// The error's text is the application's and may carry payload values: it is not logged here.
		h.logs.log(ctx, "application-failed", slog.LevelError, "smshook: application failed to process a delivery",
			slog.Int("status", status), slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID))
		writeProblem(w, problemFor(status, err, nil))
		return
	}
	if resp != nil && resp.status >= 300 {
		// A strict server answered a failure itself: the events were not taken.
		h.release(ctx, a.claimed, a.token)
		resp.writeTo(w)
		return
	}
	h.commit(ctx, head, &a)
	if a.busy > 0 {
		h.answerInProgress(w, r, head, &a)
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
func (h *handler) answerInProgress(w http.ResponseWriter, r *http.Request, head api.Head, a *attempt) {
	h.logs.log(r.Context(), "in-progress", slog.LevelInfo, "smshook: events of this delivery are in progress in another attempt; answered 503 to be sent again",
		slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.Int("inProgress", a.busy),
		slog.Int("processed", len(a.claimed)))
	w.Header().Set("Retry-After", retryAfter(h.lease))
	writeProblem(w, problemFor(http.StatusServiceUnavailable, errInProgress, nil))
}

// call runs the application, turning a panic into an error so that one bad delivery does not take the
// receiver down with it. It returns the answer a strict server chose, or nil for an empty 200.
func (h *handler) call(ctx context.Context, d api.Webhook, head api.Head) (resp *bufferedResponse, err error) {
	defer h.recoverPanic(ctx, head, &err)
	resp, handled, err := h.deliver(ctx, d)
	if !handled {
		msg := "smshook: delivery acknowledged; the Handler has no func for its event"
		if _, untyped := d.(*api.Envelope); untyped {
			msg = "smshook: delivery of an unknown event or another product acknowledged; nothing takes it (Handler.Default)"
		}
		h.logs.log(ctx, "unhandled", slog.LevelWarn, msg,
			slog.String("productName", head.ProductName), slog.String("event", string(head.Event)), slog.String("hooksId", head.HooksID), slog.Int("hooks", d.HookCount()))
	}
	return resp, err
}

// reject answers status with a problem for err that lists violations, after OnRejected saw it.
func (h *handler) reject(w http.ResponseWriter, r *http.Request, status int, err error, body []byte, violations []validate.Violation) {
	p := problemFor(status, err, violations)
	h.onRejected(r.Context(), &Rejection{Problem: p, Err: err, Body: body})
	writeProblem(w, p)
}

func (h *handler) acknowledgeVerification(w http.ResponseWriter, r *http.Request) {
	h.logs.log(r.Context(), "verification", slog.LevelInfo, "smshook: answered the console's verification request")
	w.WriteHeader(http.StatusOK)
}

func (h *handler) logRejection(ctx context.Context, rej *Rejection) {
	h.logs.log(ctx, rej.Problem.Type, slog.LevelWarn, "smshook: request rejected",
		slog.Int("status", rej.Problem.Status), slog.String("type", rej.Problem.Type), slog.String("error", rej.Err.Error()))
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
