package validate_test

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

// inside reports whether s's bytes lie in b.
func inside(s string, b []byte) bool {
	if s == "" || len(b) == 0 {
		return false
	}
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(s)) <= start+uintptr(len(b))
}

// TestBodyOwned: BodyOwned gives what Body gives, for a valid and an invalid body, and its delivery's strings
// are the body's own bytes (no copy was made), while Body's share nothing with the slice it was given.
func TestBodyOwned(t *testing.T) {
	t.Parallel()
	body := fixtures.Read("message-result-update.json")
	want, wantDrift, err := validate.Body(bytes.Clone(body), validate.Compatible)
	require.NoError(t, err)

	owned := bytes.Clone(body)
	got, drift, err := validate.BodyOwned(owned, validate.Compatible)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, wantDrift, drift)
	require.True(t, inside(got.HookID(0), owned), "BodyOwned copied the body")

	copied := bytes.Clone(body)
	w, _, err := validate.Body(copied, validate.Compatible)
	require.NoError(t, err)
	require.False(t, inside(w.HookID(0), copied), "Body refers to the caller's slice")

	invalid := bytes.Replace(bytes.Clone(body), []byte(`"hookId"`), []byte(`"hook_id"`), 1)
	_, _, wantErr := validate.Body(bytes.Clone(invalid), validate.Strict)
	_, _, gotErr := validate.BodyOwned(invalid, validate.Strict)
	require.ErrorIs(t, gotErr, validate.ErrInvalid)
	require.Equal(t, wantErr, gotErr)

	_, _, err = validate.BodyOwned(nil, validate.Strict)
	require.ErrorIs(t, err, validate.ErrMalformed)
}
