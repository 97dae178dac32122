package validate

import (
	"errors"
	"fmt"
	"strings"
)

// The causes an *Error wraps; match them with errors.Is.
var (
	// ErrMalformed: the body is not exactly one well-formed JSON value.
	ErrMalformed = errors.New("body is not well-formed JSON")
	// ErrInvalid: the body is JSON but violates the contract.
	ErrInvalid = errors.New("body violates the webhook contract")
	// ErrUnsupportedMediaType: the Content-Type is not application/json.
	ErrUnsupportedMediaType = errors.New("content type is not application/json")
	// ErrBodyTooLarge: the body is larger than the configured limit.
	ErrBodyTooLarge = errors.New("body is larger than the limit")
)

// Violation is one broken rule: where, and why. Reason never repeats the offending value, so a Violation
// can be logged and returned to the sender without leaking phone numbers or secrets.
type Violation struct {
	// Pointer is an RFC 6901 JSON pointer to the offending value; "" is the whole body.
	Pointer string `json:"pointer"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
}

// String formats v as "POINTER: REASON", or "(body): REASON" for the whole body.
func (v Violation) String() string {
	if v.Pointer == "" {
		return "(body): " + v.Reason
	}
	return v.Pointer + ": " + v.Reason
}

// Error is a rejected body or request. Err is one of ErrMalformed, ErrInvalid, ErrUnsupportedMediaType or
// ErrBodyTooLarge; Violations lists every violation found (one for a malformed body).
type Error struct {
	Err        error
	Violations []Violation
}

// Error names the cause and lists every violation; it never carries a payload value.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func newError(cause error, pointer, format string, args ...any) *Error {
	return &Error{Err: cause, Violations: []Violation{{Pointer: pointer, Reason: fmt.Sprintf(format, args...)}}}
}

// pointerOf renders path as a JSON pointer; reversed says the innermost key comes first.
func pointerOf(path []string, reversed bool) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for i := range path {
		key := path[i]
		if reversed {
			key = path[len(path)-1-i]
		}
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(key))
	}
	return b.String()
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
