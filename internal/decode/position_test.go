package decode

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValueOffset(t *testing.T) {
	t.Parallel()
	doc := "\n {\"a\": [10, {\"b~c/d\": \"x\"}, [ ]],\n  \"e\\u0066\" : null, \"\": true,\n \"g\": {\"a\": \"\\\"}\"}, \"h\": {}}  "
	tests := []struct {
		name    string
		pointer string
		at      string // the text at the offset: where the value starts
		found   bool
	}{
		{name: "the whole text, after leading whitespace", pointer: "", at: `{"a": [`, found: true},
		{name: "a member", pointer: "/a", at: "[10, ", found: true},
		{name: "the first element", pointer: "/a/0", at: "10, ", found: true},
		{name: "a later element", pointer: "/a/1", at: `{"b~c/d"`, found: true},
		{name: "an empty array", pointer: "/a/2", at: "[ ]]", found: true},
		{name: "a key with ~ and / escaped", pointer: "/a/1/b~0c~1d", at: `"x"}`, found: true},
		{name: "a key written with an escape", pointer: "/ef", at: "null,", found: true},
		{name: "the empty key", pointer: "/", at: "true,", found: true},
		{name: "after a string holding braces and a quote", pointer: "/h", at: "{}}", found: true},
		{name: "a member inside a later member", pointer: "/g/a", at: `"\"}"}`, found: true},
		// Nothing there: where the innermost value on the way starts.
		{name: "a missing member", pointer: "/a/1/hookId", at: `{"b~c/d"`},
		{name: "a missing member of the root", pointer: "/hooksId", at: `{"a": [`},
		{name: "a member of an empty object", pointer: "/h/x", at: "{}}"},
		{name: "an index past the end", pointer: "/a/3", at: "[10, "},
		{name: "an element of an empty array", pointer: "/a/2/0", at: "[ ]]"},
		{name: "the element after the last", pointer: "/a/-", at: "[10, "},
		{name: "an index with a leading zero", pointer: "/a/01", at: "[10, "},
		{name: "a negative index", pointer: "/a/-1", at: "[10, "},
		{name: "an index beyond int", pointer: "/a/99999999999999999999", at: "[10, "},
		{name: "a member of an array", pointer: "/a/b", at: "[10, "},
		{name: "into a number", pointer: "/a/0/0", at: "10, "},
		{name: "into a string", pointer: "/a/1/b~0c~1d/0", at: `"x"}`},
		{name: "into null", pointer: "/ef/x", at: "null,"},
		{name: "not a pointer", pointer: "a", at: `{"a": [`},
		{name: "~01 is ~1, not /", pointer: "/a/1/b~01c", at: `{"b~c/d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			offset, found := ValueOffset([]byte(doc), tt.pointer)
			require.Equal(t, tt.found, found)
			require.True(t, strings.HasPrefix(doc[offset:], tt.at), "at %d: %q, want %q", offset, doc[offset:], tt.at)
		})
	}
}

// TestValueOffsets checks that several pointers at once, sharing prefixes, repeated, found or not, are placed
// as each one alone.
func TestValueOffsets(t *testing.T) {
	t.Parallel()
	src := []byte("{\"hooks\": [{\"hookId\": \"\", \"n\": 1.5},\n {\"n\": [1,\n 2]}, {\"hookId\": \"h\"}],\r\n\"x\": {\"y\": null}, \"z\": \"s\"}")
	pointers := []string{
		"/hooks/0/hookId", "/hooks/0/n", "/hooks/0/requestId", "/hooks/1/n/1", "/hooks/1/n/2", "/hooks/2",
		"/hooks/2/hookId", "/hooks/0/n", "", "/x/y", "/x/y/z", "/z/0", "/missing", "/hooks/3/hookId", "nope",
	}
	places := ValueOffsets(src, pointers)
	require.Len(t, places, len(pointers))
	found := 0
	for i, pointer := range pointers {
		offset, ok := ValueOffset(src, pointer)
		line, column := LineColumn(src, offset)
		require.Equal(t, Place{Offset: offset, Line: line, Column: column, Found: ok}, places[i], pointer)
		if ok {
			found++
		}
	}
	require.Equal(t, 8, found, "the table has 8 pointers to values")
	require.Empty(t, ValueOffsets(src, nil))
}

// TestValueOffsetOfEveryValue checks every value of the vendor's examples: its pointer leads to a text that
// parses to the same value.
func TestValueOffsetOfEveryValue(t *testing.T) {
	t.Parallel()
	for _, src := range vendorFiles(t) {
		if _, err := ParseJSON(src); err == nil {
			require.Greater(t, checkEveryValue(t, src), 5)
		}
	}
}

// FuzzValueOffset checks, for any text the parser accepts, that the pointer of each of its values leads to it.
func FuzzValueOffset(f *testing.F) {
	for _, b := range vendorFiles(f) {
		f.Add(b)
	}
	for _, s := range []string{`{"a~b/c":[1,{"":[]}]}`, ` [ "x" , {"\u0061" : null} ] `, `{"a":{"a":{"a":0}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := ParseJSON(src); err == nil {
			checkEveryValue(t, src)
		}
	})
}

// checkEveryValue walks the values of src, well-formed JSON, as the parser reads them, and checks that
// ValueOffset finds each where a parse of the text from there gives the same value, and ValueOffsets all of
// them at once at the same places. It returns how many it checked.
func checkEveryValue(tb testing.TB, src []byte) int {
	tb.Helper()
	doc, err := ParseJSON(src)
	require.NoError(tb, err)
	var pointers []string
	var offsets []int
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		pointer := Pointer(path)
		offset, found := ValueOffset(src, pointer)
		require.True(tb, found, pointer)
		pointers, offsets = append(pointers, pointer), append(offsets, offset)
		p := &Parser{data: src, src: string(src), pos: offset}
		got, err := p.value()
		require.NoError(tb, err, "%s at %d", pointer, offset)
		require.Equal(tb, v, got, pointer)
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(append(path[:len(path):len(path)], k), e)
			}
		case []any:
			for i, e := range v {
				walk(append(path[:len(path):len(path)], strconv.Itoa(i)), e)
			}
		}
	}
	walk(nil, doc)
	// All at once, as each alone.
	for i, place := range ValueOffsets(src, pointers) {
		line, column := LineColumn(src, offsets[i])
		require.Equal(tb, Place{Offset: offsets[i], Line: line, Column: column, Found: true}, place, pointers[i])
	}
	return len(pointers)
}

