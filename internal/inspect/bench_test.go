package inspect

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// BenchmarkRecording measures what --ui adds to the receiver's ServeHTTP: "bare" is serve without --ui (the
// handler is not wrapped), "recorded" the same handler wrapped by the inspector.
func BenchmarkRecording(b *testing.B) {
	h, err := smshook.NewHandler(smshook.Handler{}, smshook.WithSecrets(testSecret), smshook.WithoutDeduplication(),
		smshook.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]())
	if err != nil {
		b.Fatal(err)
	}
	in := New(Options{})
	defer in.Close()
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", h}, {"recorded", in.Wrap(h)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(smshook.SignatureHeader, testSecret)
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
