package smshook_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// unsubscribes returns an SMS and an Email UNSUBSCRIBE delivery of one hook each, with one appKey and hookId.
func unsubscribes(tb testing.TB) (sms, email []byte) {
	tb.Helper()
	s := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	e := smshooktest.Sample[*api.EmailUnsubscribeEnvelope]()
	e.AppKey, e.Hooks[0].HookID = s.AppKey, s.Hooks[0].HookID
	var err error
	sms, err = json.Marshal(s)
	require.NoError(tb, err)
	email, err = json.Marshal(e)
	require.NoError(tb, err)
	return sms, email
}

// TestTwoProductsSharingAHookIDAreTwoEvents: an SMS and an Email UNSUBSCRIBE with one appKey and hookId are
// two events; each reaches the application once, and a copy of either is a redelivery.
func TestTwoProductsSharingAHookIDAreTwoEvents(t *testing.T) {
	t.Parallel()
	rec := &smshooktest.Recorder{}
	h := newHandler(t, rec.Handler())
	sms, email := unsubscribes(t)
	for _, body := range [][]byte{sms, email, sms, email} {
		require.Equal(t, http.StatusOK, smshooktest.Post(t, h, body, testSecret).Code)
	}
	got := rec.Webhooks()
	require.Len(t, got, 2, "each product's event once")
	require.IsType(t, &api.SMSUnsubscribeEnvelope{}, got[0])
	require.IsType(t, &api.EmailUnsubscribeEnvelope{}, got[1])
}
