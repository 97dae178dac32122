package main

import (
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/redisstore"
)

const serveExample = `  SMSHOOK_SECRET=s3cret smshook serve --addr 127.0.0.1:8080 --path /webhooks/nhn
  smshook serve --addr :8080 --secret-file /run/secrets/nhn-webhook --strict
`

// Server limits: a webhook body is small, so slow clients are cut off early; the write timeout leaves the
// application time to process a delivery. defaultMaxConns bounds what a flood of connections can take
// (goroutines, buffers, up to --max-body each): well under the usual 1024 file descriptors, far above the
// concurrency of NHN Cloud's sender, which waits for each answer.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 30 * time.Second
	defaultMaxConns   = 512
)

// The receiver's defaults, as package smshook documents them: the flags pass them on explicitly, so that -h
// shows what the receiver does. validate and send read bodies up to the same limit.
const (
	defaultMaxBody      int64 = 1 << 20
	defaultRetention          = 24 * time.Hour
	defaultClaimLease         = time.Minute
	defaultStoreTimeout       = 2 * time.Second
)

// serveNotes is the part of serve's -h that no single flag tells.
var serveNotes = fmt.Sprintf(`secrets:
  NHN Cloud sends the secret typed into the console verbatim in X-Toast-Webhook-Signature (or
  X-Nhn-Webhook-Signature). A request must carry one of the secrets there (every header present must match),
  or it is answered 401. The secrets are those of --secret and --secret-file, and those of $SMSHOOK_SECRET,
  or of $NHN_WEBHOOK_SIGNATURE when $SMSHOOK_SECRET holds none. With --no-secret and a secret, a request
  without either header (or with them empty) is accepted too, but a present and wrong secret is still 401;
  with --no-secret and no secret, no secret is checked. With --app-key, a delivery for another appKey is
  answered 403.

slow and many clients:
  at most --max-conns connections (%d) are served at once; further ones wait in the kernel's accept queue
  until one closes, so that a flood of connections delays deliveries instead of exhausting memory or file
  descriptors. A connection that has not sent its headers within --read-header-timeout (%v), or its whole
  request within --read-timeout (%v), is closed; --write-timeout (%v) bounds the time from the end of the
  headers to the end of the answer, the application's work included; a kept-alive connection is closed
  after --idle-timeout (%v) without a request.

memory:
  unless $GOGC is set, serve runs with GOGC=%d: its live heap is a few MB, so that at Go's default (100)
  it collects some 30 times a second under load, for a saving of a few MB.

side listeners:
  --ui, --metrics-addr and --debug-addr serve %d, %d and %d connections at once, each bounded in time; at start
  serve reads its descriptor limit and lowers these caps when --max-conns and the store leave too few (or
  refuses to start when the receiver's own connections do not fit), so that no side listener starves the
  receiver.

deduplication:
  a hook is held as in progress for --claim-lease while it is processed: a copy that arrives meanwhile is
  answered 503, and after a crash a redelivery is processed once the lease expired. Every call to the store
  (memory or --redis) has --store-timeout; a stalled store is answered 503. Every 503 carries Retry-After.
`, defaultMaxConns, readHeaderTimeout, readTimeout, writeTimeout, idleTimeout, serveGCPercent, uiConns, metricsConns, debugConns)

// serveGCPercent is serve's GOGC unless $GOGC sets one. Its live heap is a few MB, so that at Go's default of
// 100 it collects some 30 times a second under load; at 400 it holds about 10 MB more and the inbox
// acknowledges about 15 % more deliveries a second, at a lower p99.
const serveGCPercent = 400

