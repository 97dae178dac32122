package main

import (
	"expvar"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

var goroutines = expvar.NewInt("goroutines")

// serveDebug serves expvar (/debug/vars: memstats, goroutines) and pprof on addr, for operators and the soak
// test. It returns a function that stops it.
func serveDebug(addr string, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/vars", func(w http.ResponseWriter, r *http.Request) {
		goroutines.Set(int64(runtime.NumGoroutine()))
		expvar.Handler().ServeHTTP(w, r)
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("debug endpoints on http://"+ln.Addr().String()+"/debug/vars", slog.String("debug_addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}
