// Command eventgen writes what is per kind of delivery (a product's event) from openapi.yaml, so that adding
// an event or a product to the contract is an edit of the spec and `go generate ./...`:
//
//   - with -api, package api's registry: the Webhook interface that every envelope type implements (its
//     head, its hooks' ids, how to drop hooks), Kind, Kinds, KindOf, NewWebhook and Sample, the spec's
//     documented delivery of each kind;
//   - with -handler, package smshook's Handler: one func per kind, and the dispatch to it.
//
// The kinds are the request body's discriminators: Delivery's oneOf, one schema per product mapped from the
// values of "productName", each a oneOf of envelopes mapped from the values of "event"; each envelope's hook
// type is its hooks' item schema.
//
// One rule names every kind in Go: the product's prefix (its union schema's Go name without "Delivery": SMS,
// Email, KakaoTalk) and the event in CamelCase make the Handler's field (SMSMessageResultUpdate,
// KakaoTalkMessageResultUpdate); with "Envelope" and "Hook" they are the Go types of its envelope and hook. A
// schema's Go name is its name, or the x-go-name that the overlay (-overlay, api/overlay.yaml) gives it, as
// oapi-codegen names it; a kind whose Go names break the rule fails generation, so that a new product follows
// it without a decision.
//
//	go run ./internal/eventgen -spec openapi.yaml -overlay api/overlay.yaml -handler handler.gen.go
//	go run ../internal/eventgen -spec ../openapi.yaml -overlay overlay.yaml -api events.gen.go
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
	"go.yaml.in/yaml/v3"
)

// event is one kind of delivery of the contract: a product's event.
type event struct {
	Product  string   // the product's name, such as SMS: the first productName of its envelope
	Names    []string // every productName of the product, such as SMS and Sms
	Name     string   // the value of "event", such as UNSUBSCRIBE
	Envelope string   // the envelope's Go type, such as SMSUnsubscribeEnvelope
	Hook     string   // the hook's Go type, such as SMSUnsubscribeHook
	Field    string   // the Handler field, such as SMSUnsubscribe: the product's prefix and the event
	Summary  string   // the first sentence of the hook schema's description
	Sample   string   // the documented delivery, as JSON
}

