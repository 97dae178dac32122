package hookkey

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOfKeepsProductsApart: one appKey, event and hookId in two products are two keys; the spelling of a
// product's case is not.
func TestOfKeepsProductsApart(t *testing.T) {
	t.Parallel()
	sms := Of("SMS", "app", "UNSUBSCRIBE", "h1")
	require.NotEqual(t, sms, Of("Email", "app", "UNSUBSCRIBE", "h1"))
	require.NotEqual(t, sms, Of("KakaoTalk Bizmessage", "app", "UNSUBSCRIBE", "h1"))
	require.Equal(t, sms, Of("Sms", "app", "UNSUBSCRIBE", "h1"))
	require.Equal(t, "v2:3:sms:3:app:11:UNSUBSCRIBE:h1", sms)
}

// TestOfIsUnambiguous: separators inside the parts cannot make two tuples share a key.
func TestOfIsUnambiguous(t *testing.T) {
	t.Parallel()
	require.NotEqual(t, Of("a:1", "b", "c", "d"), Of("a", "1:b", "c", "d"))
	require.NotEqual(t, Of("p", "a:b", "c", "d"), Of("p", "a", "b:c", "d"))
	require.NotEqual(t, Of("p", "a", "b", "c:d"), Of("p", "a", "b:c", "d"))
}

// TestLegacyIsTheKeyOfTheEarlierVersion: the legacy key of a key is what versions without the product wrote
// (the expected value is that version's formula, written out), and nothing else has one.
func TestLegacyIsTheKeyOfTheEarlierVersion(t *testing.T) {
	t.Parallel()
	for _, product := range []string{"SMS", "Email", "KakaoTalk Bizmessage", "", "a:b", "v2:3:x"} {
		got, ok := Legacy(Of(product, "app:1", "MESSAGE_RESULT_UPDATE", "hook:9"))
		require.True(t, ok, product)
		require.Equal(t, "5:app:1:21:MESSAGE_RESULT_UPDATE:hook:9", got, product)
	}
	for _, key := range []string{"", "5:app:1:21:MESSAGE_RESULT_UPDATE:hook:9", "v2:", "v2:x:y", "v2:9:sms:", "v2:-1:x", "v2:3:sms"} {
		_, ok := Legacy(key)
		require.False(t, ok, key)
	}
}

// FuzzLegacy: whatever the parts, Legacy finds the legacy key inside a key, and it never panics on any string.
func FuzzLegacy(f *testing.F) {
	f.Add("SMS", "app", "UNSUBSCRIBE", "h1")
	f.Fuzz(func(t *testing.T, product, appKey, event, hookID string) {
		got, ok := Legacy(Of(product, appKey, event, hookID))
		if !ok || got != legacy(appKey, event, hookID) {
			t.Fatalf("Legacy(Of(%q, %q, %q, %q)) = %q, %v", product, appKey, event, hookID, got, ok)
		}
		_, _ = Legacy(product + appKey + event + hookID) // never panics
	})
}
