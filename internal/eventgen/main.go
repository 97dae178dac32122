// Command eventgen writes what is per event from openapi.yaml, so that adding an event to the contract is an
// edit of the spec and `go generate ./...`:
//
//   - with -api, package api's registry: the Webhook interface that every envelope type implements (its
//     head, its hooks' ids, how to drop hooks), Events, NewWebhook and Sample, the spec's documented delivery
//     of each event;
//   - with -handler, package smshook's Handler: one func per event, and the dispatch to it.
//
// The events are the request body's discriminator: Delivery's oneOf, in order, mapped from the values of
// "event"; each envelope's hook type is its hooks' item schema. Go type names are schema names, as
// oapi-codegen writes them.
//
//	go run ./internal/eventgen -spec openapi.yaml -handler handler.gen.go
//	go run ../internal/eventgen -spec ../openapi.yaml -api events.gen.go
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// event is one event of the contract.
type event struct {
	Name     string // the value of "event", such as UNSUBSCRIBE
	Envelope string // the envelope schema and Go type, such as UnsubscribeEnvelope
	Hook     string // the hook schema and Go type, such as UnsubscribeHook
	Field    string // the Handler field, such as Unsubscribe
	Summary  string // the first sentence of the hook schema's description
	Sample   string // the documented delivery, as JSON
}

func main() {
	log.SetFlags(0)
	spec := flag.String("spec", "openapi.yaml", "the contract")
	apiOut := flag.String("api", "", "write package api's registry to this file")
	handlerOut := flag.String("handler", "", "write package smshook's Handler to this file")
	flag.Parse()
	events, err := load(*spec)
	if err != nil {
		log.Fatalf("eventgen: %v", err)
	}
	write := func(path string, gen func(*bytes.Buffer, []event)) {
		if path == "" {
			return
		}
		var b bytes.Buffer
		gen(&b, events)
		src, err := format.Source(b.Bytes())
		if err != nil {
			log.Fatalf("eventgen: the generated code does not parse: %v\n%s", err, b.Bytes())
		}
		if err := os.WriteFile(path, src, 0o644); err != nil {
			log.Fatalf("eventgen: %v", err)
		}
	}
	write(*apiOut, registry)
	write(*handlerOut, handler)
	if *apiOut == "" && *handlerOut == "" {
		log.Fatal("eventgen: give -api, -handler or both")
	}
}

// load reads the events of the spec at path.
func load(path string) ([]event, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
	}
	delivery := doc.Components.Schemas["Delivery"]
	if delivery == nil || delivery.Value == nil || delivery.Value.Discriminator == nil {
		return nil, fmt.Errorf("%s: schema Delivery with a discriminator is missing", path)
	}
	d := delivery.Value
	if d.Discriminator.PropertyName != "event" {
		return nil, fmt.Errorf("the discriminator of Delivery is %q, not event", d.Discriminator.PropertyName)
	}
	byRef := map[string]string{}
	for name, ref := range d.Discriminator.Mapping {
		byRef[ref.Ref] = name
	}
	var events []event
	for _, one := range d.OneOf {
		name, ok := byRef[one.Ref]
		if !ok {
			return nil, fmt.Errorf("the oneOf %s of Delivery has no value of event in the discriminator's mapping", one.Ref)
		}
		envelope := schemaName(one.Ref)
		hooks := one.Value.Properties["hooks"]
		if hooks == nil || hooks.Value.Items == nil || hooks.Value.Items.Ref == "" {
			return nil, fmt.Errorf("%s: hooks is not an array of a named hook schema", envelope)
		}
		hook := hooks.Value.Items
		// The registry reads these as plain strings: oapi-codegen makes an optional property a pointer.
		if missing := missingRequired(one.Value, "hooksId", "webhookConfigId", "productName", "appKey", "event", "hooks"); missing != "" {
			return nil, fmt.Errorf("%s does not require %s, which every envelope has", envelope, missing)
		}
		if missing := missingRequired(hook.Value, "hookId"); missing != "" {
			return nil, fmt.Errorf("%s does not require hookId, by which deliveries are deduplicated", schemaName(hook.Ref))
		}
		events = append(events, event{
			Name: name, Envelope: envelope, Hook: schemaName(hook.Ref),
			Field:   strings.TrimSuffix(envelope, "Envelope"),
			Summary: firstSentence(hook.Value.Description),
		})
	}
	if len(events) != len(d.Discriminator.Mapping) {
		return nil, fmt.Errorf("the discriminator of Delivery maps %d events, its oneOf lists %d", len(d.Discriminator.Mapping), len(events))
	}
	// The documented deliveries: the request body's examples, by their event.
	op := doc.Paths.Find("/")
	if op == nil || op.Post == nil || op.Post.RequestBody == nil {
		return nil, fmt.Errorf("%s: no request body of POST /", path)
	}
	media := op.Post.RequestBody.Value.Content.Get("application/json")
	names := make([]string, 0, len(media.Examples))
	for name := range media.Examples {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		body, err := json.Marshal(media.Examples[name].Value.Value)
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", name, err)
		}
		var head struct{ Event string }
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, fmt.Errorf("example %s: %w", name, err)
		}
		i := slices.IndexFunc(events, func(e event) bool { return e.Name == head.Event })
		switch {
		case i < 0:
			return nil, fmt.Errorf("example %s is of event %q, which the contract does not have", name, head.Event)
		case events[i].Sample != "":
			return nil, fmt.Errorf("example %s: a second example of %s", name, head.Event)
		}
		events[i].Sample = string(body)
	}
	for _, e := range events {
		if e.Sample == "" {
			return nil, fmt.Errorf("event %s has no example in the request body", e.Name)
		}
	}
	return events, nil
}

