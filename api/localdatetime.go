package api

import (
	"fmt"
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
	return time.FixedZone("KST", 9*60*60)
}()

// Seoul returns the Asia/Seoul location in which LocalDateTime values are read.
func Seoul() *time.Location { return seoul }

// LocalDateTime is a wall-clock date and time in Korean local time, as NHN Cloud writes requestDate and
// receiveDate: `yyyy-MM-dd'T'HH:mm:ss`, no offset. The zero value is the zero time.Time.
type LocalDateTime struct {
	t time.Time // always in Seoul
}

// ParseLocalDateTime reads s in LocalDateTimeLayout as Asia/Seoul time. It fails on any other layout and on
// impossible dates and times (2024-02-30, second 60); the error never repeats s.
func ParseLocalDateTime(s string) (LocalDateTime, error) {
	// time.Parse accepts a fraction after the seconds that the layout does not have: insist on the length.
	t, err := time.ParseInLocation(LocalDateTimeLayout, s, seoul)
	if err != nil || len(s) != len(LocalDateTimeLayout) {
		return LocalDateTime{}, fmt.Errorf("not a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range")
	}
	return LocalDateTime{t: t}, nil
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
