package smshook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/validate"
)

// A receiver on net/http's ServeMux. Set the func of each event you handle; the others are acknowledged.
func ExampleNewHandler() {
	h, err := smshook.NewHandler(smshook.Handler{
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			for _, hook := range e.Hooks {
				status := "(no status)" // optional fields are pointers, nil when NHN Cloud leaves them out
				if hook.MessageStatus != nil {
					status = string(*hook.MessageStatus)
				}
				fmt.Printf("request %s #%d: %s\n", hook.RequestID, hook.RecipientSeq, status)
			}
			return nil // acknowledged (200); an error is answered 500 and NHN Cloud sends the delivery again
		},
	}, smshook.WithSecrets("the secret typed into the console"))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/nhn", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// What NHN Cloud posts to the URL of the console: the delivery as JSON and the secret in a header.
	body, err := json.Marshal(smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]())
	if err != nil {
		log.Fatal(err)
	}
	for _, secret := range []string{"the secret typed into the console", "the secret typed into the console", "a guess"} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/nhn", bytes.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		req.Header.Set(smshook.SignatureHeader, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// The second POST is a redelivery: acknowledged, not handed over again. The third carries a wrong secret.

	// Output:
	// request 20240429205802y0Tl7Gbz0e0 #1: COMPLETED
	// 200 OK
	// 200 OK
	// 401 Unauthorized
}

// The same handler under a chi router: it is an http.Handler, mounted on whatever path.
func ExampleNewHandler_router() {
	h, err := smshook.NewHandler(smshook.Handler{
		SMSConversionBlock: func(_ context.Context, e *api.SMSConversionBlockEnvelope) error {
			for _, hook := range e.Hooks {
				fmt.Printf("country +%s blocked\n", hook.CountryCode)
			}
			return nil
		},
	}, smshook.WithSecrets("the secret typed into the console"))
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Route("/webhooks", func(r chi.Router) {
		r.Method(http.MethodPost, "/nhn", h)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	body, err := json.Marshal(smshooktest.Sample[*api.SMSConversionBlockEnvelope]())
	if err != nil {
		log.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/nhn", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set(smshook.SignatureHeader, "the secret typed into the console")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// country +1 blocked
	// 200 OK
}

// results is an implementation of the generated strict server interface: it receives every delivery and
// chooses the answer.
type results struct{}

func (results) ReceiveWebhook(_ context.Context, req api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
	v, err := req.Body.Webhook()
	if err != nil {
		return nil, err
	}
	switch e := v.(type) {
	case *api.SMSInternationalDeliveryReceiptEnvelope:
		for _, hook := range e.Hooks {
			fmt.Printf("request %s #%d: %s\n", hook.RequestID, hook.RecipientSeq, hook.DlrStatus)
		}
	default:
		fmt.Printf("%T\n", v)
	}
	return api.ReceiveWebhook200Response{}, nil
}

func ExampleNewStrictHandler() {
	h, err := smshook.NewStrictHandler(results{}, smshook.WithSecrets("the secret typed into the console"))
	if err != nil {
		log.Fatal(err)
	}
	for _, delivery := range []api.Webhook{
		smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope](),
		smshooktest.Sample[*api.SMSUnsubscribeEnvelope](),
	} {
		body, err := json.Marshal(delivery)
		if err != nil {
			log.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/nhn", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		req.Header.Set(smshook.SignatureHeader, "the secret typed into the console")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println(w.Code)
	}
	// Output:
	// request 20240925160005UvxdDrJ4g20 #1: ACCEPTED
	// 200
	// *api.SMSUnsubscribeEnvelope
	// 200
}

// Without an http.Handler (a queue consumer, a function's event): check the secret, validate the body,
// and hand it to the Handler.
func ExampleVerifySecret() {
	secrets := []string{"the old secret", "the new secret"} // both, during a rotation
	for _, value := range []string{"the new secret", "the old secret", "a guess", ""} {
		fmt.Println(smshook.VerifySecret(value, secrets...))
	}

	// A delivery taken from a queue: its body and the value of its X-Toast-Webhook-Signature.
	body, err := json.Marshal(smshooktest.Sample[*api.SMSConversionBlockEnvelope]())
	if err != nil {
		log.Fatal(err)
	}
	value := "the new secret"
	if !smshook.VerifySecret(value, secrets...) {
		log.Fatal("not from NHN Cloud")
	}
	w, _, err := validate.Body(body, validate.Compatible)
	if err != nil {
		log.Fatal(err)
	}
	h := smshook.Handler{SMSConversionBlock: func(_ context.Context, e *api.SMSConversionBlockEnvelope) error {
		fmt.Printf("%s: %d hooks\n", e.Event, len(e.Hooks))
		return nil
	}}
	if err := h.Handle(context.Background(), w); err != nil {
		log.Fatal(err)
	}
	// Output:
	// true
	// true
	// false
	// false
	// CONVERSION_BLOCK: 1 hooks
}
