package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

// jsonNames lists the property names of the generated envelopes and hooks.
var jsonNames = func() []string {
	var names []string
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[time.Time]() {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			names = append(names, name)
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[api.SMSUnsubscribeEnvelope]())
	walk(reflect.TypeFor[api.SMSMessageResultUpdateEnvelope]())
	walk(reflect.TypeFor[api.SMSConversionBlockEnvelope]())
	walk(reflect.TypeFor[api.SMSInternationalDeliveryReceiptEnvelope]())
	return names
}()

// caseVariant reports whether a key of an object of doc differs from a property name only in case: encoding/json
// would bind it to that property, Body does not.
func caseVariant(doc any) bool {
	switch d := doc.(type) {
	case map[string]any:
		for k, v := range d {
			for _, name := range jsonNames {
				if k != name && strings.EqualFold(k, name) {
					return true
				}
			}
			if caseVariant(v) {
				return true
			}
		}
	case []any:
		for _, v := range d {
			if caseVariant(v) {
				return true
			}
		}
	}
	return false
}

// canonical re-encodes a JSON document, resolving escapes in strings.
func canonical(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(tb, enc.Encode(decode(tb, data)))
	return buf.Bytes()
}

func FuzzBody(f *testing.F) {
	files, err := fs.Glob(fixtures.Vendor, "*.json")
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, file := range files {
		f.Add(fixtures.Read(file))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		w, drift, err := validate.Body(body, validate.Strict)
		cw, cdrift, cerr := validate.Body(body, validate.Compatible)
		if cerr != nil {
			require.Nil(t, cw)
			require.Nil(t, cdrift)
		}
		if err != nil {
			require.Nil(t, w)
			require.Nil(t, drift)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			require.NotEmpty(t, verr.Violations)
			malformed := errors.Is(err, validate.ErrMalformed)
			require.True(t, malformed || errors.Is(err, validate.ErrInvalid), "unexpected cause: %v", err)
			if !json.Valid(body) {
				require.True(t, malformed, "invalid JSON was not reported as malformed: %v", err)
			}
			if malformed {
				require.Len(t, verr.Violations, 1)
				// A malformed body is malformed whatever the profile.
				require.ErrorIs(t, cerr, validate.ErrMalformed)
			} else {
				require.True(t, json.Valid(body), "malformed JSON was reported as invalid: %v", err)
			}
			// Compatible accepts more than Strict only through drift.
			if cerr == nil {
				require.NotEmpty(t, cdrift, "Compatible accepts without drift what Strict rejects: %v", err)
			}
			return
		}

		// Whatever Strict accepts, Compatible accepts alike.
		require.NoError(t, cerr)
		require.Empty(t, cdrift)
		require.Equal(t, w, cw)
		_, generic := w.(*api.Envelope)
		require.False(t, generic, "Strict accepted an unknown event")
		require.Nil(t, drift)

		// And encoding/json reads the same value into the same type.
		require.True(t, json.Valid(body))
		if caseVariant(decode(t, body)) {
			return // encoding/json matches names case-insensitively; Body binds the exact name only.
		}
		typ := reflect.TypeOf(w)
		require.Equal(t, reflect.Pointer, typ.Kind())
		want := reflect.New(typ.Elem()).Interface()
		if err := json.Unmarshal(body, want); err != nil {
			// time.Time.UnmarshalJSON reads the raw JSON string without resolving escapes (go.dev/issue/47353),
			// so "2024-05-28T09:00:00\u002B09:00" fails there; read the same document with its escapes resolved.
			var pe *time.ParseError
			require.ErrorAs(t, err, &pe, "encoding/json rejects what Strict accepts")
			require.Contains(t, string(body), `\`)
			want = reflect.New(typ.Elem()).Interface()
			require.NoError(t, json.Unmarshal(canonical(t, body), want))
		}
		require.Equal(t, want, w)
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		gotJSON, err := json.Marshal(w)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(gotJSON))
	})
}
