package decode

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// Place is where the value a JSON pointer names starts in a JSON text.
type Place struct {
	// Offset is in bytes from 0; Line and Column say the same from 1, as LineColumn counts them.
	Offset, Line, Column int
	// Found is false when the text holds no such value (a missing member, an index past the end, a step into
	// a string or a number): Offset is then where the innermost value on the way starts, the object or array
	// that lacks it.
	Found bool
}

// ValueOffset returns the byte offset in src, a JSON text, at which the value that pointer (an RFC 6901 JSON
// pointer, such as a Violation's) names starts, and true; "" names the whole text, which starts after any
// leading whitespace. When src holds no such value it returns what Place says, and false. A malformed src is
// read up to its first error, and a pointer that does not start with "/" names nothing.
func ValueOffset(src []byte, pointer string) (int, bool) {
	place := ValueOffsets(src, []string{pointer})[0]
	return place.Offset, place.Found
}

// ValueOffsets is ValueOffset for several pointers at once, in one pass over src: its i-th Place is that of
// pointers[i]. It walks the text with the parser's own grammar, descending only into the values on the way to
// a pointer, and keeps nothing it reads: the values it steps over are parsed and dropped, so it suits an error
// path, not a hot one.
func ValueOffsets(src []byte, pointers []string) []Place {
	places := make([]Place, len(pointers))
	root := new(pointerTrie)
	for i, pointer := range pointers {
		node := root
		node.below = append(node.below, i)
		if pointer != "" && pointer[0] != '/' {
			continue // names nothing: where the text starts, not found
		}
		if pointer != "" {
			for token := range strings.SplitSeq(pointer[1:], "/") {
				node = node.child(pointerUnescaper.Replace(token))
				node.below = append(node.below, i)
			}
		}
		node.ends = append(node.ends, i)
	}
	p := &Parser{data: src, src: unsafe.String(unsafe.SliceData(src), len(src))}
	p.skipSpace()
	p.place(root, places)

	// Lines and columns in one sweep over the text, in order of offset.
	order := make([]int, len(places))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(places[a].Offset, places[b].Offset) })
	line, column, at := 1, 1, 0
	for _, i := range order {
		for ; at < places[i].Offset; at++ {
			if src[at] == '\n' {
				line, column = line+1, 1
			} else {
				column++
			}
		}
		places[i].Line, places[i].Column = line, column
	}
	return places
}

// pointerTrie holds the pointers of one call by their reference tokens: a node is a value on the way to some.
type pointerTrie struct {
	next  map[string]*pointerTrie // by the unescaped token of a member name or an array index
	ends  []int                   // the pointers that name this value
	below []int                   // the pointers that name it or a value inside it
}

func (t *pointerTrie) child(token string) *pointerTrie {
	c := t.next[token]
	if c == nil {
		if t.next == nil {
			t.next = map[string]*pointerTrie{}
		}
		c = new(pointerTrie)
		t.next[token] = c
	}
	return c
}

// pointerUnescaper undoes pointerEscaper in one pass, so that "~01" is "~1" as RFC 6901 §4 wants.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// place records p.pos, the start of a value, for every pointer at or below node, and reads the value,
// descending into the members and elements that lead to a pointer. It reports whether the value was
// well-formed; at the first error the walk stops, and what was not reached keeps the place of its nearest
// value on the way.
func (p *Parser) place(node *pointerTrie, places []Place) bool {
	for _, i := range node.below {
		places[i] = Place{Offset: p.pos}
	}
	for _, i := range node.ends {
		places[i].Found = p.pos < len(p.data)
	}
	if len(node.next) > 0 && p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '{':
			return p.placeMembers(node, places)
		case '[':
			return p.placeElements(node, places)
		}
	}
	_, err := p.value()
	return err == nil
}

// placeInside reads one member's or element's value: placed when node (its pointers) is not nil, else only read.
func (p *Parser) placeInside(node *pointerTrie, places []Place) bool {
	if node != nil {
		return p.place(node, places)
	}
	_, err := p.value()
	return err == nil
}

func (p *Parser) placeMembers(node *pointerTrie, places []Place) bool {
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return true
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return false
		}
		key, err := p.string()
		if err != nil {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return false
		}
		p.pos++
		p.skipSpace()
		if !p.placeInside(node.next[key], places) {
			return false
		}
		if more, ok := p.next('}'); !more {
			return ok
		}
	}
}

func (p *Parser) placeElements(node *pointerTrie, places []Place) bool {
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return true
	}
	for i := 0; ; i++ {
		if !p.placeInside(node.next[strconv.Itoa(i)], places) {
			return false
		}
		if more, ok := p.next(']'); !more {
			return ok
		}
	}
}

// next reads what follows a member or an element: a ',' and the whitespace after it (more), or the closing
// byte (ok, no more); anything else is not ok.
func (p *Parser) next(closing byte) (more, ok bool) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, false
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		p.skipSpace()
		return true, true
	case closing:
		p.pos++
		return false, true
	}
	return false, false
}

// LineColumn returns the line and the column of the byte at offset in src, both from 1; the column counts
// bytes, as Go's tools do, and a line ends at '\n'. An offset past the end is the position after the last
// byte.
func LineColumn(src []byte, offset int) (line, column int) {
	line, column = 1, 1
	for _, c := range src[:max(0, min(offset, len(src)))] {
		if c == '\n' {
			line, column = line+1, 1
		} else {
			column++
		}
	}
	return line, column
}
