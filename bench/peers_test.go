// Package bench measures smshook's receiver against the peers that validate the same openapi.yaml, on the
// same payloads, in one `go test -bench` run: the encoding/json floor, oapi-codegen's strict server behind its
// kin-openapi middleware ("stock"), a server ogen generated from the spec, and libopenapi-validator in front
// of the same strict server. Every server checks the signature and validates before the handler runs.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	nethttpmiddleware "github.com/oapi-codegen/nethttp-middleware"
	"github.com/oapi-codegen/runtime"
	"github.com/pb33f/libopenapi"
	libvalidator "github.com/pb33f/libopenapi-validator"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/bench/ogenapi"
	"github.com/smshook/smshook/bench/stockapi"
	"github.com/smshook/smshook/internal/sender"
)

const secret = "bench-secret"

var sizes = []int{1, 10, 100, 1000}

// smsEvents are the events of SMS, the product the benchmarks measure: the other products' hooks go through
// the same code.
func smsEvents() []api.EventType {
	var events []api.EventType
	for _, k := range api.Kinds() {
		if k.Product == api.ProductNameSMS {
			events = append(events, k.Event)
		}
	}
	return events
}

func sms(event api.EventType) api.Kind { return api.Kind{Product: api.ProductNameSMS, Event: event} }

// payload is a delivery of n hooks of SMS's event, each with its own hookId.
func payload(tb testing.TB, event api.EventType, n int) []byte {
	tb.Helper()
	sample, ok := api.Sample(sms(event))
	if !ok {
		tb.Fatalf("openapi.yaml has no example of %s", event)
	}
	var env map[string]any
	raw, _ := json.Marshal(sample)
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatal(err)
	}
	hook := env["hooks"].([]any)[0].(map[string]any)
	hooks := make([]any, n)
	for i := range hooks {
		h := make(map[string]any, len(hook))
		for k, v := range hook {
			h[k] = v
		}
		h["hookId"] = fmt.Sprintf("%s%06d", sender.NewID()[:19], i)
		hooks[i] = h
	}
	env["hooks"] = hooks
	b, err := json.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// floor decodes into the generated type of the event, nothing checked.
func floor(event api.EventType) func([]byte) error {
	return func(b []byte) error { return json.Unmarshal(b, api.NewWebhook(sms(event))) }
}

// --- smshook ---------------------------------------------------------------------------------------------

// discard is the application: it takes every delivery, typed, and does nothing with it.
var discard = smshook.Handler{Default: func(context.Context, api.Webhook) error { return nil }}

