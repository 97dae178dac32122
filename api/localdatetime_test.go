package api

import (
	"testing"
	"time"
)

// TestParseLocalDateTimeAgreesWithTimeParse compares the hand-written reader with time.ParseInLocation on
// every day of four years (a leap year among them) and on malformed inputs.
func TestParseLocalDateTimeAgreesWithTimeParse(t *testing.T) {
	inputs := []string{"2024-04-29T20:58:02", "2024-02-29T00:00:00", "2023-02-29T00:00:00", "2024-02-30T00:00:00",
		"2024-13-01T00:00:00", "2024-00-01T00:00:00", "2024-01-00T00:00:00", "2024-01-01T24:00:00", "2024-01-01T23:60:00",
		"2024-01-01T23:59:60", "2024-04-29T20:58:02.5", "2024-04-29 20:58:02", "2024-04-29T20:58:0x", "+024-04-29T20:58:02",
		"2024-04-29T20:58:02Z", "", "2024-4-29T20:58:02", "0000-01-01T00:00:00", "9999-12-31T23:59:59", "2024-04-31T00:00:00"}
	for d := time.Date(2023, 1, 1, 13, 7, 9, 0, time.UTC); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
		inputs = append(inputs, d.Format(LocalDateTimeLayout), d.Format(LocalDateTimeSpaceLayout))
	}
	for _, in := range inputs {
		layout := LocalDateTimeLayout
		if len(in) > 10 && in[10] == ' ' {
			layout = LocalDateTimeSpaceLayout
		}
		want, wantErr := time.ParseInLocation(layout, in, Seoul())
		if len(in) != len(LocalDateTimeLayout) {
			wantErr = errLocalDateTime // time.Parse accepts a fraction the layout does not have
		}
		got, err := ParseLocalDateTime(in)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, time.Parse says %v", in, err, wantErr)
		}
		if err == nil && !got.Time().Equal(want) {
			t.Fatalf("%q: %v, time.Parse says %v", in, got.Time(), want)
		}
	}
}

// TestParseLocalDateTimeIsStrict lists what time.Parse would let through with the layout, or what RFC 3339 would
// allow, and the vendor's layout does not: every field has exactly its digits, no sign, no space, no fraction,
// no offset, an upper-case T.
func TestParseLocalDateTimeIsStrict(t *testing.T) {
	for _, in := range []string{"2024-04-29T9:58:02", "2024-04-29T20:5:02", "2024-04-29T20:58:2", "2024-04-29T+9:58:02",
		"2024-04-29T 9:58:02", "2024-04-29T-9:58:02", "2024-04-29T20:58:02,5", "2024-04-29T20:58:02.", "2024-04-29t20:58:02",
		"2024-04-29T20:58:02+09:00", "2024-04-29T20:58:02z", "2024-04-9T20:58:02", "2024-04-29T9:58:002", "2024-04-29T9:058:02",
		"2024-04-2٩T20:58:02", "12024-04-29T20:58:02", "2024-04-29T20:58:02 "} {
		if _, err := ParseLocalDateTime(in); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

// TestParseLocalDateTimeEqualsTimeDate compares the values, location included, with time.Date in Seoul on every
// hour of the years around Korea's last daylight saving time and on a day of every year since.
func TestParseLocalDateTimeEqualsTimeDate(t *testing.T) {
	check := func(d time.Time) {
		in := d.Format(LocalDateTimeLayout)
		got, err := ParseLocalDateTime(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if want := time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), 0, Seoul()); got.Time() != want {
			t.Fatalf("%q: %v, time.Date says %v", in, got.Time(), want)
		}
	}
	for d := time.Date(1986, 1, 1, 0, 30, 59, 0, time.UTC); d.Year() < 1991; d = d.Add(time.Hour) {
		check(d)
	}
	for d := time.Date(1991, 2, 28, 23, 59, 59, 0, time.UTC); d.Year() <= 9999; d = d.AddDate(1, 0, 0) {
		check(d)
	}
}

func BenchmarkParseLocalDateTime(b *testing.B) {
	for b.Loop() {
		if _, err := ParseLocalDateTime("2024-04-29T20:58:02"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLocalDateTimeReadsEveryProduct: one type holds every product's dates. SMS's and KakaoTalk's layouts and
// Email's RFC 3339 with an offset read as the same instant in Seoul and write back as sent; a value that is no
// date-time (the KakaoTalk page's "String", its date-only example) is kept as sent, with Valid false.
func TestLocalDateTimeReadsEveryProduct(t *testing.T) {
	want := time.Date(2024, 4, 29, 20, 58, 2, 0, Seoul())
	for _, in := range []string{"2024-04-29T20:58:02", "2024-04-29 20:58:02", "2024-04-29T20:58:02.000+09:00", "2024-04-29T11:58:02Z"} {
		var d LocalDateTime
		if err := d.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !d.Valid() || !d.Time().Equal(want) || d.Time().Location() != Seoul() {
			t.Errorf("%q: %v (valid %v), want %v in Seoul", in, d.Time(), d.Valid(), want)
		}
		if out, _ := d.MarshalText(); string(out) != in || d.String() != in {
			t.Errorf("%q writes back as %q", in, out)
		}
	}
	for _, in := range []string{"String", "2023-06-01", "2024-02-30 00:00:00", ""} {
		d := ReadLocalDateTime(in)
		if d.Valid() || !d.Time().IsZero() || d.String() != in {
			t.Errorf("%q: valid %v, time %v, string %q", in, d.Valid(), d.Time(), d.String())
		}
	}
	if !(LocalDateTime{}).IsZero() || ReadLocalDateTime("String").IsZero() {
		t.Error("IsZero: only the zero value")
	}
}
