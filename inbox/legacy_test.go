package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

// TestLegacyHookIDsAreHonoured: a hookId stored by a version whose keys lacked the product (its row written
// by hand into the inbox, in that version's format) makes a redelivery acknowledged and not stored again,
// while an SMS and an Email UNSUBSCRIBE sharing an appKey and hookId are both stored and both reach the
// application.
func TestLegacyHookIDsAreHonoured(t *testing.T) {
	t.Parallel()
	ib, _ := openInbox(t, Config{})
	ctx := context.Background()
	url := serve(t, ib)
	a := newApp()
	run(t, ib, a.handler())

	old, body, ids := mru(t, 2)
	legacy := fmt.Sprintf("%d:%s:%d:%s:%s", len(old.AppKey), old.AppKey, len(old.Event), old.Event, ids[0])
	_, err := ib.d.Write.ExecContext(ctx, `INSERT INTO smshook_hook (id, expires_at) VALUES ($1, $2)`,
		legacy, time.Now().Add(time.Hour).UnixMilli())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, url, body))
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.done[ids[1]] == 1 }), "the new hook was never handed over")

	sms := smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()
	email := smshooktest.Sample[*api.EmailUnsubscribeEnvelope]()
	email.AppKey, email.Hooks[0].HookID = sms.AppKey, sms.Hooks[0].HookID
	for _, d := range []any{sms, email, sms, email} {
		b, err := json.Marshal(d)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, url, b))
	}
	require.True(t, a.waitUntil(10*time.Second, func() bool { return a.done[sms.Hooks[0].HookID] == 2 }),
		"the SMS and the Email event sharing a hookId: %d handed over", a.doneCount(sms.Hooks[0].HookID))
	time.Sleep(300 * time.Millisecond) // a further hand-over would have come by now
	require.Equal(t, 2, a.doneCount(sms.Hooks[0].HookID), "each product's event once")
	require.Zero(t, a.doneCount(ids[0]), "stored before the upgrade: not handed over again")
	require.Equal(t, 1, a.doneCount(ids[1]))
	var legacyRows int
	require.NoError(t, ib.d.Write.QueryRowContext(ctx, `SELECT count(*) FROM smshook_hook WHERE id NOT LIKE 'v2:%'`).Scan(&legacyRows))
	require.Equal(t, 1, legacyRows, "no legacy key written")
}
