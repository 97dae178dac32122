package validate

import (
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
)

// CheckContentType accepts application/json with any parameters (NHN Cloud sends
// "application/json;charset=UTF-8"). Otherwise it returns an *Error wrapping ErrUnsupportedMediaType.
func CheckContentType(contentType string) error {
	switch contentType {
	case "application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8":
		return nil // the common spellings, without parsing
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		return newError(ErrUnsupportedMediaType, "", "Content-Type must be application/json")
	}
	return nil
}

// ReadBody reads the whole body of r, or fails with an *Error wrapping ErrBodyTooLarge as soon as it is known
// to exceed limit bytes: at once when Content-Length says so, otherwise after reading limit+1 bytes. An error
// from the connection (a client that went away) is returned as it is.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	if r.Body == nil { // a client-side request without a body
		return []byte{}, nil
	}
	// A declared length is read into a buffer of that size; it is the client's claim, so it is trusted for the
	// first allocation only up to 64 KiB (NHN Cloud's deliveries are far smaller).
	if n := r.ContentLength; n >= 0 && n <= 64<<10 {
		// One byte more than declared shows a body longer than its Content-Length (a request built by hand:
		// net/http's server enforces the length).
		body := make([]byte, n+1)
		m, err := io.ReadFull(r.Body, body)
		switch {
		case int64(m) == n && (err == io.ErrUnexpectedEOF || err == io.EOF):
			return body[:n], nil
		case err != nil:
			return nil, fmt.Errorf("validate: read body: %w", err)
		}
		rest, err := io.ReadAll(io.LimitReader(r.Body, max(limit-n, 0)))
		if err != nil {
			return nil, fmt.Errorf("validate: read body: %w", err)
		}
		if body = append(body, rest...); int64(len(body)) > limit {
			return nil, tooLarge(limit)
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("validate: read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, tooLarge(limit)
	}
	return body, nil
}

func tooLarge(limit int64) *Error {
	return newError(ErrBodyTooLarge, "", "body is larger than %d bytes", limit)
}

// Request checks the Content-Type of r, reads its body within the Validator's limit and validates it with
// Body. It does not check the signature: that is the receiver's first step, before any byte is read.
func (v *Validator) Request(r *http.Request) (*Delivery, error) {
	if err := CheckContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := ReadBody(r, v.maxBody)
	if err != nil {
		return nil, err
	}
	return v.Body(body)
}
