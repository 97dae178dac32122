package validate

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
)

// CheckContentType accepts application/json with any parameters (NHN Cloud sends
// "application/json;charset=UTF-8"). Otherwise it returns an *Error wrapping ErrUnsupportedMediaType.
func CheckContentType(contentType string) error {
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
	// Trust Content-Length for the first allocation only up to a point: it is the client's claim.
	size := int64(512)
	if r.ContentLength >= 0 {
		size = min(r.ContentLength, 64<<10)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1)) // +1: room to see EOF without growing
	n, err := buf.ReadFrom(io.LimitReader(r.Body, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("validate: read body: %w", err)
	}
	if n > limit {
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
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
