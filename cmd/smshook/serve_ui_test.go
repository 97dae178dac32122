package main_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

const (
	uiToken  = "a-token-of-sixteen-or-more"
	uiSecret = "the-ui-test-secret"
)

// inspectorURL waits for serve's log line that says where the inspector listens.
func inspectorURL(tb testing.TB, s *server) string {
	tb.Helper()
	line, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool {
		return strings.HasPrefix(logMsg(l), "inspector on http://")
	})
	require.True(tb, ok, "serve did not log where the inspector listens; stderr:\n%s", s.stderr.String())
	return strings.TrimSuffix(strings.TrimPrefix(logMsg(line), "inspector on "), "/")
}

func getPage(tb testing.TB, url string, header http.Header) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(tb, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, string(b)
}

func TestServeUIShowsWhatArrives(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--secret", uiSecret, "--ui", "127.0.0.1:0", "--ui-requests", "2")
	ui := inspectorURL(t, s)

	body := marshal(t, sample(t, api.EventTypeMessageResultUpdate))
	status, _ := post(t, s.url, uiSecret, body)
	require.Equal(t, http.StatusOK, status)
	status, _ = post(t, s.url, "wrong", body)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = post(t, s.url, uiSecret, []byte(`{"appKey":"String"}`))
	require.Equal(t, http.StatusOK, status)

	var page string
	require.Eventually(t, func() bool {
		_, page = getPage(t, ui+"/", nil)
		return strings.Contains(page, `id="r3"`)
	}, 10*time.Second, 20*time.Millisecond)
	assert.Contains(t, page, "401")
	assert.Contains(t, page, "verification")
	assert.NotContains(t, page, `id="r1"`, "--ui-requests 2 keeps the last two")
	assert.NotContains(t, page, "01012341234")

	code, detail := getPage(t, ui+"/requests/2", nil)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, detail, "[redacted]")
	assert.NotContains(t, detail, "wrong", "the secret header's value is never shown")
	assert.NotContains(t, detail, "01012341234")
	assert.NotContains(t, detail, uiSecret)

	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), "an open page does not hold up the shutdown")
	assertNoValue(t, s.result(), "01012341234", uiSecret)
}

func TestServeWithoutUIServesNoInspector(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--secret", "k")
	status, _ := post(t, s.url, "k", marshal(t, sample(t, api.EventTypeUnsubscribe)))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
	assert.NotContains(t, s.stderr.String(), "inspector")
}

func TestServeUIRemoteNeedsAFlagAndAToken(t *testing.T) {
	t.Parallel()
	tokenFile := writeFile(t, filepath.Join(t.TempDir(), "token"), []byte(uiToken+"\n"))
	shortFile := writeFile(t, filepath.Join(t.TempDir(), "short"), []byte("short\n"))
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"every interface", []string{"--ui", ":0"}, nil, "not a loopback address"},
		{"another address", []string{"--ui", "0.0.0.0:0", "--ui-token-file", tokenFile}, nil, "add --ui-remote"},
		{"remote without a token", []string{"--ui", "0.0.0.0:0", "--ui-remote"}, nil, "needs a token"},
		{"a short token", []string{"--ui", "127.0.0.1:0", "--ui-token-file", shortFile}, nil, "at least 16"},
		{"a short token from the environment", []string{"--ui", "0.0.0.0:0", "--ui-remote"}, []string{"SMSHOOK_UI_TOKEN=short"}, "at least 16"},
		{"a token file without --ui", []string{"--ui-token-file", tokenFile}, nil, "need --ui"},
		{"no requests kept", []string{"--ui", "127.0.0.1:0", "--ui-requests", "0"}, nil, "--ui-requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := cli{args: append([]string{"serve", "--addr", "127.0.0.1:0", "--secret", "k"}, tc.args...), env: tc.env}.run(t)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, uiToken)
		})
	}
}

func TestServeUIRemoteAsksItsToken(t *testing.T) {
	t.Parallel()
	s := startServe(t, []string{"SMSHOOK_UI_TOKEN=" + uiToken}, "--secret", "k", "--ui", "0.0.0.0:0", "--ui-remote")
	ui := inspectorURL(t, s)
	ui = "http://127.0.0.1:" + ui[strings.LastIndex(ui, ":")+1:]

	code, _ := getPage(t, ui+"/", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = getPage(t, ui+"/", http.Header{"Authorization": {"Bearer not-the-token-at-all"}})
	assert.Equal(t, http.StatusUnauthorized, code)
	code, page := getPage(t, ui+"/", http.Header{"Authorization": {"Bearer " + uiToken}})
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, "Requests")
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
	assert.NotContains(t, s.stderr.String(), uiToken, "the token is never logged")
}

// TestServeUIShowsTheInbox: with --inbox the page shows the inbox's deliveries by state, read from its file: a
// delivery the application (here, a forward target that refuses it) has not taken is retrying.
func TestServeUIShowsTheInbox(t *testing.T) {
	t.Parallel()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer refusing.Close()
	secret := "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	s := startServe(t, []string{"SMSHOOK_FORWARD_SECRET=" + secret}, "--secret", uiSecret, "--ui", "127.0.0.1:0",
		"--inbox", filepath.Join(t.TempDir(), "inbox.db"), "--forward-to", refusing.URL)
	ui := inspectorURL(t, s)
	status, _ := post(t, s.url, uiSecret, marshal(t, sample(t, api.EventTypeConversionBlock)))
	require.Equal(t, http.StatusOK, status)

	gauge := regexp.MustCompile(`<dt>retrying</dt><dd>1</dd>`)
	var page string
	require.Eventually(t, func() bool {
		_, page = getPage(t, ui+"/", nil)
		return gauge.MatchString(page)
	}, 20*time.Second, 100*time.Millisecond, "the inbox's figures: %s", page)
	for _, name := range []string{"pending", "running", "dead"} {
		assert.Contains(t, page, "<dt>"+name+"</dt>")
	}
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
}
