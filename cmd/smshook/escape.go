package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// printable returns s fit for a terminal or a log: every rune strconv.IsPrint refuses (C0 and C1 controls, DEL,
// the escape that starts an ANSI sequence, format characters such as bidirectional overrides) and every byte
// that is not UTF-8 is written as a Go escape (\n, \x1b, \u009b, \xff), the rest as it is. Values taken from a
// payload or a file name pass through it, so that a key holding "\n ok" cannot forge a line of output and
// "\x1b[2J" cannot reach the terminal. A backslash is kept as it is: reasons quote regular expressions.
func printable(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s // printable ASCII, the common case
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // '\n', '\x1b', '\u009b'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// jsonPrintable returns doc, JSON as encoding/json writes it, with DEL and the C1 controls escaped as \u007f
// and \u0080…\u009f: encoding/json escapes the C0 controls (ESC among them) but writes those raw, and a
// terminal may act on them. They can only stand inside strings, where the escape means the same rune.
func jsonPrintable(doc []byte) []byte {
	i := 0
	for i < len(doc) && doc[i] < 0x7f {
		i++
	}
	if i == len(doc) {
		return doc
	}
	out := make([]byte, 0, len(doc)+12)
	out = append(out, doc[:i]...)
	for i < len(doc) {
		r, size := utf8.DecodeRune(doc[i:])
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			out = append(out, `\u00`...)
			out = strconv.AppendUint(append(out, "0123456789abcdef"[r>>4]), uint64(r&0xf), 16)
		} else {
			out = append(out, doc[i:i+size]...)
		}
		i += size
	}
	return out
}
