package smshook

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"sync"
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

// readDeclared reads a body that declares n bytes, n <= limit. The declared length is the client's claim: it is
// trusted for 64 KiB, then for four times what has arrived, and the body ends in a buffer of exactly n bytes
// (one more for the check below). Until a quarter of a larger body has arrived, its bytes go to a staging buffer
// that the next request reuses, so that a large body is allocated once, at its length. One byte more than
// declared shows a body longer than its Content-Length (a request built by hand: net/http's server enforces the
// length), which is read on up to the limit.
func readDeclared(r io.Reader, n, limit int64) ([]byte, error) {
	size := min(n, trustedBytes) + 1
	var stage *[]byte // the staging buffer while buf is in it
	var buf []byte
	if n > trustedBytes {
		stage = staging.Get().(*[]byte)
		defer putStaging(stage)
		buf = slices.Grow((*stage)[:0], int(size))
	} else {
		buf = make([]byte, 0, size)
	}
	for {
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		have := int64(len(buf))
		if err != nil {
			if have == n && (err == io.EOF || err == io.ErrUnexpectedEOF) {
				return unstaged(buf, stage), nil
			}
			return nil, fmt.Errorf("smshook: read body: %w", err)
		}
		if have > n {
			break
		}
		if n-have < 3*have { // a quarter has arrived: the declared length is trusted
			buf = append(make([]byte, 0, n+1), buf...)
			stage = nil
			continue
		}
		buf = slices.Grow(buf, int(3*have)) // room for four times what has arrived
		*stage = buf
	}
	buf = unstaged(buf, stage)
	rest, err := io.ReadAll(io.LimitReader(r, max(limit-n, 0)))
	if err != nil {
		return nil, fmt.Errorf("smshook: read body: %w", err)
	}
	if buf = append(buf, rest...); int64(len(buf)) > limit {
		return nil, errBodyTooLarge
	}
	return buf, nil
}

// trustedBytes is how much of a declared length is trusted before any byte has arrived.
const trustedBytes = 64 << 10

// staging holds the staging buffers of readDeclared; one larger than maxStagingBytes (under a limit raised
// past 4 MiB) is left to the garbage collector.
var staging = sync.Pool{New: func() any { return new([]byte) }}

const maxStagingBytes = 1 << 20

func putStaging(stage *[]byte) {
	if cap(*stage) <= maxStagingBytes {
		*stage = (*stage)[:0]
		staging.Put(stage)
	}
}

// unstaged is buf, copied out of the staging buffer if it is still in it, which the next request reuses.
func unstaged(buf []byte, stage *[]byte) []byte {
	if stage == nil {
		return buf
	}
	return bytes.Clone(buf)
}
