package smshook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

func TestIsJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		contentType string
		ok          bool
	}{
		{contentType: "application/json", ok: true},
		{contentType: "application/json;charset=UTF-8", ok: true},
		{contentType: "application/json; charset=utf-8", ok: true},
		{contentType: "Application/JSON", ok: true},
		{contentType: "application/json ; charset=EUC-KR", ok: true},
		{contentType: "text/plain"},
		{contentType: ""},
		{contentType: "application/jsonx"},
		{contentType: "application/problem+json"},
		{contentType: "application/x-www-form-urlencoded"},
		{contentType: "application/json;charset"},
		{contentType: "json"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.contentType), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.ok, isJSON(tt.contentType))
		})
	}
}

// unreadable fails the test when read: the body of a request that must be refused unread.
type unreadable struct{ tb testing.TB }

func (u unreadable) Read([]byte) (int, error) {
	u.tb.Error("the body was read")
	return 0, io.ErrUnexpectedEOF
}

// failing returns its data, then err.
type failing struct {
	data []byte
	err  error
}

func (f *failing) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	const limit = 64
	errConnection := errors.New("connection reset")
	small := []byte(`{"a":1}`)
	large := bytes.Repeat([]byte("0123456789"), 30<<10) // 300 KiB
	tests := []struct {
		name          string
		body          func(testing.TB) io.Reader // nil: the request has no Body, as a client request may
		contentLength int64
		limit         int64 // 64 when 0
		want          []byte
		err           error // the cause, or nil
	}{
		{
			name:          "declared length over the limit",
			body:          func(tb testing.TB) io.Reader { return unreadable{tb} },
			contentLength: limit + 1,
			err:           errBodyTooLarge,
		},
		{
			name:          "declared length far over the limit",
			body:          func(tb testing.TB) io.Reader { return unreadable{tb} },
			contentLength: 1 << 40,
			err:           errBodyTooLarge,
		},
		{
			name:          "unknown length, one byte over the limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(bytes.Repeat([]byte("a"), limit+1)) },
			contentLength: -1,
			err:           errBodyTooLarge,
		},
		{
			name:          "unknown length, exactly the limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(bytes.Repeat([]byte("a"), limit)) },
			contentLength: -1,
			want:          bytes.Repeat([]byte("a"), limit),
		},
		{
			name:          "declared length of exactly the limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(bytes.Repeat([]byte("b"), limit)) },
			contentLength: limit,
			want:          bytes.Repeat([]byte("b"), limit),
		},
		{
			name:          "declared length too small",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(bytes.Repeat([]byte("c"), limit+1)) },
			contentLength: 3,
			err:           errBodyTooLarge,
		},
		{
			name:          "empty",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(nil) },
			contentLength: 0,
			want:          []byte{},
		},
		{
			name:          "connection error",
			body:          func(testing.TB) io.Reader { return &failing{data: []byte("{"), err: errConnection} },
			contentLength: -1,
			err:           errConnection,
		},
		{
			name:          "connection error, declared length",
			body:          func(testing.TB) io.Reader { return &failing{data: []byte("{"), err: errConnection} },
			contentLength: 7,
			err:           errConnection,
		},
		{
			name:          "largest limit, unknown length",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(small) },
			contentLength: -1,
			limit:         math.MaxInt64,
			want:          small,
		},
		{
			name:          "largest limit, declared length",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(small) },
			contentLength: int64(len(small)),
			limit:         math.MaxInt64,
			want:          small,
		},
		{
			// Shorter than declared, as net/http's server reports it; the claim made no buffer of its size.
			name:          "declared length of the largest limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(small) },
			contentLength: math.MaxInt64,
			limit:         math.MaxInt64,
			err:           io.ErrUnexpectedEOF,
		},
		{
			name:          "declared length of the largest limit, 300 KiB sent",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(large) },
			contentLength: math.MaxInt64,
			limit:         math.MaxInt64,
			err:           io.ErrUnexpectedEOF,
		},
		{
			name:          "declared length beyond 64 KiB, sent whole",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(large) },
			contentLength: int64(len(large)),
			limit:         1 << 20,
			want:          large,
		},
		{
			name:          "declared length beyond 64 KiB, one byte short",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(large[1:]) },
			contentLength: int64(len(large)),
			limit:         1 << 20,
			err:           io.ErrUnexpectedEOF,
		},
		{
			name:          "declared length beyond 64 KiB, longer than declared, within the limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(large) },
			contentLength: int64(len(large)) - 1,
			limit:         1 << 20,
			want:          large,
		},
		{
			name:          "declared length beyond 64 KiB, longer than declared, over the limit",
			body:          func(testing.TB) io.Reader { return bytes.NewReader(large) },
			contentLength: int64(len(large)) - 1,
			limit:         int64(len(large)) - 1,
			err:           errBodyTooLarge,
		},
		{
			name:          "no Body",
			contentLength: 0,
			want:          []byte{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Body = nil
			if tt.body != nil {
				r.Body = io.NopCloser(tt.body(t))
			}
			r.ContentLength = tt.contentLength
			limit := tt.limit
			if limit == 0 {
				limit = 64
			}
			var got []byte
			var err error
			require.NotPanics(t, func() { got, err = readBody(r, limit) })
			switch {
			case tt.err == nil:
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			case errors.Is(tt.err, errBodyTooLarge):
				require.Nil(t, got)
				require.ErrorIs(t, err, errBodyTooLarge)
			default:
				require.Nil(t, got)
				require.ErrorIs(t, err, tt.err)
				require.NotErrorIs(t, err, errBodyTooLarge)
			}
		})
	}
}

