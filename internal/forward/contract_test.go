package forward_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/forward"
)

// forwardedOperation returns the operation of openapi.yaml that describes what Forward sends: the callback
// receiveForwardedDelivery of receiveWebhook.
func forwardedOperation(tb testing.TB) (*openapi3.T, *openapi3.Operation) {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(smshook.Spec())
	require.NoError(tb, err)
	require.NoError(tb, doc.Validate(context.Background()))
	receive := doc.Paths.Find("/").Post
	require.NotNil(tb, receive)
	cb := receive.Callbacks["forwarded"]
	require.NotNil(tb, cb, "receiveWebhook has no callback forwarded")
	require.Equal(tb, 1, cb.Value.Len(), "the callback has one URL, the application's")
	item := cb.Value.Value(cb.Value.Keys()[0])
	require.Len(tb, item.Operations(), 1, "the application receives POST only")
	op := item.Post
	require.NotNil(tb, op)
	return doc, op
}

// TestContractDescribesTheForward holds openapi.yaml's callback receiveForwardedDelivery to what Forward
// sends: a Delivery as application/json, the three Standard Webhooks headers required together, and a 2xx that
// acknowledges. An application that generates its types from openapi.yaml reads what it receives there.
func TestContractDescribesTheForward(t *testing.T) {
	t.Parallel()
	doc, op := forwardedOperation(t)
	assert.Equal(t, "receiveForwardedDelivery", op.OperationID)
	assert.NotEmpty(t, op.Tags)
	assert.Contains(t, op.Description, "--forward-to")

	require.NotNil(t, op.RequestBody)
	assert.True(t, op.RequestBody.Value.Required)
	require.Len(t, op.RequestBody.Value.Content, 1)
	media := op.RequestBody.Value.Content.Get(forward.ContentType)
	require.NotNil(t, media, "the body is %s", forward.ContentType)
	assert.Equal(t, "#/components/schemas/Delivery", media.Schema.Ref)

	// One requirement naming the three headers: all three together, as a verifier needs them.
	require.NotNil(t, op.Security)
	require.Len(t, *op.Security, 1)
	headers := map[string]bool{}
	for name := range (*op.Security)[0] {
		scheme := doc.Components.SecuritySchemes[name]
		require.NotNil(t, scheme, name)
		assert.Equal(t, "apiKey", scheme.Value.Type, name)
		assert.Equal(t, "header", scheme.Value.In, name)
		headers[http.CanonicalHeaderKey(scheme.Value.Name)] = true
	}
	assert.Equal(t, map[string]bool{
		http.CanonicalHeaderKey(standardwebhooks.HeaderWebhookID):        true,
		http.CanonicalHeaderKey(standardwebhooks.HeaderWebhookTimestamp): true,
		http.CanonicalHeaderKey(standardwebhooks.HeaderWebhookSignature): true,
	}, headers)
	assert.NotNil(t, op.Responses.Value("2XX"), "a 2xx acknowledges the delivery")
	assert.NotNil(t, op.Responses.Default(), "any other answer is a failed attempt")

	// What Forward sends carries exactly the headers the contract names.
	a := &app{status: http.StatusOK}
	srv := httptest.NewServer(a)
	defer srv.Close()
	f, err := forward.New(srv.URL, newSecret(t), 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, f.Forward(context.Background(), sample(t, smsUnsubscribe)))
	got := a.got()
	require.Len(t, got, 1)
	for h := range headers {
		assert.NotEmpty(t, got[0].header.Get(h), h)
	}
	assert.Equal(t, forward.ContentType, got[0].header.Get("Content-Type"))
}
