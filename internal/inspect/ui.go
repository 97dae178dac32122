package inspect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/api"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"statusClass": statusClass,
}).ParseFS(assets, "assets/*.html"))

// cookieName holds the digest of the token once the sign-in form took it.
const cookieName = "smshook_inspector"

// Handler returns the page: the list at /, a request's detail at /requests/N, the event stream at /events
// and the assets. Every answer forbids caching and framing; every POST is refused across origins.
func (in *Inspector) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", in.serveList)
	mux.HandleFunc("GET /events", in.serveEvents)
	mux.HandleFunc("GET /requests/{seq}", func(w http.ResponseWriter, r *http.Request) { in.serveDetail(w, r, false) })
	mux.HandleFunc("POST /requests/{seq}/reveal", func(w http.ResponseWriter, r *http.Request) { in.serveDetail(w, r, true) })
	mux.HandleFunc("POST /requests/{seq}/replay", in.serveReplay)
	mux.HandleFunc("POST /samples", in.serveSample)
	mux.HandleFunc("GET /signin", in.serveSignIn)
	mux.HandleFunc("POST /signin", in.serveSignIn)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "The inspector has no such page.")
	})
	csrf := http.NewCrossOriginProtection()
	return in.guard(csrf.Handler(mux))
}

// guard sets the headers of every answer and lets through only the requests the inspector may answer: with
// a token, those that carry it; without, those addressed to a loopback host name.
func (in *Inspector) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		refuse := func() { h.Set("Connection", "close") } // a refused client keeps no connection open
		switch {
		case in.opts.Token == "" && !loopbackHost(r.Host):
			refuse()
			writeProblem(w, http.StatusMisdirectedRequest, "The inspector answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1]).")
		case in.opts.Token != "" && !in.signedIn(r) && r.URL.Path != "/signin" && !strings.HasPrefix(r.URL.Path, "/assets/"):
			refuse()
			if strings.Contains(r.Header.Get("Accept"), "text/html") {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_ = pages.ExecuteTemplate(w, "signin", signInView{})
				return
			}
			writeProblem(w, http.StatusUnauthorized, "The inspector needs its token: sign in, or send Authorization: Bearer TOKEN.")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// loopbackHost reports whether the Host header names this machine: localhost or a loopback address.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cookieValue is what the sign-in cookie holds: a digest of the token's digest, not the token.
func (in *Inspector) cookieValue() string {
	d := sha256.Sum256(append([]byte("smshook inspector cookie "), in.token[:]...))
	return hex.EncodeToString(d[:])
}

// signedIn reports whether r carries the token, as a bearer token or the sign-in cookie, compared in constant
// time.
func (in *Inspector) signedIn(r *http.Request) bool {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		d := sha256.Sum256([]byte(bearer))
		return subtle.ConstantTimeCompare(d[:], in.token[:]) == 1
	}
	c, err := r.Cookie(cookieName)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(in.cookieValue())) == 1
}

type signInView struct{ Wrong bool }

func (in *Inspector) serveSignIn(w http.ResponseWriter, r *http.Request) {
	if in.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		d := sha256.Sum256([]byte(r.PostFormValue("token")))
		if subtle.ConstantTimeCompare(d[:], in.token[:]) == 1 {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: in.cookieValue(), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = pages.ExecuteTemplate(w, "signin", signInView{Wrong: true})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "signin", signInView{})
}

// rowView is one request of the list; every value from the request is masked.
type rowView struct {
	Seq                         uint64
	Time, TimeISO, Method, Path string
	Status                      int
	StatusText                  string
	Product, Event, Origin      string
	Hooks                       string
	Outcomes                    []count
	Title                       string
	Violations                  []api.ProblemError // the first maxRows
	MoreViolations              int                // those past Violations
	// Drift lists the values the contract does not know that the receiver took, within what room the
	// violations leave of maxRows, so that a row stays within rowBound; MoreDrift counts the others.
	Drift     []api.ProblemError
	MoreDrift int
	// DriftTotal is how many there are in all; Accepted says the receiver answered 2xx.
	DriftTotal int
	Accepted   bool
	Notes      []string
	Summary    string
}

