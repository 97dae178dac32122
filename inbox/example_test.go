package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/smshooktest"
)

// The receiver answers 200 once a delivery is in the file; Run hands it to the application afterwards.
func Example() {
	dir, err := os.MkdirTemp("", "inbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ib, err := inbox.Open(context.Background(), filepath.Join(dir, "inbox.db"), inbox.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer ib.Close()

	receiver, err := ib.Receiver(smshook.WithSecrets("the secret typed into the console"))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(receiver)
	defer srv.Close()

	// What NHN Cloud posts: the delivery as JSON and the secret in a header.
	body, err := json.Marshal(smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]())
	if err != nil {
		log.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
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
	fmt.Println("answered", resp.Status)

	got := make(chan string, 1)
	app := smshook.Handler{
		SMSMessageResultUpdate: func(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
			got <- fmt.Sprintf("%s, %d hook(s)", e.Event, len(e.Hooks))
			return nil // an error is retried with backoff; past the attempts the delivery is a dead letter
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- ib.Run(ctx, app) }()
	fmt.Println("handed over:", <-got)
	cancel() // Run lets the running calls finish, then returns
	fmt.Println("Run returned:", <-ran)
	// Output:
	// answered 200 OK
	// handed over: MESSAGE_RESULT_UPDATE, 1 hook(s)
	// Run returned: <nil>
}
