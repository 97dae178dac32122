package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

const demoExample = "  smshook demo\n"

// runDemo starts a receiver on a random loopback port, posts every documented kind of delivery (SMS, Email,
// KakaoTalk Bizmessage) to it as NHN Cloud would
// (with the secret, through the generated client), then one request with a wrong secret, and prints what arrived.
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
	h, err := smshook.NewHandler(smshook.Handler{Default: printer.print}, smshook.WithSecrets(secret), smshook.WithLogger(logger))
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
	kinds := api.Kinds()
	var first []byte
	for _, kind := range kinds {
		sample, _ := api.Sample(kind)
		body, err := json.Marshal(sample)
		if err != nil {
			return err
		}
		if first == nil {
			first = body
		}
		resp, err := nhn.Send(ctx, body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  → sent %s sample: %s\n\n", kind, resp.Status())
		if resp.StatusCode() != http.StatusOK {
			return fmt.Errorf("%s sample answered %s", kind, resp.Status())
		}
	}
	impostor, err := sender.New(srv.URL, "not-the-secret")
	if err != nil {
		return err
	}
	resp, err := impostor.Send(ctx, first)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrong secret → %s\n", resp.Status())
	if resp.StatusCode() != http.StatusUnauthorized {
		return fmt.Errorf("a wrong secret was answered %s", resp.Status())
	}
	if printer.count() != len(kinds) {
		return fmt.Errorf("%d of %d deliveries reached the handler", printer.count(), len(kinds))
	}
	fmt.Fprintf(out, "\n%d deliveries (SMS, Email, KakaoTalk Bizmessage) received, typed and acknowledged\n", printer.count())
	fmt.Fprintln(out, "watch them arrive live, replay them, send samples: smshook serve --ui 127.0.0.1:8081, then open http://127.0.0.1:8081/")
	return nil
}

// eventPrinter prints typed events, leaving out phone numbers and e-mail addresses.
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

// print is the demo receiver's Handler.Default: one line per delivery, then one per hook.
func (p *eventPrinter) print(_ context.Context, w api.Webhook) error {
	head := w.Head()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	fmt.Fprintf(p.out, "%s (hooksId %s, %T)\n", head.Kind(), head.HooksID, w)
	for i := range w.HookCount() {
		line := "hook " + w.HookID(i)
		if d := describe(w.Hook(i)); d != "" {
			line += ": " + d
		}
		fmt.Fprintf(p.out, "    %s\n", line)
	}
	return nil
}

// describe tells what a hook says, from its typed fields; "" for the hook of an event it does not know.
func describe(hook any) string {
	switch h := hook.(type) {
	case *api.SMSUnsubscribeHook:
		return fmt.Sprintf("unsubscribed at %s, enterprise %s", timeOf(h.CreatedDateTime), str(h.EnterpriseName))
	case *api.SMSMessageResultUpdateHook:
		status := "?"
		if h.MessageStatus != nil {
			status = string(*h.MessageStatus)
		}
		return fmt.Sprintf("request %s #%d %s (result %s), received %s, link %s",
			h.RequestID, h.RecipientSeq, status, strOf(h.ResultCode), dateOf(h.ReceiveDate), h.SelfHref())
	case *api.SMSConversionBlockHook:
		return fmt.Sprintf("country +%s blocked at %s", h.CountryCode, timeOf(h.BlockedDateTime))
	case *api.SMSInternationalDeliveryReceiptHook:
		return fmt.Sprintf("request %s #%d DLR %s on %s (error %s): %s",
			h.RequestID, h.RecipientSeq, h.DlrStatus, str(h.NetworkCode), strOf(h.ErrorCode), h.Outcome())
	case *api.EmailUnsubscribeHook:
		return fmt.Sprintf("an address unsubscribed at %s", timeOf(h.CreatedDateTime))
	case *api.EmailMessageResultUpdateHook:
		return fmt.Sprintf("request %s mail %s status %s (DSN %s): %s", h.RequestID, num(h.MailSeq), strOf(h.MailStatusCode), str(h.DsnCode), h.Outcome())
	case *api.KakaoTalkMessageResultUpdateHook:
		return fmt.Sprintf("request %s #%s %s result %s, received %s: %s", h.RequestID, strconv.FormatInt(h.RecipientSeq, 10), strOf(h.KakaoMessageType), strOf(h.ResultCode), dateOf(h.ReceiveDate), h.Outcome())
	case *api.KakaoTalkTemplateStatusUpdateHook:
		return fmt.Sprintf("template %s status %s, %d comments, updated %s", str(h.TemplateCode), strOf(h.Status), len(ptrSlice(h.Comments)), dateOf(h.UpdateDate))
	}
	return ""
}

// dateOf writes a date of any product as an RFC 3339 instant, or as sent when it is no date-time.
func dateOf(d *api.LocalDateTime) string {
	switch {
	case d == nil:
		return "?"
	case d.Valid():
		return d.Time().Format(time.RFC3339)
	}
	return d.String()
}

// strOf is str for a string type of package api.
func strOf[S ~string](s *S) string {
	if s == nil {
		return "-"
	}
	return string(*s)
}

func num[N ~int64](n *N) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(int64(*n), 10)
}

func ptrSlice[T any](s *[]T) []T {
	if s == nil {
		return nil
	}
	return *s
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
