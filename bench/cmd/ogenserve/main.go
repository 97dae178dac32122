// Command ogenserve serves the ogen server generated from openapi.yaml, checking the signature and
// acknowledging every validated delivery, for the throughput comparison with `smshook serve`.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/smshook/smshook/bench/ogenapi"
)

type app struct{}

func (app) ReceiveWebhook(context.Context, ogenapi.Delivery) (ogenapi.ReceiveWebhookRes, error) {
	return &ogenapi.ReceiveWebhookOK{}, nil
}

type security struct{ secret string }

func (s security) HandleWebhookSignature(ctx context.Context, _ ogenapi.OperationName, t ogenapi.WebhookSignature) (context.Context, error) {
	if t.APIKey != s.secret {
		return ctx, errors.New("signature mismatch")
	}
	return ctx, nil
}

func (s security) HandleNhnWebhookSignature(ctx context.Context, _ ogenapi.OperationName, t ogenapi.NhnWebhookSignature) (context.Context, error) {
	if t.APIKey != s.secret {
		return ctx, errors.New("signature mismatch")
	}
	return ctx, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	secret := flag.String("secret", "", "the accepted signature")
	flag.Parse()
	h, err := ogenapi.NewServer(app{}, security{secret: *secret})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
