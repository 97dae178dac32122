package decode

import (
	"errors"
	"time"

	"github.com/smshook/smshook/api"
)

// ErrNotDateTime is the reason of a date-time that ParseDateTime refuses.
var ErrNotDateTime = errors.New("not an RFC 3339 date-time in a valid range")

// ParseDateTime reads s as an RFC 3339 date-time, by the grammar of its section 5.6:
//
//	date-time    = full-date "T" partial-time time-offset
//	full-date    = 4DIGIT "-" 2DIGIT "-" 2DIGIT                 2024-05-28
//	partial-time = 2DIGIT ":" 2DIGIT ":" 2DIGIT ["." 1*DIGIT]   09:00:00 or 09:00:00.000
//	time-offset  = "Z" / ("+" / "-") 2DIGIT ":" 2DIGIT          Z or +09:00
//
// with a day that exists in its month, hour ≤ 23, minute and second ≤ 59
// (no leap second: time.Time has none), and an offset of hour ≤ 23 and minute ≤ 59. It refuses what Go's
// time.Parse lets through (a one-digit hour, a comma before the fraction, an offset of +24:00 or +09:60).
//
// "T" and "Z" must be upper case. RFC 3339 allows "t" and "z", and lets a specification in a case-sensitive
// context such as JSON require upper case; Go's time package, and thus encoding/json, refuses the lower case,
// so accepting it would validate what a Go decoder of the same body cannot read.
//
// It returns the time as time.Time.UnmarshalText does, so that a bound value equals the one encoding/json
// gives: UTC for Z, time.Local when its offset at that instant is the one written, else a fixed zone of that
// offset; a fraction beyond nanoseconds is truncated. ok is false for anything else.
func ParseDateTime(s string) (t time.Time, ok bool) {
	const minLen = len("2006-01-02T15:04:05Z")
	if len(s) < minLen || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	hi, lo := digits2(s, 0), digits2(s, 2)
	month, day := digits2(s, 5), digits2(s, 8)
	hour, minute, second := digits2(s, 11), digits2(s, 14), digits2(s, 17)
	if hi < 0 || lo < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 {
		return time.Time{}, false
	}
	year := hi*100 + lo
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, false
	}

	i, nsec := len("2006-01-02T15:04:05"), 0
	if s[i] == '.' {
		i++
		start := i
		for scale := 100_000_000; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			nsec += int(s[i]-'0') * scale // digits beyond the ninth add 0
			scale /= 10
		}
		if i == start {
			return time.Time{}, false
		}
	}

	unix := unixDays(year, month, day)*86400 + int64(hour*3600+minute*60+second)
	rest := s[i:]
	if rest == "Z" {
		return time.Unix(unix, int64(nsec)).UTC(), true
	}
	if len(rest) != len("+09:00") || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return time.Time{}, false
	}
	oh, om := digits2(rest, 1), digits2(rest, 4)
	if oh < 0 || oh > 23 || om < 0 || om > 59 {
		return time.Time{}, false
	}
	offset := (oh*60 + om) * 60
	if rest[0] == '-' {
		offset = -offset
	}
	t = time.Unix(unix-int64(offset), int64(nsec)) // in time.Local
	if _, local := t.Zone(); local == offset {
		return t, true
	}
	return t.In(time.FixedZone("", offset)), true // whole hours come from a cache: no allocation
}

// unixDays returns the days from 1970-01-01 to a date of the proleptic Gregorian calendar, year 0 to 9999, by
// counting 400-year eras from 1 March of year 0 (then the leap day ends a year); the year is shifted by one
// era so that every division is of non-negative numbers.
func unixDays(year, month, day int) int64 {
	const daysPerEra = 400*365 + 97
	y := year + 400
	if month <= 2 {
		y--
	}
	era, yearOfEra := y/400, y%400
	dayOfYear := (153*((month+9)%12)+2)/5 + day - 1 // from 1 March
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	const epoch = 719468 + daysPerEra // 1970-01-01 from 0000-03-01, plus the shifted era
	return int64(era*daysPerEra + dayOfEra - epoch)
}

// digits2 returns the value of the two decimal digits at s[i:i+2], or -1 when one is not a digit.
func digits2(s string, i int) int {
	a, b := s[i]-'0', s[i+1]-'0' // a byte below '0' wraps around to above 9
	if a > 9 || b > 9 {
		return -1
	}
	return int(a)*10 + int(b)
}

// daysIn returns the number of days of month (1 to 12) in year of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// IsKoreanLocalDateTime reports whether s is of the spec's format korean-local-date-time, SMS's dates: the form
// of MatchLocalDateTimeForm (yyyy-MM-ddTHH:mm:ss, never the space that api.ParseLocalDateTime also reads) with
// a date that exists. The validator's format and structcheck's rule both call it.
func IsKoreanLocalDateTime(s string) bool {
	if !MatchLocalDateTimeForm(s) {
		return false
	}
	_, err := api.ParseLocalDateTime(s)
	return err == nil
}

// MatchLocalDateTimeForm reports whether s matches the pattern of KoreanLocalDateTime in openapi.yaml: yyyy-MM-ddTHH:mm:ss with a month of
// 01 to 12, a day of 01 to 31, an hour of 00 to 23 and minutes and seconds of 00 to 59.
func MatchLocalDateTimeForm(s string) bool {
	if len(s) != len("2006-01-02T15:04:05") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	month, day := digits2(s, 5), digits2(s, 8)
	hour, minute, second := digits2(s, 11), digits2(s, 14), digits2(s, 17)
	return digits2(s, 0) >= 0 && digits2(s, 2) >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
		hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59
}
