package smshook_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/smshooktest"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		signature string
		secrets   []string
		want      bool
	}{
		{"the secret", testSecret, []string{testSecret}, true},
		{"the first of two", testSecret, []string{testSecret, rotatedSecret}, true},
		{"the second of two", rotatedSecret, []string{testSecret, rotatedSecret}, true},
		{"one of several, empty ones among them", rotatedSecret, []string{"", testSecret, "", rotatedSecret}, true},
		{"the same secret twice", testSecret, []string{testSecret, testSecret}, true},
		{"a wrong one", "a guess", []string{testSecret, rotatedSecret}, false},
		{"a prefix of the secret", testSecret[:10], []string{testSecret}, false},
		{"the secret and more", testSecret + "x", []string{testSecret}, false},
		{"with a trailing space", testSecret + " ", []string{testSecret}, false},
		{"in another case", strings.ToUpper(testSecret), []string{testSecret}, false},
		{"no secrets", testSecret, nil, false},
		{"an empty signature", "", []string{testSecret}, false},
		{"an empty signature and an empty secret", "", []string{""}, false},
		{"an empty signature among empty secrets", "", []string{testSecret, ""}, false},
		{"a signature against an empty secret", testSecret, []string{""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, smshook.VerifySignature(tt.signature, tt.secrets...))
		})
	}
}

// TestVerifySignatureAgreesWithTheHandler: a signature VerifySignature accepts is one the handler accepts.
func TestVerifySignatureAgreesWithTheHandler(t *testing.T) {
	t.Parallel()
	h := newHandler(t, smshook.Handler{}, smshook.WithSecrets(rotatedSecret), smshook.WithoutDeduplication())
	body := []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"CONVERSION_BLOCK","hooks":[{"hookId":"h","countryCode":"1"}]}`)
	for _, signature := range []string{testSecret, rotatedSecret, "a guess", testSecret[:10]} {
		accepted := smshook.VerifySignature(signature, testSecret, rotatedSecret)
		w := postWith(t, h, body, header(smshook.SignatureHeader, signature))
		require.Equal(t, accepted, w.Code == 200, "status %d", w.Code)
	}
}

// TestSecretKeyHeaderIsNeverRead: the vendor's Email and KakaoTalk Bizmessage curl examples add X-Secret-Key, the
// project's API secret that a client sends to NHN Cloud. The receiver neither takes it for a signature nor
// needs it, and never logs or answers it, whichever product the delivery is of.
func TestSecretKeyHeaderIsNeverRead(t *testing.T) {
	t.Parallel()
	const apiSecret = "the-project-api-secret-Kx81"
	var logs syncbuf.Buffer
	h, err := smshook.NewHandler(smshook.Handler{}, smshook.WithSecrets(testSecret),
		smshook.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	for _, delivery := range []api.Webhook{
		smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope](),
		smshooktest.Sample[*api.KakaoTalkTemplateStatusUpdateEnvelope](),
		smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope](),
	} {
		body, err := json.Marshal(delivery)
		require.NoError(t, err)
		// Instead of the signature, or as the signature's value: refused.
		for _, edit := range []func(*http.Request){
			func(r *http.Request) { r.Header.Del(smshook.SignatureHeader); r.Header.Set("X-Secret-Key", testSecret) },
			func(r *http.Request) {
				r.Header.Set(smshook.SignatureHeader, apiSecret)
				r.Header.Set("X-Secret-Key", apiSecret)
			},
		} {
			w := postWith(t, h, body, edit)
			require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			require.NotContains(t, w.Body.String(), apiSecret)
		}
		// Beside the signature: irrelevant.
		w := postWith(t, h, body, header("X-Secret-Key", apiSecret))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.NotContains(t, logs.String(), apiSecret)
	require.NotContains(t, logs.String(), "X-Secret-Key")
}
