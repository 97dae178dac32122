package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// SyntaxError is a body that is not one well-formed JSON value. Its message names the byte, line and column
// and the JSON pointer of the value being read, never the text around it.
type SyntaxError struct {
	offset       int
	line, column int
	path         []string // reversed: innermost first
	msg          string
}

func (e *SyntaxError) Error() string { return e.Reason() }

// Pointer is the JSON pointer of the value being read when the error was found; "" is the whole body.
func (e *SyntaxError) Pointer() string { return pointerOf(e.path, true) }

// Offset is where the error was found, in bytes from 0; Line and Column say the same from 1, the column in
// bytes, as LineColumn counts them.
func (e *SyntaxError) Offset() int { return e.offset }

// Line is the line of Offset, from 1.
func (e *SyntaxError) Line() int { return e.line }

// Column is the column of Offset, from 1, in bytes.
func (e *SyntaxError) Column() int { return e.column }

// Reason says what is wrong and where, without the text around it.
func (e *SyntaxError) Reason() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.line, e.column, e.offset, e.msg)
}

// parser reads RFC 8259 JSON into the values kin-openapi visits: map[string]any, []any, string, bool, nil and
// json.Number, so that the lexical form of a number stays visible. It is stricter than encoding/json where a
// lenient reading could let two readers disagree: it rejects invalid UTF-8, duplicate object keys and any data
// after the value.
//
// It reads each byte once. Keys, strings without escapes and numbers are substrings of the source, so they
// cost no allocation of their own; objects and arrays are collected on scratch stacks and built at their
// final size, in maps and slices the parser reuses from one parse to the next once the caller has recycled
// it (see Recycle).
type Parser struct {
	data  []byte // the source, read byte by byte
	src   string // the same bytes as a string: values are its substrings
	pos   int
	depth int
	kvs   []keyValue // members of the objects being read, innermost last
	vals  []any      // elements of the arrays being read, innermost last

	made       []map[string]any // the maps of this parse, recycled by recycle
	madeSlices [][]any
	small      []map[string]any // cleared maps of at most smallMap members, ready for reuse
	large      []map[string]any // cleared maps of more
	slices     [][]any          // cleared slices, ready for reuse
}

type keyValue struct {
	key    string
	value  any
	offset int // of the key, for a duplicate's error
}

// What a parser keeps between parses: enough for a large delivery, never what a hostile body could make it
// hold.
const (
	maxPooledMaps    = 8192
	maxPooledSlices  = 64
	maxPooledMembers = 64   // a map with more members is left to the garbage collector
	maxPooledLen     = 4096 // and so is a longer slice
	smallMap         = 8    // members a map holds without growing past its first group
)

// scratch keeps the parsers, their stacks and their recycled maps and slices between parses.
var scratch = sync.Pool{New: func() any { return new(Parser) }}

// ParseJSON parses data as exactly one JSON value, in maps and slices of its own.
func ParseJSON(data []byte) (any, error) {
	p := NewParser()
	defer p.Forget()
	return p.Parse(string(data))
}

// NewParser returns a parser from the pool. The caller ends with Recycle, when nothing refers to the parsed
// value any more, or Forget, when it keeps the value.
func NewParser() *Parser { return scratch.Get().(*Parser) }

// Recycle returns the parser to the pool with the maps and slices of its last parse, cleared for reuse. No
// reference to the parsed value, its maps or its slices may be kept after it.
func (p *Parser) Recycle() {
	for _, m := range p.made {
		n := len(m)
		if n > maxPooledMembers || len(p.small)+len(p.large) >= maxPooledMaps {
			continue
		}
		clear(m)
		if n <= smallMap {
			p.small = append(p.small, m)
		} else {
			p.large = append(p.large, m)
		}
	}
	for _, s := range p.madeSlices {
		if cap(s) > maxPooledLen || len(p.slices) >= maxPooledSlices {
			continue
		}
		clear(s)
		p.slices = append(p.slices, s[:0])
	}
	p.Forget()
}

// Forget returns the parser to the pool, leaving the parsed value to its caller. Bookkeeping grown by a large
// body is dropped rather than kept.
func (p *Parser) Forget() {
	clear(p.made)
	clear(p.madeSlices)
	p.made, p.madeSlices = p.made[:0], p.madeSlices[:0]
	if cap(p.made) > maxPooledMaps {
		p.made = nil
	}
	if cap(p.madeSlices) > maxPooledLen {
		p.madeSlices = nil
	}
	if cap(p.kvs) > maxPooledLen {
		p.kvs = nil
	}
	if cap(p.vals) > maxPooledLen {
		p.vals = nil
	}
	p.data, p.src = nil, ""
	scratch.Put(p)
}

