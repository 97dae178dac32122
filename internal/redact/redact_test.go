package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestURLMasksEveryCredential: the user-info password and every parameter whose name may hold a credential lose
// their value; where the URL points, and the other parameters, stay readable.
func TestURLMasksEveryCredential(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, raw, want string }{
		{"user-info", "postgres://smshook:SECRETX@db.internal:5432/smshook?sslmode=require",
			"postgres://smshook:xxxxx@db.internal:5432/smshook?sslmode=require"},
		{"password parameter", "postgres://u@127.0.0.1:1/db?password=SECRETX",
			"postgres://u@127.0.0.1:1/db?password=xxxxx"},
		{"several parameters, order kept", "postgres://u@h/db?sslmode=disable&sslpassword=SECRETX&application_name=a&PassFile=SECRETX",
			"postgres://u@h/db?sslmode=disable&sslpassword=xxxxx&application_name=a&PassFile=xxxxx"},
		{"encoded name", "postgres://u@h/db?pass%77ord=SECRETX", "postgres://u@h/db?pass%77ord=xxxxx"},
		{"token and secret", "redis://h:6379/0?auth_token=SECRETX&client_secret=SECRETX&db=1",
			"redis://h:6379/0?auth_token=xxxxx&client_secret=xxxxx&db=1"},
		{"empty user", "redis://:SECRETX@127.0.0.1:6379/0", "redis://:xxxxx@127.0.0.1:6379/0"},
		{"no password", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"unparsable", "postgres://u:SECRETX@h:%zz/db", "postgres://…"},
		{"a path", "/var/lib/smshook/inbox.db", "/var/lib/smshook/inbox.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := URL(c.raw)
			require.Equal(t, c.want, got)
			require.NotContains(t, got, "SECRETX")
		})
	}
}

// TestErrorMasksWhatTheMessageRepeats: an error quoting the URL, or one of its secrets decoded, is printed
// masked and still unwraps to its cause.
func TestErrorMasksWhatTheMessageRepeats(t *testing.T) {
	t.Parallel()
	raw := "postgres://u:pw%21X@h/db?password=SECRETX&token=T0KEN"
	cause := fmt.Errorf("cannot parse `%s`: %w", raw, fs.ErrInvalid)
	err := Error(fmt.Errorf("open: %w; param password=SECRETX token T0KEN user pw!X", cause), raw)
	for _, s := range []string{"SECRETX", "T0KEN", "pw!X", "pw%21X"} {
		require.NotContains(t, err.Error(), s)
	}
	require.Contains(t, err.Error(), "postgres://u:xxxxx@h/db?password=xxxxx&token=xxxxx")
	require.ErrorIs(t, err, fs.ErrInvalid)
	require.NoError(t, Error(nil, raw))
	plain := errors.New("connection refused")
	require.Same(t, plain, Error(plain, raw), "nothing to mask: the error itself")
	require.Equal(t, "dial /tmp/a.db", Error(errors.New("dial /tmp/a.db"), "/tmp/a.db").Error())
	require.False(t, strings.Contains(URL(raw), "SECRETX"))

	broken := "postgres://u:pa/ss@w?rd@h:5432/db" // unescaped / and @ in the password: it does not parse
	require.Equal(t, "postgres://…", URL(broken))
	err = Error(fmt.Errorf("cannot parse `%s`", strings.Replace(broken, "pa/ss@w?rd", "xxxxx", 1)+" near pa/ss@w?rd"), broken)
	require.NotContains(t, err.Error(), "pa/ss@w?rd")
}