// TestReadDeclared reads declared bodies through readers that split them as a connection may: one byte at a
// time, and the last data together with io.EOF, across the buffer's growth from 64 KiB.
func TestReadDeclared(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("0123456789abcdef"), 20<<10) // 320 KiB: the buffer grows three times
	readers := map[string]func([]byte) io.Reader{
		"whole":            func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte a time":  func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half of each":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"EOF with data":    func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
		"one byte and EOF": func(b []byte) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(bytes.NewReader(b))) },
	}
	for name, reader := range readers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, n := range []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 256 << 10, len(body)} {
				got, err := readDeclared(reader(body[:n]), int64(n), 1<<20)
				require.NoError(t, err, "%d bytes", n)
				require.Equal(t, body[:n], got, "%d bytes", n)
			}
			// One byte short of the declared length.
			got, err := readDeclared(reader(body[:len(body)-1]), int64(len(body)), 1<<20)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			require.Nil(t, got)
			// Longer than declared: read on up to the limit.
			got, err = readDeclared(reader(body), 100, int64(len(body)))
			require.NoError(t, err)
			require.Equal(t, body, got)
			got, err = readDeclared(reader(body), 100, int64(len(body))-1)
			require.ErrorIs(t, err, errBodyTooLarge)
			require.Nil(t, got)
		})
	}
	t.Run("a small declared body is read into a buffer of its size", func(t *testing.T) {
		t.Parallel()
		got, err := readDeclared(bytes.NewReader(body[:10]), 10, 1<<20)
		require.NoError(t, err)
		require.Equal(t, body[:10], got)
		require.LessOrEqual(t, cap(got), 11)
	})
}

// TestReadDeclaredAllocatesOnce: a large declared body is allocated once, at its length, the buffers of its
// first bytes reused from one request to the next. Not parallel: it counts the bytes the process allocates.
func TestReadDeclaredAllocatesOnce(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 20<<10) // 320 KiB: staged up to 64 KiB, then 256 KiB
	read := func() {
		got, err := readDeclared(bytes.NewReader(body), int64(len(body)), 1<<20)
		require.NoError(t, err)
		require.Len(t, got, len(body))
	}
	read() // the staging buffer is made
	// The fewest bytes one read allocated: sync.Pool may drop what it is given (a quarter of it under the race
	// detector), and a read that finds no staging buffer makes one; most reads find it.
	fewest := uint64(math.MaxUint64)
	for range 20 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		read()
		runtime.ReadMemStats(&after)
		fewest = min(fewest, after.TotalAlloc-before.TotalAlloc)
	}
	require.Less(t, fewest, uint64(len(body))*5/4, "bytes allocated by a read of a %d-byte body", len(body))
}

