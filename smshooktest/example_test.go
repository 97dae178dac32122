package smshooktest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// printer is the application under test: it prints the results it receives.
type printer struct{}

func (printer) OnMessageResultUpdate(_ context.Context, e *api.MessageResultUpdateEnvelope) error {
	for _, h := range e.Hooks {
		fmt.Printf("%s: request %s #%d is %s (result code %s)\n",
			e.Event, h.RequestId, h.RecipientSeq, *h.MessageStatus, *h.ResultCode)
	}
	return nil
}
func (printer) OnUnsubscribe(context.Context, *api.UnsubscribeEnvelope) error         { return nil }
func (printer) OnConversionBlock(context.Context, *api.ConversionBlockEnvelope) error { return nil }
func (printer) OnInternationalDeliveryReceipt(context.Context, *api.InternationalDeliveryReceiptEnvelope) error {
	return nil
}

func ExampleNewSender() {
	h, err := smshook.NewHandler(printer{}, smshook.WithSecrets("s3cret"),
		smshook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/nhn", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// NHN Cloud posts to the URL configured in the console, exactly.
	sender, err := smshooktest.NewSender(srv.URL+"/webhooks/nhn", "s3cret")
	if err != nil {
		panic(err)
	}
	failed, code := api.MessageStatusFailed, "3015"
	resp, err := sender.Send(context.Background(), smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) {
		e.Hooks[0].MessageStatus = &failed
		e.Hooks[0].ResultCode = &code
	}))
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode(), smshooktest.Problem(resp) == nil)
	// Output:
	// MESSAGE_RESULT_UPDATE: request 20240429205802y0Tl7Gbz0e0 #1 is FAILED (result code 3015)
	// 200 true
}

func ExampleProblem() {
	h, err := smshook.NewHandler(printer{}, smshook.WithSecrets("s3cret"),
		smshook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, secret := range []string{"a guess", "s3cret"} {
		sender, err := smshooktest.NewSender(srv.URL, secret)
		if err != nil {
			panic(err)
		}
		resp, err := sender.Send(context.Background(), smshooktest.Unsubscribe(func(e *api.UnsubscribeEnvelope) {
			e.Hooks[0].RecipientNo = ""
		}))
		if err != nil {
			panic(err)
		}
		p := smshooktest.Problem(resp)
		fmt.Println(resp.StatusCode(), p.Type)
		if p.Errors != nil {
			for _, e := range *p.Errors {
				fmt.Println(" ", e.Pointer, e.Detail)
			}
		}
	}
	// Output:
	// 401 urn:smshook:problem:signature-mismatch
	// 400 urn:smshook:problem:invalid-body
	//   /hooks/0/recipientNo minimum string length is 1
}

func ExampleNewRequest() {
	h, err := smshook.NewHandler(printer{}, smshook.WithSecrets("s3cret"))
	if err != nil {
		panic(err)
	}
	req, err := smshooktest.NewRequest(smshooktest.MessageResultUpdate(), "s3cret")
	if err != nil {
		panic(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// MESSAGE_RESULT_UPDATE: request 20240429205802y0Tl7Gbz0e0 #1 is COMPLETED (result code 1000)
	// 200
}

func ExampleSample() {
	for _, event := range smshooktest.Events() {
		sample, err := smshooktest.Sample(event)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %T\n", event, sample)
	}
	_, err := smshooktest.Sample("DELIVERY_STARTED")
	fmt.Println(err != nil)
	// Output:
	// UNSUBSCRIBE: *api.UnsubscribeEnvelope
	// MESSAGE_RESULT_UPDATE: *api.MessageResultUpdateEnvelope
	// CONVERSION_BLOCK: *api.ConversionBlockEnvelope
	// INTERNATIONAL_DELIVERY_RECEIPT: *api.InternationalDeliveryReceiptEnvelope
	// true
}

func ExampleFresh() {
	a := smshooktest.Fresh(smshooktest.ConversionBlock())
	b := smshooktest.Fresh(smshooktest.ConversionBlock())
	fmt.Println(a.HooksId != b.HooksId, a.Hooks[0].HookId != b.Hooks[0].HookId, len(a.HooksId))
	fmt.Println(a.Hooks[0].CountryCode == b.Hooks[0].CountryCode)
	// Output:
	// true true 25
	// true
}
