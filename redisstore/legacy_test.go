package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/hookkey"
	"github.com/smshook/smshook/smshooktest"
)

// legacyKey is the key that versions without the product in their keys wrote for a hook, spelled out here as
// they computed it, so that a change of hookkey.Legacy cannot pass unnoticed.
func legacyKey(appKey, event, hookID string) string {
	return fmt.Sprintf("%s%d:%s:%d:%s:%s", keyPrefix, len(appKey), appKey, len(event), event, hookID)
}

// TestClaimHonoursLegacyKeys: for one retention after an upgrade, a hook whose legacy key an earlier version
// marked done is Done, one whose legacy key it leases is InProgress, and in neither case is the key left
// leased; no legacy key is written.
func TestClaimHonoursLegacyKeys(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	client := redisClient(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, legacy string
		want         smshook.ClaimState
	}{
		{"done", "d:old-token", smshook.Done},
		{"done by the oldest format", "1", smshook.Done},
		{"leased", "p:old-token", smshook.InProgress},
		{"absent", "", smshook.Claimed},
	} {
		hookID := uniqueID(t) + "/" + c.name
		id := hookkey.Of("SMS", "app", "MESSAGE_RESULT_UPDATE", hookID)
		old := legacyKey("app", "MESSAGE_RESULT_UPDATE", hookID)
		if c.legacy != "" {
			require.NoError(t, client.Set(ctx, old, c.legacy, time.Minute).Err())
		}
		states, err := s.Claim(ctx, []string{id}, "new-token", time.Minute)
		require.NoError(t, err)
		require.Equal(t, []smshook.ClaimState{c.want}, states, c.name)
		n, err := client.Exists(ctx, keyPrefix+id).Result()
		require.NoError(t, err)
		require.Equal(t, int64(map[bool]int{true: 1}[c.want == smshook.Claimed]), n, "%s: the key is leased only when claimed", c.name)
		if c.want == smshook.Claimed {
			require.NoError(t, s.Commit(ctx, []string{id}, "new-token", time.Minute))
			require.Zero(t, client.Exists(ctx, old).Val(), "no legacy key written")
		}
	}
}

// TestLegacyKeyWrittenBeforeTheUpgradeIsARedelivery: a delivery processed by the earlier version (its legacy
// key written by hand into the real Redis) is acknowledged and not handed over again, while an SMS and an
// Email UNSUBSCRIBE sharing an appKey and hookId both reach the application.
func TestLegacyKeyWrittenBeforeTheUpgradeIsARedelivery(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	rec := &smshooktest.Recorder{}
	h, err := smshook.NewHandler(rec.Handler(), smshook.WithSecrets("k"), smshook.WithStore(s))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	old := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	old.Hooks[0].HookID = uniqueID(t)
	require.NoError(t, redisClient(t).Set(ctx, legacyKey(old.AppKey, string(old.Event), old.Hooks[0].HookID), "d:before", time.Minute).Err())
	require.Equal(t, http.StatusOK, send(t, srv.URL, old))
	require.Empty(t, rec.Webhooks(), "processed before the upgrade: not handed over again")

	sms := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	email := smshooktest.Sample[*api.EmailUnsubscribeEnvelope]()
	sms.Hooks[0].HookID = uniqueID(t)
	email.AppKey, email.Hooks[0].HookID = sms.AppKey, sms.Hooks[0].HookID
	for _, d := range []any{sms, email, sms, email} {
		require.Equal(t, http.StatusOK, send(t, srv.URL, d))
	}
	got := rec.Webhooks()
	require.Len(t, got, 2, "each product's event once")
	b, _ := json.Marshal(got[1])
	require.Contains(t, string(b), `"productName":"Email"`)
}
