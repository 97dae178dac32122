package main_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// deadLetterServe returns an application that is down, a new inbox file, and start, which starts serve
// --inbox on the file, forwarding to the application, one attempt per job: until the application is up again,
// every delivery becomes a dead letter.
func deadLetterServe(t *testing.T) (app *forwardApp, file string, start func() *server) {
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	app.down.Store(true)
	file = filepath.Join(t.TempDir(), "inbox.db")
	env := []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret}
	return app, file, func() *server {
		return startServe(t, env, "--inbox", file, "--forward-to", appSrv.URL, "--inbox-max-attempts", "1")
	}
}

// TestInboxDeadLetters makes a dead letter with a real serve --inbox against an application that is down,
// lists it with smshook inbox, retries it and sees it reach the application, then drops another.
func TestInboxDeadLetters(t *testing.T) {
	t.Parallel()
	app, file, start := deadLetterServe(t)
	s := start()
	var sent []delivery
	for range 2 {
		d := sample(t, api.EventTypeMessageResultUpdate)
		status, _ := post(t, s.url, "s3cret", marshal(t, d))
		require.Equal(t, http.StatusOK, status)
		sent = append(sent, d)
	}
	deadLine := regexp.MustCompile(`(?m)^job (\d+) discarded event=MESSAGE_RESULT_UPDATE product="SMS" hooksId=(\S+) hooks=1 attempts=1/1 last_error=status_503 at=\S+$`)
	var out string
	// The counts and the list are two reads: wait until both show the two dead letters.
	require.Eventually(t, func() bool {
		out = invoke(t, "inbox", file).stdout
		return len(deadLine.FindAllString(out, -1)) == 2 && strings.Contains(out, "discarded 2, cancelled 0\ndead letters: 2\n")
	}, 20*time.Second, 100*time.Millisecond, "two dead letters; last output:\n%s", out)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	r := invoke(t, "inbox", file)
	assert.Equal(t, 0, r.code, r.stderr)
	assertNoValue(t, r, fixturePhones...)
	withPayload := invoke(t, "inbox", file, "--payload")
	assert.Contains(t, withPayload.stdout, `"recipientNo"`, "--payload prints the stored delivery")

	ids := map[string]string{} // hooksId → job id
	for _, m := range deadLine.FindAllStringSubmatch(r.stdout, -1) {
		ids[m[2]] = m[1]
	}
	retried, dropped := sent[0], sent[1]
	require.Contains(t, ids, retried.hooksID())
	require.Contains(t, ids, dropped.hooksID())

	r = invoke(t, "inbox", file, "--drop", ids[dropped.hooksID()])
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "dropped 1 dead letters\n", r.stdout)
	r = invoke(t, "inbox", file, "--retry", ids[retried.hooksID()])
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "retried 1 dead letters\n", r.stdout)
	r = invoke(t, "inbox", file, "--retry", ids[retried.hooksID()])
	assert.Equal(t, 1, r.code, "a retried job is no dead letter any more")
	assert.Contains(t, r.stderr, "is not a dead letter")
	r = invoke(t, "inbox", file)
	assert.Contains(t, r.stdout, "available 1,")
	assert.Contains(t, r.stdout, "dead letters: 0\n")

	app.down.Store(false)
	s = start()
	app.waitFor(t, retried, 20*time.Second)
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	assert.Zero(t, app.count(dropped.hook(0)["hookId"].(string)), "a dropped dead letter is not handed over")
	r = invoke(t, "inbox", file)
	assert.True(t, strings.HasPrefix(r.stdout, "available 0, scheduled 0, retryable 0, running 0, pending 0, completed 1, discarded 0, cancelled 0\n"), r.stdout)
}

func TestInboxUsageErrors(t *testing.T) {
	t.Parallel()
	notInbox := writeFile(t, filepath.Join(t.TempDir(), "x.db"), nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"inbox"}, "give the inbox FILE"},
		{[]string{"inbox", filepath.Join(t.TempDir(), "missing.db")}, "no such file"},
		{[]string{"inbox", notInbox}, "not an inbox ("},
		{[]string{"inbox", notInbox, "--retry", "1", "--drop", "2"}, "not both"},
	} {
		r := invoke(t, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
}

// TestInboxListsQuarantinedHooks: a hook that the compatible receiver dropped from a partial batch is kept in the
// inbox and listed with its pointers, its values only with --payload.
func TestInboxListsQuarantinedHooks(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "inbox.db")
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", file)
	d := sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		bad := map[string]any{"hookId": "quarantined-hook", "recipientSeq": 2, "recipientNo": "01012341234"} // no requestId
		d["hooks"] = append(d.hooks(), bad)
	})
	status, answer := post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status, string(answer))
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())

	r := invoke(t, "inbox", file)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^quarantined hooks: 1\nquarantined product="SMS" event=MESSAGE_RESULT_UPDATE hooksId=`+d.hooksID()+
		` hook=1 violations=/hooks/1/requestId at=\S+$`, r.stdout)
	assertNoValue(t, r, fixturePhones...)
	withPayload := invoke(t, "inbox", file, "--payload")
	assert.Contains(t, withPayload.stdout, `"quarantined-hook"`, "--payload prints the hook")
}

// TestInboxListsEveryDeadDelivery: deliveries posted at once share jobs; smshook inbox lists each delivery
// its job gave up on, with the job's id, and --retry of a job counts the deliveries it holds.
func TestInboxListsEveryDeadDelivery(t *testing.T) {
	t.Parallel()
	_, file, start := deadLetterServe(t)
	s := start()
	const n = 24
	var wg sync.WaitGroup
	for range n {
		body := marshal(t, sample(t, api.EventTypeMessageResultUpdate))
		wg.Go(func() {
			status, _ := post(t, s.url, "s3cret", body)
			assert.Equal(t, http.StatusOK, status)
		})
	}
	wg.Wait()
	deadLine := regexp.MustCompile(`(?m)^job (\d+) discarded event=MESSAGE_RESULT_UPDATE product="SMS" hooksId=\S+ hooks=1 attempts=1/1 last_error=status_503 at=\S+$`)
	var out string
	require.Eventually(t, func() bool {
		out = invoke(t, "inbox", file).stdout
		return len(deadLine.FindAllString(out, -1)) == n && strings.Contains(out, fmt.Sprintf("dead letters: %d\n", n))
	}, 30*time.Second, 100*time.Millisecond, "every delivery listed")
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())

	perJob := map[string]int{}
	for _, m := range deadLine.FindAllStringSubmatch(out, -1) {
		perJob[m[1]]++
	}
	var job string
	for id := range perJob {
		job = id
		break
	}
	r := invoke(t, "inbox", file, "--retry", job)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, fmt.Sprintf("retried %d dead letters\n", perJob[job]), r.stdout)
	r = invoke(t, "inbox", file)
	assert.Contains(t, r.stdout, fmt.Sprintf("dead letters: %d\n", n-perJob[job]))
	t.Logf("%d deliveries in %d jobs", n, len(perJob))
}
