// Package redact masks the secrets of a database or Redis URL, so that the URL, or an error that repeats it,
// can be printed and logged: the password of its user-info and the value of every query parameter that may
// hold a credential.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces each secret.
const Mask = "xxxxx"

// URL returns raw fit for a log line. A URL (anything with "://") keeps its scheme, host, path and the names
// of its query parameters, but its user-info password and the value of each parameter that Secret names are
// Mask; a URL that does not parse shows its scheme only, since its secrets cannot be told apart from the
// rest. Anything else (the path of a file) is returned as it is.
func URL(raw string) string {
	scheme, _, isURL := strings.Cut(raw, "://")
	if !isURL {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return scheme + "://…"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Mask)
	}
	u.RawQuery = maskQuery(u.RawQuery)
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = Mask, ""
	}
	return u.String()
}

// Secret reports whether a query parameter's name may hold a credential: password, sslpassword, passfile,
// auth_token, client_secret and the like, in any case.
func Secret(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "pass") || strings.Contains(name, "secret") || strings.Contains(name, "token")
}

// maskQuery masks the values of rawQuery's secret parameters and leaves the rest as written, in its order.
func maskQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	parts := strings.Split(rawQuery, "&")
	for i, p := range parts {
		key, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(key)
		if err != nil || Secret(name) {
			parts[i] = key + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// secrets returns the secrets of raw as they may appear in an error: raw and percent-decoded.
func secrets(raw string) []string {
	if !strings.Contains(raw, "://") {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" && s != Mask {
			out = append(out, s)
			if d, err := url.QueryUnescape(s); err == nil && d != s {
				out = append(out, d)
			}
		}
	}
	// The user-info ends at the last @: a password with an unescaped /, ? or @ (a URL that does not parse,
	// which is when drivers quote it) is still found whole. An @ in the query makes more than the password
	// masked, never less.
	rest := raw[strings.Index(raw, "://")+3:]
	at := strings.LastIndex(rest, "@")
	if at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			add(pw)
		}
	}
	if _, q, ok := strings.Cut(raw, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		for p := range strings.SplitSeq(q, "&") {
			key, value, _ := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(key); err != nil || Secret(name) {
				add(value)
			}
		}
	}
	if _, frag, ok := strings.Cut(raw, "#"); ok {
		add(frag)
	}
	return out
}

// Error returns err with raw, and every secret of raw, masked wherever its message repeats them (pgx's and
// go-redis's errors may quote the URL or one of its parameters); errors.Is and errors.As still see err. It
// returns nil for nil and err itself when the message repeats nothing of raw.
func Error(err error, raw string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	masked := msg
	if strings.Contains(raw, "://") {
		masked = strings.ReplaceAll(masked, raw, URL(raw))
	}
	for _, s := range secrets(raw) {
		masked = strings.ReplaceAll(masked, s, Mask)
	}
	if masked == msg {
		return err
	}
	return &maskedError{err: err, msg: masked}
}

// maskedError is an error whose message had secrets masked.
type maskedError struct {
	err error
	msg string
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }
