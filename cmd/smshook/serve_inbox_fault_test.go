package main_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// TestServeInboxDeletedFile deletes the inbox file of a running serve: deliveries are answered 503, /readyz
// is 503 and names the fault, then where the file was restored, the metric counts it; serve restarted on the
// restored file hands over what was acknowledged before.
func TestServeInboxDeletedFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "inbox.db")
	// Receiving only: what was acknowledged stays stored for the restart.
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", file, "--inbox-workers", "0", "--metrics-addr", "127.0.0.1:0")
	base := s.metricsURL(t)
	acked := sample(t, api.EventTypeMessageResultUpdate)
	status, _ := post(t, s.url, "s3cret", marshal(t, acked))
	require.Equal(t, http.StatusOK, status)
	code, body := get(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code, body)

	require.NoError(t, os.Remove(file))
	status, answer := post(t, s.url, "s3cret", marshal(t, sample(t, api.EventTypeMessageResultUpdate)))
	assert.Equal(t, http.StatusServiceUnavailable, status, string(answer))
	assert.Contains(t, string(answer), "store-unavailable")
	assert.NotContains(t, string(answer), "deleted", "the kind is for /readyz, not for a caller not yet authenticated")
	require.Eventually(t, func() bool {
		code, body = get(t, base+"/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "restored to "+file+"; restart to resume")
	}, 10*time.Second, 50*time.Millisecond, "/readyz: %d %s", code, body)
	assert.Contains(t, body, "deleted")
	_, text := get(t, base+"/metrics")
	assert.Contains(t, text, "\n"+`smshook_inbox_fault{cause="deleted"} 1`+"\n")
	assert.Contains(t, text, "\n"+`smshook_inbox_fault{cause="disk_full"} 0`+"\n")
	assert.Contains(t, s.stderr.String(), `"fault":"deleted"`)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())

	s2 := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", file)
	_, ok := s2.stdout.waitLine(20*time.Second, s2.done, func(l string) bool { return strings.Contains(l, acked.hooksID()) })
	assert.True(t, ok, "the acknowledged delivery was not handed over after the restart; stderr:\n%s", s2.stderr.String())
	require.Equal(t, 0, s2.stop(t, syscall.SIGTERM), s2.stderr.String())
}

// TestServeInboxUnwritableFileExits starts serve on a file that is not a database: it exits non-zero and
// says why, instead of answering 500 and saying it is ready.
func TestServeInboxUnwritableFileExits(t *testing.T) {
	t.Parallel()
	file := writeFile(t, filepath.Join(t.TempDir(), "inbox.db"), []byte(strings.Repeat("not a database\n", 1000)))
	r := cli{args: []string{"serve", "--addr", "127.0.0.1:0", "--secret", "s3cret", "--inbox", file}}.run(t)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "smshook serve: inbox: the inbox's database is corrupted")
}
