package decode

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var dateTimeCases = []struct {
	name string
	in   string
	ok   bool
}{
	{name: "vendor layout", in: "2024-05-28T09:00:00.000+09:00", ok: true},
	{name: "Z", in: "2024-05-28T00:00:00Z", ok: true},
	{name: "no fraction, offset", in: "2024-05-28T09:00:00+09:00", ok: true},
	{name: "one fraction digit", in: "2024-05-28T09:00:00.5+09:00", ok: true},
	{name: "nanoseconds", in: "2024-05-28T09:00:00.123456789Z", ok: true},
	{name: "beyond nanoseconds, truncated", in: "2024-05-28T09:00:00.1234567899999Z", ok: true},
	{name: "negative offset", in: "2024-05-27T19:00:00-05:00", ok: true},
	{name: "offset of minutes", in: "2024-05-28T05:30:00+05:30", ok: true},
	{name: "largest offset", in: "2024-05-28T23:59:59+23:59", ok: true},
	{name: "-00:00, unknown local offset", in: "2024-05-28T00:00:00-00:00", ok: true},
	{name: "leap day", in: "2024-02-29T00:00:00Z", ok: true},
	{name: "leap day of a year divisible by 400", in: "2000-02-29T00:00:00Z", ok: true},
	{name: "year 0000", in: "0000-01-01T00:00:00Z", ok: true},
	{name: "year 9999", in: "9999-12-31T23:59:59Z", ok: true},
	{name: "31 December", in: "2024-12-31T23:59:59+09:00", ok: true},

	{name: "one-digit hour", in: "2024-05-28T9:00:00+09:00"},
	{name: "one-digit hour, Z", in: "2024-05-28T9:00:00Z"},
	{name: "one-digit minute", in: "2024-05-28T09:0:00Z"},
	{name: "one-digit second", in: "2024-05-28T09:00:0Z"},
	{name: "one-digit month", in: "2024-5-28T09:00:00Z"},
	{name: "one-digit day", in: "2024-05-8T09:00:00Z"},
	{name: "comma before the fraction", in: "2024-05-28T09:00:00,5+09:00"},
	{name: "comma before the fraction, Z", in: "2024-05-28T09:00:00,000Z"},
	{name: "point without digits", in: "2024-05-28T09:00:00.+09:00"},
	{name: "two fractions", in: "2024-05-28T09:00:00.5.5Z"},
	{name: "offset hour 24", in: "2024-05-28T09:00:00+24:00"},
	{name: "offset minute 60", in: "2024-05-28T09:00:00+09:60"},
	{name: "offset without colon", in: "2024-05-28T09:00:00+0900"},
	{name: "offset of hours only", in: "2024-05-28T09:00:00+09"},
	{name: "one-digit offset hour", in: "2024-05-28T09:00:00+9:00"},
	{name: "offset with seconds", in: "2024-05-28T09:00:00+09:00:00"},
	{name: "no offset", in: "2024-05-28T09:00:00"},
	{name: "zone name", in: "2024-05-28T09:00:00UTC"},
	{name: "lower-case t", in: "2024-05-28t09:00:00Z"},
	{name: "lower-case z", in: "2024-05-28T09:00:00z"},
	{name: "space separator", in: "2024-05-28 09:00:00Z"},
	{name: "second 60", in: "2016-12-31T23:59:60Z"},
	{name: "hour 24", in: "2024-05-28T24:00:00Z"},
	{name: "minute 60", in: "2024-05-28T09:60:00Z"},
	{name: "month 00", in: "2024-00-28T09:00:00Z"},
	{name: "month 13", in: "2024-13-28T09:00:00Z"},
	{name: "day 00", in: "2024-05-00T09:00:00Z"},
	{name: "31 April", in: "2024-04-31T09:00:00Z"},
	{name: "30 February", in: "2024-02-30T09:00:00Z"},
	{name: "29 February of a common year", in: "2023-02-29T09:00:00Z"},
	{name: "29 February of a century", in: "1900-02-29T09:00:00Z"},
	{name: "five-digit year", in: "12024-05-28T09:00:00Z"},
	{name: "signed year", in: "+2024-05-28T09:00:00Z"},
	{name: "sign in a field", in: "2024-05-28T09:+0:00Z"},
	{name: "letter in a field", in: "2024-05-28T09:0a:00Z"},
	{name: "letter in the offset", in: "2024-05-28T09:00:00+0a:00"},
	{name: "trailing space", in: "2024-05-28T09:00:00Z "},
	{name: "leading space", in: " 2024-05-28T09:00:00Z"},
	{name: "date only", in: "2024-05-28"},
	{name: "empty", in: ""},
	{name: "non-ASCII digit", in: "2024-05-28T09:00:0\u0660Z"},
}

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	for _, tt := range dateTimeCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseDateTime(tt.in)
			require.Equal(t, tt.ok, ok, "%q", tt.in)
			if !ok {
				require.Zero(t, got)
				return
			}
			checkAgainstTime(t, tt.in, got)
		})
	}
}

