package smshook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
)

// fuzzApp processes message results and fails on demand.
type fuzzApp struct {
	fail      bool
	processed map[string]int
}

func (a *fuzzApp) messageResultUpdate(_ context.Context, e *api.SMSMessageResultUpdateEnvelope) error {
	if a.fail {
		return errors.New("application down")
	}
	for _, h := range e.Hooks {
		a.processed[h.HookID]++
	}
	return nil
}

// fuzzStore is a memory store on a clock of the test's, whose steps fail on demand: a claim that ran but whose
// answer was lost, a commit or a release that did not run.
type fuzzStore struct {
	*memoryStore
	failClaim, failCommit, failRelease bool
	commitFailed                       map[string]bool
	mu                                 sync.Mutex
}

func (s *fuzzStore) Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]ClaimState, error) {
	states, err := s.memoryStore.Claim(ctx, ids, token, lease)
	if s.failClaim {
		return nil, errors.New("timeout")
	}
	return states, err
}

func (s *fuzzStore) Commit(ctx context.Context, ids []string, token string, retention time.Duration) error {
	if s.failCommit {
		for _, id := range ids {
			s.commitFailed[id] = true
		}
		return errors.New("timeout")
	}
	err := s.memoryStore.Commit(ctx, ids, token, retention)
	if errors.Is(err, ErrLeaseLost) {
		for _, id := range ids {
			s.commitFailed[id] = true
		}
	}
	return err
}

func (s *fuzzStore) Release(ctx context.Context, ids []string, token string) error {
	s.mu.Lock() // the clean-up after a failed claim runs in the background
	defer s.mu.Unlock()
	if s.failRelease {
		return errors.New("timeout")
	}
	return s.memoryStore.Release(ctx, ids, token)
}

// FuzzDeliveryOutcomes plays sequences of deliveries of a few hookIds against a handler whose application and
// store fail at any step and whose leases expire at any moment. After every answer: a 200 means every hook of
// the delivery was processed; a hook was processed twice only after a commit that did not take; the answer is
// 200, 500 or 503.
func FuzzDeliveryOutcomes(f *testing.F) {
	f.Add([]byte{0x07, 0x00, 0x07, 0x10, 0x07, 0x20, 0x03, 0x41, 0x07, 0x80, 0x05, 0x08})
	f.Add([]byte{0x01, 0x02, 0x04, 0x01, 0x01, 0x40, 0x01, 0x80, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, program []byte) {
		if len(program) > 64 {
			return
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		m := newMemoryStore(0)
		var clock sync.Mutex
		m.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
		store := &fuzzStore{memoryStore: m, commitFailed: map[string]bool{}}
		app := &fuzzApp{processed: map[string]int{}}
		hh, err := NewHandler(Handler{SMSMessageResultUpdate: app.messageResultUpdate}, WithSecrets("s"), WithStore(store),
			WithClaimLease(time.Minute), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(program); i += 2 {
			hooks, faults := program[i], program[i+1]
			var ids []string
			for b := range 4 {
				if hooks&(1<<b) != 0 {
					ids = append(ids, fmt.Sprint("h", b))
				}
			}
			if len(ids) == 0 {
				continue
			}
			app.fail = faults&0x01 != 0
			store.mu.Lock()
			store.failClaim, store.failCommit, store.failRelease = faults&0x02 != 0, faults&0x04 != 0, faults&0x08 != 0
			store.mu.Unlock()
			if faults&0x40 != 0 {
				clock.Lock()
				now = now.Add(2 * time.Minute) // every lease expires
				clock.Unlock()
			}
			w := httptest.NewRecorder()
			hh.ServeHTTP(w, fuzzRequest(ids))
			switch w.Code {
			case http.StatusOK:
				for _, id := range ids {
					if app.processed[id] == 0 {
						t.Fatalf("step %d: %s acknowledged, never processed", i/2, id)
					}
				}
			case http.StatusInternalServerError, http.StatusServiceUnavailable:
			default:
				t.Fatalf("step %d: status %d", i/2, w.Code)
			}
			for id, n := range app.processed {
				if n > 1 && !store.commitFailed[hookkey.Of("SMS", "k", "MESSAGE_RESULT_UPDATE", id)] {
					t.Fatalf("step %d: %s processed %d times, and every commit took", i/2, id, n)
				}
			}
		}
	})
}

func fuzzRequest(ids []string) *http.Request {
	hooks := make([]string, len(ids))
	for i, id := range ids {
		hooks[i] = fmt.Sprintf(`{"hookId":%q,"requestId":"r","recipientSeq":%d}`, id, i+1)
	}
	body := `{"hooksId":"x","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"MESSAGE_RESULT_UPDATE","hooks":[` +
		strings.Join(hooks, ",") + `]}`
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(SignatureHeader, "s")
	return r
}
