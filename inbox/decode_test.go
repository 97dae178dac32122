package inbox

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/validate"
)

// TestBindDecodesWhatEncodingJSONDecodes: the worker's fast decoding of a stored envelope (package decode's
// parser and binder) takes every envelope the Receiver stores, of every kind of the contract and of an unknown
// event, and gives the value encoding/json gives.
func TestBindDecodesWhatEncodingJSONDecodes(t *testing.T) {
	t.Parallel()
	unknown, _ := unknownEvent(t)
	bodies := [][]byte{unknown}
	for _, kind := range api.Kinds() {
		w, ok := api.Sample(kind)
		require.True(t, ok, "%s has no sample", kind)
		body, err := json.Marshal(w)
		require.NoError(t, err)
		bodies = append(bodies, body)
	}
	for _, body := range bodies {
		// What the Receiver stores: the validated delivery, encoded again.
		w, _, err := validate.Body(body, validate.Compatible)
		require.NoError(t, err)
		stored, err := json.Marshal(w)
		require.NoError(t, err)
		event := string(w.Head().Event)
		got, ok := bind(event, stored)
		require.True(t, ok, "%s: not bound", stored)
		want, err := decodeJSON(event, stored)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", stored)
		require.IsType(t, api.NewWebhook(api.KindOf(w.Head().ProductName, w.Head().Event)), got)
	}
	_, ok := bind("MESSAGE_RESULT_UPDATE", []byte(`{"productName":"SMS","hooks":[{"recipientSeq":1.5}]}`))
	require.False(t, ok, "a value the Go type cannot hold is left to encoding/json")
}
