package validate

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// binder copies a parsed JSON value into a generated type by exact property name, without parsing the body
// again. encoding/json would match names case-insensitively; binding from the validated value guarantees that
// the typed value holds exactly what was validated.
//
// It records as violations the values kin-openapi accepted that the Go type cannot hold: an integer written
// as 1.0 or 1e2, an integer beyond int64, an impossible date. The schema and the decoder must never disagree.
type binder struct {
	path       []string
	violations []Violation
}

// bind fills dst, a pointer to a generated type, from src and returns the violations found.
func bind(dst any, src any) []Violation {
	var b binder
	v := reflect.ValueOf(dst).Elem()
	b.value(planOf(v.Type()), v, src)
	return b.violations
}

func (b *binder) fail(reason string) {
	b.violations = append(b.violations, Violation{Pointer: pointerOf(b.path, false), Reason: reason})
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
}

var (
	plans               sync.Map // reflect.Type → *plan
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
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
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			p.fields = append(p.fields, field{name: name, index: i, plan: buildPlan(sf.Type, building)})
		}
	}
	return p
}

func (b *binder) value(p *plan, dst reflect.Value, src any) {
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
		if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			b.fail("not a valid date-time")
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
		s := reflect.MakeSlice(p.typ, len(a), len(a))
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
			if !ok {
				continue
			}
			b.path = append(b.path, f.name)
			b.value(f.plan, dst.Field(f.index), v)
			b.path = b.path[:len(b.path)-1]
		}
	case reflect.Map, reflect.Interface:
		v := reflect.ValueOf(src)
		if !v.Type().AssignableTo(p.typ) {
			b.fail("value must be an object")
			return
		}
		dst.Set(v)
	default:
		b.fail("no Go type for this value")
	}
}
