package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

const demoExample = "  smshook demo\n"

// runDemo starts a receiver on a random loopback port, posts every documented event to it as NHN Cloud would
// (signed, through the generated client), then one request with a wrong signature, and prints what arrived.
func runDemo(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "demo", "demo", demoExample)
	if _, code, ok := parse(e, fs, args); !ok {
		return code
	}
	if err := demo(ctx, e.stdout); err != nil {
		fmt.Fprintln(e.stderr, "smshook demo:", err)
		return exitFailed
	}
	return exitOK
}

func demo(ctx context.Context, out io.Writer) error {
	secret := rand.Text()
	printer := &eventPrinter{out: out}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := smshook.NewHandler(printer, smshook.WithSecrets(secret), smshook.WithLogger(logger))
	if err != nil {
		return err
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	fmt.Fprintf(out, "receiver listening on %s/\n\n", srv.URL)

	nhn, err := sender.New(srv.URL, secret)
	if err != nil {
		return err
	}
	examples, err := smshook.Examples()
	if err != nil {
		return err
	}
	for _, ex := range examples {
		resp, err := nhn.Send(ctx, ex.Body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  → sent %s sample: %s\n\n", ex.Event, resp.Status())
		if resp.StatusCode() != http.StatusOK {
			return fmt.Errorf("%s sample answered %s", ex.Event, resp.Status())
		}
	}
	impostor, err := sender.New(srv.URL, "not-the-secret")
	if err != nil {
		return err
	}
	resp, err := impostor.Send(ctx, examples[0].Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrong signature → %s\n", resp.Status())
	if resp.StatusCode() != http.StatusUnauthorized {
		return fmt.Errorf("a wrong signature was answered %s", resp.Status())
	}
	if printer.count() != len(examples) {
		return fmt.Errorf("%d of %d events reached the handler", printer.count(), len(examples))
	}
	fmt.Fprintf(out, "\n%d events received, typed and acknowledged\n", printer.count())
	return nil
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
