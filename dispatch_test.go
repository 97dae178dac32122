package smshook_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/syncbuf"
	"github.com/smshook/smshook/smshooktest"
)

// samples returns a fresh sample of every event of the contract, with the name of the func of Handler that
// takes it.
func samples() []call {
	return []call{
		{"SMSUnsubscribe", smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()},
		{"SMSMessageResultUpdate", smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()},
		{"SMSConversionBlock", smshooktest.Sample[*api.SMSConversionBlockEnvelope]()},
		{"SMSInternationalDeliveryReceipt", smshooktest.Sample[*api.SMSInternationalDeliveryReceiptEnvelope]()},
		{"EmailUnsubscribe", smshooktest.Sample[*api.EmailUnsubscribeEnvelope]()},
		{"EmailMessageResultUpdate", smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope]()},
		{"KakaoTalkMessageResultUpdate", smshooktest.Sample[*api.KakaoTalkMessageResultUpdateEnvelope]()},
		{"KakaoTalkTemplateStatusUpdate", smshooktest.Sample[*api.KakaoTalkTemplateStatusUpdateEnvelope]()},
	}
}

// logLine is the part of a JSON log line the tests read.
type logLine struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	Event   string `json:"event"`
	HooksID string `json:"hooksId"`
	Hooks   int    `json:"hooks"`
}

// logLines decodes every line of a JSON log.
func logLines(tb testing.TB, log string) []logLine {
	tb.Helper()
	var out []logLine
	for l := range strings.Lines(log) {
		var line logLine
		require.NoError(tb, json.Unmarshal([]byte(l), &line), l)
		out = append(out, line)
	}
	return out
}

func TestSamplesCoverEveryKind(t *testing.T) {
	t.Parallel()
	var kinds []api.Kind
	for _, s := range samples() {
		kinds = append(kinds, s.w.Head().Kind())
	}
	require.Equal(t, api.Kinds(), kinds, "a new kind needs a row in samples")
}

// only returns h with the funcs named kept and the others nil.
func only(h smshook.Handler, keep ...string) smshook.Handler {
	v := reflect.ValueOf(&h).Elem()
	for i := range v.NumField() {
		if !slices.Contains(keep, v.Type().Field(i).Name) {
			v.Field(i).SetZero()
		}
	}
	return h
}

// TestNilFuncIsAcknowledgedAndLogged: a delivery whose func is nil, Default too, is answered 200, and a warning
// names its event and hooksId, so that an event the application forgot to handle does not go unseen.
func TestNilFuncIsAcknowledgedAndLogged(t *testing.T) {
	t.Parallel()
	for _, s := range append(samples(), call{"unknown event", decodeUnknownEvent(t)}) {
		t.Run(s.fn, func(t *testing.T) {
			t.Parallel()
			var c calls
			var logs syncbuf.Buffer
			var others []string // the funcs of the other events
			for _, o := range samples() {
				if o.fn != s.fn {
					others = append(others, o.fn)
				}
			}
			for _, h := range []smshook.Handler{{}, only(c.handler(), others...)} {
				receiver, err := smshook.NewHandler(h, smshook.WithSecrets(testSecret),
					smshook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
				require.NoError(t, err)
				w := smshooktest.Post(t, receiver, s.w, testSecret)
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				require.Empty(t, w.Body.String())
			}
			require.Empty(t, c.received(), "no other func was called")

			// One line per delivery names it (an unknown event also logs its drift, without the hooksId).
			head := s.w.Head()
			var named []logLine
			for _, line := range logLines(t, logs.String()) {
				if line.HooksID == head.HooksID {
					named = append(named, line)
				}
			}
			require.Len(t, named, 2, logs.String())
			for _, line := range named {
				require.Equal(t, "WARN", line.Level)
				require.Equal(t, string(head.Event), line.Event)
				require.Equal(t, s.w.HookCount(), line.Hooks)
			}
			for _, v := range leakedValues {
				require.NotContains(t, logs.String(), v)
			}
		})
	}
}

// decodeUnknownEvent is unknownEvent as the handler hands it over.
func decodeUnknownEvent(tb testing.TB) *api.Envelope {
	tb.Helper()
	var e api.Envelope
	require.NoError(tb, json.Unmarshal(unknownEvent, &e))
	return &e
}

// TestDefaultTakesWhatNoFuncTakes: Default receives the deliveries of the events whose func is nil, typed, and
// those of unknown events; an event whose func is set never reaches it.
func TestDefaultTakesWhatNoFuncTakes(t *testing.T) {
	t.Parallel()
	for _, set := range samples() {
		t.Run("only "+set.fn, func(t *testing.T) {
			t.Parallel()
			var c calls
			receiver := newHandler(t, only(c.handler(), set.fn, "Default"))
			var want []call
			for _, s := range samples() {
				require.Equal(t, http.StatusOK, smshooktest.Post(t, receiver, s.w, testSecret).Code)
				if s.fn != set.fn {
					s.fn = "Default"
				}
				want = append(want, s)
			}
			require.Equal(t, http.StatusOK, smshooktest.Post(t, receiver, unknownEvent, testSecret).Code)
			want = append(want, call{"Default", decodeUnknownEvent(t)})
			require.Equal(t, want, c.received())
		})
	}
}

// TestHandleDispatches: Handler.Handle hands a webhook to the func of its event, else to Default, returns
// what the func returns, and nil when nothing takes it.
func TestHandleDispatches(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var c calls
	h := c.handler()
	want := samples()
	for _, s := range want {
		require.NoError(t, h.Handle(ctx, s.w))
	}
	unknown := decodeUnknownEvent(t)
	require.NoError(t, h.Handle(ctx, unknown))
	require.Equal(t, append(want, call{"Default", unknown}), c.received())

	var none smshook.Handler
	for _, s := range samples() {
		require.NoError(t, none.Handle(ctx, s.w), "nothing takes it")
	}
	require.NoError(t, none.Handle(ctx, unknown))

	failure := errors.New("database down")
	failing := smshook.Handler{
		SMSMessageResultUpdate: func(context.Context, *api.SMSMessageResultUpdateEnvelope) error { return failure },
		Default:                func(context.Context, api.Webhook) error { return errors.New("not the func of the event") },
	}
	require.ErrorIs(t, failing.Handle(ctx, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), failure)
	require.Error(t, failing.Handle(ctx, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()), "Default took it")
}
