package validate_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/validate"
)

// TestOneReasonPerPointer breaks several rules at one place and checks the one reason kept: the value's kind
// over the rest, a format over its pattern and over the Go type's date check, and a pattern only alone.
func TestOneReasonPerPointer(t *testing.T) {
	t.Parallel()
	const (
		koreanFormat = `string doesn't match the format "korean-local-date-time" (not a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range)`
		rfc3339      = `string doesn't match the format "date-time" (not an RFC 3339 date-time in a valid range)`
	)
	tests := []struct {
		name    string
		body    []byte
		pointer string
		reason  string
	}{
		{
			name: "a space for the T: pattern, format and Go type; the format",
			body: body(t, messageResult, with("hooks/0/requestDate", "2026-11-30 09:59:58")),
			// Before: the pattern's expression; the format; "not a valid date-time", joined by "; ".
			pointer: "/hooks/0/requestDate", reason: koreanFormat,
		},
		{
			name:    "second 60: pattern, format and Go type; the format",
			body:    body(t, messageResult, with("hooks/0/receiveDate", "2026-11-30T09:59:60")),
			pointer: "/hooks/0/receiveDate", reason: koreanFormat,
		},
		{
			name:    "30 February: format and Go type; the format",
			body:    body(t, messageResult, with("hooks/0/receiveDate", "2026-02-30T09:59:58")),
			pointer: "/hooks/0/receiveDate", reason: koreanFormat,
		},
		{
			name:    "an RFC 3339 date-time without its offset: format and Go type; the format",
			body:    body(t, unsubscribe, with("hooks/0/createdDateTime", "2020-09-09T11:25:10")),
			pointer: "/hooks/0/createdDateTime", reason: rfc3339,
		},
		{
			name:    "a fraction in an integer: the schema's type and the Go type; the first",
			body:    body(t, messageResult, with("hooks/0/recipientSeq", raw("1.5"))),
			pointer: "/hooks/0/recipientSeq", reason: "value must be an integer",
		},
		{
			name:    "a number for an enum: the enum and the Go type; the kind",
			body:    body(t, messageResult, with("hooks/0/messageStatus", raw("7"))),
			pointer: "/hooks/0/messageStatus", reason: "value must be a string",
		},
		{
			name:    "an integer beyond int64: the format and the Go range; the format",
			body:    body(t, messageResult, with("hooks/0/recipientSeq", raw("99999999999999999999"))),
			pointer: "/hooks/0/recipientSeq", reason: `integer doesn't match the format "int64" (value should be between -9223372036854775808 and 9223372036854775807)`,
		},
		{
			name:    "an exponent in an integer: the Go type alone",
			body:    body(t, messageResult, with("hooks/0/recipientSeq", raw("1e2"))),
			pointer: "/hooks/0/recipientSeq", reason: "value must be an integer written without a fraction or an exponent",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			verr := reject(t, validate.Strict, tt.body, validate.ErrInvalid, tt.pointer)
			require.Equal(t, tt.reason, verr.Violations[0].Reason)
			require.NotContains(t, verr.Violations[0].Reason, "; ", "one reason, not several joined")
			require.NotContains(t, verr.Violations[0].Reason, "regular expression", "a format explains it")
		})
	}
}
