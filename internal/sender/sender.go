// Package sender posts deliveries to a receiver as NHN Cloud does, through the client generated from
// openapi.yaml: `smshook send` and `smshook demo` use it, and package smshooktest wraps it for tests.
package sender

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// ContentType is the Content-Type NHN Cloud sends.
const ContentType = "application/json;charset=UTF-8"

// NewID returns an identifier shaped like NHN Cloud's hooksId and hookId: the Korean local time to the second
// followed by 11 random characters.
func NewID() string {
	return time.Now().In(api.Seoul()).Format("20060102150405") + rand.Text()[:11]
}

// Sender posts to one URL, exactly, with a secret.
type Sender struct {
	client *api.ClientWithResponses
	target *url.URL
	secret string
}

// New returns a Sender that posts to target, exactly (an httptest.Server's URL, say), with secret in
// X-Toast-Webhook-Signature; an empty secret sends no such header. opts reach the generated client. It fails
// when target is not an http(s) URL; the error shows the URL without its password, if any.
func New(target, secret string, opts ...api.ClientOption) (*Sender, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u.Redacted())
	}
	// A pool of its own: http.DefaultTransport's is closed under it by whoever calls its CloseIdleConnections
	// (httptest.Server.Close does), which breaks a request being written. opts may give another client.
	own := api.WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()})
	c, err := api.NewClientWithResponses(target, append([]api.ClientOption{own}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Sender{client: c, target: u, secret: secret}, nil
}

// Send posts body and returns the answer; it fails when the request gets no answer within ctx.
func (s *Sender) Send(ctx context.Context, body []byte) (*api.ReceiveWebhookResponse, error) {
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
		resp.ApplicationProblemJSON400, resp.ApplicationProblemJSON401, resp.ApplicationProblemJSON403,
		resp.ApplicationProblemJSON405, resp.ApplicationProblemJSON413, resp.ApplicationProblemJSON415,
		resp.ApplicationProblemJSON500, resp.ApplicationProblemJSON503,
	} {
		if p != nil {
			return p
		}
	}
	return nil
}
