package validate

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMergeRanks checks merge's rule on reasons as kin-openapi and package decode word them: one violation per
// pointer, in order of first appearance, with the reason of the best rank, the first of that rank.
func TestMergeRanks(t *testing.T) {
	t.Parallel()
	const (
		pattern = `string doesn't match the regular expression "^[0-9]{4}$"`
		format  = `string doesn't match the format "korean-local-date-time" (not a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range)`
		enum    = `value is not one of the allowed values ["A","B"]`
		kind    = "value must be a string"
		goKind  = "value must be an integer written without a fraction or an exponent"
		goDate  = "not a valid date-time"
	)
	tests := []struct {
		name string
		in   []Violation
		want []Violation
	}{
		{name: "none", in: nil, want: nil},
		{name: "one", in: []Violation{{"/a", pattern}}, want: []Violation{{"/a", pattern}}},
		{name: "a pattern alone stays", in: []Violation{{"/a", pattern}, {"/b", format}}, want: []Violation{{"/a", pattern}, {"/b", format}}},
		{name: "the format over its pattern and the Go date", in: []Violation{{"/a", pattern}, {"/a", format}, {"/a", goDate}}, want: []Violation{{"/a", format}}},
		{name: "the Go date over the pattern", in: []Violation{{"/a", pattern}, {"/a", goDate}}, want: []Violation{{"/a", goDate}}},
		{name: "the kind over an enum", in: []Violation{{"/a", enum}, {"/a", kind}}, want: []Violation{{"/a", kind}}},
		{name: "the kind over a format", in: []Violation{{"/a", format}, {"/a", kind}}, want: []Violation{{"/a", kind}}},
		{name: "the first of one rank", in: []Violation{{"/a", "value must be an integer"}, {"/a", goKind}}, want: []Violation{{"/a", "value must be an integer"}}},
		{name: "the same reason twice", in: []Violation{{"/a", kind}, {"/a", kind}}, want: []Violation{{"/a", kind}}},
		{
			name: "pointers in order of first appearance",
			in:   []Violation{{"/b", pattern}, {"", "value must be an object"}, {"/a", enum}, {"/b", format}, {"/a", kind}},
			want: []Violation{{"/b", format}, {"", "value must be an object"}, {"/a", kind}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, merge(append([]Violation(nil), tt.in...)))
		})
	}
}
