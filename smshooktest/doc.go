// Package smshooktest helps test code that receives NHN Cloud webhooks: the documented delivery of each event
// with fresh ids (Sample, each with the appKey AppKey), requests with the secret posted to an http.Handler or
// to the router it is mounted on (Post, NewRequest, Path), and a Handler that records what it receives.
//
//	func TestReceiver(t *testing.T) {
//		var rec smshooktest.Recorder
//		h, err := smshook.NewHandler(rec.Handler(), smshook.WithSecrets("s3cret"),
//			smshook.WithAppKeys(smshooktest.AppKey))
//		require.NoError(t, err)
//		mux := http.NewServeMux()
//		mux.Handle("POST /webhooks/nhn", h)
//		e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
//		e.Hooks[0].ResultCode = new("3015")
//		resp := smshooktest.Post(t, mux, e, "s3cret", smshooktest.Path("/webhooks/nhn"))
//		require.Equal(t, http.StatusOK, resp.Code)
//		require.Len(t, rec.Webhooks(), 1)
//	}
package smshooktest
