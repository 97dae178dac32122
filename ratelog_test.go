package smshook_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/syncbuf"
)

// TestWrongSecretFloodLogsABoundedAmount sends 20,000 requests with a wrong secret through a real
// listener from 8 clients and checks that the log stays small while every request is still answered 401.
func TestWrongSecretFloodLogsABoundedAmount(t *testing.T) {
	t.Parallel()
	var log syncbuf.Buffer
	h, err := smshook.NewHandler(smshook.Handler{}, smshook.WithSecrets(testSecret),
		smshook.WithLogger(slog.New(slog.NewJSONHandler(&log, nil))))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	const requests, clients = 20000, 8
	var sent, refused atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for sent.Add(1) <= requests {
				req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(`{}`)))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(smshook.SignatureHeader, "wrong")
				resp, err := srv.Client().Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusUnauthorized {
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, requests, refused.Load(), "every request with a wrong secret is answered 401")
	out := log.String()
	lines := strings.Count(out, "\n")
	t.Logf("%d requests with a wrong secret: %d log lines, %d bytes", requests, lines, len(out))
	require.LessOrEqual(t, len(out), 16<<10, "the log grew with the flood")
}
