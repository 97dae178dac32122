package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// syntaxError is a body that is not one well-formed JSON value. Its message names the byte, line and column
// and the JSON pointer of the value being read, never the text around it.
type syntaxError struct {
	offset       int
	line, column int
	path         []string // reversed: innermost first
	msg          string
}

func (e *syntaxError) Error() string { return e.reason() }

func (e *syntaxError) pointer() string { return pointerOf(e.path, true) }

func (e *syntaxError) reason() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.line, e.column, e.offset, e.msg)
}

// parser reads RFC 8259 JSON into the values kin-openapi visits: map[string]any, []any, string, bool, nil and
// json.Number, so that the lexical form of a number stays visible. It is stricter than encoding/json where a
// lenient reading could let two readers disagree: it rejects invalid UTF-8, duplicate object keys and any data
// after the value.
//
// It reads each byte once. Keys, strings without escapes and numbers are substrings of one copy of the body,
// so they cost no allocation of their own (the copy lives as long as any of them); objects and arrays are
// collected on scratch stacks and allocated once at their final size.
type parser struct {
	data  []byte
	src   string // data as a string: values are its substrings
	pos   int
	depth int
	kvs   []keyValue // members of the objects being read, innermost last
	vals  []any      // elements of the arrays being read, innermost last
}

type keyValue struct {
	key    string
	value  any
	offset int // of the key, for a duplicate's error
}

// scratch keeps the parsers' stacks between parses.
var scratch = sync.Pool{New: func() any { return new(parser) }}

// parseJSON parses data as exactly one JSON value.
func parseJSON(data []byte) (any, error) {
	p := scratch.Get().(*parser)
	defer func() {
		p.data, p.src = nil, ""
		scratch.Put(p)
	}()
	p.data, p.src, p.pos, p.depth = data, string(data), 0, 0
	return p.parse()
}

func (p *parser) parse() (any, error) {
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.fail("data after the end of the JSON value")
	}
	return v, nil
}

func (p *parser) fail(format string, args ...any) *syntaxError {
	line, col := 1, 1
	for _, c := range p.data[:min(p.pos, len(p.data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &syntaxError{offset: p.pos, line: line, column: col, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(expected string) *syntaxError {
	if p.pos >= len(p.data) {
		return p.fail("unexpected end of input, expected %s", expected)
	}
	c := p.data[p.pos]
	if c >= 0x20 && c < 0x7f {
		return p.fail("unexpected character %q, expected %s", c, expected)
	}
	return p.fail("unexpected byte 0x%02x, expected %s", c, expected)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.unexpected("a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.string()
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.unexpected("a value")
}

func (p *parser) literal(word string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return p.unexpected("a value")
	}
	p.pos += len(word)
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.fail("nesting deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // '{'
	base := len(p.kvs)
	defer func() { clear(p.kvs[base:]); p.kvs = p.kvs[:base] }()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return map[string]any{}, nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.unexpected("a string key")
		}
		keyStart := p.pos
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.unexpected("':' after an object key")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			if e, ok := err.(*syntaxError); ok {
				e.path = append(e.path, key)
			}
			return nil, err
		}
		p.kvs = append(p.kvs, keyValue{key, v, keyStart})
		p.skipSpace()
		if p.pos < len(p.data) {
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.skipSpace()
				continue
			case '}':
				p.pos++
				p.depth--
				members := p.kvs[base:]
				m := make(map[string]any, len(members))
				for _, kv := range members {
					if _, dup := m[kv.key]; dup {
						p.pos = kv.offset
						e := p.fail("duplicate key")
						e.path = append(e.path, kv.key)
						return nil, e
					}
					m[kv.key] = kv.value
				}
				return m, nil
			}
		}
		return nil, p.unexpected("',' or '}' after an object member")
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // '['
	base := len(p.vals)
	defer func() { clear(p.vals[base:]); p.vals = p.vals[:base] }()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			if e, ok := err.(*syntaxError); ok {
				e.path = append(e.path, strconv.Itoa(len(p.vals)-base))
			}
			return nil, err
		}
		p.vals = append(p.vals, v)
		p.skipSpace()
		if p.pos < len(p.data) {
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.skipSpace()
				continue
			case ']':
				p.pos++
				p.depth--
				return slices.Clone(p.vals[base:]), nil
			}
		}
		return nil, p.unexpected("',' or ']' after an array element")
	}
}

// number checks the RFC 8259 grammar and keeps the literal as a json.Number.
func (p *parser) number() (any, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.pos < len(p.data) && '1' <= p.data[p.pos] && p.data[p.pos] <= '9':
		p.digits()
	default:
		return nil, p.unexpected("a digit")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, p.unexpected("a digit after the decimal point")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, p.unexpected("a digit in the exponent")
		}
	}
	return json.Number(p.src[start:p.pos]), nil
}

func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

// string reads a string at p.pos (a '"'). Lone UTF-16 surrogates in escapes become U+FFFD, as in encoding/json.
func (p *parser) string() (string, error) {
	p.pos++ // '"'
	start := p.pos
	// Fast path: no escapes, all ASCII or valid UTF-8.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s := p.src[start:p.pos]
			if !utf8.ValidString(s) {
				return "", p.invalidUTF8(start)
			}
			p.pos++
			return s, nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return "", p.fail("control character 0x%02x in a string", c)
		}
		p.pos++
	}
	return "", p.fail("unexpected end of input in a string")
}

func (p *parser) invalidUTF8(from int) *syntaxError {
	for p.pos = from; p.pos < len(p.data); {
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		p.pos += size
	}
	return p.fail("invalid UTF-8 in a string")
}

func (p *parser) escapedString(start int) (string, error) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.data[start:p.pos]...)
	if !utf8.Valid(buf) {
		return "", p.invalidUTF8(start)
	}
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character 0x%02x in a string", c)
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", p.fail("unexpected end of input in a string")
			}
			esc := p.data[p.pos+1]
			p.pos += 2
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r = p.lowSurrogate(r)
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.pos--
				return "", p.fail("invalid escape in a string")
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.fail("invalid UTF-8 in a string")
			}
			buf = append(buf, p.data[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
	return "", p.fail("unexpected end of input in a string")
}

// lowSurrogate completes the high surrogate hi with a following \uXXXX low surrogate, or returns U+FFFD.
func (p *parser) lowSurrogate(hi rune) rune {
	if hi >= 0xdc00 || p.pos+6 > len(p.data) || p.data[p.pos] != '\\' || p.data[p.pos+1] != 'u' {
		return utf8.RuneError
	}
	save := p.pos
	p.pos += 2
	lo, err := p.hex4()
	if err != nil || lo < 0xdc00 || lo > 0xdfff {
		p.pos = save
		return utf8.RuneError
	}
	return utf16.DecodeRune(hi, lo)
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.fail("unexpected end of input in a \\u escape")
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, p.fail("invalid \\u escape in a string")
		}
		r = r<<4 | rune(c)
	}
	p.pos += 4
	return r, nil
}
