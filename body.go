package smshook

import (
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
)

// defaultMaxBodyBytes is the default body limit: 1 MiB.
const defaultMaxBodyBytes int64 = 1 << 20

// isJSON accepts application/json with any parameters (NHN Cloud sends "application/json;charset=UTF-8").
func isJSON(contentType string) bool {
	switch contentType {
	case "application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8":
		return true // the common spellings, without parsing
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

// mediaTypeError is a refused Content-Type; it names the media type that arrived, without its parameters, so
// that the sender learns what it sent and nothing of the header is echoed beyond a token.
type mediaTypeError struct{ got string }

func unsupportedMediaType(contentType string) error {
	got := "no Content-Type"
	if contentType != "" {
		got = "a Content-Type that is not a media type"
		if mediaType, _, err := mime.ParseMediaType(contentType); err == nil && len(mediaType) <= 100 {
			got = mediaType
		}
	}
	return &mediaTypeError{got: got}
}

func (e *mediaTypeError) Error() string {
	return errUnsupportedMediaType.Error() + ": received " + e.got
}

func (e *mediaTypeError) Unwrap() error { return errUnsupportedMediaType }

// readBody reads the whole body of r, or fails with errBodyTooLarge as soon as it is known to exceed limit
// bytes: at once when Content-Length says so, otherwise after reading limit+1 bytes. An error from the
// connection (a client that went away) is returned wrapped.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	if r.Body == nil { // a client-side request without a body
		return []byte{}, nil
	}
	if n := r.ContentLength; n >= 0 {
		return readDeclared(r.Body, n, limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("smshook: read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// readDeclared reads a body that declares n bytes, n <= limit. The declared length is the client's claim: the
// buffer trusts it for 64 KiB, then for four times what has arrived, and ends at exactly n bytes. One byte more
// than declared shows a body longer than its Content-Length (a request built by hand: net/http's server
// enforces the length), which is read on up to the limit.
func readDeclared(r io.Reader, n, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<10)+1)
	for {
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		have := int64(len(buf))
		if err != nil {
			if have == n && (err == io.EOF || err == io.ErrUnexpectedEOF) {
				return buf, nil
			}
			return nil, fmt.Errorf("smshook: read body: %w", err)
		}
		if have > n {
			break
		}
		size := 4 * have
		if n-have < 3*have {
			size = n + 1
		}
		buf = append(make([]byte, 0, size), buf...)
	}
	rest, err := io.ReadAll(io.LimitReader(r, max(limit-n, 0)))
	if err != nil {
		return nil, fmt.Errorf("smshook: read body: %w", err)
	}
	if buf = append(buf, rest...); int64(len(buf)) > limit {
		return nil, errBodyTooLarge
	}
	return buf, nil
}
