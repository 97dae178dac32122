package validate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
)

// contract is what the validator takes from openapi.yaml: the envelope schema of each kind (a product's
// event) and the generic envelope for the kinds it does not know.
type contract struct {
	envelopes map[api.Kind]*openapi3.Schema
	events    map[api.ProductName][]string // the events of each product, quoted, as a reason lists them
	generic   *openapi3.Schema
}

// loadContract reads the embedded spec once and checks it. A spec that does not load is a broken build, which
// every test of the module shows: it panics.
var loadContract = sync.OnceValue(func() *contract {
	c, err := readContract()
	if err != nil {
		panic(err)
	}
	return c
})

func readContract() (*contract, error) {
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
	// Each kind's envelope schema, by the discriminators of the request body (productName, then event), as the
	// registry (api.Kinds) was generated from them.
	delivery, err := schema("Delivery")
	if err != nil {
		return nil, err
	}
	c := &contract{
		envelopes: make(map[api.Kind]*openapi3.Schema, len(api.Kinds())),
		events:    map[api.ProductName][]string{},
	}
	for _, kind := range api.Kinds() {
		ref, ok := delivery.Discriminator.Mapping[string(kind.Product)]
		if !ok {
			return nil, fmt.Errorf("validate: the embedded openapi.yaml maps no schema to product %s", kind.Product)
		}
		product, err := schema(schemaName(ref.Ref))
		if err != nil {
			return nil, err
		}
		if product.Discriminator != nil {
			ref, ok = product.Discriminator.Mapping[string(kind.Event)]
		}
		if product.Discriminator == nil || !ok {
			return nil, fmt.Errorf("validate: the embedded openapi.yaml maps no schema to %s", kind)
		}
		if c.envelopes[kind], err = schema(schemaName(ref.Ref)); err != nil {
			return nil, err
		}
		c.events[kind.Product] = append(c.events[kind.Product], strconv.Quote(string(kind.Event)))
	}
	if c.generic, err = schema("Envelope"); err != nil {
		return nil, err
	}
	return c, nil
}

func schemaName(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

// visitOptions are the kin-openapi settings of every validation. Details stay out of messages (they would
// repeat values). date-time is checked by decode.ParseDateTime, the reader the binder uses, instead of kin-openapi's
// regular expression that accepts second 60 and 31 February; korean-local-date-time, the spec's own format, by
// decode.IsKoreanLocalDateTime (api.LocalDateTime's parser, in SMS's layout only), which structcheck uses too.
var visitOptions = []openapi3.SchemaValidationOption{
	openapi3.MultiErrors(),
	openapi3.DisableSchemaErrorDetails(),
	openapi3.SetSchemaRegexCompiler(compilePattern), // for a pattern missing from the cache
	// One map for every validation: the singular WithStringFormatValidator makes a map per call.
	openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"date-time": openapi3.NewCallbackValidator(func(s string) error {
			if _, ok := decode.ParseDateTime(s); !ok {
				return decode.ErrNotDateTime
			}
			return nil
		}),
		"korean-local-date-time": openapi3.NewCallbackValidator(func(s string) error {
			if !decode.IsKoreanLocalDateTime(s) {
				return errKoreanLocalDateTime
			}
			return nil
		}),
	}),
}

var errKoreanLocalDateTime = errors.New("not a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range")

// localDateTimePattern is the pattern of KoreanLocalDateTime, requestDate and receiveDate in openapi.yaml.
const localDateTimePattern = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`

// compilePattern compiles a pattern of the spec for kin-openapi: localDateTimePattern into byte checks of the
// same language (package regexp takes several times longer, on two values of every hook), any other with
// package regexp as kin-openapi itself does, its \uXXXX escapes written as Go's \x{XXXX}.
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if expr == localDateTimePattern {
		return matcherFunc(decode.MatchLocalDateTimeForm), nil
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