// newMap returns an empty map for n members, a recycled one when there is one of the right size.
func (p *Parser) newMap(n int) map[string]any {
	free := &p.small
	if n > smallMap {
		free = &p.large
	}
	var m map[string]any
	if k := len(*free); k > 0 {
		m = (*free)[k-1]
		(*free)[k-1] = nil
		*free = (*free)[:k-1]
	} else {
		m = make(map[string]any, n)
	}
	p.made = append(p.made, m)
	return m
}

// newSlice returns a copy of elems, in a recycled slice when the last one is large enough.
func (p *Parser) newSlice(elems []any) []any {
	if len(elems) == 0 {
		return []any{}
	}
	var s []any
	if k := len(p.slices); k > 0 && cap(p.slices[k-1]) >= len(elems) {
		s = p.slices[k-1][:len(elems)]
		p.slices[k-1] = nil
		p.slices = p.slices[:k-1]
	} else {
		s = make([]any, len(elems))
	}
	copy(s, elems)
	p.madeSlices = append(p.madeSlices, s)
	return s
}

// Parse parses src as exactly one JSON value.
func (p *Parser) Parse(src string) (any, error) {
	p.data, p.src, p.pos, p.depth = unsafe.Slice(unsafe.StringData(src), len(src)), src, 0, 0
	v, err := p.text()
	if err != nil {
		if e := p.encoding(); e != nil {
			return nil, e
		}
		return nil, err
	}
	return v, nil
}

// text reads the whole source as one JSON value between optional whitespace.
func (p *Parser) text() (any, error) {
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

// encoding reports a body that is not UTF-8 JSON for a reason a reader can fix at the source: a byte-order
// mark, or text in UTF-16 or UTF-32, told by its BOM or by where the NUL bytes of its first ASCII characters
// fall (the detection of RFC 4627 §3, and two bytes for a text of one character; RFC 8259 §8.1 requires UTF-8
// without a BOM). It is asked only once a parse failed: every such body fails, since JSON allows neither a BOM
// nor a NUL byte, so a valid body costs nothing.
func (p *Parser) encoding() *SyntaxError {
	d := p.data
	bom := func(mark string) bool { return bytes.HasPrefix(d, []byte(mark)) }
	ascii := func(i int) bool { return i < len(d) && d[i] != 0 && d[i] < utf8.RuneSelf }
	nul := func(i int) bool { return i < len(d) && d[i] == 0 }
	var msg string
	switch {
	case bom("\xef\xbb\xbf"):
		msg = "body starts with a UTF-8 byte-order mark (EF BB BF); JSON must not"
	case bom("\x00\x00\xfe\xff"):
		msg = "body starts with a UTF-32BE byte-order mark (00 00 FE FF); JSON must be UTF-8"
	case bom("\xff\xfe\x00\x00"):
		msg = "body starts with a UTF-32LE byte-order mark (FF FE 00 00); JSON must be UTF-8"
	case bom("\xfe\xff"):
		msg = "body starts with a UTF-16BE byte-order mark (FE FF); JSON must be UTF-8"
	case bom("\xff\xfe"):
		msg = "body starts with a UTF-16LE byte-order mark (FF FE); JSON must be UTF-8"
	case len(d) >= 4 && nul(0) && nul(1) && nul(2) && ascii(3):
		msg = "body is UTF-32BE (NUL bytes before its first character); JSON must be UTF-8"
	case len(d) >= 4 && ascii(0) && nul(1) && nul(2) && nul(3):
		msg = "body is UTF-32LE (NUL bytes after its first character); JSON must be UTF-8"
	case nul(0) && ascii(1) && (len(d) == 2 || len(d) >= 4 && nul(2) && ascii(3)):
		msg = "body is UTF-16BE (a NUL byte before each of its first characters); JSON must be UTF-8"
	case ascii(0) && nul(1) && (len(d) == 2 || len(d) >= 4 && ascii(2) && nul(3)):
		msg = "body is UTF-16LE (a NUL byte after each of its first characters); JSON must be UTF-8"
	default:
		return nil
	}
	p.pos = 0
	return p.fail("%s", msg)
}

func (p *Parser) fail(format string, args ...any) *SyntaxError {
	line, col := LineColumn(p.data, p.pos)
	return &SyntaxError{offset: p.pos, line: line, column: col, msg: fmt.Sprintf(format, args...)}
}

func (p *Parser) unexpected(expected string) *SyntaxError {
	if p.pos >= len(p.data) {
		return p.fail("unexpected end of input, expected %s", expected)
	}
	c := p.data[p.pos]
	if c >= 0x20 && c < 0x7f {
		return p.fail("unexpected character %q, expected %s", c, expected)
	}
	return p.fail("unexpected byte 0x%02x, expected %s", c, expected)
}

func (p *Parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *Parser) value() (any, error) {
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

func (p *Parser) literal(word string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return p.unexpected("a value")
	}
	p.pos += len(word)
	return nil
}

func (p *Parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.fail("nesting deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *Parser) object() (any, error) {
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
		return p.newMap(0), nil
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
			if e, ok := err.(*SyntaxError); ok {
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
				m := p.newMap(len(members))
				for _, kv := range members {
					m[kv.key] = kv.value
				}
				if len(m) < len(members) {
					return nil, p.duplicate(members)
				}
				return m, nil
			}
		}
		return nil, p.unexpected("',' or '}' after an object member")
	}
}

