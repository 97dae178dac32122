package main_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/pgserver"
	"github.com/smshook/smshook/internal/testenv"
)

// postgresInbox returns the URL of a new database for tb on the Postgres of $SMSHOOK_POSTGRES_URL (make test
// starts one) or on a server of the test's own, with a password in it that the server (trust) never asks for,
// so that tests can look for it in what serve prints.
func postgresInbox(tb testing.TB, password string) string {
	tb.Helper()
	ctx := context.Background()
	server, cleanup, err := pgserver.URL(ctx)
	if errors.Is(err, pgserver.ErrNotInstalled) {
		testenv.Missing(tb, "postgres", err.Error())
	}
	require.NoError(tb, err)
	tb.Cleanup(cleanup)
	name, drop, err := pgserver.CreateDatabase(ctx, server, fmt.Sprintf("serve_test_%d_%d", os.Getpid(), time.Now().UnixNano()))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = drop() })
	u, err := url.Parse(name)
	require.NoError(tb, err)
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

// TestServeInboxOnPostgres: a receiver that only receives (--inbox-workers 0) and a worker that forwards, two
// processes on one Postgres inbox: what the receiver acknowledges the worker forwards, once, signed; smshook
// inbox reads the same database; the URL's password is in no output.
func TestServeInboxOnPostgres(t *testing.T) {
	t.Parallel()
	const password = "pg-password-never-printed"
	inbox := postgresInbox(t, password)
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	receiver := startServe(t, []string{"SMSHOOK_SECRET=s3cret"}, "--inbox", inbox, "--inbox-workers", "0", "--hook-ids")
	worker := startServe(t, []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret},
		"--inbox", inbox, "--forward-to", appSrv.URL+"/nhn", "--hook-ids")

	var sent []delivery
	for _, kind := range api.Kinds() {
		d := sampleOf(t, kind)
		status, _ := post(t, receiver.url, "s3cret", marshal(t, d))
		require.Equal(t, http.StatusOK, status, kind)
		sent = append(sent, d)
	}
	for _, d := range sent {
		app.waitFor(t, d, 20*time.Second)
	}
	status, _ := post(t, receiver.url, "s3cret", marshal(t, sent[0]))
	require.Equal(t, http.StatusOK, status, "a copy")
	var report result
	// One job per delivery, the copy not stored; River records a completion a moment after the call returned.
	want := fmt.Sprintf("running 0, pending 0, completed %d,", len(sent))
	require.Eventually(t, func() bool {
		report = invoke(t, "inbox", inbox)
		return report.code == 0 && strings.Contains(report.stdout, want)
	}, 10*time.Second, 100*time.Millisecond, "%s", report.stdout)
	assert.Contains(t, report.stdout, "dead letters: 0")

	require.Equal(t, 0, receiver.stop(t, syscall.SIGTERM), receiver.stderr.String())
	require.Equal(t, 0, worker.stop(t, syscall.SIGTERM), worker.stderr.String())
	app.mu.Lock()
	defer app.mu.Unlock()
	assert.Zero(t, app.badSig)
	app.assertOnce(t, sent...)
	for _, r := range []result{receiver.result(), worker.result(), report} {
		assert.NotContains(t, r.stdout+r.stderr, password)
	}
	assert.Contains(t, receiver.result().stderr, "receiving only")
	assert.NotContains(t, receiver.result().stdout, sent[0].hooksID(), "the receiver hands nothing over")
	assert.Contains(t, worker.result().stdout, sent[0].hooksID(), "the worker prints what it forwarded")
}
