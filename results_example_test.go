package smshook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// newResultsReceiver is one receiver for the results of SMS and KakaoTalk Bizmessage messages: it pins the
// appKey of the service that sends, and writes one line per result to out. Both products' hooks are read through
// the same types: RequestID, an int64 RecipientSeq, a *api.LocalDateTime ReceiveDate and an Outcome.
func newResultsReceiver(out io.Writer, secret, appKey string) (http.Handler, error) {
	record := func(product, requestID string, seq int64, received *api.LocalDateTime, outcome api.Outcome) {
		at := "(not received)"
		if received != nil && received.Valid() {
			at = received.Time().Format(time.RFC3339) // Asia/Seoul, whatever layout the product writes
		}
		fmt.Fprintf(out, "%s request %s #%d received %s: %s\n", product, requestID, seq, at, outcome)
	}
	return smshook.NewHandler(smshook.Handler{
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			for _, h := range e.Hooks {
				record("SMS", h.RequestID, h.RecipientSeq, h.ReceiveDate, h.Outcome())
			}
			return nil
		},
		KakaoTalkMessageResultUpdate: func(_ context.Context, e *api.KakaoTalkMessageResultUpdateEnvelope) error {
			for _, h := range e.Hooks {
				record("KakaoTalk", h.RequestID, h.RecipientSeq, h.ReceiveDate, h.Outcome())
			}
			return nil
		},
	}, smshook.WithSecrets(secret), smshook.WithAppKeys(appKey))
}

// One receiver for SMS and KakaoTalk Bizmessage results, mounted under a router's path, with the appKey of the
// sending service pinned: a delivery for another appKey is refused (403). TestResultsReceiver is its test.
func ExampleHandler_results() {
	h, err := newResultsReceiver(os.Stdout, "s3cret", "akb3dukdmdjsdSvgk")
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/webhooks/nhn", h)
	srv := httptest.NewServer(r)
	defer srv.Close()

	post := func(delivery any) {
		body, err := json.Marshal(delivery)
		if err != nil {
			log.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/nhn", bytes.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(smshook.SignatureHeader, "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	post(smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]())
	post(smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]())
	other := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	other.AppKey = "another-service"
	post(other)

	// Output:
	// SMS request 20240429205802y0Tl7Gbz0e0 #1 received 2024-04-29T20:58:04+09:00: delivered
	// 200 OK
	// KakaoTalk request 20230601100000aBcDeFgHiJ0 #1 received 2023-06-01T10:00:05+09:00: delivered
	// 200 OK
	// 403 Forbidden
}

// TestResultsReceiver is the example's test, as an application writes it: the documented samples (their appKey
// is smshooktest.AppKey) posted through the router the receiver is mounted on.
func TestResultsReceiver(t *testing.T) {
	var out strings.Builder
	h, err := newResultsReceiver(&out, "s3cret", smshooktest.AppKey)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/webhooks/nhn", h)
	at := smshooktest.Path("/webhooks/nhn")

	sms := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	sms.Hooks[0].ResultCode = new(api.ResultCode("3015"))
	kakao := smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]()
	kakao.Hooks[0].RecipientSeq = 7
	kakao.Hooks[0].ReceiveDate = new(api.ReadLocalDateTime("2026-12-01 09:30:00"))
	for _, e := range []api.Webhook{sms, kakao} {
		if got := smshooktest.Post(t, r, e, "s3cret", at); got.Code != http.StatusOK {
			t.Fatalf("%v answered %d: %s", e.Head().Kind(), got.Code, got.Body)
		}
	}
	want := "SMS request 20240429205802y0Tl7Gbz0e0 #1 received 2024-04-29T20:58:04+09:00: failed\n" +
		"KakaoTalk request 20230601100000aBcDeFgHiJ0 #7 received 2026-12-01T09:30:00+09:00: delivered\n"
	if out.String() != want {
		t.Errorf("the receiver wrote\n%s\nwant\n%s", out.String(), want)
	}

	if got := smshooktest.Post(t, r, sms, "s3cret", at); got.Code != http.StatusOK || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("a redelivery answered %d and reached the application again:\n%s", got.Code, out.String())
	}
	other := smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]()
	other.AppKey = "another-service"
	if got := smshooktest.Post(t, r, other, "s3cret", at); got.Code != http.StatusForbidden {
		t.Errorf("another appKey answered %d", got.Code)
	}
	if got := smshooktest.Post(t, r, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope](), "s3cret"); got.Code != http.StatusNotFound {
		t.Errorf("a post to / instead of the receiver's path answered %d", got.Code)
	}
}