type serverTimeouts struct {
	readHeader, read, write, idle *time.Duration
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func runServe(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "serve", "serve --addr HOST:PORT [--path /] [--secret S]... [--secret-file F] [--no-secret] [flags]", serveExample)
	fs.notes = serveNotes
	addr := fs.String("addr", "127.0.0.1:8080", "the `HOST:PORT` to listen on")
	path := fs.String("path", "/", "the `PATH` NHN Cloud posts to; others are answered 404")
	var secrets stringList
	fs.Var(&secrets, "secret", "accept `SECRET`, the console's secret (repeat for rotation); also $SMSHOOK_SECRET, comma-separated")
	secretFile := fs.String("secret-file", "", "a `FILE` with one accepted secret per line")
	var appKeys stringList
	fs.Var(&appKeys, "app-key", "accept deliveries for `APPKEY` only (repeat for several); others are answered 403")
	noSecret := fs.Bool("no-secret", false, "also accept requests without a secret; a wrong secret is still 401")
	fs.alias("allow-unsigned", "no-secret")
	maxBody := fs.Int64("max-body", defaultMaxBody, "the largest accepted body, in `BYTES`")
	strict := fs.Bool("strict", false, "reject unknown events and unknown enum values, instead of accepting them as drift")
	redisURL := fs.String("redis", "", "remember processed hookIds in the Redis at `URL` (redis://host:port/db; redis://host1:port?addr=host2:port&addr=host3:port for a Redis Cluster), shared by several receivers, instead of in memory")
	retention := fs.Duration("retention", defaultRetention, "how long a processed hookId is remembered")
	claimLease := fs.Duration("claim-lease", 0, fmt.Sprintf("how long a hook is held as in progress while it is processed; 0: the library's default, %v", defaultClaimLease))
	storeTimeout := fs.Duration("store-timeout", defaultStoreTimeout, "the deadline of every call to the deduplication store")
	hookIDs := fs.Bool("hook-ids", false, "add the dispatched hookIds to each stdout line")
	inboxOpts := addInboxFlags(fs) // serve_inbox.go
	mx := addMetricsFlags(fs)      // serve_metrics.go
	ui := addUIFlags(fs)           // serve_ui.go
	debugAddr := fs.String("debug-addr", "", "serve /debug/vars (goroutines, memory, open connections) and /debug/pprof/ on this `HOST:PORT`, e.g. 127.0.0.1:6060")
	maxConns := fs.Int("max-conns", defaultMaxConns, "the most connections served at once, `N`; 0: no limit")
	timeouts := serverTimeouts{
		readHeader: fs.Duration("read-header-timeout", readHeaderTimeout, "time to read a request's headers"),
		read:       fs.Duration("read-timeout", readTimeout, "time to read a whole request"),
		write:      fs.Duration("write-timeout", writeTimeout, "time to process a delivery and answer"),
		idle:       fs.Duration("idle-timeout", idleTimeout, "time a kept-alive connection may wait for its next request"),
	}
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "smshook serve: unexpected argument %q\n", rest[0])
		return exitUsage
	}
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if !strings.HasPrefix(*path, "/") {
		fmt.Fprintln(e.stderr, "smshook serve: --path must start with /")
		return exitUsage
	}
	switch {
	case *maxConns < 0:
		fmt.Fprintln(e.stderr, "smshook serve: --max-conns must be 0 (no limit) or more")
		return exitUsage
	case *claimLease < 0:
		fmt.Fprintln(e.stderr, "smshook serve: --claim-lease must be 0 (the default) or more")
		return exitUsage
	case *storeTimeout <= 0:
		fmt.Fprintln(e.stderr, "smshook serve: --store-timeout must be positive")
		return exitUsage
	}
	if err := inboxOpts.check(*redisURL); err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	all, err := gatherSecrets(secrets, *secretFile, envSecrets(e.getenv))
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	if len(all) == 0 && !*noSecret {
		fmt.Fprintln(e.stderr, "smshook serve: give --secret, --secret-file or $SMSHOOK_SECRET, or --no-secret")
		return exitUsage
	}

	logger := slog.New(slog.NewJSONHandler(e.stderr, nil))
	caps, err := sideBudget(*maxConns, *redisURL != "", inboxOpts, *ui.addr, *mx.addr, *debugAddr, logger)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	mx.conns, ui.conns = caps.metrics, caps.ui
	out := &deliveryPrinter{w: e.stdout, hookIDs: *hookIDs}
	opts := []smshook.Option{
		smshook.WithSecrets(all...), smshook.WithAppKeys(appKeys...), smshook.WithLogger(logger), smshook.WithMaxBodyBytes(*maxBody),
		smshook.WithRetention(*retention), smshook.WithClaimLease(*claimLease), smshook.WithStoreTimeout(*storeTimeout),
	}
	if *redisURL != "" {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		store, err := redisstore.Open(rctx, *redisURL)
		cancel()
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook serve:", err)
			return exitUsage
		}
		defer store.Close()
		opts = append(opts, smshook.WithStore(store))
	}
	if *noSecret {
		opts = append(opts, smshook.AllowNoSecret())
	}
	if *strict {
		opts = append(opts, smshook.WithStrict())
	}
	recv, err := newReceiver(ctx, e, inboxOpts, *retention, logger, out, opts, mx.collectors())
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	h := mx.wrap(recv.handler)
	mx.health = recv.health
	stopMetrics, err := mx.start(ctx, *inboxOpts.path, *redisURL, logger)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	defer stopMetrics()
	gauges, closeGauges, err := ui.inboxGauges(ctx, *inboxOpts.path)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	defer closeGauges()
	root, stopUI, err := ui.start(e, onPath(*path, h), uiReceiver{path: *path, secrets: all, strict: *strict, gauges: gauges}, logger)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	defer stopUI()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook serve:", err)
		return exitUsage
	}
	if *maxConns > 0 {
		ln = netutil.LimitListener(ln, *maxConns)
	}
	openConns := new(expvar.Int)
	srv := &http.Server{
		Handler:           root, // onPath(*path, h), recorded by the inspector with --ui
		ConnState:         countConns(openConns),
		ReadHeaderTimeout: *timeouts.readHeader,
		ReadTimeout:       *timeouts.read,
		WriteTimeout:      *timeouts.write,
		IdleTimeout:       *timeouts.idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info(fmt.Sprintf("listening on http://%s%s", ln.Addr(), *path),
		slog.String("addr", ln.Addr().String()), slog.String("path", *path), slog.Int("secrets", len(all)),
		slog.Bool("strict", *strict), slog.Int("max_conns", *maxConns))

	if *debugAddr != "" {
		stop, err := serveDebug(*debugAddr, caps.debug, debugVars(openConns), logger)
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook serve:", err)
			return exitUsage
		}
		defer stop()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		logger.Error("server stopped", slog.String("error", err.Error()))
		return exitFailed
	case <-ctx.Done():
	}
	logger.Info("shutting down: letting in-flight requests finish")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Error("shutdown did not finish", slog.String("error", err.Error()))
		return exitFailed
	}
	if recv.stop != nil {
		if err := recv.stop(); err != nil {
			logger.Error("the inbox did not stop cleanly", slog.String("error", err.Error()))
			return exitFailed
		}
	}
	logger.Info("stopped")
	return exitOK
}