func (in *Inspector) rowView(e *entry) rowView {
	v := rowView{
		Seq: e.Seq, Time: e.Time.Format("15:04:05.000"), TimeISO: e.Time.Format(time.RFC3339Nano),
		Method: mask(e.method), Path: mask(e.uri), Status: e.status, StatusText: http.StatusText(e.status),
		Product: mask(e.Product), Event: mask(e.Event), Origin: e.origin, Hooks: "—", Outcomes: e.outcomeCounts(),
	}
	if e.Hooks >= 0 {
		v.Hooks = strconv.Itoa(e.Hooks)
	}
	if e.Problem != nil {
		v.Title = mask(e.Problem.Title)
		if e.Problem.Detail != "" {
			v.Title = mask(e.Problem.Detail)
		}
		v.Violations = maskErrors(e.Problem.Errors)
		v.MoreViolations = e.Problem.MoreErrors
	}
	for _, h := range e.HookRows {
		if !h.Quarantined {
			continue
		}
		room := max(0, maxRows-len(v.Violations))
		v.Violations = append(v.Violations, maskErrors(h.Violations[:min(room, len(h.Violations))])...)
		v.MoreViolations += len(h.Violations) - min(room, len(h.Violations)) + h.MoreViolations
	}
	v.MoreViolations += e.moreViolations
	v.DriftTotal, v.Accepted = len(e.Drift)+e.MoreDrift, e.status >= 200 && e.status < 300
	room := max(0, maxRows-len(v.Violations))
	v.Drift = maskErrors(e.Drift[:min(room, len(e.Drift))])
	v.MoreDrift = v.DriftTotal - len(v.Drift)
	for _, n := range e.Notes {
		v.Notes = append(v.Notes, mask(n))
	}
	v.Summary = strings.TrimSpace(fmt.Sprintf("Request %d: %d %s %s %s", e.Seq, e.status, v.StatusText, v.Product, v.Event))
	if v.DriftTotal > 0 && v.Accepted {
		v.Summary += ", accepted with drift"
	}
	return v
}

func maskErrors(errs []api.ProblemError) []api.ProblemError {
	out := make([]api.ProblemError, len(errs))
	for i, e := range errs {
		out[i] = api.ProblemError{Pointer: mask(e.Pointer), Detail: mask(e.Detail)}
	}
	return out
}

func statusClass(status int) string {
	switch {
	case status < 300:
		return "ok"
	case status < 500:
		return "refused"
	}
	return "failed"
}

type listView struct {
	Rows              []rowView
	Kinds             []string
	Gauges            []Gauge
	GaugeError        string
	Missed            uint64
	Capacity, MaxBody int
	Last              uint64
	Path              string
}

func (in *Inspector) serveList(w http.ResponseWriter, r *http.Request) {
	v := listView{Capacity: in.opts.Capacity, MaxBody: MaxBody, Missed: in.missed.Load(), Path: in.opts.Path}
	for _, e := range in.ring.list() {
		v.Rows = append(v.Rows, in.rowView(e))
	}
	if len(v.Rows) > 0 {
		v.Last = v.Rows[0].Seq
	}
	v.Kinds = sampleKinds()
	if in.opts.Gauges != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		g, err := in.opts.Gauges(ctx)
		cancel()
		if err != nil {
			v.GaugeError = "unavailable: " + mask(err.Error())
		}
		v.Gauges = g
	}
	render(w, http.StatusOK, "list", v)
}

type detailView struct {
	Row       rowView
	Remote    string
	Took      string
	AppKey    string
	Headers   []header
	Body      string
	BodyNote  string
	Hooks     []hookRow
	MoreHooks int
	Problem   *problem
	Drift     []api.ProblemError // every kept drift value, not only the row's share
	MoreDrift int
	Revealed  bool
	CanReplay bool
}

func (in *Inspector) serveDetail(w http.ResponseWriter, r *http.Request, reveal bool) {
	e := in.entryOf(w, r)
	if e == nil {
		return
	}
	show := mask
	if reveal {
		show = func(s string) string { return s }
	}
	v := detailView{
		Row: in.rowView(e), Remote: e.remote, Took: e.took.Round(time.Microsecond).String(), AppKey: show(e.AppKey),
		Headers: showHeaders(e.reqHeader, reveal), Revealed: reveal, CanReplay: e.replayable(),
		Problem: e.Problem, MoreHooks: e.MoreHooks,
	}
	body := e.body
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") == nil {
		body = pretty.Bytes()
	}
	v.Body = show(strings.ToValidUTF8(string(body), "\uFFFD"))
	if e.bodySize == 0 {
		v.BodyNote = "no body"
	}
	for _, h := range e.HookRows {
		h.HookID = show(h.HookID)
		h.Violations = maskErrors(h.Violations)
		codes := make([]resultCode, len(h.Codes)) // the entry is shared: mask a copy
		for i, c := range h.Codes {
			c.Code = show(c.Code)
			codes[i] = c
		}
		h.Codes = codes
		v.Hooks = append(v.Hooks, h)
	}
	v.Drift, v.MoreDrift = maskErrors(e.Drift), e.MoreDrift
	if v.Problem != nil {
		p := *v.Problem
		p.Title, p.Detail, p.Type, p.Errors = mask(p.Title), mask(p.Detail), mask(p.Type), maskErrors(p.Errors)
		v.Problem = &p
	}
	render(w, http.StatusOK, "detail", v)
}

