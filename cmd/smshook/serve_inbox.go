package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/internal/forward"
	"github.com/smshook/smshook/internal/inboxdb"
	"github.com/smshook/smshook/metrics"
)

// forwardSecretEnv names the environment variable that may hold the forward secret, so that it need not
// stand on the command line.
const forwardSecretEnv = "SMSHOOK_FORWARD_SECRET"

const defaultForwardTimeout = 10 * time.Second

// defaultInboxMaxAttempts and defaultInboxWorkers are package inbox's defaults.
const (
	defaultInboxMaxAttempts = 20
	defaultInboxWorkers     = 50
)

// inboxJobMargin is how much longer than --forward-timeout the inbox lets one attempt run, its bookkeeping
// included.
const inboxJobMargin = 5 * time.Second

// inboxNotes is the part of serve's -h about the inbox.
var inboxNotes = `inbox:
  with --inbox FILE the receiver answers 200 once a delivery's new events are written to that SQLite file
  (or, with --inbox postgres://…, to that Postgres database, which several serve processes may share), and
  --inbox-workers workers hand them over afterwards, retrying with a backoff (1s doubling to 1h, half random,
  --inbox-max-attempts, 24h at most) before they become dead letters (smshook inbox FILE lists them). With --forward-to
  URL each delivery is POSTed there as JSON signed per Standard Webhooks (webhook-id, webhook-timestamp,
  webhook-signature) with the whsec_ secret of --forward-secret, --forward-secret-file or
  $` + forwardSecretEnv + `; a 2xx acknowledges it, and its stdout line is printed then. Without
  --forward-to the worker prints the line, as serve without --inbox does. --redis does not apply: the
  file remembers the hookIds.
`

// inboxFlags are serve's flags of the inbox mode.
type inboxFlags struct {
	path, forwardTo, secret, secretFile *string
	timeout                             *time.Duration
	maxAttempts, workers                *int
}

func addInboxFlags(fs *flagSet) inboxFlags {
	fs.notes += "\n" + inboxNotes
	return inboxFlags{
		path:       fs.String("inbox", "", "store deliveries durably in the SQLite `FILE` (or the postgres:// URL) before answering 200, and hand them over from workers"),
		forwardTo:  fs.String("forward-to", "", "with --inbox, POST each stored delivery to the application at `URL`, signed per Standard Webhooks"),
		secret:     fs.String("forward-secret", "", "the whsec_ `SECRET` that signs forwards; also $"+forwardSecretEnv),
		secretFile: fs.String("forward-secret-file", "", "a `FILE` whose first line is the whsec_ secret that signs forwards"),
		timeout:    fs.Duration("forward-timeout", defaultForwardTimeout, "the longest one forward may take; past it the attempt failed"),
		maxAttempts: fs.Int("inbox-max-attempts", defaultInboxMaxAttempts,
			"with --inbox, how many times a delivery is handed over before it becomes a dead letter, `N`"),
		workers: fs.Int("inbox-workers", defaultInboxWorkers,
			"with --inbox, how many deliveries are handed over at once, `N`; 0: only receive, and let other processes on the inbox hand them over"),
	}
}

// check reports a usage error of the inbox flags, given serve's --redis.
func (f inboxFlags) check(redisURL string) error {
	if *f.path == "" {
		switch {
		case *f.forwardTo != "":
			return errors.New("--forward-to needs --inbox FILE")
		case *f.secret != "" || *f.secretFile != "":
			return errors.New("--forward-secret needs --inbox FILE and --forward-to")
		}
		return nil
	}
	if redisURL != "" {
		return errors.New("--redis and --inbox exclude each other: the inbox remembers hookIds in its file")
	}
	if *f.workers < 0 {
		return errors.New("--inbox-workers must be 0 or more")
	}
	if *f.workers == 0 && *f.forwardTo != "" {
		return errors.New("--forward-to needs workers: --inbox-workers 0 only receives")
	}
	if *f.maxAttempts < 1 {
		return errors.New("--inbox-max-attempts must be 1 or more")
	}
	if *f.timeout <= 0 {
		return errors.New("--forward-timeout must be positive")
	}
	if *f.forwardTo == "" && (*f.secret != "" || *f.secretFile != "") {
		return errors.New("--forward-secret needs --forward-to")
	}
	return nil
}

