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
	b.value(reflect.ValueOf(dst).Elem(), src)
	return b.violations
}

func (b *binder) fail(reason string) {
	b.violations = append(b.violations, Violation{Pointer: pointerOf(b.path, false), Reason: reason})
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

func (b *binder) value(dst reflect.Value, src any) {
	if dst.Kind() == reflect.Pointer {
		if src == nil {
			return
		}
		elem := reflect.New(dst.Type().Elem())
		b.value(elem.Elem(), src)
		dst.Set(elem)
		return
	}
	if src == nil {
		b.fail("must not be null")
		return
	}
	if reflect.PointerTo(dst.Type()).Implements(textUnmarshalerType) {
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
	switch dst.Kind() {
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
		i, err := strconv.ParseInt(string(n), 10, dst.Type().Bits())
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
		s := reflect.MakeSlice(dst.Type(), len(a), len(a))
		for i, v := range a {
			b.path = append(b.path, strconv.Itoa(i))
			b.value(s.Index(i), v)
			b.path = b.path[:len(b.path)-1]
		}
		dst.Set(s)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			b.fail("value must be an object")
			return
		}
		for _, f := range fieldsOf(dst.Type()) {
			v, ok := m[f.name]
			if !ok {
				continue
			}
			b.path = append(b.path, f.name)
			b.value(dst.Field(f.index), v)
			b.path = b.path[:len(b.path)-1]
		}
	case reflect.Map, reflect.Interface:
		v := reflect.ValueOf(src)
		if !v.Type().AssignableTo(dst.Type()) {
			b.fail("value must be an object")
			return
		}
		dst.Set(v)
	default:
		b.fail("no Go type for this value")
	}
}

type field struct {
	name  string
	index int
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf lists the JSON-tagged fields of t, as encoding/json names them.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, field{name: name, index: i})
	}
	f, _ := fieldCache.LoadOrStore(t, fields)
	return f.([]field)
}
