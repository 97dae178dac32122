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

func TestVerifySecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string
		secrets []string
		want    bool
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
		{"an empty value", "", []string{testSecret}, false},
		{"an empty value and an empty secret", "", []string{""}, false},
		{"an empty value among empty secrets", "", []string{testSecret, ""}, false},
		{"a value against an empty secret", testSecret, []string{""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, smshook.VerifySecret(tt.value, tt.secrets...))
		})
	}
}

// TestVerifySecretAgreesWithTheHandler: a value VerifySecret accepts is one the handler accepts.
func TestVerifySecretAgreesWithTheHandler(t *testing.T) {
	t.Parallel()
	h := newHandler(t, smshook.Handler{}, smshook.WithSecrets(rotatedSecret), smshook.WithoutDeduplication())
	body := []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"CONVERSION_BLOCK","hooks":[{"hookId":"h","countryCode":"1"}]}`)
	for _, secret := range []string{testSecret, rotatedSecret, "a guess", testSecret[:10]} {
		accepted := smshook.VerifySecret(secret, testSecret, rotatedSecret)
		w := postWith(t, h, body, header(smshook.SignatureHeader, secret))
		require.Equal(t, accepted, w.Code == 200, "status %d", w.Code)
	}
}

// TestSecretKeyHeaderIsNeverRead: the vendor's Email and KakaoTalk Bizmessage curl examples add X-Secret-Key, the
// project's API secret that a client sends to NHN Cloud. The receiver neither takes it for the webhook's secret nor
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
		// Instead of the secret, or as the secret header's value: refused.
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
		// Beside the secret: irrelevant.
		w := postWith(t, h, body, header("X-Secret-Key", apiSecret))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.NotContains(t, logs.String(), apiSecret)
	require.NotContains(t, logs.String(), "X-Secret-Key")
}