// smshookHandler is the receiver without deduplication: the peers have none, and the benchmark posts one body
// again and again.
func smshookHandler(tb testing.TB) http.Handler {
	h, err := smshook.NewHandler(discard, smshook.WithSecrets(secret), smshook.WithoutDeduplication(),
		smshook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// --- stock: oapi-codegen's strict server behind nethttp-middleware ------------------------------------------

// strictImpl decodes the union to the typed envelope, as an application of the strict interface does. The stock
// server is stockapi, oapi-codegen's output with its std-http handler: package api generates none, so that no
// application serves the interface without the signature check and the validation.
type strictImpl struct{}

func (strictImpl) ReceiveWebhook(_ context.Context, req stockapi.ReceiveWebhookRequestObject) (stockapi.ReceiveWebhookResponseObject, error) {
	if _, err := (*req.Body).ValueByDiscriminator(); err != nil {
		return nil, err
	}
	return stockapi.ReceiveWebhook200Response{}, nil
}

func strictServer() http.Handler {
	mux := http.NewServeMux()
	return stockapi.HandlerFromMux(stockapi.NewStrictHandler(strictImpl{}, nil), mux)
}

func stockHandler(tb testing.TB) http.Handler { return stockMiddleware(tb)(strictServer()) }

// stockMiddleware is the validator in its best configuration: KeepValidatedValue leaves the value kin-openapi
// decoded and validated on the request, which the strict server's runtime.BindJSONBody binds instead of
// decoding the body a second time.
func stockMiddleware(tb testing.TB) func(http.Handler) http.Handler {
	spec, err := stockapi.GetSpec()
	if err != nil {
		tb.Fatal(err)
	}
	return nethttpmiddleware.OapiRequestValidatorWithOptions(spec, &nethttpmiddleware.Options{
		Options: openapi3filter.Options{
			KeepValidatedValue: true,
			AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				if in.RequestValidationInput.Request.Header.Get(in.SecurityScheme.Name) != secret { // either signature header
					return fmt.Errorf("signature mismatch")
				}
				return nil
			},
		},
		SilenceServersWarning: true,
	})
}

// --- libopenapi-validator in front of the same strict server -------------------------------------------------

func libopenapiHandler(tb testing.TB) http.Handler {
	doc, err := libopenapi.NewDocument(smshook.Spec())
	if err != nil {
		tb.Fatal(err)
	}
	v, errs := libvalidator.NewValidator(doc)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	next := strictServer()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(smshook.SignatureHeader) != secret {
			http.Error(w, "signature mismatch", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if ok, verrs := v.ValidateHttpRequest(r); !ok {
			http.Error(w, fmt.Sprint(len(verrs), " violations"), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// --- ogen ----------------------------------------------------------------------------------------------------

type ogenImpl struct{}

func (ogenImpl) ReceiveWebhook(context.Context, ogenapi.Delivery) (ogenapi.ReceiveWebhookRes, error) {
	return &ogenapi.ReceiveWebhookOK{}, nil
}

type ogenSecurity struct{}

func (ogenSecurity) HandleWebhookSignature(ctx context.Context, _ ogenapi.OperationName, t ogenapi.WebhookSignature) (context.Context, error) {
	if t.APIKey != secret {
		return ctx, fmt.Errorf("signature mismatch")
	}
	return ctx, nil
}

func (ogenSecurity) HandleNhnWebhookSignature(ctx context.Context, _ ogenapi.OperationName, t ogenapi.NhnWebhookSignature) (context.Context, error) {
	if t.APIKey != secret {
		return ctx, fmt.Errorf("signature mismatch")
	}
	return ctx, nil
}

func ogenHandler(tb testing.TB) http.Handler {
	s, err := ogenapi.NewServer(ogenImpl{}, ogenSecurity{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// --- the run -------------------------------------------------------------------------------------------------

type impl struct {
	name    string
	handler func(testing.TB) http.Handler
}

var impls = []impl{
	{"smshook", smshookHandler},
	{"stock", stockHandler},
	{"ogen", ogenHandler},
	{"libopenapi", libopenapiHandler},
}

// nopWriter keeps the response writer out of the measurement.
type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }

// rewindable is a request body that serve rewinds before each request.
type rewindable struct{ bytes.Reader }

func (*rewindable) Close() error { return nil }

// serve sends body in a shallow copy of req: a middleware may keep state on the request it was given (the
// stock one does), so no request is served twice.
func serve(h http.Handler, body []byte, reader *rewindable, req *http.Request, w *nopWriter) {
	reader.Reset(body)
	r := new(http.Request)
	*r = *req
	r.Body = reader
	r.ContentLength = int64(len(body))
	w.code = 0
	clear(w.h)
	h.ServeHTTP(w, r)
}

func newRequest(body []byte) (*http.Request, *rewindable) {
	reader := &rewindable{}
	reader.Reset(body)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Body = reader
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", sender.ContentType)
	req.Header.Set(smshook.SignatureHeader, secret)
	return req, reader
}

// TestPeersAcceptThePayloads makes sure every contender answers 200 to every payload and rejects a bad
// signature and an invalid body, so that the benchmark compares servers doing the same work.
func TestPeersAcceptThePayloads(t *testing.T) {
	for _, event := range smsEvents() {
		for _, n := range []int{1, 10} {
			body := payload(t, event, n)
			invalid := bytes.ReplaceAll(body, []byte(`"hookId"`), []byte(`"hook_id"`)) // every hook: one alone is a partial batch, accepted
			for _, im := range impls {
				h := im.handler(t)
				req, reader := newRequest(body)
				w := &nopWriter{h: http.Header{}}
				serve(h, body, reader, req, w)
				if w.code != 0 && w.code != http.StatusOK {
					t.Errorf("%s %s hooks=%d: status %d", im.name, event, n, w.code)
				}
				serve(h, invalid, reader, req, w)
				if w.code != http.StatusBadRequest && w.code != http.StatusUnprocessableEntity {
					t.Errorf("%s %s: an invalid body got %d", im.name, event, w.code)
				}
				req.Header.Set(smshook.SignatureHeader, "wrong")
				serve(h, body, reader, req, w)
				if w.code < 400 {
					t.Errorf("%s %s: a wrong signature got %d", im.name, event, w.code)
				}
			}
		}
	}
}

// TestStockKeepsTheValidatedValue: the stock peer's strict server is handed the value kin-openapi validated,
// so that it binds it rather than decoding the body again; an upgrade of either side that drops it fails here.
func TestStockKeepsTheValidatedValue(t *testing.T) {
	body := payload(t, api.EventTypeMessageResultUpdate, 10)
	var kept any
	probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := r.Body.(interface{ ValidatedValue() any }); ok {
			kept = b.ValidatedValue()
		}
		strictServer().ServeHTTP(w, r)
	})
	req, reader := newRequest(body)
	w := &nopWriter{h: http.Header{}}
	serve(stockMiddleware(t)(probe), body, reader, req, w)
	if w.code != 0 && w.code != http.StatusOK {
		t.Fatalf("status %d", w.code)
	}
	hooks, _ := kept.(map[string]any)["hooks"].([]any)
	if len(hooks) != 10 {
		t.Fatalf("the strict server got no validated value of 10 hooks: %T", kept)
	}
	// runtime.BindJSONBody decodes the body after all when the value does not bind.
	var delivery stockapi.Delivery
	if err := runtime.BindJSONValue(kept, &delivery); err != nil {
		t.Fatalf("the validated value does not bind into the strict server's body: %v", err)
	}
	if _, err := delivery.ValueByDiscriminator(); err != nil {
		t.Fatal(err)
	}
}

// reportCPU, deferred before the loop, reports the process's CPU time per iteration as cpu-ns/op (see cpuTime).
func reportCPU(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		if end, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkReceive runs every contender on every event and size: ns/op, B/op, allocs/op.
func BenchmarkReceive(b *testing.B) {
	for _, event := range smsEvents() {
		for _, n := range sizes {
			body := payload(b, event, n)
			b.Run(fmt.Sprintf("event=%s/hooks=%d/impl=floor", event, n), func(b *testing.B) {
				decode := floor(event)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if err := decode(body); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, im := range impls {
				b.Run(fmt.Sprintf("event=%s/hooks=%d/impl=%s", event, n, im.name), func(b *testing.B) {
					h := im.handler(b)
					req, reader := newRequest(body)
					w := &nopWriter{h: http.Header{}}
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					defer reportCPU(b)()
					for b.Loop() {
						serve(h, body, reader, req, w)
					}
					if w.code != 0 && w.code != http.StatusOK {
						b.Fatalf("status %d", w.code)
					}
				})
			}
		}
	}
}
