// Package metrics counts what a smshook receiver and its inbox do, as Prometheus collectors
// (github.com/prometheus/client_golang): the requests received and rejected by cause, the deliveries handed
// to the application and the attempts that failed, the inbox's depth and dead letters, and the handling
// latency as a histogram. `smshook serve --metrics-addr` serves them on /metrics.
//
// Prometheus collectors rather than OpenTelemetry: the Prometheus text format is what operators scrape, a
// scraper reads it without a collector in between, and client_golang is one dependency that a program
// imports only with this package; the receiver (package smshook) links none of it. Wrap the receiver's
// handler, report each hand-over, and register:
//
//	m := metrics.New()
//	prometheus.MustRegister(m)
//	http.Handle("/nhn", m.Handler(receiver))
//	app := smshook.Handler{Default: func(ctx context.Context, w api.Webhook) error {
//		err := process(ctx, w)
//		m.Dispatched(err)
//		return err
//	}}
package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collectors of one receiver. Register it with a prometheus.Registerer; it is safe for
// concurrent use. Its zero value is not usable; call New.
type Metrics struct {
	requests   *prometheus.CounterVec
	rejected   *prometheus.CounterVec
	latency    prometheus.Histogram
	dispatched prometheus.Counter
	failures   *prometheus.CounterVec
	depth      *prometheus.Desc
	dead       *prometheus.Desc
	fault      *prometheus.Desc

	mu     sync.Mutex
	stats  func(context.Context) (depth, deadLetters int64, err error)
	causes []string
	health func(context.Context) string
}

var _ prometheus.Collector = (*Metrics)(nil)

// New returns the collectors, all at zero.
func New() *Metrics {
	return &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smshook_requests_total", Help: "Requests received, by the status code of their answer.",
		}, []string{"code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smshook_rejected_total", Help: "Requests answered with an error, by status code and RFC 9457 problem type.",
		}, []string{"code", "problem"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "smshook_request_duration_seconds", Help: "Time from a request's headers to its answer.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		dispatched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smshook_dispatched_total", Help: "Deliveries the application took.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smshook_dispatch_failures_total", Help: "Attempts to hand a delivery to the application that failed (the inbox retries them), by kind.",
		}, []string{"kind"}),
		depth: prometheus.NewDesc("smshook_inbox_depth", "Deliveries stored and not yet taken by the application (available, scheduled, retrying, running).", nil, nil),
		dead:  prometheus.NewDesc("smshook_inbox_dead_letters", "Deliveries that gave up: discarded after the last attempt or cancelled past the maximum age.", nil, nil),
		fault: prometheus.NewDesc("smshook_inbox_fault", "1 for the fault that keeps the inbox from storing deliveries (they are answered 503), 0 for the others.", []string{"cause"}, nil),
	}
}

// WatchInboxFault sets the func that a scrape calls for the inbox's fault, "" while there is none: the
// gauge smshook_inbox_fault{cause} is 1 for that cause and 0 for each other of causes.
func (m *Metrics) WatchInboxFault(causes []string, current func(ctx context.Context) string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.causes, m.health = causes, current
}

// WatchInbox sets the func that a scrape calls for the inbox's depth and dead letters; without it they are
// not exported. A scrape that finds it failing exports neither.
func (m *Metrics) WatchInbox(stats func(ctx context.Context) (depth, deadLetters int64, err error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stats = stats
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.rejected.Describe(ch)
	m.latency.Describe(ch)
	m.dispatched.Describe(ch)
	m.failures.Describe(ch)
	ch <- m.depth
	ch <- m.dead
	ch <- m.fault
}

// statsTimeout bounds the inbox's query during a scrape.
const statsTimeout = 2 * time.Second

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.rejected.Collect(ch)
	m.latency.Collect(ch)
	m.dispatched.Collect(ch)
	m.failures.Collect(ch)
	m.mu.Lock()
	stats, causes, health := m.stats, m.causes, m.health
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	if health != nil {
		current := health(ctx)
		for _, c := range causes {
			v := 0.0
			if c == current {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(m.fault, prometheus.GaugeValue, v, c)
		}
	}
	if stats == nil {
		return
	}
	depth, dead, err := stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.depth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.depth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(m.dead, prometheus.GaugeValue, float64(dead))
}

// Dispatched records one attempt to hand a delivery to the application: nil counts it dispatched, an error a
// failure of the kind its Kind method names, if it has one (kind="other" otherwise).
func (m *Metrics) Dispatched(err error) {
	if err == nil {
		m.dispatched.Inc()
		return
	}
	kind := "other"
	var k interface{ MetricKind() string }
	if errors.As(err, &k) {
		kind = k.MetricKind()
	}
	m.failures.WithLabelValues(kind).Inc()
}

// Handler returns next counting each request by the status of its answer, each error answer by its problem
// type too, and the time it took.
func (m *Metrics) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		m.latency.Observe(time.Since(start).Seconds())
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(code).Inc()
		if status >= 400 {
			m.rejected.WithLabelValues(code, problemType(rec.head.Bytes())).Inc()
		}
	})
}

// problemType returns the type of an RFC 9457 answer, or "none".
func problemType(body []byte) string {
	var p struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &p) != nil || p.Type == "" {
		return "none"
	}
	// Only the project's own types and about:blank: a label must not take values from elsewhere.
	if p.Type == "about:blank" || strings.HasPrefix(p.Type, "urn:smshook:problem:") {
		return p.Type
	}
	return "other"
}

// headBytes bounds what an error answer keeps to read its problem type.
const headBytes = 4 << 10

// recorder keeps the status of an answer, and the start of an error answer's body.
type recorder struct {
	http.ResponseWriter
	status int
	head   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && r.head.Len() < headBytes {
		r.head.Write(p[:min(len(p), headBytes-r.head.Len())])
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
