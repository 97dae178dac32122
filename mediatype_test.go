package smshook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// TestUnsupportedMediaTypeNamesIt: a 415 says which media type arrived, its parameters left out, so that the
// sender can tell what it sent; nothing else of the header is echoed.
func TestUnsupportedMediaTypeNamesIt(t *testing.T) {
	t.Parallel()
	h := newHandler(t, (&smshooktest.Recorder{}).Handler())
	for contentType, want := range map[string]string{
		"text/plain; charset=secret-looking-parameter": "Content-Type must be application/json. Received: text/plain.",
		"application/x-www-form-urlencoded":            "Content-Type must be application/json. Received: application/x-www-form-urlencoded.",
		"":                                             "Content-Type must be application/json. Received: no Content-Type.",
		"not a media type;;":                           "Content-Type must be application/json. Received: a Content-Type that is not a media type.",
	} {
		r := smshooktest.NewRequest(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope](), testSecret)
		r.Header.Set("Content-Type", contentType)
		if contentType == "" {
			r.Header.Del("Content-Type")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusUnsupportedMediaType, w.Code, contentType)
		var p api.Problem
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		require.Equal(t, "urn:smshook:problem:unsupported-media-type", p.Type)
		require.NotNil(t, p.Detail)
		require.Equal(t, want, *p.Detail, contentType)
	}
}
