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
	case '}', ']', ',', ':':
		// Only a byte: malformed, and checked with the rest.
	default:
		err = s.scalar(&d)
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

// scalar reads a number, true, false, null or garbage, whose first byte is read, up to what cannot be part of
// it, which it leaves unread.
func (s *docSplitter) scalar(d *doc) error {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\r', '\n', '{', '}', '[', ']', '"', ',', ':':
			return s.r.UnreadByte()
		}
		d.add(c)
	}
}
