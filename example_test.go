package smshook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// results handles the one event it cares about; the others are acknowledged.
type results struct{}

func (results) OnMessageResultUpdate(_ context.Context, e *api.MessageResultUpdateEnvelope) error {
	for _, h := range e.Hooks {
		status := "(no status)" // optional fields are pointers, nil when NHN Cloud leaves them out
		if h.MessageStatus != nil {
			status = string(*h.MessageStatus)
		}
		received := "(not received)"
		if h.ReceiveDate != nil {
			received = h.ReceiveDate.Time().UTC().String()
		}
		fmt.Printf("request %s #%d: %s at %s\n", h.RequestId, h.RecipientSeq, status, received)
	}
	return nil
}
func (results) OnUnsubscribe(context.Context, *api.UnsubscribeEnvelope) error         { return nil }
func (results) OnConversionBlock(context.Context, *api.ConversionBlockEnvelope) error { return nil }
func (results) OnInternationalDeliveryReceipt(context.Context, *api.InternationalDeliveryReceiptEnvelope) error {
	return nil
}

func ExampleNewHandler() {
	h, err := smshook.NewHandler(results{},
		smshook.WithSecrets("the signature typed into the console"),
		smshook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h) // in production: http.Handle("/webhooks/nhn", h)
	defer srv.Close()

	body := `{"hooksId":"h1","webhookConfigId":"c1","productName":"SMS","appKey":"k","event":"MESSAGE_RESULT_UPDATE",
	  "hooks":[{"hookId":"e1","requestId":"20240429205802y0Tl7Gbz0e0","recipientSeq":1,
	  "messageStatus":"COMPLETED","receiveDate":"2024-04-29T20:58:04"}]}`
	for _, signature := range []string{"the signature typed into the console", "a guess"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		req.Header.Set(smshook.SignatureHeader, signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// request 20240429205802y0Tl7Gbz0e0 #1: COMPLETED at 2024-04-29 11:58:04 +0000 UTC
	// 200 OK
	// 401 Unauthorized
}
