// Package smshooktest helps test code that receives NHN Cloud webhooks: the documented delivery of each event
// with fresh ids, signed requests posted to an http.Handler, and a Handler that records what it receives.
//
//	func TestReceiver(t *testing.T) {
//		var rec smshooktest.Recorder
//		h, err := smshook.NewHandler(rec.Handler(), smshook.WithSecrets("s3cret"))
//		require.NoError(t, err)
//		e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
//		e.Hooks[0].ResultCode = new("3015")
//		resp := smshooktest.Post(t, h, e, "s3cret")
//		require.Equal(t, http.StatusOK, resp.Code)
//		require.Len(t, rec.Webhooks(), 1)
//	}
package smshooktest
