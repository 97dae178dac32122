package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// docSplitter cuts a stream into its JSON documents, holding at most max+1 bytes of one: a larger document is
// read to its end and its bytes are dropped. It finds where a document ends by its brackets and strings alone;
// the first that encoding/json finds invalid takes the rest of the stream with it (up to max+1 bytes), since
// where it ends cannot be told.
type docSplitter struct {
	r    *bufio.Reader
	max  int64
	done bool // a malformed document took the rest of the stream
}

// next returns the next document with the whitespace before it, and whether it was larger than max. At the end
// of the stream it returns io.EOF with the whitespace that was left; any other error is the stream's.
func (s *docSplitter) next() (body []byte, tooLarge bool, err error) {
	if s.done {
		return nil, false, io.EOF
	}
	d := doc{max: s.max}
	c, err := s.skipSpace(&d)
	if err != nil {
		return d.buf, false, err
	}
	switch c {
	case '{', '[':
		err = s.container(&d)
	case '"':
		err = s.str(&d)
	default:
		err = s.scalar(&d, c)
	}
	if errors.Is(err, io.EOF) {
		err = nil // a truncated document: malformed, as check says
	}
	if err != nil {
		return nil, false, err
	}
	if !d.over && !json.Valid(d.buf) {
		s.done = true
		for !d.over {
			c, err := s.r.ReadByte()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, false, err
			}
			d.add(c)
		}
	}
	return d.buf, d.over, nil
}

// doc is a document being read: its first max bytes and whether there were more.
type doc struct {
	buf  []byte
	max  int64
	over bool
}

func (d *doc) add(c byte) {
	if int64(len(d.buf)) < d.max {
		d.buf = append(d.buf, c)
	} else {
		d.over = true
	}
}

func (d *doc) addAll(b []byte) {
	if room := d.max - int64(len(d.buf)); int64(len(b)) > room {
		b, d.over = b[:room], true
	}
	d.buf = append(d.buf, b...)
}

// skipSpace reads the whitespace before a document into d and returns the document's first byte, in d too.
func (s *docSplitter) skipSpace(d *doc) (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		d.add(c)
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, nil
	}
}

// container reads an object or an array, whose opening bracket is read, to its closing one.
func (s *docSplitter) container(d *doc) error {
	depth := 1
	for depth > 0 {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		d.add(c)
		switch c {
		case '"':
			if err := s.str(d); err != nil {
				return err
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return nil
}

// str reads a string, whose opening quote is read, to its closing quote. What lies before the next quote or
// backslash is taken from the buffer at once: long strings make most of a large document.
func (s *docSplitter) str(d *doc) error {
	for {
		if n := s.r.Buffered(); n > 0 {
			chunk, _ := s.r.Peek(n)
			i := bytes.IndexByte(chunk, '"')
			if i < 0 {
				i = len(chunk)
			}
			if j := bytes.IndexByte(chunk[:i], '\\'); j >= 0 {
				i = j
			}
			if i > 0 {
				d.addAll(chunk[:i])
				_, _ = s.r.Discard(i)
				continue
			}
		}
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		d.add(c)
		switch c {
		case '"':
			return nil
		case '\\':
			c, err := s.r.ReadByte() // the escaped byte, a quote maybe
			if err != nil {
				return err
			}
			d.add(c)
		}
	}
}

// scalar reads a number or true, false or null, whose first byte c is read, as far as encoding/json's scanner
// would: up to the first byte that cannot continue it, which it leaves unread. Anything else is one byte,
// malformed.
func (s *docSplitter) scalar(d *doc, c byte) error {
	switch c {
	case 't':
		return s.literal(d, "rue")
	case 'f':
		return s.literal(d, "alse")
	case 'n':
		return s.literal(d, "ull")
	}
	if c != '-' && (c < '0' || c > '9') {
		return nil
	}
	// The states of a number: after its sign, its first digit 0, a digit of its integer part, its point, a
	// digit of its fraction, its e, the exponent's sign, a digit of its exponent.
	const (
		sign = iota
		zero
		integer
		point
		fraction
		exp
		expSign
		expDigit
	)
	state := integer
	switch c {
	case '-':
		state = sign
	case '0':
		state = zero
	}
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		digit := c >= '0' && c <= '9'
		next := -1 // the number ends before c; malformed if state is not a digit
		switch {
		case state == sign && c == '0':
			next = zero
		case state == sign && digit, state == integer && digit:
			next = integer
		case (state == zero || state == integer) && c == '.':
			next = point
		case (state == point || state == fraction) && digit:
			next = fraction
		case (state == zero || state == integer || state == fraction) && (c == 'e' || c == 'E'):
			next = exp
		case state == exp && (c == '+' || c == '-'):
			next = expSign
		case (state == exp || state == expSign || state == expDigit) && digit:
			next = expDigit
		}
		if next < 0 {
			return s.r.UnreadByte()
		}
		d.add(c)
		state = next
	}
}

// literal reads the rest of true, false or null as far as it matches, leaving the first byte that does not
// unread.
func (s *docSplitter) literal(d *doc, rest string) error {
	for i := range len(rest) {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		if c != rest[i] {
			return s.r.UnreadByte()
		}
		d.add(c)
	}
	return nil
}
