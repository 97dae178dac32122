package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/fixtures"
)

// stdlib decodes data as encoding/json does with UseNumber, requiring exactly one value.
func stdlib(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

// hasDuplicateKeys reports whether an object of data, which must be valid JSON, repeats a key once decoded.
func hasDuplicateKeys(tb testing.TB, data []byte) bool {
	tb.Helper()
	type frame struct {
		keys      map[string]bool // nil for an array
		expectKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return false
		}
		require.NoError(tb, err)
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.keys != nil {
			if top.expectKey {
				key := tok.(string)
				if top.keys[key] {
					return true
				}
				top.keys[key] = true
				top.expectKey = false
				continue
			}
			top.expectKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		}
	}
}

func vendorFiles(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := fs.Glob(fixtures.Vendor, "*.json")
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	var out [][]byte
	for _, f := range files {
		out = append(out, fixtures.Read(f))
	}
	return out
}

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{name: "zero", doc: `0`},
		{name: "minus zero", doc: `-0`},
		{name: "integer", doc: `123`},
		{name: "negative integer", doc: `-123`},
		{name: "fraction", doc: `1.5`},
		{name: "fraction zero", doc: `1.0`},
		{name: "minus zero fraction", doc: `-0.0`},
		{name: "exponent", doc: `1e2`},
		{name: "upper-case exponent", doc: `1E2`},
		{name: "signed exponents", doc: `[1e+2, 1e-2, 1E+02, -1.5e-007]`},
		{name: "fraction and exponent", doc: `-0.5e10`},
		{name: "int64 bounds", doc: `[9223372036854775807, -9223372036854775808]`},
		{name: "beyond int64", doc: `[9223372036854775808, 99999999999999999999999999999]`},
		{name: "beyond float64", doc: `[1e400, -1e400, 1e-400]`},
		{name: "many digits", doc: `3.14159265358979323846264338327950288419716939937510`},
		{name: "empty string", doc: `""`},
		{name: "short escapes", doc: `"\"\\\/\b\f\n\r\t"`},
		{name: "unicode escapes", doc: `"\u0041\u00e9\u4e2d\uFFFF"`},
		{name: "NUL escape", doc: `"a\u0000b"`},
		{name: "surrogate pair", doc: `"\ud83d\ude00\uD83D\uDE00"`},
		{name: "lone high surrogate", doc: `"\ud800"`},
		{name: "lone high surrogate at the end", doc: `"x\udbff"`},
		{name: "lone low surrogate", doc: `"\udc00"`},
		{name: "high surrogate then a letter", doc: `"\ud800x"`},
		{name: "high surrogate then a BMP escape", doc: `"\ud800\u0041"`},
		{name: "two high surrogates", doc: `"\ud800\ud800"`},
		{name: "two high surrogates then a low", doc: `"\ud800\ud800\udc00"`},
		{name: "reversed pair", doc: `"\udc00\ud800"`},
		{name: "high surrogate then short escape", doc: `"\ud800\n"`},
		{name: "raw UTF-8", doc: `"엔에이치엔 😀 é"`},
		{name: "raw DEL and U+2028", doc: "\"\x7f\u2028\u2029\""},
		{name: "literals", doc: `[true, false, null]`},
		{name: "empty containers", doc: `[{}, [], {"a": {}}, {"b": []}]`},
		{name: "whitespace everywhere", doc: " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n} \t\r\n"},
		{name: "escaped key", doc: `{"\u0061b": 1, "a\"b": 2, "": 3}`},
		{name: "case variants are distinct keys", doc: `{"hookId": 1, "HOOKID": 2, "HookId": 3}`},
		{name: "nested", doc: `{"a": [1, {"b": [null, {"c": "d"}]}], "e": {"f": {"g": -1.5e3}}}`},
		{name: "nesting 10000 deep", doc: strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{name: "objects 10000 deep", doc: strings.Repeat(`{"a":`, 9999) + `{}` + strings.Repeat("}", 9999)},
	}
	for i, b := range vendorFiles(t) {
		if json.Valid(b) {
			tests = append(tests, struct{ name, doc string }{name: "vendor " + string(rune('a'+i)), doc: string(b)})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, err := stdlib([]byte(tt.doc))
			require.NoError(t, err, "the document is not valid JSON")
			got, err := ParseJSON([]byte(tt.doc))
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(want, got), "ParseJSON: %#v\nencoding/json: %#v", got, want)
		})
	}
}

func TestParseJSONRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string
		stdlib  bool // encoding/json accepts it
		pointer string
		offset  int
	}{
		{name: "empty", doc: ``},
		{name: "leading zero", doc: `01`, offset: 1},
		{name: "minus alone", doc: `-`, offset: 1},
		{name: "minus then letter", doc: `-a`, offset: 1},
		{name: "fraction without digits", doc: `1.`, offset: 2},
		{name: "fraction without integer", doc: `.5`},
		{name: "exponent without digits", doc: `1e`, offset: 2},
		{name: "exponent sign without digits", doc: `1e+`, offset: 3},
		{name: "plus sign", doc: `+1`},
		{name: "hex", doc: `0x10`, offset: 1},
		{name: "trailing comma in an array", doc: `[1,]`, pointer: "/1", offset: 3},
		{name: "trailing comma in an object", doc: `{"a":1,}`, offset: 7},
		{name: "key without value", doc: `{"a"}`, offset: 4},
		{name: "number key", doc: `{1:1}`, offset: 1},
		{name: "single quotes", doc: `'a'`},
		{name: "truncated true", doc: `tru`},
		{name: "truncated null in an array", doc: `[nul]`, pointer: "/0", offset: 1},
		{name: "invalid escape", doc: `"\x"`, offset: 2},
		{name: "short unicode escape", doc: `"\u12"`, offset: 3},
		{name: "non-hex unicode escape", doc: `"\u12G4"`, offset: 3},
		{name: "broken escape after a high surrogate", doc: `"\ud800\u12G4"`, offset: 9},
		{name: "control character", doc: "\"a\x01\"", offset: 2},
		{name: "control character after an escape", doc: "\"\\n\x1f\"", offset: 3},
		{name: "unterminated string", doc: `"abc`, offset: 4},
		{name: "unterminated escape", doc: `"abc\`, offset: 4},
		{name: "unterminated array", doc: `[1`, offset: 2},
		{name: "unterminated object", doc: `{"a":1`, offset: 6},
		{name: "close without open", doc: `]`},
		{name: "extra close", doc: `{}}`, offset: 2},
		{name: "two values", doc: `1 2`, offset: 2},
		{name: "NaN", doc: `NaN`},
		{name: "byte order mark", doc: "\ufeff1"},
		{name: "NUL byte", doc: "\x00"},
		{name: "nesting 10001 deep", doc: strings.Repeat("[", 10001) + strings.Repeat("]", 10001), pointer: strings.Repeat("/0", 10000), offset: 10000},
		// Only ParseJSON rejects these: encoding/json tolerates them.
		{name: "duplicate key", doc: `{"a":1,"b":{"c":1,"c":2}}`, stdlib: true, pointer: "/b/c", offset: 18},
		{name: "duplicate key through an escape", doc: `{"a":1,"\u0061":2}`, stdlib: true, pointer: "/a", offset: 7},
		{name: "duplicate key through replacement characters", doc: `{"\ud800":1,"\udbff":2}`, stdlib: true, pointer: "/\uFFFD", offset: 12},
		{name: "invalid UTF-8", doc: "[\"ab\xffc\"]", stdlib: true, pointer: "/0", offset: 4},
		{name: "invalid UTF-8 after an escape", doc: "[\"\\nab\xffc\"]", stdlib: true, pointer: "/0", offset: 6},
		{name: "invalid UTF-8 in a key", doc: "{\"\xff\":1}", stdlib: true, offset: 2},
		{name: "UTF-8 encoded surrogate", doc: "\"\xed\xa0\x80\"", stdlib: true, offset: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.stdlib, json.Valid([]byte(tt.doc)), "encoding/json disagrees with the table")
			v, err := ParseJSON([]byte(tt.doc))
			require.Error(t, err)
			require.Nil(t, v)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.pointer, se.Pointer())
			require.Equal(t, tt.offset, se.offset)
			require.Equal(t, se.Reason(), se.Error())
		})
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, b := range vendorFiles(f) {
		f.Add(b)
	}
	for _, s := range []string{
		``, `0`, `-0.0e-0`, `1e400`, `"\ud800\udc00"`, `"\ud800"`, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`,
		"\"\xff\"", `[[[[]]]]`, `{"a":[{"b":null}]}`, `[1,]`, `"\u0000"`, `{"HOOKID":1,"hookId":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON(data)
		if err != nil {
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Nil(t, v)
			require.GreaterOrEqual(t, se.offset, 0)
			require.LessOrEqual(t, se.offset, len(data))
			require.GreaterOrEqual(t, se.line, 1)
			require.GreaterOrEqual(t, se.column, 1)
			require.NotEmpty(t, se.Reason())
			if json.Valid(data) {
				// encoding/json accepts what ParseJSON refuses only for invalid UTF-8 or a repeated key.
				require.True(t, !utf8.Valid(data) || hasDuplicateKeys(t, data),
					"ParseJSON rejects valid JSON: %v", err)
			}
			return
		}
		require.True(t, json.Valid(data), "ParseJSON accepts invalid JSON")
		require.True(t, utf8.Valid(data), "ParseJSON accepts invalid UTF-8")
		want, err := stdlib(data)
		require.NoError(t, err)
		require.True(t, reflect.DeepEqual(want, v), "ParseJSON: %#v\nencoding/json: %#v", v, want)
	})
}

// TestSpecialFindsEveryByteTheFastPathMustStopAt checks the eight-byte test of the string fast path against
// the byte table: every byte value at every position, among plain bytes and among others.
func TestSpecialFindsEveryByteTheFastPathMustStopAt(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '~', '"', 0x80, 0x1f} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := !plain[c] || !plain[fill]
				require.Equal(t, want, special(binary.LittleEndian.Uint64(b[:])), "fill %#x, byte %#x at %d", fill, c, pos)
			}
		}
	}
}

// TestParseReusesNothingItHandedOut parses with one parser, forgets, parses again: the values of the first parse
// keep their strings and numbers.
func TestParseReusesNothingItHandedOut(t *testing.T) {
	t.Parallel()
	first, err := ParseJSON([]byte(`{"a":"one","n":1,"l":["x",2]}`))
	require.NoError(t, err)
	for range 10 {
		p := NewParser()
		_, err := p.Parse(`{"a":"two","n":3,"l":["y",4]}`)
		require.NoError(t, err)
		p.Recycle()
	}
	require.Equal(t, map[string]any{"a": "one", "n": json.Number("1"), "l": []any{"x", json.Number("2")}}, first)
}

// TestParseJSONNamesTheEncoding checks that a body in another encoding than UTF-8, or with a byte-order mark,
// is refused for that reason, at the first byte, rather than for the byte the grammar stumbles on.
func TestParseJSONNamesTheEncoding(t *testing.T) {
	t.Parallel()
	delivery := string(fixtures.Read("unsubscribe.json"))
	units := utf16.Encode([]rune(delivery))
	utf16le, utf16be := make([]byte, 2*len(units)), make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(utf16le[2*i:], u)
		binary.BigEndian.PutUint16(utf16be[2*i:], u)
	}
	var utf32le, utf32be []byte
	for _, r := range delivery {
		utf32le = binary.LittleEndian.AppendUint32(utf32le, uint32(r))
		utf32be = binary.BigEndian.AppendUint32(utf32be, uint32(r))
	}
	const (
		bom8   = "body starts with a UTF-8 byte-order mark (EF BB BF); JSON must not"
		bom16l = "body starts with a UTF-16LE byte-order mark (FF FE); JSON must be UTF-8"
		bom16b = "body starts with a UTF-16BE byte-order mark (FE FF); JSON must be UTF-8"
		bom32l = "body starts with a UTF-32LE byte-order mark (FF FE 00 00); JSON must be UTF-8"
		bom32b = "body starts with a UTF-32BE byte-order mark (00 00 FE FF); JSON must be UTF-8"
		is16l  = "body is UTF-16LE (a NUL byte after each of its first characters); JSON must be UTF-8"
		is16b  = "body is UTF-16BE (a NUL byte before each of its first characters); JSON must be UTF-8"
		is32l  = "body is UTF-32LE (NUL bytes after its first character); JSON must be UTF-8"
		is32b  = "body is UTF-32BE (NUL bytes before its first character); JSON must be UTF-8"
	)
	tests := []struct {
		name string
		doc  string
		msg  string // after "invalid JSON at line 1, column 1 (byte 0): "
	}{
		{name: "UTF-8 BOM before a delivery", doc: "\xef\xbb\xbf" + delivery, msg: bom8},
		{name: "UTF-8 BOM alone", doc: "\xef\xbb\xbf", msg: bom8},
		{name: "UTF-16LE with a BOM", doc: "\xff\xfe" + string(utf16le), msg: bom16l},
		{name: "UTF-16BE with a BOM", doc: "\xfe\xff" + string(utf16be), msg: bom16b},
		{name: "UTF-32LE with a BOM", doc: "\xff\xfe\x00\x00" + string(utf32le), msg: bom32l},
		{name: "UTF-32BE with a BOM", doc: "\x00\x00\xfe\xff" + string(utf32be), msg: bom32b},
		{name: "UTF-16LE", doc: string(utf16le), msg: is16l},
		{name: "UTF-16BE", doc: string(utf16be), msg: is16b},
		{name: "UTF-32LE", doc: string(utf32le), msg: is32l},
		{name: "UTF-32BE", doc: string(utf32be), msg: is32b},
		{name: "UTF-16LE of one character", doc: "1\x00", msg: is16l},
		{name: "UTF-16BE of one character", doc: "\x001", msg: is16b},
		{name: "UTF-16LE of a space and a character", doc: " \x001\x00", msg: is16l},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseJSON([]byte(tt.doc))
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, "invalid JSON at line 1, column 1 (byte 0): "+tt.msg, se.Reason())
			require.Equal(t, "", se.Pointer())
			require.Equal(t, [3]int{0, 1, 1}, [3]int{se.Offset(), se.Line(), se.Column()})
		})
	}

	// Bodies that are UTF-8 keep the grammar's own reason, NUL bytes and all.
	for _, doc := range []string{"\x00", "\x00\x00", "{\"a\":\x00}", "\x00\x83\x06\x89", "\xef\xbb", "[\x00]", `{"a":x}`} {
		_, err := ParseJSON([]byte(doc))
		var se *SyntaxError
		require.ErrorAs(t, err, &se, "%q", doc)
		require.NotContains(t, se.Reason(), "UTF-16", "%q", doc)
		require.NotContains(t, se.Reason(), "UTF-32", "%q", doc)
		require.NotContains(t, se.Reason(), "byte-order mark", "%q", doc)
	}
}

// TestSyntaxErrorPosition checks the exported position against the message and against LineColumn.
func TestSyntaxErrorPosition(t *testing.T) {
	t.Parallel()
	doc := []byte("{\n  \"a\": 1,\n  \"b\": [tru]\n}")
	_, err := ParseJSON(doc)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 3, se.Line())
	require.Equal(t, 9, se.Column())
	require.Equal(t, 20, se.Offset())
	line, col := LineColumn(doc, se.Offset())
	require.Equal(t, [2]int{se.Line(), se.Column()}, [2]int{line, col})
	require.Contains(t, se.Reason(), "line 3, column 9 (byte 20)")
	require.Equal(t, "/b/0", se.Pointer())
}
