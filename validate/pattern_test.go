package validate

import (
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
)

var localDateTimeRegexp = regexp.MustCompile(localDateTimePattern)

var patternCases = []string{"2024-04-29T20:58:02", "0000-01-01T00:00:00", "9999-12-31T23:59:59", "2024-02-31T00:00:00",
	"2024-00-01T00:00:00", "2024-13-01T00:00:00", "2024-01-00T00:00:00", "2024-01-32T00:00:00", "2024-01-01T24:00:00",
	"2024-01-01T23:60:00", "2024-01-01T23:59:60", "2024-04-29T20:58:02Z", "2024-04-29T20:58:02\n", "2024-04-29 20:58:02",
	"2024-4-29T20:58:02", "2024-04-29T9:58:02", "2024-04-29t20:58:02", "+024-04-29T20:58:02", "2024-04-29T20:58:0\xff",
	"２024-04-29T20:58:02", "", "2024-04-29T20:58", "\x002024-04-29T20:58:02"}

// FuzzLocalDateTimePattern: the byte checks that kin-openapi runs for localDateTimePattern accept exactly what the
// regular expression accepts.
func FuzzLocalDateTimePattern(f *testing.F) {
	for _, s := range patternCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		require.Equal(t, localDateTimeRegexp.MatchString(s), decode.MatchLocalDateTimeForm(s), "%q", s)
	})
}

// TestLocalDateTimePatternIsTheSpecs fails when openapi.yaml's pattern for requestDate and receiveDate is no
// longer localDateTimePattern: package regexp would then check it, correctly but slowly.
func TestLocalDateTimePatternIsTheSpecs(t *testing.T) {
	t.Parallel()
	doc, err := api.GetSpec()
	require.NoError(t, err)
	hook := doc.Components.Schemas["MessageResultUpdateHook"].Value
	for _, s := range []*openapi3.Schema{doc.Components.Schemas["KoreanLocalDateTime"].Value,
		hook.Properties["requestDate"].Value, hook.Properties["receiveDate"].Value} {
		require.Equal(t, localDateTimePattern, s.Pattern)
	}
}

func TestCompilePattern(t *testing.T) {
	t.Parallel()
	m, err := compilePattern(localDateTimePattern)
	require.NoError(t, err)
	for _, s := range patternCases {
		require.Equal(t, localDateTimeRegexp.MatchString(s), m.MatchString(s), "%q", s)
	}
	m, err = compilePattern(`^\u00E9+$`) // the escape kin-openapi rewrites (upper-case hex only, as it does)
	require.NoError(t, err)
	require.True(t, m.MatchString("éé"))
	require.False(t, m.MatchString("e"))
	m, err = compilePattern(`(`)
	require.Error(t, err)
	require.Nil(t, m, "a typed nil would pass kin-openapi's nil check")
}

func BenchmarkLocalDateTimePattern(b *testing.B) {
	for _, impl := range []struct {
		name  string
		match func(string) bool
	}{{"bytes", decode.MatchLocalDateTimeForm}, {"regexp", localDateTimeRegexp.MatchString}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				if !impl.match("2024-04-29T20:58:02") {
					b.Fatal("no match")
				}
			}
		})
	}
}
