package smshook_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
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
