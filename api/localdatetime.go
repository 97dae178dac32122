package api

import (
	"errors"
	"time"
)

// LocalDateTimeLayout is the layout of requestDate and receiveDate: Korean local time with no UTC offset.
const LocalDateTimeLayout = "2006-01-02T15:04:05"

// seoul is Asia/Seoul. Korea has kept UTC+09:00 without daylight saving time since 1988, so a fixed zone
// stands in where the system has no time zone database.
var seoul = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
		return loc
	}
	return time.FixedZone("KST", int(kst/time.Second))
}()

// Seoul returns the Asia/Seoul location in which LocalDateTime values are read.
func Seoul() *time.Location { return seoul }

// LocalDateTime is a wall-clock date and time in Korean local time, as NHN Cloud writes requestDate and
// receiveDate: `yyyy-MM-dd'T'HH:mm:ss`, no offset. The zero value is the zero time.Time. overlay.yaml makes it the
// Go type of those fields and of the KoreanLocalDateTime schema.
type LocalDateTime struct {
	t time.Time // always in Seoul
}

// ParseLocalDateTime reads s in LocalDateTimeLayout as Asia/Seoul time. It fails on any other layout and on
// impossible dates and times (2024-02-30, hour 24, second 60); the error never repeats s.
func ParseLocalDateTime(s string) (LocalDateTime, error) {
	// Read by hand: it runs for every requestDate and receiveDate, and time.Parse is several times slower.
	if len(s) != len(LocalDateTimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return LocalDateTime{}, errLocalDateTime
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
		d > daysIn(time.Month(mo), y) {
		return LocalDateTime{}, errLocalDateTime
	}
	if y >= 1989 { // Seoul has kept +09:00 since its last daylight saving time, in 1988
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC).Add(-kst).In(seoul)
		if _, offset := t.Zone(); offset == int(kst/time.Second) {
			return LocalDateTime{t: t}, nil // what time.Date gives in Seoul, without its two zone lookups
		}
	}
	return LocalDateTime{t: time.Date(y, time.Month(mo), d, h, mi, sec, 0, seoul)}, nil
}

// kst is Korea's offset from UTC.
const kst = 9 * time.Hour

var errLocalDateTime = errors.New("not a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range")

// daysIn returns the number of days of month m in year of the proleptic Gregorian calendar.
func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// NewLocalDateTime returns the Korean local time of t.
func NewLocalDateTime(t time.Time) LocalDateTime {
	return LocalDateTime{t: t.In(seoul).Truncate(time.Second)}
}

// Time returns the instant in Asia/Seoul.
func (d LocalDateTime) Time() time.Time { return d.t }

// IsZero reports whether d is the zero value.
func (d LocalDateTime) IsZero() bool { return d.t.IsZero() }

// String formats d in LocalDateTimeLayout.
func (d LocalDateTime) String() string { return d.t.Format(LocalDateTimeLayout) }

// MarshalText formats d in LocalDateTimeLayout.
func (d LocalDateTime) MarshalText() ([]byte, error) {
	return d.t.AppendFormat(nil, LocalDateTimeLayout), nil
}

// UnmarshalText parses text with ParseLocalDateTime.
func (d *LocalDateTime) UnmarshalText(text []byte) error {
	v, err := ParseLocalDateTime(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
