package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/metrics"
)

// kindErr is an error with a metric kind, as the forwarder's are.
type kindErr string

func (k kindErr) Error() string      { return string(k) }
func (k kindErr) MetricKind() string { return string(k) }

func TestMetricsCountTheReceiver(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m))
	var stats struct {
		depth, dead int64
		err         error
	}
	m.WatchInbox(func(context.Context) (int64, int64, error) { return stats.depth, stats.dead, stats.err })

	h, err := smshook.NewHandler(smshook.Handler{}, smshook.WithSecrets("s3cret"))
	require.NoError(t, err)
	srv := httptest.NewServer(m.Handler(h))
	defer srv.Close()
	send := func(sig, body string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(smshook.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	send("wrong", `{}`)
	send("wrong", `{}`)
	send("s3cret", `{"not":"a delivery"}`)
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()

	m.Dispatched(nil)
	m.Dispatched(nil)
	m.Dispatched(kindErr("status_503"))
	m.Dispatched(errors.New("the application's own error, with a value"))
	stats.depth, stats.dead = 7, 2

	want := `
# HELP smshook_dispatch_failures_total Attempts to hand a delivery to the application that failed (the inbox retries them), by kind.
# TYPE smshook_dispatch_failures_total counter
smshook_dispatch_failures_total{kind="other"} 1
smshook_dispatch_failures_total{kind="status_503"} 1
# HELP smshook_dispatched_total Deliveries the application took.
# TYPE smshook_dispatched_total counter
smshook_dispatched_total 2
# HELP smshook_inbox_dead_letters Deliveries that gave up: discarded after the last attempt or cancelled past the maximum age.
# TYPE smshook_inbox_dead_letters gauge
smshook_inbox_dead_letters 2
# HELP smshook_inbox_depth Deliveries stored and not yet taken by the application (available, scheduled, retrying, running).
# TYPE smshook_inbox_depth gauge
smshook_inbox_depth 7
# HELP smshook_rejected_total Requests answered with an error, by status code and RFC 9457 problem type.
# TYPE smshook_rejected_total counter
smshook_rejected_total{code="400",problem="urn:smshook:problem:invalid-body"} 1
smshook_rejected_total{code="401",problem="urn:smshook:problem:secret-mismatch"} 2
smshook_rejected_total{code="405",problem="urn:smshook:problem:method-not-allowed"} 1
# HELP smshook_requests_total Requests received, by the status code of their answer.
# TYPE smshook_requests_total counter
smshook_requests_total{code="400"} 1
smshook_requests_total{code="401"} 2
smshook_requests_total{code="405"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"smshook_dispatch_failures_total", "smshook_dispatched_total", "smshook_inbox_dead_letters", "smshook_inbox_depth",
		"smshook_rejected_total", "smshook_requests_total"))
	n, err := testutil.GatherAndCount(reg, "smshook_request_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one histogram")

	stats.err = errors.New("the file is gone")
	_, err = reg.Gather()
	require.Error(t, err, "a failing inbox makes the scrape fail, not report zero")
}

// TestInboxFaultGauge: smshook_inbox_fault is 1 for the fault the inbox reports and 0 for the other causes,
// all 0 while it is healthy.
func TestInboxFaultGauge(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m))
	current := ""
	m.WatchInboxFault([]string{"deleted", "disk_full"}, func(context.Context) string { return current })
	gauge := func(deleted, full int) string {
		return fmt.Sprintf(`
# HELP smshook_inbox_fault 1 for the fault that keeps the inbox from storing deliveries (they are answered 503), 0 for the others.
# TYPE smshook_inbox_fault gauge
smshook_inbox_fault{cause="deleted"} %d
smshook_inbox_fault{cause="disk_full"} %d
`, deleted, full)
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(gauge(0, 0)), "smshook_inbox_fault"))
	current = "disk_full"
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(gauge(0, 1)), "smshook_inbox_fault"))
}
