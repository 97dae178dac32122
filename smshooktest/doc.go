// Package smshooktest helps test code that receives NHN Cloud SMS webhooks: valid envelopes of each event to
// start from, signed requests for an http.Handler, and a fake NHN Cloud sender that posts through the
// generated client, as the real service does.
//
//	h, _ := smshook.NewHandler(myHandler, smshook.WithSecrets("s3cret"))
//	srv := httptest.NewServer(h)
//	sender, _ := smshooktest.NewSender(srv.URL, "s3cret")
//	resp, _ := sender.Send(ctx, smshooktest.MessageResultUpdate(func(e *api.MessageResultUpdateEnvelope) {
//		e.Hooks[0].MessageStatus = ptr(api.MessageStatusFailed)
//	}))
package smshooktest