func main() {
	log.SetFlags(0)
	spec := flag.String("spec", "openapi.yaml", "the contract")
	overlay := flag.String("overlay", "", "the overlay whose x-go-name actions rename schemas in Go")
	apiOut := flag.String("api", "", "write package api's registry to this file")
	handlerOut := flag.String("handler", "", "write package smshook's Handler to this file")
	flag.Parse()
	goNames, err := loadGoNames(*overlay)
	if err != nil {
		log.Fatalf("eventgen: %v", err)
	}
	events, err := load(*spec, goNames)
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

// discriminated returns the oneOf of the schema named name, with the discriminator's value of each, checking
// that the discriminator is on property and maps every oneOf and nothing else.
func discriminated(doc *openapi3.T, name, property string) ([]*openapi3.SchemaRef, map[string][]string, error) {
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil || ref.Value.Discriminator == nil {
		return nil, nil, fmt.Errorf("schema %s with a discriminator is missing", name)
	}
	d := ref.Value
	if d.Discriminator.PropertyName != property {
		return nil, nil, fmt.Errorf("the discriminator of %s is %q, not %s", name, d.Discriminator.PropertyName, property)
	}
	values := map[string][]string{}
	for value, to := range d.Discriminator.Mapping {
		values[to.Ref] = append(values[to.Ref], value)
	}
	for _, one := range d.OneOf {
		if len(values[one.Ref]) == 0 {
			return nil, nil, fmt.Errorf("the oneOf %s of %s has no value of %s in the discriminator's mapping", one.Ref, name, property)
		}
		slices.Sort(values[one.Ref])
	}
	if len(values) != len(d.OneOf) {
		return nil, nil, fmt.Errorf("the discriminator of %s maps %d schemas, its oneOf lists %d", name, len(values), len(d.OneOf))
	}
	return d.OneOf, values, nil
}

// load reads the kinds of the spec at path: Delivery is discriminated by productName into one schema per
// product, each discriminated by event into the envelopes of the product's events.
func load(path string, goNames map[string]string) ([]event, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
	}
	products, names, err := discriminated(doc, "Delivery", "productName")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	goName := func(schema string) string {
		if name, ok := goNames[schema]; ok {
			return name
		}
		return schema
	}
	var events []event
	for _, product := range products {
		union := schemaName(product.Ref)
		prefix, ok := strings.CutSuffix(goName(union), "Delivery")
		if !ok || prefix == "" {
			return nil, fmt.Errorf("%s: the Go name of the product union %s is %s, not a prefix and Delivery", path, union, goName(union))
		}
		envelopes, byEvent, err := discriminated(doc, union, "event")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, one := range envelopes {
			envelope := schemaName(one.Ref)
			if len(byEvent[one.Ref]) != 1 {
				return nil, fmt.Errorf("%s is mapped from the events %v: one envelope is of one event", envelope, byEvent[one.Ref])
			}
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
			// The envelope's productName lists the product's names, which Delivery maps to the product.
			var enum []string
			for _, v := range one.Value.Properties["productName"].Value.Enum {
				if v, ok := v.(string); ok {
					enum = append(enum, v)
				}
			}
			if sorted := slices.Sorted(slices.Values(enum)); !slices.Equal(sorted, names[product.Ref]) {
				return nil, fmt.Errorf("%s lists the productName values %v; Delivery maps %v to %s", envelope, enum, names[product.Ref], schemaName(product.Ref))
			}
			field := prefix + camel(byEvent[one.Ref][0])
			for _, named := range [...]struct{ schema, suffix string }{{envelope, "Envelope"}, {schemaName(hook.Ref), "Hook"}} {
				if goName(named.schema) != field+named.suffix {
					return nil, fmt.Errorf("%s: the Go name of %s is %s; the rule names it %s%s (give it x-go-name in the overlay)", path, named.schema, goName(named.schema), field, named.suffix)
				}
			}
			events = append(events, event{
				Product: enum[0], Names: enum, Name: byEvent[one.Ref][0],
				Envelope: field + "Envelope", Hook: field + "Hook", Field: field,
				Summary: firstSentence(hook.Value.Description),
			})
		}
	}
	// The documented deliveries: the request body's examples, by their product and event.
	op := doc.Paths.Find("/")
	if op == nil || op.Post == nil || op.Post.RequestBody == nil {
		return nil, fmt.Errorf("%s: no request body of POST /", path)
	}
	media := op.Post.RequestBody.Value.Content.Get("application/json")
	examples := make([]string, 0, len(media.Examples))
	for name := range media.Examples {
		examples = append(examples, name)
	}
	slices.Sort(examples)
	for _, name := range examples {
		body, err := json.Marshal(media.Examples[name].Value.Value)
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", name, err)
		}
		var head struct{ ProductName, Event string }
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, fmt.Errorf("example %s: %w", name, err)
		}
		i := slices.IndexFunc(events, func(e event) bool {
			return e.Name == head.Event && slices.Contains(e.Names, head.ProductName)
		})
		switch {
		case i < 0:
			return nil, fmt.Errorf("example %s is of %s %s, which the contract does not have", name, head.ProductName, head.Event)
		case events[i].Sample != "":
			return nil, fmt.Errorf("example %s: a second example of %s %s", name, events[i].Product, head.Event)
		}
		events[i].Sample = string(body)
	}
	for _, e := range events {
		if e.Sample == "" {
			return nil, fmt.Errorf("%s %s has no example in the request body", e.Product, e.Name)
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

// camel writes an event name in CamelCase: MESSAGE_RESULT_UPDATE is MessageResultUpdate.
func camel(event string) string {
	var b strings.Builder
	for word := range strings.SplitSeq(strings.ToLower(event), "_") {
		if word != "" {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// loadGoNames reads the x-go-name of each schema that the overlay at path renames: the actions whose target is
// $.components.schemas.NAME itself. No path: no renames.
func loadGoNames(path string) (map[string]string, error) {
	names := map[string]string{}
	if path == "" {
		return names, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var overlay struct {
		Actions []struct {
			Target string         `yaml:"target"`
			Update map[string]any `yaml:"update"`
		} `yaml:"actions"`
	}
	if err := yaml.Unmarshal(data, &overlay); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, a := range overlay.Actions {
		schema, ok := strings.CutPrefix(a.Target, "$.components.schemas.")
		if name, named := a.Update["x-go-name"].(string); ok && named && !strings.Contains(schema, ".") {
			names[schema] = name
		}
	}
	return names, nil
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

// Webhook is one validated delivery: a pointer to the envelope type of its kind (its product and event), such
// as *` + events[0].Envelope + `, or *Envelope for a product or an event the contract does not know. Package smshook
// hands it to Handler.Default; a type switch, or a func of Handler, gives the typed envelope.
type Webhook interface {
	// Head returns the fields every envelope has besides its hooks.
	Head() Head
	// HookCount returns the number of hooks.
	HookCount() int
	// HookID returns the hookId of hook i: "" for a hook without one, which only an *Envelope can hold.
	HookID(i int) string
	// Hook returns hook i: a pointer to its generated type, such as *` + events[0].Hook + `, or the map of an
	// *Envelope's untyped hook.
	Hook(i int) any
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
	HooksID         string
	WebhookConfigID string
	ProductName     string
	AppKey          string
	Event           EventType
}

// Kind is what identifies the shape of a delivery's hooks: the product that sent it and its event. The
// products of the NHN Cloud family send the same event names with other hooks.
type Kind struct {
	// Product is the product's name in its first spelling (SMS, not Sms).
	Product ProductName
	Event   EventType
}

// String returns the product and the event, such as "SMS MESSAGE_RESULT_UPDATE".
func (k Kind) String() string { return string(k.Product) + " " + string(k.Event) }

// Known reports whether the contract has the kind (in either spelling of its product): a delivery of a kind it
// does not know is an *Envelope.
func (k Kind) Known() bool {
	_, ok := samples[KindOf(string(k.Product), k.Event)]
	return ok
}

// Kind returns the kind of the delivery, as KindOf does.
func (h Head) Kind() Kind { return KindOf(h.ProductName, h.Event) }

// Kinds returns the kinds of delivery of the contract, in the order of openapi.yaml.
func Kinds() []Kind {
	return []Kind{
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t\t{%s, %s},\n", strconv.Quote(e.Product), strconv.Quote(e.Name))
	}
	b.WriteString(`	}
}

// KindOf returns the kind of a delivery of productName and event, with productName in its first spelling
// (Sms is SMS). A product the contract does not know is kept as it is.
func KindOf(productName string, event EventType) Kind {
	switch productName {
`)
	seen := map[string]bool{}
	for _, e := range events {
		for _, name := range e.Names {
			if name != e.Product && !seen[name] {
				seen[name] = true
				fmt.Fprintf(b, "\tcase %s:\n\t\tproductName = %s\n", strconv.Quote(name), strconv.Quote(e.Product))
			}
		}
	}
	b.WriteString(`	}
	return Kind{ProductName(productName), event}
}

// NewWebhook returns a new, empty envelope of the type of kind; *Envelope for a kind the contract does not
// know.
func NewWebhook(kind Kind) Webhook {
	switch KindOf(string(kind.Product), kind.Event) {
`)
	for _, e := range events {
		fmt.Fprintf(b, "\tcase Kind{%s, %s}:\n\t\treturn new(%s)\n", strconv.Quote(e.Product), strconv.Quote(e.Name), e.Envelope)
	}
	b.WriteString(`	}
	return new(Envelope)
}

// Sample returns a new copy of the documented delivery of kind, openapi.yaml's example, as its envelope type.
// It reports false for a kind the contract does not know.
func Sample(kind Kind) (Webhook, bool) {
	kind = KindOf(string(kind.Product), kind.Event)
	body, ok := samples[kind]
	if !ok {
		return nil, false
	}
	w := NewWebhook(kind)
	if err := json.Unmarshal([]byte(body), w); err != nil {
		panic("api: the example of " + kind.String() + " does not decode: " + err.Error()) // checked by go generate's run
	}
	return w, true
}

// samples are openapi.yaml's examples of the request body, by kind.
var samples = map[Kind]string{
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t{%s, %s}: %s,\n", strconv.Quote(e.Product), strconv.Quote(e.Name), strconv.Quote(e.Sample))
	}
	b.WriteString("}\n")
	for _, e := range events {
		fmt.Fprintf(b, `
// Head implements Webhook.
func (e *%[1]s) Head() Head {
	return Head{HooksID: e.HooksID, WebhookConfigID: e.WebhookConfigID, ProductName: string(e.ProductName), AppKey: e.AppKey, Event: EventType(e.Event)}
}

// HookCount implements Webhook.
func (e *%[1]s) HookCount() int { return len(e.Hooks) }

// HookID implements Webhook.
func (e *%[1]s) HookID(i int) string { return e.Hooks[i].HookID }

// Hook implements Webhook.
func (e *%[1]s) Hook(i int) any { return &e.Hooks[i] }

// KeepHooks implements Webhook.
func (e *%[1]s) KeepHooks(keep func(i int) bool) { e.Hooks = keepHooks(e.Hooks, keep) }
`, e.Envelope)
	}
	b.WriteString(`
// Head implements Webhook.
func (e *Envelope) Head() Head {
	return Head{HooksID: e.HooksID, WebhookConfigID: e.WebhookConfigID, ProductName: e.ProductName, AppKey: e.AppKey, Event: e.Event}
}

// HookCount implements Webhook.
func (e *Envelope) HookCount() int { return len(e.Hooks) }

// HookID implements Webhook: the hook's "hookId" when it is a string, else "".
func (e *Envelope) HookID(i int) string {
	id, _ := e.Hooks[i]["hookId"].(string)
	return id
}

// Hook implements Webhook: the hook's map.
func (e *Envelope) Hook(i int) any { return e.Hooks[i] }

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

// Handler is the application's side of a receiver: one func per kind of delivery of openapi.yaml (a product's
// event: SMS, Email and KakaoTalk Bizmessage send the same event names with other hooks), named by one rule —
// the product's prefix and the event, SMSMessageResultUpdate, KakaoTalkMessageResultUpdate — each given the whole
// validated envelope of a delivery, and Default for every delivery that no other func takes. Set the funcs of
// the kinds you handle; a delivery for which the func is nil and Default too is acknowledged and logged. A
// func that returns nil acknowledges the delivery (200); an error is answered 500 so that NHN Cloud may send it
// again. Funcs may be called concurrently. A kind added to the contract adds a field: no code that sets the
// others changes.
type Handler struct {
`)
	for _, e := range events {
		fmt.Fprintf(b, "\t// %s receives %s %s deliveries. %s\n", e.Field, e.Product, e.Name, e.Summary)
		fmt.Fprintf(b, "\t%s func(ctx context.Context, e *api.%s) error\n", e.Field, e.Envelope)
	}
	b.WriteString(`	// Default receives the deliveries no func above takes: of a kind whose func is nil, and, under the
	// default compatible profile, of a product or an event the contract does not know, as an *api.Envelope
	// with untyped hooks.
	Default func(ctx context.Context, w api.Webhook) error
	// Invalid receives, under the default compatible profile, the hooks dropped from a delivery because they
	// break the contract (the vendor has shipped hooks missing a field), each with its JSON and its
	// violations; the delivery's valid hooks reach their func, and it is answered 400 only when no hook is
	// valid. Invalid hooks are not deduplicated: a redelivery hands them over again. Nil: they are logged,
	// without their values, and acknowledged.
	Invalid func(ctx context.Context, head api.Head, hooks []api.InvalidHook) error
}

// Handle hands w, a validated delivery, to the func of its kind, or to Default, and returns its error; nil
// when neither is set. NewHandler calls it for every delivery; call it for deliveries validated by another
// way (validate.Body on a queue's messages).
func (h *Handler) Handle(ctx context.Context, w api.Webhook) error {
	_, err := h.deliver(ctx, w)
	return err
}

// deliver hands w to the func of its kind, or to Default; it reports false when neither is set.
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
