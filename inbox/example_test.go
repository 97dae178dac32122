package inbox_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/smshooktest"
)

// results is the application: it gets each stored delivery once the workers hand it over.
type results struct{ got chan string }

func (r results) OnMessageResultUpdate(_ context.Context, e *api.MessageResultUpdateEnvelope) error {
	r.got <- fmt.Sprintf("%s, %d hook(s)", e.Event, len(e.Hooks))
	return nil // an error is retried with backoff, then the delivery becomes a dead letter
}
func (results) OnUnsubscribe(context.Context, *api.UnsubscribeEnvelope) error         { return nil }
func (results) OnConversionBlock(context.Context, *api.ConversionBlockEnvelope) error { return nil }
func (results) OnInternationalDeliveryReceipt(context.Context, *api.InternationalDeliveryReceiptEnvelope) error {
	return nil
}

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "inbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	ib, err := inbox.Open(ctx, filepath.Join(dir, "inbox.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer ib.Close()

	// The handler answers 200 once the delivery is in the file.
	h, err := smshook.NewHandler(ib.Receiver(), smshook.WithStore(ib.Store()), smshook.WithSecrets("s3cret"))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	sender, err := smshooktest.NewSender(srv.URL, "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	resp, err := sender.Send(ctx, smshooktest.Fresh(smshooktest.MessageResultUpdate()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answered", resp.StatusCode())

	// The workers hand it to the application.
	app := results{got: make(chan string, 1)}
	if err := ib.Start(ctx, app); err != nil {
		log.Fatal(err)
	}
	fmt.Println("handed over:", <-app.got)
	if err := ib.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// answered 200
	// handed over: MESSAGE_RESULT_UPDATE, 1 hook(s)
}
