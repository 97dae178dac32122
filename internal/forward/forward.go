// Package forward posts a delivery to an application over HTTP, as JSON signed as Standard Webhooks
// specifies (https://www.standardwebhooks.com/), so that an application in any language takes NHN Cloud's
// events from the inbox with that standard's libraries: `smshook serve --inbox … --forward-to URL`.
//
// The body is the delivery as validated, a Delivery of the contract (openapi.yaml): every property the contract
// knows, webhookConfigId included, the hooks as the contract describes the event's, each with its hookId; an event
// the contract does not know is an Envelope whose hooks are as received. The contract describes the request itself
// (the operation receiveForwardedDelivery), so that an application generates its types from the same file as the
// receiver. The request carries webhook-id, webhook-timestamp and webhook-signature (v1,<base64 of HMAC-SHA256
// over id.timestamp.body>, keyed with the whsec_ secret). webhook-id is derived from the body, so that every retry
// of one delivery carries the same id and the application can recognise a repeat; the timestamp and the signature
// are new at each attempt, as the standard's verifiers expect a recent timestamp.
//
// It lives under internal/ because its users are the command and its container image: a Go program takes the
// inbox's deliveries typed, with inbox.Run, and has nothing to forward. What it sends is the contract
// applications rely on, written in docs/inbox.md.
package forward

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/smshook/smshook/api"
)

// SecretPrefix starts a Standard Webhooks secret: whsec_ and the key in base64.
const SecretPrefix = "whsec_"

// MinKeyBytes is the shortest key accepted, the standard's recommended minimum.
const MinKeyBytes = 24

// ContentType is the type of every body posted.
const ContentType = "application/json"

// Forwarder posts deliveries to one URL. It is safe for concurrent use.
type Forwarder struct {
	url    string
	wh     *standardwebhooks.Webhook
	client *http.Client
}

// New returns a Forwarder that posts to target, an http or https URL, signed with secret (whsec_ and at least
// MinKeyBytes of key in base64), each request bounded by timeout (> 0). It fails on a bad URL or secret; its
// errors never contain the secret.
func New(target, secret string, timeout time.Duration) (*Forwarder, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("forward: the target must be an http:// or https:// URL with a host")
	}
	if timeout <= 0 {
		return nil, errors.New("forward: the timeout must be positive")
	}
	if err := CheckSecret(secret); err != nil {
		return nil, err
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, errors.New("forward: the secret is not whsec_ and base64")
	}
	return &Forwarder{url: target, wh: wh, client: &http.Client{
		// A pool of its own: http.DefaultTransport's is closed under it by whoever calls its
		// CloseIdleConnections (httptest.Server.Close does), which breaks a forward being written.
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		Timeout:   timeout,
		// A redirect would carry the signed body elsewhere: the application answers, or fails.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// CheckSecret reports whether secret is a Standard Webhooks secret: whsec_ followed by at least MinKeyBytes of
// key in standard base64. Its error never contains the secret.
func CheckSecret(secret string) error {
	key, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return errors.New("forward: the secret must start with " + SecretPrefix)
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return errors.New("forward: the secret after " + SecretPrefix + " is not standard base64")
	}
	if len(raw) < MinKeyBytes {
		return fmt.Errorf("forward: the secret's key is %d bytes; at least %d", len(raw), MinKeyBytes)
	}
	return nil
}

// Body returns what Forward posts for w: w encoded as the contract's Delivery, with every property its type
// holds. It fails only when w does not encode, or has no hooks (a delivery has at least one).
func Body(w api.Webhook) ([]byte, error) {
	if w == nil || w.HookCount() == 0 {
		return nil, errors.New("forward: a delivery has at least one hook")
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("forward: encode the delivery: %w", err)
	}
	return body, nil
}

// ID returns the webhook-id of body: the same for every attempt of one delivery, and for two deliveries only
// when their bodies are equal, which makes the second a repeat of the first.
func ID(body []byte) string {
	sum := sha256.Sum256(body)
	return "msg_" + hex.EncodeToString(sum[:16])
}

// Forward posts w to the application and returns nil once it answered 2xx. Otherwise it returns an *Error
// whose text names what failed (a status, a timeout, a refused connection) and never a payload value, the
// URL or the secret.
func (f *Forwarder) Forward(ctx context.Context, w api.Webhook) error {
	body, err := Body(w)
	if err != nil {
		return err
	}
	return f.Post(ctx, body)
}

// Post posts body, as Body returns it, signed, and returns as Forward does.
func (f *Forwarder) Post(ctx context.Context, body []byte) error {
	id := ID(body)
	now := time.Now()
	sig, err := f.wh.Sign(id, now, body)
	if err != nil {
		return fmt.Errorf("forward: sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	if err != nil {
		return &Error{Kind: KindRequest}
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "smshook-forward")
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, fmt.Sprint(now.Unix()))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := f.client.Do(req)
	if err != nil {
		return classify(ctx, err)
	}
	// Read a little of the answer so that the connection can be reused; its content is the application's.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &Error{Kind: KindStatus, Status: resp.StatusCode}
	}
	return nil
}

// Kind is what made a forward fail.
type Kind string

// The kinds of failure.
const (
	KindStatus     Kind = "status"     // the application answered, not 2xx
	KindTimeout    Kind = "timeout"    // no answer within the timeout
	KindRefused    Kind = "refused"    // nothing listens at the URL
	KindConnection Kind = "connection" // the connection failed otherwise: DNS, reset, TLS
	KindCancelled  Kind = "cancelled"  // the caller's context ended
	KindRequest    Kind = "request"    // the request could not be made
)

// Error is a failed forward. Its text is "forward: KIND" and for a status "forward: status N".
type Error struct {
	Kind   Kind
	Status int // the status of KindStatus
}

func (e *Error) Error() string {
	if e.Kind == KindStatus {
		return fmt.Sprintf("forward: status %d", e.Status)
	}
	return "forward: " + string(e.Kind)
}

// MetricKind names the failure for a metric's label: the kind, and for a status the status (status_503).
func (e *Error) MetricKind() string {
	if e.Kind == KindStatus {
		return fmt.Sprintf("status_%d", e.Status)
	}
	return string(e.Kind)
}

// classify turns a transport error, whose text holds the URL, into an *Error that does not.
func classify(ctx context.Context, err error) error {
	var netErr net.Error
	switch {
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Kind: KindCancelled}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &Error{Kind: KindTimeout}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Kind: KindRefused}
	}
	return &Error{Kind: KindConnection}
}
