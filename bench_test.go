package smshook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
)

// batch is a MESSAGE_RESULT_UPDATE delivery of n copies of the vendor's hook (with unique hookIds).
func batch(tb testing.TB, n int) []byte {
	tb.Helper()
	var env map[string]any
	require.NoError(tb, json.Unmarshal(fixtures.Read("message-result-update.json"), &env))
	hook := env["hooks"].([]any)[0].(map[string]any)
	hooks := make([]any, n)
	for i := range hooks {
		h := make(map[string]any, len(hook))
		for k, v := range hook {
			h[k] = v
		}
		h["hookId"] = fmt.Sprintf("20240429205809GcSUXthV%04d", i)
		hooks[i] = h
	}
	env["hooks"] = hooks
	b, err := json.Marshal(env)
	require.NoError(tb, err)
	return b
}

// nopWriter is the cheapest http.ResponseWriter: the benchmark measures the handler, not a recorder.
// It keeps the last status, so that the benchmark knows it measured acknowledged deliveries.
type nopWriter struct {
	h      http.Header
	status int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkReceive measures a delivery through ServeHTTP: signature, content type, body read, parse,
// kin-openapi validation, typed binding and dispatch. Compare with BenchmarkDecodeOnly of the same size.
// Deduplication is off: the benchmark posts one delivery again and again, which it would acknowledge without
// dispatching.
func BenchmarkReceive(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("hooks=%d", n), func(b *testing.B) {
			body := batch(b, n)
			// A func for the event, not a nil one: a delivery nobody takes is logged, which is not what is measured.
			app := smshook.Handler{MessageResultUpdate: func(context.Context, *api.MessageResultUpdateEnvelope) error { return nil }}
			h, err := smshook.NewHandler(app, smshook.WithSecrets(testSecret), smshook.WithoutDeduplication(),
				smshook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(b, err)
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.Header.Set("Content-Type", "application/json;charset=UTF-8")
			req.Header.Set(smshook.SignatureHeader, testSecret)
			req.ContentLength = int64(len(body))
			w := &nopWriter{h: http.Header{}}
			reader := bytes.NewReader(body)
			req.Body = io.NopCloser(reader)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				reader.Reset(body)
				h.ServeHTTP(w, req)
			}
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// BenchmarkDecodeOnly is the floor: encoding/json into the generated type, nothing checked.
func BenchmarkDecodeOnly(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("hooks=%d", n), func(b *testing.B) {
			body := batch(b, n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var e api.MessageResultUpdateEnvelope
				if err := json.Unmarshal(body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