// countConns keeps n equal to the number of open connections.
func countConns(n *expvar.Int) func(net.Conn, http.ConnState) {
	return func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			n.Add(1)
		case http.StateHijacked, http.StateClosed:
			n.Add(-1)
		}
	}
}

// onPath serves h on path alone ("/" serves every path) and answers other paths 404.
func onPath(path string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path != "/" && r.URL.Path != path {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404}`+"\n")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// envSecrets returns the secrets of the environment, comma-separated: $SMSHOOK_SECRET's, or when it holds none,
// those of $NHN_WEBHOOK_SIGNATURE, the name the README once told deployments to set.
func envSecrets(getenv func(string) string) []string {
	if secrets := nonBlank(strings.Split(getenv("SMSHOOK_SECRET"), ",")); len(secrets) > 0 {
		return secrets
	}
	return nonBlank(strings.Split(getenv("NHN_WEBHOOK_SIGNATURE"), ","))
}

// gatherSecrets merges the flags, the secret file (one per line) and the environment's secrets.
func gatherSecrets(flags []string, file string, fromEnv []string) ([]string, error) {
	all := append([]string(nil), flags...)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		all = append(all, strings.Split(string(b), "\n")...)
	}
	return nonBlank(append(all, fromEnv...)), nil
}

// nonBlank trims the spaces around each of secrets, in place, and drops those left empty.
func nonBlank(secrets []string) []string {
	out := secrets[:0]
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// deliveryPrinter prints one JSON line per dispatched delivery, of any kind, known or not: identifiers (the
// product and the event, which together tell a hook's shape), whether it was typed, counts of its hooks and of
// their outcomes, never a hook's content. A failed
// write fails the delivery (500), so that NHN Cloud sends it again.
type deliveryPrinter struct {
	mu      sync.Mutex
	w       io.Writer
	hookIDs bool
}

type deliveryLine struct {
	HooksID     string `json:"hooksId"`
	ProductName string `json:"productName"`
	Event       string `json:"event"`
	AppKey      string `json:"appKey"`
	Hooks       int    `json:"hooks"`
	// Typed is false for a kind the contract does not know, handed over untyped.
	Typed bool `json:"typed"`
	// Outcomes counts the hooks by what they say of their message (api.Outcome), for the kinds whose hooks
	// carry a result.
	Outcomes map[api.Outcome]int `json:"outcomes,omitempty"`
	HookIDs  []string            `json:"hookIds,omitempty"`
}

// outcomes counts the hooks of w by outcome; nil when its hooks carry none (those of a kind without a result).
func outcomes(w api.Webhook) map[api.Outcome]int {
	var out map[api.Outcome]int
	for i := range w.HookCount() {
		h, ok := w.Hook(i).(api.Outcomer)
		if !ok {
			return nil
		}
		if out == nil {
			out = map[api.Outcome]int{}
		}
		out[h.Outcome()]++
	}
	return out
}

// print is the receiver's Handler.Default: it takes every delivery.
func (p *deliveryPrinter) print(_ context.Context, w api.Webhook) error {
	head := w.Head()
	l := deliveryLine{HooksID: head.HooksID, ProductName: head.ProductName, Event: string(head.Event), AppKey: head.AppKey,
		Hooks: w.HookCount(), Typed: head.Kind().Known(), Outcomes: outcomes(w)}
	if p.hookIDs {
		for i := range w.HookCount() {
			if id := w.HookID(i); id != "" { // only a hook of an unknown event may lack one
				l.HookIDs = append(l.HookIDs, id)
			}
		}
	}
	line, err := json.Marshal(l)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err = p.w.Write(append(line, '\n'))
	return err
}