// forwardSecret returns the one secret of the flag, the file or the environment; its errors never hold it.
func (f inboxFlags) forwardSecret(getenv func(string) string) (string, error) {
	var found []string
	if *f.secret != "" {
		found = append(found, *f.secret)
	}
	if *f.secretFile != "" {
		b, err := os.ReadFile(*f.secretFile)
		if err != nil {
			return "", fmt.Errorf("--forward-secret-file: %w", err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if s := strings.TrimSpace(first); s != "" {
			found = append(found, s)
		}
	}
	if s := strings.TrimSpace(getenv(forwardSecretEnv)); s != "" && len(found) == 0 {
		found = append(found, s)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("--forward-to needs a secret: --forward-secret, --forward-secret-file or $%s", forwardSecretEnv)
	case 1:
		return found[0], nil
	}
	return "", errors.New("give the forward secret once: --forward-secret or --forward-secret-file")
}

// receiver is serve's handler, and what ends its inbox once the server stopped.
type receiver struct {
	handler http.Handler
	stop    func() error                    // nil without an inbox
	health  func(ctx context.Context) error // the inbox's Health; nil without an inbox
}

// newReceiver returns serve's handler: smshook.NewHandler printing each delivery, or with --inbox the inbox's
// receiver, with workers that forward or print what it stores.
func newReceiver(ctx context.Context, e env, f inboxFlags, retention time.Duration, logger *slog.Logger,
	out *deliveryPrinter, opts []smshook.Option, m *metrics.Metrics) (receiver, error) {
	counted := func(deliver func(context.Context, api.Webhook) error) func(context.Context, api.Webhook) error {
		if m == nil {
			return deliver
		}
		return func(ctx context.Context, w api.Webhook) error {
			err := deliver(ctx, w)
			m.Dispatched(err)
			return err
		}
	}
	if *f.path == "" {
		h, err := smshook.NewHandler(smshook.Handler{Default: counted(out.print)}, opts...)
		return receiver{handler: h}, err
	}
	deliver := out.print
	if *f.forwardTo != "" {
		secret, err := f.forwardSecret(e.getenv)
		if err != nil {
			return receiver{}, err
		}
		fwd, err := forward.New(*f.forwardTo, secret, *f.timeout)
		if err != nil {
			return receiver{}, err
		}
		deliver = func(ctx context.Context, w api.Webhook) error {
			if err := fwd.Forward(ctx, w); err != nil {
				return err
			}
			// Forwarded: a line that cannot be written must not forward it again.
			if err := out.print(ctx, w); err != nil {
				logger.Warn("could not print the line of a forwarded delivery", slog.String("error", err.Error()))
			}
			return nil
		}
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ib, err := inbox.Open(octx, *f.path, inbox.Config{
		Retention:   retention,
		JobTimeout:  *f.timeout + inboxJobMargin,
		MaxAttempts: *f.maxAttempts,
		Workers:     *f.workers, // 0: the default, but then Run is not called
		Logger:      logger,
	})
	if err != nil {
		return receiver{}, err
	}
	h, err := ib.Receiver(opts...)
	if err != nil {
		_ = ib.Close()
		return receiver{}, err
	}
	if m != nil {
		m.WatchInboxFault(faultCauses(), func(ctx context.Context) string {
			if fe := (*inbox.FaultError)(nil); errors.As(ib.Health(ctx), &fe) {
				return string(fe.Kind)
			}
			return ""
		})
	}
	// Once the inbox has a fault, serve keeps running: the Receiver answers 503, /readyz names the fault, and
	// the workers keep handing over what the open database holds. When its file was deleted or replaced, the
	// inbox copies the open database back beside the path, and /readyz says to restart on it.
	name := inboxdb.Redacted(*f.path)
	if *f.workers == 0 {
		logger.Info("inbox open, receiving only", slog.String("inbox", name))
		return receiver{handler: h, stop: ib.Close, health: ib.Health}, nil
	}
	runCtx, endRun := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan error, 1)
	go func() {
		err := ib.Run(runCtx, smshook.Handler{Default: counted(deliver)})
		if runCtx.Err() == nil { // before the shutdown: deliveries are stored, and nothing hands them over
			logger.Error("the inbox's workers stopped; stored deliveries wait for a restart", slog.Any("error", err))
		}
		ran <- err
	}()
	logger.Info("inbox open", slog.String("inbox", name), slog.Bool("forward", *f.forwardTo != ""), slog.Int("workers", *f.workers))
	return receiver{handler: h, health: ib.Health, stop: func() error {
		endRun()
		err := <-ran
		return errors.Join(err, ib.Close())
	}}, nil
}

// faultCauses are the causes of the gauge smshook_inbox_fault.
func faultCauses() []string {
	var causes []string
	for _, k := range inbox.FaultKinds() {
		causes = append(causes, string(k))
	}
	return causes
}
