package validate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/smshook/smshook/api"
)

// contract is what the validator takes from openapi.yaml: the envelope schema of each event and the
// generic envelope for events it does not know.
type contract struct {
	envelopes map[api.EventType]*openapi3.Schema
	generic   *openapi3.Schema
}

// envelopeSchemas names the schema of each event, as the request body's discriminator maps them.
var envelopeSchemas = map[api.EventType]string{
	api.EventTypeUnsubscribe:                  "UnsubscribeEnvelope",
	api.EventTypeMessageResultUpdate:          "MessageResultUpdateEnvelope",
	api.EventTypeConversionBlock:              "ConversionBlockEnvelope",
	api.EventTypeInternationalDeliveryReceipt: "InternationalDeliveryReceiptEnvelope",
}

// loadContract reads the embedded spec once and checks it, so that a broken spec fails at start-up.
var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := api.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("validate: load the embedded openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate: the embedded openapi.yaml is invalid: %w", err)
	}
	schema := func(name string) (*openapi3.Schema, error) {
		ref, ok := doc.Components.Schemas[name]
		if !ok || ref.Value == nil {
			return nil, fmt.Errorf("validate: the embedded openapi.yaml has no schema %s", name)
		}
		return ref.Value, nil
	}
	c := &contract{envelopes: make(map[api.EventType]*openapi3.Schema, len(envelopeSchemas))}
	for event, name := range envelopeSchemas {
		if c.envelopes[event], err = schema(name); err != nil {
			return nil, err
		}
	}
	if c.generic, err = schema("Envelope"); err != nil {
		return nil, err
	}
	return c, nil
})

// visitOptions are the kin-openapi settings of every validation. Details stay out of messages (they would
// repeat values). date-time is checked by time.Time's own parser, the one the decoder uses, instead of
// kin-openapi's regular expression that accepts second 60 and 31 February; korean-local-date-time, the spec's
// own format, by the parser of api.LocalDateTime.
var visitOptions = []openapi3.SchemaValidationOption{
	openapi3.MultiErrors(),
	openapi3.DisableSchemaErrorDetails(),
	// One map for every validation: the singular WithStringFormatValidator makes a map per call.
	openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"date-time": openapi3.NewCallbackValidator(func(s string) error {
			var t time.Time
			if err := t.UnmarshalText([]byte(s)); err != nil {
				return errNotDateTime
			}
			return nil
		}),
		"korean-local-date-time": openapi3.NewCallbackValidator(func(s string) error {
			_, err := api.ParseLocalDateTime(s)
			return err
		}),
	}),
}

var errNotDateTime = fmt.Errorf("not an RFC 3339 date-time in a valid range")
