package inspect

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// What the page shows in place of a phone number, an e-mail address or a secret header's value.
const (
	maskedPhone  = "[phone]"
	maskedEmail  = "[e-mail]"
	redactedNote = "[redacted]"
)

var (
	// phoneLike is a run of digits, perhaps after a + and broken by -, ., spaces or parentheses; mask checks its
	// length and its neighbours.
	phoneLike = regexp.MustCompile(`\+?[0-9][0-9\-. ()]*[0-9]`)
	// emailLike is an address as people write them, not RFC 5322's every form.
	emailLike = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// isoDate starts a date or a timestamp, which has as many digits as a phone number.
	isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)
)

// mask replaces the e-mail addresses and the phone numbers in s: a run of 8 to 15 digits (E.164's longest,
// a Korean mobile number is 11: 01012341234, +82-10-1234-5678) that no letter or digit touches, and that is
// not a date. It errs on the side of masking: a long number that is not a phone number is masked too.
func mask(s string) string {
	s = emailLike.ReplaceAllLiteralString(s, maskedEmail)
	var b strings.Builder
	last := 0
	for _, m := range phoneLike.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if !isPhone(s, start, end) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(maskedPhone)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isPhone(s string, start, end int) bool {
	if start > 0 && isAlnum(s[start-1]) || end < len(s) && isAlnum(s[end]) {
		return false // part of an identifier, such as a hookId
	}
	run := s[start:end]
	if isoDate.MatchString(run) {
		return false
	}
	digits := 0
	for i := range len(run) {
		if run[i] >= '0' && run[i] <= '9' {
			digits++
		}
	}
	return digits >= 8 && digits <= 15
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// secretHeaders are named by the receiver or common; isSecretHeader also takes every name that reads like one.
var secretHeaders = []string{
	"X-Toast-Webhook-Signature", "X-Nhn-Webhook-Signature", "X-Secret-Key", "Authorization",
	"Proxy-Authorization", "Cookie", "Set-Cookie",
}

var secretWords = []string{"signature", "secret", "token", "password", "passwd", "auth", "cookie", "session", "key", "credential"}

// isSecretHeader reports whether the value of the header name must not be shown.
func isSecretHeader(name string) bool {
	canonical := http.CanonicalHeaderKey(name)
	if slices.Contains(secretHeaders, canonical) {
		return true
	}
	lower := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// header is one header line as the page shows it.
type header struct {
	Name, Value string
	Redacted    bool
}

// showHeaders returns h sorted by name, the values of secret headers replaced and the others masked unless
// reveal; a secret header's value is never shown, only whether it was there.
func showHeaders(h http.Header, reveal bool) []header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []header
	for _, name := range names {
		for _, v := range h[name] {
			switch {
			case isSecretHeader(name):
				if v == "" {
					out = append(out, header{Name: name, Value: "(empty)", Redacted: true})
				} else {
					out = append(out, header{Name: name, Value: redactedNote, Redacted: true})
				}
			case reveal:
				out = append(out, header{Name: name, Value: v})
			default:
				out = append(out, header{Name: mask(name), Value: mask(v)})
			}
		}
	}
	return out
}
