package inspect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// resultUpdate is a documented SMS MESSAGE_RESULT_UPDATE whose hooks are the sample's hook with each of set
// applied in turn to its fields, and distinct hookIds.
func resultUpdate(t *testing.T, id string, set ...map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), &doc))
	doc["hooksId"] = id
	var hooks []any
	for i, fields := range set {
		var hook map[string]any
		require.NoError(t, json.Unmarshal(marshal(t, doc["hooks"].([]any)[0]), &hook))
		hook["hookId"] = fmt.Sprintf("%s-%d", id, i)
		for k, v := range fields {
			hook[k] = v
		}
		hooks = append(hooks, hook)
	}
	doc["hooks"] = hooks
	return marshal(t, doc)
}

// section returns the part of a page from the element whose id is id to the end of its section or row.
func section(t *testing.T, page, start, end string) string {
	t.Helper()
	i := strings.Index(page, start)
	require.GreaterOrEqual(t, i, 0, "the page has no %s", start)
	j := strings.Index(page[i:], end)
	require.GreaterOrEqual(t, j, 0)
	return page[i : i+j]
}

func TestAcceptedDriftIsShownWithItsPointers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	plain := f.post(t, resultUpdate(t, "plain", map[string]any{}), testSecret)
	require.Equal(t, http.StatusOK, plain.status)
	assert.Empty(t, plain.Drift)

	drifted := f.post(t, resultUpdate(t, "drifted", map[string]any{}, map[string]any{"messageStatus": "BRAND_NEW"}), testSecret)
	require.Equal(t, http.StatusOK, drifted.status, "the compatible receiver accepts drift")
	require.Len(t, drifted.Drift, 1)
	assert.Equal(t, "/hooks/1/messageStatus", drifted.Drift[0].Pointer)
	assert.Len(t, f.rec.Webhooks(), 2, "the drifted delivery reached the application")

	list := get(t, f.page.URL+"/", nil)
	require.Equal(t, http.StatusOK, list.status)
	row := section(t, list.body, `<tr id="r2"`, "</tr>")
	assert.Contains(t, row, "accepted with drift")
	assert.Contains(t, row, "Accepted with drift: the receiver took 1 value the contract does not know")
	assert.Contains(t, row, "/hooks/1/messageStatus")
	assert.Contains(t, row, "value is not one of the allowed values")
	assert.Contains(t, row, `accepted with drift">`, "the row's summary, which the page announces, says so")
	plainRow := section(t, list.body, `<tr id="r1"`, "</tr>")
	assert.NotContains(t, plainRow, "drift", "a delivery without drift says nothing of it")
	assert.Equal(t, drifted.rowHTML, strings.NewReplacer("\n", " ").Replace(row+"</tr>\n"), "the event stream sends the same row")

	detail := get(t, f.page.URL+"/requests/2", nil)
	require.Equal(t, http.StatusOK, detail.status)
	drift := section(t, detail.body, `id="drift-h"`, "</section>")
	assert.Contains(t, drift, ">Accepted with drift</h2>")
	assert.Contains(t, drift, "The receiver accepted this delivery with 1 value the contract does not know yet")
	assert.Contains(t, drift, "/hooks/1/messageStatus")
	assert.NotContains(t, get(t, f.page.URL+"/requests/1", nil).body, `id="drift-h"`)

	// In a partial batch the pointers are the delivery's, not those of the valid hooks re-encoded.
	partial := f.post(t, resultUpdate(t, "partial", map[string]any{"recipientSeq": "one"}, map[string]any{"messageStatus": "BRAND_NEW"}), testSecret)
	require.Equal(t, http.StatusOK, partial.status)
	require.Len(t, partial.Drift, 1)
	assert.Equal(t, "/hooks/1/messageStatus", partial.Drift[0].Pointer)
	row = section(t, get(t, f.page.URL+"/", nil).body, `<tr id="r3"`, "</tr>")
	assert.Contains(t, row, "/hooks/0/recipientSeq")
	assert.Contains(t, row, "/hooks/1/messageStatus")

	// The strict profile refuses what the compatible one takes as drift: the refusal is no drift.
	strict := newFixture(t, Options{Strict: true})
	e := strict.post(t, resultUpdate(t, "drifted", map[string]any{"messageStatus": "BRAND_NEW"}), testSecret)
	assert.Empty(t, e.Drift)
}

// TestDriftIsBoundedLikeViolations: a delivery with drift in each of many hooks keeps the first maxRows values
// and counts the others, and a row full of violations leaves the drift out but says how much there is.
func TestDriftIsBoundedLikeViolations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	var set []map[string]any
	for range 100 {
		set = append(set, map[string]any{"messageStatus": "BRAND_NEW"})
	}
	e := f.post(t, resultUpdate(t, "many", set...), testSecret)
	require.Equal(t, http.StatusOK, e.status)
	assert.Len(t, e.Drift, maxRows)
	assert.Equal(t, 100-maxRows, e.MoreDrift)
	assert.Contains(t, e.rowHTML, "the receiver took 100 values the contract does not know")
	assert.Contains(t, e.rowHTML, "and 80 more values the contract does not know")
	assert.Less(t, len(e.rowHTML), rowBound)
	detail := get(t, f.page.URL+"/requests/1", nil)
	assert.Equal(t, maxRows, strings.Count(section(t, detail.body, `id="drift-h"`, "</section>"), `class="pointer"`))
	assert.Contains(t, detail.body, "and 80 more values the contract does not know, not kept")

	// Quarantined hooks with maxRows violations between them take the row's room; the drift is counted.
	set = set[:0]
	for range maxRows {
		set = append(set, map[string]any{"recipientSeq": "one"})
	}
	set = append(set, map[string]any{"messageStatus": "BRAND_NEW"})
	e = f.post(t, resultUpdate(t, "full", set...), testSecret)
	require.Equal(t, http.StatusOK, e.status)
	require.Len(t, e.Drift, 1)
	assert.Contains(t, e.rowHTML, "accepted with drift")
	assert.Contains(t, e.rowHTML, "and 1 more values the contract does not know")
	assert.NotContains(t, e.rowHTML, fmt.Sprintf("/hooks/%d/messageStatus", maxRows), "the row keeps maxRows pointers")
	assert.Contains(t, get(t, f.page.URL+"/requests/2", nil).body, fmt.Sprintf("/hooks/%d/messageStatus", maxRows))
}

