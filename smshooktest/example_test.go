package smshooktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// exampleT stands in for the *testing.T that a test has and an example has not: it panics where t.Fatal would
// end the test.
type exampleT struct{ testing.TB }

func (exampleT) Helper()                           {}
func (exampleT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func ExampleSample() {
	e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	h := e.Hooks[0]
	fmt.Println(e.Event, h.RequestID, h.RecipientSeq, *h.MessageStatus, h.RequestDate)

	// New ids on every call: posting one sample twice is a redelivery, two samples are two deliveries.
	again := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	fmt.Println(e.HooksID != again.HooksID, h.HookID != again.Hooks[0].HookID, len(e.HooksID))
	// Output:
	// MESSAGE_RESULT_UPDATE 20240429205802y0Tl7Gbz0e0 1 COMPLETED 2024-04-29T20:58:02
	// true true 25
}

func ExamplePost() {
	t := exampleT{} // in a test, its *testing.T
	h, err := smshook.NewHandler(smshook.Handler{
		SMSUnsubscribe: func(_ context.Context, e *api.SMSUnsubscribeEnvelope) error {
			fmt.Println("unsubscribed from", *e.Hooks[0].EnterpriseName)
			return nil
		},
	}, smshook.WithSecrets("s3cret"))
	if err != nil {
		t.Fatal(err)
	}

	e := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	fmt.Println(smshooktest.Post(t, h, e, "s3cret").Code)
	fmt.Println(smshooktest.Post(t, h, e, "s3cret").Code) // a redelivery: acknowledged, not handed over again
	fmt.Println(smshooktest.Post(t, h, e, "a guess").Code)

	// A refusal's Body is its RFC 9457 problem.
	e = smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	e.Hooks[0].RecipientNo = ""
	resp := smshooktest.Post(t, h, e, "s3cret")
	var p api.Problem
	if err := json.Unmarshal(resp.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	fmt.Println(resp.Code, p.Type)
	for _, v := range *p.Errors {
		fmt.Println(" ", v.Pointer, v.Detail)
	}
	// Output:
	// unsubscribed from NHN Cloud
	// 200
	// 200
	// 401
	// 400 urn:smshook:problem:invalid-body
	//   /hooks/0/recipientNo minimum string length is 1
}

func ExampleNewRequest() {
	t := exampleT{} // in a test, its *testing.T
	h, err := smshook.NewHandler(smshook.Handler{
		SMSConversionBlock: func(_ context.Context, e *api.SMSConversionBlockEnvelope) error {
			fmt.Println("blocked: country", e.Hooks[0].CountryCode)
			return nil
		},
	}, smshook.WithSecrets("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/nhn", h)

	// NewRequest, rather than Post, to change the request first: here its path, the one set in the console.
	r := smshooktest.NewRequest(t, smshooktest.Sample[*api.SMSConversionBlockEnvelope](), "s3cret")
	r.URL.Path = "/webhooks/nhn"
	fmt.Println(r.Method, r.Header.Get("Content-Type"))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)

	// A []byte or json.RawMessage is sent as it is, for bodies that no envelope can hold.
	r = smshooktest.NewRequest(t, []byte(`{"hooksId":`), "s3cret")
	r.URL.Path = "/webhooks/nhn"
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// POST application/json;charset=UTF-8
	// blocked: country 1
	// 200
	// 400
}

func ExampleRecorder() {
	t := exampleT{} // in a test, its *testing.T
	var rec smshooktest.Recorder
	h, err := smshook.NewHandler(rec.Handler(), smshook.WithSecrets("s3cret"))
	if err != nil {
		t.Fatal(err)
	}

	e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	e.Hooks[0].MessageStatus = new(api.MessageStatusFailed)
	e.Hooks[0].ResultCode = new(api.ResultCode("3015"))
	smshooktest.Post(t, h, e, "s3cret")
	smshooktest.Post(t, h, e, "s3cret") // a redelivery: acknowledged, not handed over again
	smshooktest.Post(t, h, smshooktest.Sample[*api.SMSConversionBlockEnvelope](), "s3cret")

	for _, w := range rec.Webhooks() {
		switch w := w.(type) {
		case *api.SMSMessageResultUpdateEnvelope:
			fmt.Println(w.Event, *w.Hooks[0].MessageStatus, *w.Hooks[0].ResultCode)
		case *api.SMSConversionBlockEnvelope:
			fmt.Println(w.Event, w.Hooks[0].CountryCode)
		}
	}
	// Output:
	// MESSAGE_RESULT_UPDATE FAILED 3015
	// CONVERSION_BLOCK 1
}
