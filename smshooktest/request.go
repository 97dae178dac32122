package smshooktest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/sender"
)

// ContentType is the Content-Type NHN Cloud sends.
const ContentType = sender.ContentType

// NewRequest returns an incoming POST request, for an http.Handler's ServeHTTP, that carries envelope as JSON
// and secret in X-Toast-Webhook-Signature, as NHN Cloud sends it; an empty secret sends no signature.
// envelope may also be a []byte or json.RawMessage, sent as it is. It fails only when envelope does not
// marshal.
func NewRequest(envelope any, secret string) (*http.Request, error) {
	body, err := Marshal(envelope)
	if err != nil {
		return nil, err
	}
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", ContentType)
	if secret != "" {
		r.Header.Set(smshook.SignatureHeader, secret)
	}
	return r, nil
}

// Marshal returns the JSON of envelope; a []byte or json.RawMessage is returned as it is.
func Marshal(envelope any) ([]byte, error) {
	switch b := envelope.(type) {
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	return json.Marshal(envelope)
}
