package main

import (
	"expvar"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
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

// pprofPage is one page of /debug/pprof/: its name, the query of the index's link to it, what it shows, and its
// handler.
type pprofPage struct {
	name, query, what string
	handler           http.Handler
}

// pprofPages are the pages /debug/pprof/ serves, and nothing else: an allowlist, because net/http/pprof also
// offers cmdline (argv, with --secret and the Redis URL's password), and its index lists cmdline, symbol and
// trace whatever the mux serves.
var pprofPages = []pprofPage{
	{"allocs", "debug=1", "a sampling of all past memory allocations", pprof.Handler("allocs")},
	{"block", "debug=1", "stack traces that led to blocking on synchronization primitives", pprof.Handler("block")},
	{"goroutine", "debug=1", "stack traces of all current goroutines (debug=2: as an unrecovered panic prints them)", pprof.Handler("goroutine")},
	{"heap", "debug=1", "a sampling of the memory allocations of live objects", pprof.Handler("heap")},
	{"mutex", "debug=1", "stack traces of holders of contended mutexes", pprof.Handler("mutex")},
	{"profile", "seconds=30", "a CPU profile over the seconds given, for go tool pprof", http.HandlerFunc(pprof.Profile)},
	{"threadcreate", "debug=1", "stack traces that led to the creation of new OS threads", pprof.Handler("threadcreate")},
}

// serveDebug serves vars on /debug/vars and the pages of pprofPages under /debug/pprof/ at addr, for
// operators and the soak test, to at most conns connections at once. It returns a function that stops it.
func serveDebug(addr string, conns int, vars *expvar.Map, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/vars", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, vars.String()+"\n")
	})
	index := pprofIndex()
	mux.HandleFunc("/debug/pprof/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, index)
	})
	for _, p := range pprofPages {
		mux.Handle("/debug/pprof/"+p.name, p.handler)
	}
	srv := serveSide(ln, conns, debugWriteTimeout, mux, "debug endpoints", logger)
	logger.Info("debug endpoints on http://"+ln.Addr().String()+"/debug/vars", slog.String("debug_addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

// pprofIndex is the page of /debug/pprof/: a link to each page of pprofPages.
func pprofIndex() string {
	var b strings.Builder
	b.WriteString("<html>\n<head><title>/debug/pprof/</title></head>\n<body>\n<p>/debug/pprof/</p>\n<ul>\n")
	for _, p := range pprofPages {
		fmt.Fprintf(&b, "<li><a href='%s?%s'>%s</a>: %s</li>\n", p.name, html.EscapeString(p.query), p.name, html.EscapeString(p.what))
	}
	b.WriteString("</ul>\n</body>\n</html>\n")
	return b.String()
}
