package inspect

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// clientBuffer is how many events a page may lag behind; a slower one is dropped (its browser reconnects and
// catches up from the ring with Last-Event-ID).
const clientBuffer = 32

// Bounds of the event streams, so that streams cannot take the process's descriptors or memory, nor a reader
// that stopped reading hold its stream: past MaxStreams a stream is answered 503; a write that does not
// reach the client within streamWriteTimeout ends its stream; every stream ends after streamMaxLife, and the
// browser reconnects and catches up with Last-Event-ID.
const (
	// MaxStreams is how many event streams the inspector serves at once.
	MaxStreams         = 16
	streamWriteTimeout = 10 * time.Second
	streamMaxLife      = 10 * time.Minute
)

var (
	errClosed      = errors.New("the inspector is shutting down")
	errStreamsFull = errors.New("too many event streams")
)

// sseEvent is one Server-Sent Event: its id is the entry's Seq.
type sseEvent struct {
	id   uint64
	name string
	data string // one line
}

// broker fans events out to the pages open on the stream, never waiting for one.
type broker struct {
	mu      sync.Mutex
	clients map[chan sseEvent]struct{}
	closed  bool
}

func newBroker() *broker { return &broker{clients: map[chan sseEvent]struct{}{}} }

// subscribe returns the channel of a new client; errClosed once the broker is closed, errStreamsFull when it
// serves MaxStreams.
func (b *broker) subscribe() (chan sseEvent, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return nil, errClosed
	case len(b.clients) >= MaxStreams:
		return nil, errStreamsFull
	}
	ch := make(chan sseEvent, clientBuffer)
	b.clients[ch] = struct{}{}
	return ch, nil
}

func (b *broker) unsubscribe(ch chan sseEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.clients[ch]; ok {
		delete(b.clients, ch)
		close(ch)
	}
}

// publish hands ev to every client that has room for it and drops the others.
func (b *broker) publish(ev sseEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.clients {
		select {
		case ch <- ev:
		default:
			delete(b.clients, ch)
			close(ch)
		}
	}
}

// close ends every stream.
func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.clients {
		delete(b.clients, ch)
		close(ch)
	}
}

func (b *broker) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.clients)
}

// keepAlive is how often an idle stream carries a comment, so that proxies keep it open.
const keepAlive = 15 * time.Second

// serveEvents streams the rows of new requests as text/event-stream: "request" events whose data is the
// row's HTML. A reconnecting page sends Last-Event-ID and first gets the rows it missed that the ring holds.
func (in *Inspector) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch, err := in.events.subscribe()
	switch {
	case errors.Is(err, errStreamsFull):
		w.Header().Set("Retry-After", "10")
		w.Header().Set("Connection", "close")
		writeProblem(w, http.StatusServiceUnavailable, fmt.Sprintf("The inspector serves %d event streams at once; reload the page later.", MaxStreams))
		return
	case err != nil:
		w.Header().Set("Connection", "close")
		writeProblem(w, http.StatusServiceUnavailable, "The inspector is shutting down.")
		return
	}
	defer in.events.unsubscribe(ch)
	// The stream outlives the server's read and write timeouts: it lifts the first, which would end it, and
	// sets its own write deadline before each write.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("after") // the rows the page was rendered with
	}
	if last, err := strconv.ParseUint(last, 10, 64); err == nil {
		for _, e := range in.ring.after(last) {
			writeEvent(w, rowEvent(e))
		}
	}
	_, _ = fmt.Fprint(w, ": stream open\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	life := time.NewTimer(streamMaxLife)
	defer life.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			writeEvent(w, ev)
		case <-tick.C:
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			_, _ = fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-life.C:
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, ev sseEvent) {
	_, _ = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.id, ev.name, ev.data)
}

func rowEvent(e *entry) sseEvent { return sseEvent{id: e.Seq, name: "request", data: e.rowHTML} }
