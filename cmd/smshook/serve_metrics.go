package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/smshook/smshook/inbox"
	"github.com/smshook/smshook/metrics"
)

// readyTimeout bounds one readiness check of the stores.
const readyTimeout = 2 * time.Second

// metricsFlags is serve's --metrics-addr and the collectors it serves.
type metricsFlags struct {
	addr  *string
	m     *metrics.Metrics // nil without --metrics-addr
	conns int              // the most connections served at once (serve_side.go)
	// health is the inbox's Health, which /readyz asks first; nil without --inbox.
	health func(ctx context.Context) error
}

func addMetricsFlags(fs *flagSet) *metricsFlags {
	return &metricsFlags{addr: fs.String("metrics-addr", "",
		"serve /metrics (Prometheus text format), /healthz and /readyz on this `HOST:PORT`, e.g. 127.0.0.1:9090")}
}

// collectors returns the collectors, or nil without --metrics-addr.
func (f *metricsFlags) collectors() *metrics.Metrics {
	if *f.addr != "" && f.m == nil {
		f.m = metrics.New()
	}
	return f.m
}

// wrap counts the requests h answers, with --metrics-addr.
func (f *metricsFlags) wrap(h http.Handler) http.Handler {
	if m := f.collectors(); m != nil {
		return m.Handler(h)
	}
	return h
}

// start serves the endpoints, with --metrics-addr: /readyz answers 200 once the store answers (the inbox's
// file, or Redis), 503 otherwise. It returns what stops them.
func (f *metricsFlags) start(ctx context.Context, inboxPath, redisURL string, logger *slog.Logger) (func(), error) {
	m := f.collectors()
	if m == nil {
		return func() {}, nil
	}
	var closers []func()
	stop := func() {
		for _, c := range closers {
			c()
		}
	}
	ready := func(context.Context) error { return nil }
	switch {
	case inboxPath != "":
		ib, err := openInboxFile(ctx, inboxPath)
		if err != nil {
			return nil, err
		}
		closers = append(closers, ib.close)
		ready = func(ctx context.Context) error {
			if f.health != nil {
				if err := f.health(ctx); err != nil {
					return err
				}
			}
			var n int
			return ib.d.Write.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE id = 0`).Scan(&n)
		}
		m.WatchInbox(func(ctx context.Context) (int64, int64, error) {
			s, err := ib.summary(ctx)
			return int64(s.depth()), int64(s.dead), err
		})
	case redisURL != "":
		client, err := redisClient(redisURL)
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { _ = client.Close() })
		ready = func(ctx context.Context) error { return client.Ping(ctx).Err() }
	}
	reg := prometheus.NewRegistry()
	if err := errors.Join(reg.Register(m), reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))); err != nil {
		stop()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := ready(rctx); err != nil {
			// The error may name the store's address, never a secret: redis.ParseURL's options are not printed.
			w.WriteHeader(http.StatusServiceUnavailable)
			// A fault's message names its kind, and where the inbox copied its lost file: no secret either.
			if fe := (*inbox.FaultError)(nil); errors.As(err, &fe) {
				_, _ = io.WriteString(w, "not ready: "+fe.Error()+"\n")
				return
			}
			_, _ = io.WriteString(w, "not ready: the store does not answer\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	ln, err := net.Listen("tcp", *f.addr)
	if err != nil {
		stop()
		return nil, err
	}
	srv := serveSide(ln, f.conns, sideWriteTimeout, mux, "metrics", logger)
	closers = append([]func(){func() { _ = srv.Close() }}, closers...)
	logger.Info("metrics on http://"+ln.Addr().String()+"/metrics", slog.String("metrics_addr", ln.Addr().String()))
	return stop, nil
}
