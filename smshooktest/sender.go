package smshooktest

import (
	"context"
	"fmt"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// Sender posts deliveries to a receiver as NHN Cloud does, through the client generated from openapi.yaml.
type Sender struct{ s *sender.Sender }

// NewSender returns a Sender that posts to target, exactly (an httptest.Server's URL, say) with secret in
// X-Toast-Webhook-Signature; an empty secret sends no signature. opts reach the generated client, for example
// api.WithHTTPClient. It fails when target is not an http(s) URL.
func NewSender(target, secret string, opts ...api.ClientOption) (*Sender, error) {
	s, err := sender.New(target, secret, opts...)
	if err != nil {
		return nil, fmt.Errorf("smshooktest: %w", err)
	}
	return &Sender{s: s}, nil
}

// Send posts envelope (a generated envelope, or the JSON as []byte or json.RawMessage) and returns the
// answer; the status is resp.StatusCode() and a problem, if any, is one of resp.ApplicationproblemJSON4xx/5xx.
// It fails when envelope does not marshal or the request does not get an answer.
func (s *Sender) Send(ctx context.Context, envelope any) (*api.ReceiveWebhookResponse, error) {
	body, err := Marshal(envelope)
	if err != nil {
		return nil, err
	}
	return s.s.Send(ctx, body)
}

// Problem returns the RFC 9457 problem of a non-2xx answer, or nil.
func Problem(resp *api.ReceiveWebhookResponse) *api.Problem { return sender.Problem(resp) }
