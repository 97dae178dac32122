package api

import (
	"bytes"
	"errors"
	"strconv"
)

// SeqNumber is a sequence number that the vendor's table types Integer while its example writes it as a string
// of digits: Email's mailSeq ("mailSeq": "0"). It reads either, and writes a JSON integer. overlay.yaml makes it
// the Go type of mailSeq, which openapi.yaml describes as an integer or a string of decimal digits.
type SeqNumber int64

var errSeqNumber = errors.New("api: a sequence number is an integer or a string of decimal digits")

// ParseSeqNumber reads s, decimal digits without a sign or a leading zero (but "0"), as a SeqNumber; it fails on
// anything else and on a value out of the int64 range, and the error never repeats s.
func ParseSeqNumber(s string) (SeqNumber, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] < '0' || s[0] > '9' {
		return 0, errSeqNumber
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errSeqNumber
	}
	return SeqNumber(n), nil
}

// UnmarshalJSON implements json.Unmarshaler: a JSON integer, or a string of decimal digits.
func (n *SeqNumber) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' && b[len(b)-1] == '"' && !bytes.ContainsRune(b, '\\') {
		v, err := ParseSeqNumber(string(b[1 : len(b)-1]))
		if err == nil {
			*n = v
		}
		return err
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errSeqNumber
	}
	*n = SeqNumber(v)
	return nil
}

// MarshalJSON implements json.Marshaler: a JSON integer.
func (n SeqNumber) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(n), 10), nil }
