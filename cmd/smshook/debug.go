package main

import (
	"expvar"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// debugVars is what /debug/vars publishes, and nothing else: an allowlist, because expvar's own handler also
// publishes every variable registered in the process, "cmdline" among them, the argv that holds --secret and
// the Redis URL with its password. The variables are not registered with expvar, so nothing else serves them.
func debugVars(openConns *expvar.Int) *expvar.Map {
	vars := new(expvar.Map).Init()
	vars.Set("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
	vars.Set("memstats", expvar.Func(func() any {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m
	}))
	vars.Set("open_conns", openConns)
	return vars
}

// serveDebug serves vars on /debug/vars and pprof's profiles on /debug/pprof/ at addr, for operators and the
// soak test. pprof's cmdline (argv) is not served. It returns a function that stops it.
func serveDebug(addr string, vars *expvar.Map, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/vars", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, vars.String()+"\n")
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the runtime's named profiles: heap, goroutine, allocs, ...
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/debug/pprof/cmdline", http.NotFoundHandler()) // Index answers 404 too; this says so
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("debug endpoints on http://"+ln.Addr().String()+"/debug/vars", slog.String("debug_addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}
