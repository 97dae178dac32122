// Package validate checks NHN Cloud webhook deliveries against openapi.yaml with kin-openapi and returns them
// typed, as package smshook does before any application code sees them. Use it where bodies arrive by another
// way than HTTP: a queue, a file, a test.
//
//	w, drift, err := validate.Body(body, validate.Compatible)
//
// A body is parsed once; the value kin-openapi validated is then bound into the generated type of its kind
// (package api) without a second parse. Validation dispatches on the envelope's "productName" and "event" and
// checks the body against that kind's own envelope schema. Violations carry a JSON pointer and a reason, never
// the offending value.
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
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
)

// Profile says how values the contract does not know yet are treated.
type Profile int

const (
	// Strict rejects every violation, including an unknown product or event and an unknown enum value.
	Strict Profile = iota
	// Compatible reports an unknown product, an unknown event (or one its product does not send) or an unknown
	// enum value, a non-empty string, as drift and accepts the body; every other rule stays in force. A
	// delivery of a kind the contract does not know is an *api.Envelope.
	Compatible
)

// Body validates a raw body, as read from a request, a queue or a file, against openapi.yaml. It returns the
// typed delivery: a pointer to the envelope type of its kind (its product and event), such as
// *api.SMSMessageResultUpdateEnvelope or *api.KakaoTalkMessageResultUpdateEnvelope, or under Compatible an
// *api.Envelope for a kind the contract does not know. Under Compatible it also returns
// the drift: what it accepted that Strict would reject. A body that is not JSON, or not a valid delivery, is an
// *Error wrapping ErrMalformed or ErrInvalid that lists every violation. The delivery keeps no reference to
// body. Body is safe for concurrent use.
func Body(body []byte, p Profile) (api.Webhook, []Violation, error) {
	return check(string(body), p)
}

// BodyOwned is Body for a caller that hands body over, as a receiver does with the body it has just read: the
// delivery's strings may share body's memory instead of a copy of it, so body must not be modified afterwards.
// It saves Body's copy of the whole body, which a large delivery would otherwise allocate twice.
func BodyOwned(body []byte, p Profile) (api.Webhook, []Violation, error) {
	return check(unsafe.String(unsafe.SliceData(body), len(body)), p)
}

func check(body string, profile Profile) (api.Webhook, []Violation, error) {
	c := loadContract()
	p := decode.NewParser()
	defer p.Recycle() // the parsed value is not kept: the delivery is bound from it
	doc, err := p.Parse(body)
	if err != nil {
		var se *decode.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, &Error{Err: ErrMalformed, Violations: []Violation{{Pointer: se.Pointer(), Reason: se.Reason()}}}
		}
		return nil, nil, err
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, &Error{Err: ErrInvalid, Violations: []Violation{{Reason: "value must be an object"}}}
	}
	event, _ := obj["event"].(string)
	product, _ := obj["productName"].(string)
	var violations, drift []Violation
	kind := api.KindOf(product, api.EventType(event))
	if sms := (api.Kind{Product: api.ProductNameSMS, Event: kind.Event}); product == "" && c.envelopes[sms] != nil {
		// No product to say whose event it is: the body breaks the contract at /productName anyway, and is checked
		// as SMS's, the product that sends most, so that its hooks' violations are listed too.
		kind = sms
	}
	schema, known := c.envelopes[kind]
	if !known {
		schema = c.generic
		// A product of the contract with an event that another product sends (an SMS TEMPLATE_STATUS_UPDATE):
		// the generic envelope takes every product and every event, so the pair is checked here. An unknown
		// product or event breaks the generic envelope's enums.
		if events, ours := c.events[kind.Product]; ours && kind.Event.Valid() {
			v := Violation{Pointer: "/event", Reason: "value is not one of the events of product " + string(kind.Product) + " [" + strings.Join(events, ",") + "]"}
			if profile == Compatible {
				drift = append(drift, v)
			} else {
				violations = append(violations, v)
			}
		}
	}
	if err := schema.VisitJSON(doc, visitOptions...); err != nil {
		violations, drift = classify(err, profile, violations, drift)
	}
	var w api.Webhook
	if known {
		w = api.NewWebhook(kind)
	} else {
		w = new(api.Envelope)
	}
	// Bind even when the schema failed, so that every violation is listed, those only the Go types see too.
	for _, v := range decode.Bind(w, obj) {
		violations = append(violations, Violation(v))
	}
	if violations = merge(violations); len(violations) > 0 {
		return nil, nil, &Error{Err: ErrInvalid, Violations: violations}
	}
	return w, drift, nil
}

// merge keeps one violation per pointer, in order of first appearance, with one reason: of the rules broken
// at the same place (a pattern and a format, a schema type and the Go type), the one that says most plainly
// what to fix. In order:
//
//  1. the value's kind is wrong ("value must be a string"), from the schema's type or the Go type: an enum,
//     a format or a length says nothing useful about a number where a string goes;
//  2. a format ("string doesn't match the format …"), which names the format and the form it expects;
//  3. any other rule: an enum, a length, a bound, a required member, the date or range the Go type checks;
//  4. a pattern ("string doesn't match the regular expression …"), kept only when nothing else is broken
//     there, so that a format never comes with the expression that approximates it.
//
// Among reasons of the same rank, the first one is kept: kin-openapi's before the Go type's. A Violation names
// no rule, so the rank is read from the wording of kin-openapi's and package decode's reasons;
// TestOneReasonPerPointer fails when an upgrade rewords one.
func merge(violations []Violation) []Violation {
	if len(violations) < 2 {
		return violations
	}
	rank := func(reason string) int {
		switch {
		case strings.HasPrefix(reason, "value must be "):
			return 1
		case strings.Contains(reason, " doesn't match the format "):
			return 2
		case strings.HasPrefix(reason, "string doesn't match the regular expression "):
			return 4
		}
		return 3
	}
	at := make(map[string]int, len(violations))
	out := violations[:0]
	for _, v := range violations {
		if i, seen := at[v.Pointer]; seen {
			if rank(v.Reason) < rank(out[i].Reason) {
				out[i].Reason = v.Reason
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
func classify(err error, profile Profile, violations, drift []Violation) ([]Violation, []Violation) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			violations, drift = classify(inner, profile, violations, drift)
		}
		return violations, drift
	case *openapi3.SchemaError:
		var inner openapi3.MultiError
		switch e.SchemaField {
		case "allOf", "anyOf", "oneOf":
			// A wrapper around the errors of its subschemas: report those, at their own pointers.
			if e.Origin != nil && errors.As(e.Origin, &inner) {
				return classify(inner, profile, violations, drift)
			}
		}
		violation := Violation{Pointer: decode.Pointer(e.JSONPointer()), Reason: e.Reason}
		if s, isString := e.Value.(string); profile == Compatible && e.SchemaField == "enum" && isString && s != "" {
			return violations, append(drift, violation)
		}
		return append(violations, violation), drift
	}
	// kin-openapi's other errors (an unresolved reference, NaN) carry no pointer and may carry a value.
	return append(violations, Violation{Reason: "does not match the schema"}), drift
}
