package smshook

import (
	"context"
	"log/slog"
	"time"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// Option configures a handler made by NewHandler or NewStrictHandler.
type Option func(*config)

type config struct {
	secrets      []string
	noSecret     bool
	profile      validate.Profile
	maxBody      int64
	timeout      time.Duration
	logger       *slog.Logger
	onRejected   func(context.Context, *Rejection)
	store        Store
	retention    time.Duration
	lease        time.Duration
	storeTimeout time.Duration
	noDedup      bool
	appKeys      map[string]bool
}

// WithStore sets where processed hookIds are remembered; the default is a NewMemoryStore(0), private to the
// handler. Use a shared store (package redisstore) when several
// receivers stand behind one URL.
func WithStore(s Store) Option {
	return func(c *config) {
		if s != nil {
			c.store = s
		}
	}
}

// WithRetention sets how long a processed hookId is remembered; d <= 0 keeps the default, 24 hours.
func WithRetention(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.retention = d
		}
	}
}

// WithClaimLease sets how long a hook is held as in progress while the application processes it. A copy
// that arrives meanwhile is answered 503 with Retry-After, never 2xx; after a crash, a redelivery is processed
// once the lease expired. Make it longer than the application ever takes: past it, a copy may be processed a
// second time. d <= 0 keeps the default: WithTimeout's bound plus the store timeout when WithTimeout is
// given, else 1 minute.
func WithClaimLease(d time.Duration) Option {
	return func(c *config) { c.lease = d }
}

// WithStoreTimeout bounds every call to the store; a store that does not answer within it is answered 503
// with Retry-After and nothing is dispatched. d <= 0 keeps the default, 2 seconds.
func WithStoreTimeout(d time.Duration) Option {
	return func(c *config) { c.storeTimeout = d }
}

// WithoutDeduplication hands every delivery to the application, redeliveries included.
func WithoutDeduplication() Option {
	return func(c *config) { c.noDedup = true }
}

// WithSecrets sets the accepted secrets: the value typed into the NHN Cloud console, which NHN Cloud sends
// verbatim in X-Toast-Webhook-Signature or X-Nhn-Webhook-Signature (both, when both are present, must match).
// Give two during a rotation: the old one and the new one. Empty strings are ignored.
func WithSecrets(secrets ...string) Option {
	return func(c *config) {
		for _, s := range secrets {
			if s != "" {
				c.secrets = append(c.secrets, s)
			}
		}
	}
}

// WithAppKeys accepts deliveries for these appKeys only; another appKey is answered 403, after the secret and
// the contract were checked (a request with the secret and appKey "String", taken for the console's
// verification, is still answered 200). The secret travels verbatim, so pinning the services you expect is
// defence in depth. Without it, any appKey
// is accepted. Empty strings are ignored.
func WithAppKeys(appKeys ...string) Option {
	return func(c *config) {
		for _, k := range appKeys {
			if k == "" {
				continue
			}
			if c.appKeys == nil {
				c.appKeys = make(map[string]bool)
			}
			c.appKeys[k] = true
		}
	}
}

// AllowNoSecret accepts requests that carry no secret (neither header, or only empty values), for a webhook
// configured in the console without one. With WithSecrets as well, a request that does carry one must still
// match (401 otherwise): a wrong secret is never accepted because requests without one are. Without it, and
// without a secret, NewHandler fails.
func AllowNoSecret() Option {
	return func(c *config) { c.noSecret = true }
}

// WithStrict rejects (400) an unknown event or an unknown enum value, instead of the default compatible
// profile that accepts them as drift (logged) and hands unknown events to Handler.Default.
func WithStrict() Option {
	return func(c *config) { c.profile = validate.Strict }
}

// WithMaxBodyBytes sets the largest accepted body; larger ones are answered 413. n <= 0 keeps the default,
// 1 MiB.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithTimeout bounds the time the application has for one delivery; its context is cancelled then. A
// handler that returns an error once the time is up is answered 503, so that the delivery may be sent
// again. d <= 0, the default, sets no bound beyond the request's own context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithLogger sets where the handler logs; the default is slog.Default(). No log line carries a secret or a
// payload value. The lines the handler writes per request (a rejection, by its problem type; a redelivery; a
// failed store; …) are limited per kind to the first 10 of each minute, so that a flood of bad requests cannot
// fill a disk: past them, one line at the minute's end says how many of that kind were left out
// ("suppressed"). Count requests with package metrics, which sees every one.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// OnRejected sets the callback that sees every rejected request (4xx) before it is answered, so that nothing
// disappears unseen. The default logs one line with the status, the problem type and the cause, never a
// payload value, at the bounded rate WithLogger describes. Rejection.Body is only valid during the call.
func OnRejected(f func(ctx context.Context, r *Rejection)) Option {
	return func(c *config) { c.onRejected = f }
}

// Rejection is a request that was answered 4xx.
type Rejection struct {
	// Problem is the RFC 9457 answer. Its Type names the cause (urn:smshook:problem:secret-mismatch,
	// :invalid-body, ...: docs/contract.md lists them), Status is the HTTP status, Errors the violations of a body.
	Problem api.Problem
	// Err is the cause, for a log line: a *validate.Error with every violation for a body that is not a
	// valid delivery. It never carries a secret or a payload value.
	Err error
	// Body is the request body, or nil when it was not read (405, 401, 415, 413).
	Body []byte
}