// duplicate reports the first key of members, a map's members that made fewer entries, that repeats an
// earlier one.
func (p *Parser) duplicate(members []keyValue) *SyntaxError {
	seen := make(map[string]struct{}, len(members))
	at := members[len(members)-1]
	for _, kv := range members {
		if _, dup := seen[kv.key]; dup {
			at = kv
			break
		}
		seen[kv.key] = struct{}{}
	}
	p.pos = at.offset
	e := p.fail("duplicate key")
	e.path = append(e.path, at.key)
	return e
}

func (p *Parser) array() (any, error) {
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
		return p.newSlice(nil), nil
	}
	for {
		v, err := p.value()
		if err != nil {
			if e, ok := err.(*SyntaxError); ok {
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
				return p.newSlice(p.vals[base:]), nil
			}
		}
		return nil, p.unexpected("',' or ']' after an array element")
	}
}

// number checks the RFC 8259 grammar and keeps the literal as a json.Number.
func (p *Parser) number() (any, error) {
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

func (p *Parser) digits() int {
	start := p.pos
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

// string reads a string at p.pos (a '"'). Lone UTF-16 surrogates in escapes become U+FFFD, as in encoding/json.
func (p *Parser) string() (string, error) {
	p.pos++ // '"'
	start := p.pos
	// Fast path: printable ASCII without escapes, eight bytes at a time, then byte by byte.
	i := start
	for i+8 <= len(p.data) && !special(binary.LittleEndian.Uint64(p.data[i:])) {
		i += 8
	}
	for i < len(p.data) && plain[p.data[i]] {
		i++
	}
	if i < len(p.data) && p.data[i] == '"' {
		p.pos = i + 1
		return p.src[start:i], nil
	}
	// Otherwise: no escapes but UTF-8 beyond ASCII, or an escape, a control character or the end of input.
	for p.pos = i; p.pos < len(p.data); p.pos++ {
		switch c := p.data[p.pos]; {
		case c == '"':
			s := p.src[start:p.pos]
			if !utf8.ValidString(s[i-start:]) {
				return "", p.invalidUTF8(start)
			}
			p.pos++
			return s, nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return "", p.fail("control character 0x%02x in a string", c)
		}
	}
	return "", p.fail("unexpected end of input in a string")
}

// plain tells the bytes a string's fast path takes as they are: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// special reports whether the eight bytes of x hold one that is not plain: below 0x20, '"', '\\' or from 0x80.
// It may report true for plain bytes after the first one that is not (a borrow runs on), never false for a
// byte that is not plain.
func special(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (x&highs)|((x-ones*0x20)&^x&highs)|hasZero(x^(ones*'"'))|hasZero(x^(ones*'\\')) != 0
}

func (p *Parser) invalidUTF8(from int) *SyntaxError {
	for p.pos = from; p.pos < len(p.data); {
		r, size := utf8.DecodeRune(p.data[p.pos:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		p.pos += size
	}
	return p.fail("invalid UTF-8 in a string")
}

func (p *Parser) escapedString(start int) (string, error) {
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
func (p *Parser) lowSurrogate(hi rune) rune {
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

func (p *Parser) hex4() (rune, error) {
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
