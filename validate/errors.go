package validate

import (
	"errors"
	"strings"
)

// The causes an *Error wraps; match them with errors.Is.
var (
	// ErrMalformed: the body is not exactly one well-formed JSON value.
	ErrMalformed = errors.New("body is not well-formed JSON")
	// ErrInvalid: the body is JSON but violates the contract.
	ErrInvalid = errors.New("body violates the webhook contract")
)

// Violation is one broken rule: where, and why. Reason never repeats the offending value, so a Violation
// can be logged and returned to the sender without leaking phone numbers or secrets.
type Violation struct {
	// Pointer is an RFC 6901 JSON pointer to the offending value; "" is the whole body.
	Pointer string `json:"pointer"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
}

// Error is a rejected body. Err is ErrMalformed or ErrInvalid; Violations lists every violation found (one
// for a malformed body).
type Error struct {
	Err        error
	Violations []Violation
}

// Error names the cause and lists every violation as POINTER: REASON ("(body)" for the whole body); it
// never carries a payload value.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if v.Pointer == "" {
			b.WriteString("(body)")
		} else {
			b.WriteString(v.Pointer)
		}
		b.WriteString(": ")
		b.WriteString(v.Reason)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
