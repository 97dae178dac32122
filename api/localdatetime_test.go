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
		inputs = append(inputs, d.Format(LocalDateTimeLayout))
	}
	for _, in := range inputs {
		want, wantErr := time.ParseInLocation(LocalDateTimeLayout, in, Seoul())
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
