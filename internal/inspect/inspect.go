// Package inspect is the live inspector of `smshook serve --ui`: it records every request the receiver gets
// (Wrap), keeps the last ones in memory and serves a page that lists them as they arrive, shows why one was
// refused (the problem's pointers), which hooks were quarantined, what drift the receiver accepted and what each
// hook's result code means (result-codes.json, through package api), masks phone numbers and e-mail addresses
// until asked, and replays a request or sends a documented sample through the receiver.
//
// The page renders on the server and works without JavaScript; with it, new rows arrive by Server-Sent
// Events. Its assets are embedded. It is meant for a developer's machine: serve it on loopback, or give it a
// token (Options.Token).
package inspect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/smshook/smshook/validate"
)

// DefaultCapacity is how many requests the inspector keeps when Options.Capacity is not set.
const DefaultCapacity = 100

// Options configure an Inspector. The zero value keeps DefaultCapacity requests, decodes bodies under the
// compatible profile, posts samples to "/" without a secret and asks no token.
type Options struct {
	// Capacity is how many requests are kept, the newest; <= 0: DefaultCapacity.
	Capacity int
	// Strict decodes the recorded bodies under the strict profile, as the receiver does with WithStrict.
	Strict bool
	// Path is where samples are posted on the receiver; "": "/".
	Path string
	// Secret is sent as X-Toast-Webhook-Signature with samples; "": none (a receiver that allows no secret
	// requests).
	Secret string
	// Token, when set, is asked of every request to the page: a cookie set by its sign-in form, or
	// "Authorization: Bearer TOKEN". Without it, the page answers only requests addressed to a loopback host
	// name, so that another site cannot reach it through DNS rebinding.
	Token string
	// Gauges, when set, returns figures the page shows above the list, such as the inbox's pending, retrying
	// and dead deliveries; an error is shown in their place.
	Gauges func(ctx context.Context) ([]Gauge, error)
	// Logger is where the inspector logs; nil: slog.Default().
	Logger *slog.Logger
}

// Gauge is one figure of Options.Gauges.
type Gauge struct {
	Name  string
	Value int64
}

// Inspector records requests and serves the page. Its methods are safe for concurrent use.
type Inspector struct {
	opts    Options
	profile validate.Profile
	token   [sha256.Size]byte
	ring    *ring
	events  *broker
	queue   chan *captured
	seq     atomic.Uint64
	missed  atomic.Uint64
	target  atomic.Pointer[handlerBox]
	done    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
	logger  *slog.Logger
}

// New returns an Inspector; Close releases it.
func New(opts Options) *Inspector {
	if opts.Capacity <= 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	in := &Inspector{
		opts: opts, profile: validate.Compatible, ring: newRing(opts.Capacity), events: newBroker(),
		queue: make(chan *captured, queueLen), done: make(chan struct{}), logger: opts.Logger,
	}
	if opts.Strict {
		in.profile = validate.Strict
	}
	if opts.Token != "" {
		in.token = sha256.Sum256([]byte(opts.Token))
	}
	if in.logger == nil {
		in.logger = slog.Default()
	}
	in.stopped.Add(1)
	go in.run()
	return in
}

// run analyses the recorded requests one at a time, off the receiver's goroutines.
func (in *Inspector) run() {
	defer in.stopped.Done()
	for {
		select {
		case c := <-in.queue:
			c.seq = in.seq.Add(1)
			in.add(analyze(c, in.profile))
		case <-in.done:
			return
		}
	}
}

func (in *Inspector) add(e *entry) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "row", in.rowView(e)); err != nil {
		in.logger.Error("inspector: rendering a row failed", slog.String("error", err.Error()))
	}
	e.rowHTML = strings.NewReplacer("\r", " ", "\n", " ").Replace(b.String())
	in.ring.add(e)
	in.events.publish(rowEvent(e))
}

// Close ends the page's event streams and the recording; the handler Wrap returned still serves, unrecorded.
func (in *Inspector) Close() {
	in.once.Do(func() {
		close(in.done)
		in.events.close()
		in.stopped.Wait()
	})
}
