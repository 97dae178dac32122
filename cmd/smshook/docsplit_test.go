package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// split returns the documents of stream as docSplitter cuts them, and whether each was too large.
func split(tb testing.TB, stream string, max int64) ([]string, []bool) {
	tb.Helper()
	docs, over, _ := splitAll(tb, stream, max)
	return docs, over
}

// splitAll is split, and the whitespace after the last document.
func splitAll(tb testing.TB, stream string, max int64) (docs []string, over []bool, tail string) {
	tb.Helper()
	s := &docSplitter{r: bufio.NewReaderSize(strings.NewReader(stream), 16), max: max}
	for {
		body, tooLarge, err := s.next()
		if errors.Is(err, io.EOF) {
			return docs, over, string(body)
		}
		require.NoError(tb, err)
		docs, over = append(docs, string(body)), append(over, tooLarge)
	}
}

// decoderSplit cuts data as encoding/json's Decoder does, all of it in memory: each document with the
// whitespace before it, and from the first that does not decode, the rest as one.
func decoderSplit(data string) []string {
	var docs []string
	dec := json.NewDecoder(strings.NewReader(data))
	for {
		var raw json.RawMessage
		start := dec.InputOffset()
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			return append(docs, data[start:])
		}
		docs = append(docs, data[start:dec.InputOffset()])
	}
}

// FuzzDocSplitter: under a limit it does not reach, docSplitter cuts any stream where encoding/json's Decoder
// does (the reader it replaces, which held the whole stream), and loses no byte.
func FuzzDocSplitter(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,{"b":"}]\""}]} [3] "x" 7{} true`, "1x", `[1]]`, `"\q" {}`, "{\"a\":\"\x01\"}\n{}", " \n", "",
		`{"a":1} {"a":} {"b":2}`, `nul`, "\xff\xfe", "\f", `{"a":"\u00e9"}` + "\n\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		docs, over, tail := splitAll(t, data, int64(len(data))+1)
		assert.NotContains(t, over, true)
		assert.Equal(t, data, strings.Join(docs, "")+tail, "every byte is in a document or the whitespace after them")
		want := decoderSplit(data)
		assert.Equal(t, want, docs)
	})
}

// TestDocSplitter: documents end where their brackets, strings and scalars end, escapes and brackets inside
// strings included (with a buffer smaller than a string, so that strings are read in several chunks); the
// first malformed document takes the rest; a document over the limit keeps max bytes and goes on to the next.
func TestDocSplitter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stream string
		max    int64
		docs   []string
		over   []bool
	}{
		{"objects and arrays", `{"a":[1,{"b":2}]} [3]`, 100, []string{`{"a":[1,{"b":2}]}`, ` [3]`}, []bool{false, false}},
		{"brackets and escaped quotes in strings", `{"k":"}]\"{[\\"}` + "\n" + `"x\"y"`, 100, []string{`{"k":"}]\"{[\\"}`, "\n" + `"x\"y"`}, []bool{false, false}},
		{"scalars", "1 true null -2.5e3\n", 100, []string{"1", " true", " null", " -2.5e3"}, []bool{false, false, false, false}},
		{"scalars without space", "truefalse1-20.5e+3[]", 100, []string{"true", "false", "1", "-20.5e+3", "[]"}, []bool{false, false, false, false, false}},
		{"a number that stops short", "1.x {}", 100, []string{"1.x {}"}, []bool{false}},
		{"a scalar then an object", `7{}`, 100, []string{"7", "{}"}, []bool{false, false}},
		{"a malformed document takes the rest", `{"a":1} {"a":} {"b":2}`, 100, []string{`{"a":1}`, ` {"a":} {"b":2}`}, []bool{false, false}},
		{"a stray bracket", `] {}`, 100, []string{`] {}`}, []bool{false}},
		{"truncated", `{"a":[1,`, 100, []string{`{"a":[1,`}, []bool{false}},
		{"over the limit", `{"a":"0123456789abcdef0123456789"} {}`, 10, []string{`{"a":"0123`, ` {}`}, []bool{true, false}},
		{"a malformed rest over the limit", `{"a":} 0123456789abcdef`, 10, []string{`{"a":} 012`}, []bool{true}},
		{"only whitespace", " \n\t", 100, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs, over := split(t, tc.stream, tc.max)
			assert.Equal(t, tc.docs, docs)
			assert.Equal(t, tc.over, over)
		})
	}
}
