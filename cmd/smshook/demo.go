package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
)

// demo starts a receiver on a random loopback port, posts every documented event to it through the
// generated client with a signature, then one request with a wrong signature, and prints what arrived.
func demo(ctx context.Context, out io.Writer) error {
	secret := randomSecret()
	printer := &eventPrinter{out: out}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := smshook.NewHandler(printer, smshook.WithSecrets(secret), smshook.WithLogger(logger))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background()) //nolint:errcheck // best effort at exit
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(out, "receiver listening on %s\n\n", url)

	examples, err := smshook.Examples()
	if err != nil {
		return err
	}
	for _, ex := range examples {
		status, err := post(ctx, url, secret, ex.Body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  → sent %s example: %d %s\n\n", ex.Event, status, http.StatusText(status))
		if status != http.StatusOK {
			return fmt.Errorf("%s example answered %d", ex.Event, status)
		}
	}
	status, err := post(ctx, url, "not-the-secret", examples[0].Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrong signature → %d %s\n", status, http.StatusText(status))
	if status != http.StatusUnauthorized {
		return fmt.Errorf("a wrong signature was answered %d", status)
	}
	if printer.count() != len(examples) {
		return fmt.Errorf("%d of %d events reached the handler", printer.count(), len(examples))
	}
	fmt.Fprintf(out, "\n%d events received, typed and acknowledged\n", printer.count())
	return nil
}

func post(ctx context.Context, url, secret string, body []byte) (int, error) {
	client, err := api.NewClientWithResponses(url)
	if err != nil {
		return 0, err
	}
	sign := func(_ context.Context, r *http.Request) error {
		r.Header.Set(smshook.SignatureHeader, secret)
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
		return nil
	}
	resp, err := client.ReceiveWebhookWithBodyWithResponse(ctx, "application/json", strings.NewReader(string(body)), sign)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode(), nil
}

func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// eventPrinter prints typed events, leaving out phone numbers.
type eventPrinter struct {
	mu  sync.Mutex
	out io.Writer
	n   int
}

func (p *eventPrinter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *eventPrinter) print(event api.EventType, hooksID string, lines []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	fmt.Fprintf(p.out, "%s (hooksId %s)\n", event, hooksID)
	for _, l := range lines {
		fmt.Fprintf(p.out, "    %s\n", l)
	}
}

func (p *eventPrinter) OnUnsubscribe(_ context.Context, e *api.UnsubscribeEnvelope) error {
	var lines []string
	for _, h := range e.Hooks {
		lines = append(lines, fmt.Sprintf("hook %s: unsubscribed at %s, enterprise %s",
			h.HookId, timeOf(h.CreatedDateTime), str(h.EnterpriseName)))
	}
	p.print(e.Event, e.HooksId, lines)
	return nil
}

func (p *eventPrinter) OnMessageResultUpdate(_ context.Context, e *api.MessageResultUpdateEnvelope) error {
	var lines []string
	for _, h := range e.Hooks {
		status := "?"
		if h.MessageStatus != nil {
			status = string(*h.MessageStatus)
		}
		received := "?"
		if h.ReceiveDate != nil {
			received = h.ReceiveDate.Time().Format(time.RFC3339)
		}
		lines = append(lines, fmt.Sprintf("hook %s: request %s #%d %s (result %s), received %s, link %s",
			h.HookId, h.RequestId, h.RecipientSeq, status, str(h.ResultCode), received, h.SelfHref()))
	}
	p.print(e.Event, e.HooksId, lines)
	return nil
}

func (p *eventPrinter) OnConversionBlock(_ context.Context, e *api.ConversionBlockEnvelope) error {
	var lines []string
	for _, h := range e.Hooks {
		lines = append(lines, fmt.Sprintf("hook %s: country +%s blocked at %s", h.HookId, h.CountryCode, timeOf(h.BlockedDateTime)))
	}
	p.print(e.Event, e.HooksId, lines)
	return nil
}

func (p *eventPrinter) OnInternationalDeliveryReceipt(_ context.Context, e *api.InternationalDeliveryReceiptEnvelope) error {
	var lines []string
	for _, h := range e.Hooks {
		lines = append(lines, fmt.Sprintf("hook %s: request %s #%d DLR %s on %s (error %s)",
			h.HookId, h.RequestId, h.RecipientSeq, h.DlrStatus, str(h.NetworkCode), str(h.ErrorCode)))
	}
	p.print(e.Event, e.HooksId, lines)
	return nil
}

func str(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func timeOf(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