// missingRequired returns the first of names that s does not define as a required string (hooks aside), or "".
func missingRequired(s *openapi3.Schema, names ...string) string {
	for _, name := range names {
		p := s.Properties[name]
		if !slices.Contains(s.Required, name) || p == nil || (name != "hooks" && !p.Value.Type.Is("string")) {
			return name
		}
	}
	return ""
}

func schemaName(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

const header = "// Code generated by internal/eventgen from openapi.yaml. DO NOT EDIT.\n\n"

// registry writes package api's part.
func registry(b *bytes.Buffer, events []event) {
	b.WriteString(header)
	b.WriteString(`package api

import "encoding/json"

// Webhook is one validated delivery: a pointer to the envelope type of its event, such as
// *` + events[0].Envelope + `, or *Envelope for an event the contract does not know. Package smshook
// hands it to Handler.Default; a type switch, or a func of Handler, gives the typed envelope.
type Webhook interface {
	// Head returns the fields every envelope has besides its hooks.
	Head() Head
	// HookCount returns the number of hooks.
	HookCount() int
	// HookID returns the hookId of hook i: "" for a hook without one, which only an *Envelope can hold.
	HookID(i int) string
	// KeepHooks keeps the hooks for which keep(i) is true, in order, and drops the others: a receiver
	// drops the hooks it processed before.
	KeepHooks(keep func(i int) bool)
}

// InvalidHook is a hook that breaks the contract, which the compatible profile drops from its delivery so that
// the delivery's other hooks still reach the application (package smshook's Handler.Invalid).
type InvalidHook struct {
	// Index is the hook's position in the delivery's hooks.
	Index int
	// JSON is the hook, re-encoded from the delivery.
	JSON json.RawMessage
	// Violations point into the delivery (/hooks/Index/...), as a 400 would list them; they carry no value.
	Violations []ProblemError
}

// Head holds the fields that every envelope has besides its hooks.
type Head struct {
	HooksId         string
	WebhookConfigId string
	ProductName     string
	AppKey          string
	Event           EventType
}

// Events returns the events of the contract, in the order of openapi.yaml.
func Events() []EventType {
	return []EventType{
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t\t%s,\n", strconv.Quote(e.Name))
	}
	b.WriteString(`	}
}

// NewWebhook returns a new, empty envelope of the type of event; *Envelope for an event the contract does not
// know.
func NewWebhook(event EventType) Webhook {
	switch event {
`)
	for _, e := range events {
		fmt.Fprintf(b, "\tcase %s:\n\t\treturn new(%s)\n", strconv.Quote(e.Name), e.Envelope)
	}
	b.WriteString(`	}
	return new(Envelope)
}

// Sample returns a new copy of the documented delivery of event, openapi.yaml's example, as its envelope type.
// It reports false for an event the contract does not know.
func Sample(event EventType) (Webhook, bool) {
	body, ok := samples[event]
	if !ok {
		return nil, false
	}
	w := NewWebhook(event)
	if err := json.Unmarshal([]byte(body), w); err != nil {
		panic("api: the example of " + string(event) + " does not decode: " + err.Error()) // checked by go generate's run
	}
	return w, true
}

// samples are openapi.yaml's examples of the request body, by event.
var samples = map[EventType]string{
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t%s: %s,\n", strconv.Quote(e.Name), strconv.Quote(e.Sample))
	}
	b.WriteString("}\n")
	for _, e := range events {
		fmt.Fprintf(b, `
// Head implements Webhook.
func (e *%[1]s) Head() Head {
	return Head{HooksId: e.HooksId, WebhookConfigId: e.WebhookConfigId, ProductName: string(e.ProductName), AppKey: e.AppKey, Event: EventType(e.Event)}
}

// HookCount implements Webhook.
func (e *%[1]s) HookCount() int { return len(e.Hooks) }

// HookID implements Webhook.
func (e *%[1]s) HookID(i int) string { return e.Hooks[i].HookId }

// KeepHooks implements Webhook.
func (e *%[1]s) KeepHooks(keep func(i int) bool) { e.Hooks = keepHooks(e.Hooks, keep) }
`, e.Envelope)
	}
	b.WriteString(`
// Head implements Webhook.
func (e *Envelope) Head() Head {
	return Head{HooksId: e.HooksId, WebhookConfigId: e.WebhookConfigId, ProductName: e.ProductName, AppKey: e.AppKey, Event: e.Event}
}

// HookCount implements Webhook.
func (e *Envelope) HookCount() int { return len(e.Hooks) }

// HookID implements Webhook: the hook's "hookId" when it is a string, else "".
func (e *Envelope) HookID(i int) string {
	id, _ := e.Hooks[i]["hookId"].(string)
	return id
}

// KeepHooks implements Webhook.
func (e *Envelope) KeepHooks(keep func(i int) bool) { e.Hooks = keepHooks(e.Hooks, keep) }

// keepHooks keeps, in order and in place, the hooks for which keep(i) is true.
func keepHooks[H any](hooks []H, keep func(i int) bool) []H {
	kept := hooks[:0]
	for i := range hooks {
		if keep(i) {
			kept = append(kept, hooks[i])
		}
	}
	clear(hooks[len(kept):])
	return kept
}
`)
}

