package smshook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

// TestRejectionWrapsItsCause: each refusal's Rejection.Err is its sentinel, and its problem type the one
// problemKinds gives that sentinel, so that a caller can rely on either.
func TestRejectionWrapsItsCause(t *testing.T) {
	t.Parallel()
	body := fixtures.Read("unsubscribe.json")
	tests := []struct {
		name   string
		opts   []Option
		edit   func(*http.Request)
		status int
		want   error
		kind   string
	}{
		{"GET", nil, func(r *http.Request) { r.Method = http.MethodGet }, 405, errMethodNotAllowed, "method-not-allowed"},
		{"no secret", nil, func(r *http.Request) { r.Header.Del(SignatureHeader) }, 401, errSecretMissing, "secret-missing"},
		{"wrong secret", nil, func(r *http.Request) { r.Header.Set(SignatureHeader, "a guess") }, 401, errSecretMismatch, "secret-mismatch"},
		{"other appKey", []Option{WithAppKeys("another")}, nil, 403, errAppKeyNotAllowed, "app-key-not-allowed"},
		{"text/plain", nil, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 415, errUnsupportedMediaType, "unsupported-media-type"},
		{"too large", []Option{WithMaxBodyBytes(16)}, nil, 413, errBodyTooLarge, "body-too-large"},
		{"not JSON", nil, func(r *http.Request) { r.Body, r.ContentLength = io.NopCloser(bytes.NewReader([]byte("{"))), 1 }, 400, validate.ErrMalformed, "malformed-body"},
		{"no hooks", nil, func(r *http.Request) {
			b := []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[]}`)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}, 400, validate.ErrInvalid, "invalid-body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []*Rejection
			opts := append([]Option{WithSecrets("s"), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
				OnRejected(func(_ context.Context, r *Rejection) { got = append(got, r) })}, tt.opts...)
			h, err := NewHandler(Handler{}, opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(SignatureHeader, "s")
			if tt.edit != nil {
				tt.edit(r)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			require.Len(t, got, 1)
			require.ErrorIs(t, got[0].Err, tt.want)
			require.Equal(t, problemTypeBase+tt.kind, got[0].Problem.Type)
			require.Equal(t, tt.status, got[0].Problem.Status)
		})
	}
}

func TestNewHandlerWithoutASecretFails(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]Option{nil, {WithSecrets("")}, {WithSecrets("", "")}} {
		h, err := NewHandler(Handler{}, opts...)
		require.ErrorIs(t, err, errNoSecret)
		require.Nil(t, h)
	}
	s, err := NewStrictHandler(nil, WithSecrets("s"))
	require.Error(t, err)
	require.Nil(t, s)
}

// TestProblemKindsAreDistinct: every cause has a type of its own, found through any wrapping.
func TestProblemKindsAreDistinct(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range problemKinds {
		p := problemFor(http.StatusBadRequest, fmt.Errorf("context: %w", k.err), nil)
		require.Equal(t, problemTypeBase+k.kind, p.Type)
		require.Equal(t, k.detail, *p.Detail)
		require.False(t, seen[p.Type], "%s names two causes", p.Type)
		seen[p.Type] = true
	}
	require.Equal(t, problemTypeBase+"server-error", problemFor(http.StatusInternalServerError, errPanic, nil).Type)
	require.Equal(t, problemTypeBase+"timeout", problemFor(http.StatusServiceUnavailable, context.DeadlineExceeded, nil).Type)
	require.Equal(t, problemTypeBase+"unreadable-body", problemFor(http.StatusBadRequest, io.ErrUnexpectedEOF, nil).Type)
}

// problemRow is a row of the problem-type table of docs/contract.md: the type's cause and its status.
var problemRow = regexp.MustCompile("^\\| `([a-z-]+)` \\| ([0-9]{3}) \\| .+ \\|$")

// TestEveryProblemTypeIsDocumented holds the problem-type table of docs/contract.md to the handler: every type
// it answers has a row, and every row is a type it answers, with the status the fallback types go with.
func TestEveryProblemTypeIsDocumented(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("docs/contract.md")
	require.NoError(t, err)
	documented := map[string]int{}
	for _, l := range strings.Split(string(page), "\n") {
		if m := problemRow.FindStringSubmatch(l); m != nil {
			_, dup := documented[m[1]]
			require.False(t, dup, "docs/contract.md: problem type %s twice", m[1])
			documented[m[1]], _ = strconv.Atoi(m[2])
		}
	}

	answered := map[string]int{}
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		p := problemFor(status, errors.New("a cause of no kind"), nil)
		answered[strings.TrimPrefix(p.Type, problemTypeBase)] = status
	}
	for _, k := range problemKinds {
		answered[k.kind] = documented[k.kind] // the status of these is TestStatusCodes'
	}
	require.Equal(t, answered, documented)
}
