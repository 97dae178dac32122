// Package validate checks NHN Cloud SMS webhook deliveries against openapi.yaml with kin-openapi, before any
// application code sees them, and returns them typed.
//
// A body is parsed once; the value kin-openapi validated is then bound into the generated type of its event
// (package api) without a second parse. Validation dispatches on the envelope's "event" and checks the body
// against that event's own envelope schema. Violations carry a JSON pointer and a reason, never the offending
// value.
//
// Rules beyond what kin-openapi checks, so that the validator and the typed decoder never disagree: integers
// are written without a fraction or an exponent (1, not 1.0 or 1e0, which encoding/json also refuses for an
// integer); a date-time is strict RFC 3339 (two-digit fields, a point before the fraction, an offset up to
// ±23:59, upper-case T and Z, no second 60, no 31 February), read by the one parser that both the format check
// and the typed value use; duplicate object keys, invalid UTF-8 and data after the JSON value make a body
// malformed.
package validate

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/smshook/smshook/api"
)

// Profile says how the validator treats values the contract does not know yet.
type Profile int

const (
	// Strict rejects every violation, including an unknown event and an unknown enum value.
	Strict Profile = iota
	// Compatible reports an unknown event or an unknown enum value, a non-empty string, as drift and accepts
	// the body; every other rule stays in force.
	Compatible
)

// String returns "strict" or "compatible".
func (p Profile) String() string {
	if p == Compatible {
		return "compatible"
	}
	return "strict"
}

// Delivery is a validated webhook delivery.
type Delivery struct {
	// Event is the envelope's event, known or not.
	Event api.EventType
	// Envelope is *api.UnsubscribeEnvelope, *api.MessageResultUpdateEnvelope, *api.ConversionBlockEnvelope
	// or *api.InternationalDeliveryReceiptEnvelope, or *api.Envelope for an event the contract does not know
	// (only under Compatible).
	Envelope any
	// HooksID, AppKey and Hooks (the number of hooks) repeat the envelope's, whatever its type.
	HooksID string
	AppKey  string
	Hooks   int
	// Drift lists what Compatible accepted that Strict would reject; nil under Strict.
	Drift []Violation
}

// Known reports whether Event is one of the events of the contract.
func (d *Delivery) Known() bool { return d.Event.Valid() }

// Validator checks deliveries against the embedded openapi.yaml. It is safe for concurrent use.
type Validator struct {
	contract *contract
	profile  Profile
	maxBody  int64
}

// New returns a Validator for the embedded spec. It fails only when the spec itself does not load or is not
// a valid OpenAPI document; the spec is read and checked once per process.
func New(opts ...Option) (*Validator, error) {
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	v := &Validator{contract: c, profile: Strict, maxBody: DefaultMaxBodyBytes}
	for _, opt := range opts {
		opt(v)
	}
	return v, nil
}

// Profile returns the profile the Validator applies.
func (v *Validator) Profile() Profile { return v.profile }

// Body validates a raw body, as read from a request, a queue or a file. It returns the typed delivery, or an
// *Error wrapping ErrMalformed or ErrInvalid that lists every violation. The delivery keeps no reference to
// body.
func (v *Validator) Body(body []byte) (*Delivery, error) {
	return v.BodyString(string(body))
}

// BodyString is Body for a body held in a string. The strings of the delivery share its memory, so a caller
// that owns the bytes of a body can validate them without a copy (see unsafe.String) as long as it never
// writes to them again.
func (v *Validator) BodyString(body string) (*Delivery, error) {
	p := newParser()
	defer p.recycle() // the parsed value is not kept: the delivery is bound from it
	doc, err := p.parse(body)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, &Error{Err: ErrMalformed, Violations: []Violation{{Pointer: se.pointer(), Reason: se.reason()}}}
		}
		return nil, err
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, newError(ErrInvalid, "", "value must be an object")
	}
	event, _ := obj["event"].(string)
	schema, known := v.contract.envelopes[api.EventType(event)]
	if !known {
		schema = v.contract.generic
	}
	var violations, drift []Violation
	if err := schema.VisitJSON(doc, visitOptions...); err != nil {
		violations, drift = v.classify(err, violations, drift)
	}
	envelope := api.NewEnvelope(api.EventType(event))
	// Bind even when the schema failed, so that every violation is listed, those only the Go types see too.
	violations = merge(append(violations, bind(envelope, obj)...))
	if len(violations) > 0 {
		return nil, &Error{Err: ErrInvalid, Violations: violations}
	}
	hooks, _ := obj["hooks"].([]any)
	hooksID, _ := obj["hooksId"].(string)
	appKey, _ := obj["appKey"].(string)
	return &Delivery{
		Event: api.EventType(event), Envelope: envelope,
		HooksID: hooksID, AppKey: appKey, Hooks: len(hooks), Drift: drift,
	}, nil
}

// merge keeps one violation per pointer, in order of first appearance, joining the reasons of the rules
// broken at the same place (a pattern and a format, or a schema type and the Go type).
func merge(violations []Violation) []Violation {
	if len(violations) < 2 {
		return violations
	}
	at := make(map[string]int, len(violations))
	out := violations[:0]
	for _, v := range violations {
		if i, seen := at[v.Pointer]; seen {
			if !strings.Contains(out[i].Reason, v.Reason) {
				out[i].Reason += "; " + v.Reason
			}
			continue
		}
		at[v.Pointer] = len(out)
		out = append(out, v)
	}
	return out
}

// classify sorts kin-openapi's errors into violations and, under Compatible, drift: an enum mismatch of a
// non-empty string (an empty string is no value a later contract could add). kin-openapi checks enum before
// type, so the value's type is checked here.
func (v *Validator) classify(err error, violations, drift []Violation) ([]Violation, []Violation) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			violations, drift = v.classify(inner, violations, drift)
		}
		return violations, drift
	case *openapi3.SchemaError:
		var inner openapi3.MultiError
		switch e.SchemaField {
		case "allOf", "anyOf", "oneOf":
			// A wrapper around the errors of its subschemas: report those, at their own pointers.
			if e.Origin != nil && errors.As(e.Origin, &inner) {
				return v.classify(inner, violations, drift)
			}
		}
		violation := Violation{Pointer: pointerOf(e.JSONPointer(), false), Reason: e.Reason}
		if s, isString := e.Value.(string); v.profile == Compatible && e.SchemaField == "enum" && isString && s != "" {
			return violations, append(drift, violation)
		}
		return append(violations, violation), drift
	}
	// kin-openapi's other errors (an unresolved reference, NaN) carry no pointer and may carry a value.
	return append(violations, Violation{Reason: "does not match the schema"}), drift
}
