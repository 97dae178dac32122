package inbox

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

// TestPartialBatchKeepsItsInvalidHooks: a delivery with one hook that breaks the contract is answered 200 under
// the compatible profile once its valid hooks are a job and its invalid one is in smshook_quarantine, with the
// pointers of its violations; a redelivery of it stores neither again.
func TestPartialBatchKeepsItsInvalidHooks(t *testing.T) {
	ib, _ := openInbox(t, Config{})
	url := serve(t, ib)
	env, _, _ := mru(t, 3)
	var d map[string]any
	b, err := json.Marshal(env)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &d))
	delete(d["hooks"].([]any)[1].(map[string]any), "requestId") // the vendor has shipped hooks missing a field
	body, err := json.Marshal(d)
	require.NoError(t, err)

	for range 2 { // the delivery, then NHN Cloud sending it again
		require.Equal(t, http.StatusOK, post(t, url, body))
	}
	require.Len(t, jobs(t, ib, rivertype.JobStateAvailable), 1, "the valid hooks, once")

	rows, err := ib.d.Read.QueryContext(context.Background(), `SELECT product, event, hooks_id, hook_index, hook, violations FROM smshook_quarantine`)
	require.NoError(t, err)
	defer rows.Close()
	var n int
	for rows.Next() {
		n++
		var product, event, hooksID string
		var index int
		var hook, violations []byte
		require.NoError(t, rows.Scan(&product, &event, &hooksID, &index, &hook, &violations))
		require.Equal(t, "SMS", product)
		require.Equal(t, "MESSAGE_RESULT_UPDATE", event)
		require.Equal(t, env.HooksID, hooksID)
		require.Equal(t, 1, index)
		var h map[string]any
		require.NoError(t, json.Unmarshal(hook, &h))
		require.Equal(t, env.Hooks[1].HookID, h["hookId"], "the hook as the delivery carried it")
		require.JSONEq(t, `[{"pointer":"/hooks/1/requestId","detail":"property \"requestId\" is missing"}]`, string(violations))
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 1, n, "one quarantined hook, however often it arrives")
}
