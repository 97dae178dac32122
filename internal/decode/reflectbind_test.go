package decode

import (
	"encoding"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// reflectBinder binds by reflection over the Go types, with a plan worked out once per type: the reading the
// generated binders (bind.gen.go) must agree with, violation for violation, on every value.
type reflectBinder struct {
	binder
}

func reflectBind(dst any, src any) []Violation {
	var b reflectBinder
	v := reflect.ValueOf(dst).Elem()
	b.value(planOf(v.Type()), v, src)
	return b.violations
}

// plan is what binding needs to know of a Go type, worked out once per type.
type plan struct {
	kind   reflect.Kind
	typ    reflect.Type
	text   bool  // *T is an encoding.TextUnmarshaler (time.Time, api.LocalDateTime)
	bits   int   // of an integer
	elem   *plan // of a pointer or a slice
	fields []field
}

type field struct {
	name  string
	index int
	plan  *plan
	// nullable: an optional property held by value (json's omitzero), which null leaves at its zero value, as
	// encoding/json leaves any value field.
	nullable bool
}

var (
	plans               sync.Map // reflect.Type → *plan
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType            = reflect.TypeFor[time.Time]()
)

func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := buildPlan(t, map[reflect.Type]*plan{})
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*plan)
}

func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := building[t]; ok {
		return p // a recursive type: the plan being built
	}
	p := &plan{kind: t.Kind(), typ: t}
	building[t] = p
	p.text = t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType)
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.bits = t.Bits()
	case reflect.Pointer, reflect.Slice:
		p.elem = buildPlan(t.Elem(), building)
	case reflect.Struct:
		if p.text {
			break
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			nullable := slices.Contains(strings.Split(opts, ","), "omitzero")
			p.fields = append(p.fields, field{name: name, index: i, plan: buildPlan(sf.Type, building), nullable: nullable})
		}
	}
	return p
}

func (b *reflectBinder) value(p *plan, dst reflect.Value, src any) {
	if p.kind == reflect.Pointer {
		if src == nil {
			return
		}
		elem := reflect.New(p.elem.typ)
		b.value(p.elem, elem.Elem(), src)
		dst.Set(elem)
		return
	}
	if src == nil {
		b.fail("must not be null")
		return
	}
	if p.text {
		s, ok := src.(string)
		if !ok {
			b.fail("value must be a string")
			return
		}
		if p.typ == timeType { // time.Time's own reading is lenient where RFC 3339 is not
			t, ok := ParseDateTime(s)
			if !ok {
				b.fail("not a valid date-time")
			}
			dst.Set(reflect.ValueOf(t))
			return
		}
		if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			b.fail("not a valid date-time")
		}
		return
	}
	if s, ok := src.(string); ok && p.typ == reflect.TypeFor[api.SeqNumber]() {
		// A sequence number written as a string of digits: read through its own UnmarshalJSON.
		quoted, _ := json.Marshal(s)
		if json.Unmarshal(quoted, dst.Addr().Interface()) != nil {
			b.fail("not an integer or a string of decimal digits")
		}
		return
	}
	switch p.kind {
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			b.fail("value must be a string")
			return
		}
		dst.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := src.(json.Number)
		if !ok {
			b.fail("value must be an integer")
			return
		}
		i, err := strconv.ParseInt(string(n), 10, p.bits)
		if err != nil {
			if strings.ContainsAny(string(n), ".eE") {
				b.fail("value must be an integer written without a fraction or an exponent")
				return
			}
			b.fail("integer out of range")
			return
		}
		dst.SetInt(i)
	case reflect.Bool:
		v, ok := src.(bool)
		if !ok {
			b.fail("value must be a boolean")
			return
		}
		dst.SetBool(v)
	case reflect.Slice:
		a, ok := src.([]any)
		if !ok {
			b.fail("value must be an array")
			return
		}
		s := reflect.MakeSlice(p.typ, len(a), len(a)) // empty, not nil, as encoding/json has it
		for i, v := range a {
			b.path = append(b.path, strconv.Itoa(i))
			b.value(p.elem, s.Index(i), v)
			b.path = b.path[:len(b.path)-1]
		}
		dst.Set(s)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			b.fail("value must be an object")
			return
		}
		for _, f := range p.fields {
			v, ok := m[f.name]
			if !ok || (v == nil && f.nullable) {
				continue
			}
			b.path = append(b.path, f.name)
			b.value(f.plan, dst.Field(f.index), v)
			b.path = b.path[:len(b.path)-1]
		}
	case reflect.Map, reflect.Interface:
		v := reflect.ValueOf(detach(src)) // the parsed maps and slices are reused by the next parse
		if !v.Type().AssignableTo(p.typ) {
			b.fail("value must be an object")
			return
		}
		dst.Set(v)
	default:
		b.fail("no Go type for this value")
	}
}

