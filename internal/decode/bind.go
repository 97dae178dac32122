package decode

//go:generate go run ./bindgen -o bind.gen.go

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/api"
)

// binder copies a parsed JSON value into a generated type by exact property name, without parsing the body
// again. encoding/json would match names case-insensitively; binding from the validated value guarantees that
// the typed value holds exactly what was validated. Its functions for each type of package api are generated
// (bind.gen.go); the methods below read one JSON value each.
//
// It records as violations the values kin-openapi accepted that the Go type cannot hold: an integer written
// as 1.0 or 1e2, an integer beyond int64, an impossible date. The schema and the decoder must never disagree.
type binder struct {
	path       []string
	violations []Violation
}

// Violation is a value the Go type cannot hold: where, and why, never the value.
type Violation struct {
	Pointer string
	Reason  string
}

// Bind fills dst, an empty envelope of package api, from src, a parsed value the spec validated, and returns
// the violations found. What dst holds after it shares no map or slice with src: src's parser may be recycled.
func Bind(dst api.Webhook, src any) []Violation {
	var stack [8]string // deep enough for every generated type: the path grows without allocating
	b := binder{path: stack[:0]}
	if !b.bindTo(dst, src) {
		b.fail("no Go type for this value")
	}
	return b.violations
}

// indexes are the path elements of the first array indexes, made once: strconv.Itoa allocates from 100 on, once
// for every hook of a large delivery, for a path that is read only when a value fails.
var indexes = func() (s [1024]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// index is the path element of array index i.
func index(i int) string {
	if i < len(indexes) {
		return indexes[i]
	}
	return strconv.Itoa(i)
}

func (b *binder) fail(reason string) {
	b.violations = append(b.violations, Violation{Pointer: pointerOf(b.path, false), Reason: reason})
}

// notNull fails for null, which only a pointer field takes (by staying nil).
func (b *binder) notNull(src any) bool {
	if src == nil {
		b.fail("must not be null")
		return false
	}
	return true
}

func (b *binder) string(src any) (string, bool) {
	s, ok := src.(string)
	if !ok && b.notNull(src) {
		b.fail("value must be a string")
	}
	return s, ok
}

func (b *binder) boolean(src any) (bool, bool) {
	v, ok := src.(bool)
	if !ok && b.notNull(src) {
		b.fail("value must be a boolean")
	}
	return v, ok
}

// integer reads an integer of the given bits, written without a fraction or an exponent as encoding/json
// requires for a Go integer.
func (b *binder) integer(src any, bits int) (int64, bool) {
	n, ok := src.(json.Number)
	if !ok {
		if b.notNull(src) {
			b.fail("value must be an integer")
		}
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, bits)
	if err != nil {
		if strings.ContainsAny(string(n), ".eE") {
			b.fail("value must be an integer written without a fraction or an exponent")
		} else {
			b.fail("integer out of range")
		}
		return 0, false
	}
	return i, true
}

// dateTime reads an RFC 3339 date-time with ParseDateTime, the reader of the date-time format, into the value
// time.Time's UnmarshalText (encoding/json) would give.
func (b *binder) dateTime(dst *time.Time, src any) {
	if s, ok := b.string(src); ok {
		if *dst, ok = ParseDateTime(s); !ok {
			b.fail("not a valid date-time")
		}
	}
}

// seqNumber reads an api.SeqNumber: an integer as integer reads it, or a string of decimal digits.
func (b *binder) seqNumber(dst *api.SeqNumber, src any) {
	if s, ok := src.(string); ok {
		var err error
		if *dst, err = api.ParseSeqNumber(s); err != nil {
			b.fail("not an integer or a string of decimal digits")
		}
		return
	}
	if n, ok := b.integer(src, 64); ok {
		*dst = api.SeqNumber(n)
	}
}

// localDateTime reads an api.LocalDateTime as its UnmarshalText does: where the contract requires a date-time
// (SMS's korean-local-date-time), its format has checked the value with the same reader; elsewhere any string
// is kept as sent.
func (b *binder) localDateTime(dst *api.LocalDateTime, src any) {
	if s, ok := b.string(src); ok {
		*dst = api.ReadLocalDateTime(s)
	}
}

func (b *binder) object(src any) (map[string]any, bool) {
	m, ok := src.(map[string]any)
	if !ok && b.notNull(src) {
		b.fail("value must be an object")
	}
	return m, ok
}

func (b *binder) array(src any) ([]any, bool) {
	a, ok := src.([]any)
	if !ok && b.notNull(src) {
		b.fail("value must be an array")
	}
	return a, ok
}

// detach copies the maps and slices of a parsed value, which the next parse reuses, so that a typed value
// holding it outlives the parse.
func detach(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = detach(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = detach(e)
		}
		return s
	}
	return v
}

// Pointer renders path as an RFC 6901 JSON pointer.
func Pointer(path []string) string { return pointerOf(path, false) }

// pointerOf renders path as a JSON pointer; reversed says the innermost key comes first.
func pointerOf(path []string, reversed bool) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for i := range path {
		key := path[i]
		if reversed {
			key = path[len(path)-1-i]
		}
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(key))
	}
	return b.String()
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