// entryOf returns the entry the path names, or answers 404 and returns nil.
func (in *Inspector) entryOf(w http.ResponseWriter, r *http.Request) *entry {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	var e *entry
	if err == nil {
		e = in.ring.get(seq)
	}
	if e == nil {
		writeProblem(w, http.StatusNotFound, "No such request: the inspector keeps the last "+strconv.Itoa(in.opts.Capacity)+".")
	}
	return e
}

// serveReplay serves the recorded request again through the receiver: as it was (a redelivery, which the
// receiver's deduplication acknowledges without dispatching), or with new hookIds (as="new"), which the
// application receives.
func (in *Inspector) serveReplay(w http.ResponseWriter, r *http.Request) {
	e := in.entryOf(w, r)
	if e == nil {
		return
	}
	if !e.replayable() {
		writeProblem(w, http.StatusConflict, "The request was larger than the inspector keeps; it cannot be replayed.")
		return
	}
	body := e.body
	if r.PostFormValue("as") == "new" {
		var ok bool
		if body, ok = freshIDs(body); !ok {
			writeProblem(w, http.StatusUnprocessableEntity, "Only a delivery with hooks can be replayed with new hookIds.")
			return
		}
	}
	if !in.serve(r.Context(), fmt.Sprintf("replay of #%d", e.Seq), e.method, e.uri, e.reqHeader.Clone(), body) {
		writeProblem(w, http.StatusServiceUnavailable, "No receiver is recording into the inspector.")
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveSample posts the documented delivery of the kind the form names, with new hookIds, to the receiver.
func (in *Inspector) serveSample(w http.ResponseWriter, r *http.Request) {
	body, ok := sampleBody(r.PostFormValue("kind"))
	if !ok {
		writeProblem(w, http.StatusBadRequest, "No documented sample of that kind.")
		return
	}
	body, _ = freshIDs(body)
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"smshook-inspector"}}
	if in.opts.Secret != "" {
		h.Set("X-Toast-Webhook-Signature", in.opts.Secret)
	}
	if !in.serve(r.Context(), "sample", http.MethodPost, in.opts.Path, h, body) {
		writeProblem(w, http.StatusServiceUnavailable, "No receiver is recording into the inspector.")
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serve hands a request to the receiver Wrap returned, in the process, and waits for its answer, which the
// recording keeps. The application's work is not cut short when the page goes away.
func (in *Inspector) serve(ctx context.Context, origin, method, uri string, h http.Header, body []byte) bool {
	target := in.target.Load()
	if target == nil {
		return false
	}
	req, err := http.NewRequestWithContext(withOrigin(context.WithoutCancel(ctx), origin), method, uri, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header = h
	req.RequestURI = uri
	req.RemoteAddr = "inspector"
	target.h.ServeHTTP(&discard{header: http.Header{}}, req)
	return true
}

// discard is the answer of a request the inspector made: the recording keeps what matters of it.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// sampleKinds and sampleBody are the inspector's only use of the contract's registry of kinds.
func sampleKinds() []string {
	var out []string
	for _, k := range api.Kinds() {
		out = append(out, k.String())
	}
	return out
}

// sampleBody returns the documented delivery of the kind named as Kind.String names it.
func sampleBody(name string) ([]byte, bool) {
	for _, k := range api.Kinds() {
		if k.String() != name {
			continue
		}
		w, ok := api.Sample(k)
		if !ok {
			return nil, false
		}
		b, err := json.Marshal(w)
		return b, err == nil
	}
	return nil, false
}

// freshIDs gives the delivery body and each of its hooks new ids, so that the receiver takes it as a new
// delivery rather than a redelivery. It reports false for a body that is not a delivery with hooks.
func freshIDs(body []byte) ([]byte, bool) {
	var d map[string]any
	if json.Unmarshal(body, &d) != nil {
		return nil, false
	}
	hooks, ok := d["hooks"].([]any)
	if !ok || len(hooks) == 0 {
		return nil, false
	}
	suffix := "-" + rand.Text()[:10]
	if id, ok := d["hooksId"].(string); ok {
		d["hooksId"] = id + suffix
	}
	for _, hook := range hooks {
		if m, ok := hook.(map[string]any); ok {
			id, _ := m["hookId"].(string)
			m["hookId"] = id + suffix
		}
	}
	b, err := json.Marshal(d)
	return b, err == nil
}

func render(w http.ResponseWriter, status int, name string, v any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		writeProblem(w, http.StatusInternalServerError, "The page could not be rendered.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeProblem answers an RFC 9457 problem.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: &detail})
}