// envelopeTypes makes a new value of each type a delivery is bound into: every kind's, and the generic one.
var envelopeTypes = func() []func() api.Webhook {
	var out []func() api.Webhook
	for _, kind := range append(api.Kinds(), api.Kind{Product: api.ProductNameSMS, Event: "NEW_EVENT"}) {
		out = append(out, func() api.Webhook { return api.NewWebhook(kind) })
	}
	return out
}()

// requireBindersAgree binds doc into every envelope type with the generated binders and by reflection and
// requires the same values and the same violations, in the same order.
func requireBindersAgree(tb testing.TB, doc any) {
	tb.Helper()
	for _, fresh := range envelopeTypes {
		generated, reflected := fresh(), fresh()
		gv, rv := Bind(generated, doc), reflectBind(reflected, doc)
		require.Equal(tb, rv, gv, "violations binding into %T", generated)
		require.True(tb, reflect.DeepEqual(reflected, generated), "values bound into %T:\nreflection %#v\ngenerated  %#v", generated, reflected, generated)
	}
}

// corpus is every body of the conformance corpus and of the vendor examples that parses.
func corpus(tb testing.TB) [][]byte {
	tb.Helper()
	var bodies [][]byte
	files, err := filepath.Glob("../../conformance_test/testdata/*/*.json")
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(tb, err)
		bodies = append(bodies, b)
	}
	bodies = append(bodies, vendorFiles(tb)...)
	parsed := bodies[:0]
	for _, b := range bodies {
		if _, err := ParseJSON(b); err == nil {
			parsed = append(parsed, b)
		}
	}
	return parsed
}

// mutate replaces values of doc, at random, with values of other JSON types, nulls and numbers that fit no
// Go integer, so that the binders meet every failure of every field.
func mutate(r *rand.Rand, doc any) any {
	replacements := []any{nil, true, "text", "2024-02-30T25:00:00", "2024-04-29T20:58:02", "2024-04-29T20:58:02.5Z",
		"2024-04-29T20:58:02+09:00", "2024-04-29T8:58:02+09:00", "2024-04-29T20:58:02+24:00", json.Number("1.0"),
		json.Number("1e2"), json.Number("99999999999999999999"), json.Number("-7"), []any{}, []any{"x"},
		map[string]any{}, map[string]any{"self": map[string]any{"href": 1}}}
	if r.IntN(8) == 0 {
		return replacements[r.IntN(len(replacements))]
	}
	switch d := doc.(type) {
	case map[string]any:
		out := make(map[string]any, len(d))
		for k, v := range d {
			out[k] = mutate(r, v)
		}
		return out
	case []any:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = mutate(r, v)
		}
		return out
	}
	return doc
}

func TestGeneratedBindersAgreeWithReflection(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, body := range corpus(t) {
		doc, err := ParseJSON(body)
		require.NoError(t, err)
		requireBindersAgree(t, doc)
		for range 20 {
			requireBindersAgree(t, mutate(r, doc))
		}
	}
}

func FuzzBinders(f *testing.F) {
	for _, body := range corpus(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if doc, err := ParseJSON(body); err == nil {
			requireBindersAgree(t, doc)
		}
	})
}
