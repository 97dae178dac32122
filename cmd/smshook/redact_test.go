package main_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leaked is the password of every URL these tests give; no output may contain it.
const leaked = "SECRETX"

// TestFailingStoreURLsPrintNoPassword: serve and smshook inbox, given a Redis or Postgres URL with a password
// in its user-info or in a query parameter, fail with a message that names where they tried and not the
// password, even when the driver's own error quotes the URL.
func TestFailingStoreURLsPrintNoPassword(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"redis, query password", []string{"serve", "--no-secret", "--redis", "redis://127.0.0.1:1/0?password=" + leaked}, "not a Redis URL"},
		{"redis, user-info", []string{"serve", "--no-secret", "--redis", "redis://u:" + leaked + "@127.0.0.1:1/0"}, "127.0.0.1:1 does not answer"},
		{"postgres, query password", []string{"serve", "--no-secret", "--inbox", "postgres://u@127.0.0.1:1/db?password=" + leaked}, "127.0.0.1:1"},
		{"postgres, user-info and sslpassword", []string{"serve", "--no-secret", "--inbox",
			"postgres://u:" + leaked + "@127.0.0.1:1/db?sslpassword=" + leaked}, "127.0.0.1:1"},
		{"postgres, a token the driver quotes", []string{"serve", "--no-secret", "--inbox",
			"postgres://u@127.0.0.1:1/db?auth_token=" + leaked + "&sslmode=bogus"}, "auth_token=xxxxx"},
		{"smshook inbox", []string{"inbox", "postgres://u:" + leaked + "@127.0.0.1:1/db?password=" + leaked}, "127.0.0.1:1"},
		{"smshook inbox, a token the driver quotes", []string{"inbox", "postgresql://u@127.0.0.1:1/db?client_secret=" + leaked + "&sslmode=bogus"}, "client_secret=xxxxx"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, c.args...)
			require.Equal(t, 2, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, c.want)
			assertNoValue(t, r, leaked)
		})
	}
}

// TestStartUpPrintsNoQueryPassword: serve on a real Postgres inbox whose URL carries passwords in its
// user-info and as query parameters logs where the inbox is, with every password masked, and so does smshook
// inbox reading it.
func TestStartUpPrintsNoQueryPassword(t *testing.T) {
	t.Parallel()
	inbox := postgresInbox(t, leaked)
	sep := "?"
	if strings.Contains(inbox, "?") {
		sep = "&"
	}
	inbox += sep + "password=" + leaked + "&application_name=smshook-test"
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", inbox)
	line, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool { return logMsg(l) == "inbox open" })
	require.True(t, ok, "no start-up line of the inbox:\n%s", s.stderr.String())
	assert.Contains(t, line, "password=xxxxx&application_name=smshook-test")
	assert.Contains(t, line, ":xxxxx@")
	report := invoke(t, "inbox", inbox)
	require.Equal(t, 0, report.code, report.stderr)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	assertNoValue(t, s.result(), leaked)
	assertNoValue(t, report, leaked)
}