// handler writes package smshook's part.
func handler(b *bytes.Buffer, events []event) {
	b.WriteString(header)
	b.WriteString(`package smshook

import (
	"context"

	"github.com/smshook/smshook/api"
)

// Handler is the application's side of a receiver: one func per event of openapi.yaml, each given the whole
// validated envelope of a delivery, and Default for every delivery that no other func takes. Set the funcs of
// the events you handle; a delivery for which the func is nil and Default too is acknowledged and logged. A
// func that returns nil acknowledges the delivery (200); an error is answered 500 so that NHN Cloud may send it
// again. Funcs may be called concurrently. An event added to the contract adds a field: no code that sets the
// others changes.
type Handler struct {
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t// %s receives %s deliveries. %s\n", e.Field, e.Name, e.Summary)
		fmt.Fprintf(b, "\t%s func(ctx context.Context, e *api.%s) error\n", e.Field, e.Envelope)
	}
	b.WriteString(`	// Default receives the deliveries no func above takes: of an event whose func is nil, and, under the
	// default compatible profile, of an event the contract does not know, as an *api.Envelope with untyped
	// hooks.
	Default func(ctx context.Context, w api.Webhook) error
	// Invalid receives, under the default compatible profile, the hooks dropped from a delivery because they
	// break the contract (the vendor has shipped hooks missing a field), each with its JSON and its
	// violations; the delivery's valid hooks reach their func, and it is answered 400 only when no hook is
	// valid. Invalid hooks are not deduplicated: a redelivery hands them over again. Nil: they are logged,
	// without their values, and acknowledged.
	Invalid func(ctx context.Context, head api.Head, hooks []api.InvalidHook) error
}

// Handle hands w, a validated delivery, to the func of its event, or to Default, and returns its error; nil
// when neither is set. NewHandler calls it for every delivery; call it for deliveries validated by another
// way (validate.Body on a queue's messages).
func (h *Handler) Handle(ctx context.Context, w api.Webhook) error {
	_, err := h.deliver(ctx, w)
	return err
}

// deliver hands w to the func of its event, or to Default; it reports false when neither is set.
func (h *Handler) deliver(ctx context.Context, w api.Webhook) (bool, error) {
	switch e := w.(type) {
`)
	for _, e := range events {
		fmt.Fprintf(b, "\tcase *api.%s:\n\t\tif h.%s != nil {\n\t\t\treturn true, h.%s(ctx, e)\n\t\t}\n", e.Envelope, e.Field, e.Field)
	}
	b.WriteString(`	}
	if h.Default != nil {
		return true, h.Default(ctx, w)
	}
	return false, nil
}
`)
}
