// Package testenv decides what a test does when a real server it runs against is missing: it fails, naming what
// to install, unless the user asked to skip that server's suites with $SMSHOOK_SKIP. So no suite is skipped in
// silence: `make test` installs the servers first (scripts/prereqs) and ends with a line naming those it used.
package testenv

import (
	"os"
	"strings"
	"testing"
)

// SkipEnv names the variable that lists, comma-separated, the servers whose suites are skipped: redis,
// postgres, chromium.
const SkipEnv = "SMSHOOK_SKIP"

// Skipped reports whether $SMSHOOK_SKIP names server.
func Skipped(server string) bool {
	for _, s := range strings.Split(os.Getenv(SkipEnv), ",") {
		if strings.TrimSpace(s) == server {
			return true
		}
	}
	return false
}

// Missing ends tb because server, which it needs, is not at hand (why says what was looked for): it skips tb
// when $SMSHOOK_SKIP names server, and fails it otherwise.
func Missing(tb testing.TB, server, why string) {
	tb.Helper()
	if Skipped(server) {
		tb.Skipf("skipped: %s=%s asks to skip the %s suites (%s)", SkipEnv, os.Getenv(SkipEnv), server, why)
	}
	tb.Fatalf("%s: %s; run scripts/prereqs (make test does) to install it, or set %s=%s to skip its suites",
		server, why, SkipEnv, server)
}

// Need skips tb at once when $SMSHOOK_SKIP names server, before the test starts anything of it.
func Need(tb testing.TB, server string) {
	tb.Helper()
	if Skipped(server) {
		tb.Skipf("skipped: %s=%s asks to skip the %s suites", SkipEnv, os.Getenv(SkipEnv), server)
	}
}
