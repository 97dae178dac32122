package validate

import (
	"context"
	"fmt"
	"regexp"
	"sync"

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
	// A custom compiler compiles every pattern again, into kin-openapi's cache of compiled patterns, where the
	// validation of each body finds it.
	if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(compilePattern)); err != nil {
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
// repeat values). date-time is checked by parseDateTime, the reader the binder uses, instead of kin-openapi's
// regular expression that accepts second 60 and 31 February; korean-local-date-time, the spec's own format, by
// the parser of api.LocalDateTime, which the binder uses too.
var visitOptions = []openapi3.SchemaValidationOption{
	openapi3.MultiErrors(),
	openapi3.DisableSchemaErrorDetails(),
	openapi3.SetSchemaRegexCompiler(compilePattern), // for a pattern missing from the cache
	// One map for every validation: the singular WithStringFormatValidator makes a map per call.
	openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"date-time": openapi3.NewCallbackValidator(func(s string) error {
			if _, ok := parseDateTime(s); !ok {
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

// localDateTimePattern is the pattern of KoreanLocalDateTime, requestDate and receiveDate in openapi.yaml.
const localDateTimePattern = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`

// compilePattern compiles a pattern of the spec for kin-openapi: localDateTimePattern into byte checks of the
// same language (package regexp takes several times longer, on two values of every hook), any other with
// package regexp as kin-openapi itself does, its \uXXXX escapes written as Go's \x{XXXX}.
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if expr == localDateTimePattern {
		return matcherFunc(matchLocalDateTimeForm), nil
	}
	re, err := regexp.Compile(unicodeEscape.ReplaceAllString(expr, `\x{${1}}`))
	if err != nil {
		return nil, err
	}
	return re, nil
}

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-F]{4})`)

type matcherFunc func(string) bool

func (f matcherFunc) MatchString(s string) bool { return f(s) }

// matchLocalDateTimeForm reports whether s matches localDateTimePattern: yyyy-MM-ddTHH:mm:ss with a month of
// 01 to 12, a day of 01 to 31, an hour of 00 to 23 and minutes and seconds of 00 to 59.
func matchLocalDateTimeForm(s string) bool {
	if len(s) != len("2006-01-02T15:04:05") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	month, day := digits2(s, 5), digits2(s, 8)
	hour, minute, second := digits2(s, 11), digits2(s, 14), digits2(s, 17)
	return digits2(s, 0) >= 0 && digits2(s, 2) >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
		hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59
}
