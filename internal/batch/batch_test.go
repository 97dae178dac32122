package batch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

func TestHookOf(t *testing.T) {
	for p, want := range map[string]int{"/hooks/0": 0, "/hooks/12/recipientNo": 12, "/hooks/3/_links/self/href": 3} {
		got, ok := hookOf(p)
		require.True(t, ok, p)
		require.Equal(t, want, got, p)
	}
	for _, p := range []string{"", "/hooks", "/hooks/", "/hooks/01", "/hooks/-1", "/hooks/x/y", "/appKey", "/hooksId/0"} {
		_, ok := hookOf(p)
		require.False(t, ok, p)
	}
}

func TestOf(t *testing.T) {
	body := []byte(`{"event":"E","hooks":[{"hookId":"a"},{"hookId":"b","n":1.50},{"hookId":"c"},{"hookId":"d"}]}`)
	v := func(p string) validate.Violation { return validate.Violation{Pointer: p, Reason: "r"} }

	s, ok := Of(body, []validate.Violation{v("/hooks/1/n"), v("/hooks/3"), v("/hooks/1/hookId")})
	require.True(t, ok)
	require.JSONEq(t, `{"event":"E","hooks":[{"hookId":"a"},{"hookId":"c"}]}`, string(s.Valid))
	require.Len(t, s.Invalid, 2)
	require.Equal(t, 1, s.Invalid[0].Index)
	require.JSONEq(t, `{"hookId":"b","n":1.50}`, string(s.Invalid[0].JSON))
	require.Equal(t, `{"hookId":"b","n":1.50}`, string(s.Invalid[0].JSON), "numbers keep their lexical form")
	require.Equal(t, []api.ProblemError{{Pointer: "/hooks/1/n", Detail: "r"}, {Pointer: "/hooks/1/hookId", Detail: "r"}}, s.Invalid[0].Violations)
	require.Equal(t, 3, s.Invalid[1].Index)
	// Pointers into Valid map back to the delivery.
	require.Equal(t, "/hooks/0/x", s.Pointer("/hooks/0/x"))
	require.Equal(t, "/hooks/2/x/y", s.Pointer("/hooks/1/x/y"))
	require.Equal(t, "/hooks/2", s.Pointer("/hooks/1"))
	require.Equal(t, "/appKey", s.Pointer("/appKey"))

	for name, vs := range map[string][]validate.Violation{
		"envelope":      {v("/hooks/1/n"), v("/appKey")},
		"every hook":    {v("/hooks/0"), v("/hooks/1"), v("/hooks/2/x"), v("/hooks/3")},
		"no violation":  nil,
		"hooks itself":  {v("/hooks")},
		"beyond hooks":  {v("/hooks/9/x")},
		"whole body":    {v("")},
		"leading zero":  {v("/hooks/01/x")},
		"not a pointer": {v("hooks/1")},
	} {
		_, ok := Of(body, vs)
		require.False(t, ok, name)
	}
	_, ok = Of([]byte(`[1]`), []validate.Violation{v("/hooks/0")})
	require.False(t, ok, "not an object")
	var m map[string]any
	require.NoError(t, json.Unmarshal(s.Valid, &m))
}

func TestAccept(t *testing.T) {
	body := []byte(`{"hooksId":"h","webhookConfigId":"w","productName":"SMS","appKey":"k","event":"CONVERSION_BLOCK","hooks":[` +
		`{"hookId":"a","countryCode":"1","blockedDateTime":"2024-05-28T09:00:00+09:00"},` +
		`{"hookId":"b","blockedDateTime":"2024-05-28T09:00:00+09:00"},` +
		`{"hookId":"c","countryCode":"82","blockedDateTime":"2024-05-28T09:00:00+09:00","extra":1}]}`)
	_, _, err := validate.Body(body, validate.Compatible)
	require.ErrorIs(t, err, validate.ErrInvalid)
	w, drift, invalid, ok := Accept(body, err)
	require.True(t, ok)
	require.Empty(t, drift)
	require.Equal(t, 2, w.HookCount())
	require.Equal(t, []string{"a", "c"}, []string{w.HookID(0), w.HookID(1)})
	require.Len(t, invalid, 1)
	require.Equal(t, 1, invalid[0].Index)
	require.Equal(t, "/hooks/1/countryCode", invalid[0].Violations[0].Pointer)

	_, _, err = validate.Body([]byte(`{`), validate.Compatible)
	_, _, _, ok = Accept([]byte(`{`), err)
	require.False(t, ok, "a malformed body is not split")
	_, _, _, ok = Accept(body, nil)
	require.False(t, ok)
}
