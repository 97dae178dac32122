package api

import (
	"errors"
	"time"
)

// LocalDateTimeLayout is the layout of SMS's requestDate and receiveDate: Korean local time with no UTC offset.
const LocalDateTimeLayout = "2006-01-02T15:04:05"

// LocalDateTimeSpaceLayout is the same with a space for the T, as the vendor's KakaoTalk Bizmessage APIs write
// their dates.
const LocalDateTimeSpaceLayout = "2006-01-02 15:04:05"

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

// LocalDateTime is a date and time as the NHN Cloud family writes it, read as Korean local time: the one Go type
// of every product's dates (SMS's requestDate and receiveDate, KakaoTalk Bizmessage's requestDate, createDate,
// receiveDate and updateDate, Email's requestDate, createDate and resultDate). overlay.yaml makes it their type.
//
// The products write them differently: SMS `yyyy-MM-dd'T'HH:mm:ss` (LocalDateTimeLayout; the contract requires
// it, so an SMS date always reads), KakaoTalk Bizmessage `yyyy-MM-dd HH:mm:ss` (LocalDateTimeSpaceLayout), Email
// RFC 3339 with milliseconds and an offset (`2020-09-09T11:25:10.000+09:00`). The KakaoTalk and Email pages state
// no format and their own examples print other values (`"String"`, `2023-06-01`), so the contract takes any
// string there: such a value is kept as sent, String returns it, and Valid reports false. Time returns the
// instant in Asia/Seoul, or the zero time.Time for a value that is no date-time. The zero value is the zero
// time.Time.
type LocalDateTime struct {
	t   time.Time // in Seoul; zero for a value that is no date-time
	raw string    // the value as sent, where String would not write it back: another layout, or no date-time
}

// ParseLocalDateTime reads s in LocalDateTimeLayout or LocalDateTimeSpaceLayout as Asia/Seoul time. It fails
// on any other layout and on impossible dates and times (2024-02-30, hour 24, second 60); the error never
// repeats s.
func ParseLocalDateTime(s string) (LocalDateTime, error) {
	// Read by hand: it runs for every requestDate and receiveDate, and time.Parse is several times slower.
	if len(s) != len(LocalDateTimeLayout) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
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
	y, mo, day, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || day < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
		day > daysIn(time.Month(mo), y) {
		return LocalDateTime{}, errLocalDateTime
	}
	var d LocalDateTime
	if s[10] == ' ' {
		d.raw = s
	}
	if y >= 1989 { // Seoul has kept +09:00 since its last daylight saving time, in 1988
		t := time.Date(y, time.Month(mo), day, h, mi, sec, 0, time.UTC).Add(-kst).In(seoul)
		if _, offset := t.Zone(); offset == int(kst/time.Second) {
			d.t = t // what time.Date gives in Seoul, without its two zone lookups
			return d, nil
		}
	}
	d.t = time.Date(y, time.Month(mo), day, h, mi, sec, 0, seoul)
	return d, nil
}

// kst is Korea's offset from UTC.
const kst = 9 * time.Hour

var errLocalDateTime = errors.New("not a date-time of the form yyyy-MM-ddTHH:mm:ss or yyyy-MM-dd HH:mm:ss in a valid range")

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

// NewLocalDateTime returns the Korean local time of t, written in LocalDateTimeLayout.
func NewLocalDateTime(t time.Time) LocalDateTime {
	return LocalDateTime{t: t.In(seoul).Truncate(time.Second)}
}

// Time returns the instant in Asia/Seoul; the zero time.Time when d holds no date-time.
func (d LocalDateTime) Time() time.Time { return d.t }

// Valid reports whether d holds a date-time: false for the zero value and for a value kept as sent.
func (d LocalDateTime) Valid() bool { return !d.t.IsZero() }

// IsZero reports whether d is the zero value.
func (d LocalDateTime) IsZero() bool { return d.t.IsZero() && d.raw == "" }

// String returns d as the vendor wrote it, or, for a value made by NewLocalDateTime, in LocalDateTimeLayout; ""
// for the zero value.
func (d LocalDateTime) String() string {
	if d.raw != "" || d.t.IsZero() {
		return d.raw
	}
	return d.t.Format(LocalDateTimeLayout)
}

// MarshalText writes d as String does, so that a delivery reads back as it was sent.
func (d LocalDateTime) MarshalText() ([]byte, error) {
	if d.raw != "" || d.t.IsZero() {
		return []byte(d.raw), nil
	}
	return d.t.AppendFormat(nil, LocalDateTimeLayout), nil
}

// UnmarshalText reads text with ParseLocalDateTime, or as RFC 3339 with an offset (Email's dates), in Seoul. A
// value in neither is kept as sent, with Valid false: where the contract requires a date-time (SMS), the
// validator has already refused it; elsewhere it takes any string.
func (d *LocalDateTime) UnmarshalText(text []byte) error {
	*d = ReadLocalDateTime(string(text))
	return nil
}

// ReadLocalDateTime reads s as UnmarshalText does: it never fails, and keeps a value that is no date-time as
// sent.
func ReadLocalDateTime(s string) LocalDateTime {
	if v, err := ParseLocalDateTime(s); err == nil {
		return v
	}
	if len(s) > len(LocalDateTimeLayout) && s[10] == 'T' {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return LocalDateTime{t: t.In(seoul), raw: s}
		}
	}
	return LocalDateTime{raw: s}
}
