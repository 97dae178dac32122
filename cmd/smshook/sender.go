package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// contentType is the Content-Type NHN Cloud sends.
const contentType = "application/json;charset=UTF-8"

// sender posts deliveries to one URL as NHN Cloud does, through the client generated from openapi.yaml.
// (Package smshooktest has the same for tests; a command does not import a test helper.)
type sender struct {
	client *api.ClientWithResponses
	target *url.URL
	secret string
}

// newSender returns a sender that posts to target, exactly, with secret in X-Toast-Webhook-Signature; an
// empty secret sends no signature. It fails when target is not an http(s) URL; the error shows the URL
// without its password, if any.
func newSender(target, secret string) (*sender, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u.Redacted())
	}
	c, err := api.NewClientWithResponses(target)
	if err != nil {
		return nil, err
	}
	return &sender{client: c, target: u, secret: secret}, nil
}

// send posts body and returns the answer; it fails when the request gets no answer within ctx.
func (s *sender) send(ctx context.Context, body []byte) (*api.ReceiveWebhookResponse, error) {
	return s.client.ReceiveWebhookWithBodyWithResponse(ctx, contentType, bytes.NewReader(body), s.sign)
}

func (s *sender) sign(_ context.Context, r *http.Request) error {
	// The generated client resolves the operation's path "/" against the URL, which would drop its last
	// segment: NHN Cloud posts to the configured URL exactly.
	u := *s.target
	r.URL, r.Host = &u, u.Host
	if s.secret != "" {
		r.Header.Set(smshook.SignatureHeader, s.secret)
	}
	return nil
}

// problemOf returns the RFC 9457 problem of a non-2xx answer, or nil.
func problemOf(resp *api.ReceiveWebhookResponse) *api.Problem {
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
