package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/decode"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

const (
	specPath   = "../../openapi.yaml"
	schemaPath = "../../schema/delivery.schema.json"
	corpusDir  = "../../conformance_test/testdata"
)

// TestSchemaIsCurrent holds the committed schema to the generator's output, as make check does with go generate.
func TestSchemaIsCurrent(t *testing.T) {
	want, err := generate(specPath)
	require.NoError(t, err)
	got, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "schema/delivery.schema.json is stale: run go generate ./schema")
	again, err := generate(specPath)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, again), "two runs of the generator differ")
}

// TestSchemaIsPureJSONSchema walks every schema object of the output: draft-04 keywords only, every $ref resolves
// to a definition, and every envelope of the spec is a definition of the same name.
func TestSchemaIsPureJSONSchema(t *testing.T) {
	var root map[string]any
	require.NoError(t, json.Unmarshal(mustRead(t, schemaPath), &root))
	assert.Equal(t, dialect, root["$schema"])
	defs := root["definitions"].(map[string]any)
	for _, name := range []string{"Delivery", "SmsDelivery", "EmailDelivery", "KakaoTalkDelivery", "Envelope",
		"UnsubscribeEnvelope", "MessageResultUpdateEnvelope", "ConversionBlockEnvelope",
		"InternationalDeliveryReceiptEnvelope", "EmailUnsubscribeEnvelope", "EmailMessageResultUpdateEnvelope",
		"KakaoTalkMessageResultUpdateEnvelope", "KakaoTalkTemplateStatusUpdateEnvelope"} {
		assert.Contains(t, defs, name)
	}
	draft04 := append(slices.Clone(copied), "$ref", "properties", "items", "not", "additionalProperties",
		"oneOf", "anyOf", "allOf")
	var walk func(at string, node map[string]any)
	walk = func(at string, node map[string]any) {
		for k, v := range node {
			assert.Contains(t, draft04, k, "%s: keyword %q is not draft-04", at, k)
			switch k {
			case "$ref":
				name, ok := strings.CutPrefix(v.(string), "#/definitions/")
				assert.True(t, ok && defs[name] != nil, "%s: $ref %v resolves to no definition", at, v)
			case "properties":
				for p, s := range v.(map[string]any) {
					walk(at+"/properties/"+p, s.(map[string]any))
				}
			case "items", "not", "additionalProperties":
				if s, ok := v.(map[string]any); ok {
					walk(at+"/"+k, s)
				}
			case "oneOf", "anyOf", "allOf":
				for i, s := range v.([]any) {
					walk(fmt.Sprintf("%s/%s/%d", at, k, i), s.(map[string]any))
				}
			}
		}
	}
	for name, d := range defs {
		walk("#/definitions/"+name, d.(map[string]any))
	}
	walk("#", map[string]any{"allOf": root["allOf"]})
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, err string
	}{
		{name: "nullable type", in: `{"type":"string","nullable":true}`, want: `{"type":["string","null"]}`},
		{name: "nullable enum gains null", in: `{"type":"string","nullable":true,"enum":["A"]}`,
			want: `{"enum":["A",null],"type":["string","null"]}`},
		{name: "nullable without type", in: `{"allOf":[{"$ref":"#/components/schemas/X"}],"nullable":true}`,
			want: `{"anyOf":[{"allOf":[{"$ref":"#/definitions/X"}]},{"type":"null"}]}`},
		{name: "annotations dropped", in: `{"type":"object","discriminator":{"propertyName":"a"},"example":1,"deprecated":true,"x-go-type":"T"}`,
			want: `{"type":"object"}`},
		{name: "date-time gains its pattern", in: `{"type":"string","format":"date-time"}`,
			want: `{"format":"date-time","pattern":` + strconvQuote(dateTimePattern) + `,"type":"string"}`},
		{name: "int64 gains its bounds", in: `{"type":"integer","format":"int64","minimum":0}`,
			want: `{"format":"int64","maximum":9223372036854775807,"minimum":0,"type":"integer"}`},
		{name: "unknown keyword", in: `{"type":"string","readOnly":true}`, err: `keyword "readOnly" has no draft-04 translation`},
		{name: "foreign reference", in: `{"$ref":"other.yaml#/X"}`, err: `only references to a schema of components.schemas`},
		{name: "nested error", in: `{"properties":{"a":{"writeOnly":true}}}`, err: `#/p/properties/a: keyword "writeOnly"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dec := json.NewDecoder(strings.NewReader(tt.in))
			dec.UseNumber()
			var node map[string]any
			require.NoError(t, dec.Decode(&node))
			got, err := translate(node, "#/p")
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			out, err := json.Marshal(got)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
		})
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestCorpusOnJSONSchema runs the conformance corpus through santhosh-tekuri/jsonschema on the generated schema
// (draft-04, with the contract's date-time formats) and compares each verdict with cases.json's strict one, or
// the case's documented "jsonschema" verdict. The reader is validate's: a body it calls malformed is not
// validated. One difference is this validator's own: it reads a number's value, so 1.0 and 1e2 are integers to
// it whatever the draft says (draft-04, which Python's jsonschema follows, says they are not); such a case is
// counted apart, and must be invalid by strict for that reason alone.
func TestCorpusOnJSONSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "date-time", Validate: func(v any) error {
		if s, ok := v.(string); ok {
			if _, ok := decode.ParseDateTime(s); !ok {
				return decode.ErrNotDateTime
			}
		}
		return nil
	}})
	c.RegisterFormat(&jsonschema.Format{Name: "korean-local-date-time", Validate: func(v any) error {
		if s, ok := v.(string); ok {
			_, err := time.Parse("2006-01-02T15:04:05", s)
			return err
		}
		return nil
	}})
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustRead(t, schemaPath)))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("https://smshook.invalid/delivery.schema.json", doc))
	sch, err := c.Compile("https://smshook.invalid/delivery.schema.json")
	require.NoError(t, err)

	var cases []struct {
		File       string `json:"file"`
		Strict     string `json:"strict"`
		JSONSchema *struct {
			Verdict string `json:"verdict"`
			Why     string `json:"why"`
		} `json:"jsonschema"`
	}
	require.NoError(t, json.Unmarshal(mustRead(t, filepath.Join(corpusDir, "cases.json")), &cases))
	require.GreaterOrEqual(t, len(cases), 100)
	agree, documented, lexical := 0, 0, 0
	for _, tc := range cases {
		dir, name, _ := strings.Cut(tc.File, "/")
		var body []byte
		if dir == "vendor" {
			body, err = fs.ReadFile(fixtures.Vendor, name)
		} else {
			body, err = os.ReadFile(filepath.Join(corpusDir, tc.File))
		}
		require.NoError(t, err)
		got := "malformed"
		if _, _, err := validate.Body(body, validate.Strict); !errors.Is(err, validate.ErrMalformed) {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
			require.NoError(t, err, tc.File)
			got = "valid"
			if sch.Validate(inst) != nil {
				got = "invalid"
			}
		}
		want := tc.Strict
		if tc.JSONSchema != nil {
			want = tc.JSONSchema.Verdict
		}
		switch {
		case got == want && tc.JSONSchema != nil:
			documented++
		case got == want:
			agree++
		case got == "valid" && want == "invalid" && lexicalIntegerOnly(t, body):
			lexical++
		default:
			t.Errorf("%s: jsonschema %s, want %s", tc.File, got, want)
		}
	}
	t.Logf("santhosh-tekuri/jsonschema: %d cases, %d agree with strict, %d differ as documented, %d differ by the "+
		"validator's reading of 1.0 as an integer", len(cases), agree, documented, lexical)
	assert.LessOrEqual(t, lexical, 12)
}

// lexicalIntegerOnly reports whether body becomes valid by strict once every number written with a fraction or an
// exponent but an integral value is rewritten as that integer.
func lexicalIntegerOnly(tb testing.TB, body []byte) bool {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	require.NoError(tb, dec.Decode(&v))
	changed := false
	var fix func(any) any
	fix = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				v[k] = fix(e)
			}
		case []any:
			for i, e := range v {
				v[i] = fix(e)
			}
		case json.Number:
			if _, err := v.Int64(); err != nil {
				if f, err := v.Float64(); err == nil && f == float64(int64(f)) {
					changed = true
					return json.Number(fmt.Sprint(int64(f)))
				}
			}
		}
		return v
	}
	fixed, err := json.Marshal(fix(v))
	require.NoError(tb, err)
	_, _, err = validate.Body(fixed, validate.Strict)
	return changed && err == nil
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	return b
}
