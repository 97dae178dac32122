package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/smshook/smshook/internal/inspect"
)

// minUITokenLen is the shortest token the inspector accepts: it guards the payloads of every request.
const minUITokenLen = 16

// uiFlags are serve's flags of the inspector (internal/inspect).
type uiFlags struct {
	addr      *string
	remote    *bool
	tokenFile *string
	requests  *int
	conns     int // the most connections served at once (serve_side.go)
}

func addUIFlags(fs *flagSet) uiFlags {
	return uiFlags{
		addr:      fs.String("ui", "", "serve the live inspector, a page of the last requests, on `HOST:PORT`, e.g. 127.0.0.1:8081 (loopback unless --ui-remote)"),
		remote:    fs.Bool("ui-remote", false, "let --ui listen on an address other than loopback; needs a token ($SMSHOOK_UI_TOKEN or --ui-token-file)"),
		tokenFile: fs.String("ui-token-file", "", "a `FILE` whose first line is the token the inspector asks for; also $SMSHOOK_UI_TOKEN"),
		requests:  fs.Int("ui-requests", inspect.DefaultCapacity, "how many requests the inspector keeps, `N`, the newest"),
	}
}

// uiReceiver is what the inspector needs of the receiver it records: where samples go, the secret they
// carry, the profile the receiver decodes with and, when the inbox is on, its figures.
type uiReceiver struct {
	path    string
	secrets []string // the first goes with samples; none: the receiver allows requests without one
	strict  bool
	gauges  func(context.Context) ([]inspect.Gauge, error)
}

// inboxGauges returns, for the inspector, the inbox's deliveries by state read from the file at path
// (pending, running, retrying, dead), and the func that closes the file; nil and a no-op without --ui or
// without an inbox.
func (u uiFlags) inboxGauges(ctx context.Context, path string) (func(context.Context) ([]inspect.Gauge, error), func(), error) {
	if *u.addr == "" || path == "" {
		return nil, func() {}, nil
	}
	ib, err := openInboxFile(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	gauges := func(ctx context.Context) ([]inspect.Gauge, error) {
		s, err := ib.summary(ctx)
		if err != nil {
			return nil, err
		}
		return []inspect.Gauge{
			{Name: "pending", Value: int64(s.pending)},
			{Name: "running", Value: int64(s.running)},
			{Name: "retrying", Value: int64(s.retrying)},
			{Name: "dead", Value: int64(s.dead)},
		}, nil
	}
	return gauges, ib.close, nil
}

// start serves the inspector when --ui is set and returns h recorded into it, with the func that stops it;
// without --ui it returns h itself, so that serve pays nothing for the inspector.
func (u uiFlags) start(e env, h http.Handler, recv uiReceiver, logger *slog.Logger) (http.Handler, func(), error) {
	if *u.addr == "" {
		if *u.remote || *u.tokenFile != "" {
			return nil, nil, errors.New("--ui-remote and --ui-token-file need --ui")
		}
		return h, func() {}, nil
	}
	if *u.requests <= 0 {
		return nil, nil, errors.New("--ui-requests must be 1 or more")
	}
	token, err := uiToken(*u.tokenFile, e.getenv("SMSHOOK_UI_TOKEN"))
	if err != nil {
		return nil, nil, err
	}
	loopback := isLoopbackAddr(*u.addr)
	switch {
	case !loopback && !*u.remote:
		return nil, nil, fmt.Errorf("--ui %s is not a loopback address: the page shows every request's payload; add --ui-remote and a token to serve it there", *u.addr)
	case !loopback && token == "":
		return nil, nil, errors.New("--ui-remote needs a token: $SMSHOOK_UI_TOKEN or --ui-token-file")
	case token != "" && len(token) < minUITokenLen:
		return nil, nil, fmt.Errorf("the inspector's token must have at least %d characters", minUITokenLen)
	}
	ln, err := net.Listen("tcp", *u.addr)
	if err != nil {
		return nil, nil, err
	}
	var secret string
	if len(recv.secrets) > 0 {
		secret = recv.secrets[0]
	}
	in := inspect.New(inspect.Options{
		Capacity: *u.requests, Strict: recv.strict, Path: recv.path, Secret: secret, Token: token,
		Gauges: recv.gauges, Logger: logger,
	})
	// The event streams lift the read and write timeouts for themselves (internal/inspect).
	srv := serveSide(ln, u.conns, sideWriteTimeout, in.Handler(), "inspector", logger)
	srv.RegisterOnShutdown(in.Close) // ends the event streams, which Shutdown would wait for
	logger.Info(fmt.Sprintf("inspector on http://%s/", ln.Addr()), slog.String("ui", ln.Addr().String()),
		slog.Bool("token", token != ""), slog.Int("requests", *u.requests))
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		in.Close()
	}
	return in.Wrap(h), stop, nil
}

// uiToken reads the token from the file's first line, or else from the environment.
func uiToken(file, fromEnv string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if t := strings.TrimSpace(first); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("%s: no token on its first line", file)
	}
	return strings.TrimSpace(fromEnv), nil
}

// isLoopbackAddr reports whether HOST:PORT listens on loopback only: localhost or a loopback IP, not "" (every
// interface).
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