// TestParseDateTimeInstants pins instants and offsets, independently of the time package's reading.
func TestParseDateTimeInstants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   time.Time // the instant, in UTC
		offset int       // seconds east of UTC
	}{
		{in: "2024-05-28T09:00:00.000+09:00", want: time.Date(2024, 5, 28, 0, 0, 0, 0, time.UTC), offset: 9 * 3600},
		{in: "2024-05-28T00:00:00.5Z", want: time.Date(2024, 5, 28, 0, 0, 0, 5e8, time.UTC)},
		{in: "2024-05-28T00:00:00.123456789987Z", want: time.Date(2024, 5, 28, 0, 0, 0, 123456789, time.UTC)},
		{in: "2024-05-27T19:00:00-05:00", want: time.Date(2024, 5, 28, 0, 0, 0, 0, time.UTC), offset: -5 * 3600},
		{in: "2024-05-28T05:30:00+05:30", want: time.Date(2024, 5, 28, 0, 0, 0, 0, time.UTC), offset: 5*3600 + 30*60},
		{in: "2024-01-01T08:59:59+09:00", want: time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC), offset: 9 * 3600},
		{in: "0000-01-01T00:00:00+23:59", want: time.Date(-1, 12, 31, 0, 1, 0, 0, time.UTC), offset: 23*3600 + 59*60},
	}
	for _, tt := range tests {
		got, ok := ParseDateTime(tt.in)
		require.True(t, ok, tt.in)
		require.True(t, tt.want.Equal(got), "%s: got %v, want %v", tt.in, got, tt.want)
		require.Equal(t, tt.offset, zoneOffset(got), tt.in)
		if tt.offset == 0 {
			require.Equal(t, time.UTC, got.Location(), "%s: Z reads as UTC", tt.in)
		}
	}
}

// TestParseDateTimeEveryDay reads noon of every day of a leap year, a common year and the years around 2100.
func TestParseDateTimeEveryDay(t *testing.T) {
	t.Parallel()
	for _, years := range [][2]int{{2023, 2025}, {2099, 2101}} {
		for d := time.Date(years[0], 1, 1, 12, 0, 0, 0, time.UTC); d.Year() < years[1]; d = d.AddDate(0, 0, 1) {
			in := d.Format(time.RFC3339)
			got, ok := ParseDateTime(in)
			require.True(t, ok, in)
			require.Equal(t, d, got, in)
		}
		for _, day := range []string{"-02-29", "-02-30", "-04-31", "-06-31", "-09-31", "-11-31"} {
			in := strconv.Itoa(years[0]+1) + day + "T12:00:00Z"
			_, ok := ParseDateTime(in)
			_, err := time.Parse(time.RFC3339, in)
			require.Equal(t, err == nil, ok, in)
		}
	}
}

// TestUnixDays compares the day count with the time package on every day of years 0000 to 9999.
func TestUnixDays(t *testing.T) {
	t.Parallel()
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 9999; d = d.Add(24 * time.Hour) {
		if got, want := unixDays(d.Year(), int(d.Month()), d.Day()), d.Unix()/86400; got != want {
			t.Fatalf("%s: %d days from 1970-01-01, the time package says %d", d.Format(time.DateOnly), got, want)
		}
	}
}

// rfc3339 is the grammar of RFC 3339 section 5.6 with upper-case T and Z, as a test oracle independent of
// ParseDateTime's byte checks; ranges and calendar days are left to the time package.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// checkAgainstTime asserts that a string ParseDateTime accepted is one time.Parse and time.Time.UnmarshalText
// accept too, with the same instant and offset, and that the value equals UnmarshalText's, location included.
func checkAgainstTime(tb testing.TB, in string, got time.Time) {
	tb.Helper()
	require.Regexp(tb, rfc3339, in)
	want, err := time.Parse(time.RFC3339Nano, in)
	require.NoError(tb, err, "time.Parse refuses what ParseDateTime accepts")
	require.True(tb, want.Equal(got), "%q: got %v, time.Parse says %v", in, got, want)
	require.Equal(tb, zoneOffset(want), zoneOffset(got), "%q: offset", in)
	var unmarshaled time.Time
	require.NoError(tb, unmarshaled.UnmarshalText([]byte(in)))
	require.Equal(tb, unmarshaled, got, "%q: not the value encoding/json reads", in)
}

// FuzzParseDateTime is the differential test against the time package: whatever ParseDateTime accepts,
// time.Parse(time.RFC3339Nano) accepts as the same instant and offset; whatever time.Parse accepts and the
// grammar allows, ParseDateTime accepts. What time.Parse accepts beyond the grammar (a one-digit hour, a comma,
// an offset of +24:00) ParseDateTime refuses.
func FuzzParseDateTime(f *testing.F) {
	for _, tt := range dateTimeCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := ParseDateTime(in)
		if ok {
			checkAgainstTime(t, in, got)
			return
		}
		require.Zero(t, got)
		if _, err := time.Parse(time.RFC3339Nano, in); err == nil {
			require.NotRegexp(t, rfc3339, in, "ParseDateTime refuses a date-time of the grammar time.Parse reads")
		}
	})
}

func zoneOffset(t time.Time) int {
	_, offset := t.Zone()
	return offset
}

var dateTimeSink time.Time

// BenchmarkParseDateTime compares ParseDateTime with the time package on the vendor's layout and on Z.
func BenchmarkParseDateTime(b *testing.B) {
	for _, in := range []string{"2024-05-28T09:00:00.000+09:00", "2024-05-28T00:00:00Z"} {
		b.Run("parser=smshook/"+in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dateTimeSink, _ = ParseDateTime(in)
			}
		})
		b.Run("parser=time.Parse/"+in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dateTimeSink, _ = time.Parse(time.RFC3339Nano, in)
			}
		})
		b.Run("parser=UnmarshalText/"+in, func(b *testing.B) {
			text := []byte(in)
			b.ReportAllocs()
			for b.Loop() {
				_ = dateTimeSink.UnmarshalText(text)
			}
		})
	}
}
