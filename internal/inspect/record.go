package inspect

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// Bounds of what one request may hold in memory: the ring holds at most capacity × (MaxBody + maxResponse)
// bytes of bodies.
const (
	// MaxBody is the most bytes of a request's body the inspector keeps; a longer body is shown cut and
	// cannot be replayed.
	MaxBody = 64 << 10
	// maxResponse is the most bytes of an answer kept: a problem's violations fit.
	maxResponse = 16 << 10
	// maxHeader is the most bytes of request headers kept (names and values); the server reads up to 1 MiB.
	maxHeader = 16 << 10
	// maxText is the most bytes of one pointer or reason a kept violation holds.
	maxText = 256
	// rowBound bounds the HTML of one request's row: maxRows violations of maxText bytes each, twice, masked and
	// escaped, and the rest of the row.
	rowBound = 24 << 10
	// entryBound bounds what one recorded request holds: its body, answer and headers, its kept hook rows and
	// its row's HTML. docs/inspector.md documents it: capacity × entryBound is the inspector's memory.
	entryBound = MaxBody + maxResponse + maxHeader + 2*rowBound
	// queueLen is how many recorded requests may wait for analysis; past it, requests go unrecorded rather
	// than slow the receiver.
	queueLen = 256
)

// captured is what the recording middleware saw of one request and its answer.
type captured struct {
	seq       uint64 // set when analysed, in the order the ring holds them
	at        time.Time
	took      time.Duration
	method    string
	uri       string
	remote    string
	reqHeader http.Header
	headerCut bool // headers past maxHeader were left out
	body      []byte
	bodySize  int64 // bytes read of the body, perhaps more than len(body)
	status    int
	respType  string
	resp      []byte
	origin    string
}

type originKey struct{}

// withOrigin marks a request the inspector makes itself ("replay of #3", "sample"), to show it.
func withOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// Wrap returns h recording every request into the inspector: recording copies at most MaxBody bytes of the
// body as h reads it, and hands the request over without waiting, so that the receiver is never held up by
// the page; when the inspector falls behind, a request is counted as missed instead. Replays and samples
// are served by the handler Wrap returned last.
func (in *Inspector) Wrap(h http.Handler) http.Handler {
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &captured{
			at: time.Now(), method: r.Method, uri: r.RequestURI, remote: r.RemoteAddr,
		}
		c.reqHeader, c.headerCut = boundedHeader(r.Header)
		if c.uri == "" {
			c.uri = r.URL.RequestURI()
		}
		if o, ok := r.Context().Value(originKey{}).(string); ok {
			c.origin = o
		}
		tee := &teeBody{r: r.Body}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = tee
		}
		rw := &recorder{ResponseWriter: w}
		h.ServeHTTP(rw, r)
		if tee.r != nil && !tee.eof && tee.buf.Len() < MaxBody {
			// Answered before reading the body (401, 415): keep what came, within the bound.
			_, _ = io.CopyN(io.Discard, tee, int64(MaxBody-tee.buf.Len()))
		}
		c.took = time.Since(c.at)
		c.body, c.bodySize = tee.buf.Bytes(), tee.n
		c.status = rw.status
		if c.status == 0 {
			c.status = http.StatusOK
		}
		c.respType = rw.Header().Get("Content-Type")
		c.resp = rw.body.Bytes()
		select {
		case in.queue <- c:
		default:
			in.missed.Add(1)
		}
	})
	in.target.Store(&handlerBox{wrapped})
	return wrapped
}

type handlerBox struct{ h http.Handler }

// boundedHeader copies h up to maxHeader bytes, and reports whether some was left out.
func boundedHeader(h http.Header) (http.Header, bool) {
	out := make(http.Header, len(h))
	budget, cut := maxHeader, false
	for name, values := range h {
		for _, v := range values {
			if n := len(name) + len(v); n <= budget {
				budget -= n
				out[name] = append(out[name], v)
				continue
			}
			cut = true
		}
	}
	return out, cut
}

// teeBody keeps the first MaxBody bytes read through it.
type teeBody struct {
	r   io.ReadCloser
	buf bytes.Buffer
	n   int64
	eof bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n += int64(n)
	if room := MaxBody - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(n, room)])
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.r.Close() }

// recorder keeps the status and the first maxResponse bytes of the answer.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if room := maxResponse - r.body.Len(); room > 0 {
		r.body.Write(p[:min(len(p), room)])
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