// hookCell returns the detail's cell "Result code" of hook index.
var resultCell = regexp.MustCompile(`(?s)<td data-label="#">(\d+)</td>.*?<td data-label="Result code">(.*?)</td></tr>`)

func resultCells(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range resultCell.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestResultCodesShowTheCatalogue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	delivered, ok := api.SMSResultCode("1000")
	require.True(t, ok)
	temporary, ok := api.SMSResultCode("2007")
	require.True(t, ok)
	require.Equal(t, "temporary", temporary.Retry)
	e := f.post(t, resultUpdate(t, "codes",
		map[string]any{"resultCode": "1000"},
		map[string]any{"resultCode": "2007", "messageStatus": "FAILED"},
		map[string]any{"resultCode": "9999", "messageStatus": "FAILED"},
		map[string]any{"resultCode": phone, "messageStatus": "FAILED"},
		map[string]any{"resultCode": `<b>"x"</b>`, "messageStatus": "FAILED"},
	), testSecret)
	require.Equal(t, http.StatusOK, e.status)
	require.Len(t, e.HookRows, 5)
	assert.Equal(t, api.OutcomeFailed, e.HookRows[1].Outcome)

	detail := get(t, f.page.URL+"/requests/1", nil)
	require.Equal(t, http.StatusOK, detail.status)
	cells := resultCells(t, detail.body)
	require.Len(t, cells, 5)
	assert.Contains(t, cells["0"], "resultCode 1000")
	assert.Contains(t, cells["0"], delivered.Meaning)
	assert.NotContains(t, cells["0"], "retry")
	assert.Contains(t, cells["1"], "resultCode 2007")
	assert.Contains(t, cells["1"], temporary.Meaning)
	assert.Contains(t, cells["1"], "temporary: sending again later may succeed")
	assert.Contains(t, cells["2"], "resultCode 9999")
	assert.Contains(t, cells["2"], "not in the catalogue")
	assert.Contains(t, cells["3"], "resultCode "+maskedPhone, "a code from the payload is masked")
	assert.Contains(t, cells["3"], "not in the catalogue")
	assert.NotContains(t, detail.body, phone)
	assert.Contains(t, cells["4"], "resultCode &lt;b&gt;&#34;x&#34;&lt;/b&gt;", "a code from the payload is escaped")
	for i := range 2 {
		assert.NotContains(t, cells[fmt.Sprint(i)], "not in the catalogue", "hook %d", i)
	}
	revealed := postForm(t, f.page.URL+"/requests/1/reveal", nil, nil)
	assert.Contains(t, resultCells(t, revealed.body)["3"], "resultCode "+phone)

	// Every kind with codes: the DLR's status and error code, Email's status, KakaoTalk's result code.
	for _, body := range [][]byte{
		marshal(t, smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope]()),
		marshal(t, smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope]()),
		marshal(t, smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]()),
		marshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()),
	} {
		e := f.post(t, body, testSecret)
		require.Equal(t, http.StatusOK, e.status, "%s %s", e.Product, e.Event)
		cells := resultCells(t, get(t, fmt.Sprintf("%s/requests/%d", f.page.URL, e.Seq), nil).body)
		require.NotEmpty(t, cells)
		t.Logf("%s %s: %s", e.Product, e.Event, cells["0"])
		if e.Event == "UNSUBSCRIBE" {
			assert.Contains(t, cells["0"], "—", "a hook without a result code")
			continue
		}
		assert.Contains(t, cells["0"], "<code>", "%s %s", e.Product, e.Event)
		assert.NotContains(t, cells["0"], "not in the catalogue", "the documented sample's code is catalogued: %s %s", e.Product, e.Event)
	}
}

// TestDriftOfAFailedDeliveryIsNotCalledAccepted: a delivery answered 500 carried drift, but the receiver did not
// acknowledge it: its row says so without "accepted".
func TestDriftOfAFailedDeliveryIsNotCalledAccepted(t *testing.T) {
	t.Parallel()
	in := New(Options{})
	t.Cleanup(in.Close)
	e := &entry{captured: &captured{status: http.StatusInternalServerError}, Seq: 1, Hooks: 1,
		Drift: []api.ProblemError{{Pointer: "/hooks/0/messageStatus", Detail: "value is not one of the allowed values"}}}
	var b strings.Builder
	require.NoError(t, pages.ExecuteTemplate(&b, "row", in.rowView(e)))
	assert.Contains(t, b.String(), ">with drift<")
	assert.Contains(t, b.String(), "1 value the contract does not know (drift)")
	assert.NotContains(t, b.String(), "ccepted")
	assert.Contains(t, b.String(), "/hooks/0/messageStatus")
}
