package smshooktest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// Sender posts deliveries to a receiver as NHN Cloud does, through the client generated from openapi.yaml.
type Sender struct {
	client *api.ClientWithResponses
	target *url.URL
	secret string
}

// NewSender returns a Sender that posts to target, exactly (an httptest.Server's URL, say) with secret in
// X-Toast-Webhook-Signature; an empty secret sends no signature. opts reach the generated client, for example
// api.WithHTTPClient. It fails when url is not a valid URL.
func NewSender(target, secret string, opts ...api.ClientOption) (*Sender, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("smshooktest: %q is not an http(s) URL", target)
	}
	c, err := api.NewClientWithResponses(target, opts...)
	if err != nil {
		return nil, err
	}
	return &Sender{client: c, target: u, secret: secret}, nil
}

// Send posts envelope (a generated envelope, or the JSON as []byte or json.RawMessage) and returns the
// answer; the status is resp.StatusCode() and a problem, if any, is one of resp.ApplicationproblemJSON4xx/5xx.
// It fails when envelope does not marshal or the request does not get an answer.
func (s *Sender) Send(ctx context.Context, envelope any) (*api.ReceiveWebhookResponse, error) {
	body, err := Marshal(envelope)
	if err != nil {
		return nil, err
	}
	return s.client.ReceiveWebhookWithBodyWithResponse(ctx, ContentType, bytes.NewReader(body), s.sign)
}

func (s *Sender) sign(_ context.Context, r *http.Request) error {
	// The generated client resolves the operation's path "/" against the URL, which would drop its last
	// segment: NHN Cloud posts to the configured URL exactly.
	u := *s.target
	r.URL, r.Host = &u, u.Host
	if s.secret != "" {
		r.Header.Set(smshook.SignatureHeader, s.secret)
	}
	return nil
}

// Problem returns the RFC 9457 problem of a non-2xx answer, or nil.
func Problem(resp *api.ReceiveWebhookResponse) *api.Problem {
	for _, p := range []*api.Problem{
		resp.ApplicationproblemJSON400, resp.ApplicationproblemJSON401, resp.ApplicationproblemJSON405,
		resp.ApplicationproblemJSON413, resp.ApplicationproblemJSON415, resp.ApplicationproblemJSON500,
		resp.ApplicationproblemJSON503,
	} {
		if p != nil {
			return p
		}
	}
	return nil
}
