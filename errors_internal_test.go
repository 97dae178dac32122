package smshook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