// TestRequestBody goes through a handler's reading of a request, content type, limit and body, in order: what
// is refused before the body is validated, and what reaches the application.
func TestRequestBody(t *testing.T) {
	t.Parallel()
	vendor := fixtures.Read("unsubscribe.json")
	invalid := bytes.Replace(vendor, []byte(`"recipientNo"`), []byte(`"recipient"`), 1)
	require.NotEqual(t, vendor, invalid)
	unknownEvent := bytes.Replace(vendor, []byte(`"UNSUBSCRIBE"`), []byte(`"NEW_EVENT"`), 1)
	require.NotEqual(t, vendor, unknownEvent)
	tests := []struct {
		name        string
		opts        []Option
		contentType string
		body        []byte // nil: the request has no Body
		status      int
		err         error         // the cause of a refusal
		event       api.EventType // of an accepted delivery
	}{
		{name: "vendor example", contentType: "application/json;charset=UTF-8", body: vendor, event: api.EventTypeUnsubscribe},
		{name: "no charset", contentType: "application/json", body: vendor, event: api.EventTypeUnsubscribe},
		{name: "text/plain", contentType: "text/plain", body: vendor, status: http.StatusUnsupportedMediaType, err: errUnsupportedMediaType},
		{name: "no content type", body: vendor, status: http.StatusUnsupportedMediaType, err: errUnsupportedMediaType},
		{name: "body over the configured limit", opts: []Option{WithMaxBodyBytes(int64(len(vendor) - 1))}, contentType: "application/json", body: vendor, status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge},
		{name: "body at the configured limit", opts: []Option{WithMaxBodyBytes(int64(len(vendor)))}, contentType: "application/json", body: vendor, event: api.EventTypeUnsubscribe},
		{name: "zero limit keeps the default", opts: []Option{WithMaxBodyBytes(0)}, contentType: "application/json", body: vendor, event: api.EventTypeUnsubscribe},
		{name: "negative limit keeps the default", opts: []Option{WithMaxBodyBytes(-1)}, contentType: "application/json", body: append(bytes.Repeat([]byte(" "), int(defaultMaxBodyBytes)), vendor...), status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge},
		{name: "over the default limit", contentType: "application/json", body: append(bytes.Repeat([]byte(" "), int(defaultMaxBodyBytes)), vendor...), status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge},
		{name: "padded to the default limit", contentType: "application/json", body: append(bytes.Repeat([]byte(" "), int(defaultMaxBodyBytes)-len(vendor)), vendor...), event: api.EventTypeUnsubscribe},
		{name: "malformed", contentType: "application/json", body: fixtures.Read("message-result-update.published.json"), status: http.StatusBadRequest, err: validate.ErrMalformed},
		{name: "invalid", contentType: "application/json", body: invalid, status: http.StatusBadRequest, err: validate.ErrInvalid},
		{name: "unknown event under Strict", opts: []Option{WithStrict()}, contentType: "application/json", body: unknownEvent, status: http.StatusBadRequest, err: validate.ErrInvalid},
		{name: "unknown event under Compatible", contentType: "application/json", body: unknownEvent, event: "NEW_EVENT"},
		{name: "largest limit", opts: []Option{WithMaxBodyBytes(math.MaxInt64)}, contentType: "application/json", body: vendor, event: api.EventTypeUnsubscribe},
		{name: "no Body is an empty body", contentType: "application/json", status: http.StatusBadRequest, err: validate.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []api.Webhook
			var rejected []*Rejection
			app := Handler{Default: func(_ context.Context, w api.Webhook) error {
				got = append(got, w)
				return nil
			}}
			opts := append([]Option{
				AllowNoSecret(), WithLogger(slog.New(slog.DiscardHandler)),
				OnRejected(func(_ context.Context, r *Rejection) { rejected = append(rejected, r) }),
			}, tt.opts...)
			h, err := NewHandler(app, opts...)
			require.NoError(t, err)

			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tt.body))
			if tt.body == nil {
				r.Body = nil // as http.NewRequest leaves it for a request without a body
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			require.NotPanics(t, func() { h.ServeHTTP(w, r) })

			if tt.err != nil {
				require.Equal(t, tt.status, w.Code)
				require.Empty(t, got, "a refused request reached the application")
				require.Len(t, rejected, 1)
				rej := rejected[0]
				require.ErrorIs(t, rej.Err, tt.err)
				require.Equal(t, tt.status, rej.Problem.Status)
				var problem api.Problem
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &problem))
				require.Equal(t, rej.Problem.Type, problem.Type)
				var verr *validate.Error
				if errors.As(rej.Err, &verr) {
					require.NotEmpty(t, verr.Violations)
					require.NotNil(t, problem.Errors)
					require.Len(t, *problem.Errors, len(verr.Violations))
				} else {
					require.Nil(t, rej.Body, "the body of a %d was read", tt.status)
				}
				return
			}
			require.Equal(t, http.StatusOK, w.Code, "body: %s", w.Body)
			require.Empty(t, rejected)
			require.Len(t, got, 1)
			require.Equal(t, tt.event, got[0].Head().Event)
		})
	}
}
