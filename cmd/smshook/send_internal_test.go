package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithAppKey: --app-key changes the top-level appKey and no other byte of the delivery, adds the member
// where there is none, and refuses a body that is not one JSON object.
func TestWithAppKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, appKey, want string
	}{
		{"replaced", `{"hooksId":"a","appKey":"old","hooks":[]}`, "new", `{"hooksId":"a","appKey":"new","hooks":[]}`},
		{"whitespace and order kept", "{\n  \"appKey\" :  \"old\" ,\n  \"n\": 1.50e+2\n}\n", "new", "{\n  \"appKey\" :  \"new\" ,\n  \"n\": 1.50e+2\n}\n"},
		{"a value of another type", `{"appKey":null,"x":1}`, "k", `{"appKey":"k","x":1}`},
		{"an object as the value", `{"appKey":{"a":[1,{"appKey":"x"}]},"x":1}`, "k", `{"appKey":"k","x":1}`},
		{"nested appKeys untouched", `{"hooks":[{"appKey":"inner"}],"appKey":"old"}`, "k", `{"hooks":[{"appKey":"inner"}],"appKey":"k"}`},
		{"every repeated member", `{"appKey":"a","appKey":"b"}`, "k", `{"appKey":"k","appKey":"k"}`},
		{"added when missing", `{"hooksId":"a"}`, "k", `{"appKey":"k","hooksId":"a"}`},
		{"added to an empty object", ` { } `, "k", ` {"appKey":"k" } `},
		{"escaped as JSON", `{"appKey":"old"}`, "a\"b\\c\u2028", `{"appKey":"a\"b\\c\u2028"}`},
		{"an escaped key is the same member", `{"app\u004bey":"old"}`, "k", `{"app\u004bey":"k"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := withAppKey([]byte(tt.in), tt.appKey)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			var m map[string]any
			require.NoError(t, json.Unmarshal(got, &m))
			assert.Equal(t, tt.appKey, m["appKey"])
		})
	}
	for _, in := range []string{"", "[]", `"appKey"`, "1", `{"appKey":"a",}`, `{"appKey":"a"`, `{"appKey":"a"} {}`, `{"appKey":"a"}x`, "\xff"} {
		_, err := withAppKey([]byte(in), "k")
		assert.ErrorIs(t, err, errNotAnObject, "%q", in)
	}
}
