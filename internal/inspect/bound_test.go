package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// partialBatch is a delivery of about MaxBody bytes: one valid hook with drift, then as many hooks as fit that carry
// nothing but a note of pad bytes (drift, in the compatible profile), each of which breaks the contract
// several times over and is quarantined. With pad 0, the worst case, a delivery holds 21,601 empty hooks and
// 64,803 violations; the bound of docs/inspector.md is of that case.
func partialBatch(t *testing.T, n, pad int) []byte {
	t.Helper()
	valid := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	valid.HooksID = fmt.Sprintf("bound-%d", n)
	valid.Hooks[0].HookID = fmt.Sprintf("bound-%d-0", n)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(marshal(t, valid), &doc))
	doc["hooks"].([]any)[0].(map[string]any)["messageStatus"] = "BRAND_NEW" // drift, which the entry keeps too
	base := len(marshal(t, doc))
	hooks := doc["hooks"].([]any)
	hook := map[string]any{}
	if pad > 0 {
		hook["note"] = strings.Repeat("n", pad)
	}
	for range (MaxBody - 64 - base) / (len(marshal(t, hook)) + 1) {
		hooks = append(hooks, hook)
	}
	doc["hooks"] = hooks
	body := marshal(t, doc)
	require.Less(t, len(body), MaxBody)
	return body
}

// heapInUse returns the bytes of live objects, after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestEntriesStayWithinTheDocumentedBound records a full ring of partial batches of MaxBody bytes, each with
// thousands of quarantined hooks and violations, and checks that the inspector's memory
// and its pages stay within the bound docs/inspector.md documents: entryBound a request.
func TestEntriesStayWithinTheDocumentedBound(t *testing.T) {
	f := newFixture(t, Options{})
	bodies := make([][]byte, DefaultCapacity)
	for i := range bodies {
		bodies[i] = partialBatch(t, i, 16) // some 2,000 hooks: the worst case takes minutes under -race
	}
	before := heapInUse()
	for i, body := range bodies {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(smshook.SignatureHeader, testSecret)
		w := httptest.NewRecorder()
		f.recv.ServeHTTP(w, req)
		require.Equal(t, http.StatusOK, w.Code, "delivery %d: a partial batch is acknowledged: %.300s", i, w.Body.String())
		// One at a time, as the analysis goes, so that none is missed.
		require.Eventually(t, func() bool { return f.in.seq.Load() == uint64(i+1) && f.in.ring.get(uint64(i+1)) != nil },
			10*time.Second, time.Millisecond)
	}
	grown := int64(heapInUse()) - int64(before)
	last := f.in.ring.get(DefaultCapacity)
	require.NotNil(t, last)
	t.Logf("%d partial batches of %d bytes, %d hooks each: the heap grew %.1f MB (bound %.1f MB)",
		DefaultCapacity, len(bodies[0]), last.Hooks, float64(grown)/1e6, float64(DefaultCapacity*entryBound)/1e6)

	list := get(t, f.page.URL+"/", nil)
	require.Equal(t, http.StatusOK, list.status)
	detail := get(t, f.page.URL+"/requests/1", nil)
	require.Equal(t, http.StatusOK, detail.status)
	t.Logf("the list is %d bytes, a request's page %d bytes", len(list.body), len(detail.body))

	assert.Less(t, grown, int64(DefaultCapacity*entryBound), "the recorded requests outgrew the documented bound")
	assert.Less(t, len(list.body), DefaultCapacity*rowBound+64<<10, "the list outgrew its bound")
	assert.Less(t, len(detail.body), 2*MaxBody+rowBound+64<<10, "a request's page outgrew its bound")
	assert.Contains(t, list.body, "more violations", "the list says how many violations it leaves out")
	assert.Contains(t, detail.body, "more hooks", "a request's page says how many hooks it leaves out")
	assert.Contains(t, list.body, "and 1 more values the contract does not know", "the violations fill the row; the drift is counted")
	assert.Contains(t, detail.body, "/hooks/0/messageStatus", "a request's page lists the drift")
	assert.Equal(t, []count{{"delivered", 1}, {"quarantined", last.Hooks - 1}}, last.outcomeCounts(),
		"the counts cover every hook, not just those shown")
	assert.Len(t, f.rec.Webhooks(), DefaultCapacity, "each valid hook was processed")
	assert.Zero(t, f.in.missed.Load())
}