func TestValueOffsetOfMalformedText(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"a": {"b": [1, tru], "c": 2}}`)
	offset, found := ValueOffset(doc, "/a/c")
	require.False(t, found, "the walk stops at the malformed value")
	require.Equal(t, strings.Index(string(doc), `{"b"`), offset)

	offset, found = ValueOffset(doc, "/a/b/0")
	require.True(t, found, "what precedes the error is found")
	require.Equal(t, strings.Index(string(doc), "1,"), offset)

	offset, found = ValueOffset([]byte("  \n "), "")
	require.False(t, found, "no text, no value")
	require.Equal(t, 4, offset)

	for _, src := range []string{"", "   ", `{`, `{"a"`, `{"a":`, `[`, `[1,`, "{\"a\":\"\xff\"}"} {
		offset, found := ValueOffset([]byte(src), "/a/0")
		require.False(t, found, "%q", src)
		require.LessOrEqual(t, offset, len(src), "%q", src)
	}
}

func TestLineColumn(t *testing.T) {
	t.Parallel()
	src := []byte("ab\n\ncd\r\n한e")
	tests := []struct {
		offset, line, column int
	}{
		{offset: 0, line: 1, column: 1},
		{offset: 1, line: 1, column: 2},
		{offset: 2, line: 1, column: 3}, // the newline itself ends line 1
		{offset: 3, line: 2, column: 1},
		{offset: 4, line: 3, column: 1},
		{offset: 6, line: 3, column: 3}, // '\r' is a byte of the line
		{offset: 8, line: 4, column: 1},
		{offset: 11, line: 4, column: 4}, // columns count bytes: 한 is three
		{offset: 12, line: 4, column: 5}, // the end of the text
		{offset: 99, line: 4, column: 5},
		{offset: -1, line: 1, column: 1},
	}
	for _, tt := range tests {
		line, column := LineColumn(src, tt.offset)
		require.Equal(t, [2]int{tt.line, tt.column}, [2]int{line, column}, "offset %d", tt.offset)
	}
}
