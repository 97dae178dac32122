package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"github.com/smshook/smshook/internal/inspect"
)

// The side listeners (--ui, --metrics-addr, --debug-addr) serve a few clients at once, each connection
// bounded in time, so that no number of connections to them can take the descriptors the receiver needs:
// past its cap, a connection waits in the kernel's accept queue, which costs the process no descriptor.
// Without caps, 1,100 idle connections to the metrics and inspector ports left a process with 1,024
// descriptors answering nothing on its receiver.
const (
	// uiConns holds the page, its assets and inspect.MaxStreams event streams.
	uiConns      = 2 * inspect.MaxStreams
	metricsConns = 16
	debugConns   = 8

	sideReadHeaderTimeout = 5 * time.Second
	sideReadTimeout       = 10 * time.Second
	sideWriteTimeout      = 30 * time.Second
	sideIdleTimeout       = 30 * time.Second
	// debugWriteTimeout lets /debug/pprof/profile run its default 30 s: pprof refuses a profile longer than
	// the write timeout.
	debugWriteTimeout = 2 * time.Minute
)

// sideCaps are the connection caps of the side listeners; 0 for one that serve does not run.
type sideCaps struct{ ui, metrics, debug int }

func (c sideCaps) total() int { return c.ui + c.metrics + c.debug }

// reservedFDs is what serve keeps beside the connections of its listeners: the standard streams, the
// listeners and the poller, SQLite's files (the database, its WAL and shared memory for the writer and each
// reader, for the inbox and again for --metrics-addr and --ui), the pools of a Postgres inbox (up to 21
// connections, three times) or of Redis, and one outgoing connection per worker that forwards.
func reservedFDs(inboxPath string, redis bool, forwarders int) int {
	n := 64
	if strings.HasPrefix(inboxPath, "postgres://") || strings.HasPrefix(inboxPath, "postgresql://") {
		n += 64
	}
	if redis {
		n += 32
	}
	return n + forwarders
}

// budgetSides returns the caps of the side listeners in want, so that together with the receiver's
// --max-conns and reserved they fit in limit, the process's descriptors (RLIMIT_NOFILE; 0: unknown). When
// they do not fit, it lowers them in proportion and reports it: the side listeners serve operators, who can
// wait their turn, and a smaller cap still answers them. It refuses (an error) when the limit cannot hold
// the receiver's own connections and a quarter of the side caps, since then the promise of --max-conns
// cannot be kept: raising the limit or lowering --max-conns is the operator's choice. With --max-conns 0 the
// receiver is unbounded and nothing can be budgeted.
func budgetSides(limit uint64, maxConns, reserved int, want sideCaps) (sideCaps, bool, error) {
	if limit == 0 || maxConns == 0 || limit >= uint64(maxConns+reserved+want.total()) {
		return want, false, nil
	}
	free := int(limit) - maxConns - reserved
	need := want.total()
	if free < max(1, need/4) {
		return sideCaps{}, false, fmt.Errorf("the descriptor limit (ulimit -n) is %d: --max-conns %d, %d for the store and files, and %d for the side listeners need %d; raise the limit or lower --max-conns",
			limit, maxConns, reserved, need/4, maxConns+reserved+max(1, need/4))
	}
	scale := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(1, n*free/need)
	}
	return sideCaps{ui: scale(want.ui), metrics: scale(want.metrics), debug: scale(want.debug)}, true, nil
}

// sideBudget returns the caps of the side listeners that serve runs (an address is set), within the
// process's descriptor limit; it logs once when it lowered them.
func sideBudget(maxConns int, redis bool, inbox inboxFlags, ui, metrics, debug string, logger *slog.Logger) (sideCaps, error) {
	on := func(addr string, n int) int {
		if addr == "" {
			return 0
		}
		return n
	}
	want := sideCaps{ui: on(ui, uiConns), metrics: on(metrics, metricsConns), debug: on(debug, debugConns)}
	forwarders := 0
	if *inbox.forwardTo != "" {
		forwarders = *inbox.workers
	}
	limit, reserved := nofileLimit(), reservedFDs(*inbox.path, redis, forwarders)
	caps, lowered, err := budgetSides(limit, maxConns, reserved, want)
	if lowered {
		logger.Warn("the descriptor limit leaves the side listeners fewer connections than their defaults; they serve fewer clients at once",
			slog.Uint64("nofile", limit), slog.Int("max_conns", maxConns), slog.Int("reserved", reserved),
			slog.Int("ui_conns", caps.ui), slog.Int("metrics_conns", caps.metrics), slog.Int("debug_conns", caps.debug))
	}
	return caps, err
}

// serveSide serves h on ln for a side listener: at most conns connections at once, each bounded by the side
// timeouts (write: the longest an answer may take), its errors logged as warnings. It returns the server,
// already serving.
func serveSide(ln net.Listener, conns int, write time.Duration, h http.Handler, name string, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: sideReadHeaderTimeout,
		ReadTimeout:       sideReadTimeout,
		WriteTimeout:      write,
		IdleTimeout:       sideIdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(netutil.LimitListener(ln, max(1, conns))); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(name+" stopped", slog.String("error", err.Error()))
		}
	}()
	return srv
}
