package smshooktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// AppKey is the appKey every Sample carries, that of openapi.yaml's examples: a test of a receiver that pins
// appKeys gives it to smshook.WithAppKeys beside the application's own, or sets a sample's AppKey field to
// another value to see the 403.
const AppKey = "akb3dukdmdjsdSvgk"

// Sample returns the documented delivery of the kind of E (its product and event), openapi.yaml's example, with a new hooksId and a
// new hookId for each hook, as a new delivery of new events would have: posting it twice is a redelivery,
// posting two samples is two deliveries. E is a pointer to an envelope type of package api, such as
// *api.SMSMessageResultUpdateEnvelope or *api.EmailUnsubscribeEnvelope; Sample panics for *api.Envelope, which has
// no example.
func Sample[E api.Webhook]() E {
	for _, kind := range api.Kinds() {
		if reflect.TypeOf(api.NewWebhook(kind)) != reflect.TypeFor[E]() {
			continue
		}
		w, _ := api.Sample(kind)
		fresh(w)
		return w.(E)
	}
	panic(fmt.Sprintf("smshooktest: openapi.yaml has no example of %s", reflect.TypeFor[E]()))
}

// fresh gives an envelope a new hooksId and new hookIds.
func fresh(w api.Webhook) {
	v := reflect.ValueOf(w).Elem()
	v.FieldByName("HooksID").SetString(sender.NewID())
	hooks := v.FieldByName("Hooks")
	for i := range hooks.Len() {
		hooks.Index(i).FieldByName("HookID").SetString(sender.NewID())
	}
}

// Option changes the request that NewRequest and Post make.
type Option func(*request)

type request struct {
	path string
}

// Path sets the path the request is sent to; the default is "/". A handler mounted under a path of a router
// (http.ServeMux's "POST /webhooks/nhn", chi's r.Post) sees only requests to that path, so a test posts through
// the router to the same path that NHN Cloud is configured with. A path that does not start with "/", or that
// is no request path (a space, a bad escape), fails the test.
func Path(path string) Option {
	return func(r *request) { r.path = path }
}

// NewRequest returns an incoming POST request to "/" (or opts' Path), for an http.Handler's ServeHTTP, that
// carries delivery as JSON and secret in X-Toast-Webhook-Signature, as NHN Cloud sends it; an empty secret
// sends no such header. delivery is an envelope (any value that encodes to JSON), or a []byte,
// json.RawMessage or string sent as it is.
func NewRequest(t testing.TB, delivery any, secret string, opts ...Option) *http.Request {
	t.Helper()
	req := request{path: "/"}
	for _, opt := range opts {
		opt(&req)
	}
	if _, err := url.ParseRequestURI(req.path); err != nil || !strings.HasPrefix(req.path, "/") ||
		strings.ContainsFunc(req.path, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		t.Fatalf("smshooktest: Path(%q) is not a path that starts with /", req.path)
	}
	var body []byte
	switch b := delivery.(type) {
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(delivery); err != nil {
			t.Fatalf("smshooktest: the delivery does not encode: %v", err)
		}
	}
	r := httptest.NewRequest(http.MethodPost, req.path, bytes.NewReader(body))
	r.Header.Set("Content-Type", sender.ContentType)
	if secret != "" {
		r.Header.Set(smshook.SignatureHeader, secret)
	}
	return r
}

// Post serves NewRequest(t, delivery, secret, opts...) with h and returns its answer: Code is the status, Body
// the problem JSON of a refusal. h may be the receiver itself or the router it is mounted on, with Path.
func Post(t testing.TB, h http.Handler, delivery any, secret string, opts ...Option) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, NewRequest(t, delivery, secret, opts...))
	return w
}

// Recorder records the deliveries a receiver hands to the application. Its zero value is ready; it is safe
// for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	webhooks []api.Webhook
}

// Handler returns a Handler whose Default records every delivery and acknowledges it.
func (r *Recorder) Handler() smshook.Handler {
	return smshook.Handler{Default: func(_ context.Context, w api.Webhook) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.webhooks = append(r.webhooks, w)
		return nil
	}}
}

// Webhooks returns the deliveries recorded so far, in the order they were handed over: each the typed
// envelope of its event, its hooks those the receiver dispatched (a redelivered hook is not among them).
func (r *Recorder) Webhooks() []api.Webhook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]api.Webhook(nil), r.webhooks...)
}
